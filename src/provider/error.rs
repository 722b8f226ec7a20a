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
    Unknown(String),
    /// No pt_regs layout for the build architecture, so no `argN`, `retval`, `regs`.
    NoRegisters,
    /// Tracefs could not be found, mounted or listed.
    Kernel(KernelError),
    // Boxed: the larger errors would make every provider's result larger to move.
    Kprobe(Box<KprobeError>),
    Uprobe(Box<UprobeError>),
    Tracepoint(Box<TracepointError>),
    /// `interval:SPEC` that is no period.
    NotAPeriod(String),
    /// `profile:SPEC` that is no rate.
    NotARate(String),
    /// `software:SPEC` that names no software event.
    NoSoftwareEvent(String),
    /// `software:EVENT:COUNT` whose count is no number of events.
    NotACount(String),
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
            ProviderError::Unknown(name) => write!(f, "no provider `{name}`"),
            ProviderError::NoRegisters => write!(
                f,
                "tine knows no pt_regs layout for {}: kprobes and uprobes are unavailable",
                std::env::consts::ARCH
            ),
            ProviderError::Kernel(error) => error.fmt(f),
            ProviderError::Kprobe(error) => error.fmt(f),
            ProviderError::Uprobe(error) => error.fmt(f),
            ProviderError::Tracepoint(error) => error.fmt(f),
            ProviderError::NotAPeriod(spec) => write!(
                f,
                "`interval:{spec}` is not a period: write interval:1, interval:500ms or \
                 interval:ms:500 (units: m, s, ms, us, ns, or hz for a rate)"
            ),
            ProviderError::NotARate(spec) => write!(
                f,
                "`profile:{spec}` is not a rate: write profile:99hz, profile:0:99hz, \
                 profile:hz:99 or profile:ms:10 (units: hz, s, ms, us)"
            ),
            ProviderError::NoSoftwareEvent(spec) => {
                write!(
                    f,
                    "`software:{spec}` names no software event; the events are"
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
            ProviderError::NotACount(spec) => write!(
                f,
                "`software:{spec}`: the count is not a number of events: write \
                 software:page-faults or software:page-faults:100"
            ),
        }
    }
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
            TracepointError::NoEvent(spec) => write!(
                f,
                "`tracepoint:{spec}` needs a group and an event: tracepoint:sched/sched_switch"
            ),
            TracepointError::NoMatch(spec) => write!(f, "no tracepoint matches `{spec}`"),
            TracepointError::Missing { name, events } => {
                write!(f, "no tracepoint `{name}` in {}", events.to_string_lossy())
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
