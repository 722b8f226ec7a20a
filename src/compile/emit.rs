//! compile::emit: one probe's statements and expressions as BPF instructions.
//!
//! Registers: r6 holds the context for the whole program; r7-r9 hold values being computed
//! (they survive helper calls); r0-r5 are scratch between two calls. Scalars live in registers
//! normalised to 64 bits (zero- or sign-extended as their type says); strings, structs and keys
//! are built in place on the stack.

use tine_asm::{Builder, Helper, Label, Reg, Reg::*, Size};

use crate::lang::ast::{BinaryOp, UnaryOp};
use crate::lang::diag::{Diag, Span};
use crate::output::Format;
use crate::sema::program::{
    Builtin, Expr, ExprKind, Function, MapKind, Probe, Program, Stmt, StmtKind,
};
use crate::sema::types::{AddressSpace, Type};

use super::frame::Frame;
use super::layout::layout_of;
use super::maps::{lhist_buckets, Shared, Storage};
use super::records::{ErrorKind, Record, RecordKind, PAYLOAD};
use super::{Access, Channel, ProbeCode, ProbeLowering, ProbeRead, ProgramKind};

const CONTEXT: Reg = R6;
const TEMPS: [Reg; 3] = [R9, R8, R7];
const BPF_NOEXIST: i32 = 1;
/// What a map update returns when the map has no room left.
const E2BIG: i32 = 7;
const BPF_F_USER_STACK: i32 = 1 << 8;
/// Zero-initialising values bigger than this on the stack costs more than a lookup of the
/// zeros map.
const STACK_ZERO_LIMIT: u32 = 32;

type Result<T> = std::result::Result<T, Diag>;

pub(super) fn probe(
    program: &Program,
    probe: &Probe,
    index: usize,
    lowering: &dyn ProbeLowering,
    shared: &mut Shared,
) -> Result<ProbeCode> {
    let mut builder = Builder::new();
    let exit = builder.label();
    let mut emitter = Emitter {
        b: builder,
        frame: Frame::default(),
        free: TEMPS.to_vec(),
        scratch: Vec::new(),
        spans: Vec::new(),
        exit,
        program,
        lowering,
        shared,
    };
    emitter.mark(probe.span);
    emitter.b.mov64(CONTEXT, R1);
    if lowering.runs_while_tracing() {
        emitter.state_pointer(probe.span, exit)?;
        emitter
            .b
            .load(Size::U64, R0, R0, 0)
            .jne_imm(R0, super::TRACING, exit);
    }
    if let Some(pid) = emitter
        .shared
        .options
        .only_pid
        .filter(|_| lowering.in_process_context())
    {
        emitter
            .b
            .call(Helper::GetCurrentPidTgid)
            .rsh64_imm(R0, 32)
            .jne_imm(R0, pid as i32, exit);
    }
    for variable in &probe.scratch {
        let slot = emitter.alloc(variable.ty.size(), probe.span)?;
        emitter.zero(slot, variable.ty.size());
        emitter.scratch.push(slot);
    }
    emitter.statements(&probe.body)?;
    emitter.b.bind(exit).mov64_imm(R0, 0).exit();
    let insns = emitter
        .b
        .finish()
        .map_err(|error| Diag::new(probe.span, format!("cannot assemble this probe: {error}")))?;
    Ok(ProbeCode {
        probe: index,
        kind: lowering.program_kind(),
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

struct Emitter<'a> {
    b: Builder,
    frame: Frame,
    free: Vec<Reg>,
    /// Stack slot of each scratch variable.
    scratch: Vec<i16>,
    spans: Vec<(usize, Span)>,
    exit: Label,
    program: &'a Program,
    lowering: &'a dyn ProbeLowering,
    shared: &'a mut Shared,
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

/// Whether no path runs past `statement`: it returns, or calls `exit()` (which ends the probe
/// as in bpftrace), on every path.
fn diverges(statement: &Stmt) -> bool {
    match &statement.kind {
        StmtKind::Return => true,
        StmtKind::Expr(Expr {
            kind:
                ExprKind::Call {
                    function: Function::Exit,
                    ..
                },
            ..
        }) => true,
        StmtKind::Block(statements) => statements.iter().any(diverges),
        StmtKind::If {
            then,
            otherwise: Some(otherwise),
            ..
        } => diverges(then) && diverges(otherwise),
        _ => false,
    }
}

/// `print(@m)` or `clear(@m)` as a statement: the function and the map.
fn map_call(statement: &Stmt) -> Option<(Function, usize)> {
    let StmtKind::Expr(Expr {
        kind: ExprKind::Call {
            function,
            arguments,
        },
        ..
    }) = &statement.kind
    else {
        return None;
    };
    match (function, arguments.as_slice()) {
        (
            Function::PrintMap(_) | Function::Clear,
            [Expr {
                kind: ExprKind::MapRef(map),
                ..
            }],
        ) => Some((function.clone(), *map)),
        _ => None,
    }
}

/// A literal that fits an instruction's 32-bit immediate, sign-extended to the same 64 bits.
fn immediate(expr: &Expr) -> Option<i32> {
    match expr.kind {
        ExprKind::Int(value) => {
            let value = value as i64;
            i32::try_from(value).ok()
        }
        _ => None,
    }
}

impl Emitter<'_> {
    fn mark(&mut self, span: Span) {
        let at = self.b.len();
        match self.spans.last_mut() {
            Some((start, last)) if *start == at => *last = span,
            _ => self.spans.push((at, span)),
        }
    }

    fn alloc(&mut self, size: usize, span: Span) -> Result<i16> {
        self.frame.alloc(size).ok_or_else(|| {
            Diag::new(
                span,
                format!(
                    "this probe needs more than the {} bytes of stack a BPF program may use",
                    super::frame::STACK_LIMIT
                ),
            )
        })
    }

    fn temp(&mut self, span: Span) -> Result<Reg> {
        self.free
            .pop()
            .ok_or_else(|| Diag::new(span, "expression too deeply nested to compile"))
    }

    fn release(&mut self, register: Reg) {
        self.free.push(register);
    }

    /// Zeroes `size` bytes at `slot`, each store aligned.
    fn zero(&mut self, slot: i16, size: usize) {
        let mut at = 0;
        while at < size {
            let to = i32::from(slot) + at as i32;
            let width = piece(size - at, to, to);
            self.b.store_imm(size_of_bytes(width), R10, to as i16, 0);
            at += width;
        }
    }

    fn stack_pointer(&mut self, register: Reg, slot: i16) {
        self.b
            .mov64(register, R10)
            .add64_imm(register, i32::from(slot));
    }

    /// r0 = the address of the state word; to `missing` if the lookup fails (it cannot: the
    /// check is for the verifier).
    fn state_pointer(&mut self, span: Span, missing: Label) -> Result<()> {
        let mark = self.frame.mark();
        let key = self.alloc(4, span)?;
        self.b.store_imm(Size::U32, R10, key, 0);
        self.map_address(R1, self.shared.state_map);
        self.stack_pointer(R2, key);
        self.b.call(Helper::MapLookupElem).jeq_imm(R0, 0, missing);
        self.frame.release(mark);
        Ok(())
    }

    fn map_address(&mut self, register: Reg, map: usize) {
        self.b.load_map_fd(register, map as i32);
    }

    // ---- statements ----

    fn statement(&mut self, statement: &Stmt) -> Result<()> {
        self.mark(statement.span);
        let mark = self.frame.mark();
        match &statement.kind {
            StmtKind::Block(statements) => self.statements(statements)?,
            StmtKind::If {
                condition,
                then,
                otherwise,
            } => {
                let skip = self.b.label();
                self.branch(condition, false, skip)?;
                self.statement(then)?;
                match otherwise {
                    Some(otherwise) => {
                        let end = self.b.label();
                        if !diverges(then) {
                            self.b.ja(end);
                        }
                        self.b.bind(skip);
                        self.statement(otherwise)?;
                        self.b.bind(end);
                    }
                    None => {
                        self.b.bind(skip);
                    }
                }
            }
            StmtKind::Return => {
                self.b.ja(self.exit);
            }
            StmtKind::Delete { map, key } => {
                let key = self.key(*map, key, statement.span)?;
                self.map_address(R1, *map);
                self.stack_pointer(R2, key);
                self.b.call(Helper::MapDeleteElem);
            }
            StmtKind::MapStore { map, key, value } => {
                self.map_store(*map, key, value, statement.span)?
            }
            StmtKind::Aggregate { map, key, argument } => {
                self.aggregate(*map, key, argument.as_ref(), statement.span)?
            }
            StmtKind::ScratchStore { slot, value } => {
                let at = self.scratch[*slot];
                self.store_into(value, at)?;
            }
            StmtKind::Expr(expr) => self.effect(expr)?,
        }
        self.frame.release(mark);
        Ok(())
    }

    /// A list of statements, where `print(@m)` and a `clear(@m)` after it, with only other
    /// maps' prints and clears between (`print(@a); print(@b); clear(@a); clear(@b);`), become
    /// one record: user space reads and deletes in one pass, so no count that lands between
    /// the two is lost.
    fn statements(&mut self, list: &[Stmt]) -> Result<()> {
        let mut fused = vec![false; list.len()];
        for (index, statement) in list.iter().enumerate() {
            if fused[index] {
                continue;
            }
            if let Some((Function::PrintMap(options), map)) = map_call(statement) {
                let clear = list[index + 1..]
                    .iter()
                    .map(map_call)
                    .take_while(|call| matches!(call, Some((_, other)) if *other != map))
                    .count()
                    + index
                    + 1;
                if matches!(list.get(clear).and_then(map_call), Some((Function::Clear, other)) if other == map)
                {
                    fused[clear] = true;
                    self.mark(statement.span);
                    self.send(statement.span, &[], |_| RecordKind::PrintAndClear {
                        map,
                        options,
                    })?;
                    continue;
                }
            }
            self.statement(statement)?;
            // The verifier refuses code no path reaches.
            if diverges(statement) {
                break;
            }
        }
        Ok(())
    }

    /// Adds 1 to the per-CPU error counter of `kind` at `span`.
    fn count_error(&mut self, span: Span, kind: ErrorKind) -> Result<()> {
        let site = self.shared.error_site(span, kind);
        let mark = self.frame.mark();
        let key = self.alloc(4, span)?;
        let skip = self.b.label();
        self.b.store_imm(Size::U32, R10, key, site as i32);
        self.map_address(R1, self.shared.error_map);
        self.stack_pointer(R2, key);
        self.b
            .call(Helper::MapLookupElem)
            .jeq_imm(R0, 0, skip)
            .load(Size::U64, R1, R0, 0)
            .add64_imm(R1, 1)
            .store(Size::U64, R0, 0, R1)
            .bind(skip);
        self.frame.release(mark);
        Ok(())
    }

    fn map_store(&mut self, map: usize, key: &[Expr], value: &Expr, span: Span) -> Result<()> {
        let value_slot = self.alloc(value.ty.size(), span)?;
        self.store_into(value, value_slot)?;
        let key = self.key(map, key, span)?;
        let done = self.b.label();
        self.map_address(R1, map);
        self.stack_pointer(R2, key);
        self.stack_pointer(R3, value_slot);
        self.b
            .mov64_imm(R4, 0)
            .call(Helper::MapUpdateElem)
            .jeq_imm(R0, 0, done);
        let refused = self.b.label();
        self.b.jne_imm(R0, -E2BIG, refused);
        self.count_error(span, ErrorKind::MapFull { map })?;
        self.b.ja(done).bind(refused);
        self.count_error(span, ErrorKind::MapRefused { map })?;
        self.b.bind(done);
        Ok(())
    }

    /// Builds the key of `map` on the stack: the anonymous key struct, or index 0 of a keyless
    /// map's one-entry array.
    fn key(&mut self, map: usize, keys: &[Expr], span: Span) -> Result<i16> {
        let Some(record) = self.program.maps[map].key.clone() else {
            let slot = self.alloc(4, span)?;
            self.b.store_imm(Size::U32, R10, slot, 0);
            return Ok(slot);
        };
        let slot = self.alloc(record.size, span)?;
        for (field, expr) in record.fields.iter().zip(keys) {
            self.store_into(expr, slot + field.offset as i16)?;
        }
        // Padding is part of the hashed key: it must be zero, not stack garbage.
        let covered = record.fields.iter();
        self.zero_gaps(
            slot,
            record.size,
            covered.map(|field| (field.offset, field.ty.size())),
        );
        Ok(slot)
    }

    /// Leaves in r0 a pointer to this CPU's value of `key` in aggregation `map`, making the key
    /// (zeroed) when it is new; jumps to `failed` when the map is full.
    fn lookup_or_create(&mut self, map: usize, key: i16, span: Span, failed: Label) -> Result<()> {
        let found = self.b.label();
        self.map_address(R1, map);
        self.stack_pointer(R2, key);
        self.b.call(Helper::MapLookupElem);
        let spec = &self.shared.maps[map];
        if spec.storage == Storage::PerCpuArray {
            // A one-entry array always has its entry; the check is for the verifier.
            self.b.jeq_imm(R0, 0, failed);
            return Ok(());
        }
        self.b.jne_imm(R0, 0, found);
        /// Where a new key's zero value is copied from.
        enum Zeros {
            Stack(i16),
            Map { map: usize, key: i16 },
        }
        let value_size = spec.value_size;
        let zeros = if value_size <= STACK_ZERO_LIMIT {
            let zeros = self.alloc(value_size as usize, span)?;
            self.zero(zeros, value_size as usize);
            Zeros::Stack(zeros)
        } else {
            let zero_key = self.alloc(4, span)?;
            self.b.store_imm(Size::U32, R10, zero_key, 0);
            Zeros::Map {
                map: self.shared.zeros_map(value_size),
                key: zero_key,
            }
        };
        // A clear() in user space may delete the key between the update and the lookup: one
        // more try, since a clear passes each key once; only then is the map full.
        let full = self.b.label();
        for _ in 0..2 {
            match zeros {
                Zeros::Stack(slot) => self.stack_pointer(R3, slot),
                Zeros::Map {
                    map: zeros_map,
                    key: zero_key,
                } => {
                    self.map_address(R1, zeros_map);
                    self.stack_pointer(R2, zero_key);
                    self.b
                        .call(Helper::MapLookupElem)
                        .jeq_imm(R0, 0, failed)
                        .mov64(R3, R0);
                }
            }
            self.map_address(R1, map);
            self.stack_pointer(R2, key);
            // Another CPU may add the key first (EEXIST): looking it up again covers both.
            self.b
                .mov64_imm(R4, BPF_NOEXIST)
                .call(Helper::MapUpdateElem)
                .jeq_imm(R0, -E2BIG, full);
            self.map_address(R1, map);
            self.stack_pointer(R2, key);
            self.b.call(Helper::MapLookupElem).jne_imm(R0, 0, found);
        }
        self.count_error(span, ErrorKind::MapRefused { map })?;
        self.b.ja(failed).bind(full);
        self.count_error(span, ErrorKind::MapFull { map })?;
        self.b.ja(failed).bind(found);
        Ok(())
    }

    fn aggregate(
        &mut self,
        map: usize,
        key: &[Expr],
        argument: Option<&Expr>,
        span: Span,
    ) -> Result<()> {
        let kind = self.program.maps[map].kind;
        let value = match argument {
            Some(argument) => {
                let register = self.temp(span)?;
                self.scalar(argument, register)?;
                Some((register, argument.ty.is_signed()))
            }
            None => None,
        };
        let key = self.key(map, key, span)?;
        let done = self.b.label();
        self.lookup_or_create(map, key, span, done)?;
        let argument =
            || value.ok_or_else(|| Diag::new(span, format!("{} needs an argument", kind.name())));
        match kind {
            MapKind::Count => self.add_to(R0, 0, None),
            MapKind::Sum => self.add_to(R0, 0, Some(argument()?.0)),
            MapKind::Avg | MapKind::Stats => {
                self.add_to(R0, 0, None);
                self.add_to(R0, 8, Some(argument()?.0));
            }
            MapKind::Min | MapKind::Max => {
                let (register, signed) = argument()?;
                let store = self.b.label();
                // `{ value, seen }`: a CPU's first value is stored whatever it is.
                self.b.load(Size::U64, R1, R0, 8).jeq_imm(R1, 0, store);
                self.b.load(Size::U64, R1, R0, 0);
                match (kind == MapKind::Min, signed) {
                    (true, true) => self.b.jsge(register, R1, done),
                    (true, false) => self.b.jge(register, R1, done),
                    (false, true) => self.b.jsle(register, R1, done),
                    (false, false) => self.b.jle(register, R1, done),
                };
                self.b
                    .bind(store)
                    .store(Size::U64, R0, 0, register)
                    .store_imm(Size::U64, R0, 8, 1);
            }
            MapKind::Quantize => {
                let (register, signed) = argument()?;
                self.log2_bucket(register, signed);
                self.bucket_add();
            }
            MapKind::Lhist { min, max, step } => {
                let (register, _) = argument()?;
                self.linear_bucket(register, min, max, step);
                self.bucket_add();
            }
            MapKind::Plain => {
                return Err(Diag::new(span, "a plain map cannot aggregate"));
            }
        }
        self.b.bind(done);
        if let Some((register, _)) = value {
            self.release(register);
        }
        Ok(())
    }

    /// `*(u64 *)(pointer + offset) += register` (or `+= 1`). This CPU's value only: no other
    /// CPU writes it, so no atomic is needed.
    fn add_to(&mut self, pointer: Reg, offset: i16, register: Option<Reg>) {
        self.b.load(Size::U64, R1, pointer, offset);
        match register {
            Some(register) => self.b.add64(R1, register),
            None => self.b.add64_imm(R1, 1),
        };
        self.b.store(Size::U64, pointer, offset, R1);
    }

    /// Adds 1 to bucket r1 of the histogram r0 points at.
    fn bucket_add(&mut self) {
        self.b.lsh64_imm(R1, 3).add64(R0, R1);
        self.add_to(R0, 0, None);
    }

    /// r1 = floor(log2(value)), with 0 and 1 in bucket 0 (ply's buckets); negative values of a
    /// signed argument go to the last bucket, 63.
    fn log2_bucket(&mut self, value: Reg, signed: bool) {
        let done = self.b.label();
        self.b.mov64_imm(R1, 0).mov64(R2, value);
        if signed {
            let positive = self.b.label();
            self.b
                .jsge_imm(R2, 0, positive)
                .mov64_imm(R1, 63)
                .ja(done)
                .bind(positive);
        }
        // The upper half first: a 64-bit constant does not fit an immediate.
        let low = self.b.label();
        self.b
            .mov64(R3, R2)
            .rsh64_imm(R3, 32)
            .jeq_imm(R3, 0, low)
            .mov64(R2, R3)
            .mov64_imm(R1, 32)
            .bind(low);
        for shift in [16, 8, 4, 2, 1] {
            let next = self.b.label();
            self.b
                .jle_imm(R2, (1 << shift) - 1, next)
                .rsh64_imm(R2, shift)
                .add64_imm(R1, shift)
                .bind(next);
        }
        self.b.bind(done);
    }

    /// r1 = the lhist bucket of `value` (see `output::write_linear_histogram`), bounded so the
    /// verifier sees the access stays inside the value.
    fn linear_bucket(&mut self, value: Reg, min: i64, max: i64, step: i64) {
        let last = (lhist_buckets(min, max, step) - 1) as i32;
        let done = self.b.label();
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
        self.b.mov64_imm(R1, 0);
        jump_if(&mut self.b, tine_asm::JmpCond::SLt, min);
        self.b.mov64_imm(R1, last);
        jump_if(&mut self.b, tine_asm::JmpCond::SGe, max);
        self.b.mov64(R1, value);
        if min != 0 {
            self.b.load_imm64(R2, min as u64).sub64(R1, R2);
        }
        match i32::try_from(step.max(1)) {
            Ok(step) => self.b.div64_imm(R1, step),
            Err(_) => self.b.load_imm64(R2, step as u64).div64(R1, R2),
        };
        let bounded = self.b.label();
        self.b
            .add64_imm(R1, 1)
            .jle_imm(R1, last, bounded)
            .mov64_imm(R1, last)
            .bind(bounded)
            .bind(done);
    }

    // ---- records to user space ----

    /// An expression evaluated for its effect: printf, print, exit, clear, or anything else
    /// (evaluated and dropped).
    fn effect(&mut self, expr: &Expr) -> Result<()> {
        let ExprKind::Call {
            function,
            arguments,
        } = &expr.kind
        else {
            let register = self.temp(expr.span)?;
            self.scalar(expr, register)?;
            self.release(register);
            return Ok(());
        };
        match function {
            Function::Printf { format } => {
                let format = Format::parse(format)
                    .map_err(|error| Diag::new(expr.span, error.to_string()))?;
                self.send(expr.span, arguments, |arguments| RecordKind::Printf {
                    format,
                    arguments,
                })
            }
            Function::Print => self.send(expr.span, arguments, |arguments| RecordKind::Print {
                arguments,
            }),
            Function::PrintMap(options) => match arguments.as_slice() {
                [Expr {
                    kind: ExprKind::MapRef(map),
                    ..
                }] => {
                    let (map, options) = (*map, *options);
                    self.send(expr.span, &[], |_| RecordKind::PrintMap { map, options })
                }
                _ => Err(Diag::new(expr.span, "print() of a map takes the map")),
            },
            Function::Clear => match arguments.as_slice() {
                [Expr {
                    kind: ExprKind::MapRef(map),
                    ..
                }] => {
                    let map = *map;
                    self.send(expr.span, &[], |_| RecordKind::Clear { map })
                }
                _ => Err(Diag::new(expr.span, "clear() takes a map")),
            },
            Function::Exit => {
                let code = arguments.first().cloned().unwrap_or(Expr {
                    kind: ExprKind::Int(0),
                    ty: crate::sema::types::I64,
                    span: expr.span,
                });
                let code = Expr {
                    ty: crate::sema::types::I64,
                    span: code.span,
                    kind: ExprKind::Cast(Box::new(code)),
                };
                // Other CPUs stop recording now; the statements after exit() do not run.
                let stopped = self.b.label();
                self.state_pointer(expr.span, stopped)?;
                self.b
                    .store_imm(Size::U64, R0, 0, super::STOPPED)
                    .bind(stopped);
                self.send(expr.span, std::slice::from_ref(&code), |_| RecordKind::Exit)?;
                self.b.ja(self.exit);
                Ok(())
            }
            _ => {
                let register = self.temp(expr.span)?;
                self.scalar(expr, register)?;
                self.release(register);
                Ok(())
            }
        }
    }

    /// Builds `{ id, values... }` on the stack and writes it to the output map.
    fn send(
        &mut self,
        span: Span,
        values: &[Expr],
        kind: impl FnOnce(Vec<(crate::output::Layout, usize)>) -> RecordKind,
    ) -> Result<()> {
        let mut layouts = Vec::with_capacity(values.len());
        let mut size = PAYLOAD;
        for value in values {
            size = size.div_ceil(8) * 8;
            layouts.push((layout_of(&value.ty), size));
            size += value.ty.size();
        }
        let size = size.div_ceil(8) * 8;
        let slot = self.alloc(size, span)?;
        for (value, (_, offset)) in values.iter().zip(&layouts) {
            self.store_into(value, slot + *offset as i16)?;
        }
        // Padding between values goes out too: it must be initialised.
        let id = self.shared.record(Record {
            kind: kind(layouts.clone()),
            size,
            span,
        });
        self.b.store_imm(Size::U64, R10, slot, id as i32);
        let covered = values.iter().zip(&layouts);
        let covered = covered.map(|(value, (_, offset))| (*offset, value.ty.size()));
        self.zero_gaps(slot, size, std::iter::once((0, PAYLOAD)).chain(covered));
        let sent = self.b.label();
        match self.shared.options.channel {
            Channel::RingBuffer => {
                self.map_address(R1, self.shared.output_map);
                self.stack_pointer(R2, slot);
                self.b
                    .mov64_imm(R3, size as i32)
                    .mov64_imm(R4, 0)
                    .call(Helper::RingbufOutput);
            }
            Channel::PerfBuffer => {
                self.b.mov64(R1, CONTEXT);
                self.map_address(R2, self.shared.output_map);
                // BPF_F_CURRENT_CPU: this CPU's ring.
                self.b.load_imm64(R3, 0xffff_ffff);
                self.stack_pointer(R4, slot);
                self.b
                    .mov64_imm(R5, size as i32)
                    .call(Helper::PerfEventOutput);
            }
        }
        self.b.jeq_imm(R0, 0, sent);
        self.count_error(span, ErrorKind::OutputFull)?;
        self.b.bind(sent);
        Ok(())
    }

    /// Zeroes the bytes of `size` at `slot` outside the `(offset, length)` ranges that values
    /// cover (alignment padding): a record or key goes out whole, and must hold no garbage.
    fn zero_gaps(&mut self, slot: i16, size: usize, values: impl Iterator<Item = (usize, usize)>) {
        let mut covered = vec![false; size];
        for (offset, length) in values {
            for byte in &mut covered[offset.min(size)..(offset + length).min(size)] {
                *byte = true;
            }
        }
        let mut at = 0;
        while at < size {
            let run = covered[at..].iter().take_while(|&&byte| !byte).count();
            if run > 0 {
                self.zero(slot + at as i16, run);
            }
            at += run.max(1);
        }
    }

    // ---- values ----

    /// Writes the value of `expr` (`expr.ty.size()` bytes) at `slot`.
    fn store_into(&mut self, expr: &Expr, slot: i16) -> Result<()> {
        let size = expr.ty.size();
        if expr.ty.is_scalar() {
            let register = self.temp(expr.span)?;
            self.scalar(expr, register)?;
            self.b.store(size_of_bytes(size), R10, slot, register);
            self.release(register);
            return Ok(());
        }
        match &expr.kind {
            ExprKind::Str(bytes) => {
                let mut padded = bytes.clone();
                padded.resize(size, 0);
                let mut at = 0;
                while at < size {
                    let to = i32::from(slot) + at as i32;
                    // An immediate is 32 bits: no wider store.
                    let width = piece(size - at, to, to).min(4);
                    let mut word = [0u8; 4];
                    word[..width].copy_from_slice(&padded[at..at + width]);
                    let value = match width {
                        4 => i32::from_ne_bytes(word),
                        2 => i32::from(u16::from_ne_bytes([word[0], word[1]])),
                        _ => i32::from(word[0]),
                    };
                    self.b
                        .store_imm(size_of_bytes(width), R10, to as i16, value);
                    at += width;
                }
            }
            ExprKind::Cast(inner) => {
                // A string into a longer one: the rest is zeros.
                let inner_size = inner.ty.size().min(size);
                self.zero(slot + inner_size as i16, size - inner_size);
                self.store_into(inner, slot)?;
            }
            ExprKind::Builtin(Builtin::Comm) => {
                // Some kernels (Debian's 6.1 seen in the guests) leave the bytes after the NUL
                // as they were: stack garbage in a map key.
                self.zero(slot, size);
                self.stack_pointer(R1, slot);
                self.b
                    .mov64_imm(R2, size as i32)
                    .call(Helper::GetCurrentComm);
            }
            ExprKind::Scratch(index) => {
                let from = self.scratch[*index];
                self.copy_stack(from, slot, size);
            }
            ExprKind::MapRead { map, key } => {
                let key = self.key(*map, key, expr.span)?;
                let missing = self.b.label();
                self.zero(slot, size);
                self.map_address(R1, *map);
                self.stack_pointer(R2, key);
                self.b.call(Helper::MapLookupElem).jeq_imm(R0, 0, missing);
                self.copy(R0, 0, slot, size);
                self.b.bind(missing);
            }
            ExprKind::Call {
                function,
                arguments,
            } => self.call_into(function, arguments, slot, size, expr.span)?,
            ExprKind::Ternary {
                condition,
                then,
                otherwise,
            } => self.choose(condition, then, otherwise, |this, value| {
                this.store_into(value, slot)
            })?,
            _ => match self.place(expr)? {
                Some((place, held)) => {
                    match (&expr.ty, place) {
                        // A `char[N]` in a record is a string: the kernel leaves whatever was
                        // there after its NUL (block_rq_issue's `rwbs`), which would split map
                        // keys and print as garbage. Read up to the NUL, zeros after it.
                        (Type::Chars(_), Place::Context(offset)) => {
                            self.zero(slot, size);
                            self.probe_read(
                                slot,
                                size,
                                Place::Context(offset),
                                Read::String,
                                expr.span,
                            )?;
                        }
                        (Type::Chars(_), memory @ Place::Memory { .. }) => {
                            self.zero(slot, size);
                            self.probe_read(slot, size, memory, Read::String, expr.span)?;
                        }
                        _ => self.read_into(place, slot, size, expr.span)?,
                    }
                    if let Some(register) = held {
                        self.release(register);
                    }
                }
                None => {
                    return Err(Diag::new(
                        expr.span,
                        format!("cannot compile a value of type {} here", expr.ty),
                    ))
                }
            },
        }
        Ok(())
    }

    fn call_into(
        &mut self,
        function: &Function,
        arguments: &[Expr],
        slot: i16,
        size: usize,
        span: Span,
    ) -> Result<()> {
        let pointer = arguments
            .first()
            .ok_or_else(|| Diag::new(span, format!("{}() needs an argument", function.name())))?;
        let register = self.temp(span)?;
        self.scalar(pointer, register)?;
        let space = space_of(&pointer.ty);
        match function {
            Function::Str { .. } => {
                // The helper stops at the NUL; the rest must be zero to print and hash alike.
                self.zero(slot, size);
                let from = Place::Memory {
                    base: register,
                    offset: 0,
                    space,
                };
                self.probe_read(slot, size, from, Read::String, span)?;
            }
            Function::Dyn => {
                // A `__data_loc` field: the data's offset in the record in the low 16 bits
                // (counted from the end of the field for a `__rel_loc` one), its length in the
                // high 16. Text is read as a string; anything else (`u64[]`) as bytes, as many
                // as there are and fit.
                let (offset, string) = match (&pointer.ty, &pointer.kind) {
                    (Type::DataLoc { relative, string }, ExprKind::Member { offset, .. }) => {
                        (if *relative { *offset as i16 + 4 } else { 0 }, *string)
                    }
                    _ => (0, true),
                };
                self.zero(slot, size);
                let length = if string { None } else { Some(self.temp(span)?) };
                let kind = match length {
                    None => Read::String,
                    Some(length) => {
                        let fits = self.b.label();
                        self.b
                            .mov64(length, register)
                            .rsh64_imm(length, 16)
                            .jle_imm(length, size as i32, fits)
                            .mov64_imm(length, size as i32)
                            .bind(fits);
                        Read::Upto(length)
                    }
                };
                self.b.and64_imm(register, 0xffff).add64(register, CONTEXT);
                let from = Place::Memory {
                    base: register,
                    offset,
                    space: AddressSpace::Kernel,
                };
                self.probe_read(slot, size, from, kind, span)?;
                if let Some(length) = length {
                    self.release(length);
                }
            }
            Function::Usym => {
                self.b.store(Size::U64, R10, slot, register);
                self.b
                    .call(Helper::GetCurrentPidTgid)
                    .rsh64_imm(R0, 32)
                    .store(Size::U32, R10, slot + 8, R0)
                    .store_imm(Size::U32, R10, slot + 12, 0);
            }
            Function::Mem { .. } => {
                let from = Place::Memory {
                    base: register,
                    offset: 0,
                    space,
                };
                self.probe_read(slot, size, from, Read::Bytes, span)?;
            }
            other => {
                return Err(Diag::new(
                    span,
                    format!("{}() has no value to store", other.name()),
                ))
            }
        }
        self.release(register);
        Ok(())
    }

    fn read_helper(&self, user: bool, string: bool) -> Helper {
        match (self.shared.options.probe_read, user, string) {
            (ProbeRead::Legacy, _, false) => Helper::ProbeRead,
            (ProbeRead::Legacy, _, true) => Helper::ProbeReadStr,
            (ProbeRead::Split, true, false) => Helper::ProbeReadUser,
            (ProbeRead::Split, true, true) => Helper::ProbeReadUserStr,
            (ProbeRead::Split, false, false) => Helper::ProbeReadKernel,
            (ProbeRead::Split, false, true) => Helper::ProbeReadKernelStr,
        }
    }

    /// Reads what `kind` says from `from` (the context or memory) into the stack at `slot`, at
    /// most `size` bytes, with the helper for its memory: kernel memory first then user memory
    /// when that is not known. A read that fails every way is counted, and reported at exit;
    /// the helpers leave zeros behind.
    fn probe_read(
        &mut self,
        slot: i16,
        size: usize,
        from: Place,
        kind: Read,
        span: Span,
    ) -> Result<()> {
        let (address, offset, space) = match from {
            Place::Context(offset) => (CONTEXT, offset, AddressSpace::Kernel),
            Place::Memory {
                base,
                offset,
                space,
            } => (base, offset, space),
            Place::Stack(_) => return Err(Diag::new(span, "the stack is not read with a helper")),
        };
        if size == 0 {
            return Ok(());
        }
        // The legacy helpers read user addresses too, wherever they are the only ones.
        let attempts: &[bool] = match (self.shared.options.probe_read, space) {
            (ProbeRead::Legacy, _) | (ProbeRead::Split, AddressSpace::Kernel) => &[false],
            (ProbeRead::Split, AddressSpace::User) => &[true],
            (ProbeRead::Split, AddressSpace::Unknown) => &[false, true],
        };
        let string = kind == Read::String;
        let done = self.b.label();
        for &user in attempts {
            self.stack_pointer(R1, slot);
            match kind {
                Read::Upto(length) => self.b.mov64(R2, length),
                Read::Bytes | Read::String => self.b.mov64_imm(R2, size as i32),
            };
            self.b.mov64(R3, address);
            if offset != 0 {
                self.b.add64_imm(R3, i32::from(offset));
            }
            let helper = self.read_helper(user, string);
            self.b.call(helper).jsge_imm(R0, 0, done);
        }
        self.count_error(span, ErrorKind::ReadFailed { string })?;
        self.b.bind(done);
        Ok(())
    }

    /// Copies `size` bytes from `pointer + offset` (directly loadable memory) to the stack,
    /// each access aligned at both ends.
    fn copy(&mut self, pointer: Reg, offset: i16, slot: i16, size: usize) {
        let mut at = 0;
        while at < size {
            let (from, to) = (offset + at as i16, slot + at as i16);
            let chunk = piece(size - at, i32::from(from), i32::from(to));
            let width = size_of_bytes(chunk);
            self.b
                .load(width, R1, pointer, from)
                .store(width, R10, to, R1);
            at += chunk;
        }
    }

    fn copy_stack(&mut self, from: i16, to: i16, size: usize) {
        self.copy(R10, from, to, size);
    }

    /// Whether the program may load the context's bytes at `offset` directly. A tracepoint's
    /// first 8 bytes (the common header) are refused (the kernel's `tp_prog_is_valid_access`).
    fn context_loadable(&self, offset: i16) -> bool {
        self.lowering.program_kind() != ProgramKind::Tracepoint || offset >= 8
    }

    /// Copies `size` bytes of a place to the stack.
    fn read_into(&mut self, place: Place, slot: i16, size: usize, span: Span) -> Result<()> {
        match place {
            Place::Stack(from) => self.copy_stack(from, slot, size),
            Place::Context(offset) if self.context_loadable(offset) => {
                self.copy(CONTEXT, offset, slot, size)
            }
            Place::Context(_) | Place::Memory { .. } => {
                self.probe_read(slot, size, place, Read::Bytes, span)?
            }
        }
        Ok(())
    }

    /// Where a struct value or a value read through a pointer lives, with the register it holds
    /// (to release once read). None for values that are not in memory.
    fn place(&mut self, expr: &Expr) -> Result<Option<(Place, Option<Reg>)>> {
        Ok(Some(match &expr.kind {
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
                        return Ok(Some((Place::Context(*offset as i16), None)));
                    }
                }
                let register = self.temp(expr.span)?;
                self.scalar(base, register)?;
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
            } => match self.place(base)? {
                Some((place, held)) => (place.offset_by(*offset), held),
                None => {
                    // A struct value that is not in memory yet: build it on the stack.
                    let slot = self.alloc(base.ty.size(), expr.span)?;
                    self.store_into(base, slot)?;
                    (Place::Stack(slot + *offset as i16), None)
                }
            },
            ExprKind::Unary {
                operator: UnaryOp::Deref,
                operand,
            } => {
                let register = self.temp(expr.span)?;
                self.scalar(operand, register)?;
                (
                    Place::Memory {
                        base: register,
                        offset: 0,
                        space: space_of(&operand.ty),
                    },
                    Some(register),
                )
            }
            _ => return Ok(None),
        }))
    }

    /// Sign- or zero-extends the low bytes of `register` to 64 bits as `ty` says.
    fn normalize(&mut self, register: Reg, ty: &Type) {
        let (bytes, signed) = match ty {
            Type::Int { bytes, signed } => (*bytes, *signed),
            _ => return,
        };
        if bytes >= 8 {
            return;
        }
        let shift = 64 - 8 * i32::from(bytes);
        if signed {
            self.b
                .lsh64_imm(register, shift)
                .arsh64_imm(register, shift);
        } else if bytes == 4 {
            self.b.mov32(register, register);
        } else {
            self.b.and64_imm(register, (1 << (8 * bytes)) - 1);
        }
    }

    /// Loads a scalar of `ty` from `place` into `register`.
    fn load_scalar(&mut self, place: Place, register: Reg, ty: &Type, span: Span) -> Result<()> {
        let size = size_of_bytes(ty.size());
        match place {
            Place::Context(offset)
                if self.context_loadable(offset)
                    && i32::from(offset) % ty.size().max(1) as i32 == 0 =>
            {
                self.b.load(size, register, CONTEXT, offset);
            }
            Place::Stack(offset) => {
                self.b.load(size, register, R10, offset);
            }
            Place::Context(_) | Place::Memory { .. } => {
                let mark = self.frame.mark();
                let slot = self.alloc(8, span)?;
                self.read_into(place, slot, ty.size(), span)?;
                self.b.load(size, register, R10, slot);
                self.frame.release(mark);
            }
        }
        self.normalize(register, ty);
        Ok(())
    }

    /// Evaluates a scalar expression into `register`.
    fn scalar(&mut self, expr: &Expr, register: Reg) -> Result<()> {
        match &expr.kind {
            ExprKind::Int(value) => {
                let value = *value;
                if let Ok(small) = i32::try_from(value as i64) {
                    self.b.mov64_imm(register, small);
                } else if value <= u64::from(u32::MAX) {
                    // mov32 zero-extends: a u32 constant without the 16-byte load.
                    self.b.mov32_imm(register, value as u32 as i32);
                } else {
                    self.b.load_imm64(register, value);
                }
            }
            ExprKind::TargetPid => match self.shared.options.target_pid {
                Some(pid) => {
                    self.b.mov64_imm(register, pid as i32);
                }
                None => {
                    return Err(Diag::new(
                        expr.span,
                        "$target needs a command given with -c",
                    ))
                }
            },
            ExprKind::Builtin(builtin) => self.builtin(*builtin, register, expr.span)?,
            ExprKind::Provider(name) => match self.lowering.access(name) {
                Some(Access::ContextLoad { offset, size }) => {
                    self.b.load(size, register, CONTEXT, offset);
                    self.normalize(register, &expr.ty);
                }
                Some(Access::Context) => {
                    self.b.mov64(register, CONTEXT);
                }
                Some(Access::Helper(helper)) => {
                    self.b.mov64(R1, CONTEXT).call(helper).mov64(register, R0);
                }
                None => {
                    return Err(Diag::new(
                        expr.span,
                        format!("`{name}` is not available in this probe"),
                    ))
                }
            },
            ExprKind::Scratch(index) => {
                let slot = self.scratch[*index];
                self.b
                    .load(size_of_bytes(expr.ty.size()), register, R10, slot);
            }
            ExprKind::MapRead { map, key } => {
                let mark = self.frame.mark();
                let key = self.key(*map, key, expr.span)?;
                let missing = self.b.label();
                self.map_address(R1, *map);
                self.stack_pointer(R2, key);
                // A missing key reads as zero, as in ply.
                self.b
                    .call(Helper::MapLookupElem)
                    .mov64_imm(register, 0)
                    .jeq_imm(R0, 0, missing)
                    .load(size_of_bytes(expr.ty.size()), register, R0, 0);
                self.normalize(register, &expr.ty);
                self.b.bind(missing);
                self.frame.release(mark);
            }
            ExprKind::Call {
                function,
                arguments,
            } => match function {
                Function::Uptr | Function::Kptr | Function::Ksym => {
                    let pointer = arguments.first().ok_or_else(|| {
                        Diag::new(expr.span, format!("{}() needs an address", function.name()))
                    })?;
                    self.scalar(pointer, register)?;
                }
                Function::StrCmp => match arguments.as_slice() {
                    [left, right] => self.string_compare(left, right, register, expr.span)?,
                    _ => return Err(Diag::new(expr.span, "strcmp() takes two strings")),
                },
                other => {
                    return Err(Diag::new(
                        expr.span,
                        format!("{}() has no value here", other.name()),
                    ))
                }
            },
            ExprKind::Unary { operator, operand } => match operator {
                UnaryOp::Negate => {
                    self.scalar(operand, register)?;
                    self.b.neg64(register);
                    self.normalize(register, &expr.ty);
                }
                UnaryOp::BitNot => {
                    self.scalar(operand, register)?;
                    self.b.xor64_imm(register, -1);
                    self.normalize(register, &expr.ty);
                }
                UnaryOp::Not => self.truth(expr, register)?,
                UnaryOp::Deref => self.scalar_from_place(expr, register)?,
            },
            ExprKind::Binary {
                operator,
                left,
                right,
            } => self.binary(expr, *operator, left, right, register)?,
            ExprKind::Ternary {
                condition,
                then,
                otherwise,
            } => self.choose(condition, then, otherwise, |this, value| {
                this.scalar(value, register)
            })?,
            ExprKind::Cast(operand) => {
                self.scalar(operand, register)?;
                self.normalize(register, &expr.ty);
            }
            ExprKind::Member { .. } => self.scalar_from_place(expr, register)?,
            ExprKind::Str(_) | ExprKind::MapRef(_) => {
                return Err(Diag::new(
                    expr.span,
                    format!("a value of type {} is not a number", expr.ty),
                ))
            }
        }
        Ok(())
    }

    /// `condition ? then : otherwise`, each side emitted by `emit`.
    fn choose(
        &mut self,
        condition: &Expr,
        then: &Expr,
        otherwise: &Expr,
        mut emit: impl FnMut(&mut Self, &Expr) -> Result<()>,
    ) -> Result<()> {
        let second = self.b.label();
        let end = self.b.label();
        self.branch(condition, false, second)?;
        emit(self, then)?;
        self.b.ja(end).bind(second);
        emit(self, otherwise)?;
        self.b.bind(end);
        Ok(())
    }

    fn scalar_from_place(&mut self, expr: &Expr, register: Reg) -> Result<()> {
        let (place, held) = self
            .place(expr)?
            .ok_or_else(|| Diag::new(expr.span, "cannot read this value"))?;
        self.load_scalar(place, register, &expr.ty, expr.span)?;
        if let Some(held) = held {
            self.release(held);
        }
        Ok(())
    }

    fn builtin(&mut self, builtin: Builtin, register: Reg, span: Span) -> Result<()> {
        match builtin {
            Builtin::Pid => {
                self.b
                    .call(Helper::GetCurrentPidTgid)
                    .mov64(register, R0)
                    .rsh64_imm(register, 32);
            }
            Builtin::Tid => {
                self.b.call(Helper::GetCurrentPidTgid).mov32(register, R0);
            }
            Builtin::Uid => {
                self.b.call(Helper::GetCurrentUidGid).mov32(register, R0);
            }
            Builtin::Gid => {
                self.b
                    .call(Helper::GetCurrentUidGid)
                    .mov64(register, R0)
                    .rsh64_imm(register, 32);
            }
            Builtin::Cpu => {
                self.b.call(Helper::GetSmpProcessorId).mov64(register, R0);
            }
            Builtin::Nsecs | Builtin::WallTime => {
                self.b.call(Helper::KtimeGetNs).mov64(register, R0);
            }
            Builtin::KernelStack | Builtin::UserStack => {
                let stacks = self.shared.stack_map();
                let flags = if builtin == Builtin::UserStack {
                    BPF_F_USER_STACK
                } else {
                    0
                };
                self.b.mov64(R1, CONTEXT);
                self.map_address(R2, stacks);
                self.b
                    .mov64_imm(R3, flags)
                    .call(Helper::GetStackid)
                    .mov64(register, R0);
                if builtin == Builtin::UserStack {
                    // User addresses mean something only in their process: the pid goes in the
                    // upper half, beside the stack id (a u32, or a negative errno).
                    self.b
                        .mov32(register, register)
                        .call(Helper::GetCurrentPidTgid)
                        .rsh64_imm(R0, 32)
                        .lsh64_imm(R0, 32)
                        .or64(register, R0);
                }
            }
            Builtin::Comm => {
                return Err(Diag::new(span, "comm is a string, not a number"));
            }
        }
        Ok(())
    }

    /// `register` = 1 if `expr` is true, else 0.
    fn truth(&mut self, expr: &Expr, register: Reg) -> Result<()> {
        let no = self.b.label();
        let end = self.b.label();
        // Keep `register` out of the evaluation: it is set only at the end.
        self.branch(expr, false, no)?;
        self.b.mov64_imm(register, 1).ja(end).bind(no);
        self.b.mov64_imm(register, 0).bind(end);
        Ok(())
    }

    fn binary(
        &mut self,
        expr: &Expr,
        operator: BinaryOp,
        left: &Expr,
        right: &Expr,
        register: Reg,
    ) -> Result<()> {
        use BinaryOp::*;
        match operator {
            LogicalOr | LogicalAnd | Equal | NotEqual | Less | Greater | LessEqual
            | GreaterEqual => return self.truth(expr, register),
            LogicalXor => {
                let other = self.temp(expr.span)?;
                self.truth(left, register)?;
                self.truth(right, other)?;
                self.b.xor64(register, other);
                self.release(other);
                return Ok(());
            }
            _ => {}
        }
        let signed = expr.ty.is_signed();
        self.scalar(left, register)?;
        if let (Some(value), false) = (
            immediate(right),
            matches!(operator, Divide | Modulo) && signed,
        ) {
            self.arithmetic_immediate(operator, register, value, signed);
        } else if let Some(other) = self.free.pop() {
            self.scalar(right, other)?;
            self.arithmetic(operator, register, other, signed);
            self.release(other);
        } else {
            // No register left: park the left value on the stack while the right is computed.
            let mark = self.frame.mark();
            let parked = self.alloc(8, expr.span)?;
            self.b.store(Size::U64, R10, parked, register);
            self.scalar(right, register)?;
            self.b
                .mov64(R5, register)
                .load(Size::U64, register, R10, parked);
            self.arithmetic(operator, register, R5, signed);
            self.frame.release(mark);
        }
        self.normalize(register, &expr.ty);
        Ok(())
    }

    fn arithmetic_immediate(
        &mut self,
        operator: BinaryOp,
        register: Reg,
        value: i32,
        signed: bool,
    ) {
        use BinaryOp::*;
        match operator {
            Add => self.b.add64_imm(register, value),
            Subtract => self.b.sub64_imm(register, value),
            Multiply => self.b.mul64_imm(register, value),
            Divide => self.b.div64_imm(register, value),
            Modulo => self.b.mod64_imm(register, value),
            BitAnd => self.b.and64_imm(register, value),
            BitOr => self.b.or64_imm(register, value),
            BitXor => self.b.xor64_imm(register, value),
            ShiftLeft => self.b.lsh64_imm(register, value & 63),
            ShiftRight if signed => self.b.arsh64_imm(register, value & 63),
            ShiftRight => self.b.rsh64_imm(register, value & 63),
            _ => &mut self.b,
        };
    }

    /// `register op= other`. Signed division is built from unsigned division: `sdiv` and
    /// `smod` exist only since 6.6 (ISA v4).
    fn arithmetic(&mut self, operator: BinaryOp, register: Reg, other: Reg, signed: bool) {
        use BinaryOp::*;
        match operator {
            Add => self.b.add64(register, other),
            Subtract => self.b.sub64(register, other),
            Multiply => self.b.mul64(register, other),
            Divide | Modulo if signed => {
                let modulo = operator == Modulo;
                let left_positive = self.b.label();
                let right_positive = self.b.label();
                let positive = self.b.label();
                self.b
                    .mov64(R1, register)
                    .mov64(R2, other)
                    .mov64_imm(R3, 0)
                    .jsge_imm(R1, 0, left_positive)
                    .neg64(R1)
                    .mov64_imm(R3, 1)
                    .bind(left_positive)
                    .jsge_imm(R2, 0, right_positive)
                    .neg64(R2);
                // The quotient's sign is the product of both signs; the remainder's is the
                // dividend's, as in C.
                if !modulo {
                    self.b.xor64_imm(R3, 1);
                }
                self.b.bind(right_positive);
                if modulo {
                    self.b.mod64(R1, R2);
                } else {
                    self.b.div64(R1, R2);
                }
                self.b
                    .jeq_imm(R3, 0, positive)
                    .neg64(R1)
                    .bind(positive)
                    .mov64(register, R1)
            }
            Divide => self.b.div64(register, other),
            Modulo => self.b.mod64(register, other),
            BitAnd => self.b.and64(register, other),
            BitOr => self.b.or64(register, other),
            BitXor => self.b.xor64(register, other),
            ShiftLeft => self.b.lsh64(register, other),
            ShiftRight if signed => self.b.arsh64(register, other),
            ShiftRight => self.b.rsh64(register, other),
            _ => &mut self.b,
        };
    }

    /// Jumps to `target` when `condition`'s truth is `when`; falls through otherwise.
    fn branch(&mut self, condition: &Expr, when: bool, target: Label) -> Result<()> {
        use BinaryOp::*;
        match &condition.kind {
            ExprKind::Unary {
                operator: UnaryOp::Not,
                operand,
            } => return self.branch(operand, !when, target),
            ExprKind::Binary {
                operator: operator @ (LogicalAnd | LogicalOr),
                left,
                right,
            } => {
                // `a && b` is false when either is; `a || b` true when either is.
                let short = (*operator == LogicalOr) == when;
                if short {
                    self.branch(left, when, target)?;
                    self.branch(right, when, target)?;
                } else {
                    let skip = self.b.label();
                    self.branch(left, !when, skip)?;
                    self.branch(right, when, target)?;
                    self.b.bind(skip);
                }
                return Ok(());
            }
            ExprKind::Binary {
                operator: operator @ (Equal | NotEqual | Less | Greater | LessEqual | GreaterEqual),
                left,
                right,
            } => return self.compare_branch(*operator, left, right, when, target, condition.span),
            _ => {}
        }
        let register = self.temp(condition.span)?;
        self.scalar(condition, register)?;
        if when {
            self.b.jne_imm(register, 0, target);
        } else {
            self.b.jeq_imm(register, 0, target);
        }
        self.release(register);
        Ok(())
    }

    fn compare_branch(
        &mut self,
        operator: BinaryOp,
        left: &Expr,
        right: &Expr,
        when: bool,
        target: Label,
        span: Span,
    ) -> Result<()> {
        use tine_asm::{JmpCond, Source, Width};
        use BinaryOp::*;
        let strings = matches!(left.ty, Type::Chars(_)) && matches!(right.ty, Type::Chars(_));
        let register = self.temp(span)?;
        let (source, held) = if strings {
            // Strings compare as strcmp(left, right) against 0.
            self.string_compare(left, right, register, span)?;
            (Source::Imm(0), None)
        } else {
            self.scalar(left, register)?;
            match immediate(right) {
                Some(value) => (Source::Imm(value), None),
                None => {
                    let other = self.temp(span)?;
                    self.scalar(right, other)?;
                    (Source::Reg(other), Some(other))
                }
            }
        };
        let signed = strings || left.ty.is_signed();
        // The condition under which to jump: the comparison itself, or its negation.
        let operator = if when { operator } else { negate(operator) };
        let cond = match (operator, signed) {
            (Equal, _) => JmpCond::Eq,
            (NotEqual, _) => JmpCond::Ne,
            (Less, true) => JmpCond::SLt,
            (Less, false) => JmpCond::Lt,
            (Greater, true) => JmpCond::SGt,
            (Greater, false) => JmpCond::Gt,
            (LessEqual, true) => JmpCond::SLe,
            (LessEqual, false) => JmpCond::Le,
            (GreaterEqual, true) => JmpCond::SGe,
            _ => JmpCond::Ge,
        };
        self.b.jump(Width::W64, cond, register, source, target);
        if let Some(other) = held {
            self.release(other);
        }
        self.release(register);
        Ok(())
    }

    /// `register` = strcmp(left, right) as -1, 0 or 1, comparing up to the shorter array (a
    /// string literal's NUL included).
    fn string_compare(
        &mut self,
        left: &Expr,
        right: &Expr,
        register: Reg,
        span: Span,
    ) -> Result<()> {
        let mark = self.frame.mark();
        let a = self.alloc(left.ty.size(), span)?;
        self.store_into(left, a)?;
        let b = self.alloc(right.ty.size(), span)?;
        self.store_into(right, b)?;
        let length = |expr: &Expr| match &expr.kind {
            ExprKind::Str(bytes) => bytes.len() + 1,
            _ => expr.ty.size(),
        };
        let length = length(left).min(length(right));
        let differ = self.b.label();
        let equal = self.b.label();
        let end = self.b.label();
        for index in 0..length as i16 {
            self.b
                .load(Size::U8, R1, R10, a + index)
                .load(Size::U8, R2, R10, b + index)
                .jne(R1, R2, differ)
                .jeq_imm(R1, 0, equal);
        }
        self.b
            .bind(equal)
            .mov64_imm(register, 0)
            .ja(end)
            .bind(differ);
        let less = self.b.label();
        self.b
            .jlt(R1, R2, less)
            .mov64_imm(register, 1)
            .ja(end)
            .bind(less)
            .mov64_imm(register, -1)
            .bind(end);
        self.frame.release(mark);
        Ok(())
    }
}

fn negate(operator: BinaryOp) -> BinaryOp {
    use BinaryOp::*;
    match operator {
        Equal => NotEqual,
        NotEqual => Equal,
        Less => GreaterEqual,
        GreaterEqual => Less,
        Greater => LessEqual,
        LessEqual => Greater,
        other => other,
    }
}
