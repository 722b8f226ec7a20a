//! output::histogram: log2 histograms (`quantize`/`hist`) in ply's layout: one line per
//! non-empty bucket, `...` for a run of empty ones, and a bar scaled to the histogram's total.

use std::fmt::Write;

use super::Style;
use crate::wire::{self, Layout};

use super::value::{pad, write_signed, write_time, write_unsigned};

/// Appends the histogram of `buckets`, where bucket 0 counts 0 and 1 and bucket i counts
/// [2^i, 2^(i+1)). For a signed argument the last bucket counts the negative values and is
/// listed first. `argument` is the layout of the quantized value: a `Time` argument labels its
/// buckets with durations.
pub fn write_log2_histogram(out: &mut String, buckets: &[u64], argument: &Layout) {
    let total: u64 = buckets.iter().sum();
    let signed = matches!(argument, Layout::Int { signed: true, .. } | Layout::Time);
    let mut buckets = buckets;
    out.push('\n');
    if signed {
        if let Some((&negative, rest)) = buckets.split_last() {
            buckets = rest;
            if negative > 0 {
                out.push_str("\t         < 0");
                write_count(out, negative, total);
                if buckets.first() == Some(&0) {
                    out.push_str("\t...\n");
                }
            }
        }
    }
    write_rows(out, buckets, total, &|out, index| {
        write_bucket_label(out, index as u32, argument)
    });
}

/// Appends a linear histogram (`lhist(v, min, max, step)`): bucket 0 counts values below `min`,
/// buckets 1..=n count `[min + (i-1)*step, min + i*step)`, the last counts values from `max` up.
/// Laid out like the log2 histogram: non-empty buckets only, `...` for a run of empty ones.
pub fn write_linear_histogram(out: &mut String, buckets: &[u64], min: i64, step: i64) {
    let total: u64 = buckets.iter().sum();
    let last = buckets.len().saturating_sub(1);
    out.push('\n');
    write_rows(out, buckets, total, &|out, index| {
        let low = min.saturating_add(step.saturating_mul(index as i64 - 1));
        if index == 0 {
            write!(out, "\t{:>12}", format!("< {min}")).ok();
        } else if index == last {
            write!(out, "\t{:>12}", format!(">= {low}")).ok();
        } else {
            write!(out, "\t[{low:4}, {:4})", low.saturating_add(step)).ok();
        }
    });
}

/// One row per non-empty bucket: its label, count and bar; a run of empty buckets between two
/// rows becomes a `...` row (empty ones before the first row are not marked).
fn write_rows(out: &mut String, buckets: &[u64], total: u64, label: &dyn Fn(&mut String, usize)) {
    let mut gap = 0;
    for (index, &count) in buckets.iter().enumerate() {
        if count == 0 {
            gap += 1;
            continue;
        }
        if gap > 0 && gap != index {
            out.push_str("\t...\n");
        }
        gap = 0;
        label(out, index);
        write_count(out, count, total);
    }
}

/// `[   2,    3]` below 1k, `[  4k,   8k)` above; durations as `[lo, hi]` in the time format.
#[inline(never)]
fn write_bucket_label(out: &mut String, index: u32, argument: &Layout) {
    let low = if index == 0 { 0 } else { 1u64 << index.min(63) };
    let high = (1u64 << (index + 1).min(63)).wrapping_sub(1);
    if *argument == Layout::Time {
        out.push_str("\t[");
        write_time(out, low as i64);
        out.push_str(", ");
        write_time(out, high as i64);
        out.push(']');
        return;
    }
    let (low, low_suffix) = scaled(index);
    let (high, high_suffix) = scaled(index + 1);
    if high_suffix.is_empty() {
        write!(out, "\t[{low:4}, {:4}]", high - 1).ok();
    } else {
        let width = |suffix: &str| if suffix.is_empty() { 4 } else { 3 };
        write!(
            out,
            "\t[{low:>w1$}{low_suffix}, {high:>w2$}{high_suffix})",
            w1 = width(low_suffix),
            w2 = width(high_suffix)
        )
        .ok();
    }
}

/// 2^log2 as a number below 1024 and a k/M/G... suffix; 2^0 is shown as 0, the start of bucket 0.
fn scaled(log2: u32) -> (u64, &'static str) {
    // A letter a step of 2^10 from the first; not a table of `&str`s (16 bytes each).
    const SUFFIXES: &str = "kMGTPZ";
    if log2 == 0 {
        return (0, "");
    }
    let step = ((log2 / 10) as usize).min(SUFFIXES.len());
    let suffix = if step == 0 {
        ""
    } else {
        &SUFFIXES[step - 1..step]
    };
    (1 << (log2 % 10), suffix)
}

/// `\t%8u ` and a 32-cell bar of eighth blocks scaled to the histogram's total.
fn write_count(out: &mut String, count: u64, total: u64) {
    write!(out, "\t{count:8} ").ok();
    // ply computes the width in single precision, then rounds in double: keep its rounding.
    let mut eighths = ((count as f32 / total as f32) as f64 * 256.0 + 0.5) as i32;
    let cells = (eighths + 7) >> 3;
    out.push('┤');
    while eighths > 8 {
        out.push('█');
        eighths -= 8;
    }
    if eighths > 0 {
        // U+2588 is the full block; each code point after it is one eighth narrower.
        out.push(char::from_u32(0x2588 + (8 - eighths) as u32).unwrap_or('█'));
    }
    pad(out, ' ', (32 - cells).max(0) as usize);
    out.push_str("│\n");
}

/// How a histogram's buckets map to values, for bpftrace's layouts.
#[derive(Clone, Copy)]
pub enum Buckets {
    /// `quantize`/`hist`: see `write_log2_histogram`.
    Log2 { signed: bool },
    /// `lhist`: see `write_linear_histogram`.
    Linear { min: i64, step: i64 },
}

/// One bucket in the order bpftrace lists them: its count and inclusive bounds (`None`: open).
struct Row {
    count: u64,
    low: Option<i128>,
    high: Option<i128>,
}

fn rows(buckets: &[u64], kind: Buckets) -> Vec<Row> {
    let last = buckets.len().saturating_sub(1);
    // With the ones counted apart (`wire::ONES_BUCKET`), bucket 0 holds the zeros alone.
    let ones_apart = matches!(kind, Buckets::Log2 { .. }) && buckets.len() > wire::ONES_BUCKET;
    let mut rows = Vec::with_capacity(buckets.len());
    // Adds bucket `index`'s row, when the histogram has that bucket and it is not an empty one
    // before the first that is not.
    let mut push = |index: usize| {
        let Some(&count) = buckets.get(index) else {
            return;
        };
        if count == 0 && rows.is_empty() {
            return;
        }
        let (low, high) = match kind {
            Buckets::Log2 { .. } if ones_apart && index == wire::ONES_BUCKET => (Some(1), Some(1)),
            Buckets::Log2 { .. } if ones_apart && index == 0 => (Some(0), Some(0)),
            Buckets::Log2 { signed: true } if index == 63 => (None, Some(-1)),
            Buckets::Log2 { .. } => (
                Some(if index == 0 { 0 } else { 1 << index }),
                Some((1i128 << (index + 1)) - 1),
            ),
            Buckets::Linear { min, step } => {
                let low = i128::from(min) + i128::from(step) * (index as i128 - 1);
                (
                    (index > 0).then_some(low),
                    (index < last).then_some(low + i128::from(step) - 1),
                )
            }
        };
        rows.push(Row { count, low, high });
    };
    // Negative values (bucket 63 of a signed argument) first, then 0, then 1, then upwards.
    match kind {
        Buckets::Linear { .. } => (0..buckets.len()).for_each(&mut push),
        Buckets::Log2 { signed } => {
            if signed {
                push(63);
            }
            push(0);
            if ones_apart {
                push(wire::ONES_BUCKET);
            }
            (1..if signed { 63 } else { 64 }).for_each(&mut push);
        }
    }
    // Up to the last non-empty bucket.
    let end = rows
        .iter()
        .rposition(|row| row.count > 0)
        .map_or(0, |end| end + 1);
    rows.truncate(end);
    rows
}

/// A bucket bound as bpftrace labels it: powers of two with a K/M/G/T suffix, linear bounds
/// with one where they are whole multiples of 1K or 1M.
fn write_bound(out: &mut String, value: i128, kind: Buckets) {
    // A letter a step of 2^10 from the first; not a table of `&str`s (16 bytes each).
    const SUFFIXES: &str = "KMGT";
    let (value, suffix) = match kind {
        _ if value == 0 => (0, ""),
        Buckets::Log2 { .. } => {
            let power = 127 - value.leading_zeros() as usize;
            let step = (power / 10).min(SUFFIXES.len());
            let suffix = if step == 0 {
                ""
            } else {
                &SUFFIXES[step - 1..step]
            };
            (value >> (10 * step), suffix)
        }
        Buckets::Linear { .. } if value % (1 << 20) == 0 => (value >> 20, "M"),
        Buckets::Linear { .. } if value % (1 << 10) == 0 => (value >> 10, "K"),
        Buckets::Linear { .. } => (value, ""),
    };
    write_number(out, value);
    out.push_str(suffix);
}

/// A bound, printed without Rust's 128-bit formatting (kilobytes of code): every bound fits an
/// i64 or, from 2^63 up, a u64.
fn write_number(out: &mut String, value: i128) {
    match i64::try_from(value) {
        Ok(value) => write_signed(out, value),
        Err(_) => write_unsigned(out, value as u64),
    }
}

/// Appends a histogram as bpftrace prints it: every bucket from the first non-empty one to the
/// last, each a label in 16 columns, the count (divided by `divisor`) in 8 and a bar of up to
/// 52 `@` scaled to the largest count; in JSON, a list of `{"min", "max", "count"}` objects.
pub fn write_bpftrace_histogram(
    out: &mut String,
    buckets: &[u64],
    kind: Buckets,
    divisor: u64,
    style: Style,
) {
    let rows = rows(buckets, kind);
    let divisor = divisor.max(1);
    if style == Style::Json {
        out.push('[');
        for (index, row) in rows.iter().enumerate() {
            out.push_str(if index > 0 { ", {" } else { "{" });
            if let Some(low) = row.low {
                out.push_str("\"min\": ");
                write_number(out, low);
                out.push_str(", ");
            }
            if let Some(high) = row.high {
                out.push_str("\"max\": ");
                write_number(out, high);
                out.push_str(", ");
            }
            out.push_str("\"count\": ");
            write_unsigned(out, row.count / divisor);
            out.push('}');
        }
        out.push(']');
        return;
    }
    let largest = rows.iter().map(|row| row.count).max().unwrap_or(0);
    for row in &rows {
        let mut label = String::new();
        match (row.low, row.high) {
            (None, Some(high)) => {
                label.push_str("(..., ");
                write_bound(&mut label, high + 1, kind);
                label.push(')');
            }
            (Some(low), None) => {
                label.push('[');
                write_bound(&mut label, low, kind);
                label.push_str(", ...)");
            }
            // A log2 bucket of one value; a linear one of step 1 keeps its range.
            (Some(low), Some(high)) if low == high && matches!(kind, Buckets::Log2 { .. }) => {
                label.push('[');
                write_number(&mut label, low);
                label.push(']');
            }
            (low, high) => {
                label.push('[');
                write_bound(&mut label, low.unwrap_or(0), kind);
                label.push_str(", ");
                write_bound(&mut label, high.unwrap_or(0) + 1, kind);
                label.push(')');
            }
        }
        // bpftrace scales in single precision and truncates.
        let cells = (row.count as f32 / largest as f32 * 52.0) as usize;
        // `{label:<16}{count:>8} |{bar:<52}|`, padded by hand: one format fewer.
        let mut count = String::new();
        write_unsigned(&mut count, row.count / divisor);
        out.push_str(&label);
        pad(
            out,
            ' ',
            16usize.saturating_sub(label.len()) + 8usize.saturating_sub(count.len()),
        );
        out.push_str(&count);
        out.push_str(" |");
        pad(out, '@', cells);
        pad(out, ' ', 52usize.saturating_sub(cells));
        out.push_str("|\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ply's labels step by 2^10 through k, M, G, T, P and stay at Z; bpftrace's through K, M,
    /// G and stay at T.
    #[test]
    fn bounds_take_the_suffix_of_their_power_of_two() {
        let ply: Vec<(u64, &str)> = [0, 1, 9, 10, 25, 40, 50, 60, 64].map(scaled).to_vec();
        assert_eq!(
            ply,
            [
                (0, ""),
                (2, ""),
                (512, ""),
                (1, "k"),
                (32, "M"),
                (1, "T"),
                (1, "P"),
                (1, "Z"),
                (16, "Z")
            ]
        );
        let bpftrace = |value: i128| {
            let mut out = String::new();
            write_bound(&mut out, value, Buckets::Log2 { signed: false });
            out
        };
        let labels = [0, 1, 1023, 1 << 10, 3 << 20, 1 << 30, 1 << 40, 1 << 50].map(bpftrace);
        assert_eq!(labels, ["0", "1", "1023", "1K", "3M", "1G", "1T", "1024T"]);
    }
}
