//! output::value: one value's bytes, printed by its layout as ply's `type_fprint` would.

use std::cmp::Ordering;
use std::fmt::Write;

use super::Style;
use crate::wire::{self, ByteOrder, Layout};

/// What values naming kernel objects need to print: symbols, stacks and the wall clock, and the
/// byte order of the kernel that wrote them. The runtime implements it; `NoSymbols` prints them
/// raw, from this host's kernel.
pub trait Symbols {
    /// `sym+off` of a kernel code address.
    fn write_kernel_address(&self, out: &mut String, address: u64) {
        write!(out, "<{address:016x}>").ok();
    }

    /// The frames of stack `id` of the stack map of `stack`'s depth, one a line.
    fn write_stack(&self, out: &mut String, id: u64, stack: wire::Stack) {
        let _ = stack;
        write!(out, "<STACKID{id}>").ok();
    }

    /// `function+offset` of a code address in process `pid`.
    fn write_user_address(&self, out: &mut String, address: u64, pid: u32) {
        let _ = pid;
        write!(out, "<{address:016x}>").ok();
    }

    /// Monotonic nanoseconds as local time, formatted by C's strftime (`%f`: microseconds).
    fn write_strftime(&self, out: &mut String, format: &str, monotonic: u64) {
        let _ = format;
        write!(out, "{monotonic}").ok();
    }

    /// What user space finds a number names (`Resolve`, but a MAC address): its number here.
    fn write_resolved(&self, out: &mut String, resolve: wire::Resolve, value: u64) {
        let _ = resolve;
        write_unsigned(out, value);
    }

    /// Nanoseconds from the monotonic clock probes read to local wall-clock time.
    fn wall_clock_offset(&self) -> i64 {
        0
    }

    /// The order the kernel wrote the values' bytes in.
    fn byte_order(&self) -> ByteOrder {
        wire::HOST
    }

    /// What a stack's frames start with in printf's `%s`: ply's tab, bpftrace's 8 spaces.
    fn frame_indent(&self) -> &'static str {
        "\t"
    }
}

pub struct NoSymbols;

impl Symbols for NoSymbols {}

/// The start of a line of bpftrace's JSON: `{"type": "kind", "data": `.
pub fn write_json_type(out: &mut String, kind: &str) {
    out.push_str("{\"type\": \"");
    out.push_str(kind);
    out.push_str("\", \"data\": ");
}

/// Appends `value` in decimal: one formatting call site that every integer shares.
pub fn write_unsigned(out: &mut String, value: u64) {
    write!(out, "{value}").ok();
}

/// Appends `value` in decimal, with its sign.
pub(super) fn write_signed(out: &mut String, value: i64) {
    write!(out, "{value}").ok();
}

/// Appends `count` copies of `fill`.
pub(super) fn pad(out: &mut String, fill: char, count: usize) {
    for _ in 0..count {
        out.push(fill);
    }
}

/// Appends `data` printed by `layout`.
pub fn write_value(out: &mut String, layout: &Layout, data: &[u8], symbols: &dyn Symbols) {
    let order = symbols.byte_order();
    // Addresses, stack ids and times are all one u64: read once.
    let word = wire::unsigned(data, 8, order);
    match layout {
        Layout::Int {
            bytes,
            signed: false,
        } => {
            write_unsigned(out, wire::unsigned(data, *bytes, order));
            Ok(())
        }
        Layout::Int {
            bytes,
            signed: true,
        } => {
            write_signed(out, wire::signed(data, *bytes, order));
            Ok(())
        }
        Layout::Pointer => write!(out, "<{word:x}>"),
        Layout::KernelAddress => {
            symbols.write_kernel_address(out, word);
            Ok(())
        }
        Layout::UserAddress => {
            let (address, pid) = wire::decode_user_address(data, order);
            symbols.write_user_address(out, address, pid);
            Ok(())
        }
        Layout::Stack(stack) => {
            symbols.write_stack(out, word, *stack);
            Ok(())
        }
        Layout::WallTime => {
            write_wall_time(out, word.wrapping_add_signed(symbols.wall_clock_offset()));
            Ok(())
        }
        Layout::Strftime(format) => {
            symbols.write_strftime(out, format, word);
            Ok(())
        }
        Layout::Inet => {
            write_inet(out, data, order);
            Ok(())
        }
        Layout::Buffer(capacity) => {
            let length = (word as usize).min(*capacity);
            write_buffer(out, &data[wire::BUFFER_DATA..][..length]);
            Ok(())
        }
        // bpftrace's macaddr(): upper-case hex.
        Layout::Resolved(wire::Resolve::MacAddress) => {
            for (index, byte) in data[..6].iter().enumerate() {
                if index > 0 {
                    out.push(':');
                }
                for digit in [byte >> 4, byte & 15] {
                    out.push(char::from(b"0123456789ABCDEF"[usize::from(digit)]));
                }
            }
            Ok(())
        }
        Layout::Resolved(resolve) => {
            symbols.write_resolved(out, *resolve, word);
            Ok(())
        }
        Layout::Id { width } => write!(out, "{:width$}", wire::unsigned(data, 4, order)),
        Layout::Time => {
            write_time(out, word as i64);
            Ok(())
        }
        Layout::Chars(len) => {
            write_chars(out, &data[..(*len).min(data.len())]);
            Ok(())
        }
        Layout::Array(element, count) => {
            write_array(out, element, *count, data, symbols);
            Ok(())
        }
        Layout::Struct { fields, anonymous } => {
            write_struct(out, fields, *anonymous, data, symbols);
            Ok(())
        }
    }
    .ok();
}

/// buf()'s bytes as bpftrace prints them: printable ASCII as it is, any other byte as `\xNN`.
fn write_buffer(out: &mut String, bytes: &[u8]) {
    for &byte in bytes {
        if (0x20..0x7f).contains(&byte) {
            out.push(byte as char);
        } else {
            // Hex as a u64: one hex formatter for every width (binary size).
            write!(out, "\\x{:02x}", u64::from(byte)).ok();
        }
    }
}

/// An array of `count` elements: `[a, b, c]`.
fn write_array(
    out: &mut String,
    element: &Layout,
    count: usize,
    data: &[u8],
    symbols: &dyn Symbols,
) {
    out.push('[');
    for index in 0..count {
        if index > 0 {
            out.push_str(", ");
        }
        let start = (index * element.size()).min(data.len());
        write_value(out, element, &data[start..], symbols);
    }
    out.push(']');
}

/// A struct as ply prints it: `{ a, b }` when anonymous (a tuple), else one `name = value`
/// field a line.
fn write_struct(
    out: &mut String,
    fields: &[wire::Field],
    anonymous: bool,
    data: &[u8],
    symbols: &dyn Symbols,
) {
    out.push_str(if anonymous { "{ " } else { "{\n\t" });
    for field in fields {
        // ply separates by offset, so a field at offset 0 is always the first.
        if field.offset > 0 {
            out.push_str(if anonymous { ", " } else { ",\n\t" });
        }
        if !anonymous {
            out.push_str(&field.name);
            out.push_str(" = ");
        }
        write_value(
            out,
            &field.layout,
            &data[field.offset.min(data.len())..],
            symbols,
        );
    }
    out.push_str(if anonymous { " }" } else { "\n}" });
}

/// Appends `data` printed by `layout` in `style`. bpftrace's text differs from ply's in
/// strings (not padded), ids (not aligned), tuples `(a, b)` and arrays `[a,b]`; its JSON quotes
/// whatever is not a number.
pub fn write_styled(
    out: &mut String,
    layout: &Layout,
    data: &[u8],
    symbols: &dyn Symbols,
    style: Style,
) {
    let order = symbols.byte_order();
    match (style, layout) {
        (Style::Ply, _) | (_, Layout::Int { .. }) => write_value(out, layout, data, symbols),
        (_, Layout::Chars(len)) => {
            let data = &data[..(*len).min(data.len())];
            let end = data
                .iter()
                .position(|&byte| byte == 0)
                .unwrap_or(data.len());
            write_text(out, &String::from_utf8_lossy(&data[..end]), style);
        }
        (_, Layout::Id { .. }) => write_unsigned(out, wire::unsigned(data, 4, order)),
        // bpftrace prints a pointer as a signed number.
        (_, Layout::Pointer) => write_signed(out, wire::signed(data, 8, order)),
        (_, Layout::Struct { .. } | Layout::Array(..)) => {
            write_styled_parts(out, layout, data, symbols, style)
        }
        // bpftrace indents a stack value's frames by 8 columns, in JSON too.
        (_, Layout::Stack { .. }) => {
            let mut text = String::new();
            write_stack(&mut text, layout, data, symbols, "        ");
            write_text(out, &text, style);
        }
        // bpftrace's ksym() and usym() name the function alone, where ply adds `+offset`.
        (_, Layout::KernelAddress | Layout::UserAddress) => {
            let mut text = String::new();
            write_value(&mut text, layout, data, symbols);
            // Not `rsplit_once`: linked for this alone otherwise.
            let function = match crate::words::rfind_byte(&text, b'+') {
                Some(plus) if text[plus + 1..].bytes().all(|byte| byte.is_ascii_digit()) => {
                    &text[..plus]
                }
                _ => &text,
            };
            write_text(out, function, style);
        }
        (Style::Bpftrace, _) => write_value(out, layout, data, symbols),
        (Style::Json, _) => {
            let mut text = String::new();
            write_value(&mut text, layout, data, symbols);
            write_text(out, &text, style);
        }
    }
}

/// A tuple `(a, b)`, a struct `{ .a = 1, .b = x }` or an array `[a,b]` in bpftrace's text; in
/// JSON `[a,b]`, `{ "a": 1, "b": "x" }` and `[a,b]`.
#[inline(never)]
fn write_styled_parts(
    out: &mut String,
    layout: &Layout,
    data: &[u8],
    symbols: &dyn Symbols,
    style: Style,
) {
    match layout {
        Layout::Struct { fields, anonymous } => {
            let json = style == Style::Json;
            let (open, separator, close) = match anonymous {
                true if json => ("[", ",", "]"),
                true => ("(", ", ", ")"),
                false => ("{ ", ", ", " }"),
            };
            out.push_str(open);
            for (index, field) in fields.iter().enumerate() {
                if index > 0 {
                    out.push_str(separator);
                }
                if !anonymous {
                    out.push_str(if json { "\"" } else { "." });
                    out.push_str(&field.name);
                    out.push_str(if json { "\": " } else { " = " });
                }
                let data = data.get(field.offset..).unwrap_or(&[]);
                write_styled(out, &field.layout, data, symbols, style);
            }
            out.push_str(close);
        }
        Layout::Array(element, count) => {
            out.push('[');
            for index in 0..*count {
                if index > 0 {
                    out.push(',');
                }
                let data = data.get(index * element.size()..).unwrap_or(&[]);
                write_styled(out, element, data, symbols, style);
            }
            out.push(']');
        }
        _ => {}
    }
}

/// A stack's frames one a line, each after `indent` (bpftrace indents a stack by 8 columns as a
/// value, by 4 in a key) rather than ply's tab.
pub fn write_stack(
    out: &mut String,
    stack: &Layout,
    data: &[u8],
    symbols: &dyn Symbols,
    indent: &str,
) {
    let mut frames = String::new();
    write_value(&mut frames, stack, data, symbols);
    // perf's layout (`kstack(perf)`) keeps its tabs in every style.
    let perf = matches!(stack, Layout::Stack(wire::Stack { perf: true, .. }));
    for (index, line) in crate::words::split(&frames, b'\n').enumerate() {
        if index > 0 {
            out.push('\n');
        }
        match line.strip_prefix('\t') {
            Some(frame) if !perf => {
                out.push_str(indent);
                out.push_str(frame);
            }
            _ => out.push_str(line),
        }
    }
}

/// Text as it is, or, in JSON, as a quoted string.
pub fn write_text(out: &mut String, text: &str, style: Style) {
    if style != Style::Json {
        out.push_str(text);
        return;
    }
    out.push('"');
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            control if (control as u32) < 0x20 => {
                write!(out, "\\u{:04x}", u64::from(control)).ok();
            }
            other => out.push(other),
        }
    }
    out.push('"');
}

/// ply's test for a string: printable ASCII up to a NUL, and nothing but NULs after it.
fn is_printable(data: &[u8]) -> bool {
    match data.iter().position(|&byte| byte == 0) {
        Some(end) => {
            data[..end].iter().all(|&byte| (0x20..0x7f).contains(&byte))
                && data[end..].iter().all(|&byte| byte == 0)
        }
        None => data.is_empty(),
    }
}

fn write_chars(out: &mut String, data: &[u8]) {
    if is_printable(data) {
        let end = data
            .iter()
            .position(|&byte| byte == 0)
            .unwrap_or(data.len());
        let text = String::from_utf8_lossy(&data[..end]);
        write!(out, "{text:<width$}", width = data.len().saturating_sub(1)).ok();
        return;
    }
    out.push('\n');
    for (line, chunk) in data.chunks(16).enumerate() {
        write!(out, "{:03x}: ", (line * 16) as u64).ok();
        for (index, byte) in chunk.iter().enumerate() {
            if index == 8 {
                out.push(' ');
            }
            write!(out, " {:02x}", u64::from(*byte)).ok();
        }
        let pad_width = (16 - chunk.len()) * 3 + 3 + usize::from(chunk.len() < 8);
        pad(out, ' ', pad_width);
        for (index, &byte) in chunk.iter().enumerate() {
            if index == 8 {
                out.push(' ');
            }
            out.push(if (0x20..0x7f).contains(&byte) {
                byte as char
            } else {
                '.'
            });
        }
        out.push('\n');
    }
}

/// A duration in nanoseconds scaled so that at most four digits show, in eight columns:
/// `  42ns`, `1.23us`, `12.3ms`, ` 999 s`, then minutes, hours, days and years.
pub fn write_time(out: &mut String, ns: i64) {
    // Two letters a unit, numbered from 0; bytes, not a table of `&str`s (16 bytes each).
    const UNITS: &str = "nsusms s M H D Y";
    // (divisor to the next scale, unit number, digits after the point)
    const SCALES: [(u16, u8, u8); 14] = [
        (10, 0, 0),
        (10, 1, 2),
        (10, 1, 1),
        (10, 1, 0),
        (10, 2, 2),
        (10, 2, 1),
        (10, 2, 0),
        (10, 3, 2),
        (10, 3, 1),
        (60, 3, 0),
        (60, 4, 0),
        (24, 5, 0),
        (365, 6, 0),
        (1, 7, 0),
    ];
    let mut value = ns;
    let mut scale = SCALES[SCALES.len() - 1];
    for candidate in SCALES {
        scale = candidate;
        if value <= 999 || candidate.1 == 7 {
            break;
        }
        value /= i64::from(candidate.0);
    }
    let (_, unit, decimals) = scale;
    let unit = &UNITS[2 * unit as usize..][..2];
    let value = value as i32;
    match decimals {
        2 => write!(out, "{}.{:02}{unit}", value / 100, value % 100),
        1 => write!(out, "{:2}.{}{unit}", value / 10, value % 10),
        _ => write!(out, "{value:4}{unit}"),
    }
    .ok();
}

/// `HH:MM:SS.nnnnnnnnn` of the time of day at `ns` (local time since the epoch).
fn write_wall_time(out: &mut String, ns: u64) {
    let of_day = (ns / 1_000_000_000) % 86_400;
    write!(
        out,
        "{:02}:{:02}:{:02}.{:09}",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60,
        ns % 1_000_000_000
    )
    .ok();
}

/// An `ntop()` value as glibc's inet_ntop (which bpftrace calls) prints it, and nothing for
/// another family, as bpftrace. IPv6: groups in hex, the first longest run of two or more zero
/// groups as `::`, and the last 32 bits dotted in `::a.b.c.d` and `::ffff:a.b.c.d`.
fn write_inet(out: &mut String, data: &[u8], order: ByteOrder) {
    let (family, address) = wire::decode_inet(data, order);
    let dotted = |out: &mut String, bytes: &[u8]| {
        for (index, byte) in bytes.iter().enumerate() {
            if index > 0 {
                out.push('.');
            }
            write_unsigned(out, u64::from(*byte));
        }
    };
    match family {
        wire::AF_INET => dotted(out, &address[..4]),
        wire::AF_INET6 => {
            let group =
                |index: usize| u16::from_be_bytes([address[2 * index], address[2 * index + 1]]);
            let (mut start, mut length, mut run) = (8, 0, 0);
            for index in 0..8 {
                run = if group(index) == 0 { run + 1 } else { 0 };
                if run > length.max(1) {
                    (start, length) = (index + 1 - run, run);
                }
            }
            let dots = start == 0 && (length == 6 || length == 5 && group(5) == 0xffff);
            for index in 0..if dots { 6 } else { 8 } {
                if (start..start + length).contains(&index) {
                    if index == start {
                        out.push_str("::");
                    }
                    continue;
                }
                if index > 0 && index != start + length {
                    out.push(':');
                }
                write!(out, "{:x}", u64::from(group(index))).ok();
            }
            if dots {
                if length == 5 {
                    out.push(':');
                }
                dotted(out, &address[12..]);
            }
        }
        _ => {}
    }
}

/// Orders two values of one layout as ply sorts map rows: numbers by value, arrays, strings and
/// structs element by element. `signed` false compares every integer unsigned, as bpftrace
/// orders a map's keys.
pub fn compare(
    layout: &Layout,
    a: &[u8],
    b: &[u8],
    (order, signed): (ByteOrder, bool),
) -> Ordering {
    let (bytes, signed) = match layout {
        Layout::Int { bytes, signed: int } => (*bytes, *int && signed),
        Layout::Time => (8, true),
        Layout::Id { .. } => (4, false),
        Layout::Pointer
        | Layout::WallTime
        | Layout::Strftime(_)
        | Layout::KernelAddress
        | Layout::Stack { .. }
        | Layout::UserAddress => (8, false),
        Layout::Chars(_) | Layout::Inet | Layout::Buffer(_) | Layout::Resolved(_) => {
            let len = layout.size();
            return a[..len.min(a.len())].cmp(&b[..len.min(b.len())]);
        }
        Layout::Array(element, count) => {
            for index in 0..*count {
                let ordering = compare_at(element, index * element.size(), a, b, (order, signed));
                if ordering.is_ne() {
                    return ordering;
                }
            }
            return Ordering::Equal;
        }
        Layout::Struct { fields, .. } => {
            for field in fields {
                let ordering = compare_at(&field.layout, field.offset, a, b, (order, signed));
                if ordering.is_ne() {
                    return ordering;
                }
            }
            return Ordering::Equal;
        }
    };
    if signed {
        wire::signed(a, bytes, order).cmp(&wire::signed(b, bytes, order))
    } else {
        wire::unsigned(a, bytes, order).cmp(&wire::unsigned(b, bytes, order))
    }
}

/// `compare` of the values at `offset` of `a` and `b`.
fn compare_at(
    layout: &Layout,
    offset: usize,
    a: &[u8],
    b: &[u8],
    order: (ByteOrder, bool),
) -> Ordering {
    compare(
        layout,
        a.get(offset..).unwrap_or(&[]),
        b.get(offset..).unwrap_or(&[]),
        order,
    )
}
