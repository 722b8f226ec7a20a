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
    assert!(seen >= 6, "only {seen} examples");
}
