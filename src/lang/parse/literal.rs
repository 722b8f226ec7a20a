//! lang::parse::literal: numbers, strings and character literals.

use nom::bytes::complete::take_while1;

use std::iter::{Peekable, Skip};
use std::str::CharIndices;

use super::{is_ident_char, Error, Parsed, Parser};
use crate::lang::diag::{Diag, Span};

impl<'a> Parser<'a> {
    /// Decimal, `0x` hex, `0b` binary or leading-`0` octal, with `_` separators.
    pub(super) fn number(&self, input: &'a str) -> Parsed<'a, u64> {
        let (rest, text) = take_while1::<_, _, nom::error::Error<&str>>(is_ident_char)(input)
            .map_err(|_| self.expected("a number", input))?;
        let lower = text.to_ascii_lowercase();
        // bpftrace's `1e6`, a decimal integer times a power of ten, has no radix prefix.
        let (digits, radix) = if let Some(digits) = lower.strip_prefix("0x") {
            (digits, 16)
        } else if let Some(digits) = lower.strip_prefix("0b") {
            (digits, 2)
        } else if lower.len() > 1 && lower.starts_with('0') && !lower.contains('e') {
            (&lower[1..], 8)
        } else {
            (lower.as_str(), 10)
        };
        let digits: String = digits.chars().filter(|&c| c != '_').collect();
        const NOT_A_NUMBER: &str = "is not a number";
        const TOO_BIG: &str = "does not fit in 64 bits";
        let value = match digits.split_once('e') {
            Some((mantissa, exponent)) if radix == 10 => {
                let decimal =
                    |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
                if decimal(mantissa) && decimal(exponent) {
                    let value = mantissa.parse::<u64>().ok().and_then(|mantissa| {
                        let power = 10u64.checked_pow(exponent.parse::<u32>().ok()?)?;
                        mantissa.checked_mul(power)
                    });
                    value.ok_or(TOO_BIG)
                } else {
                    Err(NOT_A_NUMBER)
                }
            }
            _ if digits.is_empty() => Err(NOT_A_NUMBER),
            _ => u64::from_str_radix(&digits, radix).map_err(|error| match error.kind() {
                std::num::IntErrorKind::PosOverflow => TOO_BIG,
                _ => NOT_A_NUMBER,
            }),
        };
        match value {
            Ok(value) => Ok((rest, value)),
            Err(reason) => Err(Diag::boxed(
                self.span(input, rest),
                format!("`{text}` {reason}"),
            )),
        }
    }

    /// A string or character literal with C's escapes, decoded to bytes.
    pub(super) fn quoted(&self, input: &'a str, quote: char) -> Parsed<'a, Vec<u8>> {
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
            let byte = self.escape(input, escape_at, escape, &mut chars)?;
            bytes.push(byte);
        }
        let start = self.offset(input);
        let what = if quote == '"' {
            "unterminated string"
        } else {
            "unterminated character literal"
        };
        Err(Diag::boxed(Span::new(start, start + 1), what))
    }

    /// The byte of the escape `\escape` (at `escape_at` in `input`), reading any further
    /// digits it takes from `chars`.
    fn escape(
        &self,
        input: &'a str,
        escape_at: usize,
        escape: char,
        chars: &mut Peekable<Skip<CharIndices<'a>>>,
    ) -> Result<u8, Error> {
        Ok(match escape {
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
                let (value, count) = digits(chars, 16, 2, 0, 0);
                if count == 0 {
                    let start = self.offset(input) + escape_at - 1;
                    return Err(Diag::boxed(
                        Span::new(start, start + 2),
                        "`\\x` needs hex digits",
                    ));
                }
                value as u8
            }
            '0'..='7' => {
                let (value, _) = digits(chars, 8, 3, escape.to_digit(8).unwrap_or(0), 1);
                (value & 0xff) as u8
            }
            other => {
                let start = self.offset(input) + escape_at - 1;
                return Err(Diag::boxed(
                    Span::new(start, start + 1 + other.len_utf8()),
                    format!("unknown escape `\\{other}`"),
                ));
            }
        })
    }
}

/// More digits of `radix` from `chars`, up to `max` in all, after the `count` already read
/// into `value`.
fn digits(
    chars: &mut Peekable<Skip<CharIndices<'_>>>,
    radix: u32,
    max: usize,
    mut value: u32,
    mut count: usize,
) -> (u32, usize) {
    while let Some(digit) = chars
        .peek()
        .and_then(|&(_, digit)| digit.to_digit(radix))
        .filter(|_| count < max)
    {
        value = value * radix + digit;
        count += 1;
        chars.next();
    }
    (value, count)
}
