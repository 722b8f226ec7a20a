//! output::histogram: log2 histograms (`quantize`/`hist`) in ply's layout: one line per
//! non-empty bucket, `...` for a run of empty ones, and a bar scaled to the histogram's total.

use std::fmt::Write;

use crate::wire::Layout;

use super::value::write_time;

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
    write_rows(out, buckets, total, |out, index| {
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
    write_rows(out, buckets, total, |out, index| {
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
fn write_rows(
    out: &mut String,
    buckets: &[u64],
    total: u64,
    mut label: impl FnMut(&mut String, usize),
) {
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
    const SUFFIXES: [&str; 7] = ["", "k", "M", "G", "T", "P", "Z"];
    if log2 == 0 {
        return (0, "");
    }
    let step = (log2 / 10) as usize;
    (1 << (log2 % 10), SUFFIXES[step.min(SUFFIXES.len() - 1)])
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
    write!(out, "{:1$}", "", (32 - cells).max(0) as usize).ok();
    out.push_str("│\n");
}
