//! fentry/fexit (bpftrace's kfunc/kretfunc): every spelling in a dry run typed from the kernel's
//! BTF, the refusals, and a real attach where the kernel lets tracing programs trace. Exact counts
//! from a workload in a guest with BPF trampolines: tests/vm/cases/38-fentry-fexit.sh.

mod common;

use std::process::{Command, Output};

fn tine(arguments: &[&str], btf: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tine"));
    if let Some(btf) = btf {
        command.env("TINE_BTF", btf);
    }
    command.args(arguments).output().expect("run tine")
}

const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

fn has_btf(test: &str) -> bool {
    let present = std::path::Path::new(VMLINUX).exists();
    if !present {
        common::skip(test, "this kernel has no BTF");
    }
    present
}

/// Each provider name and alias compiles, `args->` and `args.` alike, through a chain of the
/// kernel's types; `retval` only in fexit.
#[test]
fn every_spelling_compiles_typed_from_btf() {
    if !has_btf("every_spelling_compiles_typed_from_btf") {
        return;
    }
    let body = "{ @[comm, func] = count(); @n = sum(args->count); @m = sum(args.count); \
                @i = max(args->file->f_inode->i_ino); }";
    for provider in ["fentry", "kfunc", "f", "fexit", "kretfunc", "fr"] {
        let script = format!("{provider}:vfs_read {body}");
        let output = tine(&["-e", &script], None);
        assert_eq!(output.status.code(), Some(0), "{script}: {output:?}");
    }
    for provider in ["fexit", "kretfunc", "fr"] {
        let script = format!("{provider}:vmlinux:vfs_read {{ @ = sum(retval); }}");
        let output = tine(&["-e", &script], None);
        assert_eq!(output.status.code(), Some(0), "{script}: {output:?}");
    }
    let output = tine(&["-e", "fentry:vfs_read { @ = sum(retval); }"], None);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("`retval`"), "{error}");
    let output = tine(&["-e", "fentry:vfs_read { @ = sum(args->cuont); }"], None);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("cuont"), "{error}");
}

/// `probe` names the provider as the script did where that is a bpftrace name, as bpftrace
/// prints it (`kretfunc` for `fr`), and `fentry`/`fexit` otherwise.
#[test]
fn probe_reads_the_provider_as_bpftrace_names_it() {
    if !has_btf("probe_reads_the_provider_as_bpftrace_names_it") {
        return;
    }
    for (provider, named) in [
        ("fentry", "fentry"),
        ("f", "fentry"),
        ("kfunc", "kfunc"),
        ("fexit", "fexit"),
        ("kretfunc", "kretfunc"),
        ("fr", "kretfunc"),
    ] {
        let script = format!("{provider}:vfs_read {{ printf(\"%s\\n\", probe); }}");
        let output = tine(&["-e", "-S", &script], None);
        let dump = String::from_utf8_lossy(&output.stdout);
        assert!(
            dump.contains(&format!("string \"{named}:vfs_read\"")),
            "{script}: {output:?}"
        );
    }
}

/// A function BTF does not have, a kernel without BTF: each refused with the kprobe spelling.
#[test]
fn refusals_name_the_kprobe_spelling() {
    if !has_btf("refusals_name_the_kprobe_spelling") {
        return;
    }
    let output = tine(
        &["-e", "kfunc:no_such_function_here { @ = count(); }"],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("has no function `no_such_function_here`")
            && error.contains("use kprobe:no_such_function_here"),
        "{error}"
    );
    let output = tine(&["-e", "fexit:vfs_read { @ = count(); }"], Some("none"));
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains("need the kernel's BTF") && error.contains("use kretprobe:vfs_read"),
        "{error}"
    );
}

/// Reads counted by fentry and fexit on vfs_read, by the bytes asked (`args->count`) and read
/// (`retval`): dd's 100 reads of /dev/zero ask for 1234 bytes and get them (the loader's reads
/// of its libraries have other sizes). This machine's kernel refuses tracing programs after
/// verifying them (EPERM, bpftrace's kfunc too): there tine must say so, not count nothing.
#[test]
fn reads_are_counted_with_their_sizes() {
    let test = "reads_are_counted_with_their_sizes";
    if !common::kernel_available(test) || !has_btf(test) {
        return;
    }
    let reader = common::unique_copy("dd", "tinefentry");
    let workload = format!(
        "{} if=/dev/zero of=/dev/null bs=1234 count=100 status=none",
        reader.display()
    );
    let script = "fentry:vfs_read / comm == \"tinefentry\" / { @asked[args->count] = count(); } \
                  fexit:vfs_read / comm == \"tinefentry\" / { @read[retval] = count(); }";
    let output = tine(&["-c", &workload, script], None);
    let text = String::from_utf8_lossy(&output.stdout);
    let error = String::from_utf8_lossy(&output.stderr);
    if error.contains("the kernel refuses to trace this function") {
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        assert!(text.is_empty(), "{text}");
        eprintln!("{test}: this kernel refuses fentry: {error}");
        return;
    }
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let rows = text.lines().filter(|row| row.trim() == "{ 1234 }: 100");
    assert_eq!(rows.count(), 2, "{text}");
}
