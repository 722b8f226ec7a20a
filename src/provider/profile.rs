//! provider::profile: `profile:100hz` (every CPU), `profile:0:100hz` (CPU 0) and bpftrace's
//! `profile:hz:99`: a cpu-clock perf event sampling at a frequency.

use crate::compile::ProgramKind;
use crate::kernel::bpf::Program;
use crate::kernel::cpu::online_cpus;
use crate::kernel::error::KernelError;
use crate::kernel::perf::{PerfEvent, Rate};

use super::{Attachment, Probe, Variable};

pub struct Profile {
    /// None: every online CPU.
    pub cpu: Option<u32>,
    pub hz: u64,
}

impl Profile {
    pub fn parse(spec: &str) -> Result<Profile, String> {
        let bad = || {
            format!("`profile:{spec}` is not a rate: write profile:99hz, profile:0:99hz or profile:hz:99")
        };
        let hertz = |text: &str| -> Result<u64, String> {
            let hz: u64 = text.parse().map_err(|_| bad())?;
            // ply's limits: the kernel throttles cpu-clock sampling above about 1 kHz anyway.
            if (1..=1000).contains(&hz) {
                Ok(hz)
            } else {
                Err(format!("`profile:{spec}`: the rate must be 1 to 1000 hz"))
            }
        };
        match spec.split(':').collect::<Vec<_>>().as_slice() {
            ["hz", rate] => Ok(Profile {
                cpu: None,
                hz: hertz(rate)?,
            }),
            [rate] => Ok(Profile {
                cpu: None,
                hz: hertz(rate.strip_suffix("hz").ok_or_else(bad)?)?,
            }),
            [cpu, rate] => Ok(Profile {
                cpu: Some(cpu.parse().map_err(|_| bad())?),
                hz: hertz(rate.strip_suffix("hz").ok_or_else(bad)?)?,
            }),
            _ => Err(bad()),
        }
    }
}

impl Probe for Profile {
    fn kind(&self) -> ProgramKind {
        ProgramKind::PerfEvent
    }

    fn variables(&self) -> &[Variable] {
        &[]
    }

    fn attach(&self, program: &Program) -> Result<Attachment, KernelError> {
        let cpus = match self.cpu {
            Some(cpu) => vec![cpu],
            None => online_cpus()?,
        };
        let mut events = Vec::with_capacity(cpus.len());
        for cpu in cpus {
            let event = PerfEvent::cpu_clock(cpu, Rate::Frequency(self.hz))?;
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
        let parsed = |spec: &str| Profile::parse(spec).map(|profile| (profile.cpu, profile.hz));
        assert_eq!(parsed("100hz"), Ok((None, 100)));
        assert_eq!(parsed("0:100hz"), Ok((Some(0), 100)));
        assert_eq!(parsed("hz:99"), Ok((None, 99)));
        assert!(parsed("0hz").is_err());
        assert!(parsed("5000hz").is_err());
        assert!(parsed("100").is_err());
    }
}
