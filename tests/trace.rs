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

/// A narrow signed scratch variable keeps its sign when it is read back: it compares below
/// zero and computes negative, as in bpftrace (before the fix it read as 255 and 65534).
#[test]
fn narrow_signed_variables_keep_their_sign() {
    kernel_test!(narrow_signed_variables_keep_their_sign);
    let output = tine(
        &["BEGIN { $x = (int8)-1; $y = (int16)-2; $w = (int32)-3; \
           if ($x < 0) { printf(\"negative\\n\"); } \
           printf(\"%d %d %d\\n\", $x * 2, $y + 1, $w / 3); exit(0); }"],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(stdout(&output), "negative\n-2 -1 -1\n");
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

fn counts_are_exact(force: Option<&str>) {
    const READS: u32 = 100_000;
    let output = tine(
        &[
            "-c",
            &common::readers(READS),
            "tracepoint:syscalls/sys_enter_read / data->fd == 0 && comm == \"tinereader\" / {
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
            &format!(
                "i=0; while [ $i -lt 1000 ]; do {}; i=$((i+1)); done",
                common::unique_copy("true", "tinetrue").display()
            ),
            "tracepoint:sched/sched_process_exec / comm == \"tinetrue\" / { printf(\"%d %s\\n\", pid, comm); }",
        ],
        None,
    );
    let lines = stdout(&output)
        .lines()
        .filter(|line| line.ends_with(" tinetrue"))
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
    // The kernel refuses a division by a constant zero: the error names the statement.
    let division = "BEGIN { @[pid / 0] = count(); }";
    fails_clearly(
        division,
        "<script>:1:9: error: the kernel's verifier rejected this: div by zero",
    );
    fails_clearly(division, "\n        ^~~~~~~~~~~~~~~~~~~~~");
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

/// Runs tine with extra environment variables.
fn tine_with(arguments: &[&str], environment: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(arguments)
        .envs(environment.iter().copied())
        .output()
        .expect("run tine")
}

#[test]
fn builtins_name_the_process_that_ran_the_probe() {
    kernel_test!(builtins_name_the_process_that_ran_the_probe);
    // BEGIN runs in tine's own process, so pid, comm and uid are tine's.
    let output = tine_with(
        &[
            "BEGIN { $x = 40; $x += 2; printf(\"%d %d %d %s %d %d %s\\n\", pid == tid, uid, gid, comm, $x, $1, $2); exit(0); }",
            "7",
            "word",
        ],
        &[],
    );
    assert_eq!(stdout(&output), "1 0 0 tine 42 7 word\n", "{output:?}");
}

#[test]
fn strings_compare_and_maps_delete() {
    kernel_test!(strings_compare_and_maps_delete);
    let output = tine(
        &["BEGIN {
             m[\"a\"] = 1; m[\"b\"] = 2; delete m[\"a\"];
             @[strcmp(comm, \"tine\"), strcmp(\"abc\", \"abd\"), comm == \"tine\"] = count();
             exit(0);
         }"],
        None,
    );
    let text = stdout(&output);
    assert!(text.contains("\nm:\n{ b       }: 2\n"), "{text}");
    assert!(!text.contains("{ a "), "{text}");
    assert!(text.contains("{ 0, -1, 1 }: 1"), "{text}");
}

#[test]
fn end_runs_before_the_maps_are_printed() {
    kernel_test!(end_runs_before_the_maps_are_printed);
    let output = tine(
        &["BEGIN { @[1] = count(); exit(3); } END { printf(\"end\\n\"); @[2] = count(); }"],
        None,
    );
    assert_eq!(output.status.code(), Some(3), "{output:?}");
    assert_eq!(stdout(&output), "end\n\n@:\n{ 1 }: 1\n{ 2 }: 1\n");
}

#[test]
fn tracepoint_globs_attach_every_match() {
    kernel_test!(tracepoint_globs_attach_every_match);
    let output = tine(
        &[
            "-c",
            "cat /etc/hostname /etc/hostname >/dev/null",
            "tracepoint:syscalls/sys_enter_openat* / comm == \"cat\" / { @ = count(); }",
        ],
        None,
    );
    assert!(scalar(&stdout(&output), "@") >= Some(2), "{output:?}");
}

#[test]
fn a_failed_start_never_runs_the_command() {
    kernel_test!(a_failed_start_never_runs_the_command);
    let marker = std::env::temp_dir().join("tine-must-not-exist");
    let _ = std::fs::remove_file(&marker);
    let output = tine(
        &[
            "-c",
            &format!("touch {}", marker.display()),
            "tracepoint:syscalls/sys_enter_read { @ = count(nope); }",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    std::thread::sleep(Duration::from_millis(200));
    assert!(!marker.exists(), "the command ran although tine failed");
}

#[test]
fn a_full_map_is_reported() {
    kernel_test!(a_full_map_is_reported);
    let output = tine_with(
        &[
            "-c",
            "for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done",
            "tracepoint:sched/sched_process_exec { @[pid] = count(); }",
        ],
        &[("TINE_MAP_ENTRIES", "4")],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(rows(&stdout(&output)).len() <= 4, "{output:?}");
    assert!(stderr.contains("the map is full"), "{stderr}");
}

#[test]
fn lost_records_stop_tine_unless_told_to_keep_going() {
    kernel_test!(lost_records_stop_tine_unless_told_to_keep_going);
    // Far more records than one page per CPU holds, made while tine (the command's parent) is
    // stopped, so none are drained whatever the machine's speed.
    let flood = "kill -STOP $PPID; dd if=/dev/zero of=/dev/null bs=1 count=20000 status=none; kill -CONT $PPID";
    let script = "tracepoint:syscalls/sys_enter_read { printf(\"%s %d %d %d %d\\n\", comm, pid, tid, uid, gid); }";
    let small_ring = [("TINE_FORCE", "perfbuf"), ("TINE_RING_PAGES", "1")];
    let strict = tine_with(&["-c", flood, script], &small_ring);
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert_eq!(strict.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("lost"), "{stderr}");
    let lenient = tine_with(&["-k", "-c", flood, script], &small_ring);
    let stderr = String::from_utf8_lossy(&lenient.stderr);
    assert_eq!(lenient.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("lost"), "{stderr}");
}

#[test]
fn self_test_reports_features_and_providers() {
    kernel_test!(self_test_reports_features_and_providers);
    let output = tine(&["-T"], None);
    let text = stdout(&output);
    assert!(text.contains("ringbuf map:"), "{text}");
    // Every provider this kernel has works; kprobes say why not where it has none.
    let kprobes = std::path::Path::new("/sys/bus/event_source/devices/kprobe").exists();
    let working = if kprobes { 5 } else { 4 };
    assert_eq!(text.matches(" OK\n").count(), working, "{text}");
    assert_eq!(output.status.code(), Some(i32::from(!kprobes)), "{text}");
    if !kprobes {
        let line = text
            .lines()
            .find(|line| line.starts_with("kprobe:schedule"));
        assert!(line.is_some_and(|line| line.contains(" ERROR: ")), "{text}");
    }
}

#[test]
fn begin_and_end_run_through_a_uprobe_without_test_runs() {
    kernel_test!(begin_and_end_run_through_a_uprobe_without_test_runs);
    for force in ["test_run", "test_run,tracefs"] {
        let before = programs();
        let output = tine(
            &["BEGIN { printf(\"begin\\n\"); @[1] = count(); } BEGIN { exit(4); } END { printf(\"end\\n\"); }"],
            Some(force),
        );
        assert_eq!(output.status.code(), Some(4), "{force}: {output:?}");
        assert_eq!(stdout(&output), "begin\nend\n\n@:\n{ 1 }: 1\n", "{force}");
        assert_nothing_left(&before, force);
        let events =
            std::fs::read_to_string("/sys/kernel/tracing/uprobe_events").unwrap_or_default();
        assert!(
            !events.contains("tine_"),
            "{force}: left in uprobe_events: {events}"
        );
    }
}

#[test]
fn mem_reads_raw_bytes_and_prints_them_as_ply_does() {
    kernel_test!(mem_reads_raw_bytes_and_prints_them_as_ply_does);
    let output = tine(
        &[
            "-c",
            "cat /etc/hostname >/dev/null",
            "tracepoint:syscalls/sys_enter_openat / comm == \"cat\" / { print(mem(uptr(data->filename), 16)); }",
        ],
        None,
    );
    // Not a string (bytes follow the NUL): ply's hex dump, offset, bytes, then the text.
    assert!(
        stdout(&output).contains("000:  2f 65 74 63 2f 68 6f 73  74 6e 61 6d 65 00"),
        "{output:?}"
    );
}

#[test]
fn user_stacks_name_their_functions_while_the_process_lives() {
    kernel_test!(user_stacks_name_their_functions_while_the_process_lives);
    // `sleep` still runs when the interval prints, so its mappings can be read.
    let output = tine(
        &[
            "-c",
            "sleep 2",
            "uprobe:libc:malloc / comm == \"sleep\" / { @[ustack] = count(); }
             i:1 { print(@); exit(0); }",
        ],
        None,
    );
    let text = stdout(&output);
    assert!(
        text.contains("\t__libc_malloc\n") || text.contains("\tmalloc\n"),
        "{text}"
    );
}

#[test]
fn dash_p_keeps_one_process() {
    kernel_test!(dash_p_keeps_one_process);
    let reader = || {
        Command::new("sh")
            .args([
                "-c",
                "sleep 1; exec dd if=/dev/zero of=/dev/null bs=1 count=500 status=none",
            ])
            .spawn()
            .expect("start a reader")
    };
    let (mut kept, mut other) = (reader(), reader());
    let output = tine(
        &[
            "-p",
            &kept.id().to_string(),
            "-c",
            "sleep 2",
            "tracepoint:syscalls/sys_enter_read { @[pid] = count(); }",
        ],
        None,
    );
    kept.wait().expect("reader");
    other.wait().expect("reader");
    let rows = rows(&stdout(&output));
    assert_eq!(rows.len(), 1, "{output:?}");
    assert_eq!(rows[0].0, kept.id().to_string(), "{output:?}");
    assert!(rows[0].1 >= 500, "{output:?}");
}

#[test]
fn usym_and_ksym_name_addresses() {
    kernel_test!(usym_and_ksym_name_addresses);
    let kallsyms = std::fs::read_to_string("/proc/kallsyms").expect("read kallsyms");
    let vfs_read = kallsyms
        .lines()
        .find(|line| line.ends_with(" vfs_read"))
        .and_then(|line| line.split_whitespace().next())
        .expect("vfs_read in kallsyms");
    let output = tine(
        &[
            "-c",
            "sleep 2",
            &format!(
                "uprobe:libc:malloc / comm == \"sleep\" / {{ @[usym(caller), ksym(0x{vfs_read} + 3)] = count(); }}
                 i:1 {{ print(@); exit(0); }}"
            ),
        ],
        None,
    );
    let text = stdout(&output);
    assert!(text.contains("malloc"), "{text}");
    assert!(text.contains(", vfs_read+3 }"), "{text}");
}

#[test]
fn probe_names_the_probe_of_a_list_that_fired() {
    kernel_test!(probe_names_the_probe_of_a_list_that_fired);
    let output = tine(
        &[
            "-c",
            "cat /etc/hostname >/dev/null",
            "tracepoint:syscalls/sys_enter_openat, tracepoint:syscalls/sys_enter_close / comm == \"cat\" / { @[probe] = count(); }",
        ],
        None,
    );
    let keys: Vec<String> = rows(&stdout(&output))
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    assert!(
        keys.contains(&"tracepoint:syscalls/sys_enter_openat".to_string()),
        "{output:?}"
    );
    assert!(
        keys.contains(&"tracepoint:syscalls/sys_enter_close".to_string()),
        "{output:?}"
    );
}

/// bpftrace's `print(@map, top, divisor)` (syscount.bt's `print(@syscall, 10)`): the `top`
/// largest entries, each value divided; the dump at exit is whole again.
#[test]
fn print_shows_the_top_entries_divided() {
    kernel_test!(print_shows_the_top_entries_divided);
    let output = tine(
        &["BEGIN { @x[1] = count(); @x[2] = count(); @x[2] = count();
                   @x[3] = count(); @x[3] = count(); @x[3] = count();
                   @s[\"a\"] = sum(1500); @s[\"b\"] = sum(7000);
                   print(@x, 2); print(@s, 0, 1000); exit(); }"],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        stdout(&output),
        "\n@x:\n{ 2 }: 2\n{ 3 }: 3\n\n@s:\n{ a       }: 1\n{ b       }: 7\n\
         \n@x:\n{ 1 }: 1\n{ 2 }: 2\n{ 3 }: 3\n\n@s:\n{ a       }: 1500\n{ b       }: 7000\n"
    );
}

/// ply's widths for its built-ins (proc.c): pid and kpid `%5u`, uid and gid `%4u`, cpu `%2u`,
/// in `print()`, `%v` and map keys alike.
#[test]
fn builtins_print_in_plys_widths() {
    kernel_test!(builtins_print_in_plys_widths);
    // On CPU 0, so the cpu is known; BEGIN runs in tine's own process, as root.
    let child = Command::new("taskset")
        .args(["-c", "0", env!("CARGO_BIN_EXE_tine"), "-c", "true"])
        .arg(
            "BEGIN { print(pid, kpid, uid, gid, cpu, comm);
                     printf(\"%v|%v|%v|%v|%v\\n\", pid, uid, gid, cpu, $target);
                     @[uid, gid, cpu] = count(); exit(); }",
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run tine under taskset");
    let pid = child.id();
    let output = child.wait_with_output().expect("tine's output");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = stdout(&output);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(format!("{pid:5}, {pid:5},    0,    0,  0, tine           ").as_str())
    );
    let target = lines.next().and_then(|line| line.rsplit_once('|'));
    let (fields, target) = target.expect("the printf line");
    assert_eq!(fields, format!("{pid:5}|   0|   0| 0"));
    // `$target`, the -c child's pid, is a pid too: right-aligned in 5 columns at least.
    assert!(
        target.len() >= 5 && target.trim().parse::<u32>().is_ok(),
        "{target:?}"
    );
    assert!(text.ends_with("\n@:\n{    0,    0,  0 }: 1\n"), "{text}");
}

/// `probe` in a glob names the tracepoint that fired, one key each, spelled as the script
/// spelled its spec: bpftrace's `group:event`, or ply's `group/event`.
#[test]
fn probe_in_a_glob_names_the_tracepoint_that_fired() {
    kernel_test!(probe_in_a_glob_names_the_tracepoint_that_fired);
    let output = tine(
        &[
            "-c",
            "cat /etc/hostname >/dev/null",
            "tracepoint:syscalls:sys_enter_open* / comm == \"cat\" / { @[probe] = count(); }
             tracepoint:syscalls/sys_exit_clos? / comm == \"cat\" / { @[probe] = count(); }",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let keys: Vec<String> = rows(&stdout(&output))
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    assert!(
        keys.contains(&"tracepoint:syscalls:sys_enter_openat".to_string()),
        "{output:?}"
    );
    assert!(
        keys.contains(&"tracepoint:syscalls/sys_exit_close".to_string()),
        "{output:?}"
    );
    // Only events that fired, each by its own name: no glob, no event twice.
    let unique: HashSet<&String> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "{keys:?}");
    assert!(keys.iter().all(|key| !key.contains(['*', '?'])), "{keys:?}");
}

/// Rates above ply's 1000 hz run, as the kernel (and bpftrace) take them; so do bpftrace's
/// period units for profile and its rate unit for interval.
#[test]
fn profile_takes_every_rate_the_kernel_takes() {
    kernel_test!(profile_takes_every_rate_the_kernel_takes);
    for spec in ["profile:0:1999hz", "profile:ms:1", "interval:hz:1000"] {
        let script = format!(
            "{spec} {{ if (c[\"samples\"] == 20) exit(0); else c[\"samples\"] = c[\"samples\"] + 1; }}"
        );
        let dry = tine(&["-e", &script], None);
        assert_eq!(dry.status.code(), Some(0), "{spec}: {dry:?}");
        let output = tine(&[&script], None);
        assert_eq!(output.status.code(), Some(0), "{spec}: {output:?}");
        assert_eq!(
            rows(&stdout(&output)),
            vec![("samples".to_string(), 20)],
            "{spec}: {output:?}"
        );
    }
}

/// Syscall records keep every argument in an unsigned 8-byte slot: kill(2)'s `pid_t pid` of
/// -424242 sits there as 4294543054. Read through the C type it prints as the syscall saw it,
/// in printf, as a map key and summed, as do openat's `int dfd` (AT_FDCWD, -100) and the
/// `long ret` of a failed kill (-ESRCH).
#[test]
fn signed_syscall_arguments_print_negative() {
    kernel_test!(signed_syscall_arguments_print_negative);
    let shell = common::unique_copy("bash", "tinesigned");
    let workload = format!(
        "{} -c 'kill -0 -- -424242 2>/dev/null; kill -0 -- -424242 2>/dev/null; : </etc/hostname'",
        shell.display()
    );
    let script = "tracepoint:syscalls:sys_enter_kill / comm == \"tinesigned\" / { \
                  printf(\"kill %d %d\\n\", args->pid, args->sig); \
                  @pids[args->pid] = count(); @sum = sum(args->pid); } \
                  tracepoint:syscalls:sys_exit_kill / comm == \"tinesigned\" / { \
                  printf(\"ret %d\\n\", args->ret); } \
                  tracepoint:syscalls:sys_enter_openat / comm == \"tinesigned\" && \
                  str(args->filename) == \"/etc/hostname\" / { printf(\"dfd %d\\n\", args->dfd); }";
    let output = tine(&["-c", &workload, script], None);
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().take(5).collect();
    assert_eq!(
        lines,
        [
            "kill -424242 0",
            "ret -3",
            "kill -424242 0",
            "ret -3",
            "dfd -100"
        ],
        "{output:?}"
    );
    assert!(text.contains("{ -424242 }: 2"), "{text}");
    assert!(text.contains("@sum: -848484"), "{text}");
}

/// `reg()` in a profile probe reads the registers the sample interrupted: in user mode, the
/// instruction pointer is where the user stack starts.
#[test]
fn reg_in_profile_reads_the_interrupted_registers() {
    kernel_test!(reg_in_profile_reads_the_interrupted_registers);
    let Some(arch) = tine::arch::current() else {
        return common::skip(
            "reg_in_profile_reads_the_interrupted_registers",
            "tine has no register layout for this architecture",
        );
    };
    let script = format!(
        "profile:hz:999 / pid == $target / {{ printf(\"%x%s|\\n\", reg(\"{}\"), ustack(perf, 1)); }}",
        arch.instruction_pointer
    );
    let output = tine(
        &[
            "-c",
            "sh -c 'i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done'",
            &script,
        ],
        None,
    );
    let text = stdout(&output);
    assert!(output.status.success(), "{output:?}");
    let mut in_user_mode = 0;
    for sample in text.split_terminator("|\n") {
        // A stack whose hash another stack holds is not taken (`<no stack: errno 17>`).
        let Some((ip, frame)) = sample.split_once("\n\t") else {
            continue;
        };
        let ip = u64::from_str_radix(ip, 16).expect("the ip in hex");
        // A sample in the kernel has the kernel's ip (the upper half of the address space).
        if ip >> 63 == 0 {
            let (address, _) = frame.split_once(' ').expect("the frame's address");
            assert_eq!(format!("{ip:x}"), address, "{text}");
            in_user_mode += 1;
        }
    }
    assert!(in_user_mode > 0, "{text}");
}
