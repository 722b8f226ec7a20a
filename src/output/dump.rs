//! output::dump: a map printed at exit or by `print(@m)`, as ply prints it: a blank line, the
//! name, then one `{ key }: value` row per entry, sorted by value and then key, ascending.

use super::histogram::write_log2_histogram;
use super::value::{compare, write_value, Layout};

/// How a map's values print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shown {
    /// As a plain value of this layout.
    Plain(Layout),
    /// As a log2 histogram of `[u64; N]` buckets of an argument of this layout.
    Log2Histogram(Layout),
}

impl Shown {
    fn layout(&self) -> Layout {
        match self {
            Shown::Plain(layout) => layout.clone(),
            Shown::Log2Histogram(_) => Layout::Array(
                Box::new(Layout::Int {
                    bytes: 8,
                    signed: false,
                }),
                64,
            ),
        }
    }

    fn write(&self, out: &mut String, data: &[u8]) {
        match self {
            Shown::Plain(layout) => write_value(out, layout, data),
            Shown::Log2Histogram(argument) => {
                let buckets: Vec<u64> = data
                    .chunks_exact(8)
                    .map(|chunk| {
                        let mut bytes = [0; 8];
                        bytes.copy_from_slice(chunk);
                        u64::from_ne_bytes(bytes)
                    })
                    .collect();
                write_log2_histogram(out, &buckets, argument);
            }
        }
    }
}

/// Appends the map `name` with its `entries` (key bytes, value bytes); an empty map prints
/// nothing at all, not even its name.
pub fn write_map(
    out: &mut String,
    name: &str,
    key: &Layout,
    shown: &Shown,
    mut entries: Vec<(Vec<u8>, Vec<u8>)>,
) {
    if entries.is_empty() {
        return;
    }
    let value_layout = shown.layout();
    entries.sort_by(|(key_a, value_a), (key_b, value_b)| {
        compare(&value_layout, value_a, value_b).then_with(|| compare(key, key_a, key_b))
    });
    out.push('\n');
    out.push_str(name);
    out.push_str(":\n");
    for (key_data, value_data) in &entries {
        write_value(out, key, key_data);
        out.push_str(": ");
        shown.write(out, value_data);
        // After a histogram, whose lines end in their own newline, this leaves a blank line.
        out.push('\n');
    }
}
