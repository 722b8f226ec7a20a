//! uprobes end to end: the real binary puts uprobes and uretprobes on a small C program built
//! here with gcc (a function called a known number of times, with known return values) and on
//! libc's malloc; `-p` limits them to one process; probe events made through tracefs are gone
//! after every way tine ends.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use tine::kernel::tracefs::Tracefs;

/// One tine at a time: the tracefs checks read a file every uprobe of the system shares.
static SERIAL: Mutex<()> = Mutex::new(());

/// Calls `tine_target` and `tine_name` as often as its first argument says, after a line on
/// stdin when given a second argument; `tine_target(i)` returns 40 + i % 3, `tine_name` takes
/// the string `call-{i % 2}` and returns `alpha`, `beta` or `gamma` for i % 3.
const TARGET_SOURCE: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) int tine_target(int n)
{
    __asm__ volatile("" ::: "memory");
    return 40 + n % 3;
}

static const char *const names[] = {"alpha", "beta", "gamma"};

__attribute__((noinline)) const char *tine_name(const char *label, int n)
{
    __asm__ volatile("" ::: "memory");
    return label[0] ? names[n % 3] : "";
}

int main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 0;
    char line[16];
    if (argc > 2 && !fgets(line, sizeof line, stdin))
        return 2;
    long sum = 0;
    /* The names' page is in memory before a probe reads them. */
    for (int i = 0; i < 3; i++)
        sum -= strlen(names[i]);
    for (int i = 0; i < calls; i++) {
        char label[16];
        snprintf(label, sizeof label, "call-%d", i % 2);
        sum += tine_target(i) + strlen(tine_name(label, i));
    }
    printf("%ld\n", sum);
    return 0;
}
"#;

/// Calls `tine_leaf` as often as its first argument says, after a line on stdin, through three
/// paths: `tine_right`, and `tine_left` from `tine_outer_a` or `tine_outer_b`, which share their
/// innermost frames; then calls `tine_done` and stays until a second line or the end of stdin,
/// so that its mappings can be read. Built with frame pointers, for the kernel to walk.
const STACKS_SOURCE: &str = r#"
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) int tine_leaf(int n)
{
    __asm__ volatile("" ::: "memory");
    return n + 1;
}

__attribute__((noinline)) int tine_middle(int n) { return tine_leaf(n) + 1; }
__attribute__((noinline)) int tine_left(int n) { return tine_middle(n) * 2; }
__attribute__((noinline)) int tine_right(int n) { return tine_middle(n) * 3; }
__attribute__((noinline)) int tine_outer_a(int n) { return tine_left(n) + 5; }
__attribute__((noinline)) int tine_outer_b(int n) { return tine_left(n) + 7; }

__attribute__((noinline)) void tine_done(void)
{
    __asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 0;
    char line[16];
    if (!fgets(line, sizeof line, stdin))
        return 2;
    long sum = 0;
    for (int i = 0; i < calls; i++)
        sum += i % 3 == 0 ? tine_right(i) : i % 3 == 1 ? tine_outer_a(i) : tine_outer_b(i);
    tine_done();
    printf("%ld\n", sum);
    fflush(stdout);
    return fgets(line, sizeof line, stdin) ? 0 : 0;
}
"#;

/// The target program, compiled once per test run; Err says why it could not be.
fn target() -> Result<&'static str, String> {
    static BUILT: OnceLock<Result<String, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| common::built("target", TARGET_SOURCE, &["-O2"]))
        .as_deref()
        .map_err(Clone::clone)
}

/// The target's path when BPF and gcc are both here; else prints why and returns None (a
/// failure under TINE_REQUIRE_KERNEL=1, which CI sets).
fn prepared(test: &str) -> Option<&'static str> {
    if !common::kernel_available(test) {
        return None;
    }
    match target() {
        Ok(path) => Some(path),
        Err(reason) => {
            common::skip(test, reason);
            None
        }
    }
}

macro_rules! uprobe_test {
    ($name:ident) => {{
        let Some(path) = prepared(stringify!($name)) else {
            return;
        };
        let serial = SERIAL.lock().unwrap_or_else(|poison| poison.into_inner());
        (path, serial)
    }};
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

/// The value printed for a keyless map: `@name: N`.
fn scalar(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}: "))?.trim().parse().ok())
}

/// `{ key }: value` rows of a printed map, as (key text, value).
fn rows(text: &str) -> Vec<(String, u64)> {
    let mut rows: Vec<(String, u64)> = text
        .lines()
        .filter_map(|line| {
            let (key, value) = line.rsplit_once("}: ")?;
            Some((
                key.trim_start_matches('{').trim().to_string(),
                value.trim().parse().ok()?,
            ))
        })
        .collect();
    rows.sort();
    rows
}

/// tine started in the background with a BEGIN probe that prints `ready` once every probe is
/// attached; returns when that line has come.
struct Running {
    child: Child,
    out: BufReader<std::process::ChildStdout>,
}

impl Running {
    fn start(arguments: &[&str], force: Option<&str>) -> Running {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tine"));
        command
            .args(arguments)
            .env_remove("TINE_FORCE")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(force) = force {
            command.env("TINE_FORCE", force);
        }
        let mut child = command.spawn().expect("start tine");
        let mut out = BufReader::new(child.stdout.take().expect("tine's stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("read tine's first line");
        // bpftrace's layouts say first how many probes are attached.
        if line.starts_with("Attaching ") {
            line.clear();
            out.read_line(&mut line).expect("read tine's second line");
        }
        if line != "ready\n" {
            let mut errors = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                stderr.read_to_string(&mut errors).ok();
            }
            panic!("tine did not get ready: {line:?} {errors}");
        }
        Running { child, out }
    }

    fn signal(&self, signal: &str) {
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(killed.success());
    }

    /// Waits for tine to end; its exit code and the rest of its output.
    fn finish(mut self) -> (Option<i32>, String) {
        let mut rest = String::new();
        self.out
            .read_to_string(&mut rest)
            .expect("read tine's output");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for tine") {
                return (status.code(), rest);
            }
            assert!(Instant::now() < deadline, "tine did not end");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn run_target(path: &str, calls: u32) {
    let status = Command::new(path)
        .arg(calls.to_string())
        .stdout(Stdio::null())
        .status()
        .expect("run the target");
    assert!(status.success());
}

#[test]
fn a_uprobe_counts_every_call_through_either_attach_path() {
    let (path, _serial) = uprobe_test!(a_uprobe_counts_every_call_through_either_attach_path);
    for force in [None, Some("tracefs")] {
        let output = tine(
            &[
                "-c",
                &format!("{path} 1000"),
                &format!("uprobe:{path}:tine_target {{ @calls = count(); }}"),
            ],
            force,
        );
        let text = stdout(&output);
        assert_eq!(output.status.code(), Some(0), "{force:?}: {output:?}");
        assert_eq!(scalar(&text, "@calls"), Some(1000), "{force:?}: {text}");
    }
}

#[test]
fn a_uretprobe_sees_each_return_value() {
    let (path, _serial) = uprobe_test!(a_uretprobe_sees_each_return_value);
    let output = tine(
        &[
            "-c",
            &format!("{path} 31"),
            &format!("uretprobe:{path}:tine_target {{ @[retval] = count(); }}"),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    // 40 + i % 3 for i in 0..31: ten of each, one more 40.
    assert_eq!(
        rows(&stdout(&output)),
        [("40".into(), 11), ("41".into(), 10), ("42".into(), 10)]
    );
}

/// A uprobe's arguments and a uretprobe's return value are user addresses: `str()` reads the
/// strings there, with the split helpers and with the legacy one, and no read fails.
#[test]
fn str_reads_user_strings_of_arguments_and_return_values() {
    let (path, _serial) = uprobe_test!(str_reads_user_strings_of_arguments_and_return_values);
    for force in [None, Some("probe_read")] {
        let output = tine(
            &[
                "-c",
                &format!("{path} 10"),
                &format!(
                    "uprobe:{path}:tine_name {{ @args[str(arg0)] = count(); }} \
                     uretprobe:{path}:tine_name {{ @returns[str(retval)] = count(); }}"
                ),
            ],
            force,
        );
        let text = stdout(&output);
        assert_eq!(output.status.code(), Some(0), "{force:?}: {output:?}");
        let errors = String::from_utf8_lossy(&output.stderr);
        assert!(!errors.contains("failed"), "{force:?}: {errors}");
        let (args, returns) = text.split_once("@returns:").expect("both maps");
        assert_eq!(
            rows(args),
            [("call-0".into(), 5), ("call-1".into(), 5)],
            "{force:?}: {text}"
        );
        assert_eq!(
            rows(returns),
            [("alpha".into(), 4), ("beta".into(), 3), ("gamma".into(), 3)],
            "{force:?}: {text}"
        );
    }
}

#[test]
fn arguments_and_registers_read_the_call() {
    let (path, _serial) = uprobe_test!(arguments_and_registers_read_the_call);
    let Some(arch) = tine::arch::current() else {
        return common::skip(
            "arguments_and_registers_read_the_call",
            "tine has no register layout for this architecture",
        );
    };
    // The first argument's register, read as `argN` and through `regs`.
    let register = arch.arguments.split(' ').next().unwrap();
    let output = tine(
        &[
            "-c",
            &format!("{path} 5"),
            &format!(
                "uprobe:{path}:tine_target {{ @[arg0 == regs->{register}, arg0 & 0xffffffff] = count(); }}"
            ),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let expected: Vec<(String, u64)> = (0..5).map(|i| (format!("1, {i}"), 1)).collect();
    assert_eq!(rows(&stdout(&output)), expected);
}

/// bpftrace's `reg("name")` reads the register of the call's pt_regs: the first argument's,
/// printed as bpftrace 0.17 prints `printf("reg %d\n", reg("di"))` for tine_target(0..5).
#[test]
fn reg_reads_a_register_by_its_name() {
    let (path, _serial) = uprobe_test!(reg_reads_a_register_by_its_name);
    let Some(arch) = tine::arch::current() else {
        return common::skip(
            "reg_reads_a_register_by_its_name",
            "tine has no register layout for this architecture",
        );
    };
    let register = arch.arguments.split(' ').next().unwrap();
    let output = tine(
        &[
            "-c",
            &format!("{path} 5"),
            &format!("uprobe:{path}:tine_target {{ printf(\"reg %d\\n\", reg(\"{register}\")); }}"),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    // The target prints its own line too.
    let text = stdout(&output);
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("reg "))
        .collect();
    assert_eq!(
        lines,
        ["reg 0", "reg 1", "reg 2", "reg 3", "reg 4"],
        "{text}"
    );
}

#[test]
fn libc_malloc_resolves_and_fires() {
    let (_, _serial) = uprobe_test!(libc_malloc_resolves_and_fires);
    if !std::path::Path::new("/etc/ld.so.cache").exists() {
        common::skip("libc_malloc_resolves_and_fires", "no glibc here");
        return;
    }
    let output = tine(
        &[
            "-c",
            "ls / >/dev/null",
            "uprobe:libc:malloc / comm == \"ls\" / { @mallocs = count(); }",
        ],
        None,
    );
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let mallocs = scalar(&text, "@mallocs").unwrap_or(0);
    assert!(mallocs > 0, "{text}");
}

#[test]
fn pid_limits_uprobes_to_one_process() {
    let (path, _serial) = uprobe_test!(pid_limits_uprobes_to_one_process);
    // The traced process waits for a line before its 40 calls.
    let mut traced = Command::new(path)
        .args(["40", "wait"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start the traced target");
    let pid = traced.id().to_string();
    let tine = Running::start(
        &[
            "-p",
            &pid,
            &format!("BEGIN {{ printf(\"ready\\n\"); }} uprobe:{path}:tine_target {{ @calls = count(); }}"),
        ],
        None,
    );
    // Another process's 25 calls are not counted.
    run_target(path, 25);
    traced
        .stdin
        .take()
        .expect("the target's stdin")
        .write_all(b"go\n")
        .expect("release the target");
    assert!(traced.wait().expect("wait for the target").success());
    tine.signal("INT");
    let (code, text) = tine.finish();
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(scalar(&text, "@calls"), Some(40), "{text}");
}

/// The lines of uprobe_events that are tine process `pid`'s (group `tine_<pid>`).
fn probe_events_of(pid: u32) -> Vec<String> {
    let tracefs = Tracefs::find().expect("find tracefs");
    let text =
        std::fs::read_to_string(tracefs.root().join("uprobe_events")).expect("read uprobe_events");
    let group = format!(":tine_{pid}/");
    text.lines()
        .filter(|line| line.contains(&group))
        .map(String::from)
        .collect()
}

#[test]
fn tracefs_probe_events_are_removed_on_every_way_out() {
    let (path, _serial) = uprobe_test!(tracefs_probe_events_are_removed_on_every_way_out);
    let script = format!(
        "BEGIN {{ printf(\"ready\\n\"); }} uretprobe:{path}:tine_target {{ @[retval] = count(); }}"
    );
    let tracefs = Some("tracefs");

    // exit() from the probe.
    let exiting =
        format!("uprobe:{path}:tine_target {{ exit(7); }} BEGIN {{ printf(\"ready\\n\"); }}");
    let tine = Running::start(&[&exiting], tracefs);
    let pid = tine.child.id();
    assert_eq!(
        probe_events_of(pid).len(),
        1,
        "no probe event while running"
    );
    run_target(path, 1);
    let (code, text) = tine.finish();
    assert_eq!(code, Some(7), "{text}");
    assert_eq!(probe_events_of(pid), Vec::<String>::new(), "after exit()");

    // The end of -c; the command itself lists the probe event, proving it was there.
    let events = Tracefs::find()
        .expect("find tracefs")
        .root()
        .join("uprobe_events");
    let command = format!("{path} 3; cat {}", events.display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(["-c", &command, &script])
        .env("TINE_FORCE", "tracefs")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start tine");
    let pid = child.id();
    let mut text = String::new();
    child
        .stdout
        .take()
        .expect("tine's stdout")
        .read_to_string(&mut text)
        .expect("read tine's output");
    assert!(child.wait().expect("wait for tine").success(), "{text}");
    assert!(text.contains(&format!("r:tine_{pid}/")), "{text}");
    assert_eq!(probe_events_of(pid), Vec::<String>::new(), "after -c");

    for signal in ["INT", "TERM"] {
        let tine = Running::start(&[&script], tracefs);
        let pid = tine.child.id();
        assert_eq!(
            probe_events_of(pid).len(),
            1,
            "no probe event before SIG{signal}"
        );
        run_target(path, 2);
        tine.signal(signal);
        let (code, text) = tine.finish();
        assert_eq!(code, Some(0), "SIG{signal}: {text}");
        assert_eq!(rows(&text), [("40".into(), 1), ("41".into(), 1)]);
        assert_eq!(
            probe_events_of(pid),
            Vec::<String>::new(),
            "after SIG{signal}"
        );
    }
}

/// SIGKILL leaves tine no way to remove its tracefs probe events: the next tine removes them,
/// and only those of tines no longer running.
#[test]
fn the_next_tine_removes_the_probe_events_a_killed_one_left() {
    let (path, _serial) = uprobe_test!(the_next_tine_removes_the_probe_events_a_killed_one_left);
    let script =
        format!("BEGIN {{ printf(\"ready\\n\"); }} uprobe:{path}:tine_target {{ @ = count(); }}");
    let killed = Running::start(&[&script], Some("tracefs"));
    let killed_pid = killed.child.id();
    let living = Running::start(&[&script], Some("tracefs"));
    let living_pid = living.child.id();
    killed.signal("KILL");
    let (code, _) = killed.finish();
    assert_eq!(code, None, "tine was not killed");
    assert_eq!(
        probe_events_of(killed_pid).len(),
        1,
        "SIGKILL removed the event"
    );

    let output = tine(&["BEGIN { exit(); }"], None);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        probe_events_of(killed_pid),
        Vec::<String>::new(),
        "left after the next run"
    );
    assert_eq!(
        probe_events_of(living_pid).len(),
        1,
        "a running tine's event was removed"
    );
    run_target(path, 5);
    living.signal("INT");
    let (code, text) = living.finish();
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(scalar(&text, "@"), Some(5), "{text}");
    assert_eq!(probe_events_of(living_pid), Vec::<String>::new());
}

#[test]
fn a_missing_function_is_an_error_with_a_caret() {
    let (path, _serial) = uprobe_test!(a_missing_function_is_an_error_with_a_caret);
    let output = tine(
        &[&format!(
            "uprobe:{path}:no_such_function {{ @ = count(); }}"
        )],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8_lossy(&output.stderr);
    assert!(
        errors.contains(&format!("{path} has no function `no_such_function`")),
        "{errors}"
    );
    assert!(errors.contains("^~~~"), "{errors}");
}

/// `probe` in a uprobe glob names the function that fired, with the binary's path, as
/// bpftrace does: one key per function.
#[test]
fn probe_in_a_glob_names_the_function_that_fired() {
    let (path, _serial) = uprobe_test!(probe_in_a_glob_names_the_function_that_fired);
    let output = tine(
        &[
            "-c",
            &format!("{path} 5"),
            &format!("uprobe:{path}:[mt][ai]* {{ @[probe] = count(); }}"),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        rows(&stdout(&output)),
        [
            (format!("uprobe:{path}:main"), 1),
            (format!("uprobe:{path}:tine_name"), 5),
            (format!("uprobe:{path}:tine_target"), 5)
        ]
    );
}

/// The stacks program's path, built once per test run.
fn stacks_target() -> Result<&'static str, String> {
    static BUILT: OnceLock<Result<String, String>> = OnceLock::new();
    let flags = [
        "-O1",
        "-fno-omit-frame-pointer",
        "-fno-optimize-sibling-calls",
    ];
    BUILT
        .get_or_init(|| common::built("stacks", STACKS_SOURCE, &flags))
        .as_deref()
        .map_err(Clone::clone)
}

/// The rows of map `name` in ply's layout whose key is one stack: (its frames, the count).
fn stack_rows(text: &str, name: &str) -> Vec<(Vec<String>, u64)> {
    let (_, section) = text
        .split_once(&format!("\n{name}:\n"))
        .unwrap_or_else(|| panic!("no map {name}: {text}"));
    let mut rows = Vec::new();
    let mut frames = Vec::new();
    for line in section.lines() {
        if let Some(frame) = line.strip_prefix('\t') {
            frames.push(frame.to_string());
        } else if let Some(count) = line.strip_prefix(" }: ") {
            rows.push((std::mem::take(&mut frames), count.parse().expect("a count")));
        } else if line != "{ " {
            break;
        }
    }
    rows.sort();
    rows
}

/// The stacks of `rows` cut to their first `depth` frames, the counts of those that are then
/// alike summed: what a map keyed by `ustack(depth)` must hold.
fn cut_to(rows: &[(Vec<String>, u64)], depth: usize) -> Vec<(Vec<String>, u64)> {
    let mut cut: Vec<(Vec<String>, u64)> = Vec::new();
    for (frames, count) in rows {
        let frames = frames[..depth.min(frames.len())].to_vec();
        match cut.iter_mut().find(|(known, _)| *known == frames) {
            Some((_, total)) => *total += count,
            None => cut.push((frames, *count)),
        }
    }
    cut.sort();
    cut
}

/// `ustack(N)` keys a map by the innermost N frames: the whole stacks that share them count
/// as one, as bpftrace's stack map of depth N counts them; `ustack(perf, N)` prints each
/// frame as `address function+offset (path)`.
#[test]
fn ustack_of_n_frames_counts_each_stack_of_its_first_n_frames() {
    let test = "ustack_of_n_frames_counts_each_stack_of_its_first_n_frames";
    let (_, _serial) = uprobe_test!(ustack_of_n_frames_counts_each_stack_of_its_first_n_frames);
    let path = match stacks_target() {
        Ok(path) => path,
        Err(reason) => return common::skip(test, reason),
    };
    let text = trace_stacks(
        &[],
        &format!(
            "uprobe:{path}:tine_leaf {{
                 @full[ustack] = count(); @two[ustack(2)] = count(); @one[ustack(perf, 1)] = count();
             }}"
        ),
    );
    let full = stack_rows(&text, "@full");
    let two = stack_rows(&text, "@two");
    assert_eq!(
        full.iter().map(|(_, count)| count).sum::<u64>(),
        30,
        "{text}"
    );
    assert_eq!(two, cut_to(&full, 2), "{text}");
    // tine_outer_a's and tine_outer_b's stacks differ only past their second frame.
    assert!(two.len() < full.len(), "{text}");
    let named = |function: &str| {
        full.iter()
            .any(|(frames, _)| frames.iter().any(|frame| frame.starts_with(function)))
    };
    assert!(named("tine_outer_a+") && named("tine_outer_b+"), "{text}");
    let one = stack_rows(&text, "@one");
    assert_eq!(one.len(), 1, "{text}");
    let (frames, count) = &one[0];
    assert_eq!(*count, 30, "{text}");
    let (address, rest) = frames[0]
        .split_once(' ')
        .expect("an address, then the symbol");
    assert!(u64::from_str_radix(address, 16).is_ok(), "{text}");
    assert_eq!(rest, format!("tine_leaf+0 ({path})"), "{text}");
}

/// tine's output for `script` (with `options`) on the stacks program making 30 calls; the
/// program lives on until tine has printed, for its mappings to be read, and tine ends when it
/// calls `tine_done`.
fn trace_stacks(options: &[&str], script: &str) -> String {
    let path = stacks_target().expect("the stacks program");
    let mut target = Command::new(path)
        .arg("30")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start the stacks program");
    let pid = target.id().to_string();
    let script =
        format!("BEGIN {{ printf(\"ready\\n\"); }} {script} uprobe:{path}:tine_done {{ exit(); }}");
    let mut arguments = options.to_vec();
    arguments.extend(["-p", &pid, &script]);
    let running = Running::start(&arguments, None);
    let mut input = target.stdin.take().expect("the program's stdin");
    input.write_all(b"go\n").expect("start the calls");
    let (code, text) = running.finish();
    drop(input);
    assert!(target.wait().expect("the program").success());
    assert_eq!(code, Some(0), "{text}");
    text
}

/// bpftrace's layout of a stack names each frame `function+offset` even at offset 0, and a
/// stack that could not be taken (no kernel stack in a uprobe) is empty, as bpftrace 0.17
/// prints `@k[]: 30`.
#[test]
fn stacks_in_bpftrace_layout_give_every_frame_its_offset() {
    let test = "stacks_in_bpftrace_layout_give_every_frame_its_offset";
    let (_, _serial) = uprobe_test!(stacks_in_bpftrace_layout_give_every_frame_its_offset);
    let path = match stacks_target() {
        Ok(path) => path,
        Err(reason) => return common::skip(test, reason),
    };
    let text = trace_stacks(
        &["-f", "bpftrace"],
        &format!("uprobe:{path}:tine_leaf {{ @k[kstack] = count(); @u[ustack(1)] = count(); }}"),
    );
    assert!(text.contains("\n@k[]: 30\n"), "{text}");
    assert!(text.contains("\n@u[\n    tine_leaf+0\n]: 30\n"), "{text}");
}
