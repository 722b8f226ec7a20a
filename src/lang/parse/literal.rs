//! lang::parse::literal: numbers, strings and character literals.

use super::{word, Error, Parser};
use crate::lang::diag::{Diag, Span};
use crate::words::{decimal, digits_value};

impl<'a> Parser<'a> {
    /// Decimal, `0x` hex, `0b` binary or leading-`0` octal, with `_` separators.
    /// 0 after a failure.
    pub(super) fn number(&mut self) -> u64 {
        let input = self.rest;
        let Some((rest, text)) = word(input) else {
            self.fail_expected(format_args!("a number"), input);
            return 0;
        };
        let lower = text.to_ascii_lowercase();
        // bpftrace's `1e6`, a decimal integer times a power of ten, has no radix prefix.
        let (digits, radix) = if let Some(digits) = lower.strip_prefix("0x") {
            (digits, 16)
        } else if let Some(digits) = lower.strip_prefix("0b") {
            (digits, 2)
        } else if lower.len() > 1 && lower.starts_with('0') && !lower.as_bytes().contains(&b'e') {
            (&lower[1..], 8)
        } else {
            (lower.as_str(), 10)
        };
        let digits: String = digits.chars().filter(|&c| c != '_').collect();
        const NOT_A_NUMBER: &str = "is not a number";
        const TOO_BIG: &str = "does not fit in 64 bits";
        let value = match crate::words::split_once(&digits, b'e') {
            Some((mantissa, exponent)) if radix == 10 => {
                let digits_only =
                    |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
                if digits_only(mantissa) && digits_only(exponent) {
                    let value = decimal::<u64>(mantissa).and_then(|mantissa| {
                        let power = 10u64.checked_pow(decimal(exponent)?)?;
                        mantissa.checked_mul(power)
                    });
                    value.ok_or(TOO_BIG)
                } else {
                    Err(NOT_A_NUMBER)
                }
            }
            _ if digits.is_empty() => Err(NOT_A_NUMBER),
            _ => digits_value(digits.as_bytes(), radix).ok_or_else(|| {
                // Whichever comes first, as std's parse finds it: a value past 64 bits, or a
                // character that is no digit.
                let digit = |byte: &u8| char::from(*byte).is_digit(radix);
                let valid = digits.bytes().take_while(digit).count();
                match digits_value(&digits.as_bytes()[..valid], radix) {
                    None if valid > 0 => TOO_BIG,
                    _ => NOT_A_NUMBER,
                }
            }),
        };
        match value {
            Ok(value) => {
                self.rest = rest;
                value
            }
            Err(reason) => {
                self.fail(Diag::boxed(
                    self.span(input, rest),
                    format!("`{text}` {reason}"),
                ));
                0
            }
        }
    }

    /// A string or character literal with C's escapes, decoded to bytes. Bytes other than
    /// escapes are copied as they are, so `at` is on a character boundary after each quote or
    /// backslash (both ASCII).
    /// What was read of it after a failure.
    pub(super) fn quoted(&mut self, quote: u8) -> Vec<u8> {
        let input = self.rest;
        let text = input.as_bytes();
        let mut bytes = Vec::new();
        let mut at = 1;
        while let Some(&byte) = text.get(at) {
            at += 1;
            if byte == quote {
                self.rest = &input[at..];
                return bytes;
            }
            if byte == b'\n' && quote == b'\'' {
                break;
            }
            if byte != b'\\' {
                bytes.push(byte);
                continue;
            }
            let Some(&escape) = text.get(at) else {
                break;
            };
            match self.escape(input, &mut at, escape) {
                Ok(byte) => bytes.push(byte),
                Err(error) => {
                    self.fail(error);
                    return bytes;
                }
            }
        }
        let start = self.offset(input);
        let what = if quote == b'"' {
            "unterminated string"
        } else {
            "unterminated character literal"
        };
        self.fail(Diag::boxed(Span::new(start, start + 1), what));
        bytes
    }

    /// The byte of the escape `\escape` (at `*at` in `input`), moving `at` past it and any
    /// further digits it takes.
    fn escape(&self, input: &'a str, at: &mut usize, escape: u8) -> Result<u8, Error> {
        let text = input.as_bytes();
        let escape_at = *at;
        *at += 1;
        let start = self.offset(input) + escape_at - 1;
        if let Some(&(_, byte)) = ESCAPES.iter().find(|(letter, _)| *letter == escape) {
            return Ok(byte);
        }
        Ok(match escape {
            b'\\' | b'\'' | b'"' | b'?' => escape,
            b'x' => {
                let (value, count) = digits(text, at, 16, 2, 0, 0);
                if count == 0 {
                    return Err(Diag::boxed(
                        Span::new(start, start + 2),
                        "`\\x` needs hex digits",
                    ));
                }
                value as u8
            }
            b'0'..=b'7' => {
                let (value, _) = digits(text, at, 8, 3, u32::from(escape - b'0'), 1);
                (value & 0xff) as u8
            }
            _ => {
                let other = input[escape_at..].chars().next().unwrap_or('?');
                return Err(Diag::boxed(
                    Span::new(start, start + 1 + other.len_utf8()),
                    format!("unknown escape `\\{other}`"),
                ));
            }
        })
    }
}

/// C's one-letter escapes and the bytes they stand for.
const ESCAPES: [(u8, u8); 8] = [
    (b'n', b'\n'),
    (b't', b'\t'),
    (b'r', b'\r'),
    (b'a', 0x07),
    (b'b', 0x08),
    (b'f', 0x0c),
    (b'v', 0x0b),
    (b'e', 0x1b),
];

/// More digits of `radix` from `text` at `*at`, up to `max` in all, after the `count` already
/// read into `value`.
fn digits(
    text: &[u8],
    at: &mut usize,
    radix: u32,
    max: usize,
    mut value: u32,
    mut count: usize,
) -> (u32, usize) {
    while let Some(digit) = text
        .get(*at)
        .and_then(|&digit| char::from(digit).to_digit(radix))
        .filter(|_| count < max)
    {
        value = value * radix + digit;
        count += 1;
        *at += 1;
    }
    (value, count)
}
