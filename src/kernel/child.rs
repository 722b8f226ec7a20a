//! kernel::child: the `-c COMMAND` child. It is forked before the script is compiled (so
//! `$target` can name it), waits until every probe is attached, then runs `/bin/sh -c COMMAND`.
//! If tine fails before releasing it, the child exits without running anything: it never
//! outlives a failed start (ply's child waits forever then).

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// Makes the file at `path` (created, or emptied) tine's standard output (bpftrace's `-o`),
/// once the child is forked: the child keeps the standard output it was given.
pub fn redirect_stdout(path: &str) -> Result<(), crate::kernel::KernelError> {
    let failed = || crate::kernel::KernelError::last(format!("write the output to `{path}`"));
    // An argument holds no NUL: this cannot fail.
    let name = CString::new(path.as_bytes()).map_err(|_| failed())?;
    let flags = libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC | libc::O_CLOEXEC;
    let fd = super::open_raw(&name, flags, 0o644);
    if fd < 0 {
        return Err(failed());
    }
    // SAFETY: dup2 takes two descriptors; `fd` is this process's, just opened.
    let moved = unsafe { libc::dup2(fd, libc::STDOUT_FILENO) };
    let result = if moved < 0 { Err(failed()) } else { Ok(()) };
    // SAFETY: `fd` is ours and nothing else holds it; standard output is its copy now.
    unsafe { libc::close(fd) };
    result
}

/// How the child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildExit {
    Code(i32),
    Signal(i32),
}

#[derive(Debug)]
pub struct Child {
    pid: libc::pid_t,
    /// Write end of the pipe the child waits on; writing a byte releases it, closing it
    /// unwritten makes it exit.
    gate: Option<OwnedFd>,
    exit: Option<ChildExit>,
}

/// The shell builtins that are programs too: `sh -c` runs them itself, without an exec.
const SHELL_BUILTINS: &str = "[ echo false kill printf pwd test true";

/// What `sh -c` runs for `command`: `exec command` when it is one simple command whose first
/// word is a program (a path, or a file on PATH), so that the child's pid — `$target`, `cpid` —
/// is the command's own, as it is with a shell that execs a last command itself (bash) and is
/// not with Debian's dash, which forks it. Anything else (`a; b`, a pipe, `(...)`, `VAR=x cmd`)
/// runs as written, and so does a builtin (`exit`, and `true` or `echo` of `SHELL_BUILTINS`):
/// the shell, the child itself, runs it, as `sh -c` runs it for ply.
fn shell_text(command: &str) -> String {
    let bytes = crate::words::trim_start(command).as_bytes();
    let mut quote = None;
    let mut escaped = false;
    for &byte in bytes {
        match (quote, byte) {
            _ if escaped => escaped = false,
            (Some(open), _) if byte == open => quote = None,
            (Some(b'\''), _) => {}
            (_, b'\\') => escaped = true,
            (Some(_), _) => {}
            (None, b'\'' | b'"') => quote = Some(byte),
            (None, b';' | b'&' | b'|' | b'(' | b')' | b'{' | b'}' | b'!' | b'\n' | b'`') => {
                return command.to_string()
            }
            _ => {}
        }
    }
    let end = bytes.iter().position(|&byte| byte == b' ' || byte == b'\t');
    let first = &bytes[..end.unwrap_or(bytes.len())];
    let plain = !first.is_empty()
        && quote.is_none()
        && !first.iter().any(|byte| b"'\"\\=$".contains(byte))
        && crate::words::word_index(SHELL_BUILTINS, &String::from_utf8_lossy(first)).is_none();
    let on_path = |directory: &str| {
        let mut path = String::from(directory);
        path.push('/');
        path.push_str(&String::from_utf8_lossy(first));
        is_program(&path)
    };
    let path = super::env_var("PATH").unwrap_or_default();
    if plain && (first.contains(&b'/') || crate::words::split(&path, b':').any(on_path)) {
        let mut text = String::from("exec ");
        text.push_str(command);
        return text;
    }
    command.to_string()
}

/// Whether `path` is a file someone may execute.
pub fn is_program(path: &str) -> bool {
    super::status(path, true).is_some_and(|status| status.is_file() && status.mode & 0o111 != 0)
}

impl Child {
    /// Forks the child, held at the gate; its standard output is `stdout` when given, else
    /// tine's.
    #[inline(never)]
    pub fn spawn(command: &str, stdout: Option<&OwnedFd>) -> io::Result<Child> {
        // Everything the child touches is made before fork: between fork and exec only
        // async-signal-safe calls are allowed.
        let command = CString::new(shell_text(command)).map_err(|_| {
            super::message(
                io::ErrorKind::InvalidInput,
                "the command contains a NUL byte",
            )
        })?;
        let argv = [
            c"/bin/sh".as_ptr(),
            c"-c".as_ptr(),
            command.as_ptr(),
            std::ptr::null(),
        ];

        let stdout = stdout.map(AsRawFd::as_raw_fd);
        let (wait_end, gate) = pipe()?;

        // fork(2) as the bare clone system call: libc's fork runs at-fork handlers tine has
        // none of, code the binary would carry for nothing.
        // SAFETY: tine is single-threaded when it forks, and the child below only calls
        // async-signal-safe functions (close, read, dup2, sigprocmask, execv, _exit) before
        // exec.
        let pid =
            unsafe { libc::syscall(libc::SYS_clone, libc::SIGCHLD as libc::c_long, 0, 0, 0, 0) };
        if pid < 0 {
            return Err(io::Error::last_os_error());
        }
        let pid = pid as libc::pid_t;
        if pid == 0 {
            // SAFETY: in the child; the pointers stay valid because nothing is freed before
            // execv replaces the process or _exit ends it.
            unsafe {
                libc::close(gate.as_raw_fd());
                let mut byte = 0u8;
                let got = loop {
                    let n = libc::read(wait_end.as_raw_fd(), (&mut byte as *mut u8).cast(), 1);
                    if n >= 0 || *libc::__errno_location() != libc::EINTR {
                        break n;
                    }
                };
                if got != 1 {
                    libc::_exit(0);
                }
                if let Some(stdout) = stdout {
                    libc::dup2(stdout, 1);
                }
                // tine blocks the signals it handles itself; the command must see them.
                let mut none: libc::sigset_t = std::mem::zeroed();
                libc::sigemptyset(&mut none);
                libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
                libc::execv(argv[0], argv.as_ptr());
                libc::_exit(127);
            }
        }
        drop(wait_end);
        Ok(Child {
            pid,
            gate: Some(gate),
            exit: None,
        })
    }

    /// bpftrace's `system()`: `sh -c command` run now, its standard output into a pipe whose
    /// read end is returned, to be read to its end before `finish`.
    pub fn piped(command: &str) -> io::Result<(Child, File)> {
        let (read_end, write_end) = pipe()?;
        let mut child = Child::spawn(command, Some(&write_end))?;
        child.release()?;
        Ok((child, File::from(read_end)))
    }

    /// Waits for the child to end.
    pub fn finish(mut self) -> io::Result<Option<ChildExit>> {
        self.wait(0)
    }

    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Lets the child run its command.
    pub fn release(&mut self) -> io::Result<()> {
        if let Some(gate) = self.gate.take() {
            // SAFETY: writes one byte from a live local to an fd this value owns.
            if unsafe { libc::write(gate.as_raw_fd(), [1u8].as_ptr().cast(), 1) } != 1 {
                return Err(io::Error::last_os_error());
            }
        }
        Ok(())
    }

    /// The child's exit, if it has ended; never blocks.
    pub fn try_wait(&mut self) -> io::Result<Option<ChildExit>> {
        self.wait(libc::WNOHANG)
    }

    fn wait(&mut self, flags: libc::c_int) -> io::Result<Option<ChildExit>> {
        if self.exit.is_some() {
            return Ok(self.exit);
        }
        let mut status = 0;
        // SAFETY: waits for our own child, writing its status to a live local.
        let pid = unsafe { libc::waitpid(self.pid, &mut status, flags) };
        if pid < 0 {
            return Err(io::Error::last_os_error());
        }
        if pid == self.pid {
            self.exit = Some(if libc::WIFSIGNALED(status) {
                ChildExit::Signal(libc::WTERMSIG(status))
            } else {
                ChildExit::Code(libc::WEXITSTATUS(status))
            });
        }
        Ok(self.exit)
    }
}

/// A pipe's read and write ends, closed on exec.
fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // The system call itself: libc's pipe2 carries a fallback for kernels older than 2.6.27.
    // SAFETY: `fds` is a valid array of two ints for pipe2 to fill.
    if unsafe { libc::syscall(libc::SYS_pipe2, fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: pipe2 succeeded, so both fds are open and owned by nothing else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

impl Drop for Child {
    /// An unreleased child sees its gate close and exits at once; reap it so no zombie stays.
    /// A released child runs on (it has been sent the same Ctrl-C as tine).
    fn drop(&mut self) {
        if self.gate.take().is_some() {
            let _ = self.wait(0);
        } else {
            let _ = self.try_wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn wait_for_exit(child: &mut Child) -> ChildExit {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(exit) = child.try_wait().unwrap() {
                return exit;
            }
            assert!(Instant::now() < deadline, "the child did not exit");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn a_simple_command_of_a_program_is_execed_anything_else_runs_as_written() {
        for exec in [
            "sh -c 'a; b'",
            "/bin/echo x > /dev/null",
            "  dd if=/dev/zero of=/dev/null count=1",
            "cat 'a|b' \"$HOME\"",
        ] {
            assert_eq!(shell_text(exec), format!("exec {exec}"), "{exec}");
        }
        for written in [
            "a; b",
            "ls | wc",
            "sleep 1 &",
            "(ls)",
            "exit 3",
            "cd /tmp",
            "true",
            "echo 'a\\nb'",
            "printf 'a|b\\n' \"$HOME\"",
            "VAR=1 ls",
            "exec ls",
            "'ls' -l",
            "ls 'x",
            "no-such-program-here",
            "",
        ] {
            assert_eq!(shell_text(written), written, "{written}");
        }
    }

    #[test]
    fn the_command_runs_only_when_released() {
        let dir = std::env::temp_dir().join(format!("tine-child-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let marker = dir.join("ran");
        let mut child =
            Child::spawn(&format!("echo $$ > {}; exit 3", marker.display()), None).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        assert!(!marker.exists(), "the command ran before it was released");
        assert_eq!(child.try_wait().unwrap(), None);
        child.release().unwrap();
        assert_eq!(wait_for_exit(&mut child), ChildExit::Code(3));
        // `sh -c` runs in the forked process itself, so `$$` is the pid tine reports.
        assert_eq!(
            std::fs::read_to_string(&marker).unwrap().trim(),
            child.pid().to_string()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unreleased_child_exits_without_running_its_command() {
        let dir =
            std::env::temp_dir().join(format!("tine-child-unreleased-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let marker = dir.join("ran");
        let child = Child::spawn(&format!("touch {}", marker.display()), None).unwrap();
        let pid = child.pid();
        drop(child);
        // Dropped means reaped: the pid no longer names our child.
        // SAFETY: waitpid with a null status pointer only asks whether the pid is still ours.
        assert_eq!(
            unsafe { libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG) },
            -1
        );
        assert!(
            !marker.exists(),
            "a child that was never released ran its command"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// system()'s child: its standard output comes through the pipe whole, its exit through
    /// `finish`.
    #[test]
    fn a_piped_child_writes_into_the_pipe() {
        use std::io::Read;
        let (child, mut output) = Child::piped("echo one; echo two >&1; exit 4").unwrap();
        let mut text = String::new();
        output.read_to_string(&mut text).unwrap();
        assert_eq!(text, "one\ntwo\n");
        assert_eq!(child.finish().unwrap(), Some(ChildExit::Code(4)));
    }

    #[test]
    fn a_signal_is_reported() {
        let mut child = Child::spawn("kill -TERM $$", None).unwrap();
        child.release().unwrap();
        assert_eq!(wait_for_exit(&mut child), ChildExit::Signal(libc::SIGTERM));
    }
}
