//! provider::profile: `profile:100hz` (every CPU), `profile:0:100hz` (CPU 0) and bpftrace's
//! `profile:hz:99`, `profile:ms:10`: a cpu-clock perf event sampling at a frequency, or at a
//! period.

use crate::compile::ProgramKind;
use crate::kernel::bpf::LoadedProgram;
use crate::kernel::cpu::online_cpus;
use crate::kernel::error::KernelError;
use crate::kernel::perf::{PerfEvent, Rate, SOFTWARE_CPU_CLOCK, TYPE_HARDWARE, TYPE_SOFTWARE};

use std::rc::Rc;

use crate::lang::Syntax;

use super::error::ProviderError;
use super::interval::{count_and_unit, unit_ns};
use super::offline::OfflineProbe;
use super::{attach_each, Attachment, Provider, ResolvedProbe, Variable};

/// Where the kernel caps sampling frequencies; it lowers the cap itself when samples take
/// too long, so the cap is read when an event is refused, not assumed.
const MAX_SAMPLE_RATE: &str = "/proc/sys/kernel/perf_event_max_sample_rate";

pub struct Profile {
    /// None: every online CPU.
    pub cpu: Option<u32>,
    pub rate: Rate,
    /// `regs`, the registers the sample interrupted (bpf_perf_event_data starts with them).
    variables: Vec<Variable>,
}

impl Profile {
    pub fn parse(spec: &str) -> Result<Profile, ProviderError> {
        let bad = || {
            ProviderError::spec(
                "`profile:",
                spec,
                "` is not a rate: write profile:99hz, profile:0:99hz, profile:hz:99 or \
                 profile:ms:10 (units: hz, s, ms, us)",
            )
        };
        let (cpu, rate) = match crate::words::split_once(spec, b':') {
            Some((cpu, rate)) => (Some(crate::words::decimal(cpu).ok_or_else(bad)?), rate),
            None => (None, spec),
        };
        let rate = match count_and_unit(rate) {
            // The kernel takes any frequency up to its cap (perf_event_max_sample_rate).
            Some((count @ 1.., "hz")) => Rate::Frequency(count),
            Some((count @ 1.., unit @ ("s" | "ms" | "us"))) => Rate::Period(
                unit_ns(unit)
                    .and_then(|ns| ns.checked_mul(count))
                    .ok_or_else(bad)?,
            ),
            _ => return Err(bad()),
        };
        let mut variables = Vec::new();
        if let Some(arch) = crate::arch::current() {
            variables.push(super::regs::registers(arch));
        }
        Ok(Profile {
            cpu,
            rate,
            variables,
        })
    }
}

/// `profile:`.
pub static PROFILE: Provider = Provider {
    syntax: Syntax {
        name: "profile",
        bare: false,
        aliases: "",
        canonical: super::interval::ply_rate,
    },
    resolve: |spec, _| Ok(Rc::new(Profile::parse(spec)?)),
    offline: |spec, _| Ok(OfflineProbe::of(&Profile::parse(spec)?)),
    offline_points: None,
    respell: None,
    list: None,
};

impl ResolvedProbe for Profile {
    fn kind(&self) -> ProgramKind {
        ProgramKind::PerfEvent
    }

    fn variables(&self) -> &[Variable] {
        &self.variables
    }

    fn attach(&self, program: &LoadedProgram) -> Result<Attachment, KernelError> {
        match self.cpu {
            Some(cpu) => cpu_clocks(&[cpu], self.rate, program),
            None => cpu_clocks(&online_cpus()?, self.rate, program),
        }
    }
}

/// A cpu-clock event at `rate` on each of `cpus`, running `program`: profile's, and interval's
/// on CPU 0.
pub(super) fn cpu_clocks(
    cpus: &[u32],
    rate: Rate,
    program: &LoadedProgram,
) -> Result<Attachment, KernelError> {
    counters(
        TYPE_SOFTWARE,
        SOFTWARE_CPU_CLOCK,
        "cpu-clock",
        cpus,
        rate,
        program,
    )
}

/// The counter `config` of perf type `kind` (`name` in messages) at `rate` on each of `cpus`,
/// running `program`: the cpu-clocks, and `software:`'s and `hardware:`'s events.
pub(super) fn counters(
    kind: u32,
    config: u64,
    name: &str,
    cpus: &[u32],
    rate: Rate,
    program: &LoadedProgram,
) -> Result<Attachment, KernelError> {
    let mut opened = cpus.iter().map(|&cpu| {
        PerfEvent::counter(kind, config, name, cpu, rate).map_err(|error| {
            match (rate, error.raw_errno()) {
                // No PMU (a virtual machine's CPU), or none that counts this event.
                (_, Some(libc::ENOENT | libc::EOPNOTSUPP)) if kind == TYPE_HARDWARE => {
                    KernelError::message(
                        format!("count hardware event {name}"),
                        "not available on this machine: no PMU counts it (virtual machines \
                         mostly have none)",
                    )
                }
                (Rate::Frequency(hz), Some(libc::EINVAL)) => {
                    let cap = crate::kernel::read_text(MAX_SAMPLE_RATE).unwrap_or_default();
                    KernelError::message(
                        format!("sample CPU {cpu} at {hz} hz"),
                        format!(
                            "the kernel samples at most {} hz ({MAX_SAMPLE_RATE})",
                            crate::words::trim(&cap)
                        ),
                    )
                }
                _ => error,
            }
        })
    });
    attach_each(&mut opened, program)
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
