//! kernel::mapping: the shared memory a kernel ring lives in — mapped from an fd, read and
//! written with the ordering the ring protocols need, unmapped on drop — and read-only
//! mappings of kernel files that never change (BTF).

use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr::NonNull;

use crate::kernel::error::KernelError;

/// mmap(2) at an address the kernel picks; MAP_FAILED with errno set when it fails. On 64-bit
/// targets the system call itself: musl's wrapper checks what tine never asks for (an
/// unaligned offset, MAP_FIXED) and weighs ~220 bytes. On 32-bit ones libc's, which passes
/// the offset in pages (mmap2).
///
/// # Safety
/// As mmap's: a shared mapping's memory may change under the process.
pub unsafe fn mmap(
    length: usize,
    protection: i32,
    flags: i32,
    fd: i32,
    offset: usize,
) -> *mut libc::c_void {
    // SAFETY: the caller's, as mmap's.
    #[cfg(target_pointer_width = "64")]
    let address =
        unsafe { libc::syscall(libc::SYS_mmap, 0, length, protection, flags, fd, offset) as _ };
    // SAFETY: as above.
    #[cfg(not(target_pointer_width = "64"))]
    let address = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            length,
            protection,
            flags,
            fd,
            offset as libc::off_t,
        )
    };
    address
}

/// The page size: rings are sized and offset in pages. As the kernel told the process at exec
/// (which is where libc's sysconf has it from: musl's costs the binary 1 KB of other answers).
pub fn page_size() -> usize {
    // SAFETY: getauxval reads the process's auxiliary vector and has no other effect.
    let size = unsafe { libc::getauxval(libc::AT_PAGESZ) };
    if size > 0 {
        size as usize
    } else {
        4096
    }
}

/// A mapping of a kernel ring or file, unmapped on drop.
#[derive(Debug)]
pub(crate) struct Mapping {
    base: NonNull<u8>,
    length: usize,
}

impl Mapping {
    pub(crate) fn new(
        fd: BorrowedFd,
        length: usize,
        offset: usize,
        writable: bool,
        what: &str,
    ) -> Result<Mapping, KernelError> {
        let protection = libc::PROT_READ | if writable { libc::PROT_WRITE } else { 0 };
        Mapping::map(fd, length, offset, protection, libc::MAP_SHARED)
            .map_err(|()| KernelError::last(format!("map the ring of {what}")))
    }

    /// A private read-only mapping of the first `length` bytes of a file that does not change
    /// (a BTF file in sysfs), so reading it copies nothing.
    pub(crate) fn file(fd: BorrowedFd, length: usize, what: &str) -> Result<Mapping, KernelError> {
        Mapping::map(fd, length, 0, libc::PROT_READ, libc::MAP_PRIVATE)
            .map_err(|()| KernelError::last(format!("map {what}")))
    }

    /// Err when mmap fails, with its errno left for the caller to read.
    fn map(
        fd: BorrowedFd,
        length: usize,
        offset: usize,
        protection: i32,
        flags: i32,
    ) -> Result<Mapping, ()> {
        // SAFETY: a fresh mapping of the fd at an address the kernel picks; nothing aliases it
        // until this function returns it.
        let base = unsafe { mmap(length, protection, flags, fd.as_raw_fd(), offset) };
        if base == libc::MAP_FAILED {
            return Err(());
        }
        let base = NonNull::new(base.cast::<u8>()).ok_or(())?;
        Ok(Mapping { base, length })
    }

    /// Reads the u64 the kernel publishes at `offset` with acquire ordering: the record
    /// bytes it covers are visible after this returns.
    pub(crate) fn load_acquire_u64(&self, offset: usize) -> u64 {
        assert!(offset + 8 <= self.length);
        // SAFETY: in bounds (checked above) and 8-byte aligned (page-aligned base, the ring
        // layouts' offsets are multiples of 8); volatile because the kernel writes it.
        let value =
            unsafe { std::ptr::read_volatile(self.base.as_ptr().add(offset).cast::<u64>()) };
        std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
        value
    }

    pub(crate) fn load_acquire_u32(&self, offset: usize) -> u32 {
        assert!(offset + 4 <= self.length);
        // SAFETY: in bounds and 4-byte aligned (record headers are 8-byte aligned).
        let value =
            unsafe { std::ptr::read_volatile(self.base.as_ptr().add(offset).cast::<u32>()) };
        std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
        value
    }

    /// Publishes how far user space has read, after every read of the records before it.
    pub(crate) fn store_release_u64(&self, offset: usize, value: u64) {
        assert!(offset + 8 <= self.length);
        std::sync::atomic::fence(std::sync::atomic::Ordering::Release);
        // SAFETY: in bounds and aligned as in `load_acquire_u64`; the page is mapped writable.
        unsafe { std::ptr::write_volatile(self.base.as_ptr().add(offset).cast::<u64>(), value) };
    }

    /// Reads the `unsigned long` the kernel publishes at `offset` with acquire ordering: a BPF
    /// ring buffer's positions, 4 bytes on a 32-bit machine, where reading 8 would take the
    /// padding after the position too, and on a big-endian one would take it as the high half.
    pub(crate) fn load_acquire_ulong(&self, offset: usize) -> libc::c_ulong {
        assert!(offset + size_of::<libc::c_ulong>() <= self.length);
        // SAFETY: in bounds (checked above) and aligned (page-aligned base, offsets that are
        // multiples of 8); volatile because the kernel writes it.
        let value = unsafe {
            std::ptr::read_volatile(self.base.as_ptr().add(offset).cast::<libc::c_ulong>())
        };
        std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
        value
    }

    /// Publishes an `unsigned long` position, after every read of the records before it.
    pub(crate) fn store_release_ulong(&self, offset: usize, value: libc::c_ulong) {
        assert!(offset + size_of::<libc::c_ulong>() <= self.length);
        std::sync::atomic::fence(std::sync::atomic::Ordering::Release);
        // SAFETY: in bounds and aligned as in `load_acquire_ulong`; the page is mapped writable.
        unsafe {
            std::ptr::write_volatile(
                self.base.as_ptr().add(offset).cast::<libc::c_ulong>(),
                value,
            )
        };
    }

    pub(crate) fn length(&self) -> usize {
        self.length
    }

    pub(crate) fn bytes(&self, offset: usize, length: usize) -> &[u8] {
        assert!(offset + length <= self.length);
        // SAFETY: in bounds; the kernel does not write a record between publishing it and our
        // tail moving past it, and nothing writes a private read-only file mapping, so the
        // bytes are stable while borrowed.
        unsafe { std::slice::from_raw_parts(self.base.as_ptr().add(offset), length) }
    }
}

// SAFETY: a Mapping is the only owner of its pages; moving it to another thread moves that
// ownership, and the kernel side synchronises through the head/tail words, not thread identity.
unsafe impl Send for Mapping {}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping `new` created; no borrow of it outlives `self`.
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.length) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;
    use std::os::unix::fs::FileExt;

    /// A BPF ring buffer's positions are `unsigned long`s: on a 32-bit machine the 4 bytes
    /// after one are not part of it, whatever they hold (run on big-endian 32-bit MIPS by
    /// tests/boards/bigendian, where an 8-byte read would take the position as its high half).
    #[test]
    fn a_ring_position_is_an_unsigned_long_in_the_host_order() {
        let path = std::env::temp_dir().join(format!("tine-mapping-{}", std::process::id()));
        let file = std::fs::File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        std::fs::remove_file(&path).unwrap();
        let page = page_size();
        file.set_len(page as u64).unwrap();
        let width = size_of::<libc::c_ulong>();
        let position: libc::c_ulong = 0x1234_5678;
        file.write_all_at(&position.to_ne_bytes(), 0).unwrap();
        file.write_all_at(&[0xff; 8], width as u64).unwrap();
        let mapping = Mapping::new(file.as_fd(), page, 0, true, "a test file").unwrap();
        assert_eq!(mapping.load_acquire_ulong(0), position);
        mapping.store_release_ulong(0, 0x0a0b_0c0d);
        assert_eq!(
            mapping.bytes(0, width),
            (0x0a0b_0c0d as libc::c_ulong).to_ne_bytes()
        );
        assert_eq!(
            mapping.bytes(width, 8),
            [0xff; 8],
            "the bytes after it are not ours"
        );
    }
}
