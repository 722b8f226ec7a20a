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
        out.push_str("maps\n");
        for map in &program.maps {
            out.push_str("  ");
            out.push_str(&map.name);
            out.push(' ');
            match map.kind {
                MapKind::Lhist { min, max, step } => {
                    put(out, "lhist(", &min);
                    put(out, ", ", &max);
                    put(out, ", ", &step);
                    out.push(')');
                }
                other => out.push_str(other.name()),
            }
            match &map.key {
                Some(record) => put(out, " ", &Type::Struct(record.clone())),
                None => out.push_str(" (no key)"),
            }
            put(out, " -> ", &map.value);
            out.push('\n');
        }
    }
    for probe in &program.probes {
        dump_probe(program, probe, out);
    }
}

fn dump_probe(program: &Program, probe: &Probe, out: &mut String) {
    out.push_str("probe ");
    out.push_str(&probe.provider);
    if !probe.spec.is_empty() {
        out.push(':');
        out.push_str(&probe.spec);
    }
    out.push('\n');
    for (slot, scratch) in probe.scratch.iter().enumerate() {
        put(out, "  scratch ", &slot);
        out.push_str(" $");
        out.push_str(&scratch.name);
        put(out, "  : ", &scratch.ty);
        out.push('\n');
    }
    for statement in &probe.body {
        dump_statement(program, statement, 1, out);
    }
}

/// `text`, then `value` as `{}` writes it: one place formats for every kind of line.
#[inline(never)]
fn put(out: &mut String, text: &str, value: &dyn fmt::Display) {
    out.push_str(text);
    let _ = write!(out, "{value}");
}

/// `text`, then `value` quoted as Rust's `{:?}` writes a string.
#[inline(never)]
fn put_quoted(out: &mut String, text: &str, value: &str) {
    out.push_str(text);
    let _ = write!(out, "{value:?}");
}

/// `text`, then `map`'s name, then `[]` when it has a key.
fn put_map(out: &mut String, text: &str, program: &Program, map: usize, keyed: bool) {
    out.push_str(text);
    out.push_str(program.maps.get(map).map_or("?", |map| map.name.as_str()));
    if keyed {
        out.push_str("[]");
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn dump_statement(program: &Program, statement: &Stmt, depth: usize, out: &mut String) {
    indent(out, depth);
    match &statement.kind {
        StmtKind::Block(body) => {
            out.push_str("block\n");
            for inner in body {
                dump_statement(program, inner, depth + 1, out);
            }
        }
        StmtKind::If {
            condition,
            then,
            otherwise,
        } => {
            out.push_str("if\n");
            dump_expr(program, condition, depth + 1, out);
            dump_statement(program, then, depth + 1, out);
            if let Some(otherwise) = otherwise {
                indent(out, depth);
                out.push_str("else\n");
                dump_statement(program, otherwise, depth + 1, out);
            }
        }
        StmtKind::Return => out.push_str("return\n"),
        StmtKind::Delete { map, key } => {
            put_map(out, "delete ", program, *map, true);
            out.push('\n');
            dump_exprs(program, key, depth + 1, out);
        }
        StmtKind::MapStore { map, key, value } => {
            put_map(out, "store ", program, *map, !key.is_empty());
            out.push('\n');
            dump_exprs(program, key, depth + 1, out);
            dump_expr(program, value, depth + 1, out);
        }
        StmtKind::Aggregate { map, key, argument } => {
            let found = program.maps.get(*map);
            put_map(out, "aggregate ", program, *map, !key.is_empty());
            out.push(' ');
            out.push_str(found.map_or("?", |map| map.kind.name()));
            out.push_str("()  : ");
            if let Some(found) = found {
                put(out, "", &found.value);
            }
            out.push('\n');
            dump_exprs(program, key, depth + 1, out);
            if let Some(argument) = argument {
                dump_expr(program, argument, depth + 1, out);
            }
        }
        StmtKind::ScratchStore { slot, value } => {
            put(out, "store scratch ", slot);
            out.push('\n');
            dump_expr(program, value, depth + 1, out);
        }
        StmtKind::Expr(expression) => {
            out.push_str("expr\n");
            dump_expr(program, expression, depth + 1, out);
        }
    }
}

fn dump_exprs(program: &Program, expressions: &[Expr], depth: usize, out: &mut String) {
    for expression in expressions {
        dump_expr(program, expression, depth, out);
    }
}

fn dump_expr(program: &Program, expression: &Expr, depth: usize, out: &mut String) {
    indent(out, depth);
    let children = dump_node(program, expression, out);
    put(out, "  : ", &expression.ty);
    out.push('\n');
    for child in children {
        dump_expr(program, child, depth + 1, out);
    }
}

/// Writes what `expression` is, without its type; returns its operands.
fn dump_node<'p>(program: &Program, expression: &'p Expr, out: &mut String) -> Vec<&'p Expr> {
    let mut children: Vec<&Expr> = Vec::new();
    match &expression.kind {
        ExprKind::Int(value) => {
            if expression.ty.is_signed() {
                put(out, "int ", &(*value as i64));
            } else {
                put(out, "int ", value);
            }
        }
        ExprKind::Str(bytes) => {
            put_quoted(out, "string ", &String::from_utf8_lossy(bytes));
        }
        ExprKind::TargetPid => out.push_str("target-pid"),
        ExprKind::Builtin(builtin) => {
            out.push_str("builtin ");
            out.push_str(builtin.name());
        }
        ExprKind::Provider(name) => {
            out.push_str("provider ");
            out.push_str(name);
        }
        ExprKind::Scratch(slot) => {
            put(out, "scratch ", slot);
        }
        ExprKind::MapRead { map, key } => {
            put_map(out, "map ", program, *map, !key.is_empty());
            children.extend(key.iter());
        }
        ExprKind::MapRef(map) => {
            put_map(out, "whole map ", program, *map, false);
        }
        ExprKind::Call {
            function,
            arguments,
        } => {
            dump_call(function, out);
            children.extend(arguments.iter());
        }
        ExprKind::Unary { operator, operand } => {
            out.push_str("unary ");
            out.push_str(operator.symbol());
            children.push(operand);
        }
        ExprKind::Binary {
            operator,
            left,
            right,
        } => {
            out.push_str("binary ");
            out.push_str(operator.symbol());
            children.push(left);
            children.push(right);
        }
        ExprKind::Ternary {
            condition,
            then,
            otherwise,
        } => {
            out.push_str("ternary");
            children.push(condition);
            children.push(then);
            children.push(otherwise);
        }
        ExprKind::Cast(operand) => {
            out.push_str("cast");
            children.push(operand);
        }
        ExprKind::Member {
            base,
            field,
            offset,
            through_pointer,
        } => {
            out.push_str(if *through_pointer {
                "member ->"
            } else {
                "member ."
            });
            out.push_str(field);
            put(out, " @", offset);
            children.push(base);
        }
    }
    children
}

fn dump_call(function: &Function, out: &mut String) {
    out.push_str("call ");
    out.push_str(function.name());
    match function {
        Function::Printf { format } | Function::Cat { format } => {
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
