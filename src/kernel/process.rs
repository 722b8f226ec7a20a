//! kernel::process: the process `-p PID` names, watched so tracing ends when it does — by a
//! pidfd (5.3+) that the event loop polls beside its rings, else by looking at /proc.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, FromRawFd, OwnedFd};

pub struct Watched {
    pid: u32,
    /// Readable once the process has exited; None where the kernel has no pidfd_open.
    pidfd: Option<OwnedFd>,
}

impl Watched {
    /// Starts watching `pid`; an error when there is no such process.
    #[inline(never)]
    pub fn open(pid: u32) -> io::Result<Watched> {
        // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
        if fd >= 0 {
            // SAFETY: pidfd_open returned a new fd that nothing else owns.
            let pidfd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
            return Ok(Watched {
                pid,
                pidfd: Some(pidfd),
            });
        }
        let error = io::Error::last_os_error();
        if error.raw_os_error() != Some(libc::ENOSYS) {
            return Err(error);
        }
        let watched = Watched { pid, pidfd: None };
        if watched.exited() {
            return Err(io::Error::from_raw_os_error(libc::ESRCH));
        }
        Ok(watched)
    }

    /// The fd to poll, when there is one; without it the caller must ask `exited` now and then.
    pub fn fd(&self) -> Option<BorrowedFd<'_>> {
        self.pidfd.as_ref().map(AsFd::as_fd)
    }

    /// Whether the process has ended (a zombie has: it runs no more code).
    pub fn exited(&self) -> bool {
        if let Some(pidfd) = &self.pidfd {
            let mut poll = libc::pollfd {
                fd: std::os::fd::AsRawFd::as_raw_fd(pidfd),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one live pollfd, no wait.
            return unsafe { libc::poll(&mut poll, 1, 0) } > 0;
        }
        // `pid (comm) S ...`: the state follows the last `)`.
        match super::read_text(format!("/proc/{}/stat", self.pid)) {
            Ok(stat) => crate::words::rfind_byte(&stat, b')').is_some_and(|end| {
                crate::words::trim_start(&stat[end + 1..]).starts_with(['Z', 'X'])
            }),
            Err(_) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_is_watched_until_it_exits() {
        let mut child = std::process::Command::new("sleep")
            .arg("0.2")
            .spawn()
            .unwrap();
        let watched = Watched::open(child.id()).unwrap();
        assert!(!watched.exited());
        child.wait().unwrap();
        assert!(watched.exited());
    }

    #[test]
    fn no_such_process_is_an_error() {
        // Above the largest pid_max Linux allows (2^22).
        let error = Watched::open(5_000_000).err().expect("no such process");
        assert_eq!(error.raw_os_error(), Some(libc::ESRCH));
    }
}
