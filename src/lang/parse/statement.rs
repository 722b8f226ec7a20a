//! lang::parse::statement: blocks and statements, and the recovery that skips a bad one.

use super::expression::{assignment_operator, node};
use super::{skip_code, skip_group, Error, Parsed, Parser, Skip};
use crate::lang::ast::{BinaryOp, Expr, ExprKind, Stmt, StmtKind};
use crate::lang::diag::{Diag, Span, MAX_SHOWN};
use crate::lang::unsupported::message;

impl<'a> Parser<'a> {
    pub(super) fn block(&mut self) -> Parsed<Vec<Stmt>> {
        self.enter(self.rest)?;
        let result = self.block_inner();
        self.leave();
        result
    }

    fn block_inner(&mut self) -> Parsed<Vec<Stmt>> {
        let open = self.skip_space();
        self.expect("{")?;
        let mut statements = Vec::new();
        loop {
            let rest = self.skip_space();
            if let Some(after) = rest.strip_prefix('}') {
                self.rest = after;
                return Ok(statements);
            }
            if rest.is_empty() {
                let start = self.offset(open);
                return Err(Diag::new(Span::new(start, start + 1), "unclosed `{`")
                    .with_label("this block is never closed")
                    .into());
            }
            match self.statement() {
                Ok(statement) => statements.extend(statement.map(|statement| *statement)),
                Err(error) => {
                    self.rest = self.recover(rest);
                    // With nothing left to read, or enough errors, this one ends the block.
                    if self.rest.is_empty() || self.errors.len() >= MAX_SHOWN {
                        return Err(error);
                    }
                    self.errors.push(*error);
                }
            }
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
    pub(super) fn statement(&mut self) -> Parsed<Option<Box<Stmt>>> {
        self.enter(self.rest)?;
        let result = self.statement_inner();
        self.leave();
        result
    }

    /// Boxed, as `if` keeps its branches: built once where it stays, its kind written in place.
    fn statement_inner(&mut self) -> Parsed<Option<Box<Stmt>>> {
        let start = self.skip_space();
        let mut statement = Box::new(Stmt {
            kind: StmtKind::Return,
            span: Span::default(),
        });
        if !self.statement_kind(start, &mut statement.kind)? {
            return Ok(None);
        }
        statement.span = self.from(start);
        Ok(Some(statement))
    }

    /// Writes the statement at `start` to `kind`; false for a stray `;` or a loop.
    fn statement_kind(&mut self, start: &'a str, kind: &mut StmtKind) -> Result<bool, Error> {
        if let Some(rest) = start.strip_prefix(';') {
            self.rest = rest;
            return Ok(false);
        }
        if start.starts_with('{') {
            *kind = StmtKind::Block(self.block()?);
            return Ok(true);
        }
        if self.keyword("if") {
            self.if_statement(kind)?;
            return Ok(true);
        }
        if self.loop_statement(start) {
            return Ok(false);
        }
        self.simple_statement(start, kind)?;
        self.terminator()?;
        Ok(true)
    }

    /// bpftrace's `while`, `for` and `unroll`, and C's `do`: reported, and skipped whole.
    fn loop_statement(&mut self, start: &'a str) -> bool {
        const INSTEAD: &str =
            "write the statements out, or keep state in a map from one event to the next";
        const LOOPS: [(&str, &str, &str, &str); 4] = [
            ("while", "(", "`while` loops are", INSTEAD),
            ("for", "(", "`for` loops are", INSTEAD),
            ("do", "{", "`do` loops are", INSTEAD),
            (
                "unroll",
                "(",
                "`unroll` is",
                "write the statements out as many times",
            ),
        ];
        for &(word, opening, what, instead) in &LOOPS {
            let Some(after) = self.keyword_at(start, word) else {
                continue;
            };
            let mut rest = self.skip(after);
            if !rest.starts_with(opening) {
                continue;
            }
            self.errors
                .push(Diag::new(self.span(start, after), message(what, instead)));
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

    /// The recursive path through nested statements goes through small frames only, so deep
    /// nesting up to `MAX_DEPTH` fits even a 2 MiB thread stack in a debug build.
    fn if_statement(&mut self, kind: &mut StmtKind) -> Result<(), Error> {
        self.expect("(")?;
        let condition = *self.expr()?;
        self.expect(")")?;
        let then = self.required_statement()?;
        let mut otherwise = None;
        if self.keyword("else") {
            otherwise = Some(self.required_statement()?);
        }
        *kind = StmtKind::If {
            condition,
            then,
            otherwise,
        };
        Ok(())
    }

    /// `return`, `delete m[k]`, assignments, increments and expression statements, before
    /// their `;`.
    fn simple_statement(&mut self, start: &'a str, kind: &mut StmtKind) -> Result<(), Error> {
        if self.keyword("return") {
            // `kind` is a `Return` already.
            return Ok(());
        }
        if self.keyword("delete") {
            *kind = StmtKind::Delete(*self.expr()?);
            return Ok(());
        }
        // `++x` / `--x` as a statement.
        if let Some((operator, rest)) = step_operator(start) {
            self.rest = rest;
            let target = *self.unary()?;
            *kind = step(target, operator, self.span(start, rest));
            return Ok(());
        }
        let expression = *self.expr()?;
        let after = self.skip(self.rest);
        *kind = if let Some((operator, end)) = step_operator(after) {
            self.rest = end;
            step(expression, operator, self.span(after, end))
        } else if let Some((operator, value_start)) = assignment_operator(after) {
            self.rest = value_start;
            let value = self.expr()?;
            StmtKind::Assign {
                target: expression,
                operator,
                value,
            }
        } else {
            StmtKind::Expr(expression)
        };
        Ok(())
    }

    /// The body of `if`/`else`: a statement that is not just `;`.
    fn required_statement(&mut self) -> Parsed<Box<Stmt>> {
        let start = self.skip_space();
        match self.statement()? {
            Some(statement) => Ok(statement),
            None => Err(self.expected("a statement", start)),
        }
    }

    /// `;`, which may be left out before `}` and at the end of the script.
    fn terminator(&mut self) -> Result<(), Error> {
        let rest = self.skip_space();
        if let Some(after) = rest.strip_prefix(';') {
            self.rest = after;
            return Ok(());
        }
        if rest.is_empty() || rest.starts_with('}') {
            return Ok(());
        }
        Err(self.expected("`;`", rest))
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
fn step_operator(input: &str) -> Option<(BinaryOp, &str)> {
    if let Some(rest) = input.strip_prefix("++") {
        return Some((BinaryOp::Add, rest));
    }
    input
        .strip_prefix("--")
        .map(|rest| (BinaryOp::Subtract, rest))
}
