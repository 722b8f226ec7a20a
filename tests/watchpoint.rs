//! bpftrace's `watchpoint:ADDRESS:LENGTH:MODE` provider: a program that writes (and reads) a
//! global variable a known number of times, watched at the variable's address from its symbol
//! table, through `-c`, `-p` and on every CPU; its spellings and refusals in a dry run.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Output, Stdio};

fn tine(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(arguments)
        .output()
        .expect("run tine")
}

/// The value of row `key` of the printed map `@` in bpftrace's layout (`@[key]: N`).
fn value(text: &str, key: &str) -> Option<u64> {
    let row = format!("@[{key}]: ");
    text.lines()
        .find_map(|line| line.strip_prefix(&row)?.trim().parse().ok())
}

#[test]
fn spellings_compile_and_bad_specs_are_refused() {
    for spec in [
        "watchpoint:0x601040:4:w",
        "w:4096:8:rw",
        "w:0x10:1:wr",
        "w:0x10:8:x",
    ] {
        let output = tine(&["-e", &format!("{spec} {{ @[comm] = count(); }}")]);
        assert_eq!(output.status.code(), Some(0), "{spec}: {output:?}");
    }
    for (spec, error) in [
        ("w:0:4:w", "is not ADDRESS:LENGTH:MODE, the address not 0"),
        ("w:0x10:3:w", "the length 1, 2, 4 or 8"),
        ("w:0x10:4:ww", "the mode must be "),
        ("w:0x10:4:wx", "the mode must be "),
        ("w:0x10:4:rwx", "the mode must be "),
        ("w:0x10:4", "is not ADDRESS:LENGTH:MODE"),
        (
            "w:main+arg0:4:w",
            "a function's argument is not supported yet",
        ),
        ("aw:main+arg0:4:w", "`aw` probes are not supported yet"),
    ] {
        let output = tine(&["-e", &format!("{spec} {{ @ = count(); }}")]);
        assert_eq!(output.status.code(), Some(1), "{spec}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(error), "{spec}: {stderr}");
    }
}

/// A program that waits for a byte on its standard input (when given a second argument), then
/// writes `counter` as many times as its first argument says, reading it back after each write;
/// and the address of `counter` (not position-independent: its address in the file is its
/// address in the process). Each test builds its own, named `name`: tests run at once.
fn writer(name: &str) -> Option<(String, String)> {
    let source = "#include <stdlib.h>\n#include <unistd.h>\n\
        volatile long counter, copy;\n\
        int main(int argc, char **argv) {\n\
          char byte;\n\
          if (argc > 2 && read(0, &byte, 1) != 1) return 1;\n\
          for (int i = 0; i < atoi(argv[1]); i++) { counter = i; copy = counter; }\n\
          return 0;\n\
        }\n";
    let program = match common::built(name, source, &["-O1", "-no-pie"]) {
        Ok(program) => program,
        Err(error) => {
            common::skip("watchpoint", error);
            return None;
        }
    };
    let symbols = Command::new("nm").arg(&program).output().expect("run nm");
    let symbols = String::from_utf8_lossy(&symbols.stdout);
    let address = symbols
        .lines()
        .find_map(
            |line| match line.split_whitespace().collect::<Vec<_>>()[..] {
                [address, _, "counter"] => Some(format!("0x{address}")),
                _ => None,
            },
        )
        .expect("counter in the symbol table");
    Some((program, address))
}

/// `-c`: the command's writes, and with `rw` its reads too; the loader's and the kernel's own
/// touches of the variable at the start (exec clears the page it is on) are the same in every
/// run, so the difference between two runs is what the loops did.
#[test]
fn the_commands_writes_and_reads_are_counted() {
    if !common::kernel_available("the_commands_writes_and_reads_are_counted") {
        return;
    }
    let Some((program, address)) = writer("tinewatch") else {
        return;
    };
    let count = |writes: u64, mode: &str| {
        let script = format!("watchpoint:{address}:8:{mode} {{ @[comm] = count(); }}");
        let command = format!("{program} {writes}");
        let output = tine(&["-f", "bpftrace", "-c", &command, &script]);
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        let text = String::from_utf8_lossy(&output.stdout);
        value(&text, "tinewatch").unwrap_or_else(|| panic!("no tinewatch: {text}"))
    };
    let (few, many) = (count(1000, "w"), count(3000, "w"));
    assert!(few >= 1000, "{few}");
    assert_eq!(many - few, 2000, "{few} then {many}");
    let (few, many) = (count(1000, "rw"), count(3000, "rw"));
    assert_eq!(many - few, 4000, "{few} then {many}");
}

/// tine running `arguments`, once its BEGIN said it traces.
fn tracing(arguments: &[&str]) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut tine = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(arguments)
        .stdout(Stdio::piped())
        .spawn()
        .expect("run tine");
    let mut stdout = BufReader::new(tine.stdout.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("ready") {
        line.clear();
        assert_ne!(stdout.read_line(&mut line).unwrap(), 0, "tine ended early");
    }
    (tine, stdout)
}

/// `-p PID`: a process already running, whose every write after tine attached is counted,
/// exactly; and no pid: every process's, on every CPU (each copy of the program its own comm).
#[test]
fn a_process_and_every_cpu_are_watched() {
    if !common::kernel_available("a_process_and_every_cpu_are_watched") {
        return;
    }
    let Some((program, address)) = writer("tinewatchp") else {
        return;
    };
    let mut waiting = Command::new(&program)
        .args(["777", "wait"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("run the writer");
    let pid = waiting.id().to_string();
    let script = format!(
        "BEGIN {{ printf(\"ready\\n\"); }} watchpoint:{address}:8:w {{ @[pid == {pid}] = count(); }}"
    );
    let (mut traced, mut stdout) = tracing(&["-f", "bpftrace", "-p", &pid, &script]);
    waiting.stdin.take().unwrap().write_all(b"x").unwrap();
    assert!(waiting.wait().unwrap().success());
    // tine ends with the process it watched.
    let mut text = String::new();
    stdout.read_to_string(&mut text).unwrap();
    assert!(traced.wait().unwrap().success(), "{text}");
    assert_eq!(value(&text, "1"), Some(777), "{text}");
    assert_eq!(value(&text, "0"), None, "{text}");

    let copy = |name: &str| {
        let path = std::path::Path::new(&program).with_file_name(name);
        std::fs::copy(&program, &path).unwrap();
        path
    };
    let (few, many) = (copy("tinewatcha"), copy("tinewatchb"));
    let script = format!(
        "BEGIN {{ printf(\"ready\\n\"); }} \
         watchpoint:{address}:8:w / comm == \"tinewatcha\" || comm == \"tinewatchb\" / \
         {{ @[comm] = count(); }}"
    );
    let (mut traced, mut stdout) = tracing(&["-f", "bpftrace", &script]);
    for (path, writes) in [(&few, "1000"), (&many, "3000")] {
        assert!(Command::new(path).arg(writes).status().unwrap().success());
    }
    // SIGINT ends tracing as Ctrl-C does.
    let stopped = Command::new("kill")
        .args(["-INT", &traced.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let mut text = String::new();
    stdout.read_to_string(&mut text).unwrap();
    assert!(traced.wait().unwrap().success(), "{text}");
    let few = value(&text, "tinewatcha").unwrap_or_else(|| panic!("{text}"));
    let many = value(&text, "tinewatchb").unwrap_or_else(|| panic!("{text}"));
    assert!(few >= 1000, "{text}");
    assert_eq!(many - few, 2000, "{text}");
}
