//! provider::hardware: bpftrace's `hardware:cache-misses:1000000` (alias `h:`): one of the CPU's
//! hardware counters (perf_event_open(2), PERF_TYPE_HARDWARE) on every CPU, running the program
//! once every COUNT events; `software:`'s shape with the hardware events' table. A machine
//! without a PMU for the event (most virtual machines) says so.

use crate::kernel::perf::TYPE_HARDWARE;
use crate::lang::Syntax;

use super::offline::OfflineProbe;
use super::software::{list, resolved, Counters};
use super::Provider;

/// In PERF_COUNT_HW_* order, with bpftrace 0.17's aliases and default counts.
pub static HARDWARE_EVENTS: Counters = Counters {
    provider: "hardware",
    kind: TYPE_HARDWARE,
    names: "cpu-cycles instructions cache-references cache-misses branch-instructions \
        branch-misses bus-cycles frontend-stalls backend-stalls ref-cycles",
    aliases: "cycles - - - branches - - - - -",
    counts: &[6, 6, 6, 6, 5, 5, 5, 6, 6, 6],
};

/// `hardware:`, `h:`.
pub static HARDWARE: Provider = Provider {
    syntax: Syntax::named("hardware"),
    resolve: |spec, _| resolved(&HARDWARE_EVENTS, spec),
    offline: |spec, _| Ok(OfflineProbe::of(&*resolved(&HARDWARE_EVENTS, spec)?)),
    offline_points: None,
    respell: None,
    list: Some(|spec, _, _| list(&HARDWARE_EVENTS, spec)),
};

#[cfg(test)]
mod tests {
    use super::super::software::Counter;
    use super::*;

    #[test]
    fn names_aliases_and_default_counts() {
        let parsed = |spec: &str| {
            Counter::parse(&HARDWARE_EVENTS, spec)
                .map(|event| (event.name, event.config, event.count))
        };
        assert_eq!(parsed("cycles"), Ok(("cpu-cycles", 0, 1_000_000)));
        assert_eq!(parsed("instructions:5"), Ok(("instructions", 1, 5)));
        assert_eq!(
            parsed("branches:0"),
            Ok(("branch-instructions", 4, 100_000))
        );
        assert_eq!(parsed("bus-cycles"), Ok(("bus-cycles", 6, 100_000)));
        assert_eq!(
            parsed("frontend-stalls"),
            Ok(("frontend-stalls", 7, 1_000_000))
        );
        assert_eq!(parsed("ref-cycles:9"), Ok(("ref-cycles", 9, 9)));
        assert!(parsed("cpu-clock").is_err());
        assert!(parsed("cycles:x").is_err());
        super::super::software::tests::well_formed(&HARDWARE_EVENTS);
        assert_eq!(
            parsed("cycle").err().unwrap().to_string(),
            "`hardware:cycle` names no such event; the events are cpu-cycles (cycles), \
             instructions, cache-references, cache-misses, branch-instructions (branches), \
             branch-misses, bus-cycles, frontend-stalls, backend-stalls, ref-cycles"
        );
    }
}
