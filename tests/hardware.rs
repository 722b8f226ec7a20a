//! bpftrace's `hardware:EVENT:COUNT` provider: its spellings in a dry run, its errors, and on
//! this machine either real counts (when the CPU has a PMU) or the clear error that the event
//! is not available (a virtual machine's CPU without one).

mod common;

use std::process::{Command, Output};

use tine::kernel::perf::{PerfEvent, Rate, TYPE_HARDWARE};

fn tine(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(arguments)
        .output()
        .expect("run tine")
}

/// Every event name and alias, with and without a count, compiles in a dry run.
#[test]
fn every_event_and_alias_compiles_in_a_dry_run() {
    let events = "cpu-cycles cycles instructions cache-references cache-misses \
        branch-instructions branches branch-misses bus-cycles frontend-stalls backend-stalls \
        ref-cycles";
    for event in events.split(' ') {
        for provider in ["hardware", "h"] {
            for count in ["", ":1", ":0", ":250"] {
                let script = format!("{provider}:{event}{count} {{ @[comm] = count(); }}");
                let output = tine(&["-e", &script]);
                assert_eq!(output.status.code(), Some(0), "{script}: {output:?}");
            }
        }
    }
    for spec in ["hardware:cpu-clock", "h:*", "h:cycles:x", "h:cycles:1:2"] {
        let output = tine(&["-e", &format!("{spec} {{ @ = count(); }}")]);
        assert_eq!(output.status.code(), Some(1), "{spec}: {output:?}");
        let error = String::from_utf8_lossy(&output.stderr);
        assert!(
            error.contains("names no such event; the events are cpu-cycles (cycles), ")
                || error.contains("the count is not a number of events"),
            "{spec}: {error}"
        );
    }
}

/// Whether this machine counts CPU cycles, asked of the kernel directly.
fn counts_cycles() -> bool {
    PerfEvent::counter(TYPE_HARDWARE, 0, "cpu-cycles", 0, Rate::Period(1_000_000)).is_ok()
}

/// With a PMU, a process that runs ten times longer counts more instructions; without, tine
/// says the event is not available here and exits 1, as bpftrace fails to attach.
#[test]
fn instructions_count_or_the_machine_says_it_has_no_counter() {
    if !common::kernel_available("instructions_count_or_the_machine_says_it_has_no_counter") {
        return;
    }
    let script = "hardware:instructions:10000 / comm == \"tinehwcount\" / { @ = count(); }";
    let run = |blocks: u32| {
        let dd = common::unique_copy("dd", "tinehwcount");
        let workload = format!(
            "{} if=/dev/zero of=/dev/null bs=64k count={blocks} status=none",
            dd.display()
        );
        tine(&["-c", &workload, script])
    };
    let small = run(100);
    if !counts_cycles() {
        assert_eq!(small.status.code(), Some(1), "{small:?}");
        let error = String::from_utf8_lossy(&small.stderr);
        assert_eq!(
            error.trim_end(),
            "error: cannot count hardware event instructions: not available on this machine: \
             no PMU counts it (virtual machines mostly have none)"
        );
        return;
    }
    let large = run(1000);
    let count = |output: &Output| {
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        let text = String::from_utf8_lossy(&output.stdout);
        text.lines()
            .find_map(|line| line.strip_prefix("@: ")?.trim().parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no @: {text}"))
    };
    let (small, large) = (count(&small), count(&large));
    assert!(small > 0 && large > 5 * small, "{small} then {large}");
}
