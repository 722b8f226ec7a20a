//! kernel::error: the one error type of the kernel layer — what was attempted and why the kernel
//! said no — Display'd as one line a user can act on.

use std::fmt;
use std::io;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// The errno of a failed system call.
    Errno(i32),
    /// A failure that is not a system call's, e.g. a malformed file in /sys.
    Message(String),
}

/// Boxed: a `Result` of the kernel layer is moved through many `?`s, and a pointer is cheaper
/// to move than the three strings (binary size). Its fields are read through `Deref`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelError(Box<Failure>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What was being done, as a phrase that follows "cannot": "load program `count`".
    pub action: String,
    pub cause: Cause,
    /// The verifier's log when a program load was rejected; empty otherwise.
    pub verifier_log: String,
}

impl std::ops::Deref for KernelError {
    type Target = Failure;

    fn deref(&self) -> &Failure {
        &self.0
    }
}

impl std::ops::DerefMut for KernelError {
    fn deref_mut(&mut self) -> &mut Failure {
        &mut self.0
    }
}

impl KernelError {
    fn new(action: String, cause: Cause) -> KernelError {
        KernelError(Box::new(Failure {
            action,
            cause,
            verifier_log: String::new(),
        }))
    }

    // The generic constructors only convert their arguments: one copy of each body serves all.
    pub fn errno(action: impl Into<String>, errno: i32) -> KernelError {
        KernelError::new(action.into(), Cause::Errno(errno))
    }

    /// The error of the system call that just failed on this thread.
    pub fn last(action: impl Into<String>) -> KernelError {
        KernelError::new(action.into(), Cause::Errno(last_errno()))
    }

    pub fn message(action: impl Into<String>, message: impl Into<String>) -> KernelError {
        KernelError::new(action.into(), Cause::Message(message.into()))
    }

    pub fn io(action: impl Into<String>, error: &io::Error) -> KernelError {
        KernelError::new(action.into(), io_cause(error))
    }

    pub fn raw_errno(&self) -> Option<i32> {
        match self.cause {
            Cause::Errno(errno) => Some(errno),
            Cause::Message(_) => None,
        }
    }

    /// The instruction (slot index) the verifier stopped at: the last `N: (code) ...` line of
    /// its log, which the compiler maps back to the script text that produced it.
    pub fn rejected_instruction(&self) -> Option<usize> {
        // Lines read forwards, keeping the last: see `words::rfind_byte`.
        let mut found = None;
        for line in crate::words::lines(&self.verifier_log) {
            // By bytes: a `&str` search would link a searcher into the binary.
            let Some(at) = line.as_bytes().windows(3).position(|pair| pair == b": (") else {
                continue;
            };
            let (slot, rest) = (&line[..at], &line[at + 3..]);
            if rest.get(2..4).is_some_and(|close| close.starts_with(") ")) {
                found = crate::words::decimal(slot).or(found);
            }
        }
        found
    }

    /// The end of the verifier log, at most `lines` lines: the failing path's last
    /// instructions and the reason, without the summary lines.
    pub fn verifier_tail(&self, lines: usize) -> Vec<&str> {
        // Lines read forwards (see `words::rfind_byte`): where the last one that is no summary
        // ends, then the `lines` up to it.
        let mut end = 0;
        for (index, line) in crate::words::lines(&self.verifier_log).enumerate() {
            if !is_summary(crate::words::trim(line)) {
                end = index + 1;
            }
        }
        let mut tail = Vec::new();
        for line in crate::words::lines(&self.verifier_log)
            .take(end)
            .skip(end.saturating_sub(lines))
        {
            tail.push(line);
        }
        tail
    }

    /// True when the kernel refused for lack of privilege rather than for what was asked.
    pub fn is_permission(&self) -> bool {
        self.verifier_log.is_empty() && matches!(self.raw_errno(), Some(libc::EPERM | libc::EACCES))
    }
}

/// The errno of a failed I/O call, or its text when it has none.
fn io_cause(error: &io::Error) -> Cause {
    match error.raw_os_error() {
        Some(errno) => Cause::Errno(errno),
        None => Cause::Message(IoText(error).to_string()),
    }
}

/// An io::Error as std's Display writes it, for the errors tine's calls make: a failed system
/// call's text and errno, or the words of a `kernel::message`. std's own Display links a name
/// for every `ErrorKind` (a kilobyte) for errors no call of tine's makes (std's unnamed ones:
/// tine names every error of its own).
pub struct IoText<'a>(pub &'a io::Error);

impl fmt::Display for IoText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.raw_os_error(), self.0.get_ref()) {
            (Some(errno), _) => write!(f, "{} (os error {errno})", describe(errno)),
            (None, Some(error)) => fmt::Display::fmt(error, f),
            (None, None) => f.write_str("an error without a message"),
        }
    }
}

/// errno of the last failed call on this thread.
pub(crate) fn last_errno() -> i32 {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// strerror's text: what std's io::Error says, without the "(os error N)" it appends.
pub fn describe(errno: i32) -> String {
    // SAFETY: strerror returns a NUL-terminated string that stays valid until the next call on
    // this thread (musl's and glibc's are static tables); it is copied out at once.
    let text = unsafe { std::ffi::CStr::from_ptr(libc::strerror(errno)) };
    text.to_string_lossy().into_owned()
}

/// The verifier log's line that says why: the last non-empty line that is not a summary
/// ("processed N insns", "verification time") or a register-state dump.
fn verifier_reason(log: &str) -> Option<&str> {
    // Lines read forwards, keeping the last: see `words::rfind_byte`.
    let mut found = None;
    for line in crate::words::lines(log).map(crate::words::trim) {
        if !is_summary(line) {
            found = Some(line);
        }
    }
    found
}

/// Lines the verifier adds after its verdict, or blank ones.
fn is_summary(line: &str) -> bool {
    line.is_empty()
        || line.starts_with("processed ")
        || line.starts_with("verification time")
        || line.starts_with("stack depth")
        || line.starts_with("max_states_per_insn")
        || line.starts_with("mark_precise")
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot {}: ", self.action)?;
        if let Some(reason) = verifier_reason(&self.verifier_log) {
            return write!(f, "the verifier rejected it: {reason}");
        }
        match &self.cause {
            Cause::Errno(errno) if self.is_permission() => write!(
                f,
                "{} (tracing needs root, or CAP_BPF and CAP_PERFMON)",
                describe(*errno)
            ),
            Cause::Errno(errno) => f.write_str(&describe(*errno)),
            Cause::Message(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for KernelError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_read_as_std_writes_them() {
        let errors = [
            io::Error::from_raw_os_error(libc::ENOENT),
            io::Error::from_raw_os_error(libc::EACCES),
            crate::kernel::message(io::ErrorKind::InvalidData, "not text"),
        ];
        for error in errors {
            assert_eq!(IoText(&error).to_string(), error.to_string());
        }
    }

    #[test]
    fn permission_errors_name_the_missing_privilege() {
        let text = KernelError::errno("create map `@`", libc::EPERM).to_string();
        assert!(text.starts_with("cannot create map `@`: "), "{text}");
        assert!(text.contains("root, or CAP_BPF and CAP_PERFMON"), "{text}");
        let text = KernelError::errno("create map `@`", libc::E2BIG).to_string();
        assert!(!text.contains("CAP_BPF"), "{text}");
    }

    #[test]
    fn a_rejection_shows_the_verifier_reason_not_a_privilege_hint() {
        let mut error = KernelError::errno("load program `p`", libc::EACCES);
        error.verifier_log =
            "0: (b7) r0 = 0\n1: (95) exit\nR0 !read_ok\nprocessed 2 insns (limit 1000000)\n".into();
        assert!(!error.is_permission());
        assert_eq!(
            error.to_string(),
            "cannot load program `p`: the verifier rejected it: R0 !read_ok"
        );
    }

    #[test]
    fn the_rejected_instruction_and_the_logs_tail_are_found() {
        let mut error = KernelError::errno("load program `p`", libc::EACCES);
        error.verifier_log = "0: R1=ctx() R10=fp0\n\
            0: (b7) r0 = 0                        ; R0=0\n\
            1: (15) if r3 == 0x0 goto pc+1\n\
            12: (7b) *(u64 *)(r1 +0) = r0\n\
            invalid bpf_context access off=0 size=8\n\
            processed 5 insns (limit 1000000) max_states_per_insn 0\n"
            .into();
        assert_eq!(error.rejected_instruction(), Some(12));
        assert_eq!(
            error.verifier_tail(2),
            [
                "12: (7b) *(u64 *)(r1 +0) = r0",
                "invalid bpf_context access off=0 size=8"
            ]
        );
        assert_eq!(
            KernelError::errno("x", libc::EINVAL).rejected_instruction(),
            None
        );
    }

    #[test]
    fn messages_and_io_errors_keep_their_text() {
        let error = KernelError::message("read /sys/x", "no number");
        assert_eq!(error.to_string(), "cannot read /sys/x: no number");
        let error = KernelError::io("open f", &io::Error::from_raw_os_error(libc::ENOENT));
        assert_eq!(error.raw_errno(), Some(libc::ENOENT));
        assert_eq!(
            error.to_string(),
            "cannot open f: No such file or directory"
        );
    }
}
