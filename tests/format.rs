//! `-f bpftrace` and `-f json`: tine runs scripts of literal values and prints what bpftrace 0.17
//! printed for the same scripts, byte for byte. The expected outputs in tests/fixtures/format
//! were made with `bpftrace SCRIPT` and `bpftrace -f json SCRIPT` (0.17, stdout only).

mod common;

use std::path::Path;
use std::process::Command;

/// tine's standard output for `script` (in tests/fixtures/format) with `-f style`, tracing
/// while `command` runs when there is one.
fn tine(style: &str, script: &str, command: Option<&str>) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/format")
        .join(script);
    let mut tine = Command::new(env!("CARGO_BIN_EXE_tine"));
    if let Some(command) = command {
        tine.args(["-c", command]);
    }
    let output = tine
        .args(["-f", style])
        .arg(&path)
        .output()
        .expect("run tine");
    assert!(
        output.status.success(),
        "tine -f {style} {script}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn expected(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/format")
        .join(file);
    std::fs::read_to_string(path).expect("read the expected output")
}

/// Runs `NAME.bt` in both of bpftrace's layouts and compares with `NAME.txt` and `NAME.json`.
fn prints_as_bpftrace(test: &str, name: &str, command: Option<&str>) {
    if !common::kernel_available(test) {
        return;
    }
    let script = format!("{name}.bt");
    assert_eq!(
        tine("bpftrace", &script, command),
        expected(&format!("{name}.txt"))
    );
    assert_eq!(
        tine("json", &script, command),
        expected(&format!("{name}.json"))
    );
}

#[test]
fn maps_print_as_bpftrace_prints_them() {
    prints_as_bpftrace("maps_print_as_bpftrace_prints_them", "maps", None);
}

/// ntop() and bswap() in printf, keys, values and print(); unsigned keys narrower than 64 bits
/// print unsigned (a u16 port swapped by bswap()), 64-bit and signed ones signed.
#[test]
fn ntop_and_bswap_print_as_bpftrace_prints_them() {
    prints_as_bpftrace("ntop_and_bswap_print_as_bpftrace_prints_them", "inet", None);
}

/// Tuples in printf (by element), print() and maps, nested, of every integer width; a map of
/// tuples is ordered by key, whose integers bpftrace compares unsigned (`-3` last).
#[test]
fn tuples_print_as_bpftrace_prints_them() {
    prints_as_bpftrace("tuples_print_as_bpftrace_prints_them", "tuples", None);
}

/// `x++` and friends as values: the value before or after the step, in the order bpftrace
/// evaluates a store (the value, then the key).
#[test]
fn steps_inside_expressions_count_as_bpftrace_counts_them() {
    prints_as_bpftrace(
        "steps_inside_expressions_count_as_bpftrace_counts_them",
        "steps",
        None,
    );
}

/// In ply's layout a tuple prints as a key does, `{ a, b }`, strings padded to their width; read
/// from a real workload: dd's last read of /dev/zero (its fd 0) asks for one block.
#[test]
fn tuples_print_in_plys_layout_as_keys_do() {
    if !common::kernel_available("tuples_print_in_plys_layout_as_keys_do") {
        return;
    }
    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(["-c", "dd if=/dev/zero of=/dev/null bs=1k count=3"])
        .arg(
            "tracepoint:syscalls/sys_enter_read /pid == $target/ { \
             @last = (data->count, data->fd, comm); @k[data->fd] = (comm, (data->count, \"B\")); }",
        )
        .output()
        .expect("run tine");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("\n@last: { 1024, 0, dd              }\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("\n{ 0 }: { dd             , { 1024, B } }\n"),
        "{stdout}"
    );
}

/// ply's `print(a, b)` (bpftrace takes one value) prints `a, b`; as JSON, one array of the values,
/// as a tuple is, so the line stays valid JSON.
#[test]
fn print_of_several_values_is_one_json_array() {
    if !common::kernel_available("print_of_several_values_is_one_json_array") {
        return;
    }
    let run = |style: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_tine"))
            .args([
                "-q",
                "-f",
                style,
                "BEGIN { print(1, \"a\", (2, 3)); exit(); }",
            ])
            .output()
            .expect("run tine");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).expect("UTF-8 output")
    };
    assert!(
        run("json").starts_with("{\"type\": \"value\", \"data\": [1,\"a\",[2,3]]}\n"),
        "{}",
        run("json")
    );
    assert!(
        run("bpftrace").starts_with("1, a, (2, 3)\n"),
        "{}",
        run("bpftrace")
    );
}

#[test]
fn an_unknown_format_is_an_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(["-f", "xml", "-e", "BEGIN { exit(); }"])
        .output()
        .expect("run tine");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown output format `xml`"));
}

#[test]
fn histograms_print_as_bpftrace_prints_them() {
    prints_as_bpftrace("histograms_print_as_bpftrace_prints_them", "hist", None);
}

/// A real tracepoint run: 300 one-byte reads on each CPU, counted by comm and cpu, in a log2
/// histogram, linear ones (of step 1: bpftrace labels them `[1, 2)`), stats and a sum; the
/// expected files are bpftrace's output for the same readers.
#[test]
fn a_traced_workload_prints_as_bpftrace_prints_it() {
    let reader = common::unique_copy("dd", "tinefmtread");
    let reader = reader.display();
    let command = format!(
        "taskset -c 0 {reader} bs=1 count=300 status=none </dev/zero >/dev/null & \
         taskset -c 1 {reader} bs=1 count=300 status=none </dev/zero >/dev/null & wait"
    );
    prints_as_bpftrace(
        "a_traced_workload_prints_as_bpftrace_prints_it",
        "reads",
        Some(&command),
    );
}

/// Stacks as bpftrace lays them out: one frame a line, indented by 4 in a key (between `@[` and
/// `]: count`) and by 8 as a value, which a blank line ends, and in printf's `%s`.
#[test]
fn stacks_print_as_bpftrace_prints_them() {
    if !common::kernel_available("stacks_print_as_bpftrace_prints_them") {
        return;
    }
    let reader = common::unique_copy("dd", "tinefmtread");
    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(["-f", "bpftrace", "-c"])
        .arg(format!(
            "{} bs=1 count=1 status=none </dev/zero >/dev/null",
            reader.display()
        ))
        .arg(
            "tracepoint:syscalls:sys_enter_read /comm == \"tinefmtread\" && args->count == 1/ \
             { @[kstack] = count(); @s = kstack; printf(\"<%s>\\n\", kstack); }",
        )
        .output()
        .expect("run tine");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    let (head, value) = text
        .split_once("]: 1\n@s: \n")
        .expect("a stack key, then @s");
    let (_, key) = head
        .split_once("\n\n@[\n")
        .expect("the maps after two newlines");
    let key_frames: Vec<&str> = key.lines().collect();
    assert!(!key_frames.is_empty(), "{text}");
    for frame in &key_frames {
        assert!(
            frame.starts_with("    ") && !frame.starts_with("     "),
            "{text}"
        );
    }
    let value_frames: Vec<String> = key_frames
        .iter()
        .map(|frame| format!("        {}\n", frame.trim_start()))
        .collect();
    assert_eq!(value, format!("{}\n", value_frames.concat()));
    assert!(
        text.contains(&format!("<\n{}>\n", value_frames.concat())),
        "{text}"
    );
}

/// bpftrace's `ksym()` names the function alone, in keys, values and JSON.
#[test]
fn ksym_names_the_function_alone() {
    if !common::kernel_available("ksym_names_the_function_alone") {
        return;
    }
    let symbols = std::fs::read_to_string("/proc/kallsyms").expect("read /proc/kallsyms");
    let address = symbols
        .lines()
        .find_map(|line| line.strip_suffix(" T schedule"))
        .expect("schedule in /proc/kallsyms");
    let script = format!(
        "BEGIN {{ @k[ksym(0x{address} + 5)] = count(); @v = ksym(0x{address} + 5); exit(); }}"
    );
    let run = |style: &str| {
        let output = Command::new(env!("CARGO_BIN_EXE_tine"))
            .args(["-f", style, &script])
            .output()
            .expect("run tine");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    assert_eq!(
        run("bpftrace"),
        "Attaching 1 probe...\n\n\n@k[schedule]: 1\n@v: schedule\n"
    );
    assert_eq!(
        run("json"),
        "{\"type\": \"attached_probes\", \"data\": {\"probes\": 1}}\n\n\n\
         {\"type\": \"map\", \"data\": {\"@k\": {\"schedule\": 1}}}\n\
         {\"type\": \"map\", \"data\": {\"@v\": \"schedule\"}}\n"
    );
}

/// Records that a full ring lost are reported on standard output as they happen, as bpftrace
/// does (`Lost N events`, `{"type": "lost_events", ...}`), and add up to what the exit warning
/// counts; each record printed or lost accounts for one read.
#[test]
fn lost_events_are_reported_where_the_output_goes() {
    if !common::kernel_available("lost_events_are_reported_where_the_output_goes") {
        return;
    }
    let reader = common::unique_copy("dd", "tinefmtflood");
    let reads = 200_000;
    for (style, prefix, suffix) in [
        ("bpftrace", "Lost ", " events"),
        (
            "json",
            "{\"type\": \"lost_events\", \"data\": {\"events\": ",
            "}}",
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_tine"))
            .env("TINE_RING_PAGES", "1")
            .args(["-k", "-f", style, "-c"])
            .arg(format!(
                "{} if=/dev/zero of=/dev/null bs=1 count={reads} status=none",
                reader.display()
            ))
            .arg(
                "tracepoint:syscalls:sys_enter_read /comm == \"tinefmtflood\" && args->count == 1/ \
                 { printf(\"%s %s %s %s %s\\n\", comm, comm, comm, comm, comm); }",
            )
            .output()
            .expect("run tine");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reported: u64 = stdout
            .lines()
            .filter_map(|line| {
                line.strip_prefix(prefix)?
                    .strip_suffix(suffix)?
                    .parse::<u64>()
                    .ok()
            })
            .sum();
        let printed = stdout.matches(&["tinefmtflood"; 5].join(" ")).count() as u64;
        let warned: u64 = stderr
            .split_once("warning: lost ")
            .and_then(|(_, rest)| rest.split(' ').next()?.parse().ok())
            .expect("a warning about lost records");
        assert!(reported > 0, "{style}: {stderr}");
        assert_eq!(reported, warned, "{style}");
        assert_eq!(reported + printed, reads, "{style}");
    }
}

/// bpftrace's `-q` leaves out the "Attaching" line (its JSON too), and `-o FILE` writes the
/// output to FILE, none to standard output: the files are bpftrace 0.17's output for the
/// script without their first line.
#[test]
fn quiet_leaves_out_the_attaching_line_and_output_writes_a_file() {
    if !common::kernel_available("quiet_leaves_out_the_attaching_line_and_output_writes_a_file") {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format/maps.bt");
    let file = std::env::temp_dir().join(format!("tine-output-{}", std::process::id()));
    for (style, expected_file) in [("bpftrace", "maps.txt"), ("json", "maps.json")] {
        let output = Command::new(env!("CARGO_BIN_EXE_tine"))
            .args(["-q", "-f", style, "-o"])
            .arg(&file)
            .arg(&script)
            .output()
            .expect("run tine");
        assert!(output.status.success(), "{output:?}");
        assert_eq!(String::from_utf8_lossy(&output.stdout), "");
        let written = std::fs::read_to_string(&file).expect("read the output file");
        let whole = expected(expected_file);
        let (attaching, rest) = whole.split_once('\n').expect("a first line");
        assert!(attaching.contains("ttach"), "{attaching}");
        assert_eq!(written, rest, "-f {style}");
    }
    // A `-c` command writes to tine's standard output, not to the file.
    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(["-c", "echo from-the-command", "-o"])
        .arg(&file)
        .arg("tracepoint:syscalls:sys_enter_write / pid == $target / { @writes = count(); }")
        .output()
        .expect("run tine");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "from-the-command\n"
    );
    let written = std::fs::read_to_string(&file).expect("read the output file");
    assert_eq!(written, "\n@writes: 1\n", "{output:?}");
    std::fs::remove_file(&file).ok();
}

/// bpftrace's SIGUSR1 prints every map then and there, and tracing goes on: these are the bytes
/// bpftrace 0.17 printed for this script, sent SIGUSR1 and then SIGINT.
#[test]
fn sigusr1_prints_every_map_and_tracing_goes_on() {
    if !common::kernel_available("sigusr1_prints_every_map_and_tracing_goes_on") {
        return;
    }
    use std::io::{BufRead, BufReader, Read};
    let mut tine = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(["-f", "bpftrace"])
        .arg("BEGIN { @scalar = 5; @m[1] = 2; printf(\"ready\\n\"); }")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run tine");
    let mut out = BufReader::new(tine.stdout.take().expect("stdout"));
    let mut printed = String::new();
    let mut line_until = |printed: &mut String, last: &str| loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).expect("read") > 0, "{printed}");
        printed.push_str(&line);
        if line == last {
            break;
        }
    };
    let signal = |signal: &str| {
        let sent = Command::new("kill")
            .args([signal, &tine.id().to_string()])
            .status()
            .expect("kill");
        assert!(sent.success());
    };
    line_until(&mut printed, "ready\n");
    signal("-USR1");
    line_until(&mut printed, "@scalar: 5\n");
    signal("-INT");
    out.read_to_string(&mut printed).expect("read the rest");
    assert!(tine.wait().expect("wait").success());
    assert_eq!(
        printed,
        "Attaching 1 probe...\nready\n@m[1]: 2\n@scalar: 5\n\n\n@m[1]: 2\n@scalar: 5\n"
    );
}

/// The rows of map `name` in bpftrace's layout whose key is one stack: (its frames as printed,
/// indent and all, the count).
fn stack_rows(text: &str, name: &str) -> Vec<(Vec<String>, u64)> {
    let mut rows = Vec::new();
    let mut frames = None;
    for line in text.lines() {
        if line == format!("{name}[") {
            frames = Some(Vec::new());
        } else if let Some(count) = line.strip_prefix("]: ") {
            if let Some(frames) = frames.take() {
                rows.push((frames, count.parse().expect("a count")));
            }
        } else if let Some(frames) = frames.as_mut() {
            frames.push(line.to_string());
        }
    }
    rows.sort();
    rows
}

/// `kstack(3)` keys a map by the innermost 3 frames of each kernel stack (whole stacks that
/// share them are one key, as bpftrace's stack map of depth 3 makes them), and `kstack(perf,
/// 2)` prints 2 frames in perf's layout, `\t<address> <sym>+<offset>`, as bpftrace 0.17 does.
#[test]
fn kstack_of_n_frames_counts_each_stack_of_its_first_n_frames() {
    if !common::kernel_available("kstack_of_n_frames_counts_each_stack_of_its_first_n_frames") {
        return;
    }
    let reader = common::unique_copy("dd", "tinekstackread");
    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(["-f", "bpftrace", "-c"])
        .arg(format!(
            "{} bs=1 count=50 status=none </dev/zero >/dev/null",
            reader.display()
        ))
        .arg(
            "tracepoint:syscalls:sys_enter_read /comm == \"tinekstackread\" && args->count == 1/ \
             { @full[kstack] = count(); @three[kstack(3)] = count(); \
               @perf[kstack(perf, 2)] = count(); }",
        )
        .output()
        .expect("run tine");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    let full = stack_rows(&text, "@full");
    assert_eq!(
        full.iter().map(|(_, count)| count).sum::<u64>(),
        50,
        "{text}"
    );
    let mut cut: Vec<(Vec<String>, u64)> = Vec::new();
    for (frames, count) in &full {
        let frames = frames[..frames.len().min(3)].to_vec();
        match cut.iter_mut().find(|(known, _)| *known == frames) {
            Some((_, total)) => *total += count,
            None => cut.push((frames, *count)),
        }
    }
    cut.sort();
    assert_eq!(stack_rows(&text, "@three"), cut, "{text}");
    let perf = stack_rows(&text, "@perf");
    assert_eq!(
        perf.iter().map(|(_, count)| count).sum::<u64>(),
        50,
        "{text}"
    );
    for (frames, _) in &perf {
        assert_eq!(frames.len(), 2, "{text}");
        let mut functions = Vec::new();
        for frame in frames {
            let (address, symbol) = frame
                .strip_prefix('\t')
                .and_then(|frame| frame.split_once(' '))
                .expect("a tab, an address, then the symbol");
            assert!(u64::from_str_radix(address, 16).is_ok(), "{text}");
            // perf's layout names every frame `sym+offset`, even at offset 0.
            let (function, offset) = symbol.rsplit_once('+').expect("sym+offset");
            assert!(offset.parse::<u64>().is_ok(), "{text}");
            functions.push(function);
        }
        // The same functions as the innermost frames of a whole stack.
        let named = |(whole, _): &(Vec<String>, u64)| {
            whole.len() >= 2
                && (0..2).all(|index| {
                    let frame = whole[index].trim_start();
                    frame == functions[index]
                        || frame.starts_with(&format!("{}+", functions[index]))
                })
        };
        assert!(full.iter().any(named), "{text}");
    }
}
