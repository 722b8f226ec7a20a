//! output::dump: a map printed at exit or by `print(@m)`, as ply prints it: a blank line, the
//! name, then one `{ key }: value` row per entry, sorted by value and then key, ascending.

use std::cmp::Ordering;
use std::fmt::Write;

use super::histogram::{write_linear_histogram, write_log2_histogram};
use super::value::{compare, write_value, Symbols};
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
            Shown::Plain(layout) => compare(layout, a, b, order),
            // Histograms sort by their bucket arrays, element by element.
            Shown::Log2Histogram(_) | Shown::LinearHistogram { .. } => {
                buckets(a, order).cmp(&buckets(b, order))
            }
            Shown::Average | Shown::Stats => mean(a, order).cmp(&mean(b, order)),
        }
    }

    fn write(&self, out: &mut String, data: &[u8], symbols: &dyn Symbols) {
        let order = symbols.byte_order();
        match self {
            Shown::Plain(layout) => write_value(out, layout, data, symbols),
            Shown::Log2Histogram(argument) => {
                write_log2_histogram(out, &buckets(data, order), argument)
            }
            Shown::LinearHistogram { min, step } => {
                write_linear_histogram(out, &buckets(data, order), *min, *step)
            }
            Shown::Average => {
                write!(out, "{}", mean(data, order)).ok();
            }
            Shown::Stats => {
                let (count, sum) = wire::decode_average(data, order);
                write!(
                    out,
                    "count {count}, average {}, total {sum}",
                    mean(data, order)
                )
                .ok();
            }
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

/// Appends the map `name` with its `entries` (key bytes, value bytes); an empty map prints
/// nothing at all, not even its name. A keyless map (`@ = count()`, which ply lacks) prints its
/// one value after the name, as bpftrace does: `@: 42`.
pub fn write_map(
    out: &mut String,
    name: &str,
    key: Option<&Layout>,
    shown: &Shown,
    mut entries: Vec<(Vec<u8>, Vec<u8>)>,
    options: PrintOptions,
    symbols: &dyn Symbols,
) {
    if entries.is_empty() {
        return;
    }
    let order = symbols.byte_order();
    let value = |data: &[u8]| match options.divisor {
        0 | 1 => data.to_vec(),
        divisor => divided(shown, data, divisor, order),
    };
    let Some(key) = key else {
        for (_, data) in &entries {
            write!(out, "\n{name}: ").ok();
            shown.write(out, &value(data), symbols);
            out.push('\n');
        }
        return;
    };
    entries.sort_by(|(key_a, value_a), (key_b, value_b)| {
        shown
            .compare(value_a, value_b, order)
            .then_with(|| compare(key, key_a, key_b, order))
    });
    // Ascending, so the largest are last.
    let shown_from = match usize::try_from(options.top) {
        Ok(0) | Err(_) => 0,
        Ok(top) => entries.len().saturating_sub(top),
    };
    out.push('\n');
    out.push_str(name);
    out.push_str(":\n");
    for (key_data, value_data) in &entries[shown_from..] {
        write_value(out, key, key_data, symbols);
        out.push_str(": ");
        shown.write(out, &value(value_data), symbols);
        // After a histogram, whose lines end in their own newline, this leaves a blank line.
        out.push('\n');
    }
}
