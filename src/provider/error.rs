//! provider::error: the provider layer's one error type — why a probe spec names nothing this
//! kernel can attach to. Each provider's own error is a variant; sema shows it under the spec.

use std::error::Error;
use std::fmt;
use std::path::PathBuf;

use crate::kernel::error::KernelError;
use crate::words::nth_word;

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
    /// `interval:SPEC` that is no period.
    NotAPeriod(Box<str>),
    /// `profile:SPEC` that is no rate.
    NotARate(Box<str>),
    /// `software:SPEC` that names no software event.
    NoSoftwareEvent(Box<str>),
    /// `software:EVENT:COUNT` whose count is no number of events.
    NotACount(Box<str>),
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
            ProviderError::NotAPeriod(spec) => around(
                f,
                "`interval:",
                spec,
                "` is not a period: write interval:1, interval:500ms or interval:ms:500 \
                 (units: m, s, ms, us, ns, or hz for a rate)",
            ),
            ProviderError::NotARate(spec) => around(
                f,
                "`profile:",
                spec,
                "` is not a rate: write profile:99hz, profile:0:99hz, profile:hz:99 or \
                 profile:ms:10 (units: hz, s, ms, us)",
            ),
            ProviderError::NoSoftwareEvent(spec) => {
                around(
                    f,
                    "`software:",
                    spec,
                    "` names no software event; the events are",
                )?;
                let mut separator = " ";
                let mut index = 0;
                while let Some(name) = nth_word(super::software::EVENTS, index) {
                    f.write_str(separator)?;
                    f.write_str(name)?;
                    let alias = nth_word(super::software::ALIASES, index).unwrap_or_default();
                    if alias != "-" {
                        f.write_str(" (")?;
                        f.write_str(alias)?;
                        f.write_str(")")?;
                    }
                    separator = ", ";
                    index += 1;
                }
                Ok(())
            }
            ProviderError::NotACount(spec) => around(
                f,
                "`software:",
                spec,
                "`: the count is not a number of events: write software:page-faults or \
                 software:page-faults:100",
            ),
        }
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
