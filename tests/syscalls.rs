//! Globs of syscall tracepoints, served by one perf event on raw_syscalls (provider::syscalls):
//! a workload of known syscalls counted through the glob, exactly, and exactly as the forced
//! per-tracepoint path (`TINE_FORCE=each_syscall`) counts it; and nothing left after.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};

use tine::kernel::bpf::{map_ids, program_ids};

/// One tine at a time: the teardown check compares the kernel's lists before and after.
static SERIAL: Mutex<()> = Mutex::new(());

const READS: u64 = 100;
const WRITES: u64 = 50;
const GETPIDS: u64 = 30;
const PREADS: u64 = 20;
const PWRITES: u64 = 10;
/// x86_64 only: ia32 getpid(2) by `int $0x80`, whose number 20 is x86_64's writev: a compat
/// syscall, which raw_syscalls sees and `syscalls/` tracepoints do not.
const COMPAT_GETPIDS: u64 = 40;

const WORKLOAD: &str = r#"
#include <fcntl.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(void)
{
    char byte[8] = {0};
    int zero = open("/dev/zero", O_RDONLY), null = open("/dev/null", O_WRONLY);
    for (int i = 0; i < 100; i++) read(zero, byte, 1);
    for (int i = 0; i < 50; i++) write(null, byte, 1);
    for (int i = 0; i < 30; i++) syscall(SYS_getpid);
    for (int i = 0; i < 20; i++) pread(zero, byte, 3, 0);
    for (int i = 0; i < 10; i++) pwrite(null, byte, 5, 0);
#ifdef __x86_64__
    for (int i = 0; i < 40; i++) {
        long result;
        __asm__ volatile("int $0x80" : "=a"(result) : "a"(20L) : "memory");
    }
#endif
    return 0;
}
"#;

/// The workload, compiled once per test run (static, so the loader reads nothing); Err says
/// why it could not be.
fn workload() -> Result<&'static str, String> {
    static BUILT: OnceLock<Result<String, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| common::built("tineworkload", WORKLOAD, &["-O1", "-static"]))
        .as_deref()
        .map_err(Clone::clone)
}

macro_rules! kernel_test {
    ($name:ident) => {{
        if !common::kernel_available(stringify!($name)) {
            return;
        }
        let path = match workload() {
            Ok(path) => path,
            Err(reason) => {
                common::skip(stringify!($name), reason);
                return;
            }
        };
        (
            path,
            SERIAL.lock().unwrap_or_else(|poison| poison.into_inner()),
        )
    }};
}

/// tine run on the workload with `script`, forced down the per-tracepoint path or not.
fn run(workload: &str, script: &str, per_tracepoint: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tine"));
    command.args(["-c", workload, script]);
    if per_tracepoint {
        command.env("TINE_FORCE", "each_syscall");
    }
    let output = command.output().expect("run tine");
    assert_eq!(output.status.code(), Some(0), "{script}: {output:?}");
    output
}

/// The printed map's `{ key }: value` rows, by key.
fn rows(output: &Output) -> BTreeMap<String, u64> {
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .filter_map(|line| {
            let (key, value) = line.rsplit_once("}: ")?;
            let key = key.trim_start_matches('{').trim().to_string();
            Some((key, value.trim().parse().ok()?))
        })
        .collect()
}

/// The rows of `script` on the workload through the glob's one event, checked equal to the
/// per-tracepoint path's.
fn both_paths(workload: &str, script: &str) -> BTreeMap<String, u64> {
    let fast = rows(&run(workload, script, false));
    let forced = rows(&run(workload, script, true));
    assert_eq!(fast, forced, "{script}: raw_syscalls, then per tracepoint");
    fast
}

fn row(rows: &BTreeMap<String, u64>, point: &str) -> u64 {
    rows.get(&format!("tracepoint:syscalls:{point}"))
        .copied()
        .unwrap_or(0)
}

/// Each syscall counted once per call, under its own `probe`; the compat getpids under none
/// (x86_64's number 20 is writev, which the workload never calls).
#[test]
fn a_syscall_glob_counts_each_point_exactly() {
    let (workload, _serial) = kernel_test!(a_syscall_glob_counts_each_point_exactly);
    for direction in ["enter", "exit"] {
        let script = format!(
            "tracepoint:syscalls:sys_{direction}_* / comm == \"tineworkload\" / {{ @[probe] = count(); }}"
        );
        let rows = both_paths(workload, &script);
        let count = |name: &str| row(&rows, &format!("sys_{direction}_{name}"));
        assert_eq!(count("read"), READS, "{rows:?}");
        assert_eq!(count("write"), WRITES, "{rows:?}");
        assert_eq!(count("getpid"), GETPIDS, "{rows:?}");
        assert_eq!(count("pread64"), PREADS, "{rows:?}");
        assert_eq!(count("pwrite64"), PWRITES, "{rows:?}");
        assert_eq!(
            count("writev"),
            0,
            "{COMPAT_GETPIDS} compat getpids: {rows:?}"
        );
    }
}

/// The record's fields read through raw_syscalls' record are the tracepoint's: each point's
/// `__syscall_nr`, the arguments of one program over points laid out alike, and `ret`.
#[test]
fn a_syscall_glob_reads_each_points_fields() {
    let (workload, _serial) = kernel_test!(a_syscall_glob_reads_each_points_fields);
    let numbers = both_paths(
        workload,
        "tracepoint:syscalls:sys_enter_* / comm == \"tineworkload\" / { @[probe] = sum(args->__syscall_nr); }",
    );
    let sums = both_paths(
        workload,
        "tracepoint:syscalls:sys_enter_p[rw][er]*64 / comm == \"tineworkload\" / { @[probe] = sum(args->count); }",
    );
    assert_eq!(
        (
            row(&sums, "sys_enter_pread64"),
            row(&sums, "sys_enter_pwrite64")
        ),
        (3 * PREADS, 5 * PWRITES)
    );
    // Without `probe`, one program serves both points: by the count each passed, the sum of
    // the fds it passed (/dev/zero's 3, /dev/null's 4).
    let by_count = both_paths(
        workload,
        "tracepoint:syscalls:sys_enter_p[rw][er]*64 / comm == \"tineworkload\" / { @[args->count] = sum(args->fd); }",
    );
    let expected = BTreeMap::from([
        ("3".to_string(), 3 * PREADS),
        ("5".to_string(), 4 * PWRITES),
    ]);
    assert_eq!(by_count, expected);
    // Only the calls whose results are the same from run to run (not brk's or getpid's).
    let returned = both_paths(
        workload,
        "tracepoint:syscalls:sys_exit_* / comm == \"tineworkload\" && \
         (probe == \"tracepoint:syscalls:sys_exit_read\" || \
          probe == \"tracepoint:syscalls:sys_exit_pwrite64\") / { @[probe] = sum(args->ret); }",
    );
    assert_eq!(row(&returned, "sys_exit_read"), READS);
    assert_eq!(row(&returned, "sys_exit_pwrite64"), 5 * PWRITES);
    if cfg!(target_arch = "x86_64") {
        assert_eq!(row(&numbers, "sys_enter_write"), WRITES);
        assert_eq!(row(&numbers, "sys_enter_getpid"), 39 * GETPIDS);
        assert_eq!(row(&numbers, "sys_enter_pread64"), 17 * PREADS);
    }
}

/// A glob over some syscalls counts those and no other.
#[test]
fn a_syscall_glob_of_some_points_counts_only_those() {
    let (workload, _serial) = kernel_test!(a_syscall_glob_of_some_points_counts_only_those);
    for glob in ["sys_enter_read*", "sys_enter_*at", "sys_exit_p*"] {
        let script = format!(
            "tracepoint:syscalls:{glob} / comm == \"tineworkload\" / {{ @[probe] = count(); }}"
        );
        let rows = both_paths(workload, &script);
        let pattern = &glob[..glob.len() - 1];
        for key in rows.keys() {
            let point = key.strip_prefix("tracepoint:syscalls:").unwrap_or(key);
            let matches = match glob.strip_prefix("sys_enter_*") {
                Some(suffix) => point.starts_with("sys_enter_") && point.ends_with(suffix),
                None => point.starts_with(pattern),
            };
            assert!(matches, "{glob}: {key} in {rows:?}");
        }
        match glob {
            "sys_enter_read*" => assert_eq!(row(&rows, "sys_enter_read"), READS),
            "sys_enter_*at" => assert_eq!(row(&rows, "sys_enter_openat"), 2, "{rows:?}"),
            _ => assert_eq!(row(&rows, "sys_exit_pread64"), PREADS),
        }
    }
}

/// The event, the dispatcher, its program array and every point's program are gone after the
/// command ends, counted by their ids.
#[test]
fn a_syscall_glob_leaves_nothing_behind() {
    let (workload, _serial) = kernel_test!(a_syscall_glob_leaves_nothing_behind);
    let listed = |list: fn() -> Result<Vec<u32>, tine::kernel::KernelError>| -> HashSet<u32> {
        list().expect("list ids").into_iter().collect()
    };
    let (programs, maps) = (listed(program_ids), listed(map_ids));
    run(
        workload,
        "tracepoint:syscalls:sys_enter_* / comm == \"tineworkload\" / { @[probe] = count(); }",
        false,
    );
    let new: Vec<u32> = listed(program_ids).difference(&programs).copied().collect();
    common::wait_until_gone(&new, program_ids);
    let new: Vec<u32> = listed(map_ids).difference(&maps).copied().collect();
    common::wait_until_gone(&new, map_ids);
}

/// A second glob over points the first one serves keeps a tracepoint for each of those: both
/// count every call.
#[test]
fn a_second_glob_over_the_same_points_counts_too() {
    let (workload, _serial) = kernel_test!(a_second_glob_over_the_same_points_counts_too);
    let script = "tracepoint:syscalls:sys_enter_* / comm == \"tineworkload\" / { @all[probe] = count(); } \
                  tracepoint:syscalls:sys_enter_read* / comm == \"tineworkload\" / { @reads = count(); }";
    let output = run(workload, script, false);
    let text = String::from_utf8_lossy(&output.stdout);
    let all = rows(&output);
    assert_eq!(row(&all, "sys_enter_read"), READS, "{text}");
    assert_eq!(row(&all, "sys_enter_write"), WRITES, "{text}");
    // read, and readlink in the C library's start.
    let reads: u64 = all
        .iter()
        .filter(|(key, _)| key.starts_with("tracepoint:syscalls:sys_enter_read"))
        .map(|(_, count)| count)
        .sum();
    assert!(text.contains(&format!("@reads: {reads}\n")), "{text}");
}

/// The most perf events tine holds at once while it runs `script` with `environment`.
fn most_perf_events(script: &str, environment: &[(&str, &str)]) -> usize {
    let mut tine = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(["-c", "sleep 1", script])
        .envs(environment.iter().copied())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start tine");
    let directory = format!("/proc/{}/fd", tine.id());
    let mut most = 0;
    while tine.try_wait().expect("wait for tine").is_none() {
        let perf_events = std::fs::read_dir(&directory)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| {
                std::fs::read_link(entry.path())
                    .is_ok_and(|target| target.to_string_lossy() == "anon_inode:[perf_event]")
            })
            .count();
        most = most.max(perf_events);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    most
}

/// The glob's 360-odd points hold one perf event, not one each (whose closes, one RCU grace
/// period after another, took tine 15 s to exit): counted among tine's open files as it runs.
#[test]
fn a_syscall_glob_opens_one_perf_event() {
    let (_, _serial) = kernel_test!(a_syscall_glob_opens_one_perf_event);
    let most = most_perf_events("tracepoint:syscalls:sys_enter_* { @ = count(); }", &[]);
    assert!((1..=2).contains(&most), "{most} perf events open at once");
}

/// Without BTF the compat word cannot be found: each point keeps its own tracepoint, and
/// counts as exactly.
#[test]
fn without_btf_each_point_keeps_its_tracepoint() {
    let (workload, _serial) = kernel_test!(without_btf_each_point_keeps_its_tracepoint);
    let glob = "tracepoint:syscalls:sys_enter_read*";
    let points = std::fs::read_dir("/sys/kernel/tracing/events/syscalls")
        .expect("tracefs")
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with("sys_enter_read")
        })
        .count();
    let script = format!("{glob} {{ @ = count(); }}");
    assert_eq!(most_perf_events(&script, &[("TINE_BTF", "none")]), points);
    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(["-c", workload])
        .arg(format!(
            "{glob} / comm == \"tineworkload\" / {{ @[probe] = count(); }}"
        ))
        .env("TINE_BTF", "none")
        .output()
        .expect("run tine");
    assert_eq!(row(&rows(&output), "sys_enter_read"), READS, "{output:?}");
}
