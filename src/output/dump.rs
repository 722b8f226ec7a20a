//! output::dump: a map printed at exit or by `print(@m)`, as ply prints it: a blank line, the
//! name, then one `{ key }: value` row per entry, sorted by value and then key, ascending.

use std::cmp::Ordering;
use std::fmt::Write;

use super::histogram::{write_linear_histogram, write_log2_histogram};
use super::value::{compare, read_signed, read_unsigned, write_value, Layout, Symbols};

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

fn u64_at(data: &[u8], index: usize) -> u64 {
    data.get(index * 8..index * 8 + 8)
        .map_or(0, |bytes| read_unsigned(bytes, 8))
}

fn buckets(data: &[u8]) -> Vec<u64> {
    (0..data.len() / 8)
        .map(|index| u64_at(data, index))
        .collect()
}

/// The integer mean of a `{ count, sum }` value; 0 when nothing was counted.
fn mean(data: &[u8]) -> i64 {
    let count = u64_at(data, 0) as i64;
    let sum = data.get(8..16).map_or(0, |bytes| read_signed(bytes, 8));
    if count == 0 {
        0
    } else {
        sum / count
    }
}

impl Shown {
    fn compare(&self, a: &[u8], b: &[u8]) -> Ordering {
        match self {
            Shown::Plain(layout) => compare(layout, a, b),
            // Histograms sort by their bucket arrays, element by element.
            Shown::Log2Histogram(_) | Shown::LinearHistogram { .. } => buckets(a).cmp(&buckets(b)),
            Shown::Average | Shown::Stats => mean(a).cmp(&mean(b)),
        }
    }

    fn write(&self, out: &mut String, data: &[u8], symbols: &dyn Symbols) {
        match self {
            Shown::Plain(layout) => write_value(out, layout, data, symbols),
            Shown::Log2Histogram(argument) => write_log2_histogram(out, &buckets(data), argument),
            Shown::LinearHistogram { min, step } => {
                write_linear_histogram(out, &buckets(data), *min, *step)
            }
            Shown::Average => {
                write!(out, "{}", mean(data)).ok();
            }
            Shown::Stats => {
                let sum = data.get(8..16).map_or(0, |bytes| read_signed(bytes, 8));
                write!(
                    out,
                    "count {}, average {}, total {sum}",
                    u64_at(data, 0),
                    mean(data)
                )
                .ok();
            }
        }
    }
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
    symbols: &dyn Symbols,
) {
    if entries.is_empty() {
        return;
    }
    let Some(key) = key else {
        for (_, value) in &entries {
            write!(out, "\n{name}: ").ok();
            shown.write(out, value, symbols);
            out.push('\n');
        }
        return;
    };
    entries.sort_by(|(key_a, value_a), (key_b, value_b)| {
        shown
            .compare(value_a, value_b)
            .then_with(|| compare(key, key_a, key_b))
    });
    out.push('\n');
    out.push_str(name);
    out.push_str(":\n");
    for (key_data, value_data) in &entries {
        write_value(out, key, key_data, symbols);
        out.push_str(": ");
        shown.write(out, value_data, symbols);
        // After a histogram, whose lines end in their own newline, this leaves a blank line.
        out.push('\n');
    }
}
