//! provider::error: the provider layer's one error type — why a probe spec names nothing this
//! kernel can attach to. Each provider's own error is a variant; sema shows it under the spec.

use std::error::Error;
use std::fmt;
use std::path::PathBuf;

use crate::kernel::error::KernelError;

use super::kprobe::KprobeError;
use super::uprobe::UprobeError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderError {
    /// A provider name not in `PROVIDERS`: a front end out of step with the list.
    Unknown(Box<str>),
    /// No pt_regs layout for the build architecture, so no `argN`, `retval`, `regs`.
    NoRegisters,
    /// Tracefs could not be found, mounted or listed.
    Kernel(KernelError),
    // Boxed: the larger errors would make every provider's result larger to move.
    Kprobe(Box<KprobeError>),
    Uprobe(Box<UprobeError>),
    Tracepoint(Box<TracepointError>),
    /// A spec its provider cannot read, in the provider's words: the message names the spec
    /// and how to write one. A provider's own ways to fail need no variant here.
    Spec(Box<str>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TracepointError {
    /// Not `group/event`.
    NoEvent(String),
    /// A glob that matched no event.
    NoMatch(String),
    /// An event tracefs does not have; `events` is the directory looked in.
    Missing { name: String, events: PathBuf },
    /// A `format` file tine cannot read.
    BadFormat(String),
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderError::Unknown(name) => around(f, "no provider `", name, "`"),
            ProviderError::NoRegisters => around(
                f,
                "tine knows no pt_regs layout for ",
                std::env::consts::ARCH,
                ": kprobes and uprobes are unavailable",
            ),
            ProviderError::Kernel(error) => error.fmt(f),
            ProviderError::Kprobe(error) => error.fmt(f),
            ProviderError::Uprobe(error) => error.fmt(f),
            ProviderError::Tracepoint(error) => error.fmt(f),
            ProviderError::Spec(message) => f.write_str(message),
        }
    }
}

impl ProviderError {
    /// `Spec`'s message of `before`, the spec, then `after`.
    pub fn spec(before: &str, spec: &str, after: &str) -> ProviderError {
        ProviderError::Spec(crate::words::joined(&[before, spec, after], "").into())
    }
}

/// `before`, then `spec`, then `after`: most of these messages, written by one function, not
/// by a `write!` each.
fn around(f: &mut fmt::Formatter<'_>, before: &str, spec: &str, after: &str) -> fmt::Result {
    f.write_str(before)?;
    f.write_str(spec)?;
    f.write_str(after)
}

/// The wrapped errors are the message itself, not a cause of it: their causes are this one's.
impl Error for ProviderError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            ProviderError::Kernel(error) => error.source(),
            ProviderError::Kprobe(error) => error.source(),
            ProviderError::Uprobe(error) => error.source(),
            ProviderError::Tracepoint(error) => error.source(),
            _ => None,
        }
    }
}

impl fmt::Display for TracepointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TracepointError::NoEvent(spec) => around(
                f,
                "`tracepoint:",
                spec,
                "` needs a group and an event: tracepoint:sched/sched_switch",
            ),
            TracepointError::NoMatch(spec) => around(f, "no tracepoint matches `", spec, "`"),
            TracepointError::Missing { name, events } => {
                around(f, "no tracepoint `", name, "` in ")?;
                f.write_str(&events.to_string_lossy())
            }
            TracepointError::BadFormat(reason) => f.write_str(reason),
        }
    }
}

impl Error for TracepointError {}

impl From<KernelError> for ProviderError {
    fn from(error: KernelError) -> ProviderError {
        ProviderError::Kernel(error)
    }
}

impl From<KprobeError> for ProviderError {
    fn from(error: KprobeError) -> ProviderError {
        ProviderError::Kprobe(Box::new(error))
    }
}

impl From<UprobeError> for ProviderError {
    fn from(error: UprobeError) -> ProviderError {
        ProviderError::Uprobe(Box::new(error))
    }
}

impl From<TracepointError> for ProviderError {
    fn from(error: TracepointError) -> ProviderError {
        ProviderError::Tracepoint(Box::new(error))
    }
}
