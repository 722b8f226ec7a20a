//! Every script in examples/ runs for real on a small workload and prints what it is for.

mod common;

use std::process::Command;

fn run(example: &str) -> String {
    let path = format!("{}/examples/{example}", env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(["-c", "cat /etc/hostname >/dev/null; sleep 0.3", &path])
        .output()
        .expect("run tine");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{example}: {stderr}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn every_example_runs_and_shows_its_answer() {
    if !common::kernel_available("every_example_runs_and_shows_its_answer") {
        return;
    }
    let mut seen = 0;
    for entry in
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/examples")).expect("examples/")
    {
        let name = entry
            .expect("an entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if !name.ends_with(".tine") {
            continue;
        }
        seen += 1;
        let out = run(&name);
        let expected = match name.as_str() {
            "execsnoop.tine" => "/usr/bin/cat",
            "execsnoop-book.tine" => " 0 cat /etc/hostname\n",
            "opensnoop.tine" => "/etc/hostname",
            "readsize.tine" | "readlatency.tine" => "┤",
            "syscount.tine" => "{ cat ",
            "cpuprofile.tine" => "\n@:\n",
            other => panic!("examples/{other} has no expectation here"),
        };
        assert!(
            out.contains(expected),
            "{name} printed no {expected:?}:\n{out}"
        );
    }
    assert!(seen >= 7, "only {seen} examples");
}

/// The book's execsnoop: its header, then `cat`'s row with the shell that ran it as its parent
/// (the shell's own row, first, has its pid), exec's 0, and the arguments; with an argument, a
/// TIME(s) column first, in seconds with milliseconds.
#[test]
fn the_books_execsnoop_prints_parent_result_and_arguments() {
    if !common::kernel_available("the_books_execsnoop_prints_parent_result_and_arguments") {
        return;
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/execsnoop-book.tine");
    for timed in [false, true] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tine"));
        command.args(["-c", "cat /etc/hostname >/dev/null; true", path]);
        if timed {
            command.arg("-t");
        }
        let output = command.output().expect("run tine");
        let text = String::from_utf8_lossy(&output.stdout);
        assert_eq!(output.status.code(), Some(0), "{text}");
        let rows: Vec<Vec<&str>> = text
            .lines()
            .map(|line| line.split_whitespace().collect())
            .collect();
        let skip = usize::from(timed);
        let header = ["PCOMM", "PID", "PPID", "RET", "ARGS"];
        assert_eq!(rows[0][skip..], header, "{text}");
        let shell = &rows[1];
        let cat = rows
            .iter()
            .find(|row| row.get(skip) == Some(&"cat"))
            .unwrap_or_else(|| panic!("no cat row:\n{text}"));
        assert_eq!(
            cat[skip + 2],
            shell[skip + 1],
            "cat's parent is the shell: {text}"
        );
        assert_eq!(cat[skip + 3..], ["0", "cat", "/etc/hostname"], "{text}");
        if timed {
            let (seconds, millis) = cat[0].split_once('.').expect("seconds.millis");
            assert!(
                seconds.parse::<u64>().is_ok() && millis.len() == 3,
                "{text}"
            );
        }
    }
}
