//! lang::parse::expression: expressions by precedence climbing, casts, calls and map keys.
//! Each is returned boxed: a node is built once where it stays, an operand of the next one up,
//! and moves as a pointer rather than as a whole `Expr` at every level.

use super::statement::step_operator;
use super::{after_word, identifier, word, Error, Parser, C_DEFINITIONS, KEYWORDS};
use crate::lang::ast::{base_type, BinaryOp, Expr, ExprKind, UnaryOp};
use crate::lang::diag::{Diag, Span};
use crate::lang::unsupported::message;
use crate::words::word_index;

impl<'a> Parser<'a> {
    pub(super) fn expr(&mut self) -> Box<Expr> {
        if !self.enter(self.rest) {
            return stand_in();
        }
        let result = self.ternary();
        self.leave();
        result
    }

    fn ternary(&mut self) -> Box<Expr> {
        let condition = self.binary(0);
        if !self.eat("?") {
            return condition;
        }
        let then = self.expr();
        self.expect(":");
        let otherwise = self.expr();
        let span = condition.span.to(otherwise.span);
        node(Expr {
            kind: ExprKind::Ternary {
                condition,
                then,
                otherwise,
            },
            span,
        })
    }

    /// Precedence climbing over C's binary operators; `min_level` indexes `binary_operator`'s
    /// levels, loosest first.
    pub(super) fn binary(&mut self, min_level: usize) -> Box<Expr> {
        // Each operator of a chain deepens the tree by one, though the loop does not recurse.
        let depth = self.depth;
        let result = self.binary_chain(min_level);
        self.depth = depth;
        result
    }

    fn binary_chain(&mut self, min_level: usize) -> Box<Expr> {
        let mut left = self.unary();
        loop {
            let after = self.skip(self.rest);
            let Some((operator, level, operand)) = binary_operator(after) else {
                break;
            };
            if level < min_level {
                break;
            }
            if !self.enter(after) {
                break;
            }
            self.rest = operand;
            let right = self.binary(level + 1);
            let span = left.span.to(right.span);
            left = node(Expr {
                kind: ExprKind::Binary {
                    operator,
                    left,
                    right,
                },
                span,
            });
        }
        left
    }

    pub(super) fn unary(&mut self) -> Box<Expr> {
        if !self.enter(self.rest) {
            return stand_in();
        }
        let result = self.unary_inner();
        self.leave();
        result
    }

    fn unary_inner(&mut self) -> Box<Expr> {
        let start = self.skip_space();
        let operator = match start.as_bytes().first() {
            Some(b'-') if !start.starts_with("--") && !start.starts_with("->") => {
                Some(UnaryOp::Negate)
            }
            Some(b'~') => Some(UnaryOp::BitNot),
            Some(b'!') if !start.starts_with("!=") => Some(UnaryOp::Not),
            Some(b'*') => Some(UnaryOp::Deref),
            _ => None,
        };
        // `++x` and `--x` too, whose operand is read the same way.
        let step = step_operator(start);
        if step.is_some() || operator.is_some() {
            self.rest = step.map_or(&start[1..], |(_, rest)| rest);
            let operand = self.unary();
            let span = self.from(start).to(operand.span);
            let kind = match (step, operator) {
                (Some((operator, _)), _) => ExprKind::Increment {
                    target: operand,
                    operator,
                    post: false,
                },
                (None, Some(operator)) => ExprKind::Unary { operator, operand },
                (None, None) => return operand,
            };
            return node(Expr { kind, span });
        }
        if let Some(after_paren) = start.strip_prefix('(') {
            if let Some((type_name, type_span, rest)) = self.cast_type(after_paren) {
                self.rest = rest;
                let operand = self.unary();
                let span = Span::new(self.offset(start), operand.span.end);
                return node(Expr {
                    kind: ExprKind::Cast {
                        type_name,
                        type_span,
                        operand,
                    },
                    span,
                });
            }
        }
        self.postfix()
    }
    /// `u32)`, `struct sock *)` and friends after a `(`: a cast, when the words name a type.
    fn cast_type(&mut self, input: &'a str) -> Option<(String, Span, &'a str)> {
        let (name, type_span, rest) = self.type_name(input)?;
        let after = self.skip(rest).strip_prefix(')')?;
        Some((name, type_span, after))
    }

    /// A type as a cast or `sizeof` writes it: a base type (`u32`), or C's `struct X`,
    /// `union X`, `enum X`, then any `*`s; spelled with single spaces (`struct sock**`).
    /// None when it is not one, or after a failure.
    fn type_name(&mut self, input: &'a str) -> Option<(String, Span, &'a str)> {
        let word_start = self.skip(input);
        let (mut rest, word) = identifier(word_start)?;
        let mut name = word.to_string();
        if word_index(C_DEFINITIONS, word).is_some_and(|index| index < 3) {
            let tag_start = self.skip(rest);
            let Some((after, tag)) = identifier(tag_start) else {
                self.fail_expected(format_args!("a name after `{word}`"), tag_start);
                return None;
            };
            name.push(' ');
            name.push_str(tag);
            rest = after;
        } else if base_type(word).is_none() {
            return None;
        }
        let mut end = rest;
        let mut rest = self.skip(rest);
        while let Some(after) = rest.strip_prefix('*') {
            name.push('*');
            end = after;
            rest = self.skip(after);
        }
        Some((name, self.span(word_start, end), end))
    }

    /// `sizeof(type)`, `sizeof(expression)` or `offsetof(type, a.b)`, after the `(`.
    fn type_query(&mut self, start: &'a str, offsetof: bool) -> Box<Expr> {
        let input = self.rest;
        let (type_name, type_span, operand) = match self.type_name(input) {
            Some((name, span, rest)) => {
                self.rest = rest;
                (name, span, None)
            }
            None if offsetof => {
                self.fail_expected(format_args!("a struct type"), self.skip(input));
                return stand_in();
            }
            None => {
                let operand = self.expr();
                (String::new(), operand.span, Some(operand))
            }
        };
        let mut members = Vec::new();
        if offsetof {
            self.expect(",");
            loop {
                let field_start = self.skip_space();
                let Some((after, field)) = identifier(field_start) else {
                    self.fail_expected(format_args!("a member name"), field_start);
                    return stand_in();
                };
                members.push(field.to_string());
                self.rest = after;
                if !self.eat(".") {
                    break;
                }
            }
        }
        self.expect(")");
        node(Expr {
            kind: ExprKind::TypeQuery {
                type_name,
                type_span,
                operand,
                members,
            },
            span: self.from(start),
        })
    }

    fn postfix(&mut self) -> Box<Expr> {
        let depth = self.depth;
        let result = self.postfix_chain();
        self.depth = depth;
        result
    }

    fn postfix_chain(&mut self) -> Box<Expr> {
        let mut expression = self.primary();
        loop {
            let after = self.skip(self.rest);
            let (arrow, field_start) = if let Some(field) = after.strip_prefix("->") {
                (true, field)
            } else if let Some(field) = after.strip_prefix('.') {
                (false, field)
            } else if let Some(index_start) = after.strip_prefix('[') {
                if !self.enter(after) {
                    break;
                }
                self.rest = index_start;
                let index = self.expr();
                self.expect("]");
                let span = Span::new(expression.span.start, self.offset(self.rest));
                expression = node(Expr {
                    kind: ExprKind::Index {
                        base: expression,
                        index,
                    },
                    span,
                });
                continue;
            } else if let Some((operator, end)) = step_operator(after) {
                self.rest = end;
                let span = expression.span.to(self.span(after, end));
                return node(Expr {
                    kind: ExprKind::Increment {
                        target: expression,
                        operator,
                        post: true,
                    },
                    span,
                });
            } else {
                break;
            };
            if !self.enter(after) {
                break;
            }
            let field_start = self.skip(field_start);
            // A tuple's element is a number: `$t.0`.
            let field = if arrow {
                identifier(field_start)
            } else {
                word(field_start)
            };
            let Some((after_field, field)) = field else {
                self.fail_expected(format_args!("a field name"), field_start);
                break;
            };
            let field_span = self.span(field_start, after_field);
            let span = expression.span.to(field_span);
            expression = node(Expr {
                kind: ExprKind::Member {
                    base: expression,
                    field: field.to_string(),
                    field_span,
                    arrow,
                },
                span,
            });
            self.rest = after_field;
        }
        expression
    }

    fn primary(&mut self) -> Box<Expr> {
        let start = self.skip_space();
        let Some(&first) = start.as_bytes().first() else {
            self.fail_expected(format_args!("an expression"), start);
            return stand_in();
        };
        if first.is_ascii_digit() || first == b'"' || first == b'\'' {
            return self.literal(first);
        }
        if let Some(inner) = start.strip_prefix('(') {
            self.rest = inner;
            let mut expression = self.expr();
            // bpftrace's tuple `(a, b, ...)`, when a comma follows the first.
            let mut elements = Vec::new();
            while self.eat(",") {
                elements.push(*self.expr());
            }
            self.expect(")");
            // The parentheses belong to the span, so a caret covers what was written.
            let span = self.from(start);
            if !elements.is_empty() {
                elements.insert(0, *expression);
                return node(Expr {
                    kind: ExprKind::Tuple(elements),
                    span,
                });
            }
            expression.span = span;
            return expression;
        }
        if let Some(after) = start.strip_prefix('@') {
            self.rest = after_word(after);
            // The name keeps its `@`.
            let name = start[..start.len() - self.rest.len()].to_string();
            return self.map_keys(start, name);
        }
        if let Some(after) = start.strip_prefix('$') {
            // bpftrace's `$#`: how many positional arguments were given.
            let name = after.strip_prefix('#').map(|rest| (rest, "#"));
            let Some((rest, name)) = name.or_else(|| word(after)) else {
                self.fail_expected(format_args!("a name after `$`"), after);
                return stand_in();
            };
            self.rest = rest;
            return node(Expr {
                kind: ExprKind::Dollar(name.to_string()),
                span: self.from(start),
            });
        }
        self.name_or_call(start)
    }

    /// A number, a `"string"` or a `'c'` character (a number), starting with the byte `first`.
    pub(super) fn literal(&mut self, first: u8) -> Box<Expr> {
        let start = self.rest;
        if first.is_ascii_digit() {
            let value = self.number();
            if let Some(fraction) = self
                .rest
                .strip_prefix('.')
                .filter(|fraction| fraction.as_bytes().first().is_some_and(u8::is_ascii_digit))
            {
                let end = after_word(fraction);
                return self.fail_expr(Diag::boxed(
                    self.span(start, end),
                    message(
                        format_args!("floating-point numbers are"),
                        "tine computes with integers (write 15 / 10 for 1.5)",
                    ),
                ));
            }
            return node(Expr {
                kind: ExprKind::Int(value),
                span: self.from(start),
            });
        }
        let bytes = self.quoted(first);
        let span = self.from(start);
        if first == b'"' {
            return node(Expr {
                kind: ExprKind::Str(bytes),
                span,
            });
        }
        if bytes.len() != 1 {
            return self.fail_expr(Diag::boxed(
                span,
                "a character literal holds exactly one character",
            ));
        }
        node(Expr {
            kind: ExprKind::Int(u64::from(bytes[0])),
            span,
        })
    }

    /// A name: a call `f(...)`, a plain map `m[...]`, or an identifier.
    fn name_or_call(&mut self, start: &'a str) -> Box<Expr> {
        let Some((rest, name)) =
            identifier(start).filter(|(_, name)| word_index(KEYWORDS, name).is_none())
        else {
            self.fail_expected(format_args!("an expression"), start);
            return stand_in();
        };
        let after = self.skip(rest);
        if let Some(arguments_start) = after.strip_prefix('(') {
            self.rest = arguments_start;
            let offsetof = name == "offsetof";
            if offsetof || name == "sizeof" {
                return self.type_query(start, offsetof);
            }
            let name_span = self.span(start, rest);
            let arguments = self.list(")");
            return node(Expr {
                kind: ExprKind::Call {
                    name: name.to_string(),
                    name_span,
                    arguments,
                },
                span: self.from(start),
            });
        }
        self.rest = rest;
        if after.starts_with('[') {
            return self.map_keys(start, name.to_string());
        }
        node(Expr {
            kind: ExprKind::Ident(name.to_string()),
            span: self.from(start),
        })
    }

    /// A map name followed by an optional `[k, ...]`.
    fn map_keys(&mut self, start: &'a str, name: String) -> Box<Expr> {
        let after = self.skip(self.rest);
        let keys = match after.strip_prefix('[') {
            Some(keys_start) => {
                self.rest = keys_start;
                let keys = self.list("]");
                if keys.is_empty() {
                    return self.fail_expr(Diag::boxed(
                        self.from(after),
                        "a map key needs at least one expression",
                    ));
                }
                Some(keys)
            }
            None => None,
        };
        node(Expr {
            kind: ExprKind::Map { name, keys },
            span: self.from(start),
        })
    }

    /// `a, b, c` up to `close` (already past the opening bracket); may be empty.
    fn list(&mut self, close: &str) -> Vec<Expr> {
        let mut items = Vec::new();
        if self.eat(close) {
            return items;
        }
        loop {
            items.push(*self.expr());
            if self.eat(",") {
                continue;
            }
            let after = self.skip(self.rest);
            match after.strip_prefix(close) {
                Some(after) => self.rest = after,
                None => {
                    self.fail_expected(format_args!("`,` or `{close}`"), after);
                }
            }
            return items;
        }
    }

    /// `fail`, with a stand-in for the expression not read.
    #[inline(never)]
    pub(super) fn fail_expr(&mut self, error: Error) -> Box<Expr> {
        self.fail(error);
        stand_in()
    }
}

/// A boxed operand: `Box::new` written once, where inlined at each site it would copy the
/// expression there.
#[inline(never)]
pub(super) fn node(expr: Expr) -> Box<Expr> {
    Box::new(expr)
}

/// What an expression that failed reads as: nothing looks at it, the error ends its statement.
fn stand_in() -> Box<Expr> {
    node(Expr {
        kind: ExprKind::Int(0),
        span: Span::default(),
    })
}

/// The binary operator at the start of `input`, its precedence level (loosest = 0) and the
/// text after it. Longer operators are tried first so `||` is not `|`; `op=` compound
/// assignments and a predicate's closing `/ {` are not operators.
fn binary_operator(input: &str) -> Option<(BinaryOp, usize, &str)> {
    use BinaryOp::*;
    // Longest first; each operator's text is its `symbol()` (a table of `&str`s would cost 16
    // bytes an operator).
    const TABLE: [(BinaryOp, u8); 19] = [
        (LogicalOr, 0),
        (LogicalXor, 1),
        (LogicalAnd, 2),
        (Equal, 6),
        (NotEqual, 6),
        (ShiftLeft, 8),
        (ShiftRight, 8),
        (LessEqual, 7),
        (GreaterEqual, 7),
        (BitOr, 3),
        (BitXor, 4),
        (BitAnd, 5),
        (Less, 7),
        (Greater, 7),
        (Add, 9),
        (Subtract, 9),
        (Multiply, 10),
        (Divide, 10),
        (Modulo, 10),
    ];
    if assignment_operator(input).is_some() || input.starts_with("->") {
        return None;
    }
    if input.starts_with("++") || input.starts_with("--") {
        return None;
    }
    for (operator, level) in TABLE {
        let Some(rest) = input.strip_prefix(operator.symbol()) else {
            continue;
        };
        if operator == Divide && crate::words::trim_start(rest).starts_with('{') {
            return None;
        }
        return Some((operator, level.into(), rest));
    }
    None
}

/// `=`, or a compound `op=`, at the start of `input`.
pub(super) fn assignment_operator(input: &str) -> Option<(Option<BinaryOp>, &str)> {
    use BinaryOp::*;
    // Each is its operator's `symbol()` then `=`.
    const COMPOUND: [BinaryOp; 10] = [
        ShiftLeft, ShiftRight, Add, Subtract, Multiply, Divide, Modulo, BitAnd, BitOr, BitXor,
    ];
    for operator in COMPOUND {
        let rest = input.strip_prefix(operator.symbol());
        if let Some(rest) = rest.and_then(|rest| rest.strip_prefix('=')) {
            return Some((Some(operator), rest));
        }
    }
    input
        .strip_prefix('=')
        .filter(|rest| !rest.starts_with('='))
        .map(|rest| (None, rest))
}
