//! Loads what the compiler makes of many scripts into the running kernel's verifier, nothing
//! attached: every field of every tracepoint record on this machine, and map keys of every
//! pair and triple of key types. A script that compiles must load.

mod common;

use std::rc::Rc;

use tine::compile::{self, Channel, Options, ProbeRead};
use tine::kernel::features::Features;
use tine::kernel::tracefs::Tracefs;
use tine::provider::tracepoint::parse_format;
use tine::provider::Registry;
use tine::sema::Environment;

fn options(probe_read: ProbeRead) -> Options {
    Options {
        channel: Channel::RingBuffer,
        probe_read,
        map_entries: 64,
        ring_bytes: 1 << 16,
        target_pid: None,
        only_pid: None,
        ones_apart: false,
    }
}

/// Checks and compiles `source` against the running kernel's providers, loads every program
/// and returns the verifier's rejections, as `(probe spec, error)`.
fn rejections(source: &str, probe_read: ProbeRead) -> Vec<(String, String)> {
    let features = Rc::new(Features::probe().expect("probe the kernel's features"));
    let registry = Registry::new(features, None, None);
    let program = tine::check(source, "<sweep>", &registry, &Environment::default())
        .unwrap_or_else(|diagnostics| panic!("{diagnostics}"));
    let lowering = |probe| registry.lowering(probe);
    let compiled =
        compile::compile(&program, &lowering, &options(probe_read)).unwrap_or_else(|diags| {
            panic!("{}", tine::lang::Diagnostics::new("<sweep>", source, diags))
        });
    let mut rejected = Vec::new();
    tine::runtime::verify(&compiled, |index, verdict| {
        if let Err(error) = verdict {
            let probe = &program.probes[index];
            let tail = error.verifier_tail(4).join("\n");
            rejected.push((
                format!("{}:{}", probe.provider, probe.spec),
                format!("{error}\n{tail}"),
            ));
        }
    })
    .expect("create the maps");
    rejected
}

/// Every tracepoint of this machine, with a probe that prints each field of its record (a
/// `__data_loc` field as its string), loads; both with the split probe-read helpers and with
/// the legacy ones. All probes are one script: one check, one compile, one set of maps.
#[test]
fn every_field_of_every_tracepoint_loads() {
    if !common::kernel_available("every_field_of_every_tracepoint_loads") {
        return;
    }
    let tracefs = Tracefs::find().expect("tracefs");
    let mut script = String::new();
    let (mut tracepoints, mut fields) = (0, 0);
    for name in tracefs.events().expect("list the events") {
        let (group, event) = name.split_once('/').expect("group/event");
        // ftrace's own events (ftrace/function...) have a format but no id: nothing attaches.
        let (Ok(text), Ok(_)) = (
            tracefs.event_format(group, event),
            tracefs.event_id(group, event),
        ) else {
            continue;
        };
        let format = parse_format(&text).unwrap_or_else(|error| panic!("{name}: {error}"));
        script.push_str(&format!("tracepoint:{name} {{"));
        for field in format.own_fields() {
            script.push_str(&format!(" print(data->{});", field.name));
            fields += 1;
        }
        script.push_str(" }\n");
        tracepoints += 1;
    }
    assert!(tracepoints > 100, "only {tracepoints} tracepoints");
    for probe_read in [ProbeRead::Split, ProbeRead::Legacy] {
        let rejected = rejections(&script, probe_read);
        let shown: Vec<String> = rejected
            .iter()
            .take(10)
            .map(|(probe, error)| format!("{probe}: {error}"))
            .collect();
        assert!(
            rejected.is_empty(),
            "{probe_read:?}: {} of {tracepoints} tracepoints rejected:\n{}",
            rejected.len(),
            shown.join("\n")
        );
    }
    eprintln!("loaded {tracepoints} tracepoints reading {fields} fields, twice");
}

/// Map keys of every pair and triple of key types, in every order, load: integers of each
/// width and sign, the 4-byte built-ins, and strings of odd and even lengths from each source
/// (comm, a literal, a record's `char[10]` at an odd place, `__data_loc` strings, `str()`).
/// Each script holds the keys that start with one type: one probe per second type.
#[test]
fn keys_of_every_pair_and_triple_of_types_load() {
    if !common::kernel_available("keys_of_every_pair_and_triple_of_types_load") {
        return;
    }
    const TYPES: [&str; 18] = [
        "(u8)data->sector",
        "(u16)data->sector",
        "(u32)data->sector",
        "(u64)data->sector",
        "(s8)data->sector",
        "(s16)data->sector",
        "(s32)data->sector",
        "(s64)data->sector",
        "pid",
        "tid",
        "uid",
        "gid",
        "cpu",
        "comm",
        "\"ab\"",
        "data->rwbs",
        "data->cmd",
        "str(data->cmd, 5)",
    ];
    let mut keys = 0;
    for (first, a) in TYPES.iter().enumerate() {
        let mut script = String::new();
        for (second, b) in TYPES.iter().enumerate() {
            script.push_str(&format!(
                "tracepoint:block/block_rq_issue {{ @p{first}_{second}[{a}, {b}] = count();"
            ));
            for (third, c) in TYPES.iter().enumerate() {
                script.push_str(&format!(
                    " @t{first}_{second}_{third}[{a}, {b}, {c}] = count();"
                ));
            }
            script.push_str(" }\n");
            keys += 1 + TYPES.len();
        }
        let rejected = rejections(&script, ProbeRead::Split);
        assert!(rejected.is_empty(), "keys starting with {a}: {rejected:#?}");
    }
    eprintln!("loaded {keys} key layouts");
}
