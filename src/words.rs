//! words: lists of names kept as one string of space-separated words (a table of `&str`s
//! costs 16 bytes of pointer and length a word beside its letters; the one string does not),
//! and text quoted for messages.

use std::fmt::Write as _;

/// Where `word` is among the space-separated `words`.
#[inline(never)]
pub fn word_index(words: &str, word: &str) -> Option<usize> {
    split(words, b' ').position(|found| found == word)
}

/// Word `index` of the space-separated `words`.
#[inline(never)]
pub fn nth_word(words: &str, index: usize) -> Option<&str> {
    nth_item(words, b' ', index)
}

/// Item `index` of `items`, separated by `separator` (for names with spaces in them): tine_asm's
/// own, which reads its tables of mnemonics, rather than a second copy of it.
pub fn nth_item(items: &str, separator: u8, index: usize) -> Option<&str> {
    tine_asm::nth_word(items, separator, index)
}

/// Fills `fields` with the first whitespace-separated fields of `line`; how many it has, at
/// most `fields.len()`. One copy of the splitting for the files of lines tine reads
/// (/proc/kallsyms, /proc/mounts, /proc/PID/maps, tracefs's probe events).
#[inline(never)]
pub fn fields<'a>(line: &'a str, fields: &mut [&'a str]) -> usize {
    let mut parts = split_spaces(line);
    let mut count = 0;
    for field in fields {
        let Some(part) = parts.next() else {
            break;
        };
        *field = part;
        count += 1;
    }
    count
}

/// `parts` with `separator` between them: std's `join` and `concat` of a slice, without their
/// generic code.
#[inline(never)]
pub fn joined(parts: &[&str], separator: &str) -> String {
    let mut text = String::new();
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            text.push_str(separator);
        }
        text.push_str(part);
    }
    text
}

/// The value of `digits` in `radix` (2 to 16), as `u64::from_str_radix` reads them (a leading
/// `+` allowed); None when one is not a digit, there are none, or the value passes 64 bits. The
/// one parser of every number tine reads: std's `parse` is a copy for each integer type.
#[inline(never)]
pub fn digits_value(digits: &[u8], radix: u32) -> Option<u64> {
    let digits = match digits {
        [b'+', rest @ ..] if !rest.is_empty() => rest,
        [] => return None,
        _ => digits,
    };
    let mut value = 0u64;
    for &digit in digits {
        let digit = char::from(digit).to_digit(radix)?;
        value = value
            .checked_mul(u64::from(radix))?
            .checked_add(u64::from(digit))?;
    }
    Some(value)
}

/// What follows the `0x` or `0X` that `text` starts with.
pub fn strip_hex_prefix(text: &str) -> Option<&str> {
    match text.as_bytes() {
        [b'0', b'x' | b'X', ..] => Some(&text[2..]),
        _ => None,
    }
}

/// The decimal number `text`, as `text.parse::<T>()` reads one of an unsigned `T`.
pub fn decimal<T: TryFrom<u64>>(text: &str) -> Option<T> {
    T::try_from(digits_value(text.as_bytes(), 10)?).ok()
}

/// The hexadecimal number `text` (without `0x`), as `u64::from_str_radix(text, 16)` reads it.
pub fn hexadecimal(text: &str) -> Option<u64> {
    digits_value(text.as_bytes(), 16)
}

/// Whether `c` is white space, as `char::is_whitespace` says (Unicode's White_Space): its
/// table, and the search in it, are linked for nothing then.
pub fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | ' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// `text` without white space at either end, as `str::trim` (see `is_space`): its start
/// trimmed as `trim_start` does, then its end, rather than by a second, two-ended searcher.
pub fn trim(text: &str) -> &str {
    let text = trim_start(text);
    let end = text
        .char_indices()
        .rev()
        .find(|&(_, c)| !is_space(c))
        .map_or(0, |(at, c)| at + c.len_utf8());
    &text[..end]
}

/// `text` without white space at its start, as `str::trim_start` (see `is_space`).
pub fn trim_start(text: &str) -> &str {
    text.trim_start_matches(is_space)
}

/// The words of `text` between white space, as `str::split_whitespace` (see `is_space`).
pub fn split_spaces(text: &str) -> Words<'_> {
    Words(text)
}

/// The iterator of `split_spaces`: what is left to split.
pub struct Words<'a>(&'a str);

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = trim_start(self.0);
        let end = rest
            .char_indices()
            .find(|&(_, c)| is_space(c))
            .map_or(rest.len(), |(end, _)| end);
        self.0 = &rest[end..];
        (end > 0).then(|| &rest[..end])
    }
}

/// The pieces of `text` between its `separator`s (an ASCII byte), as `str::split` of that char
/// gives them. By bytes, as the helpers below: std's char searcher and the iterators built on
/// it are linked for nothing then.
pub fn split(text: &str, separator: u8) -> Pieces<'_> {
    Pieces {
        rest: Some(text),
        separator,
        lines: false,
    }
}

/// The lines of `text`, as `str::lines` gives them: without their `\n` or `\r\n`, and no
/// empty one after a last newline.
pub fn lines(text: &str) -> Pieces<'_> {
    Pieces {
        rest: Some(text),
        separator: b'\n',
        lines: true,
    }
}

/// The iterator of `split` and `lines`.
pub struct Pieces<'a> {
    /// What is left to split; None after the last piece.
    rest: Option<&'a str>,
    separator: u8,
    lines: bool,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        if self.lines && rest.is_empty() {
            self.rest = None;
            return None;
        }
        let Some(end) = find_byte(rest, self.separator) else {
            self.rest = None;
            return Some(rest);
        };
        self.rest = Some(&rest[end + 1..]);
        let piece = &rest[..end];
        Some(match self.lines {
            true => piece.strip_suffix('\r').unwrap_or(piece),
            false => piece,
        })
    }
}

/// `text` before and after its first `separator` (an ASCII byte), as `str::split_once` of
/// that char.
pub fn split_once(text: &str, separator: u8) -> Option<(&str, &str)> {
    let at = find_byte(text, separator)?;
    Some((&text[..at], &text[at + 1..]))
}

/// Where the first `byte` (an ASCII one) is in `text`, as `str::find` of that char.
pub fn find_byte(text: &str, byte: u8) -> Option<usize> {
    text.bytes().position(|found| found == byte)
}

/// Where the last `byte` (an ASCII one) is in `text`. `str::rfind` of a char, and reading
/// lines backwards, would link a reverse searcher into the binary for what this does.
pub fn rfind_byte(text: &str, byte: u8) -> Option<usize> {
    text.bytes().rposition(|found| found == byte)
}

/// `text` without the `byte`s (an ASCII one) it ends with: `trim_end_matches` of a char would
/// link its searcher into the binary for this.
pub fn trim_end_byte(text: &str, byte: u8) -> &str {
    let mut end = text.len();
    while end > 0 && text.as_bytes()[end - 1] == byte {
        end -= 1;
    }
    &text[..end]
}

/// Text in quotes, escaped as Rust's Debug of an OsStr (or a str) escapes it (`\n`, `\"`,
/// `\u{301}`, and `\xFF` for a byte that is not UTF-8; `'` as it is), written here: std's
/// costs more, and one quoting serves every message that quotes text.
pub fn quoted(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut text = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        for character in chunk.valid().chars() {
            match character {
                '\'' => text.push(character),
                _ => {
                    let _ = write!(text, "{}", character.escape_debug());
                }
            }
        }
        for &byte in chunk.invalid() {
            text.push_str("\\x");
            text.push(char::from(HEX[usize::from(byte >> 4)]));
            text.push(char::from(HEX[usize::from(byte & 15)]));
        }
    }
    text.push('"');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_is_unicode_s() {
        for c in (0..=char::MAX as u32).filter_map(char::from_u32) {
            assert_eq!(is_space(c), c.is_whitespace(), "{c:?}");
        }
        let texts = [
            "",
            " ",
            "\u{a0}",
            "a",
            " a ",
            "é\u{2029}",
            "\u{3000} a\u{a0}b \t c\u{2029}",
        ];
        for text in texts {
            assert_eq!(trim(text), text.trim(), "{text:?}");
            assert_eq!(trim_start(text), text.trim_start(), "{text:?}");
            let ours: Vec<&str> = split_spaces(text).collect();
            assert_eq!(
                ours,
                text.split_whitespace().collect::<Vec<_>>(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn text_splits_as_std_splits_it() {
        let texts = [
            "",
            "\n",
            "a",
            "a\n",
            "a\nb",
            "a\r\nb\r\n",
            "a\r",
            "\n\na\n\n",
            "a:b:c",
            ":",
            "a::",
        ];
        for text in texts {
            assert_eq!(
                lines(text).collect::<Vec<_>>(),
                text.lines().collect::<Vec<_>>()
            );
            assert_eq!(
                split(text, b':').collect::<Vec<_>>(),
                text.split(':').collect::<Vec<_>>()
            );
            assert_eq!(split_once(text, b':'), text.split_once(':'));
            assert_eq!(find_byte(text, b'\n'), text.find('\n'));
        }
    }

    #[test]
    fn parts_join_as_std_joins_them() {
        for parts in [&[][..], &["a"], &["a", "", "bc"]] {
            assert_eq!(joined(parts, ", "), parts.join(", "));
            assert_eq!(joined(parts, ""), parts.concat());
        }
    }

    #[test]
    fn words_are_found_by_name_and_by_place() {
        let words = "void u8 uint8";
        assert_eq!(word_index(words, "u8"), Some(1));
        assert_eq!(word_index(words, "uint"), None);
        assert_eq!(word_index(words, "void u8"), None);
        assert_eq!(nth_word(words, 2), Some("uint8"));
        assert_eq!(nth_word(words, 3), None);
        let mut parts = [""; 3];
        assert_eq!(fields(" a\tbb  c d", &mut parts), 3);
        assert_eq!(parts, ["a", "bb", "c"]);
        assert_eq!(fields("a b", &mut parts), 2);
        assert_eq!(
            nth_item("kprobe PMU|kernel BTF", b'|', 1),
            Some("kernel BTF")
        );
    }
}
