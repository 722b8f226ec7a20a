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
            let _ = write!(out, "  {} ", map.name);
            match map.kind {
                MapKind::Lhist { min, max, step } => {
                    let _ = write!(out, "lhist({min}, {max}, {step})");
                }
                other => out.push_str(other.name()),
            }
            match &map.key {
                Some(record) => {
                    let _ = write!(out, " {}", Type::Struct(record.clone()));
                }
                None => out.push_str(" (no key)"),
            }
            let _ = writeln!(out, " -> {}", map.value);
        }
    }
    for probe in &program.probes {
        dump_probe(program, probe, out);
    }
}

fn dump_probe(program: &Program, probe: &Probe, out: &mut String) {
    if probe.spec.is_empty() {
        let _ = writeln!(out, "probe {}", probe.provider);
    } else {
        let _ = writeln!(out, "probe {}:{}", probe.provider, probe.spec);
    }
    for (slot, scratch) in probe.scratch.iter().enumerate() {
        let _ = writeln!(out, "  scratch {slot} ${}  : {}", scratch.name, scratch.ty);
    }
    for statement in &probe.body {
        dump_statement(program, statement, 1, out);
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn dump_statement(program: &Program, statement: &Stmt, depth: usize, out: &mut String) {
    indent(out, depth);
    let map_name = |map: usize| program.maps.get(map).map_or("?", |map| map.name.as_str());
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
            let _ = writeln!(out, "delete {}[]", map_name(*map));
            dump_exprs(program, key, depth + 1, out);
        }
        StmtKind::MapStore { map, key, value } => {
            let brackets = if key.is_empty() { "" } else { "[]" };
            let _ = writeln!(out, "store {}{brackets}", map_name(*map));
            dump_exprs(program, key, depth + 1, out);
            dump_expr(program, value, depth + 1, out);
        }
        StmtKind::Aggregate { map, key, argument } => {
            let found = program.maps.get(*map);
            let kind = found.map_or("?", |map| map.kind.name());
            let brackets = if key.is_empty() { "" } else { "[]" };
            let _ = write!(out, "aggregate {}{brackets} {kind}()  : ", map_name(*map));
            if let Some(found) = found {
                let _ = write!(out, "{}", found.value);
            }
            out.push('\n');
            dump_exprs(program, key, depth + 1, out);
            if let Some(argument) = argument {
                dump_expr(program, argument, depth + 1, out);
            }
        }
        StmtKind::ScratchStore { slot, value } => {
            let _ = writeln!(out, "store scratch {slot}");
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
    let _ = writeln!(out, "  : {}", expression.ty);
    for child in children {
        dump_expr(program, child, depth + 1, out);
    }
}

/// Writes what `expression` is, without its type; returns its operands.
fn dump_node<'p>(program: &Program, expression: &'p Expr, out: &mut String) -> Vec<&'p Expr> {
    let map_name = |map: usize| program.maps.get(map).map_or("?", |map| map.name.as_str());
    let mut children: Vec<&Expr> = Vec::new();
    match &expression.kind {
        ExprKind::Int(value) => {
            if expression.ty.is_signed() {
                let _ = write!(out, "int {}", *value as i64);
            } else {
                let _ = write!(out, "int {value}");
            }
        }
        ExprKind::Str(bytes) => {
            let _ = write!(out, "string {:?}", String::from_utf8_lossy(bytes));
        }
        ExprKind::TargetPid => out.push_str("target-pid"),
        ExprKind::Builtin(builtin) => {
            let _ = write!(out, "builtin {}", builtin.name());
        }
        ExprKind::Provider(name) => {
            let _ = write!(out, "provider {name}");
        }
        ExprKind::Scratch(slot) => {
            let _ = write!(out, "scratch {slot}");
        }
        ExprKind::MapRead { map, key } => {
            let brackets = if key.is_empty() { "" } else { "[]" };
            let _ = write!(out, "map {}{brackets}", map_name(*map));
            children.extend(key);
        }
        ExprKind::MapRef(map) => {
            let _ = write!(out, "whole map {}", map_name(*map));
        }
        ExprKind::Call {
            function,
            arguments,
        } => {
            dump_call(function, out);
            children.extend(arguments);
        }
        ExprKind::Unary { operator, operand } => {
            let _ = write!(out, "unary {}", operator.symbol());
            children.push(operand);
        }
        ExprKind::Binary {
            operator,
            left,
            right,
        } => {
            let _ = write!(out, "binary {}", operator.symbol());
            children.push(left);
            children.push(right);
        }
        ExprKind::Ternary {
            condition,
            then,
            otherwise,
        } => {
            out.push_str("ternary");
            children.extend([&**condition, &**then, &**otherwise]);
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
            let arrow = if *through_pointer { "->" } else { "." };
            let _ = write!(out, "member {arrow}{field} @{offset}");
            children.push(base);
        }
    }
    children
}

fn dump_call(function: &Function, out: &mut String) {
    match function {
        Function::Printf { format } | Function::Cat { format } => {
            let _ = write!(out, "call {} {:?}", function.name(), format.text());
        }
        Function::Time { format } => {
            let _ = write!(out, "call time {format:?}");
        }
        Function::Join { separator } => {
            let _ = write!(out, "call join {separator:?}");
        }
        Function::PrintMap(options) if *options != PrintOptions::WHOLE => {
            let _ = write!(
                out,
                "call print top {} divisor {}",
                options.top, options.divisor
            );
        }
        Function::Str { length } | Function::Mem { length } => {
            let _ = write!(out, "call {}/{length}", function.name());
        }
        other => {
            let _ = write!(out, "call {}", other.name());
        }
    }
}
