//! sema::check::scratch: `$names` — scratch variables a probe assigns, and otherwise `$target`,
//! positional arguments and environment variables.

use super::conversion::{literal_type, widen};
use super::expression::expr;
use super::{Checker, Scope, Typed};
use crate::lang::ast;
use crate::lang::diag::Span;
use crate::sema::program::{Expr, ExprKind};
use crate::sema::types::{string_literal, Id, Type, I64};

/// Parses an environment value as ply does (strtoll with base 0: decimal, 0x hex, 0 octal).
fn parse_number(text: &str) -> Option<u64> {
    let trimmed = crate::words::trim(text);
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    // One parse, in the radix the prefix says (hex digits of either case).
    let (radix, digits) = match crate::words::strip_hex_prefix(digits) {
        Some(hex) => (16, hex),
        None if digits.len() > 1 && digits.starts_with('0') => (8, &digits[1..]),
        None => (10, digits),
    };
    let value = crate::words::digits_value(digits.as_bytes(), radix)?;
    if negative {
        let magnitude = i64::try_from(value).ok()?;
        Some((-magnitude) as u64)
    } else {
        Some(value)
    }
}

pub(super) fn collect_assigned(statements: &[ast::Stmt], names: &mut Vec<String>) {
    for statement in statements {
        match &statement.kind {
            ast::StmtKind::Block(body) | ast::StmtKind::Loop { body, .. } => {
                collect_assigned(body, names)
            }
            ast::StmtKind::If {
                then, otherwise, ..
            } => {
                collect_assigned(std::slice::from_ref(then), names);
                if let Some(otherwise) = otherwise {
                    collect_assigned(std::slice::from_ref(otherwise), names);
                }
            }
            ast::StmtKind::Assign {
                target:
                    ast::Expr {
                        kind: ast::ExprKind::Dollar(name),
                        ..
                    },
                ..
            } => {
                names.push(name.clone());
            }
            _ => {}
        }
    }
}

impl Checker<'_> {
    pub(super) fn scratch_slot(&mut self, name: &str, scope: &mut Scope<'_>) -> usize {
        if let Some(slot) = scope.scratch.iter().position(|(known, _)| known == name) {
            return slot;
        }
        scope.scratch.push((name.to_string(), None));
        self.changed = true;
        scope.scratch.len() - 1
    }

    pub(super) fn scratch_read(
        &mut self,
        slot: usize,
        span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Typed> {
        match &scope.scratch[slot].1 {
            Some((ty, _)) => Some(expr(ExprKind::Scratch(slot), ty.clone(), span)),
            // A variable whose assignments failed to type was reported at them: its uses
            // would only repeat the error (`$a = kaddr("no_such"); @ = *$a;`).
            None if !self.errors.list.is_empty() => None,
            None => {
                let name = &scope.scratch[slot].0;
                self.errors.report(
                    span,
                    format_args!("`${name}` has no type: it is only assigned from itself"),
                );
                None
            }
        }
    }

    pub(super) fn scratch_store_type(
        &mut self,
        slot: usize,
        value: &Expr,
        scope: &mut Scope<'_>,
    ) -> Option<Type> {
        if matches!(value.ty, Type::Void) || matches!(value.kind, ExprKind::MapRef(_)) {
            self.errors
                .report(value.span, format_args!("this has no value to store"));
            return None;
        }
        let (name, known) = &mut scope.scratch[slot];
        let common = widen(known, &value.ty, value.span, &mut self.changed);
        if let (None, Some((existing, first))) = (&common, known) {
            self.errors.report_note(
                value.span,
                format_args!("`${name}` holds {existing} values, this is {}", value.ty),
                (
                    *first,
                    format_args!("`${name}` first gets a {existing} here"),
                ),
            );
        }
        common
    }

    pub(super) fn dollar(
        &mut self,
        name: &str,
        span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Typed> {
        if scope.assigned.iter().any(|assigned| assigned == name) {
            let slot = self.scratch_slot(name, scope);
            return self.scratch_read(slot, span, scope);
        }
        if name == "target" {
            return self.target_pid("$target", span);
        }
        // Borrowed for as long as the checker's environment, not through `self`.
        let environment = self.environment;
        let count;
        let text = if name == "#" {
            count = environment.positional.len().to_string();
            count.as_str()
        } else if name.chars().all(|c| c.is_ascii_digit()) {
            // As in bpftrace, one not given is 0 (`crate::check` warns of it).
            let index: usize = crate::words::decimal(name).unwrap_or(usize::MAX);
            let given = index
                .checked_sub(1)
                .and_then(|index| environment.positional.get(index));
            given.map_or("0", String::as_str)
        } else {
            let variables = &environment.variables;
            match variables.iter().rfind(|(known, _)| known == name) {
                Some((_, text)) => text.as_str(),
                None => {
                    self.errors.report_label(
                        span,
                        format_args!("environment variable `{name}` is not set"),
                        format_args!("assign it in this probe to make it a scratch variable"),
                    );
                    return None;
                }
            }
        };
        Some(match parse_number(text) {
            Some(value) => {
                let ty = if (value as i64) < 0 && crate::words::trim_start(text).starts_with('-') {
                    I64
                } else {
                    literal_type(value)
                };
                expr(ExprKind::Int(value), ty, span)
            }
            None => expr(
                ExprKind::Str(text.as_bytes().to_vec()),
                string_literal(text.len()),
                span,
            ),
        })
    }
}

impl Checker<'_> {
    /// ply's `$target` and bpftrace's `cpid`: the pid of the `-c` command (the child runs it
    /// by `exec` where it can, so that it is the command's own; see `kernel::child`).
    pub(super) fn target_pid(&mut self, name: &str, span: Span) -> Option<Typed> {
        if !self.environment.target {
            self.errors.report_label(
                span,
                format_args!("`{name}` is the pid of the -c command"),
                format_args!("there is no -c COMMAND"),
            );
            return None;
        }
        Some(expr(ExprKind::TargetPid, Type::Id(Id::Process), span))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_number;

    /// strtoll with base 0, as ply reads `$NAME` and `$1`.
    #[test]
    fn numbers_parse_in_the_radix_their_prefix_says() {
        let cases: [(&str, Option<u64>); 13] = [
            ("42", Some(42)),
            (" 12 ", Some(12)),
            ("+7", Some(7)),
            ("-5", Some(-5i64 as u64)),
            ("0x1F", Some(31)),
            ("0X1f", Some(31)),
            ("017", Some(15)),
            ("0", Some(0)),
            ("0x", None),
            ("08", None),
            ("abc", None),
            ("18446744073709551615", Some(u64::MAX)),
            ("-9223372036854775809", None),
        ];
        for (text, value) in cases {
            assert_eq!(parse_number(text), value, "{text:?}");
        }
    }
}
