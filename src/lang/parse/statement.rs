//! lang::parse::statement: blocks and statements, and the recovery that skips a bad one.

use super::expression::{assignment_operator, node};
use super::{skip_code, skip_group, Parser, Skip};
use crate::lang::ast::{BinaryOp, Expr, ExprKind, Stmt, StmtKind};
use crate::lang::diag::{Diag, Span, MAX_SHOWN};
use crate::lang::unsupported::message;

impl<'a> Parser<'a> {
    pub(super) fn block(&mut self) -> Vec<Stmt> {
        if !self.enter(self.rest) {
            return Vec::new();
        }
        let result = self.block_inner();
        self.leave();
        result
    }

    fn block_inner(&mut self) -> Vec<Stmt> {
        let open = self.skip_space();
        self.expect("{");
        let mut statements = Vec::new();
        loop {
            let rest = self.skip_space();
            if let Some(after) = rest.strip_prefix('}') {
                self.rest = after;
                return statements;
            }
            if rest.is_empty() {
                let start = self.offset(open);
                self.fail(
                    Diag::new(Span::new(start, start + 1), "unclosed `{`")
                        .with_label("this block is never closed")
                        .into(),
                );
                return statements;
            }
            // A failure leaves the rest empty: it is the statement's own.
            let statement = self.statement();
            let Some(error) = self.failed.take() else {
                statements.extend(statement.map(|statement| *statement));
                continue;
            };
            self.rest = self.recover(rest);
            // With nothing left to read, or enough errors, this one ends the block.
            if self.rest.is_empty() || self.errors.len() >= MAX_SHOWN {
                self.fail(error);
                return statements;
            }
            self.errors.push(*error);
        }
    }

    /// After a bad statement: skips past the next `;` outside brackets, or to the `}` that
    /// closes the current block.
    fn recover(&self, input: &'a str) -> &'a str {
        skip_code(input, &|c, depth| match c {
            '}' if depth == 0 => Skip::Before,
            ';' if depth == 0 => Skip::After,
            _ => Skip::On,
        })
    }

    /// One statement; a stray `;` is None.
    pub(super) fn statement(&mut self) -> Option<Box<Stmt>> {
        if !self.enter(self.rest) {
            return None;
        }
        let result = self.statement_inner();
        self.leave();
        result
    }

    /// Boxed, as `if` keeps its branches: built once where it stays, its kind written in place.
    fn statement_inner(&mut self) -> Option<Box<Stmt>> {
        let start = self.skip_space();
        let mut statement = new_statement();
        if !self.statement_kind(start, &mut statement.kind) {
            return None;
        }
        statement.span = self.from(start);
        Some(statement)
    }

    /// Writes the statement at `start` to `kind`; false for a stray `;` or a loop.
    fn statement_kind(&mut self, start: &'a str, kind: &mut StmtKind) -> bool {
        if let Some(rest) = start.strip_prefix(';') {
            self.rest = rest;
            return false;
        }
        if start.starts_with('{') {
            *kind = StmtKind::Block(self.block());
            return true;
        }
        if self.keyword("if") {
            self.if_statement(kind);
            return true;
        }
        let unroll = self.keyword("unroll");
        if unroll || self.keyword("while") {
            self.while_or_unroll(unroll, kind);
            return true;
        }
        if self.loop_statement(start) {
            return false;
        }
        self.simple_statement(start, kind);
        self.terminator();
        true
    }

    /// `for` loops (bpftrace's over a map, or C's) and C's `do`: reported, and skipped whole.
    fn loop_statement(&mut self, start: &'a str) -> bool {
        const LOOPS: [(&str, &str, &str); 2] = [
            ("for", "(", "`for` loops are"),
            ("do", "{", "`do` loops are"),
        ];
        for &(word, opening, what) in &LOOPS {
            let Some(after) = self.keyword_at(start, word) else {
                continue;
            };
            let mut rest = self.skip(after);
            if !rest.starts_with(opening) {
                continue;
            }
            self.errors.push(Diag::new(
                self.span(start, after),
                message(
                    format_args!("{what}"),
                    "write the statements out, or keep state in a map from one event to the next",
                ),
            ));
            if rest.starts_with('(') {
                rest = self.skip(skip_group(rest));
            }
            rest = if rest.starts_with('{') {
                skip_group(rest)
            } else {
                self.recover(rest)
            };
            // `do { } while (...);`
            if word == "do" {
                if let Some(after) = self.keyword_at(rest, "while") {
                    rest = self.recover(after);
                }
            }
            self.rest = rest;
            return true;
        }
        false
    }

    /// bpftrace's `while (condition) { }` and `unroll (count) { }`: a block, never a lone
    /// statement, after the parenthesis.
    fn while_or_unroll(&mut self, unroll: bool, kind: &mut StmtKind) {
        self.expect("(");
        let head = *self.expr();
        self.expect(")");
        let body = self.block();
        *kind = StmtKind::Loop { unroll, head, body };
    }

    /// The recursive path through nested statements goes through small frames only, so deep
    /// nesting up to `MAX_DEPTH` fits even a 2 MiB thread stack in a debug build.
    fn if_statement(&mut self, kind: &mut StmtKind) {
        self.expect("(");
        let condition = *self.expr();
        self.expect(")");
        let then = self.required_statement();
        let mut otherwise = None;
        if self.keyword("else") {
            otherwise = Some(self.required_statement());
        }
        *kind = StmtKind::If {
            condition,
            then,
            otherwise,
        };
    }

    /// `return`, `delete m[k]`, assignments, increments and expression statements, before
    /// their `;`.
    fn simple_statement(&mut self, start: &'a str, kind: &mut StmtKind) {
        if self.keyword("return") {
            // `kind` is a `Return` already.
            return;
        }
        let to_next = self.keyword("continue");
        if to_next || self.keyword("break") {
            *kind = StmtKind::Jump { to_next };
            return;
        }
        if self.keyword("delete") {
            *kind = StmtKind::Delete(*self.expr());
            return;
        }
        // `++x` / `--x` as a statement.
        if let Some((operator, rest)) = step_operator(start) {
            self.rest = rest;
            let target = *self.unary();
            *kind = step(target, operator, self.span(start, rest));
            return;
        }
        let expression = *self.expr();
        let after = self.skip(self.rest);
        *kind = if let ExprKind::Increment {
            target, operator, ..
        } = expression.kind
        {
            // `x++;`: an assignment, its value unused.
            let one = Span::new(target.span.end, expression.span.end);
            step(*target, operator, one)
        } else if let Some((operator, value_start)) = assignment_operator(after) {
            self.rest = value_start;
            let value = self.expr();
            StmtKind::Assign {
                target: expression,
                operator,
                value,
            }
        } else {
            expression_statement(expression)
        };
    }

    /// The body of `if`/`else`: a statement that is not just `;`.
    fn required_statement(&mut self) -> Box<Stmt> {
        let start = self.skip_space();
        self.statement().unwrap_or_else(|| {
            self.fail_expected(format_args!("a statement"), start);
            new_statement()
        })
    }

    /// `;`, which may be left out before `}` and at the end of the script.
    fn terminator(&mut self) {
        let rest = self.skip_space();
        if let Some(after) = rest.strip_prefix(';') {
            self.rest = after;
        } else if !rest.is_empty() && !rest.starts_with('}') {
            self.fail_expected(format_args!("`;`"), rest);
        }
    }
}

/// A statement to write a kind into (or a failed one's stand-in).
fn new_statement() -> Box<Stmt> {
    Box::new(Stmt {
        kind: StmtKind::Return,
        span: Span::default(),
    })
}

/// An expression as a statement. A conditional one is an `if`: bpftrace runs
/// `c ? printf(..) : printf(..);` for its arms' effects, which have no value to choose between.
fn expression_statement(expression: Expr) -> StmtKind {
    let ExprKind::Ternary {
        condition,
        then,
        otherwise,
    } = expression.kind
    else {
        return StmtKind::Expr(expression);
    };
    let arm = |arm: Box<Expr>| {
        Box::new(Stmt {
            span: arm.span,
            kind: expression_statement(*arm),
        })
    };
    StmtKind::If {
        condition: *condition,
        then: arm(then),
        otherwise: Some(arm(otherwise)),
    }
}

/// `target` plus or minus the 1 written at `one_span`.
fn step(target: Expr, operator: BinaryOp, one_span: Span) -> StmtKind {
    StmtKind::Assign {
        target,
        operator: Some(operator),
        value: node(Expr {
            kind: ExprKind::Int(1),
            span: one_span,
        }),
    }
}

/// `++` or `--` at the start of `input`: the operator it adds 1 with, and the text after it.
pub(super) fn step_operator(input: &str) -> Option<(BinaryOp, &str)> {
    if let Some(rest) = input.strip_prefix("++") {
        return Some((BinaryOp::Add, rest));
    }
    input
        .strip_prefix("--")
        .map(|rest| (BinaryOp::Subtract, rest))
}
