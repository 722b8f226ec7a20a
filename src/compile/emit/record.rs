//! compile::emit::record: records to user space (printf, print, exit, clear) through the
//! output channel.

use std::rc::Rc;

use tine_asm::{Helper, Reg, Reg::*, Size};

use crate::compile::layout::layout_of;
use crate::compile::records::{ErrorKind, Record, RecordKind};
use crate::compile::Channel;
use crate::lang::diag::Span;
use crate::sema::program::{Expr, ExprKind, Function};
use crate::wire;

use super::{size_of_bytes, Emitter, CONTEXT};

impl Emitter<'_> {
    /// An expression evaluated for its effect: printf, print, exit, clear, or anything else
    /// (evaluated and dropped).
    pub(super) fn effect(&mut self, expr: &Expr) {
        let ExprKind::Call {
            function,
            arguments,
        } = &expr.kind
        else {
            return self.dropped(expr);
        };
        if expr.ty.size() > 0 && !expr.ty.is_scalar() {
            return self.dropped(expr);
        }
        // The records sent as they are: the values (if any) and what they mean.
        let map = match arguments.as_slice() {
            [Expr {
                kind: ExprKind::MapRef(map),
                ..
            }] => Some(*map),
            _ => None,
        };
        let (values, kind) = match (function, map) {
            (Function::Cat { format }, _) => (
                arguments.as_slice(),
                RecordKind::Cat {
                    format: format.clone(),
                    arguments: Vec::new(),
                },
            ),
            (Function::System { format }, _) => (
                arguments.as_slice(),
                RecordKind::System {
                    format: format.clone(),
                    arguments: Vec::new(),
                },
            ),
            (Function::Printf { format }, _) => (
                arguments.as_slice(),
                RecordKind::Printf {
                    format: format.clone(),
                    arguments: Vec::new(),
                },
            ),
            (Function::Print, _) => (
                arguments.as_slice(),
                RecordKind::Print {
                    arguments: Vec::new(),
                },
            ),
            (Function::PrintMap(options), Some(map)) => (
                &[][..],
                RecordKind::PrintMap {
                    map,
                    options: *options,
                },
            ),
            (Function::Clear { zero }, Some(map)) => {
                (&[][..], RecordKind::Clear { map, zero: *zero })
            }
            (Function::Time { format }, _) => (
                &[][..],
                RecordKind::Time {
                    format: format.clone(),
                },
            ),
            _ => return self.effect_other(expr, function, arguments),
        };
        self.send(expr.span, values, kind);
    }

    /// The effects other than a record sent as it is.
    /// A value computed for its effects (reads, calls) and dropped, as bpftrace does.
    fn dropped(&mut self, expr: &Expr) {
        if expr.ty.is_scalar() {
            let register = self.evaluated(expr, expr.span);
            self.release(register);
        } else {
            let slot = self.alloc(expr.ty.size(), expr.span);
            self.store_into(expr, slot);
        }
    }

    fn effect_other(&mut self, expr: &Expr, function: &Function, arguments: &[Expr]) {
        match function {
            Function::PrintMap(_) => {
                self.fail(expr.span, format_args!("print() of a map takes the map"))
            }
            Function::Clear { .. } => self.fail(expr.span, format_args!("clear() takes a map")),
            Function::Join { separator } => self.join(expr.span, &arguments[0], separator),
            Function::Exit => {
                // The code goes out as an s64: the integer sema typed, widened.
                let zero;
                let code = match arguments.first() {
                    Some(code) => code,
                    None => {
                        zero = Expr {
                            kind: ExprKind::Int(0),
                            ty: crate::sema::types::I64,
                            span: expr.span,
                        };
                        &zero
                    }
                };
                // Other CPUs stop recording now; the statements after exit() do not run.
                let stopped = self.asm.label();
                self.state_pointer(expr.span, wire::STATE_WORD_KEY, stopped);
                self.asm
                    .store_imm(size_of_bytes(wire::STATE_SIZE), R0, 0, wire::STOPPED)
                    .bind(stopped);
                self.send(expr.span, std::slice::from_ref(code), RecordKind::Exit);
                self.asm.ja(self.exit);
            }
            _ => {
                let register = self.evaluated(expr, expr.span);
                self.release(register);
            }
        }
    }

    /// Builds `wire`'s record of `values` on the stack and writes it to the output map; the
    /// values' layouts are filled into `kind`'s arguments (printf's and print's).
    pub(super) fn send(&mut self, span: Span, values: &[Expr], mut kind: RecordKind) {
        // exit()'s code is any integer, sent as an s64 (a register holds it extended).
        let exit = matches!(kind, RecordKind::Exit);
        let width = |value: &Expr| if exit { 8 } else { value.ty.size() };
        let (offsets, size) = wire::record_layout(values.iter().map(width));
        let slot = self.alloc(size, span);
        if self.error.is_some() {
            // A record past the stack: its offsets would not fit one.
            return;
        }
        // Padding between values goes out too: it must be initialised.
        let mut covered = vec![false; size];
        cover(&mut covered, 0, wire::ID_SIZE);
        for (value, &offset) in values.iter().zip(&offsets) {
            self.store_sized(value, slot + offset as i16, width(value));
            cover(&mut covered, offset, width(value));
        }
        if let RecordKind::Printf { arguments, .. }
        | RecordKind::Cat { arguments, .. }
        | RecordKind::System { arguments, .. }
        | RecordKind::Print { arguments } = &mut kind
        {
            for (value, &offset) in values.iter().zip(&offsets) {
                arguments.push((layout_of(&value.ty), offset));
            }
        }
        let id = self.shared.record(Record { kind, size, span });
        self.asm
            .store_imm(size_of_bytes(wire::ID_SIZE), R10, slot, id as i32);
        self.zero_gaps(slot, &covered);
        self.stack_pointer(R0, slot);
        self.output(span, R0, size)
    }

    /// Writes the `size` bytes at the address in `data` (the stack or a map value) to the
    /// output map; a full ring is counted.
    fn output(&mut self, span: Span, data: Reg, size: usize) {
        let sent = self.asm.label();
        match self.shared.options.channel {
            Channel::RingBuffer => {
                self.asm.mov64(R2, data);
                self.map_address(R1, self.shared.output_map);
                self.asm
                    .mov64_imm(R3, size as i32)
                    .mov64_imm(R4, 0)
                    .call(Helper::RingbufOutput);
            }
            Channel::PerfBuffer => {
                self.asm.mov64(R4, data).mov64(R1, CONTEXT);
                self.map_address(R2, self.shared.output_map);
                // BPF_F_CURRENT_CPU: this CPU's ring.
                self.asm.load_imm64(R3, 0xffff_ffff);
                self.asm
                    .mov64_imm(R5, size as i32)
                    .call(Helper::PerfEventOutput);
            }
        }
        self.asm.jeq_imm(R0, 0, sent);
        self.count_error(span, ErrorKind::OutputFull);
        self.asm.bind(sent);
    }

    /// bpftrace's `join(argv, separator)`: the record is built in the join map's value (16 KiB,
    /// far past the stack): each of argv's first `wire::JOIN_ARGUMENTS` addresses up to its
    /// null, read as a user string into its slot.
    fn join(&mut self, span: Span, argv: &Expr, separator: &Rc<str>) {
        let map = self.shared.join_map();
        let id = self.shared.record(Record {
            kind: RecordKind::Join {
                separator: separator.clone(),
            },
            size: wire::JOIN_SIZE,
            span,
        });
        let array = self.evaluated(argv, span);
        let buffer = self.temp(span);
        let mark = self.frame.mark();
        let key = self.alloc(8, span);
        let (missing, end) = (self.asm.label(), self.asm.label());
        self.asm.store_imm(Size::U64, R10, key, 0);
        self.map_call(Helper::MapLookupElem, map, key)
            .jeq_imm(R0, 0, missing)
            .mov64(buffer, R0)
            .store_imm(size_of_bytes(wire::ID_SIZE), buffer, 0, id as i32);
        for index in 0..wire::JOIN_ARGUMENTS {
            self.asm
                .store_imm(Size::U8, buffer, wire::join_slot(index) as i16, 0);
        }
        // argv holds the process's own pointers: 4 bytes on a 32-bit system.
        let width = std::mem::size_of::<usize>();
        let (read_pointer, read_string) =
            (self.read_helper(true, false), self.read_helper(true, true));
        for index in 0..wire::JOIN_ARGUMENTS {
            self.stack_pointer(R1, key);
            self.asm
                .mov64_imm(R2, width as i32)
                .mov64(R3, array)
                .add64_imm(R3, (index * width) as i32)
                .call(read_pointer);
            let read = self.asm.label();
            self.asm.jeq_imm(R0, 0, read);
            self.count_error(span, ErrorKind::ReadFailed { string: false });
            self.asm.ja(end).bind(read);
            self.asm
                .load(size_of_bytes(width), R3, R10, key)
                .jeq_imm(R3, 0, end)
                .mov64(R1, buffer)
                .add64_imm(R1, wire::join_slot(index) as i32)
                .mov64_imm(R2, wire::JOIN_ARGUMENT_BYTES as i32)
                .call(read_string);
            let copied = self.asm.label();
            self.asm.jsge_imm(R0, 0, copied);
            self.count_error(span, ErrorKind::ReadFailed { string: true });
            self.asm.bind(copied);
        }
        self.asm.bind(end);
        self.output(span, buffer, wire::JOIN_SIZE);
        self.asm.bind(missing);
        self.frame.release(mark);
        self.release(buffer);
        self.release(array);
    }

    /// Zeroes the bytes at `slot` that no value covers (`covered`, one flag a byte: alignment
    /// padding): a record or key goes out whole, and must hold no garbage.
    pub(super) fn zero_gaps(&mut self, slot: i16, covered: &[bool]) {
        let mut at = 0;
        while at < covered.len() {
            let run = covered[at..].iter().take_while(|&&byte| !byte).count();
            if run > 0 {
                self.zero(slot + at as i16, run);
            }
            at += run.max(1);
        }
    }
}

/// Marks the `length` bytes at `offset` of a record or key as holding a value.
pub(super) fn cover(covered: &mut [bool], offset: usize, length: usize) {
    let end = covered.len();
    for byte in &mut covered[offset.min(end)..(offset + length).min(end)] {
        *byte = true;
    }
}
