//! compile::emit::memory: values built on the stack, probe reads of kernel and user memory,
//! and the places a value lives.

use tine_asm::{Helper, Reg, Reg::*, Size};

use crate::compile::records::ErrorKind;
use crate::compile::{Access, ProbeRead, ProgramKind};
use crate::lang::ast::UnaryOp;
use crate::lang::diag::Span;
use crate::sema::program::{Builtin, Expr, ExprKind, Function};
use crate::sema::types::{AddressSpace, StructType, Type};
use crate::wire;

use super::{piece, size_of_bytes, space_of, Emitter, Place, Read, CONTEXT};

impl Emitter<'_> {
    /// Writes the value of `expr` (`expr.ty.size()` bytes) at `slot`.
    pub(super) fn store_into(&mut self, expr: &Expr, slot: i16) {
        self.store_sized(expr, slot, expr.ty.size());
    }

    /// `store_into`, a scalar stored `size` bytes wide (its register holds it extended).
    pub(super) fn store_sized(&mut self, expr: &Expr, slot: i16, size: usize) {
        if expr.ty.is_scalar() {
            let register = self.evaluated(expr, expr.span);
            self.asm.store(size_of_bytes(size), R10, slot, register);
            self.release(register);
            return;
        }
        match &expr.kind {
            ExprKind::Str(bytes) => self.store_literal(bytes, slot, size),
            ExprKind::Tuple(elements) => self.store_tuple(elements, &expr.ty, slot),
            ExprKind::Cast(inner) if let Type::Struct(record) = &expr.ty => {
                // A tuple into one of wider elements: built as it is, then converted.
                let from = self.alloc(inner.ty.size(), expr.span);
                self.store_into(inner, from);
                self.zero(slot, record.size);
                self.convert_tuple(from, &inner.ty, slot, record);
            }
            ExprKind::Cast(inner) => {
                // A string into a longer one: the rest is zeros.
                let inner_size = inner.ty.size().min(size);
                self.zero(slot + inner_size as i16, size - inner_size);
                self.store_into(inner, slot);
            }
            ExprKind::Builtin(Builtin::Comm) => {
                // Some kernels (Debian's 6.1 seen in the guests) leave the bytes after the NUL
                // as they were: stack garbage in a map key.
                self.zero(slot, size);
                self.stack_pointer(R1, slot);
                self.asm
                    .mov64_imm(R2, size as i32)
                    .call(Helper::GetCurrentComm);
            }
            ExprKind::Scratch(index) => {
                let from = self.scratch[*index];
                self.copy_stack(from, slot, size);
            }
            ExprKind::MapRead { map, key } => {
                let key = self.key(*map, key, expr.span);
                let missing = self.asm.label();
                self.zero(slot, size);
                self.map_call(Helper::MapLookupElem, *map, key)
                    .jeq_imm(R0, 0, missing);
                self.copy(R0, 0, slot, size);
                self.asm.bind(missing);
            }
            ExprKind::Call {
                function,
                arguments,
            } => self.call_into(function, arguments, slot, size, expr.span),
            ExprKind::Ternary {
                condition,
                then,
                otherwise,
            } => self.choose(condition, then, otherwise, &mut |this, value| {
                this.store_into(value, slot)
            }),
            _ => self.store_from_place(expr, slot, size),
        }
    }

    /// A tuple's elements at their offsets in `ty`, on zeros: older verifiers let no
    /// uninitialised stack byte (padding) reach a helper (a map update, the ring).
    fn store_tuple(&mut self, elements: &[Expr], ty: &Type, slot: i16) {
        let Type::Struct(record) = ty else { return };
        self.zero(slot, record.size);
        for (element, field) in elements.iter().zip(&record.fields) {
            self.store_sized(element, slot + field.offset as i16, field.ty.size());
        }
    }

    /// Converts the tuple of type `from_ty` at `from` into the one of wider elements `to` at
    /// `slot` (zeroed): each number loaded and stored at its new width, each string copied.
    fn convert_tuple(&mut self, from: i16, from_ty: &Type, slot: i16, to: &StructType) {
        let Type::Struct(record) = from_ty else {
            return;
        };
        for (old, new) in record.fields.iter().zip(&to.fields) {
            let (from, at) = (from + old.offset as i16, slot + new.offset as i16);
            match &new.ty {
                Type::Struct(inner) => self.convert_tuple(from, &old.ty, at, inner),
                ty if ty.is_scalar() => {
                    self.load_scalar(Place::Stack(from), R0, &old.ty, Span::default());
                    self.asm.store(size_of_bytes(ty.size()), R10, at, R0);
                }
                // A string: its bytes, the rest of the wider one zeros.
                _ => self.copy_stack(from, at, old.ty.size()),
            }
        }
    }

    /// A string literal's bytes, zero-padded to `size`, stored at `slot` with immediates.
    fn store_literal(&mut self, bytes: &[u8], slot: i16, size: usize) {
        let mut padded = bytes.to_vec();
        padded.resize(size, 0);
        let mut at = 0;
        while at < size {
            let to = i32::from(slot) + at as i32;
            // An immediate is 32 bits: no wider store.
            let width = piece(size - at, to, to).min(4);
            // The bytes land in memory in the kernel's order.
            let value = wire::unsigned(&padded[at..at + width], width, wire::HOST) as u32 as i32;
            self.asm
                .store_imm(size_of_bytes(width), R10, to as i16, value);
            at += width;
        }
    }

    /// A value read from where it lives (the context, the stack, memory) into `slot`.
    fn store_from_place(&mut self, expr: &Expr, slot: i16, size: usize) {
        match self.place(expr) {
            Some((place, held)) => {
                match (&expr.ty, place) {
                    // A `char[N]` in a record is a string: the kernel leaves whatever was
                    // there after its NUL (block_rq_issue's `rwbs`), which would split map
                    // keys and print as garbage. Read up to the NUL, zeros after it.
                    (Type::Chars(_), Place::Context(_) | Place::Memory { .. }) => {
                        self.zero(slot, size);
                        self.probe_read(slot, size, place, Read::String, expr.span);
                    }
                    _ => self.read_into(place, slot, size, expr.span),
                }
                if let Some(register) = held {
                    self.release(register);
                }
            }
            None => self.fail(
                expr.span,
                format_args!("cannot compile a value of type {} here", expr.ty),
            ),
        }
    }

    pub(super) fn call_into(
        &mut self,
        function: &Function,
        arguments: &[Expr],
        slot: i16,
        size: usize,
        span: Span,
    ) {
        match (function, arguments) {
            (Function::Ntop, [family, address]) => {
                return self.ntop_into(family, address, slot, span)
            }
            (Function::Buf, [source, length]) => {
                return self.buf_into(source, length, slot, size, span)
            }
            _ => {}
        }
        let Some(pointer) = arguments.first() else {
            return self.call_failed(span, function, "needs an argument");
        };
        let register = self.evaluated(pointer, span);
        let space = space_of(&pointer.ty);
        match function {
            Function::Str { .. } | Function::Mem { .. } => {
                let read = match (function, arguments.get(1)) {
                    // bpftrace's `str(p, n)` with n known as the probe runs: n characters, at
                    // most as many as fit with their NUL.
                    (Function::Str { .. }, Some(length)) => {
                        self.zero(slot, size);
                        let count = self.evaluated(length, span);
                        self.at_most(count, size as i32 - 1);
                        self.asm.add64_imm(count, 1);
                        Read::StringUpto(count)
                    }
                    // The helper stops at the NUL; the rest must be zero to print and hash
                    // alike.
                    (Function::Str { .. }, None) => {
                        self.zero(slot, size);
                        Read::String
                    }
                    _ => Read::Bytes,
                };
                let from = Place::Memory {
                    base: register,
                    offset: 0,
                    space,
                };
                self.probe_read(slot, size, from, read, span);
                if let Read::StringUpto(count) = read {
                    self.release(count);
                }
            }
            Function::Dyn => self.read_data_loc(pointer, register, slot, size, span),
            Function::Usym => {
                // wire::encode_user_address: the address, then the pid.
                let pid = slot + wire::USER_ADDRESS_PID as i16;
                self.asm.store(Size::U64, R10, slot, register);
                self.asm
                    .call(Helper::GetCurrentPidTgid)
                    .rsh64_imm(R0, 32)
                    .store(Size::U32, R10, pid, R0)
                    .store_imm(Size::U32, R10, pid + 4, 0);
            }
            other => return self.call_failed(span, other, "has no value to store"),
        }
        self.release(register);
    }

    /// `ntop(family, address)` into `slot` (`wire::encode_inet`): the family, then the
    /// address's bytes as they are (an array read as bytes even when it is a `char[]`), then
    /// zeros; sema made the family and an integer address u32s.
    fn ntop_into(&mut self, family: &Expr, address: &Expr, slot: i16, span: Span) {
        let at = slot + wire::INET_ADDRESS as i16;
        let size = address.ty.size();
        self.zero(
            at + size as i16,
            wire::INET_SIZE - wire::INET_ADDRESS - size,
        );
        self.store_into(family, slot);
        match self.place(address) {
            Some((place, held)) => {
                self.read_into(place, at, size, span);
                if let Some(register) = held {
                    self.release(register);
                }
            }
            None => self.store_into(address, at),
        }
    }

    /// bpftrace's `buf()` into `slot` (`wire::BUFFER_DATA`): the length, capped at the
    /// capacity sema gave, then as many bytes from the address or the array, zeros after them
    /// so that equal buffers are equal keys.
    fn buf_into(&mut self, source: &Expr, length: &Expr, slot: i16, size: usize, span: Span) {
        let capacity = size - wire::BUFFER_DATA;
        self.zero(slot, size);
        let count = self.evaluated(length, span);
        self.at_most(count, capacity as i32);
        self.asm.store(Size::U64, R10, slot, count);
        let data = slot + wire::BUFFER_DATA as i16;
        let pointer = matches!(source.ty, Type::Pointer { .. });
        let (from, held) = match if pointer { None } else { self.place(source) } {
            _ if pointer => {
                let base = self.evaluated(source, span);
                let space = space_of(&source.ty);
                (
                    Place::Memory {
                        base,
                        offset: 0,
                        space,
                    },
                    Some(base),
                )
            }
            Some((Place::Stack(_), _)) | None if source.ty.size() <= capacity => {
                // A literal or a scratch array: its bytes as they are.
                self.store_into(source, data);
                return self.release(count);
            }
            Some(place) => place,
            None => return self.fail(span, format_args!("buf() cannot read this array")),
        };
        self.probe_read(data, capacity, from, Read::Upto(count), span);
        self.release(count);
        if let Some(register) = held {
            self.release(register);
        }
    }

    /// `dyn(field)` into `slot`, `register` holding the `__data_loc` field's value: the data's
    /// offset in the record in the low 16 bits (counted from the end of the field for a
    /// `__rel_loc` one), its length in the high 16. Text is read as a string; anything else
    /// (`u64[]`) as bytes, as many as there are and fit.
    fn read_data_loc(&mut self, pointer: &Expr, register: Reg, slot: i16, size: usize, span: Span) {
        let (offset, string) = match (&pointer.ty, &pointer.kind) {
            (Type::DataLoc { relative, string }, ExprKind::Member { offset, .. }) => {
                (if *relative { *offset as i16 + 4 } else { 0 }, *string)
            }
            _ => (0, true),
        };
        self.zero(slot, size);
        let length = if string { None } else { Some(self.temp(span)) };
        let kind = match length {
            None => Read::String,
            Some(length) => {
                self.asm.mov64(length, register).rsh64_imm(length, 16);
                self.at_most(length, size as i32);
                Read::Upto(length)
            }
        };
        self.asm
            .and64_imm(register, 0xffff)
            .add64(register, CONTEXT);
        let from = Place::Memory {
            base: register,
            offset,
            space: AddressSpace::Kernel,
        };
        self.probe_read(slot, size, from, kind, span);
        if let Some(length) = length {
            self.release(length);
        }
    }

    pub(super) fn read_helper(&self, user: bool, string: bool) -> Helper {
        use Helper::*;
        /// By (split, user) and then string: the legacy pair reads user memory too.
        const HELPERS: [Helper; 8] = [
            ProbeRead,
            ProbeReadStr,
            ProbeRead,
            ProbeReadStr,
            ProbeReadKernel,
            ProbeReadKernelStr,
            ProbeReadUser,
            ProbeReadUserStr,
        ];
        let split = self.shared.options.probe_read == crate::compile::ProbeRead::Split;
        HELPERS[usize::from(split) * 4 + usize::from(user) * 2 + usize::from(string)]
    }

    /// Reads what `kind` says from `from` (the context or memory) into the stack at `slot`, at
    /// most `size` bytes, with the helper for its memory: kernel memory first then user memory
    /// when that is not known. A read that fails every way is counted, and reported at exit;
    /// the helpers leave zeros behind.
    pub(super) fn probe_read(
        &mut self,
        slot: i16,
        size: usize,
        from: Place,
        kind: Read,
        span: Span,
    ) {
        let (address, offset, space) = match from {
            Place::Context(offset) => (CONTEXT, offset, AddressSpace::Kernel),
            Place::Memory {
                base,
                offset,
                space,
            } => (base, offset, space),
            Place::Stack(_) => {
                return self.fail(span, format_args!("the stack is not read with a helper"))
            }
        };
        if size == 0 {
            return;
        }
        // The legacy helpers read user addresses too, wherever they are the only ones.
        let attempts: &[bool] = match (self.shared.options.probe_read, space) {
            (ProbeRead::Legacy, _) | (ProbeRead::Split, AddressSpace::Kernel) => &[false],
            (ProbeRead::Split, AddressSpace::User) => &[true],
            (ProbeRead::Split, AddressSpace::Unknown) => &[false, true],
        };
        let string = matches!(kind, Read::String | Read::StringUpto(_));
        let done = self.asm.label();
        for &user in attempts {
            self.stack_pointer(R1, slot);
            match kind {
                Read::Upto(length) | Read::StringUpto(length) => self.asm.mov64(R2, length),
                Read::Bytes | Read::String => self.asm.mov64_imm(R2, size as i32),
            };
            self.asm.mov64(R3, address);
            if offset != 0 {
                self.asm.add64_imm(R3, i32::from(offset));
            }
            let helper = self.read_helper(user, string);
            self.asm.call(helper).jsge_imm(R0, 0, done);
        }
        self.count_error(span, ErrorKind::ReadFailed { string });
        self.asm.bind(done);
    }

    /// Copies `size` bytes from `pointer + offset` (directly loadable memory) to the stack,
    /// each access aligned at both ends.
    pub(super) fn copy(&mut self, pointer: Reg, offset: i16, slot: i16, size: usize) {
        let mut at = 0;
        while at < size {
            let (from, to) = (offset + at as i16, slot + at as i16);
            let chunk = piece(size - at, i32::from(from), i32::from(to));
            let width = size_of_bytes(chunk);
            self.asm
                .load(width, R1, pointer, from)
                .store(width, R10, to, R1);
            at += chunk;
        }
    }

    pub(super) fn copy_stack(&mut self, from: i16, to: i16, size: usize) {
        self.copy(R10, from, to, size);
    }

    /// Whether the program may load the context's bytes at `offset` directly. A tracepoint's
    /// first 8 bytes (the common header) are refused (the kernel's `tp_prog_is_valid_access`).
    pub(super) fn context_loadable(&self, offset: i16) -> bool {
        self.lowering.program_kind() != ProgramKind::Tracepoint || offset >= 8
    }

    /// Copies `size` bytes of a place to the stack.
    pub(super) fn read_into(&mut self, place: Place, slot: i16, size: usize, span: Span) {
        match place {
            Place::Stack(from) => self.copy_stack(from, slot, size),
            Place::Context(offset) if self.context_loadable(offset) => {
                self.copy(CONTEXT, offset, slot, size)
            }
            Place::Context(_) | Place::Memory { .. } => {
                self.probe_read(slot, size, place, Read::Bytes, span)
            }
        }
    }

    /// Where a struct value or a value read through a pointer lives, with the register it holds
    /// (to release once read). None for values that are not in memory.
    pub(super) fn place(&mut self, expr: &Expr) -> Option<(Place, Option<Reg>)> {
        Some(match &expr.kind {
            ExprKind::Provider(name) if self.lowering.access(name) == Some(Access::Context) => {
                (Place::Context(0), None)
            }
            ExprKind::Scratch(index) => (Place::Stack(self.scratch[*index]), None),
            ExprKind::Member {
                base,
                offset,
                through_pointer: true,
                ..
            } => {
                if let ExprKind::Provider(name) = &base.kind {
                    if self.lowering.access(name) == Some(Access::Context) {
                        return Some((Place::Context(*offset as i16), None));
                    }
                }
                let register = self.evaluated(base, expr.span);
                (
                    Place::Memory {
                        base: register,
                        offset: *offset as i16,
                        space: space_of(&base.ty),
                    },
                    Some(register),
                )
            }
            ExprKind::Member {
                base,
                offset,
                through_pointer: false,
                ..
            } => match self.place(base) {
                Some((place, held)) => (place.offset_by(*offset), held),
                None => {
                    // A struct value that is not in memory yet: build it on the stack.
                    let slot = self.alloc(base.ty.size(), expr.span);
                    self.store_into(base, slot);
                    (Place::Stack(slot + *offset as i16), None)
                }
            },
            ExprKind::Unary {
                operator: UnaryOp::Deref,
                operand,
            } => {
                let register = self.evaluated(operand, expr.span);
                (
                    Place::Memory {
                        base: register,
                        offset: 0,
                        space: space_of(&operand.ty),
                    },
                    Some(register),
                )
            }
            _ => return None,
        })
    }

    /// Sign- or zero-extends the low bytes of `register` to 64 bits as `ty` says.
    pub(super) fn normalize(&mut self, register: Reg, ty: &Type) {
        let (bytes, signed) = match ty {
            Type::Int { bytes, signed } => (*bytes, *signed),
            _ => return,
        };
        if bytes >= 8 {
            return;
        }
        let shift = 64 - 8 * i32::from(bytes);
        if signed {
            self.asm
                .lsh64_imm(register, shift)
                .arsh64_imm(register, shift);
        } else if bytes == 4 {
            self.asm.mov32(register, register);
        } else {
            self.asm.and64_imm(register, (1 << (8 * bytes)) - 1);
        }
    }

    /// Loads a scalar of `ty` from `place` into `register`.
    pub(super) fn load_scalar(&mut self, place: Place, register: Reg, ty: &Type, span: Span) {
        let size = size_of_bytes(ty.size());
        match place {
            Place::Context(offset)
                if self.context_loadable(offset)
                    && i32::from(offset) % ty.size().max(1) as i32 == 0 =>
            {
                self.asm.load(size, register, CONTEXT, offset);
            }
            Place::Stack(offset) => {
                self.asm.load(size, register, R10, offset);
            }
            Place::Context(_) | Place::Memory { .. } => {
                let mark = self.frame.mark();
                let slot = self.alloc(8, span);
                self.read_into(place, slot, ty.size(), span);
                self.asm.load(size, register, R10, slot);
                self.frame.release(mark);
            }
        }
        self.normalize(register, ty);
    }
}
