//! Typed C memory end to end: `curtask` chains through the kernel's BTF, a struct the script
//! defines read from a test program's memory by a uprobe, `sizeof`, `offsetof` and enum
//! constants, each checked against what the program or the kernel's BTF says.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

use tine::ctypes::{NameKind, TypeSource};
use tine::kernel::btf::Btf;

/// Prints its pid, its parent's (by the getppid system call), and the C layout of `struct
/// record`, then passes a filled-in record to `tine_record`.
const PROGRAM: &str = r#"
#include <stdio.h>
#include <stddef.h>
#include <unistd.h>
#include <sys/syscall.h>
struct inner { short a; char name[8]; };
struct record { long head; struct inner in; struct record *next; unsigned int flag:1, level:3; int delta:4; int numbers[4]; };
__attribute__((noinline)) void tine_record(struct record *r) { __asm__ volatile("" ::: "memory"); }
int main(void)
{
    static struct record second = { .head = 777 };
    static struct record first = { .head = -5, .in = { .a = -3, .name = "gadget" }, .next = &second,
                                   .flag = 1, .level = 5, .delta = -3, .numbers = { 1, 2, 3, 4 } };
    printf("program %d %ld %zu %zu\n", getpid(), syscall(SYS_getppid), sizeof(struct record),
           offsetof(struct record, numbers));
    fflush(stdout);
    tine_record(&first);
    return 0;
}
"#;

/// The program, built once under a name of its own (`tinerecord`, which is its `comm`).
fn program() -> Result<&'static str, String> {
    static BUILT: OnceLock<Result<String, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let directory =
                std::env::temp_dir().join(format!("tine-ctypes-test-{}", std::process::id()));
            std::fs::create_dir_all(&directory).map_err(|error| error.to_string())?;
            let source = directory.join("record.c");
            let binary: PathBuf = directory.join("tinerecord");
            std::fs::write(&source, PROGRAM).map_err(|error| error.to_string())?;
            let output = Command::new("gcc")
                .args(["-O2", "-o"])
                .arg(&binary)
                .arg(&source)
                .output()
                .map_err(|error| format!("cannot run gcc: {error}"))?;
            if !output.status.success() {
                return Err(String::from_utf8_lossy(&output.stderr).into_owned());
            }
            Ok(binary.to_string_lossy().into_owned())
        })
        .as_deref()
        .map_err(Clone::clone)
}

fn tine(arguments: &[&str]) -> Output {
    tine_with_btf(arguments, None)
}

/// tine with `TINE_BTF` set as given, or unset (the kernel's BTF).
fn tine_with_btf(arguments: &[&str], btf: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tine"));
    command
        .args(arguments)
        .env_remove("TINE_FORCE")
        .env_remove("TINE_BTF");
    if let Some(btf) = btf {
        command.env("TINE_BTF", btf);
    }
    command.output().expect("run tine")
}

/// The words after `prefix ` on the line that starts so.
fn words(text: &str, prefix: &str) -> Vec<String> {
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{prefix} ")))
        .unwrap_or_else(|| panic!("no `{prefix}` line in:\n{text}"));
    line.split_whitespace().map(str::to_string).collect()
}

fn kernel_btf(test: &str) -> Option<Btf> {
    if !common::kernel_available(test) {
        return None;
    }
    match Btf::vmlinux() {
        Ok(btf) => Some(btf),
        Err(error) => {
            common::skip(test, format_args!("no kernel BTF: {error}"));
            None
        }
    }
}

/// `curtask->tgid` and `curtask->real_parent->tgid` are the pid and parent pid the program
/// itself printed; the script's own struct, read through a uprobe's `arg0`, holds what the
/// program wrote (a signed short, a char array, a pointer followed, bitfields, array elements), and `sizeof` and
/// `offsetof` agree with gcc's.
#[test]
fn curtask_and_a_script_struct_read_what_the_program_has() {
    if kernel_btf("curtask_and_a_script_struct_read_what_the_program_has").is_none() {
        return;
    }
    let program = match program() {
        Ok(path) => path,
        Err(reason) => {
            common::skip(
                "curtask_and_a_script_struct_read_what_the_program_has",
                reason,
            );
            return;
        }
    };
    let script = format!(
        "struct inner {{ short a; char name[8]; }};
struct record {{ long head; struct inner in; struct record *next; unsigned int flag:1, level:3; int delta:4; int numbers[4]; }};
tracepoint:syscalls:sys_enter_getppid /comm == \"tinerecord\"/ {{
    printf(\"task %d %d\\n\", curtask->tgid, curtask->real_parent->tgid);
}}
uprobe:{program}:tine_record {{
    $r = (struct record *)arg0;
    printf(\"record %d %d %s %d %d %d %d %d %d %d %d\\n\", $r->head, $r->in.a, $r->in.name,
        $r->next->head, $r->flag, $r->level, $r->delta, $r->numbers[2], $r->in.name[1],
        sizeof(struct record), offsetof(struct record, numbers));
}}"
    );
    let output = tine(&["-c", program, &script]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = words(&text, "program");
    assert_eq!(words(&text, "task"), printed[..2]);
    let record = words(&text, "record");
    let expected = ["-5", "-3", "gadget", "777", "1", "5", "-3", "3"];
    assert_eq!(record[..8], expected);
    assert_eq!(record[8], b'a'.to_string());
    assert_eq!(record[9..], printed[2..]);
}

/// `sizeof(struct task_struct)` and an enum constant are what the kernel's BTF holds.
#[test]
fn sizeof_and_enum_constants_come_from_the_kernel_btf() {
    let Some(btf) = kernel_btf("sizeof_and_enum_constants_come_from_the_kernel_btf") else {
        return;
    };
    let task = btf
        .lookup(NameKind::Struct, "task_struct")
        .expect("task_struct");
    let size = btf.size_of(task).expect("its size");
    let (_, established) = btf
        .find_enumerator("TCP_ESTABLISHED")
        .expect("enums")
        .expect("TCP_ESTABLISHED");
    let offset = btf.member(task, "tgid").expect("tgid").byte_offset();
    let output = tine(&[
        "BEGIN { printf(\"sizes %d %d %d\\n\", sizeof(struct task_struct), TCP_ESTABLISHED, \
         offsetof(struct task_struct, tgid)); exit(); }",
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert_eq!(
        words(&text, "sizes"),
        [
            size.to_string(),
            established.to_string(),
            offset.to_string()
        ]
    );
}

/// A tracepoint's `struct __kernel_timespec *rqtp` is typed through the kernel's BTF: its
/// members read what `sleep 1.25` asked for.
#[test]
fn a_tracepoint_pointer_field_is_typed_through_btf() {
    if kernel_btf("a_tracepoint_pointer_field_is_typed_through_btf").is_none() {
        return;
    }
    let sleeper = common::unique_copy("sleep", "tinesleeper");
    let command = format!("{} 1.25", sleeper.display());
    let output = tine(&[
        "-c",
        &command,
        "tracepoint:syscalls:sys_enter_clock_nanosleep /comm == \"tinesleeper\"/ { \
         printf(\"asked %d %d\\n\", args->rqtp->tv_sec, args->rqtp->tv_nsec); }",
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(words(&text, "asked"), ["1", "250000000"]);
}

/// As bpftrace's tools expect, `BPFTRACE_HAVE_BTF` is defined when the kernel has BTF: the
/// script's fallback definition is skipped and the kernel's type used; with no BTF
/// (`TINE_BTF=none`) the script's own definition is.
#[test]
fn a_script_definition_stands_in_where_there_is_no_btf() {
    let Some(btf) = kernel_btf("a_script_definition_stands_in_where_there_is_no_btf") else {
        return;
    };
    let task = btf
        .lookup(NameKind::Struct, "task_struct")
        .expect("task_struct");
    let size = btf.size_of(task).expect("its size");
    let script = "#ifndef BPFTRACE_HAVE_BTF\nstruct task_struct { int pid; int tgid; };\n#endif\n\
                  BEGIN { printf(\"size %d\\n\", sizeof(struct task_struct)); exit(); }";
    for (btf, expected) in [(None, size), (Some("none"), 8)] {
        let output = tine_with_btf(&[script], btf);
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{text}");
        assert_eq!(
            words(&text, "size"),
            [expected.to_string()],
            "TINE_BTF={btf:?}"
        );
    }
}

/// Comparisons of `->` chains compile however long the chains (one register each, lent by
/// the value being computed; three hops and a compare ran out of registers before), as a map
/// key and as printf arguments: read on the `-c` command's own syscall, whose parent is tine.
#[test]
fn comparisons_of_long_chains_read_the_task() {
    if kernel_btf("comparisons_of_long_chains_read_the_task").is_none() {
        return;
    }
    let script = "tracepoint:syscalls:sys_enter_clock_nanosleep / pid == cpid / {
        @[curtask->real_parent->tgid == curtask->real_parent->real_parent->tgid,
          curtask->mm->mmap_base > 0] = count();
        printf(\"chain %d %d\\n\", curtask->real_parent->tgid,
               curtask->real_parent->real_parent->real_parent->tgid >= 0);
    }";
    let child = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(["-c", "sleep 0.1", script])
        .env_remove("TINE_FORCE")
        .env_remove("TINE_BTF")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start tine");
    let tine = child.id().to_string();
    let output = child.wait_with_output().expect("run tine");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert_eq!(words(&text, "chain"), [tine.as_str(), "1"], "{text}");
    assert!(text.contains("{ 0, 1 }: 1\n"), "{text}");
}
