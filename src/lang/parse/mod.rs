//! lang::parse: script text to `ast::Script`, by recursive descent over the text, with
//! precedence climbing for expressions. A bad statement is skipped to its `;`, a bad probe to
//! the end of its block, so one run reports several errors.

use super::ast::{Probe, ProbeSpec, Script, Stmt, StmtKind};
use super::diag::{in_source_order, Diag, Span, MAX_SHOWN};
use super::unsupported;
use crate::words::word_index;
use std::cell::Cell;
use std::fmt;

mod expression;
mod literal;
mod statement;

/// How the parser reads one provider's probes. The provider layer's list gives one per name,
/// in the order ply matches abbreviations: the first name that starts with what was written
/// wins, so `k` is kprobe and `kr` kretprobe.
pub struct Syntax {
    pub name: &'static str,
    /// Written alone, without `:spec`, and never abbreviated (BEGIN, END).
    pub bare: bool,
    /// Other names, each written in full (bpftrace's `kfunc` and `fr` for fentry and fexit),
    /// as a string of words (see `crate::words`).
    pub aliases: &'static str,
    /// The spec in the one spelling the provider reads, from ply's or bpftrace's
    /// (`sched:sched_switch` is `sched/sched_switch`).
    pub canonical: fn(&str) -> String,
}

impl Syntax {
    /// `name:spec`, the spec read as written.
    pub const fn named(name: &'static str) -> Syntax {
        Syntax {
            name,
            bare: false,
            aliases: "",
            canonical: str::to_string,
        }
    }

    /// The name a probe written `written:` goes by: a bpftrace alias keeps its first spelling
    /// where that is a name (`fr` is `kretfunc`), not an abbreviation (`U` is `usdt`); any
    /// other way to write it is the provider's name.
    pub fn called(&self, written: &str) -> &'static str {
        let first = self.aliases.split(' ').next().unwrap_or_default();
        match word_index(self.aliases, written) {
            Some(_) if first.len() > 2 => first,
            _ => self.name,
        }
    }

    /// `name` alone.
    pub const fn bare(name: &'static str) -> Syntax {
        Syntax {
            name,
            bare: true,
            aliases: "",
            canonical: str::to_string,
        }
    }
}

/// Nesting deeper than this is refused rather than risking the stack on hostile input.
const MAX_DEPTH: usize = 100;

/// The words that are no name, as `word_index` reads them (a string, not a table of `&str`).
const KEYWORDS: &str = "if else return delete break continue";

/// The words a C definition starts with; all but `typedef` (the last) also start a type's name.
const C_DEFINITIONS: &str = "struct union enum typedef";

/// Parses a whole script whose probes name `providers`; on failure every error found is
/// returned.
#[inline(never)]
pub fn parse(source: &str, providers: &[&Syntax]) -> Result<Script, Vec<Diag>> {
    let mut parser = Parser {
        source,
        rest: source,
        providers,
        errors: Vec::new(),
        depth: 0,
        unclosed: Cell::new(None),
        failed: None,
    };
    let result = parser.script();
    let mut errors = parser.errors;
    match (result, parser.unclosed.get()) {
        // What was read after it was read inside the comment: no error of that counts.
        (_, Some((start, found))) => {
            errors.truncate(found);
            errors.push(Diag::new(
                Span::new(start, start + 2),
                "unterminated comment",
            ));
        }
        (Ok(script), None) if errors.is_empty() => return Ok(script),
        (Ok(_), None) => {}
        (Err(error), None) => errors.push(*error),
    }
    in_source_order(&mut errors);
    Err(errors)
}

/// The parser's error, boxed so that a result stays small and `?` moves one pointer.
type Error = Box<Diag>;

type Parsed<T> = Result<T, Error>;

/// Each method reads from `rest` and leaves it after what it read, so results carry only the
/// value read.
struct Parser<'a> {
    source: &'a str,
    /// The text not read yet.
    rest: &'a str,
    providers: &'a [&'a Syntax],
    errors: Vec<Diag>,
    depth: usize,
    /// The first unterminated comment: where it starts, and how many errors were found before
    /// it. Recorded rather than returned, so that skipping whitespace cannot fail.
    unclosed: Cell<Option<(usize, usize)>>,
    /// The error that ends the statement or probe being read (see `fail`).
    failed: Option<Error>,
}

// Names are ASCII: the checks look at bytes, and a byte of a multi-byte character is in none.
fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

fn is_ident_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// Whether `input` starts with a byte that `class` takes.
fn starts_with(input: &str, class: fn(u8) -> bool) -> bool {
    input.as_bytes().first().is_some_and(|&byte| class(byte))
}

/// Letters, digits and `_` at the start of `input`, if any: what follows them, and them.
fn word(input: &str) -> Option<(&str, &str)> {
    let end = input
        .bytes()
        .position(|byte| !is_ident_char(byte))
        .unwrap_or(input.len());
    (end > 0).then(|| (&input[end..], &input[..end]))
}

/// What follows the `word` at the start of `input`, if there is one.
fn after_word(input: &str) -> &str {
    word(input).map_or(input, |(rest, _)| rest)
}

/// A `word` that starts with a letter or `_`.
fn identifier(input: &str) -> Option<(&str, &str)> {
    if !starts_with(input, is_ident_start) {
        return None;
    }
    word(input)
}

/// The word-like token at the start of `input`, for "found ..." in messages.
fn token_at(input: &str) -> &str {
    if let Some((_, word)) = word(input) {
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

    /// From `start` to where the parser is.
    fn from(&self, start: &str) -> Span {
        self.span(start, self.rest)
    }

    /// An error about the token at `rest`.
    fn expected(&self, what: fmt::Arguments, rest: &'a str) -> Error {
        let token = token_at(rest);
        let start = self.offset(rest);
        let message = if token.is_empty() {
            format!("expected {what}, found end of input")
        } else {
            format!("expected {what}, found `{token}`")
        };
        Diag::boxed(Span::new(start, start + token.len()), message)
    }

    /// Skips whitespace and comments (`/* */`, `//`, and `#` to the end of the line, which also
    /// covers a shebang). An unterminated comment is recorded, and reads as the end of input.
    fn skip(&self, mut input: &'a str) -> &'a str {
        loop {
            let trimmed = crate::words::trim_start(input);
            if let Some(rest) = trimmed.strip_prefix("/*") {
                // By bytes: a `&str` search would link a searcher into the binary.
                match rest.as_bytes().windows(2).position(|pair| pair == b"*/") {
                    Some(end) => input = &rest[end + 2..],
                    None => {
                        if self.unclosed.get().is_none() {
                            self.unclosed
                                .set(Some((self.offset(trimmed), self.errors.len())));
                        }
                        return &trimmed[trimmed.len()..];
                    }
                }
            } else if trimmed.starts_with("//") || trimmed.starts_with('#') {
                input = trimmed.find('\n').map_or("", |end| &trimmed[end..]);
            } else {
                return trimmed;
            }
        }
    }

    /// Moves past whitespace and comments; returns where the parser is then.
    fn skip_space(&mut self) -> &'a str {
        self.rest = self.skip(self.rest);
        self.rest
    }

    /// Moves past `token` after whitespace, if it is there; else stays where it is.
    fn eat(&mut self, token: &str) -> bool {
        let input = self.skip(self.rest);
        let found = input.strip_prefix(token);
        self.rest = found.unwrap_or(self.rest);
        found.is_some()
    }

    fn expect(&mut self, token: &str) {
        let input = self.skip(self.rest);
        match input.strip_prefix(token) {
            Some(after) => self.rest = after,
            None => {
                self.fail_expected(format_args!("`{token}`"), input);
            }
        }
    }

    /// `fail` with `expected`'s error.
    #[inline(never)]
    fn fail_expected(&mut self, what: fmt::Arguments, rest: &'a str) {
        let error = self.expected(what, rest);
        self.fail(error);
    }

    /// Keeps `error` unless one is kept already, and reads the rest as the end of input: what
    /// is being read ends quickly, with stand-ins and errors that are dropped, up to where the
    /// error is taken (a block's statements, the script's probes) and reading
    /// resumes as the error's own recovery says. Recorded rather than returned, so that every
    /// function on the way is not a `Result`.
    #[inline(never)]
    fn fail(&mut self, error: Error) {
        self.failed.get_or_insert(error);
        self.rest = &self.source[self.source.len()..];
    }

    /// `word` as a whole word (not the start of a longer identifier) after `input`'s
    /// whitespace: what follows it.
    fn keyword_at(&self, input: &'a str, word: &str) -> Option<&'a str> {
        self.skip(input)
            .strip_prefix(word)
            .filter(|rest| !starts_with(rest, is_ident_char))
    }

    /// Moves past `word` (see `keyword_at`), if it is there.
    fn keyword(&mut self, word: &str) -> bool {
        let found = self.keyword_at(self.rest, word);
        self.rest = found.unwrap_or(self.rest);
        found.is_some()
    }

    /// One level deeper; false (and a failure) past `MAX_DEPTH`.
    fn enter(&mut self, at: &'a str) -> bool {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            let start = self.offset(at);
            self.fail(Diag::boxed(
                Span::new(start, start + token_at(at).len()),
                format!("nesting is deeper than {MAX_DEPTH} levels"),
            ));
            return false;
        }
        true
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn script(&mut self) -> Result<Script, Error> {
        let mut probes = Vec::new();
        let input = self.skip_space();
        if input.is_empty() {
            return Err(self.expected(format_args!("a probe"), input));
        }
        let mut definitions = String::new();
        while !self.rest.is_empty() {
            let input = self.rest;
            if self.c_definition(probes.is_empty()) {
                self.skip_space();
                continue;
            }
            match self.probe() {
                Ok(probe) => {
                    if probes.is_empty() {
                        definitions = self.source[..probe.span.start].to_string();
                    }
                    probes.push(probe);
                    self.skip_space();
                }
                Err(error) => {
                    let at = error.span.start.max(self.offset(input));
                    self.errors.push(*error);
                    if self.errors.len() > MAX_SHOWN {
                        break;
                    }
                    let rest = self.skip_probe(self.source.get(at..).unwrap_or(""));
                    if rest.len() >= input.len() {
                        break;
                    }
                    self.rest = rest;
                    self.skip_space();
                }
            }
        }
        // Definitions alone (or a typedef that ran on into the probes) would trace nothing,
        // forever.
        if probes.is_empty() && self.errors.is_empty() {
            return Err(self.expected(format_args!("a probe"), self.rest));
        }
        Ok(Script {
            probes,
            definitions,
        })
    }

    /// A C `struct`/`union`/`enum`/`typedef` definition: skipped to its end, for
    /// `ctypes::script` to read when it stands above the first probe (`preamble`), else reported.
    fn c_definition(&mut self, preamble: bool) -> bool {
        let input = self.rest;
        let Some((after, word)) = identifier(input) else {
            return false;
        };
        if word_index(C_DEFINITIONS, word).is_none() {
            return false;
        }
        if !preamble {
            self.errors.push(Diag::new(
                self.span(input, after),
                format!("a C `{word}` definition must stand above the first probe"),
            ));
        }
        let body = skip_code(after, &|c, _| match c {
            '{' | ';' => Skip::Before,
            _ => Skip::On,
        });
        let rest = if body.starts_with('{') {
            skip_group(body)
        } else {
            body
        };
        let rest = self.skip(rest);
        self.rest = rest.strip_prefix(';').unwrap_or(rest);
        true
    }

    /// After a bad probe: skips past the `}` that closes the block the error is in or before,
    /// so the next probe is read on its own.
    fn skip_probe(&self, input: &'a str) -> &'a str {
        skip_code(input, &|c, depth| match c {
            '}' if depth <= 1 => Skip::After,
            _ => Skip::On,
        })
    }

    fn probe(&mut self) -> Parsed<Probe> {
        let start = self.rest;
        let mut specs = vec![self.spec()?];
        while self.eat(",") {
            self.skip_space();
            specs.push(self.spec()?);
        }
        let rest = self.skip_space();
        let (predicate, body) = if let Some(predicate_start) = rest.strip_prefix('/') {
            self.rest = predicate_start;
            let predicate = *self.expr();
            self.expect("/");
            let after = self.skip_space();
            if !after.starts_with('{') {
                self.fail_expected(format_args!("`{{` after the predicate"), after);
            }
            (Some(predicate), self.block())
        } else {
            let body = match self.statement().map(|statement| *statement) {
                Some(Stmt {
                    kind: StmtKind::Block(body),
                    ..
                }) => body,
                Some(statement) => vec![statement],
                None => Vec::new(),
            };
            (None, body)
        };
        if let Some(error) = self.failed.take() {
            return Err(error);
        }
        Ok(Probe {
            specs,
            predicate,
            body,
            span: self.from(start),
        })
    }

    /// `provider:spec` up to whitespace (or `{` / `,`, which no spec contains), or BEGIN/END.
    fn spec(&mut self) -> Parsed<ProbeSpec> {
        let input = self.rest;
        let Some((rest, name)) = identifier(input) else {
            return Err(self.expected(
                format_args!("a probe (`provider:spec`, BEGIN or END)"),
                input,
            ));
        };
        let bare = self
            .providers
            .iter()
            .find(|provider| provider.bare && provider.name == name);
        // The spec's text starts here; a bare provider's is empty.
        let (provider, spec_start, rest) = match (bare, rest.strip_prefix(':')) {
            (Some(bare), None) => (*bare, rest, rest),
            (_, None) => {
                return Err(self.expected(format_args!("`:` after the provider name"), rest))
            }
            (_, Some(after_colon)) => {
                let end = after_colon
                    .find(|c: char| crate::words::is_space(c) || c == '{' || c == ',')
                    .unwrap_or(after_colon.len());
                (
                    self.provider(input, name)?,
                    after_colon,
                    &after_colon[end..],
                )
            }
        };
        let text = &spec_start[..spec_start.len() - rest.len()];
        let span = self.span(input, rest);
        if text.is_empty() && !provider.bare {
            return Err(Diag::boxed(
                span,
                format!("`{}` needs a spec after the `:`", provider.name),
            ));
        }
        self.rest = rest;
        Ok(ProbeSpec {
            provider: provider.name.to_string(),
            // A bpftrace name is kept for `probe`.
            named: provider.called(name).to_string(),
            spec: (provider.canonical)(text),
            written: text.to_string(),
            span,
            spec_span: self.span(spec_start, rest),
        })
    }

    /// The provider with a spec whose name starts with `name` (written at `input`).
    fn provider(&self, input: &str, name: &str) -> Result<&'a Syntax, Error> {
        if let Some(known) = provider(self.providers, name) {
            return Ok(known);
        }
        let with_spec = || self.providers.iter().filter(|provider| !provider.bare);
        let name_span = self.span(input, &input[name.len()..]);
        if let Some(message) = unsupported::provider(name) {
            return Err(Diag::boxed(name_span, message));
        }
        let mut diag = Diag::new(name_span, format!("unknown provider `{name}`"));
        let names = with_spec().map(|provider| provider.name);
        if let Some(near) = super::suggest::nearest(name, names) {
            diag = diag.with_label(format!("did you mean `{near}`?"));
        }
        Err(diag.into())
    }
}

/// The provider with a spec that `name` (not empty) names: the first whose name starts with it
/// (ply's abbreviations: `k` is kprobe), else the one that has it as an alias.
pub fn provider<'a>(providers: &[&'a Syntax], name: &str) -> Option<&'a Syntax> {
    let with_spec = || providers.iter().copied().filter(|provider| !provider.bare);
    let known = with_spec().find(|known| known.name.starts_with(name));
    known.or_else(|| with_spec().find(|known| word_index(known.aliases, name).is_some()))
}

/// Skips a bracketed group, from its opening bracket past the one that closes it.
fn skip_group(input: &str) -> &str {
    skip_code(input, &|c, depth| match c {
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
fn skip_code<'a>(input: &'a str, stop: &dyn Fn(char, usize) -> Skip) -> &'a str {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    // Bytes, not characters: every character that counts is ASCII, and no byte of a
    // multi-byte character is one.
    for (at, &byte) in input.as_bytes().iter().enumerate() {
        let c = char::from(byte);
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
            Skip::After => return &input[at + 1..],
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
