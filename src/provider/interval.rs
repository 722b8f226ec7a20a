//! provider::interval: `interval:1`, `interval:500ms` (ply) and `interval:s:1`,
//! `interval:ms:100`, `interval:hz:2` (bpftrace): run by the runtime itself once a period, with
//! a test run (5.10+), else a cpu-clock perf event on one CPU firing at that period. The kernel
//! skips a perf event's program, and says nothing, when its timer fires while another BPF
//! program runs on that CPU (a busy tracepoint's): under load, one tick in five went missing.

use crate::compile::ProgramKind;
use crate::kernel::bpf::LoadedProgram;
use crate::kernel::error::KernelError;
use crate::kernel::features::Feature;
use crate::kernel::perf::Rate;

use std::rc::Rc;

use crate::lang::Syntax;

use super::error::ProviderError;
use super::offline::OfflineProbe;
use super::{Attachment, Provider, ResolvedProbe, Variable};

pub struct Interval {
    pub period_ns: u64,
    /// Run by test runs from the runtime's loop, rather than by a perf event.
    pub test_run: bool,
}

/// Nanoseconds in one of ply's and bpftrace's period units.
pub(super) fn unit_ns(unit: &str) -> Option<u64> {
    Some(match unit {
        "" | "s" => 1_000_000_000,
        "ms" => 1_000_000,
        "us" => 1_000,
        "ns" => 1,
        "m" => 60_000_000_000,
        _ => return None,
    })
}

/// `count` then `unit` (`500ms`, `99hz`, `1`): the count, which must be a number, and the rest.
pub(super) fn count_and_unit(text: &str) -> Option<(u64, &str)> {
    let digits = text
        .bytes()
        .position(|byte| !byte.is_ascii_digit())
        .unwrap_or(text.len());
    let (count, unit) = text.split_at(digits);
    Some((crate::words::decimal(count)?, unit))
}

impl Interval {
    pub fn parse(spec: &str) -> Result<Interval, ProviderError> {
        let period_ns = match count_and_unit(spec) {
            Some((count @ 1..=1_000_000_000, "hz")) => Some(1_000_000_000 / count),
            Some((_, "hz")) | None => None,
            Some((count, unit)) => unit_ns(unit)
                .and_then(|ns| ns.checked_mul(count))
                .filter(|&ns| ns > 0),
        };
        match period_ns {
            Some(period_ns) => Ok(Interval {
                period_ns,
                test_run: true,
            }),
            None => Err(ProviderError::spec(
                "`interval:",
                spec,
                "` is not a period: write interval:1, interval:500ms or interval:ms:500 \
                 (units: m, s, ms, us, ns, or hz for a rate)",
            )),
        }
    }
}

/// bpftrace's `unit:count` (`s:1`, `hz:99`) in ply's spelling, `count` then `unit` (`1s`,
/// `99hz`); interval and profile write periods and rates alike.
pub(super) fn ply_rate(spec: &str) -> String {
    match crate::words::split_once(spec, b':') {
        Some((unit, count))
            if (unit == "hz" || (!unit.is_empty() && unit_ns(unit).is_some()))
                && !count.is_empty()
                && count.bytes().all(|byte| byte.is_ascii_digit()) =>
        {
            format!("{count}{unit}")
        }
        _ => spec.to_string(),
    }
}

/// `interval:`.
pub static INTERVAL: Provider = Provider {
    syntax: Syntax {
        name: "interval",
        bare: false,
        aliases: "",
        canonical: ply_rate,
    },
    resolve: |spec, kernel| {
        let interval = Interval::parse(spec)?;
        Ok(Rc::new(Interval {
            test_run: kernel.features().has(Feature::TestRunRawTracepoint),
            ..interval
        }))
    },
    offline: |spec, _| Ok(OfflineProbe::of(&Interval::parse(spec)?)),
    offline_points: None,
    respell: None,
    list: None,
};

impl ResolvedProbe for Interval {
    fn kind(&self) -> ProgramKind {
        if self.test_run {
            ProgramKind::RawTracepoint
        } else {
            ProgramKind::PerfEvent
        }
    }

    fn variables(&self) -> &[Variable] {
        &[]
    }

    fn in_process_context(&self) -> bool {
        false
    }

    fn attach(&self, program: &LoadedProgram) -> Result<Attachment, KernelError> {
        if self.test_run {
            return Ok(Attachment::Every(self.period_ns));
        }
        super::profile::cpu_clocks(&[0], Rate::Period(self.period_ns), program)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ply_and_bpftrace_spellings() {
        let period = |spec: &str| {
            Interval::parse(&(INTERVAL.syntax.canonical)(spec)).map(|interval| interval.period_ns)
        };
        assert_eq!(period("1"), Ok(1_000_000_000));
        assert_eq!(period("500ms"), Ok(500_000_000));
        assert_eq!(period("2s"), Ok(2_000_000_000));
        assert_eq!(period("s:1"), Ok(1_000_000_000));
        assert_eq!(period("ms:100"), Ok(100_000_000));
        assert_eq!(period("hz:4"), Ok(250_000_000));
        assert_eq!(period("4hz"), Ok(250_000_000));
        assert!(period("0hz").is_err());
        assert!(period("5parsecs").is_err());
        assert!(period("0").is_err());
        assert!(period("1h").is_err());
        assert!(period("").is_err());
        // Every unit is respelled, nothing else.
        for unit in ["s", "ms", "us", "ns", "m", "hz"] {
            assert_eq!(ply_rate(&format!("{unit}:12")), format!("12{unit}"));
        }
        for spec in [":1", "h:1", "s:", "s:1x", "s:١"] {
            assert_eq!(ply_rate(spec), spec);
        }
    }
}
