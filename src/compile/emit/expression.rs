//! compile::emit::expression: scalars in registers: built-ins, arithmetic, comparisons and
//! branches.

use tine_asm::{AluOp, ByteOrder, Helper, JmpCond, Label, Reg, Reg::*, Size, Source, Swap, Width};

use crate::compile::Access;
use crate::lang::ast::{BinaryOp, UnaryOp};
use crate::lang::diag::Span;
use crate::sema::program::{Builtin, Expr, ExprKind, Function};
use crate::sema::types::{AddressSpace, Type};
use crate::wire;

use super::{size_of_bytes, Emitter, Place, BPF_F_USER_STACK, CONTEXT};

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
    /// Evaluates a scalar expression into `register`.
    pub(super) fn scalar(&mut self, expr: &Expr, register: Reg) {
        match &expr.kind {
            ExprKind::Int(value) => {
                let value = *value;
                if let Ok(small) = i32::try_from(value as i64) {
                    self.asm.mov64_imm(register, small);
                } else if value <= u64::from(u32::MAX) {
                    // mov32 zero-extends: a u32 constant without the 16-byte load.
                    self.asm.mov32_imm(register, value as u32 as i32);
                } else {
                    self.asm.load_imm64(register, value);
                }
            }
            ExprKind::TargetPid => match self.shared.options.target_pid {
                Some(pid) => {
                    self.asm.mov64_imm(register, pid as i32);
                }
                None => self.fail(
                    expr.span,
                    format_args!("$target needs a command given with -c"),
                ),
            },
            ExprKind::Builtin(_) if let Type::Stack(stack) = expr.ty => self.stack(stack, register),
            ExprKind::Builtin(builtin) => self.builtin(*builtin, register, expr.span),
            ExprKind::Provider(name) => self.provider_value(name, expr, register),
            ExprKind::Scratch(index) => {
                let slot = self.scratch[*index];
                self.asm
                    .load(size_of_bytes(expr.ty.size()), register, R10, slot);
                // The load zero-extends: a signed variable narrower than 8 bytes gets its sign
                // back, or `(int8)-1` would compare and compute as 255.
                if expr.ty.is_signed() {
                    self.normalize(register, &expr.ty);
                }
            }
            ExprKind::MapRead { map, key } => self.map_read(*map, key, expr, register),
            ExprKind::Increment {
                target,
                operator,
                post,
            } => {
                let step = if *operator == BinaryOp::Subtract {
                    -1
                } else {
                    1
                };
                self.increment(target, step, register);
                if *post {
                    self.asm.add64_imm(register, -step);
                }
                self.normalize(register, &expr.ty);
            }
            ExprKind::Call {
                function,
                arguments,
            } => self.call_value(function, arguments, expr, register),
            ExprKind::Unary { operator, operand } => match operator {
                UnaryOp::Negate | UnaryOp::BitNot => {
                    self.scalar(operand, register);
                    if *operator == UnaryOp::Negate {
                        self.asm.neg64(register);
                    } else {
                        self.asm.xor64_imm(register, -1);
                    }
                    self.normalize(register, &expr.ty);
                }
                UnaryOp::Not => self.truth(expr, register),
                UnaryOp::Deref => self.scalar_from_place(expr, register),
            },
            ExprKind::Binary {
                operator,
                left,
                right,
            } => self.binary(expr, *operator, left, right, register),
            ExprKind::Ternary {
                condition,
                then,
                otherwise,
            } => self.choose(condition, then, otherwise, &mut |this, value| {
                this.scalar(value, register)
            }),
            ExprKind::Cast(operand) => {
                self.scalar(operand, register);
                self.normalize(register, &expr.ty);
            }
            ExprKind::Member { .. } => self.scalar_from_place(expr, register),
            ExprKind::Str(_) | ExprKind::MapRef(_) | ExprKind::Tuple(_) => self.fail(
                expr.span,
                format_args!("a value of type {} is not a number", expr.ty),
            ),
        }
    }

    /// A provider's variable (`pid`, `arg0`, a tracepoint field) into `register`.
    fn provider_value(&mut self, name: &str, expr: &Expr, register: Reg) {
        match self.lowering.access(name) {
            Some(Access::ContextLoad { offset, size }) => {
                self.asm.load(size, register, CONTEXT, offset);
                self.normalize(register, &expr.ty);
            }
            Some(Access::Context) => {
                self.asm.mov64(register, CONTEXT);
            }
            Some(Access::Helper(helper)) => {
                self.asm.mov64(R1, CONTEXT).call(helper).mov64(register, R0);
            }
            Some(Access::Constant(value)) => {
                self.asm.load_imm64(register, value as u64);
                self.normalize(register, &expr.ty);
            }
            Some(Access::UserLoad {
                offset,
                displacement,
            }) => {
                self.asm
                    .load(Size::U64, register, CONTEXT, offset)
                    .add64_imm(register, displacement);
                let place = Place::Memory {
                    base: register,
                    offset: 0,
                    space: AddressSpace::User,
                };
                self.load_scalar(place, register, &expr.ty, expr.span);
            }
            None => self.fail(
                expr.span,
                format_args!("`{name}` is not available in this probe"),
            ),
        }
    }

    /// `@m[key]` into `register`: zero when the key is missing, as in ply.
    fn map_read(&mut self, map: usize, key: &[Expr], expr: &Expr, register: Reg) {
        let mark = self.frame.mark();
        let key = match self.built_key.take() {
            Some((built, slot)) if built == map => slot,
            _ => self.key(map, key, expr.span),
        };
        self.lookup_into(map, key, expr, register);
        self.frame.release(mark);
    }

    /// The value of the key at `key` (on the stack) of `map` into `register`, zero when missing.
    fn lookup_into(&mut self, map: usize, key: i16, expr: &Expr, register: Reg) {
        let missing = self.asm.label();
        self.map_call(Helper::MapLookupElem, map, key)
            .mov64_imm(register, 0)
            .jeq_imm(R0, 0, missing)
            .load(size_of_bytes(expr.ty.size()), register, R0, 0);
        self.normalize(register, &expr.ty);
        self.asm.bind(missing);
    }

    /// `target` (a scratch variable or a map's value) plus `step`, stored back and left in
    /// `register`; the map's key is built once.
    fn increment(&mut self, target: &Expr, step: i32, register: Reg) {
        let size = size_of_bytes(target.ty.size());
        let mark = self.frame.mark();
        match &target.kind {
            ExprKind::MapRead { map, key } => {
                let key = self.key(*map, key, target.span);
                self.lookup_into(*map, key, target, register);
                self.asm.add64_imm(register, step);
                let value = self.alloc(target.ty.size(), target.span);
                self.asm.store(size, R10, value, register);
                self.map_update(*map, key, value, target.span);
            }
            _ => {
                // A scratch variable, as sema lets no other target through.
                self.scalar(target, register);
                self.asm.add64_imm(register, step);
                if let ExprKind::Scratch(index) = target.kind {
                    self.asm.store(size, R10, self.scratch[index], register);
                }
            }
        }
        self.frame.release(mark);
    }

    /// A call that has a number as its value into `register`.
    fn call_value(&mut self, function: &Function, arguments: &[Expr], expr: &Expr, register: Reg) {
        match function {
            Function::Uptr | Function::Kptr | Function::Ksym | Function::Strftime => {
                let Some(pointer) = arguments.first() else {
                    return self.call_failed(expr.span, function, "needs an address");
                };
                self.scalar(pointer, register);
            }
            Function::StrCmp | Function::StrNCmp { .. } => {
                let [left, right] = arguments else {
                    return self.call_failed(expr.span, function, "takes two strings");
                };
                let limit = match function {
                    Function::StrNCmp { length } => Some(*length),
                    _ => None,
                };
                self.string_compare(left, right, limit, register, expr.span);
            }
            Function::StrContains => {
                let [haystack, needle] = arguments else {
                    return self.call_failed(expr.span, function, "takes two strings");
                };
                self.string_contains(haystack, needle, register, expr.span);
            }
            Function::Bswap => {
                let Some(value) = arguments.first() else {
                    return self.fail(expr.span, format_args!("bswap() takes an integer"));
                };
                self.scalar(value, register);
                // `be` swaps on a little-endian kernel, `le` on a big-endian one; both clear
                // the bits above the width. ISA v4's `bswap` would need 6.6.
                let little = wire::HOST == ByteOrder::Little;
                let swap = match expr.ty.size() {
                    2 if little => Swap::Be16,
                    2 => Swap::Le16,
                    4 if little => Swap::Be32,
                    4 => Swap::Le32,
                    8 if little => Swap::Be64,
                    8 => Swap::Le64,
                    _ => {
                        self.normalize(register, &expr.ty);
                        return;
                    }
                };
                self.asm.endian(register, swap);
            }
            Function::Signal => {
                // In BEGIN, END and interval probes the current task is tine itself, or any.
                if !self.lowering.in_process_context() {
                    let problem = "needs a probe in a task, not BEGIN, END or interval";
                    return self.call_failed(expr.span, function, problem);
                }
                self.scalar(&arguments[0], register);
                self.asm.mov64(R1, register).call(Helper::SendSignal);
            }
            other => self.call_failed(expr.span, other, "has no value here"),
        }
    }

    /// `condition ? then : otherwise`, each side emitted by `emit`.
    pub(super) fn choose(
        &mut self,
        condition: &Expr,
        then: &Expr,
        otherwise: &Expr,
        emit: &mut dyn FnMut(&mut Self, &Expr),
    ) {
        let second = self.asm.label();
        let end = self.asm.label();
        self.branch(condition, false, second);
        emit(self, then);
        self.asm.ja(end).bind(second);
        emit(self, otherwise);
        self.asm.bind(end);
    }

    pub(super) fn scalar_from_place(&mut self, expr: &Expr, register: Reg) {
        // `register` is written only once the place is found: its base (a `->` chain's
        // pointer) may be computed in it, so a chain takes one register however long.
        let lent = self.lend(register);
        let found = self.place(expr);
        self.take_back(register, lent);
        let Some((place, held)) = found else {
            return self.fail(expr.span, format_args!("cannot read this value"));
        };
        self.load_scalar(place, register, &expr.ty, expr.span);
        if let Some(held) = held.filter(|&held| held != register) {
            self.release(held);
        }
    }

    /// Frees temporary `register` (one of `TEMPS`, taken: never r0-r5, which calls clobber),
    /// not yet written, for the evaluation about to run; whether it was lent, for `take_back`.
    fn lend(&mut self, register: Reg) -> bool {
        let lent = matches!(register, R7 | R8 | R9) && !self.free.contains(&register);
        if lent {
            self.release(register);
        }
        lent
    }

    /// Takes a lent `register` back (where the evaluation kept it, it is held still).
    fn take_back(&mut self, register: Reg, lent: bool) {
        if lent {
            self.free.retain(|&free| free != register);
        }
    }

    pub(super) fn builtin(&mut self, builtin: Builtin, register: Reg, span: Span) {
        if let Some(&(_, helper, half)) = HELPER_READS.iter().find(|read| read.0 == builtin) {
            self.asm.call(helper);
            match half {
                Half::Lower => self.asm.mov32(register, R0),
                _ => self.asm.mov64(register, R0),
            };
            if half == Half::Upper {
                self.asm.rsh64_imm(register, 32);
            }
            return;
        }
        match builtin {
            Builtin::Elapsed => {
                // Now less the start user space stored before BEGIN ran (wire's state map).
                let missing = self.asm.label();
                self.asm.call(Helper::KtimeGetNs).mov64(register, R0);
                self.state_pointer(span, wire::STATE_START_KEY, missing);
                self.asm
                    .load(size_of_bytes(8), R0, R0, 0)
                    .sub64(register, R0)
                    .bind(missing);
            }
            // comm; the others are in `HELPER_READS`.
            _ => self.fail(span, format_args!("comm is a string, not a number")),
        }
    }

    /// `kstack`, `ustack`: the id `bpf_get_stackid` gives the stack in the map of its depth.
    fn stack(&mut self, stack: wire::Stack, register: Reg) {
        let stacks = self.shared.stack_map(stack.depth);
        self.asm.mov64(R1, CONTEXT);
        self.map_address(R2, stacks);
        let flags = if stack.user { BPF_F_USER_STACK } else { 0 };
        self.asm
            .mov64_imm(R3, flags)
            .call(Helper::GetStackid)
            .mov64(register, R0);
        if stack.user {
            // wire::encode_user_stack: the id's lower half, then the pid (the upper half of
            // pid_tgid) above it.
            self.asm
                .mov32(register, register)
                .call(Helper::GetCurrentPidTgid)
                .rsh64_imm(R0, 32)
                .lsh64_imm(R0, wire::USER_STACK_PID_SHIFT)
                .or64(register, R0);
        }
    }

    /// `register` = 1 if `expr` is true, else 0.
    pub(super) fn truth(&mut self, expr: &Expr, register: Reg) {
        let no = self.asm.label();
        let end = self.asm.label();
        // `register` is set only at the end: the evaluation may use it meanwhile.
        let lent = self.lend(register);
        self.branch(expr, false, no);
        self.take_back(register, lent);
        self.asm.mov64_imm(register, 1).ja(end).bind(no);
        self.asm.mov64_imm(register, 0).bind(end);
    }

    pub(super) fn binary(
        &mut self,
        expr: &Expr,
        operator: BinaryOp,
        left: &Expr,
        right: &Expr,
        register: Reg,
    ) {
        use BinaryOp::*;
        match operator {
            LogicalOr | LogicalAnd | Equal | NotEqual | Less | Greater | LessEqual
            | GreaterEqual => return self.truth(expr, register),
            LogicalXor => {
                let other = self.temp(expr.span);
                self.truth(left, register);
                self.truth(right, other);
                self.asm.xor64(register, other);
                self.release(other);
                return;
            }
            _ => {}
        }
        let signed = expr.ty.is_signed();
        self.scalar(left, register);
        if let (Some(value), false) = (
            immediate(right),
            matches!(operator, Divide | Modulo) && signed,
        ) {
            self.arithmetic_immediate(operator, register, value, signed);
        } else if let Some(other) = self.free.pop() {
            self.scalar(right, other);
            self.arithmetic(operator, register, other, signed);
            self.release(other);
        } else {
            // No register left: park the left value on the stack while the right is computed.
            let mark = self.frame.mark();
            let parked = self.alloc(8, expr.span);
            self.asm.store(Size::U64, R10, parked, register);
            self.scalar(right, register);
            self.asm
                .mov64(R5, register)
                .load(Size::U64, register, R10, parked);
            self.arithmetic(operator, register, R5, signed);
            self.frame.release(mark);
        }
        self.normalize(register, &expr.ty);
    }

    pub(super) fn arithmetic_immediate(
        &mut self,
        operator: BinaryOp,
        register: Reg,
        value: i32,
        signed: bool,
    ) {
        if let Some(op) = alu_op(operator, signed) {
            let value = match op {
                AluOp::Lsh | AluOp::Rsh | AluOp::Arsh => value & 63,
                _ => value,
            };
            self.asm.alu(Width::W64, op, register, Source::Imm(value));
        }
    }

    /// `register op= other`. Signed division is built from unsigned division: `sdiv` and
    /// `smod` exist only since 6.6 (ISA v4).
    pub(super) fn arithmetic(
        &mut self,
        operator: BinaryOp,
        register: Reg,
        other: Reg,
        signed: bool,
    ) {
        use BinaryOp::*;
        match operator {
            Divide | Modulo if signed => {
                let modulo = operator == Modulo;
                let left_positive = self.asm.label();
                let right_positive = self.asm.label();
                let positive = self.asm.label();
                self.asm
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
                    self.asm.xor64_imm(R3, 1);
                }
                self.asm.bind(right_positive);
                if modulo {
                    self.asm.mod64(R1, R2);
                } else {
                    self.asm.div64(R1, R2);
                }
                self.asm
                    .jeq_imm(R3, 0, positive)
                    .neg64(R1)
                    .bind(positive)
                    .mov64(register, R1)
            }
            _ => match alu_op(operator, signed) {
                Some(op) => self.asm.alu(Width::W64, op, register, Source::Reg(other)),
                None => &mut self.asm,
            },
        };
    }

    /// Jumps to `target` when `condition`'s truth is `when`; falls through otherwise.
    pub(super) fn branch(&mut self, condition: &Expr, when: bool, target: Label) {
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
                    self.branch(left, when, target);
                    self.branch(right, when, target);
                } else {
                    let skip = self.asm.label();
                    self.branch(left, !when, skip);
                    self.branch(right, when, target);
                    self.asm.bind(skip);
                }
                return;
            }
            ExprKind::Binary {
                operator: operator @ (Equal | NotEqual | Less | Greater | LessEqual | GreaterEqual),
                left,
                right,
            } => return self.compare_branch(*operator, left, right, when, target, condition.span),
            _ => {}
        }
        let register = self.evaluated(condition, condition.span);
        let cond = if when { JmpCond::Ne } else { JmpCond::Eq };
        self.asm
            .jump(Width::W64, cond, register, Source::Imm(0), target);
        self.release(register);
    }

    pub(super) fn compare_branch(
        &mut self,
        operator: BinaryOp,
        left: &Expr,
        right: &Expr,
        when: bool,
        target: Label,
        span: Span,
    ) {
        use BinaryOp::*;
        let strings = matches!(left.ty, Type::Chars(_) | Type::Array(..));
        let register = self.temp(span);
        let (source, held) = if strings {
            // Strings compare as strcmp(left, right) against 0.
            self.string_compare(left, right, None, register, span);
            (Source::Imm(0), None)
        } else {
            self.scalar(left, register);
            match immediate(right) {
                Some(value) => (Source::Imm(value), None),
                None => {
                    let other = self.evaluated(right, span);
                    (Source::Reg(other), Some(other))
                }
            }
        };
        let signed = strings || left.ty.is_signed();
        // The condition under which to jump: the comparison itself, or its negation.
        let operator = if when { operator } else { negate(operator) };
        let (when_signed, when_unsigned) = match operator {
            Equal => (JmpCond::Eq, JmpCond::Eq),
            NotEqual => (JmpCond::Ne, JmpCond::Ne),
            Less => (JmpCond::SLt, JmpCond::Lt),
            Greater => (JmpCond::SGt, JmpCond::Gt),
            LessEqual => (JmpCond::SLe, JmpCond::Le),
            _ => (JmpCond::SGe, JmpCond::Ge),
        };
        let cond = if signed { when_signed } else { when_unsigned };
        self.asm.jump(Width::W64, cond, register, source, target);
        if let Some(other) = held {
            self.release(other);
        }
        self.release(register);
    }

    /// `register` = strcmp(left, right) as -1, 0 or 1, comparing up to the shorter array (a
    /// string literal's NUL included); with a `limit`, bpftrace's strncmp: at most that many
    /// bytes, and 1 for any difference.
    pub(super) fn string_compare(
        &mut self,
        left: &Expr,
        right: &Expr,
        limit: Option<usize>,
        register: Reg,
        span: Span,
    ) {
        let mark = self.frame.mark();
        let a = self.alloc(left.ty.size(), span);
        self.store_into(left, a);
        let b = self.alloc(right.ty.size(), span);
        self.store_into(right, b);
        // Integer arrays (bpftrace's `==` of two) compare every byte, NULs too.
        let text = matches!(left.ty, Type::Chars(_));
        let length = |expr: &Expr| match &expr.kind {
            ExprKind::Str(bytes) if text => bytes.len() + 1,
            _ => expr.ty.size(),
        };
        let length = length(left)
            .min(length(right))
            .min(limit.unwrap_or(usize::MAX));
        let differ = self.asm.label();
        let equal = self.asm.label();
        let end = self.asm.label();
        for index in 0..length as i16 {
            self.asm
                .load(Size::U8, R1, R10, a + index)
                .load(Size::U8, R2, R10, b + index)
                .jne(R1, R2, differ);
            if text {
                self.asm.jeq_imm(R1, 0, equal);
            }
        }
        self.asm
            .bind(equal)
            .mov64_imm(register, 0)
            .ja(end)
            .bind(differ);
        let less = self.asm.label();
        self.asm
            .jlt(R1, R2, less)
            .mov64_imm(register, 1)
            .ja(end)
            .bind(less)
            .mov64_imm(register, if limit.is_some() { 1 } else { -1 })
            .bind(end);
        self.frame.release(mark);
    }
}

impl Emitter<'_> {
    /// bpftrace's `strcontains(haystack, needle)` into `register`, unrolled as strcmp is: at
    /// each start in the haystack, up to its NUL, the needle's bytes compared up to its own
    /// NUL. A literal needle's bytes are immediates, and a start where it does not fit is none;
    /// a needle known as the probe runs may run past the haystack, whose copy has as many zeros
    /// after it.
    fn string_contains(&mut self, haystack: &Expr, needle: &Expr, register: Reg, span: Span) {
        let length = |expr: &Expr| match &expr.kind {
            ExprKind::Str(bytes) => bytes
                .iter()
                .position(|&byte| byte == 0)
                .unwrap_or(bytes.len()),
            _ => expr.ty.size(),
        };
        let (haystack_length, needle_length) = (length(haystack), length(needle));
        let literal = match &needle.kind {
            ExprKind::Str(bytes) => Some(bytes),
            _ => None,
        };
        let (starts, tail) = match literal {
            Some(_) => ((haystack_length + 1).saturating_sub(needle_length), 0),
            None => (haystack_length, needle_length),
        };
        // A literal needle that is empty is in every haystack; one longer than the haystack in
        // none (the verifier refuses code that no jump reaches).
        if literal.is_some() && (needle_length == 0 || starts == 0) {
            self.asm.mov64_imm(register, i32::from(needle_length == 0));
            return;
        }
        let mark = self.frame.mark();
        let size = haystack.ty.size();
        let text = self.alloc(size + tail, span);
        self.zero(text + size as i16, tail);
        self.store_into(haystack, text);
        let pattern = match literal {
            Some(_) => 0,
            None => {
                let pattern = self.alloc(needle.ty.size(), span);
                self.store_into(needle, pattern);
                pattern
            }
        };
        let (found, absent, end) = (self.asm.label(), self.asm.label(), self.asm.label());
        for start in 0..starts as i16 {
            let next = self.asm.label();
            for index in 0..needle_length as i16 {
                if literal.is_none() {
                    self.asm
                        .load(Size::U8, R2, R10, pattern + index)
                        .jeq_imm(R2, 0, found);
                }
                self.asm.load(Size::U8, R1, R10, text + start + index);
                if index == 0 {
                    self.asm.jeq_imm(R1, 0, absent);
                }
                match literal {
                    Some(bytes) => self.asm.jne_imm(R1, i32::from(bytes[index as usize]), next),
                    None => self.asm.jne(R1, R2, next),
                };
            }
            self.asm.ja(found).bind(next);
        }
        self.asm
            .bind(absent)
            .mov64_imm(register, 0)
            .ja(end)
            .bind(found)
            .mov64_imm(register, 1)
            .bind(end);
        self.frame.release(mark);
    }
}

/// Which part of a helper's return value a built-in variable is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Half {
    Whole,
    Lower,
    Upper,
}

/// The built-in variables that are a helper's return value, or a half of it.
const HELPER_READS: [(Builtin, Helper, Half); 12] = [
    (Builtin::Pid, Helper::GetCurrentPidTgid, Half::Upper),
    (Builtin::Tid, Helper::GetCurrentPidTgid, Half::Lower),
    (Builtin::Uid, Helper::GetCurrentUidGid, Half::Lower),
    (Builtin::Gid, Helper::GetCurrentUidGid, Half::Upper),
    (Builtin::Cpu, Helper::GetSmpProcessorId, Half::Whole),
    (Builtin::Rand, Helper::GetPrandomU32, Half::Whole),
    (Builtin::NumaId, Helper::GetNumaNodeId, Half::Whole),
    (Builtin::Cgroup, Helper::GetCurrentCgroupId, Half::Whole),
    (Builtin::Jiffies, Helper::Jiffies64, Half::Whole),
    (Builtin::Nsecs, Helper::KtimeGetNs, Half::Whole),
    (Builtin::WallTime, Helper::KtimeGetNs, Half::Whole),
    (Builtin::CurrentTask, Helper::GetCurrentTask, Half::Whole),
];

/// The ALU operation of an arithmetic operator (None for comparisons and logic).
fn alu_op(operator: BinaryOp, signed: bool) -> Option<AluOp> {
    use BinaryOp::*;
    Some(match operator {
        Add => AluOp::Add,
        Subtract => AluOp::Sub,
        Multiply => AluOp::Mul,
        Divide => AluOp::Div,
        Modulo => AluOp::Mod,
        BitAnd => AluOp::And,
        BitOr => AluOp::Or,
        BitXor => AluOp::Xor,
        ShiftLeft => AluOp::Lsh,
        ShiftRight if signed => AluOp::Arsh,
        ShiftRight => AluOp::Rsh,
        _ => return None,
    })
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
