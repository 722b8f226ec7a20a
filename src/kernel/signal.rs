//! kernel::signal: the signals that end a trace (SIGINT, SIGTERM, SIGCHLD of the `-c` child)
//! arrive as readable data on a signalfd, so the event loop polls them beside its rings and
//! every exit path goes through the same teardown.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

pub struct Signals {
    fd: OwnedFd,
    previous_mask: libc::sigset_t,
}

impl Signals {
    /// Blocks `signals` for this thread (and the threads it starts) and opens a signalfd that
    /// reports them; dropping it restores the previous mask.
    #[inline(never)]
    pub fn catch(signals: &[libc::c_int]) -> io::Result<Signals> {
        // SAFETY: sigset_t is plain data; sigemptyset/sigaddset initialise it in place.
        let mut mask: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let mut previous_mask: libc::sigset_t = unsafe { std::mem::zeroed() };
        // SAFETY: `mask` is a live sigset_t; the signal numbers are checked by sigaddset.
        unsafe {
            libc::sigemptyset(&mut mask);
            for &signal in signals {
                if libc::sigaddset(&mut mask, signal) != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
        }
        // SAFETY: both sets are live; pthread_sigmask only reads `mask` and writes `previous_mask`.
        let error = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &mask, &mut previous_mask) };
        if error != 0 {
            return Err(io::Error::from_raw_os_error(error));
        }
        // The system call itself: libc's signalfd carries a fallback for kernels before 2.6.27.
        // It takes the kernel's signal set, whose first words libc's begins with: 64 signals,
        // 128 on MIPS.
        let kernel_set_bytes: libc::c_ulong =
            if cfg!(any(target_arch = "mips", target_arch = "mips64")) {
                16
            } else {
                8
            };
        let flags = (libc::SFD_NONBLOCK | libc::SFD_CLOEXEC) as libc::c_ulong;
        // SAFETY: `mask` is initialised and longer than the kernel's set; -1 asks for a new fd.
        let fd = unsafe { libc::syscall(libc::SYS_signalfd4, -1, &mask, kernel_set_bytes, flags) }
            as libc::c_int;
        if fd < 0 {
            let error = io::Error::last_os_error();
            // SAFETY: restores the mask saved above.
            unsafe {
                libc::pthread_sigmask(libc::SIG_SETMASK, &previous_mask, std::ptr::null_mut())
            };
            return Err(error);
        }
        // SAFETY: signalfd returned a new fd that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Signals { fd, previous_mask })
    }

    /// The next pending signal, if any; never blocks.
    pub fn next(&self) -> io::Result<Option<libc::c_int>> {
        // SAFETY: signalfd_siginfo is plain data that read() fills.
        let mut info: libc::signalfd_siginfo = unsafe { std::mem::zeroed() };
        let size = std::mem::size_of::<libc::signalfd_siginfo>();
        // SAFETY: reads at most `size` bytes into `info`, which is exactly that large.
        let n = unsafe {
            libc::read(
                self.fd.as_raw_fd(),
                (&mut info as *mut libc::signalfd_siginfo).cast(),
                size,
            )
        };
        if n < 0 {
            let error = io::Error::last_os_error();
            // By errno: `kind()` would bring std's whole errno-to-kind table into the binary.
            return if error.raw_os_error() == Some(libc::EAGAIN) {
                Ok(None)
            } else {
                Err(error)
            };
        }
        Ok((n as usize == size).then_some(info.ssi_signo as libc::c_int))
    }
}

/// Sets what `signal` does to `action`, SIG_IGN or SIG_DFL, by the system call: libc's signal()
/// and sigaction() carry what a handler needs (a restorer, libc's own signals kept out of the
/// mask), which tine never installs, for a kilobyte of a board binary.
pub fn set_action(signal: libc::c_int, action: libc::sighandler_t) {
    // The kernel's struct sigaction, with no flags and an empty mask: only where the handler
    // lies differs (MIPS has the flags first), and the size of the mask (MIPS has 128
    // signals). A restorer, where an architecture has one, runs only after a handler.
    #[cfg(any(target_arch = "mips", target_arch = "mips64"))]
    #[repr(C)]
    struct Action {
        flags: u32,
        handler: libc::sighandler_t,
        mask: [u64; 2],
        unused: usize,
    }
    #[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
    #[repr(C)]
    struct Action {
        handler: libc::sighandler_t,
        flags: libc::c_ulong,
        restorer: usize,
        mask: u64,
        unused: usize,
    }
    // SAFETY: Action is plain data; all-zero is no flags and an empty mask.
    let mut new: Action = unsafe { std::mem::zeroed() };
    new.handler = action;
    // SAFETY: the kernel reads `new`, as large as the kernel's struct sigaction or larger, and
    // writes no old action (null).
    unsafe {
        libc::syscall(
            libc::SYS_rt_sigaction,
            signal,
            &new as *const Action,
            std::ptr::null_mut::<Action>(),
            std::mem::size_of_val(&new.mask),
        )
    };
}

/// Ends the process as a write to a closed pipe would have (status 141 in a shell, as ply and
/// bpftrace end), for a caller that has already released what it holds: SIGPIPE with its
/// default action.
pub fn die_of_broken_pipe() -> ! {
    set_action(libc::SIGPIPE, libc::SIG_DFL);
    // SAFETY: sigset_t is plain data; the calls unblock the signal and send it, touching no
    // memory but the local set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        // tine has one thread: the process's signal is its own.
        libc::kill(libc::getpid(), libc::SIGPIPE);
    }
    // C's exit: std's `process::exit` would link the cleanup of std's runtime, which tine
    // does not start (kernel/entry.rs).
    // SAFETY: exit ends the process; nothing of Rust's is used after it.
    unsafe { libc::exit(128 + libc::SIGPIPE) }
}

impl AsFd for Signals {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl Drop for Signals {
    /// Signals that came after the last read are taken first: what they asked for (an end) is
    /// under way, and they must not kill the process once unblocked.
    fn drop(&mut self) {
        while let Ok(Some(_)) = self.next() {}
        // SAFETY: restores the mask this value saved when it blocked its signals.
        unsafe {
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.previous_mask, std::ptr::null_mut())
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blocked_signal_is_read_not_delivered() {
        let signals = Signals::catch(&[libc::SIGUSR1]).unwrap();
        assert_eq!(signals.next().unwrap(), None);
        // SAFETY: raise sends to this thread, where SIGUSR1 is blocked and so stays pending.
        assert_eq!(unsafe { libc::raise(libc::SIGUSR1) }, 0);
        assert_eq!(signals.next().unwrap(), Some(libc::SIGUSR1));
        assert_eq!(signals.next().unwrap(), None);
    }

    #[test]
    fn a_bad_signal_number_is_an_error() {
        assert!(Signals::catch(&[12345]).is_err());
    }
}
