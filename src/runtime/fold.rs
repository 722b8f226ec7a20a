//! runtime::fold: a map's per-CPU values folded into one value per key, as the aggregation says.

use crate::compile::{Fold, MapSpec, Storage};
use crate::kernel::bpf::Entry;

/// A map's entries as (key, value) bytes.
pub(super) type Entries = Vec<(Vec<u8>, Vec<u8>)>;

fn word(bytes: &[u8], index: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[index * 8..index * 8 + 8]);
    u64::from_ne_bytes(word)
}

/// How a map's entries fold and print.
pub(super) struct Folding<'a> {
    pub(super) spec: &'a MapSpec,
    /// What a keyless summed aggregation held when it was last cleared (see `Printer::take`).
    pub(super) baseline: Option<&'a [u64]>,
    /// A keyless aggregation that was never fed or was cleared prints as zero (a `count()`,
    /// as bpftrace 0.17 prints it) rather than not at all (every other kind).
    pub(super) zero_shown: bool,
}

/// A map's entries with the per-CPU values folded into one.
pub(super) fn fold(entries: Vec<Entry>, folding: &Folding) -> Entries {
    let Folding {
        spec,
        baseline,
        zero_shown,
    } = *folding;
    let mut folded = Vec::new();
    for entry in entries {
        let size = spec.value_size as usize;
        let value = match spec.fold {
            Fold::Shared => entry.values.into_iter().next().unwrap_or_default(),
            Fold::Sum => {
                let sum = summed(&entry.values, size, baseline);
                if sum.iter().all(|&total| total == 0)
                    && spec.storage == Storage::PerCpuArray
                    && !zero_shown
                {
                    continue;
                }
                sum.iter().flat_map(|total| total.to_ne_bytes()).collect()
            }
            Fold::Min { signed } | Fold::Max { signed } => {
                let is_min = matches!(spec.fold, Fold::Min { .. });
                let seen = entry.values.iter().filter(|value| word(value, 1) != 0);
                let best = seen.map(|value| word(value, 0)).reduce(|a, b| {
                    let a_first = if signed {
                        (a as i64 <= b as i64) == is_min
                    } else {
                        (a <= b) == is_min
                    };
                    if a_first {
                        a
                    } else {
                        b
                    }
                });
                match best {
                    Some(best) => [best.to_ne_bytes(), 1u64.to_ne_bytes()].concat(),
                    None => continue,
                }
            }
        };
        folded.push((entry.key, value));
    }
    folded
}

/// Every u64 word of `size` bytes summed over the CPUs' values, less `baseline`.
pub(super) fn summed(values: &[Vec<u8>], size: usize, baseline: Option<&[u64]>) -> Vec<u64> {
    let mut sum = vec![0u64; size / 8];
    for value in values {
        for (index, total) in sum.iter_mut().enumerate() {
            *total = total.wrapping_add(word(value, index));
        }
    }
    for (total, base) in sum.iter_mut().zip(baseline.unwrap_or_default()) {
        *total = total.wrapping_sub(*base);
    }
    sum
}
