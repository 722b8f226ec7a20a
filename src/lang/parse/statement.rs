//! lang::parse::statement: blocks and statements, and the recovery that skips a bad one.

use super::expression::assignment_operator;
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
        let open = self.skip_space()?;
        self.expect("{")?;
        let mut statements = Vec::new();
        loop {
            let rest = self.skip_space()?;
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
                Ok(statement) => statements.extend(statement),
                Err(error) => {
                    self.errors.push(*error);
                    self.rest = self.recover(rest);
                    if self.rest.is_empty() || self.errors.len() > MAX_SHOWN {
                        return Err(self.errors.pop().expect("an error was just pushed").into());
                    }
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
    pub(super) fn statement(&mut self) -> Parsed<Option<Stmt>> {
        self.enter(self.rest)?;
        let result = self.statement_inner();
        self.leave();
        result
    }

    fn statement_inner(&mut self) -> Parsed<Option<Stmt>> {
        let start = self.skip_space()?;
        if let Some(rest) = start.strip_prefix(';') {
            self.rest = rest;
            return Ok(None);
        }
        if start.starts_with('{') {
            let body = self.block()?;
            return Ok(Some(Stmt {
                kind: StmtKind::Block(body),
                span: self.from(start),
            }));
        }
        if self.keyword("if")? {
            return self.if_statement(start);
        }
        if self.loop_statement(start)? {
            return Ok(None);
        }
        self.simple_statement(start)
    }

    /// bpftrace's `while`, `for` and `unroll`, and C's `do`: reported, and skipped whole.
    fn loop_statement(&mut self, start: &'a str) -> Result<bool, Error> {
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
            let Some(after) = self.keyword_at(start, word)? else {
                continue;
            };
            let mut rest = self.skip(after)?;
            if !rest.starts_with(opening) {
                continue;
            }
            self.errors
                .push(Diag::new(self.span(start, after), message(what, instead)));
            if rest.starts_with('(') {
                rest = self.skip(skip_group(rest))?;
            }
            rest = if rest.starts_with('{') {
                skip_group(rest)
            } else {
                self.recover(rest)
            };
            // `do { } while (...);`
            if word == "do" {
                if let Some(after) = self.keyword_at(rest, "while")? {
                    rest = self.recover(after);
                }
            }
            self.rest = rest;
            return Ok(true);
        }
        Ok(false)
    }

    /// The recursive path through nested statements goes through small frames only, so deep
    /// nesting up to `MAX_DEPTH` fits even a 2 MiB thread stack in a debug build.
    fn if_statement(&mut self, start: &'a str) -> Parsed<Option<Stmt>> {
        self.expect("(")?;
        let condition = self.expr()?;
        self.expect(")")?;
        let then = self.required_statement()?;
        let mut otherwise = None;
        if self.keyword("else")? {
            otherwise = Some(Box::new(self.required_statement()?));
        }
        Ok(Some(Stmt {
            kind: StmtKind::If {
                condition,
                then: Box::new(then),
                otherwise,
            },
            span: self.from(start),
        }))
    }

    /// `return;`, `delete m[k];`, assignments, increments and expression statements.
    fn simple_statement(&mut self, start: &'a str) -> Parsed<Option<Stmt>> {
        if self.keyword("return")? {
            self.terminator()?;
            return Ok(Some(Stmt {
                kind: StmtKind::Return,
                span: self.from(start),
            }));
        }
        if self.keyword("delete")? {
            let target = self.expr()?;
            self.terminator()?;
            return Ok(Some(Stmt {
                kind: StmtKind::Delete(target),
                span: self.from(start),
            }));
        }
        // `++x` / `--x` as a statement.
        if let Some((operator, rest)) = step_operator(start) {
            self.rest = rest;
            let target = self.unary()?;
            let one_span = self.span(start, &start[2..]);
            self.terminator()?;
            return Ok(Some(self.step(start, target, operator, one_span)));
        }
        let expression = self.expr()?;
        let after = self.skip(self.rest)?;
        if let Some((operator, end)) = step_operator(after) {
            let one_span = self.span(after, end);
            self.rest = end;
            self.terminator()?;
            return Ok(Some(self.step(start, expression, operator, one_span)));
        }
        if let Some((operator, value_start)) = assignment_operator(after) {
            self.rest = value_start;
            let value = self.expr()?;
            self.terminator()?;
            return Ok(Some(Stmt {
                kind: StmtKind::Assign {
                    target: expression,
                    operator,
                    value: Box::new(value),
                },
                span: self.from(start),
            }));
        }
        self.terminator()?;
        Ok(Some(Stmt {
            kind: StmtKind::Expr(expression),
            span: self.from(start),
        }))
    }

    fn step(&self, start: &'a str, target: Expr, operator: BinaryOp, one_span: Span) -> Stmt {
        Stmt {
            kind: StmtKind::Assign {
                target,
                operator: Some(operator),
                value: Box::new(Expr {
                    kind: ExprKind::Int(1),
                    span: one_span,
                }),
            },
            span: self.from(start),
        }
    }

    /// The body of `if`/`else`: a statement that is not just `;`.
    fn required_statement(&mut self) -> Parsed<Stmt> {
        let start = self.skip_space()?;
        match self.statement()? {
            Some(statement) => Ok(statement),
            None => Err(self.expected("a statement", start)),
        }
    }

    /// `;`, which may be left out before `}` and at the end of the script.
    fn terminator(&mut self) -> Result<(), Error> {
        let rest = self.skip_space()?;
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

/// `++` or `--` at the start of `input`: the operator it adds 1 with, and the text after it.
fn step_operator(input: &str) -> Option<(BinaryOp, &str)> {
    if let Some(rest) = input.strip_prefix("++") {
        return Some((BinaryOp::Add, rest));
    }
    input
        .strip_prefix("--")
        .map(|rest| (BinaryOp::Subtract, rest))
}
