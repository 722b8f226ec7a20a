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

use std::fs::File;
use std::os::fd::FromRawFd;

/// The path the kernel has for the open file `fd` (its /proc/self/fd link): realpath's answer
/// without realpath's code, nor std's read_link, linked for this alone.
pub fn fd_path(fd: std::os::fd::BorrowedFd) -> std::io::Result<String> {
    use std::os::fd::AsRawFd;
    let link = format!("/proc/self/fd/{}\0", fd.as_raw_fd());
    // PATH_MAX: no path the kernel gives is longer.
    let mut path = vec![0u8; 4096];
    // The system call (readlinkat, which every architecture has), not libc's readlink.
    // SAFETY: `link` is NUL-terminated; readlinkat writes at most `path.len()` bytes to `path`.
    let length = unsafe {
        libc::syscall(
            libc::SYS_readlinkat,
            libc::AT_FDCWD,
            link.as_ptr(),
            path.as_mut_ptr(),
            path.len(),
        )
    };
    if length < 0 {
        return Err(std::io::Error::last_os_error());
    }
    path.truncate(length as usize);
    Ok(String::from_utf8_lossy(&path).into_owned())
}

/// open(2) of `path` with `flags` (and `mode`, for O_CREAT), by the system call: openat at the
/// current directory, which every architecture has, with large files allowed as libc's open
/// allows them. libc's open carries a fallback for kernels before 2.6.23 for nothing then.
/// Returns the fd, or -1 with errno set.
pub fn open_raw(path: &std::ffi::CStr, flags: libc::c_int, mode: libc::c_uint) -> libc::c_int {
    // SAFETY: openat reads the NUL-terminated `path`, and nothing else of this process.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat,
            libc::AT_FDCWD,
            path.as_ptr(),
            flags | libc::O_LARGEFILE,
            mode,
        )
    };
    fd as libc::c_int
}

/// Opens the file at `path` with `flags` (O_RDONLY, O_WRONLY | O_APPEND, O_PATH...), closed on
/// exec, as std's `File::open` and `OpenOptions` open one (EINTR retried, a NUL in the path
/// refused in std's words), without their checks of options tine never gives.
pub fn open(path: impl AsRef<std::path::Path>, flags: libc::c_int) -> std::io::Result<File> {
    open_path(path.as_ref(), flags)
}

fn open_path(path: &std::path::Path, flags: libc::c_int) -> std::io::Result<File> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        message(
            std::io::ErrorKind::InvalidInput,
            "file name contained an unexpected NUL byte",
        )
    })?;
    loop {
        let fd = open_raw(&path, flags | libc::O_CLOEXEC, 0o666);
        if fd >= 0 {
            // SAFETY: `fd` was just opened and nothing else owns it.
            return Ok(unsafe { File::from_raw_fd(fd) });
        }
        let error = std::io::Error::last_os_error();
        if error.raw_os_error() != Some(libc::EINTR) {
            return Err(error);
        }
    }
}

/// A new fd (closed on exec) for what `fd` has open: std's `try_clone_to_owned`, by the system
/// call, so libc's fcntl and its special cases are linked for nothing.
pub fn duplicate(fd: std::os::fd::BorrowedFd) -> std::io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::AsRawFd;
    // SAFETY: F_DUPFD_CLOEXEC reads no memory; it returns a new fd, at 3 or above as std's.
    let new = unsafe { libc::syscall(libc::SYS_fcntl, fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 3) };
    if new < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: the fd was just made, and nothing else owns it.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(new as i32) })
}

/// What stat(2) says of a file: its type and permission bits, its size and its inode number.
/// std's `metadata` and its path buffers are linked for nothing then.
pub struct Status {
    pub mode: u32,
    pub size: u64,
    pub inode: u64,
}

impl Status {
    // ino_t is not 64 bits on every libc tine may be built with.
    #[allow(clippy::unnecessary_cast)]
    fn of(status: &libc::stat) -> Status {
        Status {
            mode: status.st_mode,
            size: status.st_size as u64,
            inode: status.st_ino as u64,
        }
    }

    pub fn is_dir(&self) -> bool {
        self.mode & libc::S_IFMT == libc::S_IFDIR
    }

    pub fn is_file(&self) -> bool {
        self.mode & libc::S_IFMT == libc::S_IFREG
    }
}

/// stat(2) of `path` (lstat(2) when not `follow`: of a symbolic link, not of what it names);
/// None when there is nothing there, or nothing tine may see.
pub fn status(path: impl AsRef<std::path::Path>, follow: bool) -> Option<Status> {
    status_at(path.as_ref(), follow)
}

fn status_at(path: &std::path::Path, follow: bool) -> Option<Status> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let flags = if follow { 0 } else { libc::AT_SYMLINK_NOFOLLOW };
    stat_at(libc::AT_FDCWD, &path, flags).ok()
}

/// fstat(2) of the open `file`.
pub fn file_status(file: &File) -> std::io::Result<Status> {
    use std::os::fd::AsRawFd;
    stat_at(file.as_raw_fd(), c"", libc::AT_EMPTY_PATH)
}

/// fstatat(2). On 64-bit targets the system call itself, whose struct is libc's there: musl's
/// fstatat, stat, lstat and fstat, with their fallbacks, weigh ~800 bytes. On 32-bit ones
/// libc's, which converts the kernel's 64-bit-time result.
fn stat_at(fd: i32, path: &std::ffi::CStr, flags: i32) -> std::io::Result<Status> {
    // SAFETY: stat is plain data, which the call fills.
    let mut status: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is NUL-terminated and `status` is a stat to write; a bad fd is an error,
    // not a fault.
    #[cfg(target_pointer_width = "64")]
    let result = unsafe {
        libc::syscall(
            libc::SYS_newfstatat,
            fd,
            path.as_ptr(),
            &mut status as *mut libc::stat,
            flags,
        )
    };
    // SAFETY: as above.
    #[cfg(not(target_pointer_width = "64"))]
    let result = unsafe { libc::fstatat(fd, path.as_ptr(), &mut status, flags) };
    if result != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(Status::of(&status))
}

/// An io::Error of tine's own words: `io::Error::new` of a string boxes it as std's string
/// error, whose Debug links str's escaping code for these messages alone.
pub fn message(kind: std::io::ErrorKind, text: &'static str) -> std::io::Error {
    std::io::Error::new(kind, Message(text))
}

#[derive(Debug)]
struct Message(&'static str);

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Message {}

/// Standard output, to wait on.
pub fn stdout() -> std::os::fd::BorrowedFd<'static> {
    // SAFETY: descriptor 1 stays open for the process's life (`-o` replaces it by dup2).
    unsafe { std::os::fd::BorrowedFd::borrow_raw(libc::STDOUT_FILENO) }
}

/// Writes all of `bytes` to standard output at once (EINTR retried). tine buffers its output
/// itself: std's `stdout` and its line buffer were linked for these writes alone.
pub fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    write_all(libc::STDOUT_FILENO, bytes)
}

/// `write_stdout` for standard error.
pub fn write_stderr(bytes: &[u8]) -> std::io::Result<()> {
    write_all(libc::STDERR_FILENO, bytes)
}

/// Writes all of `bytes` to `fd` (EINTR retried), as std's `write_all` does.
pub(crate) fn write_all(fd: std::os::fd::RawFd, mut bytes: &[u8]) -> std::io::Result<()> {
    while !bytes.is_empty() {
        // SAFETY: write reads at most `bytes.len()` bytes from `bytes`.
        let written = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        match written {
            0 => {
                let kind = std::io::ErrorKind::WriteZero;
                return Err(message(kind, "failed to write whole buffer"));
            }
            1.. => bytes = &bytes[written as usize..],
            _ => {
                let error = std::io::Error::last_os_error();
                if error.raw_os_error() != Some(libc::EINTR) {
                    return Err(error);
                }
            }
        }
    }
    Ok(())
}

/// The value of the environment variable `name`, when it is set and is text: without std's
/// `env::var` and its lock (nothing in tine sets a variable).
pub fn env_var(name: &str) -> Option<String> {
    // The first entry `name=...`, as getenv finds it (whose string search is linked for this
    // alone).
    environ().find_map(|entry| {
        let value = entry.strip_prefix(name.as_bytes())?.strip_prefix(b"=")?;
        String::from_utf8(value.to_vec()).ok()
    })
}

/// The environment's variables whose name and value are text, in its order, split as std's
/// `env::vars_os` splits them (at the first `=` after the first byte; an entry without one
/// is left out), without its copies and lock.
pub fn environment() -> Vec<(String, String)> {
    let mut variables = Vec::new();
    for bytes in environ() {
        let Some(equals) = bytes
            .get(1..)
            .and_then(|rest| rest.iter().position(|&b| b == b'='))
        else {
            continue;
        };
        let (name, value) = (&bytes[..equals + 1], &bytes[equals + 2..]);
        if let (Ok(name), Ok(value)) = (std::str::from_utf8(name), std::str::from_utf8(value)) {
            variables.push((name.to_string(), value.to_string()));
        }
    }
    variables
}

/// The C library's `environ`: its entries (`NAME=value`), in its order.
fn environ() -> impl Iterator<Item = &'static [u8]> {
    extern "C" {
        static environ: *const *const libc::c_char;
    }
    // SAFETY: the C library's `environ` is null or a null-terminated array of NUL-terminated
    // strings, which nothing in tine changes.
    let mut entry = unsafe { environ };
    std::iter::from_fn(move || {
        // SAFETY: `entry` points into that array, up to its null end.
        if entry.is_null() || unsafe { *entry }.is_null() {
            return None;
        }
        // SAFETY: the entry is a NUL-terminated string (above), and the next one is in the
        // array, this one not being its end.
        unsafe {
            let bytes = std::ffi::CStr::from_ptr(*entry).to_bytes();
            entry = entry.add(1);
            Some(bytes)
        }
    })
}

/// The whole file at `path`, read into one growing buffer by plain reads (EINTR retried):
/// std's `fs::read` and `fs::read_to_string` bring their size probe and adaptive read_to_end
/// for these reads alone.
pub fn read_file(path: impl AsRef<std::path::Path>) -> std::io::Result<Vec<u8>> {
    read_whole(path.as_ref())
}

/// `read_file` as text.
pub fn read_text(path: impl AsRef<std::path::Path>) -> std::io::Result<String> {
    read_text_at(path.as_ref())
}

/// `read_text`'s work, one copy for every type of path.
fn read_text_at(path: &std::path::Path) -> std::io::Result<String> {
    text(read_whole(path)?)
}

/// Standard input, whole, as text (std's stdin, its buffer and lock, linked for this alone);
/// a closed standard input is empty, as std's reads it.
pub fn read_stdin() -> std::io::Result<String> {
    match read_all(libc::STDIN_FILENO) {
        Err(error) if error.raw_os_error() == Some(libc::EBADF) => Ok(String::new()),
        read => text(read?),
    }
}

/// Bytes that are not UTF-8 are refused with std's words.
fn text(bytes: Vec<u8>) -> std::io::Result<String> {
    String::from_utf8(bytes).map_err(|_| {
        message(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        )
    })
}

fn read_whole(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::os::fd::AsRawFd;
    read_all(open_path(path, libc::O_RDONLY)?.as_raw_fd())
}

/// What `fd` reads to its end, in one buffer grown by doubling, so a large file takes few
/// reads.
fn read_all(fd: std::os::fd::RawFd) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    loop {
        bytes.reserve(8192);
        let spare = bytes.spare_capacity_mut();
        // SAFETY: read writes at most `spare.len()` bytes into the vector's unused capacity.
        let read = unsafe { libc::read(fd, spare.as_mut_ptr().cast(), spare.len()) };
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
/// std's `read_dir` that skip its errors see it; std's is linked for nothing then, nor libc's
/// opendir and readdir: the entries come from getdents64, as theirs do.
pub fn list_directory(path: &str) -> std::io::Result<Vec<(Vec<u8>, bool)>> {
    use std::os::fd::{AsRawFd, OwnedFd};
    let c_path = std::ffi::CString::new(path.as_bytes()).map_err(|_| {
        message(
            std::io::ErrorKind::InvalidInput,
            "data provided contains a nul byte",
        )
    })?;
    let fd = open_raw(
        &c_path,
        libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
        0,
    );
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: the fd was just opened, and nothing else owns it.
    let directory = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut entries = Vec::new();
    let mut buffer = vec![0u8; 8192];
    loop {
        // SAFETY: getdents64 writes at most `buffer.len()` bytes of entries into `buffer`.
        let filled = unsafe {
            libc::syscall(
                libc::SYS_getdents64,
                directory.as_raw_fd(),
                buffer.as_mut_ptr(),
                buffer.len(),
            )
        };
        if filled <= 0 {
            break;
        }
        let mut records = &buffer[..filled as usize];
        // Each a struct linux_dirent64: inode and offset (8 bytes each), the record's length
        // (2), the entry's type (1), then its NUL-ended name.
        while records.len() > 19 {
            let length = usize::from(u16::from_ne_bytes([records[16], records[17]]));
            let (kind, name) = (records[18], &records[19..length.min(records.len())]);
            let name = &name[..name
                .iter()
                .position(|&byte| byte == 0)
                .unwrap_or(name.len())];
            records = &records[length.clamp(20, records.len())..];
            if name == b"." || name == b".." {
                continue;
            }
            let is_dir = match kind {
                libc::DT_UNKNOWN => {
                    status(format!("{path}/{}", String::from_utf8_lossy(name)), false)
                        .is_some_and(|status| status.is_dir())
                }
                kind => kind == libc::DT_DIR,
            };
            entries.push((name.to_vec(), is_dir));
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_list_as_std_reads_them() {
        use std::os::unix::ffi::OsStrExt;
        for path in ["/", "/etc", "/proc/self", "/dev"] {
            let mut std: Vec<(Vec<u8>, bool)> = std::fs::read_dir(path)
                .unwrap()
                .map(|entry| {
                    let entry = entry.unwrap();
                    let is_dir = entry.file_type().unwrap().is_dir();
                    (entry.file_name().as_bytes().to_vec(), is_dir)
                })
                .collect();
            let mut ours = list_directory(path).unwrap();
            std.sort();
            ours.sort();
            assert_eq!(ours, std, "{path}");
        }
        for path in ["/nonexistent", "/etc/passwd"] {
            let std = std::fs::read_dir(path).unwrap_err();
            let ours = list_directory(path).unwrap_err();
            assert_eq!(ours.raw_os_error(), std.raw_os_error(), "{path}");
        }
    }

    #[test]
    fn status_says_what_std_metadata_says() {
        for path in [
            "/",
            "/proc/self/exe",
            "/proc/self/stat",
            "/nonexistent",
            "/\0",
        ] {
            for follow in [true, false] {
                let std = match follow {
                    true => std::fs::metadata(path),
                    false => std::fs::symlink_metadata(path),
                };
                let ours = status(path, follow);
                assert_eq!(ours.is_some(), std.is_ok(), "{path}");
                if let (Some(ours), Ok(std)) = (ours, std) {
                    assert_eq!(ours.is_dir(), std.is_dir(), "{path}");
                    assert_eq!(ours.is_file(), std.is_file(), "{path}");
                    assert_eq!(ours.size, std.len(), "{path}");
                }
            }
        }
        let file = open("/proc/self/exe", libc::O_RDONLY).unwrap();
        let std = file.metadata().unwrap();
        let ours = file_status(&file).unwrap();
        assert_eq!((ours.is_file(), ours.size), (std.is_file(), std.len()));
    }

    /// The environment as std reads it, without the variables that are not text.
    #[test]
    fn the_environment_is_read_as_std_reads_it() {
        let text: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
            .collect();
        assert!(!text.is_empty());
        assert_eq!(environment(), text);
        for (name, _) in &text {
            assert_eq!(env_var(name), std::env::var(name).ok(), "{name}");
        }
        assert_eq!(env_var("TINE_NO_SUCH_VARIABLE_IS_SET"), None);
    }

    /// Files open as std opens them, and fail to in std's words.
    #[test]
    fn a_file_opens_as_std_opens_it() {
        use std::io::Read;
        use std::os::fd::AsRawFd;
        let mut text = String::new();
        open("/proc/self/stat", libc::O_RDONLY)
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert!(text.starts_with(&format!("{} (", std::process::id())));
        for path in ["/no/such/file", "a\0b"] {
            let ours = open(path, libc::O_RDONLY).unwrap_err();
            let std = std::fs::File::open(path).unwrap_err();
            assert_eq!(ours.to_string(), std.to_string());
            assert_eq!(ours.kind(), std.kind());
        }
        // Closed on exec, as std's are.
        let file = open("/", libc::O_RDONLY | libc::O_PATH).unwrap();
        // SAFETY: F_GETFD of a descriptor this test owns.
        let flags = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_GETFD) };
        assert_eq!(flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    }

    /// A whole file, larger than one read, as std reads it; a directory's read fails.
    #[test]
    fn a_file_is_read_whole() {
        let path = std::env::current_exe().unwrap();
        let bytes = read_file(&path).unwrap();
        assert!(bytes.len() > 8192);
        assert_eq!(bytes, std::fs::read(&path).unwrap());
        assert_eq!(
            read_text("/proc/self/stat").unwrap().split(' ').next(),
            Some(&*std::process::id().to_string())
        );
        let directory = read_file("/").unwrap_err();
        assert_eq!(directory.raw_os_error(), Some(libc::EISDIR));
        let not_text = read_text(&path).unwrap_err();
        assert_eq!(not_text.to_string(), "stream did not contain valid UTF-8");
    }
}
