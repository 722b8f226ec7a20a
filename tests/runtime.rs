//! The event loop under load and at its edges: clearing maps that probes keep writing, the
//! order of start-up, `exit()`, signals, closed pipes and vanished processes. The real binary on
//! real workloads; numbers checked, and every run bounded so a hang fails instead of waiting.

mod common;

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One tine at a time: the workloads are timed by the machine's two CPUs.
static SERIAL: Mutex<()> = Mutex::new(());

macro_rules! kernel_test {
    ($name:ident) => {
        if !common::kernel_available(stringify!($name)) {
            return;
        }
        let _serial = SERIAL.lock().unwrap_or_else(|poison| poison.into_inner());
    };
}

/// Runs tine with `TINE_FORCE=force` (or none); fails the test if it has not ended within
/// `limit` (killing it), so a loop that never returns is a failure, not a hung test.
fn tine_within(arguments: &[&str], force: Option<&str>, limit: Duration) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tine"));
    command
        .args(arguments)
        .env_remove("TINE_FORCE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(force) = force {
        command.env("TINE_FORCE", force);
    }
    let mut child = command.spawn().expect("start tine");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    // Read while it runs: a full pipe would stop tine and look like a hang.
    let out = std::thread::spawn(move || {
        let mut text = Vec::new();
        stdout.read_to_end(&mut text).ok();
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = Vec::new();
        stderr.read_to_end(&mut text).ok();
        text
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for tine") {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            let stdout = out.join().unwrap_or_default();
            panic!(
                "tine {arguments:?} did not end within {limit:?}; its output:\n{}",
                String::from_utf8_lossy(&stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Every value printed for map `name` in `text`, in order: `@name: N` lines of a keyless map,
/// or the rows of `@name:` blocks whose key is `key`.
fn printed(text: &str, name: &str, key: Option<&str>) -> Vec<u64> {
    let mut values = Vec::new();
    let mut current = "";
    for line in text.lines() {
        if line.starts_with('@') || line.is_empty() {
            current = line;
        }
        match key {
            None => {
                if let Some(value) = line.strip_prefix(&format!("{name}: ")) {
                    values.extend(value.trim().parse::<u64>().ok());
                }
            }
            Some(key) => {
                if current == format!("{name}:") {
                    let row = line
                        .strip_prefix("{ ")
                        .and_then(|row| row.split_once(" }: "));
                    if let Some((row_key, value)) = row {
                        if row_key.trim() == key {
                            values.extend(value.trim().parse::<u64>().ok());
                        }
                    }
                }
            }
        }
    }
    values
}

/// `print(@); clear(@);` every 100 ms beside the busiest probe there is (every syscall of the
/// machine into one map): tine ends when the workload does, and the per-interval counts of
/// a known workload add up to its total.
fn interval_print_and_clear(force: Option<&str>) {
    // Rounds of reads with pauses between: on a fast machine the reads alone may end within
    // one interval, and the test needs several intervals whatever the machine's speed.
    const READS: u32 = 50_000;
    const ROUNDS: u32 = 4;
    let workload = format!(
        "for round in $(seq {ROUNDS}); do {}; sleep 0.15; done",
        common::readers(READS)
    );
    let output = tine_within(
        &[
            "-c",
            &workload,
            "tracepoint:raw_syscalls:sys_enter { @all[comm] = count(); }
             tracepoint:syscalls:sys_enter_read / data->fd == 0 && comm == \"tinereader\" / {
                 @n = count(); @k[comm] = count();
             }
             interval:100ms { print(@n); print(@k); print(@all); clear(@n); clear(@k); clear(@all); }",
        ],
        force,
        Duration::from_secs(60),
    );
    let text = stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // A key deleted by clear() between a probe's update and its lookup is made again, not
    // reported as a full map.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("map is full"), "{stderr}");
    let keyless = printed(&text, "@n", None);
    let keyed = printed(&text, "@k", Some("tinereader"));
    let busy = printed(&text, "@all", Some("tinereader"));
    assert!(
        keyless.len() > ROUNDS as usize,
        "printed fewer intervals than the workload lasts:\n{text}"
    );
    assert!(!busy.is_empty(), "the busy map was never printed:\n{text}");
    // A keyless count is never reset in the kernel (see Printer::take): exact by design.
    let total = 2 * u64::from(READS * ROUNDS);
    assert_eq!(keyless.iter().sum::<u64>(), total, "{keyless:?}");
    // A keyed one is read and deleted; a probe that found its key before the delete and adds
    // after the read still loses its count, so this is measured, not exact.
    let keyed_total: u64 = keyed.iter().sum();
    assert!(keyed_total <= total && keyed_total > 0, "{keyed:?}");
    eprintln!(
        "interval print+clear ({}): {} intervals; keyless {}/{total}; keyed {keyed_total}/{total} ({} lost)",
        force.unwrap_or("batch"),
        keyless.len(),
        keyless.iter().sum::<u64>(),
        total - keyed_total
    );
}

#[test]
fn interval_print_and_clear_of_a_busy_map_ends_and_adds_up() {
    kernel_test!(interval_print_and_clear_of_a_busy_map_ends_and_adds_up);
    interval_print_and_clear(None);
}

#[test]
fn interval_print_and_clear_without_batches_ends_and_adds_up() {
    kernel_test!(interval_print_and_clear_without_batches_ends_and_adds_up);
    interval_print_and_clear(Some("key_by_key"));
}

/// BEGIN's output comes first, and nothing tine does while it sets up (opening files and perf
/// events, enabling them) reaches a probe: each probe here would see the next one's set-up.
#[test]
fn begin_comes_first_and_set_up_is_not_traced() {
    kernel_test!(begin_comes_first_and_set_up_is_not_traced);
    let output = tine_within(
        &[
            "-c",
            "cat /etc/hostname >/dev/null",
            "BEGIN { printf(\"hdr\\n\"); }
             tracepoint:syscalls:sys_exit_openat { printf(\"open %s\\n\", comm); }
             tracepoint:syscalls:sys_enter_perf_event_open / comm == \"tine\" / { printf(\"set-up perf_event_open\\n\"); }
             tracepoint:syscalls:sys_enter_ioctl / comm == \"tine\" / { printf(\"set-up ioctl\\n\"); }",
        ],
        None,
        Duration::from_secs(30),
    );
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(text.lines().next(), Some("hdr"), "{text}");
    assert!(text.lines().any(|line| line == "open cat"), "{text}");
    for line in text.lines() {
        assert!(
            line != "open tine" && !line.starts_with("set-up"),
            "tine's own set-up was traced: {line}\n{text}"
        );
    }
}

/// An interval ticks once a period however busy the other probes keep every CPU: the kernel
/// silently skips a perf event's program whose timer fires while another BPF program runs on
/// that CPU (a fifth of the ticks went missing that way), so tine runs intervals itself. The
/// ticks counted by END are the time elapsed over the period, to the one that may fall
/// between the last tick and END.
#[test]
fn no_interval_tick_is_lost_beside_busy_probes() {
    kernel_test!(no_interval_tick_is_lost_beside_busy_probes);
    let output = tine_within(
        &[
            "-c",
            &common::readers(1_000_000),
            "tracepoint:syscalls:sys_enter_read / data->fd == 0 && comm == \"tinereader\" / { @reads = count(); }
             interval:50ms { @ticks = count(); }
             END { printf(\"elapsed %d\\n\", elapsed); }",
        ],
        None,
        Duration::from_secs(120),
    );
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let elapsed: u64 = text
        .lines()
        .find_map(|line| line.strip_prefix("elapsed ")?.parse().ok())
        .unwrap_or_else(|| panic!("END printed no elapsed time:\n{text}"));
    let ticks = printed(&text, "@ticks", None);
    let reads = printed(&text, "@reads", None);
    assert_eq!(reads, [2_000_000], "{text}");
    let due = elapsed / 50_000_000;
    assert!(
        ticks.len() == 1 && (due.saturating_sub(1)..=due).contains(&ticks[0]),
        "{ticks:?} ticks in {elapsed} ns ({due} periods of 50 ms):\n{text}"
    );
}

/// The first tick of an interval comes a full period after BEGIN, not sooner: its event is
/// started once BEGIN has run. (A lower bound that only a wrong order can break.)
#[test]
fn the_first_interval_tick_is_a_full_period_after_begin() {
    kernel_test!(the_first_interval_tick_is_a_full_period_after_begin);
    for _ in 0..3 {
        let output = tine_within(
            &["BEGIN { @start = nsecs; } interval:s:1 { printf(\"%d\\n\", nsecs - @start); exit(); }"],
            None,
            Duration::from_secs(30),
        );
        let text = stdout(&output);
        let elapsed: u64 = text
            .lines()
            .next()
            .and_then(|line| line.trim().parse().ok())
            .unwrap_or_else(|| panic!("no tick printed: {output:?}"));
        assert!(
            elapsed >= 1_000_000_000,
            "first tick {elapsed} ns after BEGIN"
        );
    }
}

/// Statements after `exit()` do not run, on every path that reaches it; the code after an
/// `if` whose branches all exit is not emitted (the verifier refuses unreachable code).
#[test]
fn nothing_after_exit_runs() {
    kernel_test!(nothing_after_exit_runs);
    for (script, expected) in [
        ("BEGIN { @ = count(); exit(); @ = count(); }", "\n@: 1\n"),
        (
            "BEGIN { @ = count(); if (pid) { exit(); } else { exit(3); } @ = count(); }",
            "\n@: 1\n",
        ),
        (
            "BEGIN { @ = count(); if (pid) { exit(); printf(\"no\\n\"); } @ = count(); exit(); }",
            "\n@: 1\n",
        ),
    ] {
        let output = tine_within(&[script], None, Duration::from_secs(30));
        assert_eq!(output.status.code(), Some(0), "{script}: {output:?}");
        assert_eq!(stdout(&output), expected, "{script}");
    }
}

/// Nothing recorded after the `exit()` event is printed, on any CPU: a probe that fires on
/// every write of a busy writer prints one line (ply's and bpftrace's answer), with either
/// transport.
#[test]
fn nothing_recorded_after_exit_is_printed() {
    kernel_test!(nothing_recorded_after_exit_is_printed);
    let yes = common::unique_copy("yes", "tineyes");
    let writer = format!("timeout 20 {} >/dev/null", yes.display());
    for force in [None, Some("perfbuf")] {
        let output = tine_within(
            &[
                "-c",
                &writer,
                "tracepoint:syscalls/sys_enter_write / !strcmp(comm, \"tineyes\") / { print(pid); exit(0); }",
            ],
            force,
            Duration::from_secs(30),
        );
        let text = stdout(&output);
        assert_eq!(output.status.code(), Some(0), "{force:?}: {output:?}");
        assert_eq!(text.lines().count(), 1, "{force:?}:\n{text}");
        assert!(text.trim().parse::<u32>().is_ok(), "{force:?}:\n{text}");
    }
    // ply's own case=print. An invocation on another CPU that began before exit() stopped
    // recording prints too (it ran before the exit), so there may be one line per CPU, never
    // one of the eight processes' more.
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    for _ in 0..5 {
        let output = tine_within(
            &[
                "-c",
                "for i in 1 2 3 4 5 6 7 8; do /bin/true & done; wait",
                "tracepoint:sched/sched_process_exit { print(\"test\"); exit(0); }",
            ],
            None,
            Duration::from_secs(30),
        );
        let text = stdout(&output);
        let lines = text.lines().count();
        assert!(
            (1..=cpus.min(7)).contains(&lines),
            "{cpus} CPUs: {output:?}"
        );
        assert!(text.lines().all(|line| line == "test   "), "{output:?}");
    }
}

/// Two probes on one point run in the script's order, whatever the provider: uprobes (whose
/// consumers run newest first), and BEGIN run through a uprobe where there are no test runs.
#[test]
fn probes_on_one_point_fire_in_the_scripts_order() {
    kernel_test!(probes_on_one_point_fire_in_the_scripts_order);
    let uname = common::unique_copy("uname", "tineuname");
    let script = "uprobe:libc:uname / comm == \"tineuname\" / { printf(\"first\\n\"); }
                  uprobe:libc:uname / comm == \"tineuname\" / { printf(\"second\\n\"); }
                  uretprobe:libc:uname / comm == \"tineuname\" / { printf(\"third\\n\"); }
                  uretprobe:libc:uname / comm == \"tineuname\" / { printf(\"fourth\\n\"); }";
    for force in [None, Some("tracefs")] {
        let output = tine_within(
            &["-c", &format!("{} >/dev/null", uname.display()), script],
            force,
            Duration::from_secs(30),
        );
        assert_eq!(
            stdout(&output),
            "first\nsecond\nthird\nfourth\n",
            "{force:?}: {output:?}"
        );
    }
    for force in [None, Some("test_run"), Some("test_run,tracefs")] {
        let output = tine_within(
            &["BEGIN { printf(\"1\\n\"); } BEGIN { printf(\"2\\n\"); } BEGIN { printf(\"3\\n\"); exit(); }"],
            force,
            Duration::from_secs(30),
        );
        assert_eq!(stdout(&output), "1\n2\n3\n", "{force:?}: {output:?}");
    }
}

/// bpftrace 0.17's rule for maps with nothing in them (checked by running it for each kind): a
/// keyless `count()` never fed or cleared prints `@: 0`; every other kind, and every keyed map,
/// prints nothing.
#[test]
fn empty_and_cleared_maps_print_as_bpftrace_does() {
    kernel_test!(empty_and_cleared_maps_print_as_bpftrace_does);
    let kinds = [
        "count()",
        "sum(5)",
        "avg(5)",
        "min(5)",
        "max(5)",
        "stats(5)",
        "hist(5)",
        "lhist(5, 0, 10, 1)",
        "5",
        "\"text\"",
    ];
    for kind in kinds {
        let script = format!(
            "BEGIN {{ @a = {kind}; @k[1] = {kind}; clear(@a); clear(@k); print(@a); print(@k); printf(\"--\\n\"); exit(); }}"
        );
        let output = tine_within(&[&script], None, Duration::from_secs(30));
        let expected = if kind == "count()" {
            "\n@a: 0\n--\n\n@a: 0\n"
        } else {
            "--\n"
        };
        assert_eq!(stdout(&output), expected, "{kind}: {output:?}");
    }
    let output = tine_within(
        &["BEGIN { if (pid == 0) { @c = count(); @s = sum(1); @x = 1; @k[1] = count(); } exit(); }"],
        None,
        Duration::from_secs(30),
    );
    assert_eq!(stdout(&output), "\n@c: 0\n", "never fed: {output:?}");
}

/// `zero(@m)` keeps every key, its value 0, as bpftrace 0.17 does (its output for this script,
/// with the tie of its two zero rows aside): a keyless sum and a minimum print 0, a
/// histogram its name and no bars. Then beside a workload, zeroed every 100 ms: the keyed
/// count's key stays once the workload has ended, at 0.
#[test]
fn zero_keeps_the_keys_and_sets_the_values_to_zero() {
    kernel_test!(zero_keeps_the_keys_and_sets_the_values_to_zero);
    let output = tine_within(
        &[
            "-f",
            "bpftrace",
            "BEGIN { @a[1] = count(); @s = sum(5); @h = hist(10); @m[1] = max(7); @n = min(3);
                     @v[3] = avg(4); @k = count();
                     zero(@a); zero(@s); zero(@h); zero(@m); zero(@n); zero(@v); zero(@k);
                     print(@a); print(@s); print(@h); print(@m); print(@n); print(@v); print(@k);
                     clear(@s); print(@s); exit(); }",
        ],
        None,
        Duration::from_secs(30),
    );
    let zeroed = "@a[1]: 0\n@s: 0\n@h: \n\n@m[1]: 0\n@n: 0\n@v[3]: 0\n\n@k: 0\n";
    let cleared = "\n";
    let at_exit = "\n\n@a[1]: 0\n@h: \n\n@k: 0\n@m[1]: 0\n@n: 0\n\n@v[3]: 0\n\n";
    assert_eq!(
        stdout(&output),
        format!("Attaching 1 probe...\n{zeroed}{cleared}{at_exit}"),
        "{output:?}"
    );

    const READS: u32 = 20_000;
    let workload = format!("{}; sleep 0.3", common::readers(READS));
    let output = tine_within(
        &[
            "-c",
            &workload,
            "tracepoint:syscalls:sys_enter_read / data->fd == 0 && comm == \"tinereader\" / {
                 @k[comm] = count();
             }
             interval:100ms { print(@k); zero(@k); }",
        ],
        None,
        Duration::from_secs(60),
    );
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let counts = printed(&text, "@k", Some("tinereader"));
    // Once the workload has ended, the key stays, at 0.
    assert!(counts.ends_with(&[0]), "{text}");
    // A read that lands between an interval's print and its zero is lost, as in bpftrace.
    let total: u64 = counts.iter().sum();
    assert!(total > 0 && total <= 2 * u64::from(READS), "{text}");
}

/// The ids of the BPF programs process `pid` holds open.
fn programs_of(pid: u32) -> Vec<u32> {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fdinfo")) else {
        return Vec::new();
    };
    fds.filter_map(|fd| std::fs::read_to_string(fd.ok()?.path()).ok())
        .filter_map(|info| {
            info.lines()
                .find_map(|line| line.strip_prefix("prog_id:"))
                .and_then(|id| id.trim().parse().ok())
        })
        .collect()
}

/// Starts tine with its stdout piped; returns it once its programs are loaded, with their ids.
/// The caller waits for it (`ended`).
#[allow(clippy::zombie_processes)]
fn started(arguments: &[&str]) -> (std::process::Child, Vec<u32>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(arguments)
        .env_remove("TINE_FORCE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tine");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ids = programs_of(child.id());
        if !ids.is_empty() {
            return (child, ids);
        }
        if Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            panic!("tine loaded nothing");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Waits for `child` (failing after `limit`) and returns how it ended.
fn ended(mut child: std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            child.kill().ok();
            child.wait().ok();
            panic!("tine did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A closed standard output ends tracing as it ends ply and bpftrace — by SIGPIPE, status 141
/// in a shell — after every kernel object is released; also when tine has nothing to write
/// at the moment the reader goes.
#[test]
fn a_closed_stdout_ends_tracing_by_sigpipe() {
    kernel_test!(a_closed_stdout_ends_tracing_by_sigpipe);
    use std::io::BufRead;
    use std::os::unix::process::ExitStatusExt;
    for script in [
        // Writes all the time (the `| head -3` case).
        "tracepoint:raw_syscalls:sys_enter { printf(\"%d %s\\n\", pid, comm); }",
        // Writes once, then stays quiet for a minute.
        "BEGIN { printf(\"hdr\\n\"); } interval:s:60 { printf(\"tick\\n\"); }",
    ] {
        let (mut child, ids) = started(&[script]);
        let mut reader = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        reader.read_line(&mut line).expect("a first line");
        assert!(!line.is_empty(), "{script}");
        drop(reader);
        let status = ended(child, Duration::from_secs(30));
        assert_eq!(status.signal(), Some(libc::SIGPIPE), "{script}: {status:?}");
        common::wait_until_gone(&ids, tine::kernel::bpf::program_ids);
    }
}

/// `-p` names a process that must exist, and tracing ends (maps printed) when it exits.
#[test]
fn dash_p_needs_a_process_and_ends_with_it() {
    kernel_test!(dash_p_needs_a_process_and_ends_with_it);
    let output = tine_within(
        &[
            "-p",
            "999999",
            "tracepoint:sched/sched_switch { @ = count(); }",
        ],
        None,
        Duration::from_secs(30),
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: -p 999999: no such process\n"
    );
    let mut sleeper = Command::new("sleep").arg("1").spawn().expect("sleep");
    let pid = sleeper.id().to_string();
    let output = tine_within(
        &[
            "-p",
            &pid,
            "tracepoint:raw_syscalls:sys_enter { @ = count(); }",
        ],
        None,
        Duration::from_secs(30),
    );
    sleeper.wait().ok();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    // At least its exit_group, traced in that process only.
    let counts = printed(&stdout(&output), "@", None);
    assert!(counts.len() == 1 && counts[0] >= 1, "{output:?}");
}

/// `tine -` reads the script from standard input.
#[test]
fn a_dash_reads_the_script_from_stdin() {
    kernel_test!(a_dash_reads_the_script_from_stdin);
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tine"))
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tine");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"BEGIN { printf(\"from stdin\\n\"); exit(); }")
        .expect("write the script");
    let output = child.wait_with_output().expect("wait for tine");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(stdout(&output), "from stdin\n");
}

/// An argument that looks like a path and names no file is not parsed as a program: the error
/// says the file is missing. A dry run takes a script from stdin too. (No kernel needed.)
#[test]
fn a_missing_script_file_is_named() {
    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .arg("/tmp/tine-no-such-script.tine")
        .output()
        .expect("run tine");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: cannot read script file `/tmp/tine-no-such-script.tine`: No such file or directory (os error 2)\n"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(["-e", "-"])
        .stdin(std::fs::File::open("/dev/null").expect("/dev/null"))
        .output()
        .expect("run tine");
    // An empty script from stdin is checked as one (and has no probe), not read as a file name.
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("script file"),
        "{output:?}"
    );
}

/// Ctrl-C, SIGTERM and SIGHUP (an ssh session closing) end tracing, with the teardown, while
/// `print(@); clear(@);` runs every 100 ms on the busiest map there is (once, the clear never
/// ended and the signals were never read; SIGHUP killed tine with its probes attached).
#[test]
fn signals_end_a_busy_print_and_clear() {
    kernel_test!(signals_end_a_busy_print_and_clear);
    // Killed when the test ends, however it ends: a failed assertion must not leave it busy.
    struct Busy(std::process::Child);
    impl Drop for Busy {
        fn drop(&mut self) {
            self.0.kill().ok();
            self.0.wait().ok();
        }
    }
    let _busy = Busy(
        Command::new("dd")
            .args(["if=/dev/zero", "of=/dev/null", "bs=1"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start a busy writer"),
    );
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        let (mut child, ids) = started(&[
            "tracepoint:raw_syscalls:sys_enter { @[comm, tid] = count(); } interval:100ms { print(@); clear(@); }",
        ]);
        // Read on: a full pipe would stop tine in a write.
        let mut out = child.stdout.take().expect("stdout");
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        std::thread::sleep(Duration::from_millis(500));
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        let status = ended(child, Duration::from_secs(30));
        assert_eq!(status.code(), Some(0), "signal {signal}: {status:?}");
        common::wait_until_gone(&ids, tine::kernel::bpf::program_ids);
    }
}

/// A glob of tracepoints read with `probe` is one program and one perf event per tracepoint,
/// all released together at the end (two closers at a time): each still counts exactly its
/// own events, and after the exit nothing of the run is left in the kernel.
#[test]
fn a_glob_counts_each_tracepoint_exactly_and_leaves_nothing() {
    kernel_test!(a_glob_counts_each_tracepoint_exactly_and_leaves_nothing);
    // dd with bs=1 writes each byte with one write(2), and nothing else it does writes.
    const BYTES: u64 = 300;
    let writer = common::unique_copy("dd", "tinewriter");
    // The pause leaves time to list every program while tracing.
    let command = format!(
        "sleep 0.5; {} if=/dev/zero of=/dev/null bs=1 count={BYTES} status=none",
        writer.display()
    );
    // sys_enter_/sys_exit_ of wait4, waitid, write and writev: eight tracepoints.
    let script = "tracepoint:syscalls:sys_*_w* / comm == \"tinewriter\" / { @[probe] = count(); }";
    let (mut child, mut ids) = started(&["-c", &command, script]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while ids.len() < 8 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        ids = programs_of(child.id());
    }
    assert!(ids.len() >= 8, "one program per tracepoint: {ids:?}");
    let mut stdout = child.stdout.take().expect("stdout");
    let status = ended(child, Duration::from_secs(60));
    let mut text = String::new();
    stdout.read_to_string(&mut text).expect("read the output");
    assert!(status.success(), "{status:?}: {text}");
    let mut rows: Vec<(&str, &str)> = text
        .lines()
        .filter_map(|line| line.strip_prefix('{')?.split_once("}: "))
        .map(|(key, value)| (key.trim(), value.trim()))
        .collect();
    rows.sort();
    let bytes = BYTES.to_string();
    assert_eq!(
        rows,
        [
            ("tracepoint:syscalls:sys_enter_write", bytes.as_str()),
            ("tracepoint:syscalls:sys_exit_write", bytes.as_str()),
        ],
        "{text}"
    );
    common::wait_until_gone(&ids, tine::kernel::bpf::program_ids);
}

/// Bytes of `pid`'s address space mapped from its output ring (a ring buffer map, or perf
/// buffers), once there are any.
fn ring_mapped(pid: u32) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
        let bytes: u64 = maps
            .lines()
            .filter(|line| {
                line.ends_with("anon_inode:bpf-map") || line.ends_with("anon_inode:[perf_event]")
            })
            .filter_map(|line| {
                let (start, end) = line.split_whitespace().next()?.split_once('-')?;
                Some(u64::from_str_radix(end, 16).ok()? - u64::from_str_radix(start, 16).ok()?)
            })
            .sum();
        if bytes > 0 || Instant::now() > deadline {
            return bytes;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A script that writes nothing to the output ring (it only counts) gets the smallest ring the
/// kernel makes, not the 256 KB a printf needs: a ring buffer's data is mapped twice, and was
/// half of such a run's resident memory. So too with perf buffers, one page per CPU.
#[test]
fn a_script_that_prints_nothing_maps_no_big_ring() {
    kernel_test!(a_script_that_prints_nothing_maps_no_big_ring);
    for force in ["", "perfbuf"] {
        for (script, big) in [
            (
                "tracepoint:sched/sched_switch { @[comm] = count(); }",
                false,
            ),
            (
                "tracepoint:sched/sched_switch { printf(\"%d\\n\", pid); }",
                true,
            ),
        ] {
            let mut child = Command::new(env!("CARGO_BIN_EXE_tine"))
                .arg(script)
                .env("TINE_FORCE", force)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start tine");
            let mapped = ring_mapped(child.id());
            child.kill().ok();
            child.wait().ok();
            assert!(mapped > 0, "{force} {script}: no ring mapped");
            assert_eq!(mapped > 64 * 1024, big, "{force} {script}: {mapped} bytes");
        }
    }
}
