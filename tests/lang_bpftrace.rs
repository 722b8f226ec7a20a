//! bpftrace's built-ins that tine types: `time()`, `strftime()`, `elapsed`, `func` on uprobes,
//! `kaddr()`, and its number literals, as sema types them and as it refuses their misuses.

#[path = "lang/fake.rs"]
mod fake;

use tine::sema::program::{ExprKind, Stmt, StmtKind};
use tine::sema::types::U64;
use tine::sema::{Builtin, Function, Program, Type};

fn check(source: &str) -> Program {
    match tine::check(source, "<t>", &fake::providers(), &fake::environment()) {
        Ok(program) => program,
        Err(diagnostics) => panic!("{diagnostics}"),
    }
}

fn refused(source: &str) -> String {
    match tine::check(source, "<t>", &fake::providers(), &fake::environment()) {
        Ok(program) => panic!("accepted: {source}\n{program:?}"),
        Err(diagnostics) => diagnostics.to_string(),
    }
}

fn statement(program: &Program, index: usize) -> &Stmt {
    &program.probes[0].body[index]
}

/// The function and type of the expression statement `index` of the first probe.
fn call(program: &Program, index: usize) -> (Function, Type) {
    match &statement(program, index).kind {
        StmtKind::Expr(expr) => match &expr.kind {
            ExprKind::Call { function, .. } => (function.clone(), expr.ty.clone()),
            other => panic!("not a call: {other:?}"),
        },
        other => panic!("not an expression: {other:?}"),
    }
}

#[test]
fn time_is_a_statement_with_a_format_or_bpftraces_default() {
    let program = check("BEGIN { time(\"%H:%M:%S \"); time(); }");
    assert_eq!(
        call(&program, 0),
        (
            Function::Time {
                format: "%H:%M:%S ".into()
            },
            Type::Void
        )
    );
    assert_eq!(
        call(&program, 1).0,
        Function::Time {
            format: "%H:%M:%S\n".into()
        }
    );
    // ply's `time()` as a value is still the monotonic clock.
    let program = check("BEGIN { @t = time(); }");
    assert_eq!(program.maps[0].value, Type::Time);
}

#[test]
fn time_refuses_what_is_not_one_format_literal() {
    let message = refused("BEGIN { time(comm); }");
    assert!(
        message.contains("time's format must be a string literal"),
        "{message}"
    );
    let message = refused("BEGIN { time(\"a\", \"b\"); }");
    assert!(message.contains("at most one format string"), "{message}");
    let message = refused("BEGIN { @x = time(\"%H\"); }");
    assert!(
        message.contains("`time(format)` is a statement"),
        "{message}"
    );
}

#[test]
fn strftime_is_nanoseconds_typed_by_their_format() {
    let program = check("kprobe:f { printf(\"%s\\n\", strftime(\"%H:%M:%S.%f\", nsecs)); @[strftime(\"%H\", nsecs)] = count(); }");
    let StmtKind::Expr(printf) = &statement(&program, 0).kind else {
        panic!("no printf");
    };
    let ExprKind::Call { arguments, .. } = &printf.kind else {
        panic!("no call");
    };
    assert_eq!(arguments[0].ty, Type::Strftime("%H:%M:%S.%f".into()));
    assert!(matches!(
        &arguments[0].kind,
        ExprKind::Call {
            function: Function::Strftime,
            arguments
        } if arguments[0].kind == ExprKind::Builtin(Builtin::Nsecs)
    ));
    let key = program.maps[0].key.as_ref().expect("a key");
    assert_eq!(key.fields[0].ty, Type::Strftime("%H".into()));
    assert_eq!(key.size, 8);
}

#[test]
fn strftime_refuses_a_format_that_is_not_a_literal_and_a_time_that_is_not_a_number() {
    let message = refused("kprobe:f { print(strftime(comm, nsecs)); }");
    assert!(
        message.contains("strftime's format must be a string literal"),
        "{message}"
    );
    let message = refused("kprobe:f { print(strftime(\"%H\", comm)); }");
    assert!(
        message.contains("strftime() takes nanoseconds, not char[16]"),
        "{message}"
    );
    let message = refused("kprobe:f { print(strftime(\"%H\")); }");
    assert!(
        message.contains("`strftime()` takes a format string and nanoseconds, 1 given"),
        "{message}"
    );
}

#[test]
fn elapsed_is_nanoseconds_since_the_start() {
    let program = check("kprobe:f { @ = elapsed / 1e6; }");
    let StmtKind::MapStore { value, .. } = &statement(&program, 0).kind else {
        panic!("no store");
    };
    let ExprKind::Binary { left, right, .. } = &value.kind else {
        panic!("not a division: {value:?}");
    };
    assert_eq!(
        (&left.kind, &left.ty),
        (&ExprKind::Builtin(Builtin::Elapsed), &U64)
    );
    assert_eq!(right.kind, ExprKind::Int(1_000_000));
}

/// The string constant a probe's first statement `print(x)` prints.
fn printed_string(program: &Program, probe: usize) -> String {
    let StmtKind::Expr(print) = &program.probes[probe].body[0].kind else {
        panic!("no print");
    };
    let ExprKind::Call { arguments, .. } = &print.kind else {
        panic!("no call");
    };
    match &arguments[0].kind {
        ExprKind::Str(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        other => panic!("not a string constant: {other:?}"),
    }
}

#[test]
fn func_in_a_uprobe_is_the_function_its_spec_names() {
    let program = check("uprobe:/bin/sh:main, uretprobe:libc:malloc { print(func); }");
    assert_eq!(printed_string(&program, 0), "main");
    assert_eq!(printed_string(&program, 1), "malloc");
    // A kprobe's is read at run time (bpf_get_func_ip), a kernel address.
    let program = check("kprobe:vfs_read { print(func); }");
    let StmtKind::Expr(print) = &statement(&program, 0).kind else {
        panic!("no print");
    };
    let ExprKind::Call { arguments, .. } = &print.kind else {
        panic!("no call");
    };
    assert_eq!(arguments[0].ty, Type::KernelAddress);
}

#[test]
fn func_is_refused_where_no_function_is_probed() {
    for script in [
        "tracepoint:sched/sched_switch { print(func); }",
        "uprobe:/bin/sh:0x1000 { print(func); }",
        "BEGIN { print(func); }",
    ] {
        let message = refused(script);
        assert!(
            message.contains("`func` is the function a kprobe or uprobe is in"),
            "{script}: {message}"
        );
    }
}

#[test]
fn kaddr_is_the_symbols_address_and_an_integer_address_reads_a_u64() {
    // The dry run's providers read no symbol table: every symbol is at 0.
    let program = check("BEGIN { $a = kaddr(\"avenrun\"); @ = *($a + 8); }");
    let StmtKind::ScratchStore { value, .. } = &statement(&program, 0).kind else {
        panic!("no store");
    };
    assert_eq!((&value.kind, &value.ty), (&ExprKind::Int(0), &U64));
    assert_eq!(program.maps[0].value, U64);
    let message = refused("BEGIN { @ = kaddr(comm); }");
    assert!(
        message.contains("kaddr's symbol must be a string literal"),
        "{message}"
    );
    let message = refused("BEGIN { @ = *pid; }");
    assert!(message.contains("cannot dereference pid"), "{message}");
}

/// A variable whose assignment failed is reported there once, not again at every use (the
/// tool loads.bt, on a kernel whose kallsyms lacks `avenrun`, got one error and nine about
/// variables "only assigned from themselves"); a variable really assigned only from itself is
/// still reported.
#[test]
fn a_failed_assignment_is_one_error_not_one_per_use() {
    let message = refused("BEGIN { $a = kaddr(comm); @x = *$a; @y = *($a + 8); }");
    assert_eq!(message.matches("error:").count(), 1, "{message}");
    assert!(message.contains("kaddr's symbol"), "{message}");
    let message = refused("BEGIN { $b = $b + 1; }");
    assert!(message.contains("`$b` has no type"), "{message}");
}

#[test]
fn number_literals_take_exponents_and_separators() {
    for (literal, value) in [
        ("1e6", 1_000_000u64),
        ("2e4", 20_000),
        ("1_000_000", 1_000_000),
        ("1_0e1_0", 100_000_000_000),
        ("0", 0),
    ] {
        let program = check(&format!("BEGIN {{ @ = {literal}; }}"));
        let StmtKind::MapStore { value: stored, .. } = &statement(&program, 0).kind else {
            panic!("no store");
        };
        assert_eq!(stored.kind, ExprKind::Int(value), "{literal}");
    }
    let message = refused("BEGIN { @ = 1e; }");
    assert!(message.contains("`1e` is not a number"), "{message}");
    let message = refused("BEGIN { @ = 1e20; }");
    assert!(
        message.contains("`1e20` does not fit in 64 bits"),
        "{message}"
    );
}

/// `join(argv)` is a statement with a space between the strings; `join(argv, sep)` takes the
/// separator, a literal; what is not an address, or a separator that is not a literal, is refused.
#[test]
fn join_takes_an_address_and_a_literal_separator() {
    let program = check("BEGIN { join(1234); join(1234, \",\"); }");
    let separator = |index| match call(&program, index) {
        (Function::Join { separator }, Type::Void) => separator,
        other => panic!("not a join: {other:?}"),
    };
    assert_eq!((separator(0), separator(1)), (" ".into(), ",".into()));
    let message = refused("BEGIN { join(comm); }");
    assert!(message.contains("join() needs the address"), "{message}");
    let message = refused("BEGIN { join(1234, comm); }");
    assert!(
        message.contains("join's separator must be a string literal"),
        "{message}"
    );
}
