//! compile::emit: one probe's statements and expressions as BPF instructions.
//!
//! Registers: r6 holds the context for the whole program; r7-r9 hold values being computed
//! (they survive helper calls); r0-r5 are scratch between two calls. Scalars live in registers
//! normalised to 64 bits (zero- or sign-extended as their type says); strings, structs and keys
//! are built in place on the stack.
//!
//! This file holds the emitter and its registers and stack; `statement`, `aggregate` (map
//! stores and aggregations), `record` (records to user space), `memory` (values on the stack,
//! probe reads, places) and `expression` (scalars and branches) each add their part of it.

mod aggregate;
mod expression;
mod memory;
mod record;
mod statement;

use std::fmt;

use tine_asm::{Builder, Helper, Label, Reg, Reg::*, Size};

use crate::lang::diag::{Diag, Span};
use crate::sema::program::{Expr, Function, Probe, Program};
use crate::sema::types::{AddressSpace, Type};
use crate::wire;

use super::frame::Frame;
use super::maps::Shared;
use super::{Lifecycle, ProbeCode, ProbeLowering};

const CONTEXT: Reg = R6;
const TEMPS: [Reg; 3] = [R9, R8, R7];
const BPF_NOEXIST: i32 = 1;
/// What a map update returns when the map has no room left.
const E2BIG: i32 = 7;
const BPF_F_USER_STACK: i32 = 1 << 8;
/// Zero-initialising values bigger than this on the stack costs more than a lookup of the
/// zeros map.
const STACK_ZERO_LIMIT: u32 = 32;

/// Compiles one probe, or gives the first error met. The emitter keeps that error and goes on
/// to the end, with a stand-in slot or register where one was wanted, rather than every
/// function returning a `Result`: the code emitted after an error is thrown away, and so is
/// everything the probes share, since `compile` fails then.
pub(super) fn probe(
    program: &Program,
    probe: &Probe,
    index: usize,
    lowering: &dyn ProbeLowering,
    shared: &mut Shared,
) -> Result<ProbeCode, Box<Diag>> {
    let mut builder = Builder::new();
    let exit = builder.label();
    let mut emitter = Emitter {
        asm: builder,
        frame: Frame::default(),
        free: TEMPS.to_vec(),
        scratch: Vec::new(),
        spans: Vec::new(),
        exit,
        program,
        lowering,
        shared,
        error: None,
        innermost: None,
        built_key: None,
    };
    emitter.mark(probe.span);
    emitter.asm.mov64(CONTEXT, R1);
    if lowering.lifecycle() == Lifecycle::Tracing {
        emitter.state_pointer(probe.span, wire::STATE_WORD_KEY, exit);
        emitter
            .asm
            .load(size_of_bytes(wire::STATE_SIZE), R0, R0, 0)
            .jne_imm(R0, wire::TRACING, exit);
    }
    if let Some(pid) = emitter
        .shared
        .options
        .only_pid
        .filter(|_| lowering.in_process_context())
    {
        emitter
            .asm
            .call(Helper::GetCurrentPidTgid)
            .rsh64_imm(R0, 32)
            .jne_imm(R0, pid as i32, exit);
    }
    for variable in &probe.scratch {
        let slot = emitter.alloc(variable.ty.size(), probe.span);
        emitter.zero(slot, variable.ty.size());
        emitter.scratch.push(slot);
    }
    emitter.statements(&probe.body);
    emitter.asm.bind(exit).mov64_imm(R0, 0).exit();
    if let Some(error) = emitter.error {
        return Err(error);
    }
    let insns = emitter
        .asm
        .finish()
        .map_err(|error| Diag::boxed(probe.span, format!("cannot assemble this probe: {error}")))?;
    Ok(ProbeCode {
        probe: index,
        kind: lowering.program_kind(),
        lifecycle: lowering.lifecycle(),
        insns,
        spans: emitter.spans,
    })
}

/// Where a value of a struct (or anything read through a pointer) lives.
#[derive(Clone, Copy, Debug)]
enum Place {
    /// In the context, at this offset: direct loads.
    Context(i16),
    /// On the stack, at this offset from r10.
    Stack(i16),
    /// In kernel or user memory at `base + offset`: read with a probe-read helper.
    Memory {
        base: Reg,
        offset: i16,
        space: AddressSpace,
    },
}

impl Place {
    fn offset_by(self, by: usize) -> Place {
        let by = by as i16;
        match self {
            Place::Context(at) => Place::Context(at + by),
            Place::Stack(at) => Place::Stack(at + by),
            Place::Memory {
                base,
                offset,
                space,
            } => Place::Memory {
                base,
                offset: offset + by,
                space,
            },
        }
    }
}

// In this order: the assembler, used most, at the emitter's own address; the fields used
// next most within a short offset of it.
#[repr(C)]
struct Emitter<'a> {
    /// The assembler writing this probe's instructions.
    asm: Builder,
    frame: Frame,
    shared: &'a mut Shared,
    free: Vec<Reg>,
    /// Stack slot of each scratch variable.
    scratch: Vec<i16>,
    lowering: &'a dyn ProbeLowering,
    exit: Label,
    program: &'a Program,
    /// The first error met (see `probe`).
    error: Option<Box<Diag>>,
    spans: Vec<(usize, Span)>,
    /// The `while` that `break` and `continue` are in, if any.
    innermost: Option<Loop>,
    /// The key an update built (`map_store`), which the value's first read of the map uses.
    built_key: Option<(usize, i16)>,
}

/// Where a `while`'s `continue` and `break` jump, and whether a `continue` did.
#[derive(Clone, Copy)]
struct Loop {
    next: Label,
    end: Label,
    continued: bool,
}

/// What a probe read reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Read {
    /// All the bytes asked for.
    Bytes,
    /// A NUL-terminated string, at most the bytes asked for.
    String,
    /// As many bytes as this register (one that survives calls) says, at most those asked for.
    Upto(Reg),
    /// A NUL-terminated string in as many bytes as this register says (its NUL counted).
    StringUpto(Reg),
}

/// The memory a pointer of type `ty` points into (a number's is not known).
fn space_of(ty: &Type) -> AddressSpace {
    match ty {
        Type::Pointer { space, .. } => *space,
        _ => AddressSpace::Unknown,
    }
}

/// The widest access of at most `remaining` bytes that is aligned at both offsets: the verifier
/// takes only aligned loads from a tracepoint's context, and only aligned stack accesses.
fn piece(remaining: usize, from: i32, to: i32) -> usize {
    [8, 4, 2, 1]
        .into_iter()
        .find(|&size| {
            size <= remaining
                && from.rem_euclid(size as i32) == 0
                && to.rem_euclid(size as i32) == 0
        })
        .unwrap_or(1)
}

fn size_of_bytes(bytes: usize) -> Size {
    match bytes {
        1 => Size::U8,
        2 => Size::U16,
        4 => Size::U32,
        _ => Size::U64,
    }
}

impl Emitter<'_> {
    fn mark(&mut self, span: Span) {
        let at = self.asm.len();
        match self.spans.last_mut() {
            Some((start, last)) if *start == at => *last = span,
            _ => self.spans.push((at, span)),
        }
    }

    /// Keeps the error `message` at `span` if it is the first; the probe fails with it.
    #[inline(never)]
    fn fail(&mut self, span: Span, message: fmt::Arguments<'_>) {
        if self.error.is_none() {
            self.error = Some(Diag::boxed(span, fmt::format(message)));
        }
    }

    /// An error about a call sema let through that this place cannot compile (`needs an
    /// argument`, ...).
    fn call_failed(&mut self, span: Span, function: &Function, problem: &str) {
        let name = function.name();
        self.fail(span, format_args!("{name}() {problem}"));
    }

    /// A stack slot of `size` bytes; past the limit, an error (and a stand-in slot).
    fn alloc(&mut self, size: usize, span: Span) -> i16 {
        if let Some(slot) = self.frame.alloc(size) {
            return slot;
        }
        self.fail(
            span,
            format_args!(
                "this probe needs more than the {} bytes of stack a BPF program may use",
                super::frame::STACK_LIMIT
            ),
        );
        -8
    }

    /// A 4-byte map key holding `value`, on the stack.
    fn word_key(&mut self, value: u32, span: Span) -> i16 {
        let slot = self.alloc(4, span);
        self.asm.store_imm(Size::U32, R10, slot, value as i32);
        slot
    }

    /// A free temporary; when none is left, an error (and a stand-in).
    fn temp(&mut self, span: Span) -> Reg {
        if let Some(register) = self.free.pop() {
            return register;
        }
        self.fail(
            span,
            format_args!("expression too deeply nested to compile"),
        );
        R0
    }

    /// A temporary holding the value of `expr`; `span` is where running out of them is
    /// reported.
    fn evaluated(&mut self, expr: &Expr, span: Span) -> Reg {
        let register = self.temp(span);
        self.scalar(expr, register);
        register
    }

    fn release(&mut self, register: Reg) {
        self.free.push(register);
    }

    /// `register` capped at `most` (compared unsigned): the bound the verifier needs of a
    /// helper's size or a bucket's index.
    fn at_most(&mut self, register: Reg, most: i32) {
        let fits = self.asm.label();
        self.asm
            .jle_imm(register, most, fits)
            .mov64_imm(register, most)
            .bind(fits);
    }

    /// Zeroes `size` bytes at `slot`, each store aligned.
    fn zero(&mut self, slot: i16, size: usize) {
        let mut at = 0;
        while at < size {
            let to = i32::from(slot) + at as i32;
            let width = piece(size - at, to, to);
            self.asm.store_imm(size_of_bytes(width), R10, to as i16, 0);
            at += width;
        }
    }

    fn stack_pointer(&mut self, register: Reg, slot: i16) {
        self.asm
            .mov64(register, R10)
            .add64_imm(register, i32::from(slot));
    }

    /// r0 = the address of the state map's entry `index` (`wire::STATE_*_KEY`); to `missing`
    /// if the lookup fails (it cannot: the check is for the verifier).
    fn state_pointer(&mut self, span: Span, index: u32, missing: Label) {
        let mark = self.frame.mark();
        let key = self.word_key(index, span);
        self.map_call(Helper::MapLookupElem, self.shared.state_map, key)
            .jeq_imm(R0, 0, missing);
        self.frame.release(mark);
    }

    /// `call helper` on `map` and the key at `key` on the stack (r1 and r2).
    fn map_call(&mut self, helper: Helper, map: usize, key: i16) -> &mut Builder {
        self.map_address(R1, map);
        self.stack_pointer(R2, key);
        self.asm.call(helper)
    }

    fn map_address(&mut self, register: Reg, map: usize) {
        self.asm.load_map_idx(register, map as i32);
    }
}
