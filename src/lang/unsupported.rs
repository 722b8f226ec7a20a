//! lang::unsupported: what scripts written for bpftrace (or in C) reach for that tine does not
//! have yet, in one place, so each error names the construct, says it is not supported and
//! names what tine has instead. The parser asks about syntax, sema about names.

use std::fmt;

/// Names (with their short forms), one string of words, and what to use instead; empty when
/// tine has nothing alike.
type Entry = (&'static str, &'static str);

const PROVIDERS: &[Entry] = &[
    (
        "fentry kfunc f",
        "use kprobe:, which reaches the same functions",
    ),
    (
        "fexit kretfunc fr",
        "use kretprobe:, which reaches the same functions, with retval",
    ),
    (
        "usdt U",
        "use uprobe: on the function that holds the marker",
    ),
    (
        "hardware h",
        "software: counts the kernel's software events, profile: samples the cpu-clock",
    ),
    (
        "rawtracepoint rt",
        "use tracepoint:, which reads the same events with typed records",
    ),
    ("watchpoint w asyncwatchpoint aw iter it", ""),
];

const FUNCTIONS: &[Entry] = &[
    ("strcontains", "strcmp() compares whole strings"),
    (
        "reg",
        "regs is the probe's pt_regs, caller its instruction pointer",
    ),
    (
        "pton uaddr kptr cgroupid cgroup_path macaddr path sizeof offsetof len override unwatch \
         skboutput percpu_kaddr",
        "",
    ),
];

const VARIABLES: &[Entry] = &[
    ("username", "uid is the user id"),
    ("curtask sarg0 sarg1 sarg2", ""),
];

fn find(entries: &[Entry], name: &str) -> Option<&'static str> {
    entries
        .iter()
        .find(|(names, _)| crate::words::word_index(names, name).is_some())
        .map(|(_, instead)| *instead)
}

/// `{what} {is} not supported yet`, then what to use instead when there is something.
pub fn message(what: fmt::Arguments, instead: &str) -> String {
    if instead.is_empty() {
        format!("{what} not supported yet")
    } else {
        format!("{what} not supported yet: {instead}")
    }
}

/// A provider tine has not got, as the script named it.
pub fn provider(name: &str) -> Option<String> {
    named(PROVIDERS, name, "` probes are")
}

/// A function tine has not got (bpftrace's, mostly).
pub fn function(name: &str) -> Option<String> {
    named(FUNCTIONS, name, "()` is")
}

/// A variable tine has not got.
pub fn variable(name: &str) -> Option<String> {
    named(VARIABLES, name, "` is")
}

/// The message for `name` when `entries` has it: `` `name`{what} not supported yet``.
fn named(entries: &[Entry], name: &str, what: &str) -> Option<String> {
    find(entries, name).map(|instead| message(format_args!("`{name}{what}"), instead))
}
