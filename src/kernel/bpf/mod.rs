//! kernel::bpf: the bpf(2) system call — maps and programs as owned fds, loaded from bytes and
//! specs that the compiler produced; the verifier log only when a load is rejected.

use std::mem::size_of;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use crate::kernel::cpu::possible_cpu_count;
use crate::kernel::error::{last_errno, KernelError};

mod link;
mod map;
mod program;

pub use link::*;
pub use map::*;
pub use program::*;

// bpf(2) commands (enum bpf_cmd in the uapi bpf.h).
const MAP_CREATE: u32 = 0;
const MAP_LOOKUP_ELEM: u32 = 1;
const MAP_UPDATE_ELEM: u32 = 2;
const MAP_DELETE_ELEM: u32 = 3;
const MAP_GET_NEXT_KEY: u32 = 4;
const PROG_LOAD: u32 = 5;
const PROG_TEST_RUN: u32 = 10;
const RAW_TRACEPOINT_OPEN: u32 = 17;
const PROG_GET_NEXT_ID: u32 = 11;
const MAP_GET_NEXT_ID: u32 = 12;
const OBJ_GET_INFO_BY_FD: u32 = 15;
const MAP_LOOKUP_BATCH: u32 = 24;
const MAP_LOOKUP_AND_DELETE_BATCH: u32 = 25;
const LINK_CREATE: u32 = 28;

/// The kernel's name limit for maps and programs, with the NUL.
const OBJECT_NAME_LENGTH: usize = 16;

/// ENOTSUPP, the kernel-internal "not supported" that leaks out of bpf(2) (not in libc).
pub(crate) const ENOTSUPP: i32 = 524;

/// Calls bpf(2) with `attr`, whose size the kernel reads from the struct itself; attribute
/// structs here cover only the fields tine sets, which the kernel accepts (it zero-fills the rest).
fn bpf<T>(command: u32, attr: &mut T) -> Result<i64, i32> {
    // SAFETY: `attr` is a live, fully initialised #[repr(C)] attribute struct of the layout the
    // command expects, and the pointers inside it point to buffers that outlive the call.
    let result = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            command as libc::c_long,
            (attr as *mut T).cast::<libc::c_void>(),
            size_of::<T>() as libc::c_long,
        )
    };
    if result < 0 {
        Err(last_errno())
    } else {
        Ok(result as i64)
    }
}

/// bpf(2) for a command that returns a new fd.
fn bpf_fd<T>(command: u32, attr: &mut T) -> Result<OwnedFd, i32> {
    let fd = bpf(command, attr)?;
    // SAFETY: on success these commands return a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

fn address<T>(slice: &[T]) -> u64 {
    slice.as_ptr() as u64
}

/// BPF_OBJ_GET_INFO_BY_FD's attribute, for maps and programs alike.
#[repr(C)]
#[derive(Default)]
struct InfoAttr {
    bpf_fd: u32,
    info_len: u32,
    info: u64,
}

/// A name as the kernel accepts it: letters, digits, `_` and `.`, at most 15 bytes.
fn object_name(name: &str) -> [u8; OBJECT_NAME_LENGTH] {
    let mut bytes = [0u8; OBJECT_NAME_LENGTH];
    for (slot, byte) in bytes[..OBJECT_NAME_LENGTH - 1].iter_mut().zip(name.bytes()) {
        *slot = if byte.is_ascii_alphanumeric() || byte == b'.' {
            byte
        } else {
            b'_'
        };
    }
    bytes
}

/// KERNEL_VERSION(a, b, c) of the running kernel from uname(2), as old kernels compare it with
/// a kprobe program's `kern_version` (ply sent its build-time headers' version and broke there).
pub fn running_kernel_version() -> u32 {
    // SAFETY: utsname is plain data that uname fills.
    let mut name: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `name` is a live utsname.
    if unsafe { libc::uname(&mut name) } != 0 {
        return 0;
    }
    let mut release = Vec::new();
    for &c in name.release.iter().take_while(|&&c| c != 0) {
        release.push(c as u8);
    }
    kernel_version_code(&String::from_utf8_lossy(&release))
}

/// `6.18.44-fc` -> KERNEL_VERSION(6, 18, 44); the sublevel saturates at 255 as the kernel's does.
pub fn kernel_version_code(release: &str) -> u32 {
    // The first three runs of digits; a missing one, or one past u32, counts as 0.
    let mut numbers = [Some(0u32); 3];
    let mut index = 0;
    for c in release.chars() {
        let Some(number) = numbers.get_mut(index) else {
            break;
        };
        match c.to_digit(10) {
            Some(digit) => *number = number.and_then(|n| n.checked_mul(10)?.checked_add(digit)),
            None => index += 1,
        }
    }
    let [major, minor, sublevel] = numbers.map(|number| number.unwrap_or(0));
    (major << 16) | (minor.min(255) << 8) | sublevel.min(255)
}

#[repr(C)]
#[derive(Default)]
struct NextIdAttr {
    start_id: u32,
    next_id: u32,
}

fn object_ids(command: u32, what: &str) -> Result<Vec<u32>, KernelError> {
    let mut ids = Vec::new();
    let mut attr = NextIdAttr::default();
    loop {
        match bpf(command, &mut attr) {
            Ok(_) => {
                ids.push(attr.next_id);
                attr.start_id = attr.next_id;
            }
            Err(libc::ENOENT) => return Ok(ids),
            Err(errno) => return Err(KernelError::errno(format!("list loaded {what}"), errno)),
        }
    }
}

/// Ids of every program loaded in the kernel (anyone's), ascending.
pub fn program_ids() -> Result<Vec<u32>, KernelError> {
    object_ids(PROG_GET_NEXT_ID, "programs")
}

/// Ids of every map in the kernel (anyone's), ascending.
pub fn map_ids() -> Result<Vec<u32>, KernelError> {
    object_ids(MAP_GET_NEXT_ID, "maps")
}

/// Lifts RLIMIT_MEMLOCK, which charged BPF memory before 5.11 (later kernels use memcg). A
/// refusal matters only if it stops a map from being created, so that is what decides.
pub fn raise_memlock() -> Result<(), KernelError> {
    // prlimit64(2) itself: libc's setrlimit applies the limit to every thread through a
    // signal to each, code tine (one thread) would carry for nothing.
    let unlimited = [u64::MAX; 2];
    // SAFETY: `unlimited` is a live rlimit64 (current, maximum) the kernel only reads; no old
    // value is asked for.
    let set = unsafe {
        libc::syscall(
            libc::SYS_prlimit64,
            0 as libc::c_long,
            libc::RLIMIT_MEMLOCK as libc::c_long,
            unlimited.as_ptr(),
            std::ptr::null_mut::<u64>(),
        )
    };
    if set == 0 {
        return Ok(());
    }
    let refused = KernelError::last("raise RLIMIT_MEMLOCK");
    let probe = MapSpec {
        kind: MapType::Array,
        name: "tine_memlock".into(),
        key_size: 4,
        value_size: 8,
        max_entries: 1,
        flags: 0,
    };
    match BpfMap::create(&probe) {
        Ok(_) => Ok(()),
        Err(_) => Err(refused),
    }
}

#[cfg(test)]
mod tests {
    use super::link::KprobeMultiLinkAttr;
    use super::map::{stride, BatchAttr, ElementAttr, MapCreateAttr};
    use super::program::{log_text, ProgramInfoHead, ProgramLoadAttr, TestRunAttr};
    use super::*;

    #[test]
    fn names_keep_the_kernels_alphabet_and_length() {
        assert_eq!(&object_name("@counts")[..8], b"_counts\0");
        assert_eq!(&object_name("a.b_c9")[..7], b"a.b_c9\0");
        let long = object_name("tracepoint:syscalls/sys_enter_read");
        assert_eq!(&long[..15], b"tracepoint_sysc");
        assert_eq!(long[15], 0);
    }

    #[test]
    fn kernel_versions_encode_like_the_macro() {
        assert_eq!(
            kernel_version_code("6.18.44-fc-v595"),
            (6 << 16) | (18 << 8) | 44
        );
        assert_eq!(kernel_version_code("4.19.300"), (4 << 16) | (19 << 8) | 255);
        assert_eq!(kernel_version_code("5.4"), (5 << 16) | (4 << 8));
        // An empty run, and one past u32, are 0.
        assert_eq!(kernel_version_code("5..7"), (5 << 16) | 7);
        assert_eq!(kernel_version_code("5.99999999999.7"), (5 << 16) | 7);
        assert_ne!(running_kernel_version(), 0);
    }

    #[test]
    fn attribute_structs_have_the_uapi_offsets() {
        assert_eq!(size_of::<ElementAttr>(), 32);
        assert_eq!(size_of::<BatchAttr>(), 56);
        assert_eq!(std::mem::offset_of!(MapCreateAttr, map_name), 28);
        assert_eq!(std::mem::offset_of!(MapCreateAttr, map_extra), 64);
        assert_eq!(
            std::mem::offset_of!(ProgramLoadAttr, expected_attach_type),
            68
        );
        assert_eq!(std::mem::offset_of!(ProgramLoadAttr, attach_btf_id), 108);
        assert_eq!(
            std::mem::offset_of!(ProgramLoadAttr, attach_btf_obj_fd),
            112
        );
        assert_eq!(std::mem::offset_of!(TestRunAttr, ctx_out), 56);
        assert_eq!(std::mem::offset_of!(TestRunAttr, cpu), 68);
        assert_eq!(std::mem::offset_of!(ProgramInfoHead, xlated_prog_insns), 32);
        assert_eq!(std::mem::offset_of!(ProgramInfoHead, name), 64);
        assert_eq!(std::mem::offset_of!(ProgramInfoHead, recursion_misses), 208);
        assert_eq!(size_of::<ProgramInfoHead>(), 216);
        assert_eq!(std::mem::offset_of!(KprobeMultiLinkAttr, count), 20);
        assert_eq!(std::mem::offset_of!(KprobeMultiLinkAttr, symbols), 24);
    }

    #[test]
    fn per_cpu_values_are_padded_to_eight_bytes() {
        assert_eq!(stride(4), 8);
        assert_eq!(stride(8), 8);
        assert_eq!(stride(12), 16);
    }

    #[test]
    fn a_truncated_log_keeps_its_text() {
        assert_eq!(log_text(b"abc\0\0"), "abc");
        assert_eq!(log_text(b"abc"), "abc");
    }
}
