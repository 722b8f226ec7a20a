//! provider::profile: `profile:100hz` (every CPU), `profile:0:100hz` (CPU 0) and bpftrace's
//! `profile:hz:99`, `profile:ms:10`: a cpu-clock perf event sampling at a frequency, or at a
//! period.

use crate::compile::ProgramKind;
use crate::kernel::bpf::LoadedProgram;
use crate::kernel::cpu::online_cpus;
use crate::kernel::error::KernelError;
use crate::kernel::perf::{PerfEvent, Rate};

use std::rc::Rc;

use crate::lang::Syntax;

use super::error::ProviderError;
use super::offline::OfflineProbe;
use super::{Attachment, Provider, ResolvedProbe, Variable};

/// Where the kernel caps sampling frequencies; it lowers the cap itself when samples take
/// too long, so the cap is read when an event is refused, not assumed.
const MAX_SAMPLE_RATE: &str = "/proc/sys/kernel/perf_event_max_sample_rate";

pub struct Profile {
    /// None: every online CPU.
    pub cpu: Option<u32>,
    pub rate: Rate,
}

impl Profile {
    pub fn parse(spec: &str) -> Result<Profile, ProviderError> {
        let bad = || ProviderError::NotARate(spec.to_string());
        let (cpu, rate) = match spec.split(':').collect::<Vec<_>>().as_slice() {
            [rate] => (None, rate.to_string()),
            [cpu, rate] => (Some(cpu.parse().map_err(|_| bad())?), rate.to_string()),
            _ => return Err(bad()),
        };
        let digits = rate
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rate.len());
        let (count, unit) = rate.split_at(digits);
        let count: u64 = count
            .parse()
            .ok()
            .filter(|&count| count > 0)
            .ok_or_else(bad)?;
        let rate = match unit {
            // The kernel takes any frequency up to its cap (perf_event_max_sample_rate).
            "hz" => Rate::Frequency(count),
            "s" | "ms" | "us" => Rate::Period(
                super::interval::unit_ns(unit)
                    .and_then(|ns| ns.checked_mul(count))
                    .ok_or_else(bad)?,
            ),
            _ => return Err(bad()),
        };
        Ok(Profile { cpu, rate })
    }
}

/// `profile:`.
pub static PROFILE: Provider = Provider {
    syntax: Syntax {
        name: "profile",
        bare: false,
        canonical: super::interval::ply_rate,
    },
    resolve: |spec, _| Ok(Rc::new(Profile::parse(spec)?)),
    offline: |spec, _| Ok(OfflineProbe::of(&Profile::parse(spec)?)),
    offline_points: None,
    respell: None,
};

impl ResolvedProbe for Profile {
    fn kind(&self) -> ProgramKind {
        ProgramKind::PerfEvent
    }

    fn variables(&self) -> &[Variable] {
        &[]
    }

    fn attach(&self, program: &LoadedProgram) -> Result<Attachment, KernelError> {
        let cpus = match self.cpu {
            Some(cpu) => vec![cpu],
            None => online_cpus()?,
        };
        let mut events = Vec::with_capacity(cpus.len());
        for cpu in cpus {
            let event = PerfEvent::cpu_clock(cpu, self.rate).map_err(|error| {
                match (self.rate, error.raw_errno()) {
                    (Rate::Frequency(hz), Some(libc::EINVAL)) => {
                        let cap = std::fs::read_to_string(MAX_SAMPLE_RATE).unwrap_or_default();
                        KernelError::message(
                            format!("sample CPU {cpu} at {hz} hz"),
                            format!(
                                "the kernel samples at most {} hz ({MAX_SAMPLE_RATE})",
                                cap.trim()
                            ),
                        )
                    }
                    _ => error,
                }
            })?;
            event.attach(program)?;
            events.push(event);
        }
        Ok(Attachment::Events(events))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ply_and_bpftrace_spellings() {
        let parsed = |spec: &str| {
            Profile::parse(&(PROFILE.syntax.canonical)(spec))
                .map(|profile| (profile.cpu, profile.rate))
        };
        assert_eq!(parsed("100hz"), Ok((None, Rate::Frequency(100))));
        assert_eq!(parsed("0:100hz"), Ok((Some(0), Rate::Frequency(100))));
        assert_eq!(parsed("hz:99"), Ok((None, Rate::Frequency(99))));
        // Above ply's 1000: the kernel's cap decides (bpftrace samples at 1999 hz).
        assert_eq!(parsed("1999hz"), Ok((None, Rate::Frequency(1999))));
        assert_eq!(parsed("ms:10"), Ok((None, Rate::Period(10_000_000))));
        assert_eq!(parsed("1:250us"), Ok((Some(1), Rate::Period(250_000))));
        assert!(parsed("0hz").is_err());
        assert!(parsed("100").is_err());
        assert!(parsed("5parsecs").is_err());
        assert!(parsed("10ns").is_err());
    }
}
