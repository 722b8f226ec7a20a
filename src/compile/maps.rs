//! compile::maps: the maps of a program (the script's and tine's own) and the state the probes
//! of one script share while they are compiled: maps, output records, error counters.

use crate::lang::diag::Span;
use crate::output::Shown;
use crate::sema::program::{MapKind, Program};
use crate::sema::types::Type;
use crate::wire::{self, Layout};

use super::layout::{layout_of, struct_layout};
use super::records::{ErrorKind, ErrorSite, Record};
use super::{Compiled, Options, ProbeCode};

/// The BPF map type a map is created as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    Hash,
    Array,
    PerCpuHash,
    PerCpuArray,
    RingBuffer,
    PerfEventArray,
    StackTrace,
}

/// How the per-CPU values of one key combine into the value printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fold {
    /// One value for all CPUs.
    Shared,
    /// Every u64 word summed over CPUs (counts, sums, histogram buckets, `{count, sum}`).
    Sum,
    /// `{ value, seen }`: the least (greatest) value over the CPUs that saw one.
    Min {
        signed: bool,
    },
    Max {
        signed: bool,
    },
}

/// One map the compiled program uses, as the compiler planned it; the loader creates it.
#[derive(Clone, Debug, PartialEq)]
pub struct MapPlan {
    pub name: String,
    pub storage: Storage,
    pub key_size: u32,
    pub value_size: u32,
    /// 0 for the perf event array: one slot per possible CPU, filled in by the loader.
    pub max_entries: u32,
    pub fold: Fold,
    /// How the map prints at exit; None for tine's own maps. A None key is a keyless map.
    pub printed: Option<(Option<Layout>, Shown)>,
}

impl MapPlan {
    fn for_script(map: &crate::sema::program::Map, options: &Options) -> MapPlan {
        let keyed = map.key.is_some();
        let key_size = map.key.as_ref().map_or(4, |record| record.size.max(1)) as u32;
        let argument = || layout_of(&map.value);
        let signed = map.value.is_signed();
        let (value_size, fold, shown) = match map.kind {
            MapKind::Plain => (
                map.value.size().max(1),
                Fold::Shared,
                Shown::Plain(argument()),
            ),
            MapKind::Count | MapKind::Sum | MapKind::Min | MapKind::Max => {
                let (size, fold) = match map.kind {
                    MapKind::Min => (wire::EXTREME_SIZE, Fold::Min { signed }),
                    MapKind::Max => (wire::EXTREME_SIZE, Fold::Max { signed }),
                    _ => (8, Fold::Sum),
                };
                (size, fold, Shown::Plain(word_layout(&map.value)))
            }
            MapKind::Avg => (wire::AVERAGE_SIZE, Fold::Sum, Shown::Average),
            MapKind::Stats => (wire::AVERAGE_SIZE, Fold::Sum, Shown::Stats),
            MapKind::Quantize => (
                (64 + usize::from(options.ones_apart)) * 8,
                Fold::Sum,
                Shown::Log2Histogram(argument()),
            ),
            MapKind::Lhist { min, max, step } => (
                (lhist_buckets(min, max, step) * 8) as usize,
                Fold::Sum,
                Shown::LinearHistogram { min, step },
            ),
        };
        let storage = match (map.kind, keyed) {
            // A hash even without a key: a value never set, or cleared, is absent and prints
            // nothing (bpftrace 0.17), where an array's would print as zero.
            (MapKind::Plain, _) => Storage::Hash,
            (_, true) => Storage::PerCpuHash,
            (_, false) => Storage::PerCpuArray,
        };
        MapPlan {
            name: map.name.clone(),
            storage,
            key_size,
            value_size: value_size as u32,
            max_entries: if keyed { options.map_entries } else { 1 },
            fold,
            printed: Some((map.key.as_deref().map(struct_layout), shown)),
        }
    }
}

/// Adds one of tine's own maps to `maps`; its index.
fn add_internal(
    maps: &mut Vec<MapPlan>,
    name: &str,
    storage: Storage,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
) -> usize {
    maps.push(MapPlan {
        name: name.to_string(),
        storage,
        key_size,
        value_size,
        max_entries,
        fold: Fold::Shared,
        printed: None,
    });
    maps.len() - 1
}

/// Counts, sums, minima and maxima are kept as 64-bit words, signed as their argument is;
/// durations stay durations.
fn word_layout(argument: &Type) -> Layout {
    match argument {
        Type::Time => Layout::Time,
        _ => Layout::Int {
            bytes: 8,
            signed: argument.is_signed(),
        },
    }
}

/// Buckets of `lhist(v, min, max, step)`: one below min, one per step, one from max up.
pub fn lhist_buckets(min: i64, max: i64, step: i64) -> u64 {
    let steps = (max.saturating_sub(min) / step.max(1)).max(0) as u64;
    steps.min(1024) + 2
}

pub(super) struct Shared {
    pub options: Options,
    pub maps: Vec<MapPlan>,
    pub records: Vec<Record>,
    pub error_sites: Vec<ErrorSite>,
    pub output_map: usize,
    pub error_map: usize,
    pub state_map: usize,
    /// The stack maps made so far, by depth.
    stack_maps: Vec<(u16, usize)>,
    zeros_map: Option<usize>,
    join_map: Option<usize>,
}

impl Shared {
    pub fn new(program: &Program, options: &Options) -> Shared {
        let mut maps = Vec::new();
        for map in &program.maps {
            maps.push(MapPlan::for_script(map, options));
        }
        let (storage, size, entries) = match options.channel {
            super::Channel::RingBuffer => (Storage::RingBuffer, 0, options.ring_bytes),
            super::Channel::PerfBuffer => (Storage::PerfEventArray, 4, 0),
        };
        let output_map = add_internal(&mut maps, "tine_output", storage, size, size, entries);
        let error_map = add_internal(&mut maps, "tine_errors", Storage::PerCpuArray, 4, 8, 1);
        let word = wire::STATE_SIZE as u32;
        let state_map = add_internal(
            &mut maps,
            "tine_state",
            Storage::Array,
            4,
            word,
            wire::STATE_ENTRIES,
        );
        Shared {
            options: *options,
            maps,
            records: Vec::new(),
            error_sites: Vec::new(),
            output_map,
            error_map,
            state_map,
            stack_maps: Vec::new(),
            zeros_map: None,
            join_map: None,
        }
    }

    /// The stack-trace map of stacks of at most `depth` frames, made on first use: its value
    /// size is what bounds the frames `bpf_get_stackid` takes and hashes.
    pub fn stack_map(&mut self, depth: u16) -> usize {
        if let Some(&(_, map)) = self.stack_maps.iter().find(|(made, _)| *made == depth) {
            return map;
        }
        let map = add_internal(
            &mut self.maps,
            "tine_stacks",
            Storage::StackTrace,
            4,
            u32::from(depth) * 8,
            self.options.map_entries,
        );
        self.stack_maps.push((depth, map));
        map
    }

    /// A one-entry array of zeros at least `size` bytes long, the initial value of new keys of
    /// aggregations too big to zero on the stack.
    pub fn zeros_map(&mut self, size: u32) -> usize {
        let map = *self.zeros_map.get_or_insert_with(|| {
            add_internal(&mut self.maps, "tine_zeros", Storage::Array, 4, size, 1)
        });
        let spec = &mut self.maps[map];
        spec.value_size = spec.value_size.max(size);
        map
    }

    /// A one-entry per-CPU array where `join()` builds its record, made on first use.
    pub fn join_map(&mut self) -> usize {
        *self.join_map.get_or_insert_with(|| {
            add_internal(
                &mut self.maps,
                "tine_join",
                Storage::PerCpuArray,
                4,
                wire::JOIN_SIZE as u32,
                1,
            )
        })
    }

    pub fn error_site(&mut self, span: Span, kind: ErrorKind) -> u32 {
        let existing = self
            .error_sites
            .iter()
            .position(|site| site.span == span && site.kind == kind);
        let index = existing.unwrap_or_else(|| {
            self.error_sites.push(ErrorSite { span, kind });
            self.error_sites.len() - 1
        });
        index as u32
    }

    pub fn record(&mut self, record: Record) -> u32 {
        self.records.push(record);
        (self.records.len() - 1) as u32
    }

    pub fn finish(mut self, probes: Vec<ProbeCode>) -> Compiled {
        self.maps[self.error_map].max_entries = self.error_sites.len().max(1) as u32;
        Compiled {
            maps: self.maps,
            probes,
            records: self.records,
            error_sites: self.error_sites,
            output_map: self.output_map,
            error_map: self.error_map,
            state_map: self.state_map,
            stack_maps: self.stack_maps,
        }
    }
}
