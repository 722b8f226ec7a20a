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

/// The whole file at `path`, read into one growing buffer by plain reads (EINTR retried):
/// std's `fs::read` and `fs::read_to_string` bring their size probe and adaptive read_to_end
/// for these reads alone.
pub fn read_file(path: impl AsRef<std::path::Path>) -> std::io::Result<Vec<u8>> {
    read_whole(path.as_ref())
}

/// `read_file` as text; bytes that are not UTF-8 are refused with std's words.
pub fn read_text(path: impl AsRef<std::path::Path>) -> std::io::Result<String> {
    String::from_utf8(read_whole(path.as_ref())?).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

fn read_whole(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    loop {
        // Grows by doubling: a large file takes few reads.
        bytes.reserve(8192);
        let spare = bytes.spare_capacity_mut();
        // SAFETY: read writes at most `spare.len()` bytes into the vector's unused capacity.
        let read = unsafe { libc::read(file.as_raw_fd(), spare.as_mut_ptr().cast(), spare.len()) };
        match read {
            0 => return Ok(bytes),
            // SAFETY: the kernel wrote `read` bytes just past the vector's length.
            1.. => unsafe { bytes.set_len(bytes.len() + read as usize) },
            _ => {
                let error = std::io::Error::last_os_error();
                if error.raw_os_error() != Some(libc::EINTR) {
                    return Err(error);
                }
            }
        }
    }
}

/// The entries of the directory at `path` (not `.` and `..`), in the order the kernel lists
/// them: each name, and whether it is a directory (a symbolic link is not), which the listing
/// says or, on a filesystem that does not, lstat. A failed read ends the list, as callers of
/// std's `read_dir` that skip its errors see it; std's is linked for nothing then.
pub fn list_directory(path: &str) -> std::io::Result<Vec<(Vec<u8>, bool)>> {
    let c_path = std::ffi::CString::new(path)?;
    // SAFETY: `c_path` is NUL-terminated.
    let directory = unsafe { libc::opendir(c_path.as_ptr()) };
    if directory.is_null() {
        return Err(std::io::Error::last_os_error());
    }
    let mut entries = Vec::new();
    loop {
        // SAFETY: `directory` is open until closedir below; the entry it returns is read before
        // the next call.
        let entry = unsafe { libc::readdir(directory) };
        if entry.is_null() {
            break;
        }
        // SAFETY: a returned entry's name is NUL-terminated.
        let (name, kind) = unsafe {
            let entry = &*entry;
            (
                std::ffi::CStr::from_ptr(entry.d_name.as_ptr()).to_bytes(),
                entry.d_type,
            )
        };
        if name == b"." || name == b".." {
            continue;
        }
        let is_dir = match kind {
            libc::DT_UNKNOWN => {
                std::fs::symlink_metadata(format!("{path}/{}", String::from_utf8_lossy(name)))
                    .is_ok_and(|metadata| metadata.is_dir())
            }
            kind => kind == libc::DT_DIR,
        };
        entries.push((name.to_vec(), is_dir));
    }
    // SAFETY: `directory` is open, and not used after.
    unsafe { libc::closedir(directory) };
    Ok(entries)
}
