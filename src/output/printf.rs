//! output::printf: C's printf conversions over values from the kernel, plus ply's `%v` (a value
//! printed as `print()` would). The format is parsed once, when the script is compiled; each
//! record is then rendered without re-parsing.

use std::fmt;
use std::rc::Rc;

use crate::wire::{self, ByteOrder, Layout};

use super::value::{pad, write_stack, write_value, Symbols};

/// A parsed format string: literal text and conversions, in order, and the text as written.
/// Shared, so a copy (the compiler makes some) is a count, not the pieces (binary size); None
/// is the empty format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Format(Option<Rc<(String, Vec<Piece>)>>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Conversion(Spec),
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    alternate: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
    /// Bytes that `hh`, `h`, `l`... narrow an integer to; None keeps the value's own size.
    length: Option<usize>,
    conversion: char,
    /// bpftrace's `%rx` (`x`: every byte of a buffer `\xNN`) and `%rh` (`h`: `48 65 6c`).
    hex: Option<char>,
}

/// What is wrong with a format string; `offset` is the byte offset of the bad conversion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Format {
    /// The format of no text, which prints nothing.
    pub const EMPTY: Format = Format(None);

    /// The format `text`; its error boxed, so that a result (a pointer either way) returns in
    /// registers.
    #[inline(never)]
    pub fn parse(text: &str) -> Result<Format, Box<FormatError>> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((offset, c)) = chars.next() {
            if c != '%' {
                // bpftrace's `%rx` and `%rh`: a letter right after a `%r`.
                if let (Some(Piece::Conversion(spec)), 'x' | 'h', true) =
                    (pieces.last_mut(), c, literal.is_empty())
                {
                    if spec.conversion == 'r' && spec.hex.is_none() {
                        spec.hex = Some(c);
                        continue;
                    }
                }
                literal.push(c);
                continue;
            }
            if chars.next_if(|&(_, c)| c == '%').is_some() {
                literal.push('%');
                continue;
            }
            let spec = parse_spec(&mut chars, offset)?;
            if !literal.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut literal)));
            }
            pieces.push(Piece::Conversion(spec));
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        // The empty text is `EMPTY`, so that formats equal as texts compare equal.
        Ok(Format(
            (!text.is_empty()).then(|| Rc::new((text.to_string(), pieces))),
        ))
    }

    fn pieces(&self) -> &[Piece] {
        self.0.as_ref().map_or(&[], |format| &format.1)
    }

    /// The format as the script wrote it.
    pub fn text(&self) -> &str {
        self.0.as_ref().map_or("", |format| &format.0)
    }

    /// Number of values the format consumes.
    pub fn arguments(&self) -> usize {
        self.pieces()
            .iter()
            .filter(|piece| matches!(piece, Piece::Conversion(_)))
            .count()
    }

    /// Appends the format rendered with `values`, one (layout, bytes) per conversion; a missing
    /// value renders as nothing.
    #[inline(never)]
    pub fn write(&self, out: &mut String, values: &[(&Layout, &[u8])], symbols: &dyn Symbols) {
        let mut values = values.iter();
        for piece in self.pieces() {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Conversion(spec) => {
                    if let Some((layout, data)) = values.next() {
                        write_conversion(out, spec, layout, data, symbols);
                    }
                }
            }
        }
    }
}

type Chars<'a> = std::iter::Peekable<std::str::CharIndices<'a>>;

/// Whether `c` is one of the ASCII characters in `set`. By bytes: `str::contains` of a char
/// links a substring searcher into the binary for the chars that are not ASCII.
fn one_of(set: &str, c: char) -> bool {
    c.is_ascii() && set.as_bytes().contains(&(c as u8))
}

/// One conversion after its `%` (at byte `offset`): flags, width, precision, length, conversion.
#[inline(never)]
fn parse_spec(chars: &mut Chars<'_>, offset: usize) -> Result<Spec, Box<FormatError>> {
    let mut spec = Spec::default();
    while let Some((_, flag)) = chars.next_if(|&(_, c)| one_of("-+ #0", c)) {
        match flag {
            '-' => spec.left = true,
            '+' => spec.plus = true,
            ' ' => spec.space = true,
            '#' => spec.alternate = true,
            _ => spec.zero = true,
        }
    }
    spec.width = number(chars);
    if chars.next_if(|&(_, c)| c == '.').is_some() {
        spec.precision = Some(number(chars));
    }
    let mut modifier = String::new();
    while let Some((_, c)) = chars.next_if(|&(_, c)| one_of("hljztqL", c)) {
        modifier.push(c);
    }
    spec.length = match modifier.as_str() {
        "" => None,
        "hh" => Some(1),
        "h" => Some(2),
        "l" | "ll" | "q" | "j" | "z" | "t" | "L" => Some(8),
        other => {
            return Err(Box::new(FormatError {
                offset,
                message: format!("unknown length modifier `{other}`"),
            }));
        }
    };
    let message = match chars.next() {
        Some((_, conversion)) if one_of("diuoxXcspvr", conversion) => {
            spec.conversion = conversion;
            return Ok(spec);
        }
        Some((_, conversion)) if one_of("aAeEfFgG", conversion) => {
            format!("`%{conversion}` prints a floating-point value, and BPF has none")
        }
        Some((_, conversion)) => format!("unknown conversion `%{conversion}`"),
        None => "the format ends inside a conversion".into(),
    };
    Err(Box::new(FormatError { offset, message }))
}

fn number(chars: &mut Chars<'_>) -> usize {
    let mut value = 0usize;
    while let Some((_, digit)) = chars.next_if(|(_, c)| c.is_ascii_digit()) {
        value = value
            .saturating_mul(10)
            .saturating_add(digit as usize - '0' as usize);
    }
    value
}

/// The integer a conversion reads: (negative, magnitude). A length modifier reads that many
/// bytes, as C does; without one the value keeps its own size, so a 64-bit value prints whole
/// where ply (C's `%d` reads an int) would print its low 32 bits, and an unsigned one narrower
/// than an int is never negative (C promotes it to an int; bpftrace prints bswap()'s u16 so).
fn integer(spec: &Spec, layout: &Layout, data: &[u8], order: ByteOrder) -> (bool, u64) {
    let (size, promoted) = match (spec.length, layout) {
        (Some(length), _) => (length, false),
        (None, Layout::Int { bytes, signed }) => (*bytes, !signed && *bytes < 4),
        (None, Layout::Id { .. }) => (4, false),
        (None, Layout::Chars(len)) => ((*len).clamp(1, 8), false),
        (None, _) => (8, false),
    };
    if matches!(spec.conversion, 'd' | 'i') && !promoted {
        let value = wire::signed(data, size, order);
        (value < 0, value.unsigned_abs())
    } else {
        (false, wire::unsigned(data, size, order))
    }
}

/// An integer conversion: its sign, its `#` prefix and its digits (with its precision).
#[inline(never)]
fn integer_text(
    spec: &Spec,
    layout: &Layout,
    data: &[u8],
    order: ByteOrder,
) -> (&'static str, &'static str, String) {
    let conversion = spec.conversion;
    let signed = matches!(conversion, 'd' | 'i');
    let (negative, magnitude) = integer(spec, layout, data, order);
    let sign = match () {
        _ if negative => "-",
        _ if spec.plus && signed => "+",
        _ if spec.space && signed => " ",
        _ => "",
    };
    let radix = match conversion {
        'o' => 8,
        'x' | 'X' => 16,
        _ => 10,
    };
    let mut digits = in_radix(magnitude, radix, conversion == 'X');
    if spec.precision == Some(0) && magnitude == 0 {
        digits.clear();
    }
    while digits.len() < spec.precision.unwrap_or(0) {
        digits.insert(0, '0');
    }
    let mut prefix = "";
    if spec.alternate {
        match conversion {
            'o' if !digits.starts_with('0') => digits.insert(0, '0'),
            'x' if magnitude != 0 => prefix = "0x",
            'X' if magnitude != 0 => prefix = "0X",
            _ => {}
        }
    }
    (sign, prefix, digits)
}

/// `value`'s digits in `radix` (upper-case letters if `upper`): one loop for the four radixes
/// printf has, where `format!` would take one formatting routine each.
fn in_radix(mut value: u64, radix: u64, upper: bool) -> String {
    let mut digits = String::new();
    loop {
        let digit = char::from_digit((value % radix) as u32, radix as u32).unwrap_or('?');
        digits.insert(
            0,
            if upper {
                digit.to_ascii_uppercase()
            } else {
                digit
            },
        );
        value /= radix;
        if value == 0 {
            return digits;
        }
    }
}

#[inline(never)]
fn write_conversion(
    out: &mut String,
    spec: &Spec,
    layout: &Layout,
    data: &[u8],
    symbols: &dyn Symbols,
) {
    let (sign, prefix, body) = match spec.conversion {
        'v' | 's' | 'r' => {
            let mut text = String::new();
            match layout {
                Layout::Buffer(capacity) if spec.hex.is_some() => {
                    let length = wire::unsigned(data, 8, symbols.byte_order()) as usize;
                    let bytes = &data[wire::BUFFER_DATA..][..length.min(*capacity)];
                    for (index, byte) in bytes.iter().enumerate() {
                        if spec.hex == Some('x') {
                            text.push_str("\\x");
                        } else if index > 0 {
                            text.push(' ');
                        }
                        text += &in_radix(u64::from(*byte) | 0x100, 16, false)[1..];
                    }
                }
                Layout::Chars(_) if spec.conversion == 's' => {
                    let end = data
                        .iter()
                        .position(|&byte| byte == 0)
                        .unwrap_or(data.len());
                    text = String::from_utf8_lossy(&data[..end]).into_owned();
                }
                Layout::Stack(_) => {
                    let indent = symbols.frame_indent();
                    write_stack(&mut text, layout, data, symbols, indent);
                }
                // `%v`, and `%s` of a value that is not text (strftime(), ksym(), a kprobe's
                // func): as it prints.
                _ => write_value(&mut text, layout, data, symbols),
            }
            if let (Some(precision), 's') = (spec.precision, spec.conversion) {
                if let Some((end, _)) = text.char_indices().nth(precision) {
                    text.truncate(end);
                }
            }
            ("", "", text)
        }
        'c' => (
            "",
            "",
            char::from(data.first().copied().unwrap_or(0)).to_string(),
        ),
        'p' => match wire::unsigned(data, 8, symbols.byte_order()) {
            0 => ("", "", "(nil)".to_string()),
            value => ("", "0x", in_radix(value, 16, false)),
        },
        _ => integer_text(spec, layout, data, symbols.byte_order()),
    };
    let length = sign.len() + prefix.len() + body.chars().count();
    let padding = spec.width.saturating_sub(length);
    let numeric = one_of("diuoxX", spec.conversion);
    let (spaces_before, zeros, spaces_after) = if spec.left {
        (0, 0, padding)
    } else if spec.zero && numeric && spec.precision.is_none() {
        (0, padding, 0)
    } else {
        (padding, 0, 0)
    };
    pad(out, ' ', spaces_before);
    out.push_str(sign);
    out.push_str(prefix);
    pad(out, '0', zeros);
    out.push_str(&body);
    pad(out, ' ', spaces_after);
}
