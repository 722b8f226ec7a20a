//! The tracer end to end: the real binary, real probes, real workloads, numbers checked.
//! ply's own test-suite cases (those that need no kprobes) in ply's spelling, exact counts on
//! both CPUs, streaming printf, teardown on every way out, and errors for bad input.

mod common;

use std::collections::HashSet;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tine::kernel::bpf::program_ids;

/// One tine at a time: teardown checks compare the kernel's program lists before and after.
static SERIAL: Mutex<()> = Mutex::new(());

fn tine(arguments: &[&str], force: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tine"));
    command.args(arguments);
    if let Some(force) = force {
        command.env("TINE_FORCE", force);
    }
    command.output().expect("run tine")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn programs() -> HashSet<u32> {
    program_ids().expect("list programs").into_iter().collect()
}

/// Waits until every program loaded since `before` is gone again.
fn assert_nothing_left(before: &HashSet<u32>, how: &str) {
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let left: Vec<u32> = programs().difference(before).copied().collect();
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "programs {left:?} are still loaded after tine ended by {how}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `{ key }: value` rows of a printed map, as (key text, value).
fn rows(text: &str) -> Vec<(String, u64)> {
    text.lines()
        .filter_map(|line| {
            let (key, value) = line.rsplit_once("}: ")?;
            Some((
                key.trim_start_matches('{').trim().to_string(),
                value.trim().parse().ok()?,
            ))
        })
        .collect()
}

/// The value printed for a keyless map: `@name: N`.
fn scalar(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}: "))?.trim().parse().ok())
}

macro_rules! kernel_test {
    ($name:ident) => {
        if !common::kernel_available(stringify!($name)) {
            return;
        }
        let _serial = SERIAL.lock().unwrap_or_else(|poison| poison.into_inner());
    };
}

#[test]
fn exit_code_is_the_scripts() {
    kernel_test!(exit_code_is_the_scripts);
    let before = programs();
    let output = tine(&["BEGIN { exit(42); }"], None);
    assert_eq!(output.status.code(), Some(42), "{output:?}");
    assert_nothing_left(&before, "exit()");
}

#[test]
fn if_else_and_print() {
    kernel_test!(if_else_and_print);
    let output = tine(
        &["BEGIN { if (1 > 2) print(\"wrong\"); else print(\"test\"); exit(0); }"],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    // ply prints a string literal padded to its char[8]: `test` and three spaces.
    assert_eq!(stdout(&output), "test   \n");
}

#[test]
fn interval_prints_and_clears_each_second() {
    kernel_test!(interval_prints_and_clears_each_second);
    let output = tine(
        &[
            "-c",
            "for i in 1 2 3; do dd if=/dev/zero of=/dev/null count=10 status=none; sleep 1; done",
            "tracepoint:syscalls/sys_enter_read { @[pid] = count(); }
             i:1 { print(@); clear(@); }",
        ],
        None,
    );
    let text = stdout(&output);
    let headers = text.lines().filter(|line| line.starts_with("@:")).count();
    assert!(headers >= 3, "{headers} `@:` headers in:\n{text}");
}

#[test]
fn tracepoint_dyn_counts_execs() {
    kernel_test!(tracepoint_dyn_counts_execs);
    let output = tine(
        &[
            "-c",
            "for i in $(seq 10); do uname >/dev/null; done",
            "tracepoint:sched/sched_process_exec { @[dyn(data->filename)] = count(); }",
        ],
        None,
    );
    let unames = rows(&stdout(&output))
        .into_iter()
        .find(|(key, _)| key.ends_with("/uname"))
        .map(|(_, count)| count);
    assert!(unames >= Some(10), "{output:?}");
}

#[test]
fn profile_counts_to_exactly_one_hundred() {
    kernel_test!(profile_counts_to_exactly_one_hundred);
    let output = tine(
        &[
            "BEGIN { printf(\"profile provider unit test\\n\"); c[\"profile_test\"] = 0; }
           profile:0:100hz
           {
               if (c[\"profile_test\"] == 100)
                   exit(0);
               else
                   c[\"profile_test\"] = c[\"profile_test\"] + 1;
           }",
        ],
        None,
    );
    let text = stdout(&output);
    assert!(text.starts_with("profile provider unit test\n"), "{text}");
    assert_eq!(
        rows(&text),
        vec![("profile_test".to_string(), 100)],
        "{text}"
    );
}

#[test]
fn uptr_reads_user_strings_of_open() {
    kernel_test!(uptr_reads_user_strings_of_open);
    let output = tine(
        &[
            "-c",
            "cat /etc/hostname >/dev/null",
            "tracepoint:syscalls/sys_enter_openat { print(\"openat\", str(uptr(data->filename))); }",
        ],
        None,
    );
    assert!(stdout(&output).contains("/etc/hostname"), "{output:?}");
}

/// Two readers at once, one per CPU, each doing exactly `reads` one-byte reads of fd 0.
fn readers(reads: u32) -> String {
    format!(
        "taskset -c 0 dd bs=1 count={reads} status=none </dev/zero >/dev/null & \
         taskset -c 1 dd bs=1 count={reads} status=none </dev/zero >/dev/null & wait"
    )
}

fn counts_are_exact(force: Option<&str>) {
    const READS: u32 = 100_000;
    let output = tine(
        &[
            "-c",
            &readers(READS),
            "tracepoint:syscalls/sys_enter_read / data->fd == 0 && comm == \"dd\" / {
                 @ = count(); @pids[pid] = count();
             }",
        ],
        force,
    );
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(scalar(&text, "@"), Some(2 * u64::from(READS)), "{text}");
    let per_pid: Vec<u64> = rows(&text).into_iter().map(|(_, count)| count).collect();
    assert_eq!(per_pid, vec![u64::from(READS); 2], "{text}");
}

#[test]
fn counts_are_exact_on_two_cpus() {
    kernel_test!(counts_are_exact_on_two_cpus);
    counts_are_exact(None);
}

#[test]
fn counts_are_exact_with_the_fallbacks() {
    kernel_test!(counts_are_exact_with_the_fallbacks);
    counts_are_exact(Some("perfbuf,probe_read"));
}

#[test]
fn printf_streams_every_exec() {
    kernel_test!(printf_streams_every_exec);
    let output = tine(
        &[
            "-c",
            "i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i+1)); done",
            "tracepoint:sched/sched_process_exec / comm == \"true\" / { printf(\"%d %s\\n\", pid, comm); }",
        ],
        None,
    );
    let lines = stdout(&output)
        .lines()
        .filter(|line| line.ends_with(" true"))
        .count();
    let reported_loss = String::from_utf8_lossy(&output.stderr).contains("lost");
    assert!(lines == 1000 || reported_loss, "{lines} lines: {output:?}");
}

#[test]
fn nothing_is_left_after_the_command_ends() {
    kernel_test!(nothing_is_left_after_the_command_ends);
    let before = programs();
    let output = tine(
        &[
            "-c",
            "true",
            "tracepoint:syscalls/sys_enter_getppid { @ = count(); }",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_nothing_left(&before, "the end of -c");
}

fn ended_by_signal(signal: &str) {
    let before = programs();
    let child = Command::new(env!("CARGO_BIN_EXE_tine"))
        .arg("tracepoint:syscalls/sys_enter_getppid { @ = count(); }")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tine");
    let deadline = Instant::now() + Duration::from_secs(10);
    while programs().difference(&before).next().is_none() {
        assert!(Instant::now() < deadline, "tine loaded nothing");
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let output = child.wait_with_output().expect("wait for tine");
    if signal != "KILL" {
        assert_eq!(output.status.code(), Some(0), "{output:?}");
    }
    assert_nothing_left(&before, signal);
}

#[test]
fn nothing_is_left_after_signals() {
    kernel_test!(nothing_is_left_after_signals);
    for signal in ["INT", "TERM", "KILL"] {
        ended_by_signal(signal);
    }
}

fn fails_clearly(script: &str, expected: &str) {
    let output = tine(&[script], None);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{script}: {output:?}");
    assert!(stderr.contains(expected), "{script}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    kernel_test!(bad_input_is_an_error_not_a_panic);
    fails_clearly(
        "tracepoint:sched/no_such_event { @ = count(); }",
        "no tracepoint `sched/no_such_event`",
    );
    fails_clearly(
        "tracepoint:syscalls/sys_enter_read { @ = sum(data->nope); }",
        "nope",
    );
    fails_clearly("BEGIN { m[1] = 1; m[2] = \"text\"; }", "error");
}

#[test]
fn not_root_is_named() {
    kernel_test!(not_root_is_named);
    let output = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_tine"))
        .arg("BEGIN { exit(0); }")
        .output()
        .expect("run setpriv");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        stderr.contains("root") || stderr.contains("CAP_"),
        "no privilege named: {stderr}"
    );
}
