//! sema::dump: the typed program as text for `-S`, one node a line, indented, each with its type.

use std::fmt::{self, Write};

use super::program::{Expr, ExprKind, Function, MapKind, Probe, Program, Stmt, StmtKind};
use super::types::Type;
use crate::output::PrintOptions;

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        dump(self, &mut out);
        f.write_str(&out)
    }
}

/// Appends the dump of `program` to `out`.
pub fn dump(program: &Program, out: &mut String) {
    if !program.maps.is_empty() {
        add(out, "maps\n");
        for map in &program.maps {
            add(out, "  ");
            add(out, &map.name);
            add(out, " ");
            match map.kind {
                MapKind::Lhist { min, max, step } => {
                    put(out, "lhist(", &min);
                    put(out, ", ", &max);
                    put(out, ", ", &step);
                    add(out, ")");
                }
                other => add(out, other.name()),
            }
            match &map.key {
                Some(record) => put(out, " ", &Type::Struct(record.clone())),
                None => add(out, " (no key)"),
            }
            put(out, " -> ", &map.value);
            add(out, "\n");
        }
    }
    for probe in &program.probes {
        dump_probe(program, probe, out);
    }
}

fn dump_probe(program: &Program, probe: &Probe, out: &mut String) {
    add(out, "probe ");
    add(out, &probe.provider);
    if !probe.spec.is_empty() {
        add(out, ":");
        add(out, &probe.spec);
    }
    add(out, "\n");
    for (slot, scratch) in probe.scratch.iter().enumerate() {
        put(out, "  scratch ", &slot);
        add(out, " $");
        add(out, &scratch.name);
        put(out, "  : ", &scratch.ty);
        add(out, "\n");
    }
    for statement in &probe.body {
        dump_statement(program, statement, 1, out);
    }
}

/// Appends `text`: one call, not `push_str` inlined at each of the many sites.
#[inline(never)]
fn add(out: &mut String, text: &str) {
    out.push_str(text);
}

/// `text`, then `value` as `{}` writes it: one place formats for every kind of line.
#[inline(never)]
fn put(out: &mut String, text: &str, value: &dyn fmt::Display) {
    add(out, text);
    let _ = write!(out, "{value}");
}

/// `text`, then `value` quoted as Rust's `{:?}` writes a string.
#[inline(never)]
fn put_quoted(out: &mut String, text: &str, value: &str) {
    add(out, text);
    out.push_str(&crate::words::quoted(value.as_bytes()));
}

/// `text`, then `map`'s name, then `[]` when it has a key.
fn put_map(out: &mut String, text: &str, program: &Program, map: usize, keyed: bool) {
    add(out, text);
    add(
        out,
        program.maps.get(map).map_or("?", |map| map.name.as_str()),
    );
    if keyed {
        add(out, "[]");
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        add(out, "  ");
    }
}

fn dump_statement(program: &Program, statement: &Stmt, depth: usize, out: &mut String) {
    indent(out, depth);
    match &statement.kind {
        StmtKind::Block { body, times: 1 } => {
            add(out, "block\n");
            dump_body(program, body, depth, out);
        }
        StmtKind::Block { body, times } => {
            put(out, "unroll ", times);
            add(out, "\n");
            dump_body(program, body, depth, out);
        }
        StmtKind::If {
            condition,
            then,
            otherwise,
        } => {
            add(out, "if\n");
            dump_expr(program, condition, depth + 1, out);
            dump_statement(program, then, depth + 1, out);
            if let Some(otherwise) = otherwise {
                indent(out, depth);
                add(out, "else\n");
                dump_statement(program, otherwise, depth + 1, out);
            }
        }
        StmtKind::While { condition, body } => {
            add(out, "while\n");
            dump_expr(program, condition, depth + 1, out);
            dump_body(program, body, depth, out);
        }
        StmtKind::Return => add(out, "return\n"),
        StmtKind::Jump { to_next: false } => add(out, "break\n"),
        StmtKind::Jump { to_next: true } => add(out, "continue\n"),
        StmtKind::Delete { map, key } => {
            put_map(out, "delete ", program, *map, true);
            add(out, "\n");
            dump_exprs(program, key, depth + 1, out);
        }
        StmtKind::MapStore {
            map, key, value, ..
        } => {
            put_map(out, "store ", program, *map, !key.is_empty());
            add(out, "\n");
            dump_exprs(program, key, depth + 1, out);
            dump_expr(program, value, depth + 1, out);
        }
        StmtKind::Aggregate { map, key, argument } => {
            let found = program.maps.get(*map);
            put_map(out, "aggregate ", program, *map, !key.is_empty());
            add(out, " ");
            add(out, found.map_or("?", |map| map.kind.name()));
            add(out, "()  : ");
            if let Some(found) = found {
                put(out, "", &found.value);
            }
            add(out, "\n");
            dump_exprs(program, key, depth + 1, out);
            if let Some(argument) = argument {
                dump_expr(program, argument, depth + 1, out);
            }
        }
        StmtKind::ScratchStore { slot, value } => {
            put(out, "store scratch ", slot);
            add(out, "\n");
            dump_expr(program, value, depth + 1, out);
        }
        StmtKind::Expr(expression) => {
            add(out, "expr\n");
            dump_expr(program, expression, depth + 1, out);
        }
    }
}

fn dump_body(program: &Program, body: &[Stmt], depth: usize, out: &mut String) {
    for inner in body {
        dump_statement(program, inner, depth + 1, out);
    }
}

fn dump_exprs(program: &Program, expressions: &[Expr], depth: usize, out: &mut String) {
    for expression in expressions {
        dump_expr(program, expression, depth, out);
    }
}

fn dump_expr(program: &Program, expression: &Expr, depth: usize, out: &mut String) {
    indent(out, depth);
    let (list, operands) = dump_node(program, expression, out);
    put(out, "  : ", &expression.ty);
    add(out, "\n");
    dump_exprs(program, list, depth + 1, out);
    for operand in operands.iter().flatten() {
        dump_expr(program, operand, depth + 1, out);
    }
}

/// Writes what `expression` is, without its type; returns its operands: a list (a key, a
/// call's arguments), or up to three of their own.
fn dump_node<'p>(
    program: &Program,
    expression: &'p Expr,
    out: &mut String,
) -> (&'p [Expr], [Option<&'p Expr>; 3]) {
    let mut list: &[Expr] = &[];
    let mut operands: [Option<&Expr>; 3] = [None; 3];
    match &expression.kind {
        ExprKind::Int(value) => dump_int(*value, expression.ty.is_signed(), out),
        ExprKind::Str(bytes) => {
            put_quoted(out, "string ", &String::from_utf8_lossy(bytes));
        }
        ExprKind::TargetPid => add(out, "target-pid"),
        ExprKind::Builtin(builtin) => {
            add(out, "builtin ");
            add(out, builtin.name());
        }
        ExprKind::Provider(name) => {
            add(out, "provider ");
            add(out, name);
        }
        ExprKind::Scratch(slot) => {
            put(out, "scratch ", slot);
        }
        ExprKind::MapRead { map, key } => {
            put_map(out, "map ", program, *map, !key.is_empty());
            list = key;
        }
        ExprKind::MapRef(map) => {
            put_map(out, "whole map ", program, *map, false);
        }
        ExprKind::Call {
            function,
            arguments,
        } => {
            dump_call(function, out);
            list = arguments;
        }
        ExprKind::Unary { operator, operand } => {
            add(out, "unary ");
            add(out, operator.symbol());
            operands[0] = Some(operand);
        }
        ExprKind::Binary {
            operator,
            left,
            right,
        } => {
            add(out, "binary ");
            add(out, operator.symbol());
            operands = [Some(left), Some(right), None];
        }
        ExprKind::Ternary {
            condition,
            then,
            otherwise,
        } => {
            add(out, "ternary");
            operands = [Some(condition), Some(then), Some(otherwise)];
        }
        ExprKind::Increment {
            target,
            operator,
            post,
        } => {
            add(out, if *post { "after step " } else { "step " });
            add(out, operator.symbol());
            operands[0] = Some(target);
        }
        ExprKind::Tuple(elements) => {
            add(out, "tuple");
            list = elements;
        }
        ExprKind::Cast(operand) => {
            add(out, "cast");
            operands[0] = Some(operand);
        }
        ExprKind::Member {
            base,
            field,
            offset,
            through_pointer,
        } => {
            dump_member(field, *offset, *through_pointer, out);
            operands[0] = Some(base);
        }
    }
    (list, operands)
}

/// An integer literal, as the signed number it is when its type is signed.
fn dump_int(value: u64, signed: bool, out: &mut String) {
    if signed {
        put(out, "int ", &(value as i64));
    } else {
        put(out, "int ", &value);
    }
}

/// A member read: `member ->field @offset`, or `.` when not through a pointer.
fn dump_member(field: &str, offset: usize, through_pointer: bool, out: &mut String) {
    add(
        out,
        if through_pointer {
            "member ->"
        } else {
            "member ."
        },
    );
    add(out, field);
    put(out, " @", &offset);
}

fn dump_call(function: &Function, out: &mut String) {
    add(out, "call ");
    add(out, function.name());
    match function {
        Function::Printf { format } | Function::Cat { format } | Function::System { format } => {
            put_quoted(out, " ", format.text());
        }
        Function::Time { format } => put_quoted(out, " ", format),
        Function::Join { separator } => put_quoted(out, " ", separator),
        Function::PrintMap(options) if *options != PrintOptions::WHOLE => {
            put(out, " top ", &options.top);
            put(out, " divisor ", &options.divisor);
        }
        Function::Str { length } | Function::Mem { length } => put(out, "/", length),
        _ => {}
    }
}
