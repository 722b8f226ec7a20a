//! Reading memory end to end, with the real binary on real workloads: strings behind the user
//! addresses of syscall records (with the split helpers and the legacy one), the fallback from
//! kernel to user memory, `__data_loc` strings, arrays and strings inside tracepoint records,
//! keys that mix strings and numbers, and reads that fail being reported.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Mutex;

/// One tine at a time: the workloads are told apart by name, not by the machine being quiet.
static SERIAL: Mutex<()> = Mutex::new(());

macro_rules! kernel_test {
    ($name:ident) => {
        if !common::kernel_available(stringify!($name)) {
            return;
        }
        let _serial = SERIAL.lock().unwrap_or_else(|poison| poison.into_inner());
    };
}

fn tine(arguments: &[&str], force: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tine"));
    command.args(arguments).env_remove("TINE_FORCE");
    if let Some(force) = force {
        command.env("TINE_FORCE", force);
    }
    command.output().expect("run tine")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `{ key }: value` rows of a printed map, as (key text with its padding trimmed, value).
fn rows(text: &str) -> Vec<(String, u64)> {
    let mut rows: Vec<(String, u64)> = text
        .lines()
        .filter_map(|line| {
            let (key, value) = line.rsplit_once("}: ")?;
            let key = key.trim_start_matches('{').trim();
            let key: Vec<&str> = key.split(", ").map(str::trim).collect();
            Some((key.join(", "), value.trim().parse().ok()?))
        })
        .collect();
    rows.sort();
    rows
}

/// A file of our own to open, under a path no other process opens.
fn own_file(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("tine-memory-{name}"));
    std::fs::write(&path, "tine\n").expect("write the file");
    path
}

/// The issue's script: `str()` of a syscall record's pointer reads the caller's string, in a
/// printf and in a predicate, with the split helpers and with the legacy one
/// (`TINE_FORCE=probe_read`), and no read fails.
#[test]
fn syscall_strings_are_read_from_user_memory() {
    kernel_test!(syscall_strings_are_read_from_user_memory);
    let file = own_file("opened");
    let file = file.to_str().expect("a UTF-8 path");
    for force in [None, Some("probe_read")] {
        let output = tine(
            &[
                "-c",
                &format!("cat {file} {file} {file}"),
                &format!(
                    "tracepoint:syscalls:sys_enter_openat {{ printf(\"%s %s\\n\", comm, str(args->filename)); }} \
                     tracepoint:syscalls:sys_enter_openat /str(args->filename) == \"{file}\"/ {{ @opens = count(); }}"
                ),
            ],
            force,
        );
        let text = stdout(&output);
        assert_eq!(output.status.code(), Some(0), "{force:?}: {output:?}");
        let printed = text
            .lines()
            .filter(|line| *line == format!("cat {file}"))
            .count();
        assert_eq!(printed, 3, "{force:?}: {text}");
        assert!(text.contains("\n@opens: 3\n"), "{force:?}: {text}");
    }
}

/// Where the memory is not known (a number kept in a map, read in a probe of another group),
/// a read tries kernel memory, then user memory.
#[test]
fn an_address_of_unknown_memory_is_read_from_either() {
    kernel_test!(an_address_of_unknown_memory_is_read_from_either);
    let file = own_file("unknown");
    let file = file.to_str().expect("a UTF-8 path");
    // getname() allocates from the names cache inside openat, in the caller's context.
    let output = tine(
        &[
            "-c",
            &format!("exec cat {file}"),
            "tracepoint:syscalls:sys_enter_openat /pid == $target/ { @address[tid] = (u64)args->filename; } \
             tracepoint:kmem:kmem_cache_alloc /@address[tid]/ { @[str(@address[tid])] = count(); delete @address[tid]; }",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let rows = rows(&stdout(&output));
    assert!(rows.contains(&(file.to_string(), 1)), "{rows:?}");
}

/// A `__data_loc` field is its string wherever it is used: `%s`, `%v`, `str()`, `dyn()`, a map
/// key; the same as bpftrace prints for sched_process_exec's filename.
#[test]
fn data_loc_fields_are_strings_everywhere() {
    kernel_test!(data_loc_fields_are_strings_everywhere);
    let output = tine(
        &[
            "-c",
            "exec /bin/true",
            "tracepoint:sched:sched_process_exec /pid == $target/ { \
             printf(\"%s|%s|\\n\", args->filename, str(args->filename)); \
             printf(\"%s|%v|\\n\", dyn(args->filename), args->filename); \
             @[args->filename] = count(); }",
        ],
        None,
    );
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(
        text.lines().any(|line| line == "/bin/true|/bin/true|"),
        "{text}"
    );
    // %v pads a string as ply does, to its length less one.
    let padded = format!("/bin/true|{:<127}|", "/bin/true");
    assert!(text.lines().any(|line| line == padded), "{text}");
    assert!(
        rows(&text).contains(&("/bin/true".to_string(), 1)),
        "{text}"
    );
}

/// ply's README example: arrays in a record at offsets no 8-byte load may use (`__u8 saddr[4]`
/// at 22) are copied out and printed as ply prints them, for a reset this test provokes.
#[test]
fn arrays_in_records_print_as_ply_prints_them() {
    kernel_test!(arrays_in_records_print_as_ply_prints_them);
    // Nothing listens on port 1: the connect gets a reset.
    let output = tine(
        &[
            "-c",
            "bash -c 'exec 3<>/dev/tcp/127.0.0.1/1' 2>/dev/null",
            "tracepoint:tcp/tcp_receive_reset / data->dport == 1 / { printf(\"saddr:%v port:%v->%v\\n\", data->saddr, data->sport, data->dport); print(data->daddr, data->saddr_v6); }",
        ],
        None,
    );
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let lines: Vec<&str> = text.lines().collect();
    let port = lines
        .first()
        .and_then(|line| line.strip_prefix("saddr:[127, 0, 0, 1] port:"))
        .and_then(|rest| rest.strip_suffix("->1"))
        .and_then(|port| port.parse::<u16>().ok());
    assert!(port.is_some_and(|port| port > 0), "{text}");
    assert_eq!(
        lines.get(1).copied(),
        Some("[127, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 127, 0, 0, 1]"),
        "{text}"
    );
}

/// `char` arrays at odd offsets of a record (block_rq_issue's `rwbs` at 34, `comm` at 44) are
/// strings in keys: what follows the NUL in the record does not split them.
#[test]
fn char_arrays_in_records_are_strings_in_keys() {
    kernel_test!(char_arrays_in_records_are_strings_in_keys);
    let file = own_file("written");
    let output = tine(
        &[
            "-c",
            &format!(
                "dd if=/dev/zero of={} bs=4k count=3 oflag=direct,sync status=none",
                file.display()
            ),
            "tracepoint:block:block_rq_issue /comm == \"dd\"/ { @[args->comm, args->rwbs] = count(); }",
        ],
        None,
    );
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let rows = rows(&text);
    let written: u64 = rows.iter().map(|(_, count)| count).sum();
    assert!(written >= 3, "{text}");
    for (key, _) in &rows {
        let (comm, rwbs) = key.split_once(", ").expect("two strings");
        assert_eq!(comm, "dd", "{text}");
        assert!(
            rwbs.starts_with('W') && rwbs.chars().all(|c| c.is_ascii_uppercase()),
            "{text}"
        );
    }
}

/// A key of a 4-byte value, a string and narrow integers after it (`@[pid, comm, ...]`, which
/// the verifier once refused as a misaligned stack access) counts each event under its key.
#[test]
fn a_mixed_key_counts_exactly() {
    kernel_test!(a_mixed_key_counts_exactly);
    let output = tine(
        &[
            "-c",
            "exec dd if=/dev/zero of=/dev/null bs=1 count=100 status=none",
            "tracepoint:syscalls:sys_enter_read /pid == $target/ { @[pid, comm, (u8)args->fd, (u16)args->count, \"r\"] = count(); }",
        ],
        None,
    );
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let rows = rows(&text);
    let reads: Vec<&(String, u64)> = rows
        .iter()
        .filter(|(key, _)| key.ends_with(", dd, 0, 1, r"))
        .collect();
    assert_eq!(reads.len(), 1, "{text}");
    assert_eq!(reads[0].1, 100, "{text}");
}

/// A read that fails is counted and reported at exit, never passed off silently as an empty
/// string: kernel and user memory both refuse address 8.
#[test]
fn a_failed_read_is_reported() {
    kernel_test!(a_failed_read_is_reported);
    for force in [None, Some("probe_read")] {
        let output = tine(
            &["BEGIN { printf(\"[%s]\\n\", str(8)); printf(\"[%s]\\n\", str(kptr(16))); exit(); }"],
            force,
        );
        assert_eq!(output.status.code(), Some(0), "{force:?}: {output:?}");
        assert_eq!(stdout(&output), "[]\n[]\n", "{force:?}");
        let errors = stderr(&output);
        assert_eq!(
            errors.matches("1 string reads failed").count(),
            2,
            "{force:?}: {errors}"
        );
    }
}
