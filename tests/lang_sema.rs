//! sema's contract with the compiler: resolved meanings, exact key layouts, map kinds, and the
//! C typing rules, asserted on the typed program itself.

#[path = "lang/fake.rs"]
mod fake;

use tine::lang::ast::BinaryOp;
use tine::sema::program::{Expr, ExprKind, Stmt, StmtKind};
use tine::sema::types::{AddressSpace, Id, I32, I64, U32, U64};
use tine::sema::{Builtin, Function, MapKind, Program, Type};

fn check(source: &str) -> Program {
    match tine::check(source, "<t>", &fake::providers(), &fake::environment()) {
        Ok(program) => program,
        Err(diagnostics) => panic!("{diagnostics}"),
    }
}

fn first_statement(program: &Program) -> &Stmt {
    &program.probes[0].body[0]
}

#[test]
fn map_keys_are_c_laid_out_anonymous_structs() {
    let program = check("kprobe:f { @[comm, pid, arg0, (u8)1] = count(); }");
    let map = &program.maps[0];
    assert_eq!(map.name, "@");
    assert_eq!(map.kind, MapKind::Count);
    assert_eq!(map.value, U64);
    let key = map.key.as_ref().expect("a key");
    assert!(key.name.is_none());
    let layout: Vec<(usize, Type)> = key
        .fields
        .iter()
        .map(|field| (field.offset, field.ty.clone()))
        .collect();
    assert_eq!(
        layout,
        vec![
            (0, Type::Chars(16)),
            (16, Type::Id(Id::Process)),
            (24, U64),
            (
                32,
                Type::Int {
                    bytes: 1,
                    signed: false
                }
            )
        ]
    );
    assert_eq!((key.size, key.align), (40, 8));
}

#[test]
fn keyless_aggregations_and_every_kind() {
    let program = check(
        "kretprobe:f { @c = count(); @s = sum(retval); @q = hist(retval); @mn = min(retval); \
         @mx = max(retval); @a = avg(retval); @st = stats(retval); @l = lhist(retval, -10, 100, 5); }",
    );
    let kinds: Vec<(&str, MapKind, bool)> = program
        .maps
        .iter()
        .map(|map| (map.name.as_str(), map.kind, map.key.is_none()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("@c", MapKind::Count, true),
            ("@s", MapKind::Sum, true),
            ("@q", MapKind::Quantize, true),
            ("@mn", MapKind::Min, true),
            ("@mx", MapKind::Max, true),
            ("@a", MapKind::Avg, true),
            ("@st", MapKind::Stats, true),
            (
                "@l",
                MapKind::Lhist {
                    min: -10,
                    max: 100,
                    step: 5
                },
                true
            ),
        ]
    );
    assert_eq!(program.maps[1].value, I64);
}

#[test]
fn map_types_are_inferred_across_probes_in_any_order() {
    // The read comes first in the text; the type comes from the later probe.
    let program = check("kprobe:b / start[kpid] / { @ = quantize(time - start[kpid]); } kprobe:a { start[kpid] = time; }");
    let start = program
        .maps
        .iter()
        .find(|map| map.name == "start")
        .expect("start");
    assert_eq!(start.kind, MapKind::Plain);
    assert_eq!(start.value, Type::Time);
    let quantized = program.maps.iter().find(|map| map.name == "@").expect("@");
    // A difference of times is a duration, so the histogram labels print as times.
    assert_eq!(quantized.value, Type::Time);
}

#[test]
fn string_keys_of_different_lengths_share_the_longest() {
    let program = check(r#"BEGIN { m["a"] = 1; m["a much longer key"] = 2; }"#);
    let key = program.maps[0].key.as_ref().expect("a key");
    assert_eq!(key.fields[0].ty, Type::Chars(24));
    let StmtKind::MapStore { key, .. } = &first_statement(&program).kind else {
        panic!("a store");
    };
    // The short literal keeps its bytes; its type is widened to the key's.
    assert!(matches!(&key[0].kind, ExprKind::Str(bytes) if bytes == b"a"));
    assert_eq!(key[0].ty, Type::Chars(24));
}

#[test]
fn predicates_become_an_if_around_the_body() {
    let program = check("kprobe:f / pid == 1 / { @ = count(); }");
    let StmtKind::If {
        condition,
        otherwise: None,
        ..
    } = &first_statement(&program).kind
    else {
        panic!("an if");
    };
    assert_eq!(condition.ty, I32);
    let ExprKind::Binary {
        operator: BinaryOp::Equal,
        left,
        right,
    } = &condition.kind
    else {
        panic!("an equality");
    };
    // Both sides are converted to the common type: pid (u32) against an int literal.
    assert_eq!((left.ty.clone(), right.ty.clone()), (U32, U32));
}

#[test]
fn probe_lists_become_one_probe_per_spec() {
    let program = check("tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_open { @[str(args->filename)] = count(); }");
    let offsets: Vec<usize> = program
        .probes
        .iter()
        .map(|probe| {
            let StmtKind::Aggregate { key, .. } = &probe.body[0].kind else {
                panic!("an aggregation");
            };
            let ExprKind::Call { arguments, .. } = &key[0].kind else {
                panic!("str()");
            };
            let ExprKind::Member {
                offset,
                through_pointer,
                ..
            } = &arguments[0].kind
            else {
                panic!("a member");
            };
            assert!(through_pointer);
            *offset
        })
        .collect();
    // The same field sits at different offsets in the two records.
    assert_eq!(offsets, vec![24, 16]);
    assert_eq!(program.probes[0].spec, "syscalls/sys_enter_openat");
}

#[test]
fn names_resolve_to_builtins_provider_variables_scratch_and_literals() {
    let program = check(
        "kretprobe:f { $x = retval; printf(\"%v %v %v %v %v %d\\n\", tid, retval, $x, $target, $TINE_TEST_WORD, $TINE_TEST_NUMBER); }",
    );
    let probe = &program.probes[0];
    assert_eq!(probe.scratch.len(), 1);
    assert_eq!(probe.scratch[0].name, "x");
    assert_eq!(probe.scratch[0].ty, I64);
    let StmtKind::Expr(Expr {
        kind:
            ExprKind::Call {
                function: Function::Printf { format },
                arguments,
            },
        ..
    }) = &probe.body[1].kind
    else {
        panic!("printf");
    };
    // Parsed once, here: compile and the runtime take this value.
    assert_eq!(format.text(), "%v %v %v %v %v %d\n");
    assert_eq!(format.arguments(), 6);
    let kinds: Vec<&ExprKind> = arguments.iter().map(|argument| &argument.kind).collect();
    assert_eq!(kinds[0], &ExprKind::Builtin(Builtin::Tid));
    assert_eq!(kinds[1], &ExprKind::Provider("retval".to_string()));
    assert_eq!(kinds[2], &ExprKind::Scratch(0));
    assert_eq!(kinds[3], &ExprKind::TargetPid);
    assert_eq!(kinds[4], &ExprKind::Str(b"hello".to_vec()));
    assert_eq!(kinds[5], &ExprKind::Int(42));
}

/// An environment variable given twice means its last value (the environment is a list).
#[test]
fn an_environment_variable_given_twice_is_its_last_value() {
    let mut environment = fake::environment();
    environment
        .variables
        .push(("TINE_TEST_NUMBER".to_string(), "43".to_string()));
    let program = tine::check(
        "BEGIN { exit($TINE_TEST_NUMBER); }",
        "<t>",
        &fake::providers(),
        &environment,
    )
    .unwrap_or_else(|diagnostics| panic!("{diagnostics}"));
    let StmtKind::Expr(Expr {
        kind: ExprKind::Call { arguments, .. },
        ..
    }) = &first_statement(&program).kind
    else {
        panic!("exit");
    };
    assert_eq!(arguments[0].kind, ExprKind::Int(43));
}

#[test]
fn increments_read_modify_write_plain_maps() {
    let program = check("kprobe:f { @calls[comm]++; }");
    assert_eq!(program.maps[0].kind, MapKind::Plain);
    let StmtKind::MapStore { value, .. } = &first_statement(&program).kind else {
        panic!("a store");
    };
    let ExprKind::Binary {
        operator: BinaryOp::Add,
        left,
        ..
    } = &value.kind
    else {
        panic!("an addition");
    };
    assert!(matches!(left.kind, ExprKind::MapRead { map: 0, .. }));
}

#[test]
fn c_promotion_and_conversion_rules() {
    let program = check(
        "tracepoint:sched:sched_switch { @a[args->prev_prio + 1] = count(); @b[(u8)1 + (u8)2] = count(); \
         @c[args->prev_state * (u8)2] = count(); }",
    );
    let key_type = |index: usize| {
        program.maps[index].key.as_ref().expect("a key").fields[0]
            .ty
            .clone()
    };
    assert_eq!(key_type(0), I32);
    // Narrow operands are promoted to int before arithmetic, as in C.
    assert_eq!(key_type(1), I32);
    assert_eq!(key_type(2), I64);
}

#[test]
fn uptr_marks_user_memory_and_str_reads_it() {
    let program =
        check("tracepoint:syscalls/sys_enter_openat { print(str(uptr(data->filename), 64)); }");
    let StmtKind::Expr(Expr {
        kind: ExprKind::Call { arguments, .. },
        ..
    }) = &first_statement(&program).kind
    else {
        panic!("print");
    };
    assert_eq!(arguments[0].ty, Type::Chars(64));
    let ExprKind::Call {
        function: Function::Str { length: 64 },
        arguments: inner,
    } = &arguments[0].kind
    else {
        panic!("str");
    };
    assert!(matches!(
        &inner[0].ty,
        Type::Pointer {
            space: AddressSpace::User,
            ..
        }
    ));
}

/// The memory `str()` of the last statement's `print()` reads from.
fn str_space(source: &str) -> AddressSpace {
    let program = check(source);
    let last = program.probes[0].body.last().expect("a statement");
    let StmtKind::Expr(Expr {
        kind: ExprKind::Call { arguments, .. },
        ..
    }) = &last.kind
    else {
        panic!("print");
    };
    let ExprKind::Call {
        function: Function::Str { .. },
        arguments: inner,
    } = &arguments[0].kind
    else {
        panic!("str in {source}");
    };
    match &inner[0].ty {
        Type::Pointer { space, .. } => *space,
        other => panic!("str() reads through {other} in {source}"),
    }
}

#[test]
fn each_address_reads_from_the_memory_it_points_into() {
    use AddressSpace::*;
    let cases = [
        // Syscall records hold the caller's addresses, as pointers or as numbers.
        (
            "tracepoint:syscalls/sys_enter_openat { print(str(data->filename)); }",
            User,
        ),
        (
            "tracepoint:syscalls/sys_enter_openat { print(str(data->dfd)); }",
            User,
        ),
        (
            "tracepoint:raw_syscalls/sys_enter { print(str(data->id)); }",
            User,
        ),
        ("tracepoint:syscalls/sys_enter_* { print(str(8)); }", User),
        // Any other record may hold either: kernel first, then user.
        (
            "tracepoint:tcp/tcp_receive_reset { print(str(data->skaddr)); }",
            Unknown,
        ),
        ("uprobe:/bin/sh:main { print(str(arg0)); }", User),
        ("uretprobe:/bin/sh:main { print(str(retval)); }", User),
        ("uprobe:/bin/sh:main { print(str(arg0 + 8)); }", User),
        (
            "uprobe:/bin/sh:main { $p = (u8 *)arg0; print(str($p)); }",
            User,
        ),
        ("kprobe:f { print(str(arg0)); }", Kernel),
        ("kretprobe:f { print(str((char *)retval)); }", Kernel),
        ("BEGIN { print(str(8)); }", Unknown),
        ("profile:99hz { print(str(8)); }", Unknown),
        // Forced either way.
        ("uprobe:/bin/sh:main { print(str(kptr(arg0))); }", Kernel),
        ("kprobe:f { print(str(uptr(arg0))); }", User),
        (
            "tracepoint:tcp/tcp_receive_reset { print(str(uptr(data->skaddr))); }",
            User,
        ),
    ];
    for (source, space) in cases {
        assert_eq!(str_space(source), space, "{source}");
    }
}

#[test]
fn a_data_loc_field_is_its_string_everywhere() {
    let exec = "tracepoint:sched/sched_process_exec";
    for expression in [
        "data->filename",
        "dyn(data->filename)",
        "str(data->filename)",
        "str(dyn(data->filename))",
    ] {
        let program = check(&format!("{exec} {{ print({expression}); }}"));
        let StmtKind::Expr(Expr {
            kind: ExprKind::Call { arguments, .. },
            ..
        }) = &first_statement(&program).kind
        else {
            panic!("print");
        };
        assert_eq!(arguments[0].ty, Type::Chars(128), "{expression}");
        let ExprKind::Call {
            function: Function::Dyn,
            arguments: field,
        } = &arguments[0].kind
        else {
            panic!("{expression} is not read as dyn() reads it");
        };
        assert_eq!(
            field[0].ty,
            Type::DataLoc {
                relative: false,
                string: true
            }
        );
    }
    // As a key, and compared with a string.
    let program = check(&format!(
        "{exec} / data->filename == \"/bin/true\" / {{ @[data->filename, str(data->filename, 16)] = count(); }}"
    ));
    let key = program.maps[0].key.as_ref().expect("a key");
    let types: Vec<&Type> = key.fields.iter().map(|field| &field.ty).collect();
    assert_eq!(types, [&Type::Chars(128), &Type::Chars(16)]);
}

#[test]
fn a_slot_holding_pointers_into_both_memories_reads_either() {
    let program = check(
        "tracepoint:syscalls/sys_enter_openat { @p[tid] = data->filename; } \
         tracepoint:tcp/tcp_receive_reset { @p[tid] = data->skaddr; } \
         tracepoint:syscalls/sys_enter_read { @p[tid] = data->buf; }",
    );
    assert_eq!(
        program.maps[0].value,
        Type::Pointer {
            target: Box::new(Type::Int {
                bytes: 1,
                signed: false
            }),
            space: AddressSpace::Unknown
        }
    );
}

#[test]
fn every_cast_spelling_names_its_c_type_and_void_only_behind_a_pointer() {
    let int = |bytes, signed| Type::Int { bytes, signed };
    let spellings = [
        ("u8", int(1, false)),
        ("uint16", int(2, false)),
        ("unsigned", int(4, false)),
        ("ulong", int(8, false)),
        ("char", int(1, true)),
        ("short", int(2, true)),
        ("i32", int(4, true)),
        ("int64", int(8, true)),
    ];
    for (name, ty) in spellings {
        let program = check(&format!("kprobe:f {{ @ = ({name})arg0; }}"));
        assert_eq!(program.maps[0].value, ty, "({name})");
    }
    let program = check("kprobe:f { @ = (void **)arg0; }");
    let Type::Pointer { target, .. } = &program.maps[0].value else {
        panic!("(void **) is a pointer");
    };
    assert!(matches!(**target, Type::Pointer { ref target, .. } if **target == Type::Void));
    let rejected = tine::check(
        "kprobe:f { @ = (void)arg0; }",
        "<t>",
        &fake::providers(),
        &fake::environment(),
    );
    let Err(diagnostics) = rejected else {
        panic!("(void) is not a value's type");
    };
    assert!(diagnostics.to_string().contains("cannot cast to `void`"));
}
