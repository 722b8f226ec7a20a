//! A stand-in for the provider layer in front-end tests: the offline contexts, with tracepoint
//! records written out by hand from this machine's tracefs format files.

use std::collections::HashMap;
use std::rc::Rc;

use tine::compile::{Channel, Compiled, Options, ProbeRead};
use tine::lang::Diag;
use tine::provider::offline::OfflineProviders;
use tine::sema::program::Program;
use tine::sema::types::{AddressSpace, Field};
use tine::sema::{Environment, Record, Type};

/// Field types in a short notation: `u32`, `s64`, `char*`, `void*`, `char[16]`, `u8[4]`, and
/// `loc` for a `__data_loc char[]`, `locbytes` for another `__data_loc` (`cpumask_t`).
type FieldRow = (&'static str, &'static str, usize);

const RECORDS: &[(&str, &[FieldRow])] = &[
    (
        "sched/sched_process_exec",
        &[
            ("filename", "loc", 8),
            ("pid", "s32", 12),
            ("old_pid", "s32", 16),
        ],
    ),
    (
        "sched/sched_process_exit",
        &[
            ("comm", "char[16]", 8),
            ("pid", "s32", 24),
            ("prio", "s32", 28),
        ],
    ),
    (
        "sched/sched_process_fork",
        &[
            ("parent_comm", "loc", 8),
            ("parent_pid", "s32", 12),
            ("child_comm", "loc", 16),
            ("child_pid", "s32", 20),
        ],
    ),
    (
        "sched/sched_wakeup",
        &[
            ("comm", "char[16]", 8),
            ("pid", "s32", 24),
            ("prio", "s32", 28),
            ("target_cpu", "s32", 32),
        ],
    ),
    (
        "sched/sched_switch",
        &[
            ("prev_comm", "char[16]", 8),
            ("prev_pid", "s32", 24),
            ("prev_prio", "s32", 28),
            ("prev_state", "s64", 32),
            ("next_comm", "char[16]", 40),
            ("next_pid", "s32", 56),
            ("next_prio", "s32", 60),
        ],
    ),
    (
        "syscalls/sys_enter_open",
        &[
            ("filename", "char*", 16),
            ("flags", "u64", 24),
            ("mode", "u64", 32),
        ],
    ),
    (
        "syscalls/sys_enter_openat",
        &[
            ("dfd", "u64", 16),
            ("filename", "char*", 24),
            ("flags", "u64", 32),
            ("mode", "u64", 40),
        ],
    ),
    (
        "syscalls/sys_enter_openat2",
        &[
            ("dfd", "u64", 16),
            ("filename", "char*", 24),
            ("how", "void*", 32),
            ("usize", "u64", 40),
        ],
    ),
    (
        "syscalls/sys_enter_read",
        &[
            ("fd", "u64", 16),
            ("buf", "char*", 24),
            ("count", "u64", 32),
        ],
    ),
    ("syscalls/sys_exit_read", &[("ret", "s64", 16)]),
    (
        "syscalls/sys_enter_execve",
        &[
            ("filename", "char*", 16),
            ("argv", "void*", 24),
            ("envp", "void*", 32),
        ],
    ),
    (
        "raw_syscalls/sys_enter",
        &[("id", "s64", 8), ("args", "u64[6]", 16)],
    ),
    (
        "block/block_rq_issue",
        &[
            ("dev", "u32", 8),
            ("sector", "u64", 16),
            ("nr_sector", "u32", 24),
            ("bytes", "u32", 28),
            ("rwbs", "char[10]", 34),
            ("comm", "char[16]", 44),
            ("cmd", "loc", 60),
        ],
    ),
    (
        "tcp/tcp_receive_reset",
        &[
            ("skaddr", "void*", 8),
            ("sport", "u16", 16),
            ("dport", "u16", 18),
            ("family", "u16", 20),
            ("saddr", "u8[4]", 22),
            ("daddr", "u8[4]", 26),
        ],
    ),
    (
        "ipi/ipi_send_cpumask",
        &[
            ("cpumask", "locbytes", 8),
            ("callsite", "void*", 16),
            ("callback", "void*", 24),
        ],
    ),
    // A glob: the real provider decides what a glob's record is; here it has no fields.
    ("syscalls/sys_enter_*", &[]),
];

fn parse_type(text: &str, space: AddressSpace) -> Type {
    let integer = |name: &str| {
        let signed = name.starts_with('s');
        let bits: u8 = name[1..].parse().expect("a width in the fake's table");
        Type::Int {
            bytes: bits / 8,
            signed,
        }
    };
    if let Some(kind) = text.strip_prefix("loc") {
        return Type::DataLoc {
            relative: false,
            string: kind.is_empty(),
        };
    }
    if let Some(target) = text.strip_suffix('*') {
        let target = if target == "char" {
            integer("u8")
        } else {
            Type::Void
        };
        return Type::Pointer {
            target: Box::new(target),
            space,
        };
    }
    if let Some((element, count)) = text.split_once('[') {
        let count: usize = count.trim_end_matches(']').parse().expect("a count");
        return if element == "char" {
            Type::Chars(count)
        } else {
            Type::Array(Box::new(integer(element)), count)
        };
    }
    integer(text)
}

fn records() -> HashMap<String, Rc<Record>> {
    RECORDS
        .iter()
        .map(|(event, own)| {
            let space = tine::provider::tracepoint::address_space(std::iter::once(*event));
            // As the provider gives them: without the common header BPF cannot read.
            let fields: Vec<Field> = own
                .iter()
                .map(|(name, ty, offset)| Field {
                    name: name.to_string(),
                    ty: parse_type(ty, space),
                    offset: *offset,
                })
                .collect();
            let size = fields
                .iter()
                .map(|field| field.offset + field.ty.size())
                .max()
                .unwrap_or(0);
            let name = event.rsplit('/').next().unwrap_or(event).to_string();
            let record = Record {
                name: Some(name),
                fields,
                size,
                align: 8,
            };
            (event.to_string(), Rc::new(record))
        })
        .collect()
}

pub fn providers() -> OfflineProviders {
    let records = records();
    let names: Vec<String> = records.keys().cloned().collect();
    OfflineProviders::new(
        Box::new(move |spec| {
            records
                .get(spec)
                .cloned()
                .map(Some)
                .ok_or_else(|| format!("no tracepoint `{spec}`"))
        }),
        Box::new(move |spec| {
            let mut matched: Vec<String> = names
                .iter()
                .filter(|name| !tine::provider::glob::is_glob(name))
                .filter(|name| tine::provider::glob::matches(spec, name))
                .cloned()
                .collect();
            matched.sort();
            Ok(matched)
        }),
    )
}

/// `$TINE_TEST_NUMBER` is 42, `$TINE_TEST_WORD` is hello, `$1` 7, `$2` seven, and `-c` given.
pub fn environment() -> Environment {
    Environment {
        variables: [
            ("TINE_TEST_NUMBER".to_string(), "42".to_string()),
            ("TINE_TEST_WORD".to_string(), "hello".to_string()),
        ]
        .into_iter()
        .collect(),
        positional: vec!["7".to_string(), "seven".to_string()],
        target: true,
    }
}

/// Compiles a typed program with the lowering of the offline providers that checked it and fixed
/// options (ring buffer, split probe reads), as the real pipeline would on this machine.
#[allow(dead_code)]
pub fn compile(providers: &OfflineProviders, program: &Program) -> Result<Compiled, Vec<Diag>> {
    let options = Options {
        channel: Channel::RingBuffer,
        probe_read: ProbeRead::Split,
        map_entries: 1024,
        ring_bytes: 1 << 18,
        target_pid: Some(4242),
        only_pid: None,
        ones_apart: false,
    };
    tine::compile::compile(program, &|probe| providers.lowering(probe), &options)
}
