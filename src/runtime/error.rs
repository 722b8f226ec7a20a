//! runtime::error: the runtime's one error type — why tracing could not start, go on or end
//! cleanly. A cause from elsewhere (the kernel's, an I/O error) is its `source()`.

use std::error::Error;
use std::fmt;
use std::io;

use tine_asm::AsmError;

use crate::kernel::error::KernelError;
use crate::lang::diag::Diag;

/// The large causes are boxed: a `RunError` is moved by every `?` of the runtime, and a small
/// one keeps those moves (and the binary) small.
pub enum RunError {
    /// The kernel refused a map, a program or an attachment.
    Kernel(KernelError),
    /// A verifier rejection, pointing at the script text that produced the instruction.
    Script(Box<Diag>),
    CatchSignals(io::Error),
    ReadSignals(io::Error),
    /// The `-c` command could not be let run.
    StartCommand(io::Error),
    WaitCommand(io::Error),
    /// The compiler made a program tine-asm cannot encode (a compiler bug).
    Encode(Box<AsmError>),
    /// A record whose id the compiler never gave.
    UnknownRecord(u64),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Kernel(error) => error.fmt(f),
            RunError::Script(diag) => f.write_str(&diag.message),
            RunError::CatchSignals(_) => f.write_str("cannot catch signals"),
            RunError::ReadSignals(_) => f.write_str("cannot read signals"),
            RunError::StartCommand(_) => f.write_str("cannot start the command"),
            RunError::WaitCommand(_) => f.write_str("cannot wait for the command"),
            RunError::Encode(error) => write!(f, "cannot encode a program: {error}"),
            RunError::UnknownRecord(id) => write!(f, "a probe sent an unknown record ({id})"),
        }
    }
}

/// As Display: a derived Debug would put every variant's field names in the binary.
impl fmt::Debug for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl RunError {
    /// `source()` as its concrete type (see `Failure::cause`).
    pub fn cause(&self) -> Option<&io::Error> {
        match self {
            RunError::CatchSignals(error)
            | RunError::ReadSignals(error)
            | RunError::StartCommand(error)
            | RunError::WaitCommand(error) => Some(error),
            // Not a source, so that tine-asm's Debug of every instruction stays out of the
            // binary: a compiler bug, said in one line.
            RunError::Kernel(_)
            | RunError::Script(_)
            | RunError::Encode(_)
            | RunError::UnknownRecord(_) => None,
        }
    }
}

impl Error for RunError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.cause().map(|error| error as &(dyn Error + 'static))
    }
}

impl From<KernelError> for RunError {
    fn from(error: KernelError) -> RunError {
        RunError::Kernel(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The context is the message, the I/O error its cause.
    #[test]
    fn a_cause_is_a_source_not_part_of_the_message() {
        let error = RunError::StartCommand(io::Error::from_raw_os_error(libc::EAGAIN));
        assert_eq!(error.to_string(), "cannot start the command");
        let cause = error.source().map(ToString::to_string);
        assert_eq!(
            cause.as_deref(),
            Some("Resource temporarily unavailable (os error 11)")
        );
        let error = RunError::UnknownRecord(7);
        assert_eq!(error.to_string(), "a probe sent an unknown record (7)");
        assert!(error.source().is_none());
    }
}
