//! output::dump: a map printed at exit or by `print(@m)`, as ply prints it: a blank line, the
//! name, then one `{ key }: value` row per entry, sorted by value and then key, ascending.

use std::cmp::Ordering;
use std::fmt::Write;

use super::histogram::{
    write_bpftrace_histogram, write_linear_histogram, write_log2_histogram, Buckets,
};
use super::value::{
    compare, write_json_type, write_signed, write_stack, write_styled, write_text, write_unsigned,
    write_value, Symbols,
};
use super::Style;
use crate::wire::{self, ByteOrder, Layout};

/// How a map's values print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown {
    /// As a plain value of this layout.
    Plain(Layout),
    /// As a log2 histogram of `[u64; N]` buckets of an argument of this layout.
    Log2Histogram(Layout),
    /// As a linear histogram of `[u64; N]` buckets (see `write_linear_histogram`).
    LinearHistogram { min: i64, step: i64 },
    /// `{ count: u64, sum: i64 }` printed as the integer mean, as bpftrace's `avg` does.
    Average,
    /// `{ count: u64, sum: i64 }` printed as `count N, average A, total T`, as bpftrace's `stats`.
    Stats,
}

fn buckets(data: &[u8], order: ByteOrder) -> Vec<u64> {
    wire::words(data, order)
}

/// The integer mean of an average's value; 0 when nothing was counted.
fn mean(data: &[u8], order: ByteOrder) -> i64 {
    match wire::decode_average(data, order) {
        (0, _) => 0,
        (count, sum) => sum / count as i64,
    }
}

impl Shown {
    fn compare(&self, a: &[u8], b: &[u8], order: ByteOrder) -> Ordering {
        match self {
            Shown::Plain(layout) => compare(layout, a, b, (order, true)),
            // Histograms sort by their bucket arrays, element by element.
            Shown::Log2Histogram(_) | Shown::LinearHistogram { .. } => {
                buckets(a, order).cmp(&buckets(b, order))
            }
            Shown::Average | Shown::Stats => mean(a, order).cmp(&mean(b, order)),
        }
    }

    /// A value as ply prints it: only histograms differ from bpftrace's text.
    fn write(&self, out: &mut String, data: &[u8], symbols: &dyn Symbols) {
        let order = symbols.byte_order();
        match self {
            Shown::Log2Histogram(argument) => {
                write_log2_histogram(out, &buckets(data, order), argument)
            }
            Shown::LinearHistogram { min, step } => {
                write_linear_histogram(out, &buckets(data, order), *min, *step)
            }
            _ => self.write_bpftrace(out, data, 1, symbols, Style::Ply),
        }
    }
}

/// `print(@m, top, divisor)`, as bpftrace has it: only the `top` largest entries (0: all), each
/// value divided by `divisor` (integers, histogram counts and means; `stats()` is left whole).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrintOptions {
    pub top: u64,
    pub divisor: u64,
}

impl PrintOptions {
    /// The whole map, as it is: `print(@m)` and the dump at exit.
    pub const WHOLE: PrintOptions = PrintOptions { top: 0, divisor: 1 };
}

/// `data` with each integer of `shown` divided by `divisor`.
fn divided(shown: &Shown, data: &[u8], divisor: u64, order: ByteOrder) -> Vec<u8> {
    let mut data = data.to_vec();
    let divide_word = |data: &mut [u8], index: usize, signed: bool| {
        if let Some(word) = data.get_mut(index * 8..index * 8 + 8) {
            write_int(
                word,
                divide(wire::unsigned(word, 8, order), signed, 8, divisor),
                order,
            );
        }
    };
    match shown {
        Shown::Plain(Layout::Int { bytes, signed }) => {
            let bytes = (*bytes).min(data.len());
            let value = divide(wire::unsigned(&data, bytes, order), *signed, bytes, divisor);
            write_int(&mut data[..bytes], value, order);
        }
        Shown::Log2Histogram(_) | Shown::LinearHistogram { .. } => {
            for index in 0..data.len() / 8 {
                divide_word(&mut data, index, false);
            }
        }
        // The mean of the divided sum is the divided mean, rounded the same way.
        Shown::Average => divide_word(&mut data, wire::AVERAGE_SUM / 8, true),
        Shown::Plain(_) | Shown::Stats => {}
    }
    data
}

/// `value` (an integer of `bytes` bytes) divided by `divisor`, as C divides.
fn divide(value: u64, signed: bool, bytes: usize, divisor: u64) -> u64 {
    if signed {
        let shift = 64 - 8 * bytes.clamp(1, 8) as u32;
        (((value << shift) as i64 >> shift) / divisor as i64) as u64
    } else {
        value / divisor
    }
}

/// Stores the low `target.len()` bytes of `value` as the kernel would.
fn write_int(target: &mut [u8], value: u64, order: ByteOrder) {
    let bytes = target.len().min(8);
    target[..bytes].copy_from_slice(&wire::encode_int(value, bytes, order));
}

/// What a map is, for printing it: its name, the layout of its key (none: keyless), how its
/// values show, and in whose layout.
pub struct MapShape<'a> {
    pub name: &'a str,
    pub key: Option<&'a Layout>,
    pub shown: &'a Shown,
    pub style: Style,
}

/// The order rows print in: ply sorts by value, then key; bpftrace sorts integers by value,
/// histograms by their total count, averages and stats by their mean, ties and anything else by
/// key.
fn compare_rows(
    shape: &MapShape,
    (key_a, value_a): &(Vec<u8>, Vec<u8>),
    (key_b, value_b): &(Vec<u8>, Vec<u8>),
    order: ByteOrder,
) -> Ordering {
    let by_key = || match shape.key {
        // bpftrace orders keys' integers unsigned (`-3` after `2`).
        Some(key) => compare(key, key_a, key_b, (order, shape.style == Style::Ply)),
        None => Ordering::Equal,
    };
    if shape.style == Style::Ply {
        return shape
            .shown
            .compare(value_a, value_b, order)
            .then_with(by_key);
    }
    let total = |data: &[u8]| buckets(data, order).iter().sum::<u64>();
    match shape.shown {
        Shown::Plain(Layout::Int { .. }) | Shown::Average | Shown::Stats => {
            shape.shown.compare(value_a, value_b, order)
        }
        Shown::Log2Histogram(_) | Shown::LinearHistogram { .. } => {
            total(value_a).cmp(&total(value_b))
        }
        Shown::Plain(_) => Ordering::Equal,
    }
    .then_with(by_key)
}

/// A key as bpftrace prints it: `[1, abc]` in text, `"1,abc"` in JSON.
fn write_bpftrace_key(
    out: &mut String,
    key: &Layout,
    data: &[u8],
    symbols: &dyn Symbols,
    style: Style,
) {
    let separator = if style == Style::Json { "," } else { ", " };
    let mut text = String::new();
    match key {
        Layout::Struct { fields, .. } => {
            for (index, field) in fields.iter().enumerate() {
                if index > 0 {
                    text.push_str(separator);
                }
                let data = data.get(field.offset..).unwrap_or(&[]);
                write_key_part(&mut text, &field.layout, data, symbols);
            }
        }
        _ => write_key_part(&mut text, key, data, symbols),
    }
    match style {
        // The key's parts are joined, then the whole is quoted and escaped as one string.
        Style::Json => write_text(out, &text, Style::Json),
        _ => {
            out.push('[');
            out.push_str(&text);
            out.push(']');
        }
    }
}

/// One part of a key (the key itself, or one field of a tuple key) as bpftrace prints it.
fn write_key_part(out: &mut String, layout: &Layout, data: &[u8], symbols: &dyn Symbols) {
    match layout {
        // bpftrace reads a 64-bit integer key as signed, a narrower one as its type says.
        Layout::Int { bytes, signed } if *signed || *bytes == 8 => {
            write_signed(out, wire::signed(data, *bytes, symbols.byte_order()));
        }
        Layout::Pointer => {
            write!(out, "0x{:x}", wire::unsigned(data, 8, symbols.byte_order())).ok();
        }
        Layout::Stack { .. } => write_stack(out, layout, data, symbols, "    "),
        _ => write_styled(out, layout, data, symbols, Style::Bpftrace),
    }
}

impl Shown {
    /// A value as bpftrace prints it: histograms by `write_bpftrace_histogram` (counts divided
    /// there), `stats` as `count N, average A, total T` or a JSON object.
    fn write_bpftrace(
        &self,
        out: &mut String,
        data: &[u8],
        divisor: u64,
        symbols: &dyn Symbols,
        style: Style,
    ) {
        let order = symbols.byte_order();
        match self {
            Shown::Plain(layout) => write_styled(out, layout, data, symbols, style),
            Shown::Log2Histogram(_) | Shown::LinearHistogram { .. } => {
                let (kind, divisor) = match *self {
                    // bpftrace 0.17 does not divide linear histograms.
                    Shown::LinearHistogram { min, step } => (Buckets::Linear { min, step }, 1),
                    _ => {
                        let signed = matches!(
                            self,
                            Shown::Log2Histogram(Layout::Int { signed: true, .. } | Layout::Time)
                        );
                        (Buckets::Log2 { signed }, divisor)
                    }
                };
                write_bpftrace_histogram(out, &buckets(data, order), kind, divisor, style)
            }
            Shown::Average => write_signed(out, mean(data, order)),
            Shown::Stats => {
                let (count, sum) = wire::decode_average(data, order);
                let [count_label, average_label, total_label, close] = if style == Style::Json {
                    ["{\"count\": ", ", \"average\": ", ", \"total\": ", "}"]
                } else {
                    ["count ", ", average ", ", total ", ""]
                };
                out.push_str(count_label);
                write_unsigned(out, count);
                out.push_str(average_label);
                write_signed(out, mean(data, order));
                out.push_str(total_label);
                write_signed(out, sum);
                out.push_str(close);
            }
        }
    }

    /// bpftrace's JSON type for a map of these values.
    fn json_type(&self) -> &'static str {
        match self {
            Shown::Plain(_) => "map",
            Shown::Log2Histogram(_) | Shown::LinearHistogram { .. } => "hist",
            Shown::Average | Shown::Stats => "stats",
        }
    }
}

/// Whether bpftrace runs a map's text rows together: stacks and code addresses.
fn ends_itself(shown: &Shown) -> bool {
    matches!(
        shown,
        Shown::Plain(Layout::Stack { .. } | Layout::KernelAddress | Layout::UserAddress)
    )
}

/// Appends the map `shape.name` with its `entries` (key bytes, value bytes).
///
/// In ply's layout an empty map prints nothing at all, not even its name; then the name and one
/// `{ key }: value` row per entry. A keyless map (`@ = count()`, which ply lacks) prints its
/// one value after the name, as bpftrace does: `@: 42`.
///
/// In bpftrace's, each entry is a `@name[key]: value` line; histograms start on the next line
/// and are followed by a blank one, averages and stats by one after the map, and an empty map
/// prints a blank line. In JSON, the whole map is one line, nothing when it is empty.
#[inline(never)]
pub fn write_map(
    out: &mut String,
    shape: &MapShape,
    mut entries: Vec<(Vec<u8>, Vec<u8>)>,
    options: PrintOptions,
    symbols: &dyn Symbols,
) {
    let (shown, style) = (shape.shown, shape.style);
    let order = symbols.byte_order();
    if entries.is_empty() {
        if style == Style::Bpftrace {
            out.push_str(if matches!(shown, Shown::Average | Shown::Stats) {
                "\n\n"
            } else {
                "\n"
            });
        }
        return;
    }
    // Rows the order leaves tied (keys it reads only in part) by their bytes, so an unstable
    // sort's order is one order: a stable sort's code costs the binary more.
    entries.sort_unstable_by(|a, b| compare_rows(shape, a, b, order).then_with(|| a.cmp(b)));
    // Ascending, so the largest are last. bpftrace 0.17 ignores `top` for stats.
    let shown_from = match usize::try_from(options.top) {
        _ if style != Style::Ply && *shown == Shown::Stats => 0,
        Ok(0) | Err(_) => 0,
        Ok(top) => entries.len().saturating_sub(top),
    };
    let entries = &entries[shown_from..];
    write_rows(out, shape, entries, options, symbols);
}

/// A row's value as it prints: divided by `options.divisor`, except a histogram's in
/// bpftrace's layouts (bpftrace divides its counts as it prints them: its bars stay undivided).
fn printed_value(
    shape: &MapShape,
    data: &[u8],
    options: PrintOptions,
    order: ByteOrder,
) -> Vec<u8> {
    let histogram = matches!(
        shape.shown,
        Shown::Log2Histogram(_) | Shown::LinearHistogram { .. }
    );
    match options.divisor {
        0 | 1 => data.to_vec(),
        _ if shape.style != Style::Ply && histogram => data.to_vec(),
        divisor => divided(shape.shown, data, divisor, order),
    }
}

/// The rows of a map that has some, in any style: one loop, as the styles differ in little.
#[inline(never)]
fn write_rows(
    out: &mut String,
    shape: &MapShape,
    entries: &[(Vec<u8>, Vec<u8>)],
    options: PrintOptions,
    symbols: &dyn Symbols,
) {
    let (name, shown, style, key) = (shape.name, shape.shown, shape.style, shape.key);
    let histogram = matches!(
        shown,
        Shown::Log2Histogram(_) | Shown::LinearHistogram { .. }
    );
    let ply = style == Style::Ply;
    // ply's keyed rows follow a line with the name; a keyless row is `\n@name: value`.
    if ply && key.is_some() {
        out.push('\n');
        out.push_str(name);
        out.push_str(":\n");
    }
    if style == Style::Json {
        write_json_type(out, shown.json_type());
        out.push('{');
        write_text(out, name, style);
        out.push_str(": ");
        if shape.key.is_some() {
            out.push('{');
        }
    }
    for (index, (key_data, value_data)) in entries.iter().enumerate() {
        match style {
            Style::Json if index > 0 => out.push_str(", "),
            // Stacks end in their own newline; bpftrace adds none after symbols either.
            Style::Bpftrace if index > 0 && !ends_itself(shown) => out.push('\n'),
            Style::Ply if key.is_none() => out.push('\n'),
            _ => {}
        }
        if style == Style::Bpftrace || ply && key.is_none() {
            out.push_str(name);
        }
        match key {
            Some(key) if ply => write_value(out, key, key_data, symbols),
            Some(key) => write_bpftrace_key(out, key, key_data, symbols, style),
            None => {}
        }
        if key.is_some() || style != Style::Json {
            out.push_str(": ");
        }
        if style == Style::Bpftrace && histogram {
            out.push('\n');
        }
        let value = printed_value(shape, value_data, options, symbols.byte_order());
        if ply {
            shown.write(out, &value, symbols);
            // After a histogram, whose lines end in their own newline, this leaves a blank
            // line.
            out.push('\n');
        } else {
            shown.write_bpftrace(out, &value, options.divisor, symbols, style);
        }
    }
    if ply {
        return;
    }
    out.push_str(match style {
        Style::Json if shape.key.is_some() => "}}}\n",
        Style::Json => "}}\n",
        _ if matches!(shown, Shown::Average | Shown::Stats) => "\n\n",
        _ => "\n",
    });
}
