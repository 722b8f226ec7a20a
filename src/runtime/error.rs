//! runtime::error: the runtime's one error type — why tracing could not start, go on or end
//! cleanly. A cause from elsewhere (the kernel's, an I/O error) is its `source()`.

use std::error::Error;
use std::fmt;
use std::io;

use tine_asm::AsmError;

use crate::kernel::error::KernelError;
use crate::lang::diag::Diag;

#[derive(Debug)]
pub enum RunError {
    /// The kernel refused a map, a program or an attachment.
    Kernel(KernelError),
    /// A verifier rejection, pointing at the script text that produced the instruction.
    Script(Diag),
    CatchSignals(io::Error),
    ReadSignals(io::Error),
    /// The `-c` command could not be let run.
    StartCommand(io::Error),
    WaitCommand(io::Error),
    /// The compiler made a program tine-asm cannot encode (a compiler bug).
    Encode(AsmError),
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
            RunError::Encode(_) => f.write_str("cannot encode a program"),
            RunError::UnknownRecord(id) => write!(f, "a probe sent an unknown record ({id})"),
        }
    }
}

impl Error for RunError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            RunError::CatchSignals(error)
            | RunError::ReadSignals(error)
            | RunError::StartCommand(error)
            | RunError::WaitCommand(error) => Some(error),
            RunError::Encode(error) => Some(error),
            RunError::Kernel(_) | RunError::Script(_) | RunError::UnknownRecord(_) => None,
        }
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
    use crate::lang::diag::chain;

    /// What `main` prints is the message and its cause, as when both were one string.
    #[test]
    fn a_cause_follows_its_context() {
        let error = RunError::StartCommand(io::Error::from_raw_os_error(libc::EAGAIN));
        assert!(error.source().is_some());
        assert_eq!(
            chain(&error),
            "cannot start the command: Resource temporarily unavailable (os error 11)"
        );
        assert_eq!(
            chain(&RunError::UnknownRecord(7)),
            "a probe sent an unknown record (7)"
        );
    }
}
