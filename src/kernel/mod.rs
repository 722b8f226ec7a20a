//! kernel: every conversation with the kernel — bpf(2), perf events and their rings, tracefs,
//! kallsyms, ELF files, BTF, feature probes. The only place with `unsafe`.

pub mod bpf;
pub mod btf;
pub mod child;
pub mod clock;
pub mod cpu;
pub mod elf;
pub mod error;
pub mod features;
pub mod heap;
pub mod kallsyms;
pub mod mapping;
pub mod memory_map;
pub mod options;
pub mod perf;
pub mod process;
pub mod ring;
pub mod ringbuf;
pub mod signal;
pub mod tracefs;
pub mod trigger;

pub use error::KernelError;

/// The path the kernel has for the open file `fd` (its /proc/self/fd link): realpath's answer
/// without realpath's code, nor std's read_link, linked for this alone.
pub fn fd_path(fd: std::os::fd::BorrowedFd) -> std::io::Result<String> {
    use std::os::fd::AsRawFd;
    let link = format!("/proc/self/fd/{}\0", fd.as_raw_fd());
    // PATH_MAX: no path the kernel gives is longer.
    let mut path = vec![0u8; 4096];
    // SAFETY: `link` is NUL-terminated; readlink writes at most `path.len()` bytes to `path`.
    let length =
        unsafe { libc::readlink(link.as_ptr().cast(), path.as_mut_ptr().cast(), path.len()) };
    if length < 0 {
        return Err(std::io::Error::last_os_error());
    }
    path.truncate(length as usize);
    Ok(String::from_utf8_lossy(&path).into_owned())
}
