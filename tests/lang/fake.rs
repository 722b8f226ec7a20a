//! The provider layer for front-end and compiler tests: the real providers offline (as `-e`
//! runs them), with tracepoint format files written from a table of this machine's events
//! instead of read from tracefs, so the tests run anywhere and read the same records.

// Each test file compiles this module on its own and uses only some of it.
#![allow(dead_code)]

use std::rc::Rc;

use tine::compile::{Channel, Compiled, Options, ProbeRead};
use tine::lang::Diag;
use tine::provider::error::{ProviderError, TracepointError};
use tine::provider::glob;
use tine::provider::offline::OfflineProviders;
use tine::provider::tracepoint::{self, parse_format};
use tine::sema::program::Program;
use tine::sema::{Environment, StructType};

/// A field as an event's `format` file declares it: `(declaration, offset, size, signed)`. The
/// `common_` header every event starts with is added when the format text is written.
type FieldRow = (&'static str, usize, usize, bool);

/// The kernel release `RECORDS` was written from.
pub const RECORDS_KERNEL: &str = "6.18";

/// The events the front-end tests trace, each field as this machine's kernel (6.18, x86_64)
/// declares it. They are typed by the provider's own format parser and record typing, so the
/// tests compile `data` exactly as a dry run would.
const RECORDS: &[(&str, &[FieldRow])] = &[
    (
        "sched/sched_process_exec",
        &[
            ("__data_loc char[] filename", 8, 4, false),
            ("pid_t pid", 12, 4, true),
            ("pid_t old_pid", 16, 4, true),
        ],
    ),
    (
        "sched/sched_process_exit",
        &[
            ("char comm[16]", 8, 16, false),
            ("pid_t pid", 24, 4, true),
            ("int prio", 28, 4, true),
            ("bool group_dead", 32, 1, false),
        ],
    ),
    (
        "sched/sched_process_fork",
        &[
            ("__data_loc char[] parent_comm", 8, 4, false),
            ("pid_t parent_pid", 12, 4, true),
            ("__data_loc char[] child_comm", 16, 4, false),
            ("pid_t child_pid", 20, 4, true),
        ],
    ),
    (
        "sched/sched_wakeup",
        &[
            ("char comm[16]", 8, 16, false),
            ("pid_t pid", 24, 4, true),
            ("int prio", 28, 4, true),
            ("int target_cpu", 32, 4, true),
        ],
    ),
    (
        "sched/sched_switch",
        &[
            ("char prev_comm[16]", 8, 16, false),
            ("pid_t prev_pid", 24, 4, true),
            ("int prev_prio", 28, 4, true),
            ("long prev_state", 32, 8, true),
            ("char next_comm[16]", 40, 16, false),
            ("pid_t next_pid", 56, 4, true),
            ("int next_prio", 60, 4, true),
        ],
    ),
    (
        "syscalls/sys_enter_open",
        &[
            ("int __syscall_nr", 8, 4, true),
            ("const char * filename", 16, 8, false),
            ("int flags", 24, 8, false),
            ("umode_t mode", 32, 8, false),
        ],
    ),
    (
        "syscalls/sys_enter_openat",
        &[
            ("int __syscall_nr", 8, 4, true),
            ("int dfd", 16, 8, false),
            ("const char * filename", 24, 8, false),
            ("int flags", 32, 8, false),
            ("umode_t mode", 40, 8, false),
        ],
    ),
    (
        "syscalls/sys_enter_openat2",
        &[
            ("int __syscall_nr", 8, 4, true),
            ("int dfd", 16, 8, false),
            ("const char * filename", 24, 8, false),
            ("struct open_how * how", 32, 8, false),
            ("size_t usize", 40, 8, false),
        ],
    ),
    (
        "syscalls/sys_enter_read",
        &[
            ("int __syscall_nr", 8, 4, true),
            ("unsigned int fd", 16, 8, false),
            ("char * buf", 24, 8, false),
            ("size_t count", 32, 8, false),
        ],
    ),
    (
        "syscalls/sys_exit_read",
        &[("int __syscall_nr", 8, 4, true), ("long ret", 16, 8, true)],
    ),
    (
        "syscalls/sys_enter_execve",
        &[
            ("int __syscall_nr", 8, 4, true),
            ("const char * filename", 16, 8, false),
            ("const char *const * argv", 24, 8, false),
            ("const char *const * envp", 32, 8, false),
        ],
    ),
    (
        "raw_syscalls/sys_enter",
        &[
            ("long id", 8, 8, true),
            ("unsigned long args[6]", 16, 48, false),
        ],
    ),
    (
        "block/block_rq_issue",
        &[
            ("dev_t dev", 8, 4, false),
            ("sector_t sector", 16, 8, false),
            ("unsigned int nr_sector", 24, 4, false),
            ("unsigned int bytes", 28, 4, false),
            ("unsigned short ioprio", 32, 2, false),
            ("char rwbs[10]", 34, 10, false),
            ("char comm[16]", 44, 16, false),
            ("__data_loc char[] cmd", 60, 4, false),
        ],
    ),
    (
        "tcp/tcp_receive_reset",
        &[
            ("const void * skaddr", 8, 8, false),
            ("__u16 sport", 16, 2, false),
            ("__u16 dport", 18, 2, false),
            ("__u16 family", 20, 2, false),
            ("__u8 saddr[4]", 22, 4, false),
            ("__u8 daddr[4]", 26, 4, false),
            ("__u8 saddr_v6[16]", 30, 16, false),
            ("__u8 daddr_v6[16]", 46, 16, false),
            ("__u64 sock_cookie", 64, 8, false),
        ],
    ),
    (
        "ipi/ipi_send_cpumask",
        &[
            ("__data_loc cpumask_t cpumask", 8, 4, false),
            ("void * callsite", 16, 8, false),
            ("void * callback", 24, 8, false),
        ],
    ),
];

/// The text of `events/EVENT/format` for an event of `RECORDS`.
fn format_text(event: &str, fields: &[FieldRow]) -> String {
    let name = event.rsplit('/').next().unwrap_or(event);
    let mut text = format!(
        "name: {name}\nID: 1\nformat:\n\
         \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\
         \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n\
         \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n\
         \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
    );
    for (declaration, offset, size, signed) in fields {
        text.push_str(&format!(
            "\tfield:{declaration};\toffset:{offset};\tsize:{size};\tsigned:{};\n",
            u8::from(*signed)
        ));
    }
    text
}

/// The record of `spec`, an event or a glob over `RECORDS`, as the tracepoint provider types
/// it: None for a glob over events whose records differ.
pub fn record(spec: &str) -> Result<Option<Rc<StructType>>, ProviderError> {
    let mut names = Vec::new();
    let mut formats = Vec::new();
    for (event, fields) in RECORDS {
        if event == &spec || (glob::is_glob(spec) && glob::matches(spec, event)) {
            let format = parse_format(&format_text(event, fields))
                .unwrap_or_else(|error| panic!("{event}: {error}"));
            names.push(*event);
            formats.push(format);
        }
    }
    if formats.is_empty() {
        return Err(TracepointError::Missing {
            name: spec.to_string(),
            events: "the test records".into(),
        }
        .into());
    }
    let space = tracepoint::address_space(&mut names.into_iter());
    Ok(tracepoint::data_record(&formats, space).map(Rc::new))
}

/// The events of `RECORDS`.
pub fn events() -> impl Iterator<Item = &'static str> {
    RECORDS.iter().map(|(event, _)| *event)
}

pub fn providers() -> OfflineProviders {
    OfflineProviders::new(
        Box::new(record),
        Box::new(|spec| {
            let mut matched: Vec<String> = RECORDS
                .iter()
                .map(|(event, _)| event.to_string())
                .filter(|event| glob::matches(spec, event))
                .collect();
            matched.sort();
            Ok(matched)
        }),
    )
}

/// `$TINE_TEST_NUMBER` is 42, `$TINE_TEST_WORD` is hello, `$1` 7, `$2` seven, and `-c` and
/// `--unsafe` given.
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
        unsafe_calls: true,
    }
}

/// Compiles a typed program with the lowering of the offline providers that checked it and fixed
/// options (ring buffer, split probe reads), as the real pipeline would on this machine.
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
