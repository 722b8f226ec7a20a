//! lang::parse::statement: blocks and statements, and the recovery that skips a bad one.

use super::expression::assignment_operator;
use super::{skip_code, skip_group, Error, Parsed, Parser, Skip};
use crate::lang::ast::{BinaryOp, Expr, ExprKind, Stmt, StmtKind};
use crate::lang::diag::{Diag, Span, MAX_SHOWN};
use crate::lang::unsupported::message;

impl<'a> Parser<'a> {
    pub(super) fn block(&mut self, input: &'a str) -> Parsed<'a, Vec<Stmt>> {
        self.enter(input)?;
        let result = self.block_inner(input);
        self.leave();
        result
    }

    fn block_inner(&mut self, input: &'a str) -> Parsed<'a, Vec<Stmt>> {
        let open = self.skip(input)?;
        let mut rest = self.expect(open, "{")?;
        let mut statements = Vec::new();
        loop {
            rest = self.skip(rest)?;
            if let Some(after) = rest.strip_prefix('}') {
                return Ok((after, statements));
            }
            if rest.is_empty() {
                let start = self.offset(open);
                return Err(Diag::new(Span::new(start, start + 1), "unclosed `{`")
                    .with_label("this block is never closed")
                    .into());
            }
            match self.statement(rest) {
                Ok((after, statement)) => {
                    statements.extend(statement);
                    rest = after;
                }
                Err(error) => {
                    self.errors.push(*error);
                    rest = self.recover(rest);
                    if rest.is_empty() || self.errors.len() > MAX_SHOWN {
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
    pub(super) fn statement(&mut self, input: &'a str) -> Parsed<'a, Option<Stmt>> {
        self.enter(input)?;
        let result = self.statement_inner(input);
        self.leave();
        result
    }

    fn statement_inner(&mut self, input: &'a str) -> Parsed<'a, Option<Stmt>> {
        let start = self.skip(input)?;
        if let Some(rest) = start.strip_prefix(';') {
            return Ok((rest, None));
        }
        if start.starts_with('{') {
            let (rest, body) = self.block(start)?;
            let span = self.span(start, rest);
            return Ok((
                rest,
                Some(Stmt {
                    kind: StmtKind::Block(body),
                    span,
                }),
            ));
        }
        if let Some(rest) = self.keyword(start, "if")? {
            return self.if_statement(start, rest);
        }
        if let Some(rest) = self.loop_statement(start)? {
            return Ok((rest, None));
        }
        self.simple_statement(start)
    }

    /// bpftrace's `while`, `for` and `unroll`, and C's `do`: reported, and skipped whole.
    fn loop_statement(&mut self, start: &'a str) -> Result<Option<&'a str>, Error> {
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
            let Some(after) = self.keyword(start, word)? else {
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
                if let Some(after) = self.keyword(rest, "while")? {
                    rest = self.recover(after);
                }
            }
            return Ok(Some(rest));
        }
        Ok(None)
    }

    /// The recursive path through nested statements goes through small frames only, so deep
    /// nesting up to `MAX_DEPTH` fits even a 2 MiB thread stack in a debug build.
    fn if_statement(&mut self, start: &'a str, rest: &'a str) -> Parsed<'a, Option<Stmt>> {
        let rest = self.expect(rest, "(")?;
        let (rest, condition) = self.expr(rest)?;
        let rest = self.expect(rest, ")")?;
        let (mut rest, then) = self.required_statement(rest)?;
        let mut otherwise = None;
        if let Some(after) = self.keyword(rest, "else")? {
            let (after, statement) = self.required_statement(after)?;
            otherwise = Some(Box::new(statement));
            rest = after;
        }
        let span = self.span(start, rest);
        Ok((
            rest,
            Some(Stmt {
                kind: StmtKind::If {
                    condition,
                    then: Box::new(then),
                    otherwise,
                },
                span,
            }),
        ))
    }

    /// `return;`, `delete m[k];`, assignments, increments and expression statements.
    fn simple_statement(&mut self, start: &'a str) -> Parsed<'a, Option<Stmt>> {
        if let Some(rest) = self.keyword(start, "return")? {
            let rest = self.terminator(rest)?;
            let span = self.span(start, rest);
            return Ok((
                rest,
                Some(Stmt {
                    kind: StmtKind::Return,
                    span,
                }),
            ));
        }
        if let Some(rest) = self.keyword(start, "delete")? {
            let (rest, target) = self.expr(rest)?;
            let rest = self.terminator(rest)?;
            let span = self.span(start, rest);
            return Ok((
                rest,
                Some(Stmt {
                    kind: StmtKind::Delete(target),
                    span,
                }),
            ));
        }
        // `++x` / `--x` as a statement.
        if let Some((operator, rest)) = step_operator(start) {
            let (rest, target) = self.unary(rest)?;
            let one_span = self.span(start, &start[2..]);
            let rest = self.terminator(rest)?;
            return Ok((
                rest,
                Some(self.step(start, rest, target, operator, one_span)),
            ));
        }
        let (rest, expression) = self.expr(start)?;
        let after = self.skip(rest)?;
        if let Some((operator, end)) = step_operator(after) {
            let one_span = self.span(after, end);
            let end = self.terminator(end)?;
            return Ok((
                end,
                Some(self.step(start, end, expression, operator, one_span)),
            ));
        }
        if let Some((operator, value_start)) = assignment_operator(after) {
            let (rest, value) = self.expr(value_start)?;
            let rest = self.terminator(rest)?;
            let span = self.span(start, rest);
            return Ok((
                rest,
                Some(Stmt {
                    kind: StmtKind::Assign {
                        target: expression,
                        operator,
                        value: Box::new(value),
                    },
                    span,
                }),
            ));
        }
        let rest = self.terminator(rest)?;
        let span = self.span(start, rest);
        Ok((
            rest,
            Some(Stmt {
                kind: StmtKind::Expr(expression),
                span,
            }),
        ))
    }

    fn step(
        &self,
        start: &'a str,
        end: &'a str,
        target: Expr,
        operator: BinaryOp,
        one_span: Span,
    ) -> Stmt {
        Stmt {
            kind: StmtKind::Assign {
                target,
                operator: Some(operator),
                value: Box::new(Expr {
                    kind: ExprKind::Int(1),
                    span: one_span,
                }),
            },
            span: self.span(start, end),
        }
    }

    /// The body of `if`/`else`: a statement that is not just `;`.
    fn required_statement(&mut self, input: &'a str) -> Parsed<'a, Stmt> {
        let start = self.skip(input)?;
        match self.statement(start)? {
            (rest, Some(statement)) => Ok((rest, statement)),
            (_, None) => Err(self.expected("a statement", start)),
        }
    }

    /// `;`, which may be left out before `}` and at the end of the script.
    fn terminator(&self, input: &'a str) -> Result<&'a str, Error> {
        let rest = self.skip(input)?;
        if let Some(after) = rest.strip_prefix(';') {
            return Ok(after);
        }
        if rest.is_empty() || rest.starts_with('}') {
            return Ok(rest);
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
