//! lang::parse::expression: expressions by precedence climbing, casts, calls and map keys.

use super::{after_word, identifier, skip_group, word, Error, Parsed, Parser, KEYWORDS};
use crate::lang::ast::{base_type, BinaryOp, Expr, ExprKind, UnaryOp};
use crate::lang::diag::{Diag, Span};
use crate::lang::unsupported::message;

impl<'a> Parser<'a> {
    pub(super) fn expr(&mut self, input: &'a str) -> Parsed<'a, Expr> {
        self.enter(input)?;
        let result = self.ternary(input);
        self.leave();
        result
    }

    fn ternary(&mut self, input: &'a str) -> Parsed<'a, Expr> {
        let (rest, condition) = self.binary(input, 0)?;
        let Some(after) = self.eat(rest, "?")? else {
            return Ok((rest, condition));
        };
        let (after, then) = self.expr(after)?;
        let after = self.expect(after, ":")?;
        let (after, otherwise) = self.expr(after)?;
        let span = condition.span.to(otherwise.span);
        Ok((
            after,
            Expr {
                kind: ExprKind::Ternary {
                    condition: Box::new(condition),
                    then: Box::new(then),
                    otherwise: Box::new(otherwise),
                },
                span,
            },
        ))
    }

    /// Precedence climbing over C's binary operators; `min_level` indexes `binary_operator`'s
    /// levels, loosest first.
    pub(super) fn binary(&mut self, input: &'a str, min_level: usize) -> Parsed<'a, Expr> {
        // Each operator of a chain deepens the tree by one, though the loop does not recurse.
        let depth = self.depth;
        let result = self.binary_chain(input, min_level);
        self.depth = depth;
        result
    }

    fn binary_chain(&mut self, input: &'a str, min_level: usize) -> Parsed<'a, Expr> {
        let (mut rest, mut left) = self.unary(input)?;
        loop {
            let after = self.skip(rest)?;
            let Some((operator, level, operand)) = binary_operator(after) else {
                break;
            };
            if level < min_level {
                break;
            }
            self.enter(after)?;
            let (after_right, right) = self.binary(operand, level + 1)?;
            let span = left.span.to(right.span);
            left = Expr {
                kind: ExprKind::Binary {
                    operator,
                    left: Box::new(left),
                    right: Box::new(right),
                },
                span,
            };
            rest = after_right;
        }
        Ok((rest, left))
    }

    pub(super) fn unary(&mut self, input: &'a str) -> Parsed<'a, Expr> {
        self.enter(input)?;
        let result = self.unary_inner(input);
        self.leave();
        result
    }

    fn unary_inner(&mut self, input: &'a str) -> Parsed<'a, Expr> {
        let start = self.skip(input)?;
        let operator = match start.chars().next() {
            Some('-') if !start.starts_with("--") && !start.starts_with("->") => {
                Some(UnaryOp::Negate)
            }
            Some('~') => Some(UnaryOp::BitNot),
            Some('!') if !start.starts_with("!=") => Some(UnaryOp::Not),
            Some('*') => Some(UnaryOp::Deref),
            _ => None,
        };
        if let Some(operator) = operator {
            let (rest, operand) = self.unary(&start[1..])?;
            let span = self.span(start, rest).to(operand.span);
            return Ok((
                rest,
                Expr {
                    kind: ExprKind::Unary {
                        operator,
                        operand: Box::new(operand),
                    },
                    span,
                },
            ));
        }
        if let Some(after_paren) = start.strip_prefix('(') {
            if let Some((type_name, type_span, rest)) = self.cast_type(after_paren)? {
                let (rest, operand) = self.unary(rest)?;
                let span = Span::new(self.offset(start), operand.span.end);
                return Ok((
                    rest,
                    Expr {
                        kind: ExprKind::Cast {
                            type_name,
                            type_span,
                            operand: Box::new(operand),
                        },
                        span,
                    },
                ));
            }
        }
        self.postfix(start)
    }

    /// `u32)`, `struct sock *)` and friends after a `(`: a cast, when the words name a type.
    fn cast_type(&self, input: &'a str) -> Result<Option<(String, Span, &'a str)>, Error> {
        let Some((name, type_span, rest)) = self.type_name(input)? else {
            return Ok(None);
        };
        match self.skip(rest)?.strip_prefix(')') {
            Some(after) => Ok(Some((name, type_span, after))),
            None => Ok(None),
        }
    }

    /// A type as a cast or `sizeof` writes it: a base type (`u32`), or C's `struct X`,
    /// `union X`, `enum X`, then any `*`s; spelled with single spaces (`struct sock**`).
    fn type_name(&self, input: &'a str) -> Result<Option<(String, Span, &'a str)>, Error> {
        let word_start = self.skip(input)?;
        let Ok((mut rest, word)) = identifier(word_start) else {
            return Ok(None);
        };
        let mut name = word.to_string();
        if matches!(word, "struct" | "union" | "enum") {
            let Ok((after, tag)) = identifier(self.skip(rest)?) else {
                return Err(self.expected(&format!("a name after `{word}`"), self.skip(rest)?));
            };
            name = format!("{word} {tag}");
            rest = after;
        } else if base_type(word).is_none() {
            return Ok(None);
        }
        let mut end = rest;
        let mut rest = self.skip(rest)?;
        while let Some(after) = rest.strip_prefix('*') {
            name.push('*');
            end = after;
            rest = self.skip(after)?;
        }
        Ok(Some((name, self.span(word_start, end), end)))
    }

    /// `sizeof(type)`, `sizeof(expression)` or `offsetof(type, a.b)`, after the `(`.
    fn type_query(&mut self, start: &'a str, offsetof: bool, input: &'a str) -> Parsed<'a, Expr> {
        let typed = self.type_name(input)?;
        let (rest, type_name, type_span, operand) = match typed {
            Some((name, span, rest)) => (rest, name, span, None),
            None if offsetof => return Err(self.expected("a struct type", self.skip(input)?)),
            None => {
                let (rest, operand) = self.expr(input)?;
                (rest, String::new(), operand.span, Some(Box::new(operand)))
            }
        };
        let mut members = Vec::new();
        let mut rest = rest;
        if offsetof {
            rest = self.expect(rest, ",")?;
            loop {
                let field_start = self.skip(rest)?;
                let Ok((after, field)) = identifier(field_start) else {
                    return Err(self.expected("a member name", field_start));
                };
                members.push(field.to_string());
                match self.eat(after, ".")? {
                    Some(after) => rest = after,
                    None => {
                        rest = after;
                        break;
                    }
                }
            }
        }
        let rest = self.expect(rest, ")")?;
        let span = self.span(start, rest);
        Ok((
            rest,
            Expr {
                kind: ExprKind::TypeQuery {
                    type_name,
                    type_span,
                    operand,
                    members,
                },
                span,
            },
        ))
    }

    fn postfix(&mut self, input: &'a str) -> Parsed<'a, Expr> {
        let depth = self.depth;
        let result = self.postfix_chain(input);
        self.depth = depth;
        result
    }

    fn postfix_chain(&mut self, input: &'a str) -> Parsed<'a, Expr> {
        let (mut rest, mut expression) = self.primary(input)?;
        loop {
            let after = self.skip(rest)?;
            let (arrow, field_start) = if let Some(field) = after.strip_prefix("->") {
                (true, field)
            } else if let Some(field) = after.strip_prefix('.') {
                (false, field)
            } else if let Some(index_start) = after.strip_prefix('[') {
                self.enter(after)?;
                let (after_index, index) = self.expr(index_start)?;
                let after_index = self.expect(after_index, "]")?;
                let span = Span::new(expression.span.start, self.offset(after_index));
                expression = Expr {
                    kind: ExprKind::Index {
                        base: Box::new(expression),
                        index: Box::new(index),
                    },
                    span,
                };
                rest = after_index;
                continue;
            } else {
                break;
            };
            self.enter(after)?;
            let field_start = self.skip(field_start)?;
            let Ok((after_field, field)) = identifier(field_start) else {
                return Err(self.expected("a field name", field_start));
            };
            let field_span = self.span(field_start, after_field);
            let span = expression.span.to(field_span);
            expression = Expr {
                kind: ExprKind::Member {
                    base: Box::new(expression),
                    field: field.to_string(),
                    field_span,
                    arrow,
                },
                span,
            };
            rest = after_field;
        }
        Ok((rest, expression))
    }

    fn primary(&mut self, input: &'a str) -> Parsed<'a, Expr> {
        let start = self.skip(input)?;
        let Some(first) = start.chars().next() else {
            return Err(self.expected("an expression", start));
        };
        if first.is_ascii_digit() || first == '"' || first == '\'' {
            return self.literal(start, first);
        }
        if let Some(inner) = start.strip_prefix('(') {
            let (rest, mut expression) = self.expr(inner)?;
            if self.skip(rest)?.starts_with(',') {
                return Err(Diag::boxed(
                    self.span(start, skip_group(start)),
                    message(
                        "tuples are",
                        "a map key takes several values (@m[a, b]), and so does print(a, b)",
                    ),
                ));
            }
            let rest = self.expect(rest, ")")?;
            // The parentheses belong to the span, so a caret covers what was written.
            expression.span = self.span(start, rest);
            return Ok((rest, expression));
        }
        if let Some(after) = start.strip_prefix('@') {
            let rest = after_word(after);
            // The name keeps its `@`.
            let name = start[..start.len() - rest.len()].to_string();
            return self.map_keys(start, rest, name);
        }
        if let Some(after) = start.strip_prefix('$') {
            // bpftrace's `$#`: how many positional arguments were given.
            let name = after.strip_prefix('#').map(|rest| (rest, "#"));
            let Some((rest, name)) = name.or_else(|| word(after).ok()) else {
                return Err(self.expected("a name after `$`", after));
            };
            let span = self.span(start, rest);
            return Ok((
                rest,
                Expr {
                    kind: ExprKind::Dollar(name.to_string()),
                    span,
                },
            ));
        }
        self.name_or_call(start)
    }

    /// A number, a `"string"` or a `'c'` character (a number), starting with `first`.
    pub(super) fn literal(&mut self, start: &'a str, first: char) -> Parsed<'a, Expr> {
        if first.is_ascii_digit() {
            let (rest, value) = self.number(start)?;
            if let Some(fraction) = rest
                .strip_prefix('.')
                .filter(|fraction| fraction.starts_with(|c: char| c.is_ascii_digit()))
            {
                let end = after_word(fraction);
                return Err(Diag::boxed(
                    self.span(start, end),
                    message(
                        "floating-point numbers are",
                        "tine computes with integers (write 15 / 10 for 1.5)",
                    ),
                ));
            }
            let span = self.span(start, rest);
            return Ok((
                rest,
                Expr {
                    kind: ExprKind::Int(value),
                    span,
                },
            ));
        }
        if first == '"' {
            let (rest, bytes) = self.quoted(start, b'"')?;
            let span = self.span(start, rest);
            return Ok((
                rest,
                Expr {
                    kind: ExprKind::Str(bytes),
                    span,
                },
            ));
        }
        let (rest, bytes) = self.quoted(start, b'\'')?;
        let span = self.span(start, rest);
        if bytes.len() != 1 {
            return Err(Diag::boxed(
                span,
                "a character literal holds exactly one character",
            ));
        }
        Ok((
            rest,
            Expr {
                kind: ExprKind::Int(u64::from(bytes[0])),
                span,
            },
        ))
    }

    /// A name: a call `f(...)`, a plain map `m[...]`, or an identifier.
    fn name_or_call(&mut self, start: &'a str) -> Parsed<'a, Expr> {
        let Ok((rest, name)) = identifier(start) else {
            return Err(self.expected("an expression", start));
        };
        if KEYWORDS.contains(&name) {
            return Err(self.expected("an expression", start));
        }
        let after = self.skip(rest)?;
        if let Some(arguments_start) = after.strip_prefix('(') {
            if matches!(name, "sizeof" | "offsetof") {
                return self.type_query(start, name == "offsetof", arguments_start);
            }
            let name_span = self.span(start, rest);
            let (rest, arguments) = self.list(arguments_start, ")")?;
            let span = self.span(start, rest);
            return Ok((
                rest,
                Expr {
                    kind: ExprKind::Call {
                        name: name.to_string(),
                        name_span,
                        arguments,
                    },
                    span,
                },
            ));
        }
        if after.starts_with('[') {
            return self.map_keys(start, rest, name.to_string());
        }
        let span = self.span(start, rest);
        Ok((
            rest,
            Expr {
                kind: ExprKind::Ident(name.to_string()),
                span,
            },
        ))
    }

    /// A map name followed by an optional `[k, ...]`.
    fn map_keys(&mut self, start: &'a str, rest: &'a str, name: String) -> Parsed<'a, Expr> {
        let after = self.skip(rest)?;
        let (rest, keys) = match after.strip_prefix('[') {
            Some(keys_start) => {
                let (rest, keys) = self.list(keys_start, "]")?;
                if keys.is_empty() {
                    return Err(Diag::boxed(
                        self.span(after, rest),
                        "a map key needs at least one expression",
                    ));
                }
                (rest, Some(keys))
            }
            None => (rest, None),
        };
        let span = self.span(start, rest);
        Ok((
            rest,
            Expr {
                kind: ExprKind::Map { name, keys },
                span,
            },
        ))
    }

    /// `a, b, c` up to `close` (already past the opening bracket); may be empty.
    fn list(&mut self, input: &'a str, close: &str) -> Parsed<'a, Vec<Expr>> {
        let mut items = Vec::new();
        if let Some(rest) = self.eat(input, close)? {
            return Ok((rest, items));
        }
        let mut rest = input;
        loop {
            let (after, item) = self.expr(rest)?;
            items.push(item);
            if let Some(after) = self.eat(after, ",")? {
                rest = after;
                continue;
            }
            let after = self.skip(after)?;
            return match after.strip_prefix(close) {
                Some(after) => Ok((after, items)),
                None => Err(self.expected(&format!("`,` or `{close}`"), after)),
            };
        }
    }
}

/// The binary operator at the start of `input`, its precedence level (loosest = 0) and the
/// text after it. Longer operators are tried first so `||` is not `|`; `op=` compound
/// assignments and a predicate's closing `/ {` are not operators.
fn binary_operator(input: &str) -> Option<(BinaryOp, usize, &str)> {
    const TABLE: &[(&str, BinaryOp, usize)] = &[
        ("||", BinaryOp::LogicalOr, 0),
        ("^^", BinaryOp::LogicalXor, 1),
        ("&&", BinaryOp::LogicalAnd, 2),
        ("==", BinaryOp::Equal, 6),
        ("!=", BinaryOp::NotEqual, 6),
        ("<<", BinaryOp::ShiftLeft, 8),
        (">>", BinaryOp::ShiftRight, 8),
        ("<=", BinaryOp::LessEqual, 7),
        (">=", BinaryOp::GreaterEqual, 7),
        ("|", BinaryOp::BitOr, 3),
        ("^", BinaryOp::BitXor, 4),
        ("&", BinaryOp::BitAnd, 5),
        ("<", BinaryOp::Less, 7),
        (">", BinaryOp::Greater, 7),
        ("+", BinaryOp::Add, 9),
        ("-", BinaryOp::Subtract, 9),
        ("*", BinaryOp::Multiply, 10),
        ("/", BinaryOp::Divide, 10),
        ("%", BinaryOp::Modulo, 10),
    ];
    if assignment_operator(input).is_some() || input.starts_with("->") {
        return None;
    }
    if input.starts_with("++") || input.starts_with("--") {
        return None;
    }
    for &(token, operator, level) in TABLE {
        let Some(rest) = input.strip_prefix(token) else {
            continue;
        };
        if operator == BinaryOp::Divide && rest.trim_start().starts_with('{') {
            return None;
        }
        return Some((operator, level, rest));
    }
    None
}

/// `=`, or a compound `op=`, at the start of `input`.
pub(super) fn assignment_operator(input: &str) -> Option<(Option<BinaryOp>, &str)> {
    const TABLE: &[(&str, BinaryOp)] = &[
        ("<<=", BinaryOp::ShiftLeft),
        (">>=", BinaryOp::ShiftRight),
        ("+=", BinaryOp::Add),
        ("-=", BinaryOp::Subtract),
        ("*=", BinaryOp::Multiply),
        ("/=", BinaryOp::Divide),
        ("%=", BinaryOp::Modulo),
        ("&=", BinaryOp::BitAnd),
        ("|=", BinaryOp::BitOr),
        ("^=", BinaryOp::BitXor),
    ];
    for &(token, operator) in TABLE {
        if let Some(rest) = input.strip_prefix(token) {
            return Some((Some(operator), rest));
        }
    }
    input
        .strip_prefix('=')
        .filter(|rest| !rest.starts_with('='))
        .map(|rest| (None, rest))
}
