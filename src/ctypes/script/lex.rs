//! The tokens of C definitions. Never fails: what it does not know becomes a `Bad` token, so a
//! garbled line in an `#if 0` block costs nothing and one in live code is reported by the
//! parser with its place.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind<'a> {
    Ident(&'a str),
    /// An integer or character literal's value.
    Number(u64),
    /// Operators and punctuation, one or several characters.
    Punct(&'a str),
    /// A string literal, quotes included (found only inside attributes).
    Str(&'a str),
    /// A `#` first on its line: a directive's tokens follow, up to `End`.
    Hash,
    /// The rest of an `#include` line, as written.
    Header(&'a str),
    /// The end of a directive's line.
    End,
    /// Text that is no C token: a stray character, a number too large.
    Bad(&'a str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Token<'a> {
    pub kind: Kind<'a>,
    pub line: u32,
    pub column: u32,
    /// Where it ends in the text, to tell `NAME(` from `NAME (` in a `#define`.
    pub end: usize,
    pub start: usize,
}

const PUNCTS: [&str; 11] = [
    "...", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "->", "##",
];

#[inline(never)]
pub(super) fn tokens(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut at, mut line, mut line_start) = (0usize, 1u32, 0usize);
    let mut first_on_line = true;
    let mut directive = false;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte == b'\n' {
            if directive {
                out.push(token(Kind::End, line, line_start, at, at));
                directive = false;
            }
            at += 1;
            line += 1;
            line_start = at;
            first_on_line = true;
            continue;
        }
        if byte == b'\\' && bytes.get(at + 1) == Some(&b'\n') {
            // A continued line: the directive goes on.
            at += 2;
            line += 1;
            line_start = at;
            continue;
        }
        if byte.is_ascii_whitespace() {
            at += 1;
            continue;
        }
        if let Some(end) = comment_end(text, at) {
            let skipped = &text[at..end];
            line += skipped.matches('\n').count() as u32;
            if let Some(newline) = skipped.rfind('\n') {
                line_start = at + newline + 1;
            }
            at = end;
            continue;
        }
        let start = at;
        let kind = if byte == b'#' && first_on_line {
            directive = true;
            at += 1;
            Kind::Hash
        } else if byte.is_ascii_alphabetic() || byte == b'_' {
            at = word_end(bytes, at);
            let word = &text[start..at];
            if directive
                && word == "include"
                && out.last().map(|t: &Token| t.kind) == Some(Kind::Hash)
            {
                out.push(token(Kind::Ident(word), line, line_start, start, at));
                // The header's name is not C tokens (`blk-mq.h`): keep it as written.
                let (name, name_start, rest) = header(text, start, at);
                let name = token(Kind::Header(name), line, line_start, name_start, rest);
                out.push(name);
                at = rest;
                first_on_line = false;
                continue;
            }
            Kind::Ident(word)
        } else if byte.is_ascii_digit() {
            at = word_end(bytes, at);
            number(&text[start..at]).map_or(Kind::Bad(&text[start..at]), Kind::Number)
        } else if byte == b'\'' || byte == b'"' {
            at = quoted_end(text, at);
            literal(text.get(start..at).unwrap_or(""))
        } else {
            let (kind, end) = punct(text, at);
            at = end;
            kind
        };
        out.push(token(kind, line, line_start, start, at));
        first_on_line = false;
    }
    if directive {
        out.push(token(Kind::End, line, line_start, at, at));
    }
    out
}

/// Where the `//` or `/* */` comment at `at` ends; None when there is none.
fn comment_end(text: &str, at: usize) -> Option<usize> {
    let rest = &text[at..];
    if rest.starts_with("//") {
        return Some(at + rest.find('\n').unwrap_or(rest.len()));
    }
    let body = rest.strip_prefix("/*")?;
    Some(body.find("*/").map_or(text.len(), |end| at + 2 + end + 2))
}

/// Where the identifier or number at `at` ends.
fn word_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
        at += 1;
    }
    at
}

/// The header named after `#include` (the word from `start` to `at`): its text, where it
/// starts, and where its line ends.
fn header(text: &str, start: usize, at: usize) -> (&str, usize, usize) {
    let rest = text[at..].find('\n').map_or(text.len(), |end| at + end);
    // A comment after the name ends it.
    let line = &text.as_bytes()[at..rest];
    let mut end = 0;
    while end < line.len() && !(line[end] == b'/' && matches!(line.get(end + 1), Some(b'/' | b'*')))
    {
        end += 1;
    }
    let header = text[at..at + end].trim();
    let header_start = start + text[start..rest].find(header).unwrap_or(0);
    (header, header_start, rest)
}

/// Where the string or character literal opening at `start` ends: past its closing quote,
/// but never past the end of its line.
fn quoted_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let quote = bytes[start];
    let mut at = start + 1;
    while at < bytes.len() && bytes[at] != quote && bytes[at] != b'\n' {
        let escaped = bytes[at] == b'\\' && bytes.get(at + 1) != Some(&b'\n');
        at += if escaped { 2 } else { 1 };
    }
    at = at.min(bytes.len());
    // A `\` may have stepped past the end of a character: stay on one.
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    if bytes.get(at) == Some(&quote) {
        at += 1;
    }
    at
}

/// A string literal, or a character literal's value.
fn literal(literal: &str) -> Kind<'_> {
    if literal.starts_with('"') {
        Kind::Str(literal)
    } else {
        character(literal).map_or(Kind::Bad(literal), Kind::Number)
    }
}

/// The operator or stray character at `at`, and where it ends.
fn punct(text: &str, at: usize) -> (Kind<'_>, usize) {
    if let Some(punct) = PUNCTS.iter().find(|punct| text[at..].starts_with(**punct)) {
        return (Kind::Punct(punct), at + punct.len());
    }
    let end = at + text[at..].chars().next().map_or(1, char::len_utf8);
    if text.as_bytes()[at].is_ascii_punctuation() {
        (Kind::Punct(&text[at..end]), end)
    } else {
        (Kind::Bad(&text[at..end]), end)
    }
}

#[inline(never)]
fn token(kind: Kind<'_>, line: u32, line_start: usize, start: usize, end: usize) -> Token<'_> {
    Token {
        kind,
        line,
        column: (start - line_start.min(start)) as u32 + 1,
        start,
        end,
    }
}

/// `42`, `0x2a`, `052`, `0b101`, with any `u`/`l` suffixes.
fn number(text: &str) -> Option<u64> {
    let digits = text.trim_end_matches(['u', 'U', 'l', 'L']);
    let (digits, radix) = if let Some(hex) = digits.strip_prefix("0x").or(digits.strip_prefix("0X"))
    {
        (hex, 16)
    } else if let Some(binary) = digits.strip_prefix("0b").or(digits.strip_prefix("0B")) {
        (binary, 2)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (&digits[1..], 8)
    } else {
        (digits, 10)
    };
    u64::from_str_radix(digits, radix).ok()
}

/// `'a'`, `'\n'`, `'\0'`, `'\x41'`, `'\''`.
fn character(literal: &str) -> Option<u64> {
    let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut chars = inner.chars();
    let value = match (chars.next()?, chars.as_str()) {
        ('\\', escape) => match escape.as_bytes() {
            b"n" => 10,
            b"t" => 9,
            b"r" => 13,
            [quoted @ (b'\\' | b'\'' | b'"')] => u64::from(*quoted),
            _ => match escape.strip_prefix('x') {
                Some(hex) => u64::from_str_radix(hex, 16).ok()?,
                None => u64::from_str_radix(escape, 8).ok()?,
            },
        },
        (single, "") if single.is_ascii() => u64::from(single as u8),
        _ => return None,
    };
    (value <= 0xff).then_some(value)
}
