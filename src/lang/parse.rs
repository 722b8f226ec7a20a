//! lang::parse: script text to `ast::Script`, with nom for the tokens and precedence climbing
//! for expressions. A bad statement is skipped to its `;`, a bad probe to the end of its block,
//! so one run reports several errors.

use nom::bytes::complete::{take_while, take_while1};
use nom::combinator::recognize;
use nom::sequence::pair;
use nom::{IResult, Parser as _};

use super::ast::{
    base_type, BinaryOp, Expr, ExprKind, Probe, ProbeSpec, Script, Stmt, StmtKind, UnaryOp,
};
use super::diag::{Diag, Span, MAX_SHOWN};
use super::unsupported::{self, message};

/// Provider names in the order ply matches abbreviations: the first that starts with what was
/// written wins, so `k` is kprobe and `kr` kretprobe.
pub const PROVIDERS: &[&str] = &[
    "kprobe",
    "kretprobe",
    "tracepoint",
    "uprobe",
    "uretprobe",
    "profile",
    "interval",
];

/// Nesting deeper than this is refused rather than risking the stack on hostile input.
const MAX_DEPTH: usize = 100;

const KEYWORDS: &[&str] = &["if", "else", "return", "delete"];

/// Parses a whole script; on failure every error found is returned.
pub fn parse(source: &str) -> Result<Script, Vec<Diag>> {
    let mut parser = Parser {
        source,
        errors: Vec::new(),
        depth: 0,
    };
    let script = parser.script();
    if let Err(error) = &script {
        parser.errors.push(error.clone());
    }
    match script {
        Ok(script) if parser.errors.is_empty() => Ok(script),
        _ => {
            parser.errors.sort_by_key(|diag| diag.span.start);
            Err(parser.errors)
        }
    }
}

type Parsed<'a, T> = Result<(&'a str, T), Diag>;

struct Parser<'a> {
    source: &'a str,
    errors: Vec<Diag>,
    depth: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn identifier(input: &str) -> IResult<&str, &str> {
    recognize(pair(take_while1(is_ident_start), take_while(is_ident_char))).parse_complete(input)
}

/// The word-like token at the start of `input`, for "found ..." in messages.
fn token_at(input: &str) -> &str {
    if let Ok((_, word)) = take_while1::<_, _, nom::error::Error<&str>>(is_ident_char)(input) {
        return word;
    }
    input
        .char_indices()
        .nth(1)
        .map_or(input, |(at, _)| &input[..at])
}

impl<'a> Parser<'a> {
    fn offset(&self, rest: &str) -> usize {
        self.source.len() - rest.len()
    }

    fn span(&self, from: &str, to: &str) -> Span {
        Span::new(self.offset(from), self.offset(to))
    }

    /// An error about the token at `rest`.
    fn expected(&self, what: &str, rest: &'a str) -> Diag {
        let token = token_at(rest);
        let start = self.offset(rest);
        if token.is_empty() {
            Diag::new(
                Span::new(start, start),
                format!("expected {what}, found end of input"),
            )
        } else {
            Diag::new(
                Span::new(start, start + token.len()),
                format!("expected {what}, found `{token}`"),
            )
        }
    }

    /// Skips whitespace and comments (`/* */`, `//`, and `#` to the end of the line, which also
    /// covers a shebang).
    fn skip(&self, mut input: &'a str) -> Result<&'a str, Diag> {
        loop {
            let trimmed = input.trim_start();
            if let Some(rest) = trimmed.strip_prefix("/*") {
                match rest.find("*/") {
                    Some(end) => input = &rest[end + 2..],
                    None => {
                        let start = self.offset(trimmed);
                        return Err(Diag::new(
                            Span::new(start, start + 2),
                            "unterminated comment",
                        ));
                    }
                }
            } else if trimmed.starts_with("//") || trimmed.starts_with('#') {
                input = trimmed.find('\n').map_or("", |end| &trimmed[end..]);
            } else {
                return Ok(trimmed);
            }
        }
    }

    /// `token` after whitespace, or None.
    fn eat(&self, input: &'a str, token: &str) -> Result<Option<&'a str>, Diag> {
        let input = self.skip(input)?;
        Ok(input.strip_prefix(token))
    }

    fn expect(&self, input: &'a str, token: &str) -> Result<&'a str, Diag> {
        let input = self.skip(input)?;
        input
            .strip_prefix(token)
            .ok_or_else(|| self.expected(&format!("`{token}`"), input))
    }

    /// `word` as a whole word (not the start of a longer identifier).
    fn keyword(&self, input: &'a str, word: &str) -> Result<Option<&'a str>, Diag> {
        let input = self.skip(input)?;
        Ok(input
            .strip_prefix(word)
            .filter(|rest| !rest.starts_with(is_ident_char)))
    }

    fn enter(&mut self, at: &'a str) -> Result<(), Diag> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            let start = self.offset(at);
            return Err(Diag::new(
                Span::new(start, start + token_at(at).len()),
                format!("nesting is deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn script(&mut self) -> Result<Script, Diag> {
        let mut probes = Vec::new();
        let mut input = self.skip(self.source)?;
        if input.is_empty() {
            return Err(self.expected("a probe", input));
        }
        while !input.is_empty() {
            if let Some(rest) = self.c_definition(input)? {
                input = self.skip(rest)?;
                continue;
            }
            match self.probe(input) {
                Ok((rest, probe)) => {
                    probes.push(probe);
                    input = self.skip(rest)?;
                }
                Err(error) => {
                    let at = error.span.start.max(self.offset(input));
                    self.errors.push(error);
                    if self.errors.len() > MAX_SHOWN {
                        break;
                    }
                    let rest = self.skip_probe(self.source.get(at..).unwrap_or(""));
                    if rest.len() >= input.len() {
                        break;
                    }
                    input = self.skip(rest)?;
                }
            }
        }
        Ok(Script { probes })
    }

    /// A C `struct`/`union`/`enum`/`typedef` definition where a probe belongs: reported, and
    /// skipped to its end.
    fn c_definition(&mut self, input: &'a str) -> Result<Option<&'a str>, Diag> {
        let Ok((after, word)) = identifier(input) else {
            return Ok(None);
        };
        if !matches!(word, "struct" | "union" | "enum" | "typedef") {
            return Ok(None);
        }
        self.errors.push(Diag::new(
            self.span(input, after),
            message(
                &format!("C `{word}` definitions are"),
                "tracepoints give typed records (args->field); elsewhere read a field at its \
                 offset, as in *(u32 *)(arg0 + 8)",
            ),
        ));
        let body = skip_code(after, |c, _| match c {
            '{' | ';' => Skip::Before,
            _ => Skip::On,
        });
        let rest = if body.starts_with('{') {
            skip_group(body)
        } else {
            body
        };
        let rest = self.skip(rest)?;
        Ok(Some(rest.strip_prefix(';').unwrap_or(rest)))
    }

    /// After a bad probe: skips past the `}` that closes the block the error is in or before,
    /// so the next probe is read on its own.
    fn skip_probe(&self, input: &'a str) -> &'a str {
        skip_code(input, |c, depth| match c {
            '}' if depth <= 1 => Skip::After,
            _ => Skip::On,
        })
    }

    fn probe(&mut self, input: &'a str) -> Parsed<'a, Probe> {
        let start = input;
        let (mut rest, first) = self.spec(input)?;
        let mut specs = vec![first];
        while let Some(after) = self.eat(rest, ",")? {
            let (after, spec) = self.spec(self.skip(after)?)?;
            specs.push(spec);
            rest = after;
        }
        rest = self.skip(rest)?;
        let (rest, predicate, body) = if let Some(predicate_start) = rest.strip_prefix('/') {
            let (after, predicate) = self.expr(predicate_start)?;
            let after = self.expect(after, "/")?;
            let after = self.skip(after)?;
            if !after.starts_with('{') {
                return Err(self.expected("`{` after the predicate", after));
            }
            let (after, body) = self.block(after)?;
            (after, Some(predicate), body)
        } else {
            let (after, statement) = self.statement(rest)?;
            let body = match statement {
                Some(Stmt {
                    kind: StmtKind::Block(body),
                    ..
                }) => body,
                Some(statement) => vec![statement],
                None => Vec::new(),
            };
            (after, None, body)
        };
        Ok((
            rest,
            Probe {
                specs,
                predicate,
                body,
                span: self.span(start, rest),
            },
        ))
    }

    /// `provider:spec` up to whitespace (or `{` / `,`, which no spec contains), or BEGIN/END.
    fn spec(&mut self, input: &'a str) -> Parsed<'a, ProbeSpec> {
        let Ok((rest, name)) = identifier(input) else {
            return Err(self.expected("a probe (`provider:spec`, BEGIN or END)", input));
        };
        if (name == "BEGIN" || name == "END") && !rest.starts_with(':') {
            let span = self.span(input, rest);
            return Ok((
                rest,
                ProbeSpec {
                    provider: name.to_string(),
                    spec: String::new(),
                    written: String::new(),
                    span,
                    spec_span: Span::new(span.end, span.end),
                },
            ));
        }
        let Some(after_colon) = rest.strip_prefix(':') else {
            return Err(self.expected("`:` after the provider name", rest));
        };
        let end = after_colon
            .find(|c: char| c.is_whitespace() || c == '{' || c == ',')
            .unwrap_or(after_colon.len());
        let (text, rest) = after_colon.split_at(end);
        let span = self.span(input, rest);
        let spec_span = self.span(after_colon, rest);
        let provider = PROVIDERS
            .iter()
            .find(|known| known.starts_with(name))
            .ok_or_else(|| {
                let name_span = self.span(input, &input[name.len()..]);
                if let Some(message) = unsupported::provider(name) {
                    return Diag::new(name_span, message);
                }
                let mut diag = Diag::new(name_span, format!("unknown provider `{name}`"));
                if let Some(near) = super::suggest::nearest(name, PROVIDERS.iter().copied()) {
                    diag = diag.with_label(format!("did you mean `{near}`?"));
                }
                diag
            })?;
        if text.is_empty() {
            return Err(Diag::new(
                span,
                format!("`{provider}` needs a spec after the `:`"),
            ));
        }
        let (provider, spec) = canonical(provider, text);
        Ok((
            rest,
            ProbeSpec {
                provider: provider.to_string(),
                spec,
                written: text.to_string(),
                span,
                spec_span,
            },
        ))
    }

    fn block(&mut self, input: &'a str) -> Parsed<'a, Vec<Stmt>> {
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
                    .with_label("this block is never closed"));
            }
            match self.statement(rest) {
                Ok((after, statement)) => {
                    statements.extend(statement);
                    rest = after;
                }
                Err(error) => {
                    self.errors.push(error);
                    rest = self.recover(rest);
                    if rest.is_empty() || self.errors.len() > MAX_SHOWN {
                        return Err(self.errors.pop().expect("an error was just pushed"));
                    }
                }
            }
        }
    }

    /// After a bad statement: skips past the next `;` outside brackets, or to the `}` that
    /// closes the current block.
    fn recover(&self, input: &'a str) -> &'a str {
        skip_code(input, |c, depth| match c {
            '}' if depth == 0 => Skip::Before,
            ';' if depth == 0 => Skip::After,
            _ => Skip::On,
        })
    }

    /// One statement; a stray `;` is None.
    fn statement(&mut self, input: &'a str) -> Parsed<'a, Option<Stmt>> {
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
    fn loop_statement(&mut self, start: &'a str) -> Result<Option<&'a str>, Diag> {
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
        for (word, opening, what, instead) in LOOPS {
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
        for (token, operator) in [("++", BinaryOp::Add), ("--", BinaryOp::Subtract)] {
            if let Some(rest) = start.strip_prefix(token) {
                let (rest, target) = self.unary(rest)?;
                let one_span = self.span(start, &start[2..]);
                let rest = self.terminator(rest)?;
                return Ok((
                    rest,
                    Some(self.step(start, rest, target, operator, one_span)),
                ));
            }
        }
        let (rest, expression) = self.expr(start)?;
        let after = self.skip(rest)?;
        for (token, operator) in [("++", BinaryOp::Add), ("--", BinaryOp::Subtract)] {
            if let Some(end) = after.strip_prefix(token) {
                let one_span = self.span(after, end);
                let end = self.terminator(end)?;
                return Ok((
                    end,
                    Some(self.step(start, end, expression, operator, one_span)),
                ));
            }
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
                        value,
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
                value: Expr {
                    kind: ExprKind::Int(1),
                    span: one_span,
                },
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
    fn terminator(&self, input: &'a str) -> Result<&'a str, Diag> {
        let rest = self.skip(input)?;
        if let Some(after) = rest.strip_prefix(';') {
            return Ok(after);
        }
        if rest.is_empty() || rest.starts_with('}') {
            return Ok(rest);
        }
        Err(self.expected("`;`", rest))
    }

    fn expr(&mut self, input: &'a str) -> Parsed<'a, Expr> {
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
    fn binary(&mut self, input: &'a str, min_level: usize) -> Parsed<'a, Expr> {
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

    fn unary(&mut self, input: &'a str) -> Parsed<'a, Expr> {
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
            self.c_struct_cast(after_paren)?;
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

    /// `(struct sock *)arg0`: a C cast to a kernel type, which tine cannot type yet.
    fn c_struct_cast(&self, input: &'a str) -> Result<(), Diag> {
        let word_start = self.skip(input)?;
        let Ok((rest, word)) = identifier(word_start) else {
            return Ok(());
        };
        if !matches!(word, "struct" | "union" | "enum") {
            return Ok(());
        }
        let end = rest.find(')').unwrap_or(rest.len());
        let span = self.span(word_start, &rest[end..]);
        let written: Vec<&str> = word_start[..word_start.len() - rest.len() + end]
            .split_whitespace()
            .collect();
        Err(Diag::new(
            span,
            message(
                &format!("casts to `{}` are", written.join(" ")),
                "read a field at its offset, as in *(u32 *)(arg0 + 8)",
            ),
        ))
    }

    /// `u32)` and friends after a `(`: a cast, when the word is a type name.
    fn cast_type(&self, input: &'a str) -> Result<Option<(String, Span, &'a str)>, Diag> {
        let word_start = self.skip(input)?;
        let Ok((rest, word)) = identifier(word_start) else {
            return Ok(None);
        };
        if base_type(word).is_none() {
            return Ok(None);
        }
        let mut name = word.to_string();
        let mut rest = self.skip(rest)?;
        while let Some(after) = rest.strip_prefix('*') {
            name.push('*');
            rest = self.skip(after)?;
        }
        let type_span = self.span(word_start, rest);
        match rest.strip_prefix(')') {
            Some(after) => Ok(Some((name, type_span, after))),
            None => Ok(None),
        }
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
            } else if after.starts_with('[') {
                let end = skip_group(after);
                return Err(Diag::new(
                    self.span(after, end),
                    message(
                        "indexing anything but a map is",
                        "read element i at its offset, as in *(u64 *)(address + 8 * i)",
                    ),
                ));
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
                return Err(Diag::new(
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
            let (rest, name) = take_while::<_, _, nom::error::Error<&str>>(is_ident_char)(after)
                .unwrap_or((after, ""));
            let name = format!("@{name}");
            return self.map_keys(start, rest, name);
        }
        if let Some(after) = start.strip_prefix('$') {
            let Ok((rest, name)) =
                take_while1::<_, _, nom::error::Error<&str>>(is_ident_char)(after)
            else {
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
    fn literal(&mut self, start: &'a str, first: char) -> Parsed<'a, Expr> {
        if first.is_ascii_digit() {
            let (rest, value) = self.number(start)?;
            if let Some(fraction) = rest
                .strip_prefix('.')
                .filter(|fraction| fraction.starts_with(|c: char| c.is_ascii_digit()))
            {
                let end = fraction.trim_start_matches(is_ident_char);
                return Err(Diag::new(
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
            let (rest, bytes) = self.quoted(start, '"')?;
            let span = self.span(start, rest);
            return Ok((
                rest,
                Expr {
                    kind: ExprKind::Str(bytes),
                    span,
                },
            ));
        }
        let (rest, bytes) = self.quoted(start, '\'')?;
        let span = self.span(start, rest);
        if bytes.len() != 1 {
            return Err(Diag::new(
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
                    return Err(Diag::new(
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

    /// Decimal, `0x` hex, `0b` binary or leading-`0` octal, with `_` separators.
    fn number(&self, input: &'a str) -> Parsed<'a, u64> {
        let (rest, text) = take_while1::<_, _, nom::error::Error<&str>>(is_ident_char)(input)
            .map_err(|_| self.expected("a number", input))?;
        let span = self.span(input, rest);
        let lower = text.to_ascii_lowercase();
        // bpftrace's `1e6`: a decimal integer times a power of ten.
        if let Some((mantissa, exponent)) = lower
            .split_once('e')
            .filter(|_| !lower.starts_with("0x") && !lower.starts_with("0b"))
        {
            let digits = |part: &str| -> String { part.chars().filter(|&c| c != '_').collect() };
            let (mantissa, exponent) = (digits(mantissa), digits(exponent));
            let decimal = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
            if !decimal(&mantissa) || !decimal(&exponent) {
                return Err(Diag::new(span, format!("`{text}` is not a number")));
            }
            let value = mantissa.parse::<u64>().ok().and_then(|mantissa| {
                let power = 10u64.checked_pow(exponent.parse::<u32>().ok()?)?;
                mantissa.checked_mul(power)
            });
            return match value {
                Some(value) => Ok((rest, value)),
                None => Err(Diag::new(span, format!("`{text}` does not fit in 64 bits"))),
            };
        }
        let (digits, radix) = if let Some(digits) = lower.strip_prefix("0x") {
            (digits, 16)
        } else if let Some(digits) = lower.strip_prefix("0b") {
            (digits, 2)
        } else if lower.len() > 1 && lower.starts_with('0') {
            (&lower[1..], 8)
        } else {
            (lower.as_str(), 10)
        };
        let digits: String = digits.chars().filter(|&c| c != '_').collect();
        if digits.is_empty() {
            return Err(Diag::new(span, format!("`{text}` is not a number")));
        }
        match u64::from_str_radix(&digits, radix) {
            Ok(value) => Ok((rest, value)),
            Err(error) => {
                let reason = match error.kind() {
                    std::num::IntErrorKind::PosOverflow => "does not fit in 64 bits",
                    _ => "is not a number",
                };
                Err(Diag::new(span, format!("`{text}` {reason}")))
            }
        }
    }

    /// A string or character literal with C's escapes, decoded to bytes.
    fn quoted(&self, input: &'a str, quote: char) -> Parsed<'a, Vec<u8>> {
        let mut bytes = Vec::new();
        let mut chars = input.char_indices().skip(1).peekable();
        while let Some((at, c)) = chars.next() {
            if c == quote {
                return Ok((&input[at + 1..], bytes));
            }
            if c == '\n' && quote == '\'' {
                break;
            }
            if c != '\\' {
                let mut buffer = [0u8; 4];
                bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
                continue;
            }
            let Some((escape_at, escape)) = chars.next() else {
                break;
            };
            let byte = match escape {
                'n' => b'\n',
                't' => b'\t',
                'r' => b'\r',
                'a' => 0x07,
                'b' => 0x08,
                'f' => 0x0c,
                'v' => 0x0b,
                'e' => 0x1b,
                '\\' | '\'' | '"' | '?' => escape as u8,
                'x' => {
                    let mut value = 0u32;
                    let mut count = 0;
                    while let Some(&(_, digit)) = chars.peek() {
                        let Some(digit) = digit.to_digit(16).filter(|_| count < 2) else {
                            break;
                        };
                        value = value * 16 + digit;
                        count += 1;
                        chars.next();
                    }
                    if count == 0 {
                        let start = self.offset(input) + escape_at - 1;
                        return Err(Diag::new(
                            Span::new(start, start + 2),
                            "`\\x` needs hex digits",
                        ));
                    }
                    value as u8
                }
                '0'..='7' => {
                    let mut value = escape.to_digit(8).unwrap_or(0);
                    let mut count = 1;
                    while let Some(&(_, digit)) = chars.peek() {
                        let Some(digit) = digit.to_digit(8).filter(|_| count < 3) else {
                            break;
                        };
                        value = value * 8 + digit;
                        count += 1;
                        chars.next();
                    }
                    (value & 0xff) as u8
                }
                other => {
                    let start = self.offset(input) + escape_at - 1;
                    return Err(Diag::new(
                        Span::new(start, start + 1 + other.len_utf8()),
                        format!("unknown escape `\\{other}`"),
                    ));
                }
            };
            bytes.push(byte);
        }
        let start = self.offset(input);
        let what = if quote == '"' {
            "unterminated string"
        } else {
            "unterminated character literal"
        };
        Err(Diag::new(Span::new(start, start + 1), what))
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
fn assignment_operator(input: &str) -> Option<(Option<BinaryOp>, &str)> {
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

/// bpftrace's spellings rewritten to ply's so providers see one form: `tracepoint:a:b` is
/// `a/b`, `interval:s:1` is `1s`, `profile:hz:99` is `99hz`.
fn canonical(provider: &'static str, spec: &str) -> (&'static str, String) {
    let spec = match provider {
        "tracepoint" if !spec.contains('/') => spec.replacen(':', "/", 1),
        "interval" | "profile" => match spec.split_once(':') {
            Some((unit, count))
                if matches!(unit, "s" | "ms" | "us" | "ns" | "m" | "hz")
                    && !count.is_empty()
                    && count.chars().all(|c| c.is_ascii_digit()) =>
            {
                format!("{count}{unit}")
            }
            _ => spec.to_string(),
        },
        _ => spec.to_string(),
    };
    (provider, spec)
}

/// Skips a bracketed group, from its opening bracket past the one that closes it.
fn skip_group(input: &str) -> &str {
    skip_code(input, |c, depth| match c {
        ')' | ']' | '}' if depth == 1 => Skip::After,
        _ => Skip::On,
    })
}

/// Where `skip_code` stops: before this character, after it, or not here.
enum Skip {
    Before,
    After,
    On,
}

/// Skips code, not counting what is inside string literals, until `stop` (given a character
/// and the bracket depth before it) says where to resume; the rest is empty if it never does.
fn skip_code(input: &str, stop: impl Fn(char, usize) -> Skip) -> &str {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (at, c) in input.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match stop(c, depth) {
            Skip::Before => return &input[at..],
            Skip::After => return &input[at + c.len_utf8()..],
            Skip::On => {}
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    ""
}
