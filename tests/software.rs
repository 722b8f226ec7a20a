//! bpftrace's `software:EVENT:COUNT` provider: its spellings in a dry run, its errors, and real
//! counts of page faults and context switches from workloads that make a known number of them.

mod common;

use std::process::{Command, Output};

fn tine(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(arguments)
        .output()
        .expect("run tine")
}

/// The value of row `key` of a printed map (`{ key }: N`), or of a keyless map (`@name: N`).
fn value(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let (name, value) = line.rsplit_once(": ")?;
        let name = name.trim_start_matches('{').trim_end_matches('}').trim();
        (name == key).then(|| value.trim().parse().ok())?
    })
}

/// Every event name and alias, with and without a count, compiles in a dry run.
#[test]
fn every_event_and_alias_compiles_in_a_dry_run() {
    let events = [
        "cpu-clock",
        "cpu",
        "task-clock",
        "page-faults",
        "faults",
        "context-switches",
        "cs",
        "cpu-migrations",
        "minor-faults",
        "major-faults",
        "alignment-faults",
        "emulation-faults",
        "dummy",
        "bpf-output",
    ];
    for event in events {
        for provider in ["software", "s"] {
            for count in ["", ":1", ":0", ":250"] {
                let script = format!("{provider}:{event}{count} {{ @[comm] = count(); }}");
                let output = tine(&["-e", &script]);
                assert_eq!(output.status.code(), Some(0), "{script}: {output:?}");
            }
        }
    }
}

/// A name that is no event is refused with every event's name; a bad count says so.
#[test]
fn unknown_events_and_bad_counts_are_refused_clearly() {
    for spec in ["software:pagefaults:1", "s:*:1", "software::5"] {
        let output = tine(&["-e", &format!("{spec} {{ @ = count(); }}")]);
        assert_eq!(output.status.code(), Some(1), "{spec}: {output:?}");
        let error = String::from_utf8_lossy(&output.stderr);
        assert!(error.contains("names no such event"), "{spec}: {error}");
        for name in [
            "cpu-clock (cpu)",
            "page-faults (faults)",
            "context-switches (cs)",
        ] {
            assert!(error.contains(name), "{spec}: {error}");
        }
        assert!(error.contains("bpf-output"), "{spec}: {error}");
    }
    for spec in [
        "software:faults:",
        "software:faults:x",
        "s:cs:-1",
        "s:cs:1:2",
    ] {
        let output = tine(&["-e", &format!("{spec} {{ @ = count(); }}")]);
        assert_eq!(output.status.code(), Some(1), "{spec}: {output:?}");
        let error = String::from_utf8_lossy(&output.stderr);
        assert!(
            error.contains("the count is not a number of events"),
            "{spec}: {error}"
        );
    }
}

/// `page-faults:1` fires on every fault: dd reading `pages` pages of /dev/zero into a fresh
/// buffer faults each of them in, which a one-page dd does not; the rest of their faults (the
/// loader's, the libraries') are alike.
#[test]
fn page_faults_count_each_fresh_page_touched() {
    if !common::kernel_available("page_faults_count_each_fresh_page_touched") {
        return;
    }
    let one = common::unique_copy("dd", "tinefault1");
    let many = common::unique_copy("dd", "tinefaultn");
    let page = tine::kernel::mapping::page_size();
    let pages = 1000;
    let workload = format!(
        "{} if=/dev/zero of=/dev/null bs={page} count=1 status=none; \
         {} if=/dev/zero of=/dev/null bs={} count=1 status=none",
        one.display(),
        many.display(),
        pages * page
    );
    let script = "software:page-faults:1 / comm == \"tinefault1\" || comm == \"tinefaultn\" / \
                  { @[comm] = count(); }";
    let output = tine(&["-c", &workload, script]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    let one = value(&text, "tinefault1").unwrap_or_else(|| panic!("no tinefault1: {text}"));
    let many = value(&text, "tinefaultn").unwrap_or_else(|| panic!("no tinefaultn: {text}"));
    assert!(many >= pages as u64, "{text}");
    // The one-page dd touched one page of its buffer too.
    let buffer = (many - one.min(many)) + 1;
    assert!(
        buffer.abs_diff(pages as u64) <= pages as u64 / 20,
        "{pages} pages faulted {buffer} times: {text}"
    );
}

/// `context-switches:1` (`s:cs:1`) fires on every switch away from a task: each of `sleeps`
/// sleep commands switches away when it sleeps and when it exits, and seldom otherwise.
#[test]
fn context_switches_count_each_sleep() {
    if !common::kernel_available("context_switches_count_each_sleep") {
        return;
    }
    let sleeper = common::unique_copy("sleep", "tinesleep");
    let sleeps = 20;
    let workload = format!(
        "for i in $(seq {sleeps}); do {} 0.001; done",
        sleeper.display()
    );
    let script = "s:cs:1 / comm == \"tinesleep\" / { @ = count(); }";
    let output = tine(&["-c", &workload, script]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    let switches = value(&text, "@").unwrap_or_else(|| panic!("no @: {text}"));
    // Preemption on a busy machine adds some; the bound leaves room for it.
    assert!(
        (2 * sleeps..=4 * sleeps).contains(&switches),
        "{sleeps} sleeps, {switches} switches: {text}"
    );
}
