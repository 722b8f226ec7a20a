//! runtime::fold: a map's per-CPU values folded into one value per key, as the aggregation says.

use crate::compile::{Fold, MapPlan, Storage};
use crate::kernel::bpf;
use crate::wire::{self, ByteOrder};

/// A map's entries as (key, value) bytes.
pub(super) type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// How a map's entries fold and print.
pub(super) struct Folding<'a> {
    pub(super) spec: &'a MapPlan,
    /// What a keyless summed aggregation held when it was last cleared (see `Printer::take`).
    pub(super) baseline: Option<&'a [u64]>,
    /// A keyless aggregation that was never fed or was cleared prints as zero (a `count()`,
    /// as bpftrace 0.17 prints it) rather than not at all (every other kind).
    pub(super) zero_shown: bool,
    /// The order the kernel wrote the values in.
    pub(super) order: ByteOrder,
}

/// A map's entries with the per-CPU values folded into one.
pub(super) fn fold(entries: &bpf::Entries, folding: &Folding) -> Entries {
    let Folding {
        spec,
        baseline,
        zero_shown,
        order,
    } = *folding;
    let mut folded = Vec::new();
    for index in 0..entries.len() {
        let value = match spec.fold {
            Fold::Shared => entries.values(index).next().unwrap_or_default().to_vec(),
            Fold::Sum => {
                let sum = summed(entries, index, baseline, order);
                if sum.iter().all(|&total| total == 0)
                    && spec.storage == Storage::PerCpuArray
                    && !zero_shown
                {
                    continue;
                }
                wire::encode_words(&sum, order)
            }
            Fold::Min { signed } | Fold::Max { signed } => {
                let is_min = matches!(spec.fold, Fold::Min { .. });
                // With the sign bit flipped, signed values order as unsigned ones do.
                let key = |value: u64| if signed { value ^ (1 << 63) } else { value };
                let mut best = None;
                for value in entries.values(index) {
                    let Some(value) = wire::decode_extreme(value, order) else {
                        continue;
                    };
                    best = match best {
                        Some(best) if (key(value) < key(best)) != is_min => Some(best),
                        _ => Some(value),
                    };
                }
                if best.is_none() {
                    continue;
                }
                wire::encode_extreme(best, order)
            }
        };
        folded.push((entries.key(index).to_vec(), value));
    }
    folded
}

/// Every u64 word of entry `entry`'s value summed over the CPUs' values, less `baseline`.
pub(super) fn summed(
    entries: &bpf::Entries,
    entry: usize,
    baseline: Option<&[u64]>,
    order: ByteOrder,
) -> Vec<u64> {
    let mut sum = vec![0u64; entries.value_size() / 8];
    for value in entries.values(entry) {
        for (index, total) in sum.iter_mut().enumerate() {
            *total = total.wrapping_add(wire::word(value, index, order));
        }
    }
    for (total, base) in sum.iter_mut().zip(baseline.unwrap_or_default()) {
        *total = total.wrapping_sub(*base);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(storage: Storage, fold: Fold, value_size: u32) -> MapPlan {
        MapPlan {
            name: "m".to_string(),
            storage,
            key_size: 4,
            value_size,
            max_entries: 1,
            fold,
            printed: None,
        }
    }

    fn words(words: &[u64]) -> Vec<u8> {
        words.iter().flat_map(|word| word.to_ne_bytes()).collect()
    }

    /// Entries of u32 keys, each with its values (one per CPU) in words.
    fn entries(list: &[(u32, &[&[u64]])]) -> bpf::Entries {
        let (_, first) = list[0];
        let size = first[0].len() * 8;
        let mut entries = bpf::Entries::new(4, size as u32, size as u32, first.len() as u32);
        for (key, values) in list {
            let values: Vec<u8> = values.iter().flat_map(|value| words(value)).collect();
            entries.push(&key.to_ne_bytes(), &values);
        }
        entries
    }

    fn folded(
        spec: &MapPlan,
        baseline: Option<&[u64]>,
        zero_shown: bool,
        entries: bpf::Entries,
    ) -> Entries {
        let folding = Folding {
            spec,
            baseline,
            zero_shown,
            order: wire::HOST,
        };
        fold(&entries, &folding)
    }

    #[test]
    fn a_sum_adds_each_word_over_the_cpus_less_the_baseline() {
        let spec = spec(Storage::PerCpuHash, Fold::Sum, 16);
        let first: (u32, &[&[u64]]) = (1, &[&[3, 30], &[4, 40]]);
        let entries = entries(&[first, (2, &[&[u64::MAX, 1], &[2, 0]])]);
        assert_eq!(
            folded(&spec, None, false, entries.clone()),
            vec![
                (1u32.to_ne_bytes().to_vec(), words(&[7, 70])),
                // Each word wraps as the kernel's does.
                (2u32.to_ne_bytes().to_vec(), words(&[1, 1])),
            ]
        );
        let keyless = self::spec(Storage::PerCpuArray, Fold::Sum, 16);
        assert_eq!(
            folded(&keyless, Some(&[5, 60]), false, self::entries(&[first])),
            vec![(1u32.to_ne_bytes().to_vec(), words(&[2, 10]))]
        );
    }

    #[test]
    fn a_keyless_sum_at_zero_shows_only_when_asked() {
        let spec = spec(Storage::PerCpuArray, Fold::Sum, 8);
        let untouched = || entries(&[(0, &[&[0], &[0]])]);
        assert_eq!(folded(&spec, None, false, untouched()), vec![]);
        assert_eq!(
            folded(&spec, None, true, untouched()),
            vec![(0u32.to_ne_bytes().to_vec(), words(&[0]))]
        );
        // Cleared: back at the baseline it held then.
        let cleared = entries(&[(0, &[&[2], &[3]])]);
        assert_eq!(folded(&spec, Some(&[5]), false, cleared), vec![]);
        // A keyed map keeps its zero entries: they were made by an update.
        let keyed = self::spec(Storage::PerCpuHash, Fold::Sum, 8);
        assert_eq!(folded(&keyed, None, false, untouched()).len(), 1);
    }

    #[test]
    fn min_and_max_take_the_best_of_the_cpus_that_saw_a_value() {
        let minus_five = -5i64 as u64;
        // { value, seen } per CPU: the third CPU saw nothing, its 0 must not count.
        let values: &[&[u64]] = &[&[minus_five, 1], &[3, 1], &[0, 0]];
        let best = |fold: Fold| {
            let spec = spec(Storage::PerCpuHash, fold, 16);
            folded(&spec, None, false, entries(&[(7, values)]))
        };
        let shown = |value: u64| vec![(7u32.to_ne_bytes().to_vec(), words(&[value, 1]))];
        assert_eq!(best(Fold::Min { signed: true }), shown(minus_five));
        assert_eq!(best(Fold::Max { signed: true }), shown(3));
        assert_eq!(best(Fold::Min { signed: false }), shown(3));
        assert_eq!(best(Fold::Max { signed: false }), shown(minus_five));
        // No CPU saw a value: the key is not shown.
        let spec = spec(Storage::PerCpuHash, Fold::Min { signed: true }, 16);
        let unseen = entries(&[(7, &[&[0, 0], &[9, 0]])]);
        assert_eq!(folded(&spec, None, false, unseen), vec![]);
    }

    #[test]
    fn values_fold_in_the_byte_order_the_kernel_wrote_them_in() {
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let value = |words: &[u64]| wire::encode_words(words, order);
            let minus_five = -5i64 as u64;
            let mut entry = bpf::Entries::new(4, 16, 16, 3);
            let values = [value(&[minus_five, 1]), value(&[3, 1]), value(&[0, 0])];
            entry.push(&[7, 0, 0, 0], &values.concat());
            let min = spec(Storage::PerCpuHash, Fold::Min { signed: true }, 16);
            let folding = |spec, baseline| Folding {
                spec,
                baseline,
                zero_shown: false,
                order,
            };
            assert_eq!(
                fold(&entry, &folding(&min, None)),
                vec![(
                    vec![7, 0, 0, 0],
                    wire::encode_extreme(Some(minus_five), order)
                )]
            );
            let sum = spec(Storage::PerCpuHash, Fold::Sum, 16);
            assert_eq!(
                fold(&entry, &folding(&sum, Some(&[1, 0]))),
                vec![(vec![7, 0, 0, 0], value(&[-3i64 as u64, 2]))]
            );
        }
    }

    #[test]
    fn a_shared_map_shows_its_one_value() {
        let spec = spec(Storage::Hash, Fold::Shared, 8);
        assert_eq!(
            folded(&spec, None, false, entries(&[(4, &[&[42]])])),
            vec![(4u32.to_ne_bytes().to_vec(), words(&[42]))]
        );
    }
}
