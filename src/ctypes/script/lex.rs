//! The tokens of C definitions. Never fails: what it does not know becomes a `Bad` token, so a
//! garbled line in an `#if 0` block costs nothing and one in live code is reported by the
//! parser with its place.

use crate::words::digits_value;

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
    pub end: u32,
    pub start: u32,
}

/// The operators of two characters, in pairs (`...` is the one of three).
const PAIRS: &[u8; 20] = b"<<>><=>===!=&&||->##";

#[inline(never)]
pub(super) fn tokens(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let length = bytes.len();
    let mut out = Vec::new();
    let (mut at, mut line, mut line_start) = (0usize, 1u32, 0usize);
    let mut first_on_line = true;
    let mut directive = false;
    loop {
        // The end of the text ends a directive's line as a newline does.
        let byte = bytes.get(at).copied().unwrap_or(b'\n');
        let next = bytes.get(at + 1).copied().unwrap_or(0);
        let start = at;
        at += 1;
        let kind = match byte {
            b'\n' => {
                if directive {
                    out.push(token(Kind::End, line, line_start, start, start));
                    directive = false;
                }
                if start >= length {
                    return out;
                }
                line += 1;
                line_start = at;
                first_on_line = true;
                continue;
            }
            // A continued line: the directive goes on.
            b'\\' if next == b'\n' => {
                at += 1;
                line += 1;
                line_start = at;
                continue;
            }
            b' ' | b'\t' | b'\r' | 0x0c => continue,
            b'/' if next == b'/' || next == b'*' => {
                at = comment_end(bytes, start, &mut line, &mut line_start);
                continue;
            }
            b'#' if first_on_line => {
                directive = true;
                Kind::Hash
            }
            b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                while at < length && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
                    at += 1;
                }
                let word = &text[start..at];
                if byte.is_ascii_digit() {
                    number(word).map_or(Kind::Bad(word), Kind::Number)
                } else if directive
                    && word == "include"
                    && out.last().map(|t: &Token| t.kind) == Some(Kind::Hash)
                {
                    at = include(&mut out, text, start, at, line, line_start);
                    first_on_line = false;
                    continue;
                } else {
                    Kind::Ident(word)
                }
            }
            b'\'' | b'"' => {
                at = quoted_end(text, start);
                literal(&text[start..at])
            }
            _ => {
                at = operator_end(text, start, [byte, next]);
                let punct = &text[start..at];
                if byte.is_ascii_punctuation() {
                    Kind::Punct(punct)
                } else {
                    Kind::Bad(punct)
                }
            }
        };
        out.push(token(kind, line, line_start, start, at));
        first_on_line = false;
    }
}

/// Where the `//` or `/* */` comment at `start` ends (a `//` comment before its newline,
/// which ends a directive), counting the lines a `/* */` comment spans.
fn comment_end(bytes: &[u8], start: usize, line: &mut u32, line_start: &mut usize) -> usize {
    let mut inside = start + 2;
    if bytes[start + 1] == b'/' {
        while inside < bytes.len() && bytes[inside] != b'\n' {
            inside += 1;
        }
        return inside;
    }
    while inside < bytes.len() {
        if bytes[inside] == b'\n' {
            *line += 1;
            *line_start = inside + 1;
        } else if bytes[inside] == b'*' && bytes.get(inside + 1) == Some(&b'/') {
            return inside + 2;
        }
        inside += 1;
    }
    bytes.len()
}

/// The first character boundary at or after `at`.
fn boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// Where the operator (or the stray character) at `start`, whose first two bytes are `pair`,
/// ends: `...`, one of `PAIRS`, or one character.
fn operator_end(text: &str, start: usize, pair: [u8; 2]) -> usize {
    if text.as_bytes()[start..].starts_with(b"...") {
        start + 3
    } else if PAIRS.chunks(2).any(|known| known == pair) {
        start + 2
    } else {
        boundary(text, start + 1)
    }
}

/// Pushes the tokens of `include` (the word from `start` to `at`, after a `#`) and of the
/// header it names, as written (not C tokens: `blk-mq.h`); returns where its line ends.
fn include<'a>(
    out: &mut Vec<Token<'a>>,
    text: &'a str,
    start: usize,
    at: usize,
    line: u32,
    line_start: usize,
) -> usize {
    out.push(token(
        Kind::Ident(&text[start..at]),
        line,
        line_start,
        start,
        at,
    ));
    let rest = crate::words::find_byte(&text[at..], b'\n').map_or(text.len(), |end| at + end);
    // A comment after the name ends it.
    let bytes = &text.as_bytes()[at..rest];
    let mut end = 0;
    while end < bytes.len()
        && !(bytes[end] == b'/' && matches!(bytes.get(end + 1), Some(b'/' | b'*')))
    {
        end += 1;
    }
    let header = crate::words::trim(&text[at..at + end]);
    // Searched by bytes: a `&str` search would link a searcher into the binary.
    let within = &text.as_bytes()[start..rest];
    let found = match header.len() {
        0 => None,
        length => within
            .windows(length)
            .position(|part| part == header.as_bytes()),
    };
    let header_start = start + found.unwrap_or(0);
    out.push(token(
        Kind::Header(header),
        line,
        line_start,
        header_start,
        rest,
    ));
    rest
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
    // A `\` may have stepped past the end of a character: stay on one.
    at = boundary(text, at.min(bytes.len()));
    if bytes.get(at) == Some(&quote) {
        at += 1;
    }
    at
}

#[inline(never)]
fn token(kind: Kind<'_>, line: u32, line_start: usize, start: usize, end: usize) -> Token<'_> {
    Token {
        kind,
        line,
        column: (start - line_start.min(start)) as u32 + 1,
        // Definitions are far shorter than 4 GiB.
        start: start as u32,
        end: end as u32,
    }
}

/// A string literal, or a character literal's value.
fn literal(literal: &str) -> Kind<'_> {
    if literal.starts_with('"') {
        Kind::Str(literal)
    } else {
        character(literal).map_or(Kind::Bad(literal), Kind::Number)
    }
}

/// `42`, `0x2a`, `052`, `0b101`, with any `u`/`l` suffixes.
fn number(text: &str) -> Option<u64> {
    let mut digits = text.as_bytes();
    while let [rest @ .., b'u' | b'U' | b'l' | b'L'] = digits {
        digits = rest;
    }
    match digits {
        [b'0', b'x' | b'X', hex @ ..] => digits_value(hex, 16),
        [b'0', b'b' | b'B', binary @ ..] => digits_value(binary, 2),
        [b'0', octal @ ..] if !octal.is_empty() => digits_value(octal, 8),
        _ => digits_value(digits, 10),
    }
}

/// `'a'`, `'\n'`, `'\0'`, `'\x41'`, `'\''`.
fn character(literal: &str) -> Option<u64> {
    let [b'\'', inner @ .., b'\''] = literal.as_bytes() else {
        return None;
    };
    let value = match inner {
        b"\\n" => 10,
        b"\\t" => 9,
        b"\\r" => 13,
        [b'\\', quoted @ (b'\\' | b'\'' | b'"')] => u64::from(*quoted),
        [b'\\', b'x', hex @ ..] => digits_value(hex, 16)?,
        [b'\\', octal @ ..] => digits_value(octal, 8)?,
        [single] if single.is_ascii() => u64::from(*single),
        _ => return None,
    };
    (value <= 0xff).then_some(value)
}
