//! compile::emit::statement: statements, blocks and the error counters they bump.

use tine_asm::{Helper, Reg::*};

use crate::compile::records::{ErrorKind, RecordKind};
use crate::lang::diag::Span;
use crate::sema::program::{Expr, ExprKind, Function, Stmt, StmtKind};

use super::{Emitter, Loop};

/// The most instructions the kernel loads in one program (BPF_COMPLEXITY_LIMIT_INSNS).
const MAX_INSNS: usize = 1_000_000;

/// Whether no path runs past `statement`: it returns, or calls `exit()` (which ends the probe
/// as in bpftrace), on every path.
fn diverges(statement: &Stmt) -> bool {
    match &statement.kind {
        StmtKind::Return | StmtKind::Jump { .. } => true,
        StmtKind::Expr(Expr {
            kind:
                ExprKind::Call {
                    function: Function::Exit,
                    ..
                },
            ..
        }) => true,
        StmtKind::Block { body, .. } => body.iter().any(diverges),
        StmtKind::If {
            then,
            otherwise: Some(otherwise),
            ..
        } => diverges(then) && diverges(otherwise),
        _ => false,
    }
}

/// `print(@m)` or `clear(@m)` as a statement: the function and the map.
fn map_call(statement: &Stmt) -> Option<(&Function, usize)> {
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
            Function::PrintMap(_) | Function::Clear { .. },
            [Expr {
                kind: ExprKind::MapRef(map),
                ..
            }],
        ) => Some((function, *map)),
        _ => None,
    }
}

impl Emitter<'_> {
    pub(super) fn statement(&mut self, statement: &Stmt) {
        self.mark(statement.span);
        let mark = self.frame.mark();
        match &statement.kind {
            StmtKind::Block { body, times } => self.block(body, *times, statement.span),
            StmtKind::If {
                condition,
                then,
                otherwise,
            } => self.if_else(condition, then, otherwise.as_deref()),
            StmtKind::While { condition, body } => self.while_loop(statement, condition, body),
            StmtKind::Return => {
                self.asm.ja(self.exit);
            }
            StmtKind::Jump { to_next } => {
                // Sema lets these through only inside a `while`.
                if let Some(innermost) = &mut self.innermost {
                    innermost.continued |= to_next;
                    let target = if *to_next {
                        innermost.next
                    } else {
                        innermost.end
                    };
                    self.asm.ja(target);
                }
            }
            StmtKind::Delete { map, key } => {
                let key = self.key(*map, key, statement.span);
                self.map_call(Helper::MapDeleteElem, *map, key);
            }
            StmtKind::MapStore {
                map,
                key,
                value,
                update,
            } => self.map_store(*map, key, value, *update, statement.span),
            StmtKind::Aggregate { map, key, argument } => {
                self.aggregate(*map, key, argument.as_ref(), statement.span)
            }
            StmtKind::ScratchStore { slot, value } => {
                let at = self.scratch[*slot];
                self.store_into(value, at);
            }
            StmtKind::Expr(expr) => self.effect(expr),
        }
        self.frame.release(mark);
    }

    /// A block, or an `unroll`'s `times` copies of it.
    fn block(&mut self, body: &[Stmt], times: u8, span: Span) {
        // Past a copy that diverges, the next would be code no path reaches.
        for _ in 0..times {
            self.statements(body);
            if body.iter().any(diverges) {
                break;
            }
            // Nested `unroll`s multiply: stop at the kernel's limit, not out of memory.
            if self.asm.len() > MAX_INSNS {
                self.fail(
                    span,
                    format_args!(
                        "this makes the probe longer than the 1000000 instructions a BPF \
                         program may have"
                    ),
                );
                break;
            }
        }
    }

    fn if_else(&mut self, condition: &Expr, then: &Stmt, otherwise: Option<&Stmt>) {
        let skip = self.asm.label();
        self.branch(condition, false, skip);
        self.statement(then);
        match otherwise {
            Some(otherwise) => {
                let end = self.asm.label();
                if !diverges(then) {
                    self.asm.ja(end);
                }
                self.asm.bind(skip);
                self.statement(otherwise);
                self.asm.bind(end);
            }
            None => {
                self.asm.bind(skip);
            }
        }
    }

    /// A list of statements, where `print(@m)` and a `clear(@m)` after it, with only other
    /// maps' prints and clears between (`print(@a); print(@b); clear(@a); clear(@b);`), become
    /// one record: user space reads and deletes in one pass, so no count that lands between
    /// the two is lost.
    pub(super) fn statements(&mut self, list: &[Stmt]) {
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
                if matches!(list.get(clear).and_then(map_call), Some((Function::Clear { zero: false }, other)) if other == map)
                {
                    fused[clear] = true;
                    self.mark(statement.span);
                    let options = *options;
                    let kind = RecordKind::PrintAndClear { map, options };
                    self.send(statement.span, &[], kind);
                    continue;
                }
            }
            self.statement(statement);
            // The verifier refuses code no path reaches.
            if diverges(statement) {
                break;
            }
        }
    }

    /// `while (condition) { body }`: one backward jump, at the end, marked with the whole loop's
    /// span, so that a kernel without bounded loops is told which loop it refused
    /// (`continue` jumps forward to it).
    fn while_loop(&mut self, statement: &Stmt, condition: &Expr, body: &[Stmt]) {
        let top = self.asm.label();
        self.asm.bind(top);
        let this = Loop {
            next: self.asm.label(),
            end: self.asm.label(),
            continued: false,
        };
        self.branch(condition, false, this.end);
        let outer = self.innermost.replace(this);
        self.statements(body);
        let this = std::mem::replace(&mut self.innermost, outer).unwrap_or(this);
        if this.continued || !body.iter().any(diverges) {
            self.mark(statement.span);
            self.asm.bind(this.next).ja(top);
        }
        self.asm.bind(this.end);
    }

    /// Adds 1 to the per-CPU error counter of `kind` at `span`.
    pub(super) fn count_error(&mut self, span: Span, kind: ErrorKind) {
        let site = self.shared.error_site(span, kind);
        let mark = self.frame.mark();
        let key = self.word_key(site, span);
        let skip = self.asm.label();
        self.map_call(Helper::MapLookupElem, self.shared.error_map, key)
            .jeq_imm(R0, 0, skip);
        self.add_to(R0, 0, None);
        self.asm.bind(skip);
        self.frame.release(mark);
    }
}
