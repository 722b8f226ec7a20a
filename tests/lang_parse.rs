//! The parser's contract: ply's grammar and bpftrace's spellings read into the AST as
//! documented, with spans that point at what was written.

use tine::lang::ast::{BinaryOp, Expr, ExprKind, Script, StmtKind, UnaryOp};
use tine::lang::parse;
use tine::provider::syntax;

fn script(source: &str) -> Script {
    match parse(source, &syntax()) {
        Ok(script) => script,
        Err(errors) => panic!("{source:?} did not parse: {errors:?}"),
    }
}

fn specs(source: &str) -> Vec<(String, String)> {
    script(source)
        .probes
        .iter()
        .flat_map(|probe| &probe.specs)
        .map(|spec| (spec.provider.clone(), spec.spec.clone()))
        .collect()
}

/// The expression of the first statement of `BEGIN { print(EXPR); }`.
fn expression(text: &str) -> Expr {
    let source = format!("BEGIN {{ print({text}); }}");
    let parsed = script(&source);
    let StmtKind::Expr(Expr {
        kind: ExprKind::Call { arguments, .. },
        ..
    }) = &parsed.probes[0].body[0].kind
    else {
        panic!("not a call statement");
    };
    arguments[0].clone()
}

/// A compact prefix rendering of an expression, to compare trees in one line.
fn shape(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Int(value) => value.to_string(),
        ExprKind::Str(bytes) => format!("{:?}", String::from_utf8_lossy(bytes)),
        ExprKind::Ident(name) => name.clone(),
        ExprKind::Dollar(name) => format!("${name}"),
        ExprKind::Map { name, keys } => match keys {
            Some(keys) => format!(
                "{name}[{}]",
                keys.iter().map(shape).collect::<Vec<_>>().join(",")
            ),
            None => name.clone(),
        },
        ExprKind::Call {
            name, arguments, ..
        } => format!(
            "{name}({})",
            arguments.iter().map(shape).collect::<Vec<_>>().join(",")
        ),
        ExprKind::Unary { operator, operand } => {
            format!("({}{})", operator.symbol(), shape(operand))
        }
        ExprKind::Binary {
            operator,
            left,
            right,
        } => format!("({} {} {})", shape(left), operator.symbol(), shape(right)),
        ExprKind::Ternary {
            condition,
            then,
            otherwise,
        } => format!(
            "({} ? {} : {})",
            shape(condition),
            shape(then),
            shape(otherwise)
        ),
        ExprKind::Cast {
            type_name, operand, ..
        } => format!("(({type_name}){})", shape(operand)),
        ExprKind::Member {
            base, field, arrow, ..
        } => format!("{}{}{field}", shape(base), if *arrow { "->" } else { "." }),
        ExprKind::Index { base, index } => format!("{}[{}]", shape(base), shape(index)),
        ExprKind::Increment {
            target,
            operator,
            post: true,
        } => format!("({0}{1}{1})", shape(target), operator.symbol()),
        ExprKind::Increment {
            target, operator, ..
        } => format!("({1}{1}{0})", shape(target), operator.symbol()),
        ExprKind::Tuple(elements) => format!(
            "<{}>",
            elements.iter().map(shape).collect::<Vec<_>>().join(",")
        ),
        ExprKind::TypeQuery {
            type_name,
            operand,
            members,
            ..
        } => match operand {
            Some(operand) => format!("sizeof({})", shape(operand)),
            None if members.is_empty() => format!("sizeof({type_name})"),
            None => format!("offsetof({type_name},{})", members.join(".")),
        },
    }
}

#[test]
fn provider_names_abbreviate_as_ply_matches_them() {
    let cases = [
        ("k:vfs_read", "kprobe"),
        ("kr:vfs_read", "kretprobe"),
        ("t:sched/sched_switch", "tracepoint"),
        ("tr:sched/sched_switch", "tracepoint"),
        ("i:1", "interval"),
        ("p:99hz", "profile"),
        ("s:faults:1", "software"),
        ("u:/bin/sh:main", "uprobe"),
        ("ur:/bin/sh:main", "uretprobe"),
    ];
    for (spec, provider) in cases {
        let parsed = specs(&format!("{spec} {{ exit(); }}"));
        assert_eq!(parsed[0].0, provider, "{spec}");
    }
}

#[test]
fn bpftrace_specs_are_rewritten_to_ply_form() {
    let source = "tracepoint:sched:sched_switch, interval:s:1, interval:ms:100, profile:hz:99, \
                  uprobe:/bin/bash:readline, kprobe:dev_hard_start_xmit+8, kprobe:vfs_*r[ei][at][de], \
                  profile:0:100hz, interval:500ms { exit(); }";
    let expected = [
        ("tracepoint", "sched/sched_switch"),
        ("interval", "1s"),
        ("interval", "100ms"),
        ("profile", "99hz"),
        ("uprobe", "/bin/bash:readline"),
        ("kprobe", "dev_hard_start_xmit+8"),
        ("kprobe", "vfs_*r[ei][at][de]"),
        ("profile", "0:100hz"),
        ("interval", "500ms"),
    ];
    let parsed = specs(source);
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(provider, spec)| (provider.to_string(), spec.to_string()))
        .collect();
    assert_eq!(parsed, expected);
}

#[test]
fn a_spec_ends_at_whitespace_a_brace_or_a_comma() {
    assert_eq!(
        specs("kprobe:a,kprobe:b{ exit(); } BEGIN{exit();}"),
        vec![
            ("kprobe".to_string(), "a".to_string()),
            ("kprobe".to_string(), "b".to_string()),
            ("BEGIN".to_string(), String::new()),
        ]
    );
}

#[test]
fn binary_operators_follow_c_precedence_and_ply_logical_xor() {
    let cases = [
        ("1 + 2 * 3", "(1 + (2 * 3))"),
        ("1 - 2 - 3", "((1 - 2) - 3)"),
        ("1 << 2 + 3", "(1 << (2 + 3))"),
        ("a < b << c", "(a < (b << c))"),
        ("a == b < c", "(a == (b < c))"),
        ("a & b == c", "(a & (b == c))"),
        ("a | b ^ c & d", "(a | (b ^ (c & d)))"),
        ("a || b ^^ c && d", "(a || (b ^^ (c && d)))"),
        ("a ? b : c ? d : e", "(a ? b : (c ? d : e))"),
        ("-a * !b % ~c", "(((-a) * (!b)) % (~c))"),
        ("*data->p", "(*data->p)"),
        ("(u32)x + 1", "(((u32)x) + 1)"),
        ("(char *) p", "((char*)p)"),
        ("(pid) + 1", "(pid + 1)"),
        ("args.f >= 3", "(args.f >= 3)"),
        ("m[a, b] != @x[1]", "(m[a,b] != @x[1])"),
        ("@ + @name", "(@ + @name)"),
        ("$1 + $target + $HOME", "(($1 + $target) + $HOME)"),
        ("f(g(1), 2)", "f(g(1),2)"),
    ];
    for (text, expected) in cases {
        assert_eq!(shape(&expression(text)), expected, "{text}");
    }
}

/// bpftrace's tuples: a comma inside parentheses makes one, a parenthesised value is not one,
/// and an element is a field named by its index, tuples nesting.
#[test]
fn tuples_are_parenthesised_lists_and_their_fields_are_numbers() {
    let cases = [
        ("(1, \"a\")", "<1,\"a\">"),
        ("(1)", "1"),
        ("(1, (2, 3), $x)", "<1,<2,3>,$x>"),
        ("$t.0 + $t.3.1", "($t.0 + $t.3.1)"),
        ("(a, b).1", "<a,b>.1"),
        ("(u8)x, y", "((u8)x)"),
    ];
    for (text, expected) in cases {
        assert_eq!(shape(&expression(text)), expected, "{text}");
    }
}

/// `x++` and friends inside expressions: postfix binds tighter than prefix operators, `--`
/// is a step and not two minus signs, and a binary operator may follow one.
#[test]
fn steps_are_values_inside_expressions() {
    let cases = [
        ("$x++", "($x++)"),
        ("--@c[1]", "(--@c[1])"),
        ("-$x--", "(-($x--))"),
        ("@c++ > 3", "((@c++) > 3)"),
        ("$a-- - 1", "(($a--) - 1)"),
        ("@m[$i++]", "@m[($i++)]"),
        ("- -$x", "(-(-$x))"),
    ];
    for (text, expected) in cases {
        assert_eq!(shape(&expression(text)), expected, "{text}");
    }
}

#[test]
fn number_string_and_char_literals() {
    let cases = [
        ("0x1f", "31"),
        ("0X1F", "31"),
        ("0b101", "5"),
        ("017", "15"),
        ("1_000_000", "1000000"),
        ("0", "0"),
        ("'a'", "97"),
        ("'\\n'", "10"),
        ("18446744073709551615", "18446744073709551615"),
        (r#""\x41\101\t\"\\""#, r#""AA\t\"\\""#),
        (r#""a\0b""#, r#""a\0b""#),
    ];
    for (text, expected) in cases {
        assert_eq!(shape(&expression(text)), expected, "{text}");
    }
}

#[test]
fn every_escape_decodes_to_its_byte() {
    let ExprKind::Str(bytes) = expression(r#""\n\t\r\a\b\f\v\e\\\'\"\?\x7f\177""#).kind else {
        panic!("not a string");
    };
    let expected = b"\n\t\r\x07\x08\x0c\x0b\x1b\\'\"?\x7f\x7f";
    assert_eq!(bytes, expected);
}

#[test]
fn predicates_end_at_a_slash_before_a_brace() {
    let parsed = script("kprobe:f / arg0 / 2 / { exit(); }");
    let predicate = parsed.probes[0].predicate.as_ref().expect("a predicate");
    assert_eq!(shape(predicate), "(arg0 / 2)");
    let parsed = script("kprobe:f /pid == 1/{ exit(); }");
    assert_eq!(
        shape(parsed.probes[0].predicate.as_ref().expect("a predicate")),
        "(pid == 1)"
    );
}

#[test]
fn probe_bodies_take_ply_guard_and_single_statement_forms() {
    let parsed = script("k:f if (pid) @ = count(); BEGIN exit(0); END { }");
    assert_eq!(parsed.probes.len(), 3);
    assert!(matches!(parsed.probes[0].body[0].kind, StmtKind::If { .. }));
    assert!(matches!(parsed.probes[1].body[0].kind, StmtKind::Expr(_)));
    assert!(parsed.probes[2].body.is_empty());
}

#[test]
fn assignments_increments_and_compound_operators() {
    let parsed = script(
        "BEGIN { @[1] = count(); m[1, 2] = 3; $x += 2; @c++; --$y; delete m[1, 2]; return; }",
    );
    let body = &parsed.probes[0].body;
    let operators: Vec<Option<BinaryOp>> = body
        .iter()
        .filter_map(|statement| match &statement.kind {
            StmtKind::Assign { operator, .. } => Some(*operator),
            _ => None,
        })
        .collect();
    assert_eq!(
        operators,
        vec![
            None,
            None,
            Some(BinaryOp::Add),
            Some(BinaryOp::Add),
            Some(BinaryOp::Subtract)
        ]
    );
    assert!(matches!(body[5].kind, StmtKind::Delete(_)));
    assert!(matches!(body[6].kind, StmtKind::Return));
}

#[test]
fn comments_of_all_three_kinds_and_a_shebang() {
    let parsed = script("#!/usr/sbin/tine\n/* a */ BEGIN // b\n{ # c\n exit(); /* d\n e */ }\n");
    assert_eq!(parsed.probes.len(), 1);
    assert_eq!(parsed.probes[0].body.len(), 1);
}

#[test]
fn spans_point_at_the_written_text() {
    let source = "BEGIN { print(comm, @x[pid + 1]); }";
    let parsed = script(source);
    let StmtKind::Expr(Expr {
        kind:
            ExprKind::Call {
                arguments,
                name_span,
                ..
            },
        span,
    }) = &parsed.probes[0].body[0].kind
    else {
        panic!("a call");
    };
    let text = |span: tine::lang::Span| &source[span.start..span.end];
    assert_eq!(text(*span), "print(comm, @x[pid + 1])");
    assert_eq!(text(*name_span), "print");
    assert_eq!(text(arguments[0].span), "comm");
    assert_eq!(text(arguments[1].span), "@x[pid + 1]");
    assert_eq!(text(parsed.probes[0].specs[0].span), "BEGIN");
}

#[test]
fn a_negative_number_is_negation_of_a_literal() {
    let negative = expression("-5");
    assert!(matches!(
        negative.kind,
        ExprKind::Unary {
            operator: UnaryOp::Negate,
            ..
        }
    ));
}

#[test]
fn errors_inside_blocks_are_recovered_from_and_all_reported() {
    let errors = parse(
        "BEGIN {\n  a b;\n  print(1);\n  c d;\n  e f;\n}\nEND { exit(); }",
        &syntax(),
    )
    .expect_err("three bad statements");
    let starts: Vec<usize> = errors.iter().map(|error| error.span.start).collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(starts.windows(2).all(|pair| pair[0] < pair[1]));
}

#[test]
fn keywords_are_not_expressions_and_prefixes_of_words_are_not_keywords() {
    assert!(parse("BEGIN { print(if); }", &syntax()).is_err());
    let parsed = script("BEGIN { iffy[1] = 2; returned[1] = 3; }");
    assert_eq!(parsed.probes[0].body.len(), 2);
}

/// C's casts to struct pointers bind looser than `->` and `[]`; `sizeof` takes a type or an
/// expression, `offsetof` a type and a member path.
#[test]
fn c_casts_indexes_sizeof_and_offsetof() {
    let cases = [
        (
            "(struct task_struct *)curtask->real_parent",
            "((struct task_struct*)curtask->real_parent)",
        ),
        (
            "((struct sock **) arg0)[1]->sk",
            "((struct sock**)arg0)[1]->sk",
        ),
        ("$r->numbers[2] + 1", "($r->numbers[2] + 1)"),
        ("sizeof(union u)", "sizeof(union u)"),
        ("sizeof(u32 *)", "sizeof(u32*)"),
        ("sizeof($r->in)", "sizeof($r->in)"),
        ("offsetof(struct s, a . b)", "offsetof(struct s,a.b)"),
    ];
    for (text, expected) in cases {
        assert_eq!(shape(&expression(text)), expected, "{text}");
    }
}

/// The text above the first probe is kept for the C definitions; a definition below a probe is
/// an error.
#[test]
fn definitions_stand_above_the_probes() {
    let source = "#include <x.h>\nstruct s { int a; };\nBEGIN { exit(); }\n";
    assert_eq!(
        script(source).definitions,
        "#include <x.h>\nstruct s { int a; };\n"
    );
    assert!(parse("BEGIN { exit(); }\nstruct s { int a; };\n", &syntax()).is_err());
}
