//! The process's heap: `malloc` and its family, for Rust's allocator and libc's own callers, in
//! place of musl's mallocng, which costs a board binary 9 KB of code. Small blocks come in
//! power-of-two classes, carved from 64 KiB arenas and kept on a list per class once freed (a
//! tracer's blocks are few and recur: a map's keys, a record's text); a big block is a mapping of
//! its own, returned to the kernel when freed and grown by mremap.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::UnsafeCell;
use std::ffi::{c_int, c_void};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, Ordering};

/// Before every block's payload: its class, or for a mapping its length; then, for a block
/// handed out at a stricter alignment, the distance back to the block it lies in. Sixteen
/// bytes keep payloads as aligned as C's `max_align_t` asks on every target.
const HEADER: usize = 16;
const SMALLEST: usize = 32;
const CLASSES: usize = 10;
/// The largest class's block, header included; more is a mapping.
const LARGEST: usize = SMALLEST << (CLASSES - 1);
const ARENA: usize = 64 << 10;

struct Heap {
    /// Each class's freed blocks, linked through their first word.
    free: [*mut u8; CLASSES],
    /// What is left of the newest arena.
    next: *mut u8,
    end: *mut u8,
}

struct Shared {
    busy: AtomicBool,
    heap: UnsafeCell<Heap>,
}

// SAFETY: `heap` is only reached through `locked`, which holds `busy` for the whole access.
unsafe impl Sync for Shared {}

static HEAP: Shared = Shared {
    busy: AtomicBool::new(false),
    heap: UnsafeCell::new(Heap {
        free: [null_mut(); CLASSES],
        next: null_mut(),
        end: null_mut(),
    }),
};

/// `work` on the heap, alone: tine has one thread, but a test harness that links it has many.
fn locked<R>(work: impl FnOnce(&mut Heap) -> R) -> R {
    while HEAP
        .busy
        .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        std::hint::spin_loop();
    }
    // SAFETY: `busy` is held, so this is the only reference to the heap until it is released.
    let result = work(unsafe { &mut *HEAP.heap.get() });
    HEAP.busy.store(false, Ordering::Release);
    result
}

/// Fresh zeroed memory from the kernel, or null.
fn map(length: usize) -> *mut u8 {
    // SAFETY: a new private anonymous mapping aliases nothing.
    let address = unsafe {
        super::mapping::mmap(
            length,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if address == libc::MAP_FAILED {
        null_mut()
    } else {
        address.cast()
    }
}

impl Heap {
    /// A block of `class`, from its list or carved from the arena; null when memory is out.
    fn take(&mut self, class: usize) -> *mut u8 {
        let block = self.free[class];
        if !block.is_null() {
            // SAFETY: a listed block is free and holds the next one's address in its first word.
            self.free[class] = unsafe { block.cast::<*mut u8>().read() };
            return block;
        }
        let size = SMALLEST << class;
        if (self.end as usize) - (self.next as usize) < size {
            let arena = map(ARENA);
            if arena.is_null() {
                return arena;
            }
            self.next = arena;
            self.end = arena.wrapping_add(ARENA);
        }
        let block = self.next;
        self.next = block.wrapping_add(size);
        block
    }

    /// Lists `block`, a block of `class` no longer used, for the next `take`.
    ///
    /// # Safety
    /// `block` came from `take(class)` and nothing uses it any more.
    unsafe fn give(&mut self, block: *mut u8, class: usize) {
        // SAFETY: the block is free, so its first word is the list's to use.
        unsafe { block.cast::<*mut u8>().write(self.free[class]) };
        self.free[class] = block;
    }
}

/// The header of the payload at `payload`.
///
/// # Safety
/// `payload` came from this heap and was not freed.
unsafe fn header(payload: *mut u8) -> *mut [usize; 2] {
    // SAFETY: every payload follows its header (the caller's promise).
    unsafe { payload.sub(HEADER).cast() }
}

/// How many bytes the payload at `payload` may hold.
///
/// # Safety
/// As `header`.
unsafe fn capacity(payload: *mut u8) -> usize {
    // SAFETY: the caller's promise; an aligned payload lies `back` bytes into its block.
    unsafe {
        let [kind, back] = *header(payload);
        if back != 0 {
            capacity(payload.sub(back)) - back
        } else if kind < CLASSES {
            (SMALLEST << kind) - HEADER
        } else {
            kind - HEADER
        }
    }
}

// The C functions below call each other's work through these Rust names, never by C's: the
// compiler knows what C's allocation functions do, and would fold a malloc and a memset in
// calloc into a call of calloc itself.

/// malloc's work: a payload of `size` bytes, or null.
fn allocate(size: usize) -> *mut u8 {
    let Some(total) = size.checked_add(HEADER) else {
        return null_mut();
    };
    let (block, kind) = if total > LARGEST {
        (map(total), total)
    } else {
        // The smallest class whose blocks hold `total`.
        let class = (usize::BITS - (total - 1).leading_zeros()).saturating_sub(5) as usize;
        (locked(|heap| heap.take(class)), class)
    };
    if block.is_null() {
        return null_mut();
    }
    // SAFETY: `block` is a fresh block of at least `total` bytes, aligned to 16.
    unsafe {
        block.cast::<[usize; 2]>().write([kind, 0]);
        block.add(HEADER)
    }
}

/// free's work.
///
/// # Safety
/// `payload` is null or came from this heap, and is not used again.
unsafe fn release(payload: *mut u8) {
    if payload.is_null() {
        return;
    }
    // SAFETY: the caller's promise: `payload` came from this heap and is freed once.
    unsafe {
        let [kind, back] = *header(payload);
        let block = payload.sub(HEADER);
        if back != 0 {
            release(payload.sub(back));
        } else if kind < CLASSES {
            locked(|heap| heap.give(block, kind));
        } else {
            libc::munmap(block.cast(), kind);
        }
    }
}

/// # Safety
/// Called as C's malloc.
#[no_mangle]
pub unsafe extern "C" fn malloc(size: usize) -> *mut c_void {
    allocate(size).cast()
}

/// # Safety
/// Called as musl's internal malloc, which its time zone code calls: defined here, musl's own
/// simple allocator behind that name (~730 bytes) is not linked. Not in the unit tests' binary:
/// there the harness's threads and spawned commands reach musl code that frees through musl's
/// own allocator (the gcc layout test crashed).
#[cfg(all(target_env = "musl", not(test)))]
#[no_mangle]
pub unsafe extern "C" fn __libc_malloc(size: usize) -> *mut c_void {
    allocate(size).cast()
}

/// # Safety
/// Called as C's free.
#[no_mangle]
pub unsafe extern "C" fn free(payload: *mut c_void) {
    // SAFETY: C's contract: `payload` came from this heap and is freed once.
    unsafe { release(payload.cast()) }
}

/// # Safety
/// Called as C's calloc.
#[no_mangle]
pub unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut c_void {
    let Some(total) = count.checked_mul(size) else {
        return null_mut();
    };
    allocate_zeroed(total).cast()
}

/// calloc's work: `size` zero bytes.
fn allocate_zeroed(size: usize) -> *mut u8 {
    let payload = allocate(size);
    // A big block is a fresh mapping, zero already: writing it would make every page of a
    // buffer that may stay mostly unused resident.
    if !payload.is_null() && size <= LARGEST - HEADER {
        // SAFETY: the payload holds `size` bytes.
        unsafe { payload.write_bytes(0, size) };
    }
    payload
}

/// # Safety
/// Called as C's realloc.
#[no_mangle]
pub unsafe extern "C" fn realloc(payload: *mut c_void, size: usize) -> *mut c_void {
    // SAFETY: as realloc.
    unsafe { reallocate(payload.cast(), size).cast() }
}

/// realloc's work.
///
/// # Safety
/// As realloc.
unsafe fn reallocate(old: *mut u8, size: usize) -> *mut u8 {
    if old.is_null() {
        return allocate(size);
    }
    // SAFETY: C's contract: `old` came from this heap and is still live.
    unsafe {
        let held = capacity(old);
        if size <= held {
            return old;
        }
        let [kind, back] = *header(old);
        if back == 0 && kind >= CLASSES && size < usize::MAX - HEADER {
            // A mapping grows in place or moves without a copy. The system call itself:
            // libc's mremap carries what only its own allocator and MREMAP_FIXED need.
            let block = libc::syscall(
                libc::SYS_mremap,
                old.sub(HEADER),
                kind,
                size + HEADER,
                libc::MREMAP_MAYMOVE as libc::c_ulong,
            );
            if block == -1 {
                return null_mut();
            }
            let block = block as *mut u8;
            block.cast::<[usize; 2]>().write([size + HEADER, 0]);
            return block.add(HEADER);
        }
        let new = allocate(size);
        if !new.is_null() {
            old.copy_to_nonoverlapping(new, held);
            release(old);
        }
        new
    }
}

/// Rust's allocations, made by this heap directly: std's `System` reaches it through malloc,
/// posix_memalign, calloc and realloc, with alignment cases of its own on top (binary size).
struct RustHeap;

#[global_allocator]
static RUST_HEAP: RustHeap = RustHeap;

// SAFETY: the payloads are at least as aligned and as large as each layout asks (`aligned`),
// and stay until released; a reallocation keeps the old bytes.
unsafe impl GlobalAlloc for RustHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as malloc.
        unsafe { aligned(layout.align(), layout.size()).cast() }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= HEADER {
            return allocate_zeroed(layout.size());
        }
        // SAFETY: as malloc; the payload holds `layout.size()` bytes.
        unsafe {
            let payload = self.alloc(layout);
            if !payload.is_null() {
                payload.write_bytes(0, layout.size());
            }
            payload
        }
    }

    unsafe fn dealloc(&self, payload: *mut u8, _: Layout) {
        // SAFETY: the payload came from `alloc` and is not used again (GlobalAlloc's contract).
        unsafe { release(payload) }
    }

    unsafe fn realloc(&self, payload: *mut u8, layout: Layout, size: usize) -> *mut u8 {
        // SAFETY: as realloc; a payload more aligned than every block is moved by hand.
        unsafe {
            if layout.align() <= HEADER {
                return reallocate(payload, size);
            }
            let new = aligned(layout.align(), size).cast::<u8>();
            if !new.is_null() {
                payload.copy_to_nonoverlapping(new, layout.size().min(size));
                release(payload);
            }
            new
        }
    }
}

/// A payload at a multiple of `align` (a power of two), or null.
///
/// # Safety
/// As malloc.
unsafe fn aligned(align: usize, size: usize) -> *mut c_void {
    if align <= HEADER {
        return allocate(size).cast();
    }
    if !align.is_power_of_two() {
        return null_mut();
    }
    // SAFETY: the block holds `align` bytes more than asked, so the first multiple of `align`
    // in it has `size` bytes after it and, both being multiples of 16, a header's room before.
    unsafe {
        let Some(total) = size.checked_add(align) else {
            return null_mut();
        };
        let block = allocate(total);
        if block.is_null() {
            return null_mut();
        }
        let back = block.align_offset(align);
        let payload = block.add(back);
        if back != 0 {
            header(payload).write([0, back]);
        }
        payload.cast()
    }
}

/// # Safety
/// Called as C's aligned_alloc.
#[no_mangle]
pub unsafe extern "C" fn aligned_alloc(align: usize, size: usize) -> *mut c_void {
    // SAFETY: as malloc.
    unsafe { aligned(align, size) }
}

/// # Safety
/// Called as C's memalign.
#[no_mangle]
pub unsafe extern "C" fn memalign(align: usize, size: usize) -> *mut c_void {
    // SAFETY: as malloc.
    unsafe { aligned(align, size) }
}

/// # Safety
/// Called as C's posix_memalign.
#[no_mangle]
pub unsafe extern "C" fn posix_memalign(out: *mut *mut c_void, align: usize, size: usize) -> c_int {
    if !align.is_power_of_two() || align % size_of::<usize>() != 0 {
        return libc::EINVAL;
    }
    // SAFETY: as malloc; `out` is the caller's to write.
    unsafe {
        let payload = aligned(align, size);
        if payload.is_null() {
            return libc::ENOMEM;
        }
        out.write(payload);
    }
    0
}

/// # Safety
/// Called as C's malloc_usable_size.
#[no_mangle]
pub unsafe extern "C" fn malloc_usable_size(payload: *mut c_void) -> usize {
    if payload.is_null() {
        return 0;
    }
    // SAFETY: C's contract: `payload` came from this heap and is live.
    unsafe { capacity(payload.cast()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hint::black_box;

    // The C functions, called through pointers the compiler cannot see through: knowing what
    // C's allocation functions do, it could drop a test's allocation or assume it succeeded.
    type Malloc = unsafe extern "C" fn(usize) -> *mut c_void;
    type Calloc = unsafe extern "C" fn(usize, usize) -> *mut c_void;
    type Realloc = unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void;
    type Free = unsafe extern "C" fn(*mut c_void);
    type Usable = unsafe extern "C" fn(*mut c_void) -> usize;

    fn functions() -> (Malloc, Calloc, Realloc, Free, Usable, Calloc) {
        black_box((
            malloc as Malloc,
            calloc as Calloc,
            realloc as Realloc,
            free as Free,
            malloc_usable_size as Usable,
            aligned_alloc as Calloc,
        ))
    }

    #[test]
    fn rust_allocations_keep_their_alignment_and_bytes() {
        // SAFETY: each payload is used within its layout and released once.
        unsafe {
            for align in [1, 16, 64, 4096] {
                for size in [1, 100, LARGEST, 1 << 20] {
                    let layout = Layout::from_size_align(size, align).unwrap();
                    let payload = RUST_HEAP.alloc_zeroed(layout);
                    assert_eq!(payload as usize % align, 0, "{align} {size}");
                    assert!((0..size).all(|at| *payload.add(at) == 0), "{align} {size}");
                    payload.write_bytes(0x5A, size);
                    let grown = RUST_HEAP.realloc(payload, layout, size * 3);
                    assert_eq!(grown as usize % align, 0, "{align} {size}");
                    assert!((0..size).all(|at| *grown.add(at) == 0x5A), "{align} {size}");
                    RUST_HEAP.dealloc(grown, Layout::from_size_align(size * 3, align).unwrap());
                }
            }
        }
    }

    #[test]
    fn blocks_hold_what_was_asked_at_their_alignment_and_are_reused() {
        let (malloc, _, _, free, malloc_usable_size, aligned_alloc) = functions();
        // SAFETY: each payload is used within what was asked and freed once.
        unsafe {
            for size in [
                0,
                1,
                15,
                16,
                17,
                100,
                4000,
                LARGEST - HEADER,
                LARGEST,
                1 << 20,
            ] {
                let payload = malloc(size).cast::<u8>();
                assert_eq!(payload as usize % 16, 0, "size {size}");
                assert!(malloc_usable_size(payload.cast()) >= size, "size {size}");
                payload.write_bytes(0xA5, size);
                free(payload.cast());
            }
            for align in [32, 64, 4096, 1 << 16] {
                let payload = aligned_alloc(align, 48).cast::<u8>();
                assert_eq!(payload as usize % align, 0);
                assert!(malloc_usable_size(payload.cast()) >= 48);
                payload.write_bytes(1, 48);
                free(payload.cast());
            }
        }
    }

    #[test]
    fn a_freed_block_is_handed_out_again_before_the_arena_is_carved() {
        let mut heap = Heap {
            free: [null_mut(); CLASSES],
            next: null_mut(),
            end: null_mut(),
        };
        let first = heap.take(3);
        let second = heap.take(3);
        assert_eq!(second as usize - first as usize, SMALLEST << 3);
        // SAFETY: `first` came from take(3) and is not used.
        unsafe { heap.give(first, 3) };
        assert_eq!(heap.take(3), first);
        assert_eq!(heap.take(3) as usize, second as usize + (SMALLEST << 3));
    }

    #[test]
    fn realloc_keeps_the_bytes_as_blocks_grow_into_mappings() {
        let (malloc, calloc, realloc, free, _, _) = functions();
        // SAFETY: each payload is used within its current size and freed once.
        unsafe {
            let mut payload = malloc(10).cast::<u8>();
            payload.write_bytes(7, 10);
            for size in [100, 5000, LARGEST, 3 * LARGEST, 1 << 21] {
                payload = realloc(payload.cast(), size).cast();
                assert!(!payload.is_null());
                let kept = std::slice::from_raw_parts(payload, 10);
                assert_eq!(kept, &[7; 10], "size {size}");
            }
            free(payload.cast());
            let zeroed = calloc(1000, 3).cast::<u8>();
            assert!(std::slice::from_raw_parts(zeroed, 3000)
                .iter()
                .all(|&byte| byte == 0));
            free(zeroed.cast());
            assert!(calloc(usize::MAX, 2).is_null());
            // A big zeroed buffer costs no memory until it is written.
            let big = calloc(1 << 20, 1).cast::<u8>();
            let page = 4096;
            let first_page = big.add(page).sub(big as usize % page);
            let mut resident = vec![0u8; (1 << 20) / page - 1];
            assert_eq!(
                libc::mincore(
                    first_page.cast(),
                    resident.len() * page,
                    resident.as_mut_ptr()
                ),
                0
            );
            assert!(
                resident.iter().all(|&page| page & 1 == 0),
                "calloc touched its mapping"
            );
            free(big.cast());
            assert!(malloc(usize::MAX).is_null());
        }
    }
}
