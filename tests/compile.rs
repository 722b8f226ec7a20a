//! The compiler: every script of the front end's accepted corpus compiles (through the real
//! providers' offline probes and lowering, as `-e` compiles, with tracepoint records typed from
//! format text by the provider), and a few scripts compile to exactly their golden listings in
//! tests/compile/. `TINE_BLESS=1` rewrites the goldens.

#[path = "lang/fake.rs"]
mod fake;

use std::fs;
use std::path::Path;

use tine::compile::Compiled;

fn compiled(source: &str, name: &str) -> Result<Compiled, String> {
    let providers = fake::providers();
    let program = tine::check(source, name, &providers, &fake::environment())
        .map_err(|diagnostics| diagnostics.to_string())?;
    fake::compile(&providers, &program)
        .map_err(|errors| tine::lang::Diagnostics::new(name, source, errors).to_string())
}

#[test]
fn every_accepted_script_compiles() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lang/accepted");
    let mut count = 0;
    let mut failures = Vec::new();
    for entry in fs::read_dir(&folder).expect("the corpus") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|extension| extension != "tine") {
            continue;
        }
        count += 1;
        let source = fs::read_to_string(&path).expect("a script");
        match compiled(&source, &path.display().to_string()) {
            Ok(compiled) => {
                for code in &compiled.probes {
                    // A program ends in exit and jumps stay inside it: the builder checked
                    // offsets; the last instruction must be the exit.
                    assert_eq!(
                        code.insns.last(),
                        Some(&tine_asm::Insn::Exit),
                        "{}",
                        path.display()
                    );
                }
            }
            Err(error) => failures.push(error),
        }
    }
    assert!(count >= 70, "only {count} scripts in the corpus");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn scripts_compile_to_their_golden_listings() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compile");
    let mut failures = Vec::new();
    let mut count = 0;
    for entry in fs::read_dir(&folder).expect("tests/compile") {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|extension| extension != "tine") {
            continue;
        }
        count += 1;
        let source = fs::read_to_string(&path).expect("a script");
        let compiled = compiled(&source, &path.display().to_string())
            .unwrap_or_else(|error| panic!("{error}"));
        let mut listing = String::new();
        for code in &compiled.probes {
            listing.push_str(&code.listing(&source));
        }
        let golden = path.with_extension("S");
        if std::env::var_os("TINE_BLESS").is_some() {
            fs::write(&golden, &listing).expect("write a golden listing");
            continue;
        }
        let expected = fs::read_to_string(&golden).unwrap_or_default();
        if expected != listing {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- actual\n{listing}",
                golden.display()
            ));
        }
    }
    assert!(count >= 5, "only {count} golden scripts");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// ply's built-ins print in its widths (proc.c): pid and kpid `%5u`, uid and gid `%4u`, cpu
/// `%2u`; the record of `print()` carries them, and `%v` and map keys share the layouts.
#[test]
fn builtins_carry_plys_print_widths() {
    use tine::compile::RecordKind;
    use tine::wire::Layout;
    let compiled = compiled(
        "BEGIN { print(pid, kpid, uid, gid, cpu, comm); }",
        "widths.tine",
    )
    .unwrap();
    let RecordKind::Print { arguments } = &compiled.records[0].kind else {
        panic!("{:?}", compiled.records);
    };
    let layouts: Vec<&Layout> = arguments.iter().map(|(layout, _)| layout).collect();
    assert_eq!(
        layouts,
        [
            &Layout::Id { width: 5 },
            &Layout::Id { width: 5 },
            &Layout::Id { width: 4 },
            &Layout::Id { width: 4 },
            &Layout::Id { width: 2 },
            &Layout::Chars(16),
        ]
    );
}

/// `kstack(N)` takes its stacks into a map whose values hold N frames (the kernel truncates and
/// hashes a stack to that size, so stacks that share their N frames share one id): one map a
/// depth, kernel and user stacks of a depth in the same one, the mode no map of its own.
#[test]
fn each_stack_depth_has_a_stack_map_of_its_size() {
    use tine::compile::Storage;
    let compiled = compiled(
        "profile:hz:99 { @a[kstack(3)] = count(); @b[ustack(perf, 3)] = count(); \
         @c[kstack(5)] = count(); @d[kstack] = count(); @e[kstack(perf)] = count(); }",
        "depths.tine",
    )
    .unwrap();
    let mut sizes: Vec<u32> = compiled
        .maps
        .iter()
        .filter(|map| map.storage == Storage::StackTrace)
        .map(|map| map.value_size)
        .collect();
    sizes.sort();
    assert_eq!(sizes, [3 * 8, 5 * 8, 127 * 8]);
    assert_eq!(compiled.stack_maps.len(), 3);
}

/// The records the tests compile against are typed by the provider from format text, as a dry
/// run types them: every field the kernel declares is there, `__syscall_nr` included.
#[test]
fn records_have_every_field_the_kernel_declares() {
    for script in [
        "tracepoint:syscalls/sys_enter_read { @[data->__syscall_nr] = count(); }",
        "tracepoint:sched/sched_process_exit { @[data->group_dead] = count(); }",
        "tracepoint:tcp/tcp_receive_reset { @[data->sock_cookie] = count(); }",
    ] {
        compiled(script, "<t>").unwrap_or_else(|error| panic!("{error}"));
    }
    // A glob over events whose records differ types each with its own record: a field that
    // some lack is an error under each of those, as when tracing.
    let glob = compiled(
        "tracepoint:syscalls/sys_enter_* { @[data->fd] = count(); }",
        "<t>",
    );
    let Err(error) = glob else {
        panic!("a field some records of a glob lack was accepted");
    };
    assert!(
        error.contains("struct sys_enter_execve * has no field `fd`"),
        "{error}"
    );
    assert!(!error.contains("sys_enter_read *"), "{error}");
}
