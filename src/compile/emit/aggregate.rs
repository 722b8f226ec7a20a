//! compile::emit::aggregate: map stores, keys, and the aggregations (count, sum, min, max,
//! hist, lhist) folded into map values.

use tine_asm::{Builder, Helper, JmpCond, Label, Reg, Reg::*, Size, Source, Width};

use crate::compile::maps::{lhist_buckets, Storage};
use crate::compile::records::ErrorKind;
use crate::lang::diag::Span;
use crate::sema::program::{Expr, MapKind};
use crate::wire;

use super::record::cover;
use super::{Emitter, BPF_NOEXIST, E2BIG, STACK_ZERO_LIMIT};

impl Emitter<'_> {
    /// `map[key] = value`; with `update` (`value` reads `map[key]` first of all, as sema
    /// builds `m[k] op= v`), the key is built once, before the value, which reads through it.
    pub(super) fn map_store(
        &mut self,
        map: usize,
        key: &[Expr],
        value: &Expr,
        update: bool,
        span: Span,
    ) {
        let value_slot = self.alloc(value.ty.size(), span);
        let key = if update {
            let key = self.key(map, key, span);
            self.built_key = Some((map, key));
            self.store_into(value, value_slot);
            key
        } else {
            self.store_into(value, value_slot);
            self.key(map, key, span)
        };
        self.map_update(map, key, value_slot, span);
    }

    /// Stores the value at `value` under the key at `key` (both on the stack) in `map`; a
    /// refusal is counted, and reported at exit.
    pub(super) fn map_update(&mut self, map: usize, key: i16, value: i16, span: Span) {
        let done = self.asm.label();
        self.map_address(R1, map);
        self.stack_pointer(R2, key);
        self.stack_pointer(R3, value);
        self.asm
            .mov64_imm(R4, 0)
            .call(Helper::MapUpdateElem)
            .jeq_imm(R0, 0, done);
        let refused = self.asm.label();
        self.asm.jne_imm(R0, -E2BIG, refused);
        self.count_error(span, ErrorKind::MapFull { map });
        self.asm.ja(done).bind(refused);
        self.count_error(span, ErrorKind::MapRefused { map });
        self.asm.bind(done);
    }

    /// Builds the key of `map` on the stack: the anonymous key struct, or index 0 of a keyless
    /// map's one-entry array.
    pub(super) fn key(&mut self, map: usize, keys: &[Expr], span: Span) -> i16 {
        let program = self.program;
        let Some(record) = &program.maps[map].key else {
            return self.word_key(0, span);
        };
        let slot = self.alloc(record.size, span);
        if self.error.is_some() {
            // A key past the stack: its offsets would not fit one.
            return slot;
        }
        // Padding is part of the hashed key: it must be zero, not stack garbage.
        let mut covered = vec![false; record.size];
        for field in &record.fields {
            cover(&mut covered, field.offset, field.ty.size());
        }
        for (field, expr) in record.fields.iter().zip(keys) {
            self.store_into(expr, slot + field.offset as i16);
        }
        self.zero_gaps(slot, &covered);
        slot
    }

    /// Leaves in r0 a pointer to this CPU's value of `key` in aggregation `map`, making the key
    /// (zeroed) when it is new; jumps to `failed` when the map is full.
    pub(super) fn lookup_or_create(&mut self, map: usize, key: i16, span: Span, failed: Label) {
        let found = self.asm.label();
        self.map_call(Helper::MapLookupElem, map, key);
        let spec = &self.shared.maps[map];
        if spec.storage == Storage::PerCpuArray {
            // A one-entry array always has its entry; the check is for the verifier.
            self.asm.jeq_imm(R0, 0, failed);
            return;
        }
        self.asm.jne_imm(R0, 0, found);
        /// Where a new key's zero value is copied from.
        enum Zeros {
            Stack(i16),
            Map { map: usize, key: i16 },
        }
        let value_size = spec.value_size;
        let zeros = if value_size <= STACK_ZERO_LIMIT {
            let zeros = self.alloc(value_size as usize, span);
            self.zero(zeros, value_size as usize);
            Zeros::Stack(zeros)
        } else {
            let zero_key = self.word_key(0, span);
            Zeros::Map {
                map: self.shared.zeros_map(value_size),
                key: zero_key,
            }
        };
        // A clear() in user space may delete the key between the update and the lookup: one
        // more try, since a clear passes each key once; only then is the map full.
        let full = self.asm.label();
        for _ in 0..2 {
            match zeros {
                Zeros::Stack(slot) => self.stack_pointer(R3, slot),
                Zeros::Map {
                    map: zeros_map,
                    key: zero_key,
                } => {
                    self.map_call(Helper::MapLookupElem, zeros_map, zero_key)
                        .jeq_imm(R0, 0, failed)
                        .mov64(R3, R0);
                }
            }
            self.map_address(R1, map);
            self.stack_pointer(R2, key);
            // Another CPU may add the key first (EEXIST): looking it up again covers both.
            self.asm
                .mov64_imm(R4, BPF_NOEXIST)
                .call(Helper::MapUpdateElem)
                .jeq_imm(R0, -E2BIG, full);
            self.map_call(Helper::MapLookupElem, map, key)
                .jne_imm(R0, 0, found);
        }
        self.count_error(span, ErrorKind::MapRefused { map });
        self.asm.ja(failed).bind(full);
        self.count_error(span, ErrorKind::MapFull { map });
        self.asm.ja(failed).bind(found);
    }

    pub(super) fn aggregate(
        &mut self,
        map: usize,
        key: &[Expr],
        argument: Option<&Expr>,
        span: Span,
    ) {
        let kind = self.program.maps[map].kind;
        let value = match argument {
            Some(argument) => {
                let register = self.evaluated(argument, span);
                Some((register, argument.ty.is_signed()))
            }
            None => None,
        };
        let key = self.key(map, key, span);
        let done = self.asm.label();
        self.lookup_or_create(map, key, span, done);
        let (register, signed) = match value {
            Some(value) => value,
            None if !matches!(kind, MapKind::Count | MapKind::Plain) => {
                let name = kind.name();
                return self.fail(span, format_args!("{name} needs an argument"));
            }
            // Not read: counts take no argument.
            None => (R0, false),
        };
        match kind {
            MapKind::Count => self.add_to(R0, 0, None),
            MapKind::Sum => self.add_to(R0, 0, Some(register)),
            MapKind::Avg | MapKind::Stats => {
                self.add_to(R0, 0, None);
                self.add_to(R0, wire::AVERAGE_SUM as i16, Some(register));
            }
            MapKind::Min | MapKind::Max => {
                let store = self.asm.label();
                let seen = wire::EXTREME_SEEN as i16;
                // A CPU's first value is stored whatever it is.
                self.asm.load(Size::U64, R1, R0, seen).jeq_imm(R1, 0, store);
                self.asm.load(Size::U64, R1, R0, 0);
                let keep = match (kind == MapKind::Min, signed) {
                    (true, true) => JmpCond::SGe,
                    (true, false) => JmpCond::Ge,
                    (false, true) => JmpCond::SLe,
                    (false, false) => JmpCond::Le,
                };
                self.asm
                    .jump(Width::W64, keep, register, Source::Reg(R1), done);
                self.asm
                    .bind(store)
                    .store(Size::U64, R0, 0, register)
                    .store_imm(Size::U64, R0, seen, 1);
            }
            MapKind::Quantize => {
                self.log2_bucket(register, signed);
                if self.shared.options.ones_apart {
                    let zero = self.asm.label();
                    self.asm
                        .jne_imm(register, 1, zero)
                        .mov64_imm(R1, wire::ONES_BUCKET as i32)
                        .bind(zero);
                }
                self.bucket_add();
            }
            MapKind::Lhist { min, max, step } => {
                self.linear_bucket(register, min, max, step);
                self.bucket_add();
            }
            MapKind::Plain => {
                return self.fail(span, format_args!("a plain map cannot aggregate"));
            }
        }
        self.asm.bind(done);
        if let Some((register, _)) = value {
            self.release(register);
        }
    }

    /// `*(u64 *)(pointer + offset) += register` (or `+= 1`). This CPU's value only: no other
    /// CPU writes it, so no atomic is needed.
    pub(super) fn add_to(&mut self, pointer: Reg, offset: i16, register: Option<Reg>) {
        self.asm.load(Size::U64, R1, pointer, offset);
        match register {
            Some(register) => self.asm.add64(R1, register),
            None => self.asm.add64_imm(R1, 1),
        };
        self.asm.store(Size::U64, pointer, offset, R1);
    }

    /// Adds 1 to bucket r1 of the histogram r0 points at.
    pub(super) fn bucket_add(&mut self) {
        self.asm.lsh64_imm(R1, 3).add64(R0, R1);
        self.add_to(R0, 0, None);
    }

    /// r1 = floor(log2(value)), with 0 and 1 in bucket 0 (ply's buckets); negative values of a
    /// signed argument go to the last bucket, 63.
    pub(super) fn log2_bucket(&mut self, value: Reg, signed: bool) {
        let done = self.asm.label();
        self.asm.mov64_imm(R1, 0).mov64(R2, value);
        if signed {
            let positive = self.asm.label();
            self.asm
                .jsge_imm(R2, 0, positive)
                .mov64_imm(R1, 63)
                .ja(done)
                .bind(positive);
        }
        // The upper half first: a 64-bit constant does not fit an immediate.
        let low = self.asm.label();
        self.asm
            .mov64(R3, R2)
            .rsh64_imm(R3, 32)
            .jeq_imm(R3, 0, low)
            .mov64(R2, R3)
            .mov64_imm(R1, 32)
            .bind(low);
        for &shift in &[16, 8, 4, 2, 1] {
            let next = self.asm.label();
            self.asm
                .jle_imm(R2, (1 << shift) - 1, next)
                .rsh64_imm(R2, shift)
                .add64_imm(R1, shift)
                .bind(next);
        }
        self.asm.bind(done);
    }

    /// r1 = the lhist bucket of `value` (see `output::write_linear_histogram`), bounded so the
    /// verifier sees the access stays inside the value.
    pub(super) fn linear_bucket(&mut self, value: Reg, min: i64, max: i64, step: i64) {
        let last = (lhist_buckets(min, max, step) - 1) as i32;
        let done = self.asm.label();
        // Compare with `bound`, from an immediate when it fits one.
        let jump_if = |b: &mut Builder, cond: tine_asm::JmpCond, bound: i64| {
            let source = match i32::try_from(bound) {
                Ok(immediate) => tine_asm::Source::Imm(immediate),
                Err(_) => {
                    b.load_imm64(R2, bound as u64);
                    tine_asm::Source::Reg(R2)
                }
            };
            b.jump(tine_asm::Width::W64, cond, value, source, done);
        };
        self.asm.mov64_imm(R1, 0);
        jump_if(&mut self.asm, tine_asm::JmpCond::SLt, min);
        self.asm.mov64_imm(R1, last);
        jump_if(&mut self.asm, tine_asm::JmpCond::SGe, max);
        self.asm.mov64(R1, value);
        if min != 0 {
            self.asm.load_imm64(R2, min as u64).sub64(R1, R2);
        }
        match i32::try_from(step.max(1)) {
            Ok(step) => self.asm.div64_imm(R1, step),
            Err(_) => self.asm.load_imm64(R2, step as u64).div64(R1, R2),
        };
        self.asm.add64_imm(R1, 1);
        self.at_most(R1, last);
        self.asm.bind(done);
    }
}
