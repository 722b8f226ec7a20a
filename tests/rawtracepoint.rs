//! bpftrace's `rawtracepoint:NAME` (`rt:`) provider: a program that makes a known number of
//! getpid calls is counted by `rawtracepoint:sys_enter` with `arg1` (the syscall number) as
//! `tracepoint:raw_syscalls:sys_enter` counts it with `data->id`, and the kernel's refusals read
//! clearly.

mod common;

use std::process::{Command, Output};

fn tine(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(arguments)
        .output()
        .expect("run tine")
}

/// The value of row `key` of printed map `map`, in bpftrace's layout (`@map[key]: N`).
fn value(text: &str, map: &str, key: &str) -> Option<u64> {
    let row = format!("@{map}[{key}]: ");
    text.lines()
        .find_map(|line| line.strip_prefix(&row)?.trim().parse().ok())
}

#[test]
fn both_spellings_compile_in_a_dry_run_and_a_glob_is_refused() {
    for script in [
        "rawtracepoint:sched_switch { @[arg0, arg11] = count(); }",
        "rt:sched:sched_switch { @ = count(); }",
        "rt:sys_enter / arg1 == 39 / { @ = count(); }",
    ] {
        let output = tine(&["-e", script]);
        assert_eq!(output.status.code(), Some(0), "{script}: {output:?}");
    }
    for (script, error) in [
        (
            "rt:sched_* { @ = count(); }",
            "name one tracepoint, without a glob",
        ),
        ("rt:sys_enter { @ = arg12; }", "arg12"),
    ] {
        let output = tine(&["-e", script]);
        assert_eq!(output.status.code(), Some(1), "{script}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(error), "{script}: {stderr}");
    }
}

/// Every syscall of the program, and its getpid calls alone, counted by both probes in one run.
#[test]
fn sys_enter_counts_each_syscall_and_arg1_is_its_number() {
    if !common::kernel_available("sys_enter_counts_each_syscall_and_arg1_is_its_number") {
        return;
    }
    let calls = 1234;
    let source = format!(
        "#include <unistd.h>\n#include <sys/syscall.h>\n\
         int main(void) {{ for (int i = 0; i < {calls}; i++) syscall(SYS_getpid); return 0; }}\n"
    );
    let program = match common::built("tinegetpids", &source, &["-O2"]) {
        Ok(program) => program,
        Err(error) => return common::skip("sys_enter_counts_each_syscall", error),
    };
    let getpid = libc::SYS_getpid;
    let script = format!(
        "rawtracepoint:sys_enter / comm == \"tinegetpids\" / {{ @raw[arg1 == {getpid}] = count(); }} \
         tracepoint:raw_syscalls:sys_enter / comm == \"tinegetpids\" / \
         {{ @tp[data->id == {getpid}] = count(); }}"
    );
    let output = tine(&["-f", "bpftrace", "-c", &program, &script]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(value(&text, "raw", "1"), Some(calls), "{text}");
    let others = value(&text, "raw", "0");
    assert!(others.is_some_and(|others| others > 0), "{text}");
    assert_eq!(others, value(&text, "tp", "0"), "{text}");
    assert_eq!(value(&text, "tp", "1"), Some(calls), "{text}");
}

/// A tracepoint the kernel lacks, and an argument past a tracepoint's last, are named.
#[test]
fn the_kernels_refusals_name_the_tracepoint() {
    if !common::kernel_available("the_kernels_refusals_name_the_tracepoint") {
        return;
    }
    for (script, error) in [
        (
            "rt:tine_no_such_event { @ = count(); }",
            "this kernel has no tracepoint `tine_no_such_event`",
        ),
        // sched_switch passes four arguments.
        (
            "rt:sched_switch { @ = arg9; }",
            "the probe reads an argN past the arguments of tracepoint `sched_switch`",
        ),
    ] {
        let output = tine(&[script]);
        assert_eq!(output.status.code(), Some(1), "{script}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(error), "{script}: {stderr}");
    }
}
