//! `tine -l [GLOB]` and `-lv`, bpftrace's listing of probes: what is listed is checked against
//! what the system itself says (tracefs' available_events and format files, `nm` of a program
//! built here, the kernel's BTF), never against a list written down for this machine.

mod common;

use std::process::{Command, Output};

use tine::kernel::tracefs::Tracefs;

fn tine(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(arguments)
        .output()
        .expect("run tine")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// tracefs, when this test may read it.
fn tracefs(test: &str) -> Option<Tracefs> {
    if !common::kernel_available(test) {
        return None;
    }
    match Tracefs::find() {
        Ok(tracefs) => Some(tracefs),
        Err(error) => {
            common::skip(test, format_args!("no tracefs: {error}"));
            None
        }
    }
}

/// tracefs' events (`group:event`) that start with `prefix`, sorted, each as `-l` prints it.
fn events(tracefs: &Tracefs, prefix: &str, separator: &str) -> String {
    let text = std::fs::read_to_string(tracefs.root().join("available_events")).unwrap();
    let mut events: Vec<String> = text
        .lines()
        .filter(|line| line.starts_with(prefix))
        .map(|line| format!("tracepoint:{}\n", line.replacen(':', separator, 1)))
        .collect();
    events.sort();
    events.concat()
}

/// A tracepoint glob lists exactly the events tracefs has, in bpftrace's spelling or ply's
/// as written; bpftrace's `tracepoint:EVENT` and a bare `EVENT` glob look in every group.
#[test]
fn a_tracepoint_glob_lists_exactly_the_events_tracefs_has() {
    let Some(tracefs) = tracefs("a_tracepoint_glob_lists_exactly_the_events_tracefs_has") else {
        return;
    };
    let expected = events(&tracefs, "syscalls:sys_enter_read", ":");
    assert!(expected.lines().count() > 1, "{expected}");
    for glob in [
        "tracepoint:syscalls:sys_enter_read*",
        "t:syscalls:sys_enter_read*",
        "tracepoint:sys_enter_read*",
        "t*:syscalls:sys_enter_read*",
        "sys_enter_read*",
    ] {
        let output = tine(&["-l", glob]);
        assert_eq!(output.status.code(), Some(0), "{glob}: {}", stderr(&output));
        assert_eq!(stdout(&output), expected, "{glob}");
    }
    let output = tine(&["-l", "tracepoint:syscalls/sys_enter_read*"]);
    assert_eq!(
        stdout(&output),
        events(&tracefs, "syscalls:sys_enter_read", "/")
    );
    let output = tine(&["--list", "tracepoint:syscalls:sys_enter_read"]);
    assert_eq!(stdout(&output), "tracepoint:syscalls:sys_enter_read\n");
}

/// `-l` alone lists every tracepoint tracefs has (and not ftrace's own records, which have no
/// id), each once, with the software and hardware events.
#[test]
fn a_bare_listing_has_every_tracepoint_once() {
    let Some(tracefs) = tracefs("a_bare_listing_has_every_tracepoint_once") else {
        return;
    };
    let output = tine(&["-l"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let tracepoints: String = text
        .lines()
        .filter(|line| line.starts_with("tracepoint:"))
        .map(|line| format!("{line}\n"))
        .collect();
    assert_eq!(tracepoints, events(&tracefs, "", ":"));
    for provider in ["software:", "hardware:"] {
        assert!(
            text.lines().any(|line| line.starts_with(provider)),
            "{provider}"
        );
    }
    assert_eq!(stdout(&tine(&["-l", "*"])), text);
}

/// `-lv` (and `-l -v`, `-l GLOB -v`) prints each event's own fields as its format file declares
/// them, the common ones left out; `-v` before `-l` is ply's: the version.
#[test]
fn a_verbose_listing_prints_a_tracepoints_fields() {
    let Some(tracefs) = tracefs("a_verbose_listing_prints_a_tracepoints_fields") else {
        return;
    };
    let format = tracefs.event_format("syscalls", "sys_enter_read").unwrap();
    let mut expected = "tracepoint:syscalls:sys_enter_read\n".to_string();
    for line in format.split_once("\n\n").unwrap().1.lines() {
        if let Some(field) = line.strip_prefix("\tfield:") {
            expected += &format!("    {}\n", field.split(';').next().unwrap());
        }
    }
    // read(2)'s arguments, after the syscall's number.
    let names: Vec<&str> = expected
        .lines()
        .skip(1)
        .map(|line| line.rsplit(' ').next().unwrap())
        .collect();
    assert_eq!(names, ["__syscall_nr", "fd", "buf", "count"], "{expected}");
    let glob = "tracepoint:syscalls:sys_enter_read";
    for arguments in [
        &["-lv", glob][..],
        &["-l", "-v", glob],
        &["-l", glob, "-v"],
        &["--list", "-v", glob],
    ] {
        let output = tine(arguments);
        assert_eq!(output.status.code(), Some(0), "{arguments:?}");
        assert_eq!(stdout(&output), expected, "{arguments:?}");
    }
    assert!(stdout(&tine(&["-v", "-l", glob])).starts_with("tine "));
}

const FUNCTIONS_SOURCE: &str = r#"
__attribute__((noinline)) int tine_list_alpha(int n) { __asm__ volatile("" ::: "memory"); return n + 1; }
__attribute__((noinline)) static int tine_list_beta(int n) { __asm__ volatile("" ::: "memory"); return n * 2; }
int tine_list_alias(int n) __attribute__((alias("tine_list_alpha")));
int main(int argc, char **argv) { return tine_list_alpha(argc) + tine_list_beta(argc); }
"#;

/// The function symbols `nm` finds in `path` whose names start with `prefix`, sorted.
fn nm_functions(path: &str, prefix: &str) -> Vec<String> {
    let output = Command::new("nm")
        .args(["--defined-only", path])
        .output()
        .expect("run nm");
    let mut names: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let kind = fields.nth(1)?;
            let name = fields.next()?;
            (matches!(kind, "T" | "t") && name.starts_with(prefix)).then(|| name.to_string())
        })
        .collect();
    names.sort();
    names
}

/// A program's functions, as `nm` sees them, aliases included, under the path as written; a
/// name that is no function lists nothing, a missing file is an error.
#[test]
fn a_uprobe_glob_lists_a_programs_functions() {
    let path = common::built("listing", FUNCTIONS_SOURCE, &["-O2"]).unwrap();
    let functions = nm_functions(&path, "tine_list_");
    assert_eq!(functions.len(), 3, "{functions:?}");
    for provider in ["uprobe", "uretprobe"] {
        let output = tine(&["-l", &format!("{provider}:{path}:tine_list_*")]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let expected: String = functions
            .iter()
            .map(|name| format!("{provider}:{path}:{name}\n"))
            .collect();
        assert_eq!(stdout(&output), expected);
    }
    let output = tine(&["-l", &format!("u:{path}:tine_list_beta")]);
    assert_eq!(stdout(&output), format!("uprobe:{path}:tine_list_beta\n"));
    // A path through a link is listed as written, as bpftrace lists `/bin/bash`.
    let link = format!("{path}-link");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&path, &link).unwrap();
    let output = tine(&["-l", &format!("uprobe:{link}:tine_list_b*")]);
    assert_eq!(stdout(&output), format!("uprobe:{link}:tine_list_beta\n"));
    // A path is a binary's: a glob over providers looks in uprobes.
    let output = tine(&["-l", &format!("*:{path}:tine_list_a*")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 2, "{}", stdout(&output));
    let output = tine(&["-l", &format!("uprobe:{path}:no_such_function")]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "");
    let output = tine(&["-l", &format!("uprobe:{path}.missing:*")]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with("error: "),
        "{}",
        stderr(&output)
    );
}

/// The software and hardware events, each `provider:EVENT:` as bpftrace prints them, sorted;
/// a glob takes the events it matches.
#[test]
fn software_and_hardware_events_are_listed() {
    use tine::provider::hardware::HARDWARE_EVENTS;
    use tine::provider::software::SOFTWARE_EVENTS;
    for (provider, events) in [
        ("software", &SOFTWARE_EVENTS),
        ("hardware", &HARDWARE_EVENTS),
    ] {
        let mut expected: Vec<String> = events
            .names
            .split(' ')
            .map(|name| format!("{provider}:{name}:\n"))
            .collect();
        expected.sort();
        let output = tine(&["-l", &format!("{provider}:*")]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(stdout(&output), expected.concat());
        let short = &provider[..1];
        let output = tine(&["-l", &format!("{short}:*-faults")]);
        let faults: String = expected
            .iter()
            .filter(|line| line.ends_with("-faults:\n"))
            .map(String::as_str)
            .collect();
        assert_eq!(stdout(&output), faults);
    }
    assert_eq!(
        stdout(&tine(&["-l", "software:cpu-clock:100"])),
        "software:cpu-clock:\n"
    );
}

/// What bpftrace lists nothing for lists nothing and succeeds; a provider that does not exist
/// is an error (bpftrace 0.17 aborts there), as is a second GLOB.
#[test]
fn nothing_matched_is_empty_and_an_unknown_provider_an_error() {
    if tracefs("nothing_matched_is_empty_and_an_unknown_provider_an_error").is_none() {
        return;
    }
    for glob in [
        "tracepoint:tine_no_group*:*",
        "tracepoint:syscalls:tine_no_event",
        "software:tine*",
        "kfunc:tine_module:*",
    ] {
        let output = tine(&["-l", glob]);
        assert_eq!(output.status.code(), Some(0), "{glob}: {}", stderr(&output));
        assert_eq!(stdout(&output), "", "{glob}");
    }
    let output = tine(&["-l", "tinefoo:bar"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "error: unknown provider `tinefoo`\n");
    let output = tine(&["-l", "tracepoint:a:b", "c"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).starts_with("error: -l takes one GLOB\n"));
}

/// kfunc's functions are the kernel's BTF functions ftrace can patch, `kfunc:vmlinux:NAME`;
/// kprobes are listed where the kernel has them and refused where it has none.
#[test]
fn kernel_functions_are_listed_from_btf_and_the_kernels_listing() {
    let test = "kernel_functions_are_listed_from_btf_and_the_kernels_listing";
    let Some(tracefs) = tracefs(test) else {
        return;
    };
    if std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
        let output = tine(&["-l", "kfunc:vfs_rea?"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(
            stdout(&output)
                .lines()
                .any(|line| line == "kfunc:vmlinux:vfs_read"),
            "{}",
            stdout(&output)
        );
        assert_eq!(
            stdout(&tine(&["-l", "kfunc:vmlinux:vfs_rea?"])),
            stdout(&output)
        );
    } else {
        common::skip(test, "no kernel BTF");
    }
    let output = tine(&["-l", "kprobe:vfs_rea?"]);
    let kprobes = std::path::Path::new("/sys/bus/event_source/devices/kprobe").exists()
        || tracefs.root().join("kprobe_events").exists();
    if kprobes {
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert!(stdout(&output)
            .lines()
            .any(|line| line == "kprobe:vfs_read"));
    } else {
        assert_eq!(output.status.code(), Some(1));
        assert!(
            stderr(&output).contains("this kernel has no kprobes"),
            "{}",
            stderr(&output)
        );
    }
}
