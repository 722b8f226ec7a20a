//! lang::ast: the script as the parser read it, before names are resolved; every node has a span.

use super::diag::Span;

/// A whole script: one or more probes, in source order.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    pub probes: Vec<Probe>,
    /// The text above the first probe, where C definitions (`struct`, `#define`, …) stand, as
    /// bpftrace's tools write them; read by `ctypes::script`. Lines count from the script's.
    pub definitions: String,
}

/// `spec[, spec...] [/ predicate /] body`. Several specs share one body (bpftrace's probe lists).
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    pub specs: Vec<ProbeSpec>,
    /// The dtrace-style `/ expr /` guard; ply's `if (expr) stmt` guard form is an ordinary `If`.
    pub predicate: Option<Expr>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

/// `provider:spec`, with the provider name canonicalised (`k` -> `kprobe`) and the spec in ply's
/// spelling (`sched/sched_switch`, `1s`). `BEGIN` and `END` have an empty spec.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeSpec {
    pub provider: String,
    /// The provider's name for `probe`: bpftrace's where the script wrote one of its names
    /// (`kfunc`), else `provider`.
    pub named: String,
    pub spec: String,
    /// The spec as the script wrote it (`sched:sched_switch`, `s:1`), for `probe`.
    pub written: String,
    /// The whole `provider:spec` text.
    pub span: Span,
    /// The text after the first `:` (empty for BEGIN/END).
    pub spec_span: Span,
}

impl Probe {
    /// Whether the predicate or the body reads the bare name `name` (a builtin like `probe`).
    pub fn reads(&self, name: &str) -> bool {
        self.any(&|expr: &Expr| matches!(&expr.kind, ExprKind::Ident(ident) if ident == name))
    }

    /// Whether `found` holds for any expression of the predicate or the body.
    pub fn any(&self, found: &dyn Fn(&Expr) -> bool) -> bool {
        self.predicate.iter().any(|predicate| predicate.any(found)) || any_of(&self.body, found)
    }
}

/// Whether `found` holds for any expression of `statements`.
fn any_of(statements: &[Stmt], found: &dyn Fn(&Expr) -> bool) -> bool {
    statements.iter().any(|statement| statement.any(found))
}

impl Stmt {
    /// Whether `found` holds for any expression in the statement.
    pub fn any(&self, found: &dyn Fn(&Expr) -> bool) -> bool {
        match &self.kind {
            StmtKind::Block(body) => any_of(body, found),
            StmtKind::If {
                condition,
                then,
                otherwise,
            } => {
                condition.any(found)
                    || then.any(found)
                    || otherwise
                        .as_ref()
                        .is_some_and(|otherwise| otherwise.any(found))
            }
            StmtKind::Loop { head, body, .. } => head.any(found) || any_of(body, found),
            StmtKind::Return | StmtKind::Jump { .. } => false,
            StmtKind::Delete(expr) | StmtKind::Expr(expr) => expr.any(found),
            StmtKind::Assign { target, value, .. } => target.any(found) || value.any(found),
        }
    }
}

impl Expr {
    /// Whether `found` holds for this expression or any inside it.
    pub fn any(&self, found: &dyn Fn(&Expr) -> bool) -> bool {
        if found(self) {
            return true;
        }
        // The operands, then any list of them (a call's arguments, a map's keys).
        let mut operands: [Option<&Expr>; 3] = [None; 3];
        let mut list: &[Expr] = &[];
        match &self.kind {
            ExprKind::Int(_) | ExprKind::Str(_) | ExprKind::Ident(_) | ExprKind::Dollar(_) => {}
            ExprKind::Map { keys, .. } => list = keys.as_deref().unwrap_or_default(),
            ExprKind::Call { arguments, .. } | ExprKind::Tuple(arguments) => list = arguments,
            ExprKind::Unary { operand, .. }
            | ExprKind::Cast { operand, .. }
            | ExprKind::Member { base: operand, .. }
            | ExprKind::Increment {
                target: operand, ..
            } => operands[0] = Some(operand),
            ExprKind::Binary { left, right, .. }
            | ExprKind::Index {
                base: left,
                index: right,
            } => operands = [Some(left), Some(right), None],
            ExprKind::Ternary {
                condition,
                then,
                otherwise,
            } => operands = [Some(condition), Some(then), Some(otherwise)],
            ExprKind::TypeQuery { operand, .. } => operands[0] = operand.as_deref(),
        }
        for operand in operands.into_iter().flatten() {
            if operand.any(found) {
                return true;
            }
        }
        list.iter().any(|operand| operand.any(found))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    Block(Vec<Stmt>),
    If {
        condition: Expr,
        then: Box<Stmt>,
        otherwise: Option<Box<Stmt>>,
    },
    /// bpftrace's `while (head) { body }`, a bounded loop for the verifier (Linux 5.3), or
    /// `unroll (head) { body }`, the body compiled `head` times (a literal sema checks).
    Loop {
        unroll: bool,
        head: Expr,
        body: Vec<Stmt>,
    },
    Return,
    /// `break`, or `continue` (`to_next`): of the innermost `while`.
    Jump {
        to_next: bool,
    },
    /// `delete m[k];` — the expression is a `Map` with keys.
    Delete(Expr),
    /// `target = value`, `target += value`, and `target++` (as `Add` of 1). The target is a
    /// `Map` or a `Dollar` (a scratch variable); sema rejects anything else.
    Assign {
        target: Expr,
        operator: Option<BinaryOp>,
        /// Boxed, so that a statement is not two expressions big.
        value: Box<Expr>,
    },
    Expr(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A number literal's value; a negative number is `Unary(Negate, Int)`. Character literals
    /// are integers too.
    Int(u64),
    /// A string literal's bytes, escapes decoded, without the terminating NUL.
    Str(Vec<u8>),
    /// A bare identifier: a builtin (`comm`, `pid`) or a provider variable (`data`, `arg0`).
    Ident(String),
    /// `$name`, without the `$`: a scratch variable, a positional argument (`$1`), `$target`
    /// or an environment variable; sema decides which.
    Dollar(String),
    /// `m[k, ...]`, `@name[k]`, or a bare `@name` / `@` (keys `None`).
    Map {
        name: String,
        keys: Option<Vec<Expr>>,
    },
    Call {
        name: String,
        name_span: Span,
        arguments: Vec<Expr>,
    },
    Unary {
        operator: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        operator: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Ternary {
        condition: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    /// `(u32)x`: the type as written, resolved by sema.
    Cast {
        type_name: String,
        type_span: Span,
        operand: Box<Expr>,
    },
    /// `base[index]` on an array or a pointer (maps' `m[k]` is `Map`).
    Index { base: Box<Expr>, index: Box<Expr> },
    /// `sizeof(type)`, `sizeof(operand)` (`type_name` empty), or `offsetof(type, a.b)`
    /// (`members` not empty). A type as a cast spells it (`struct sock*`).
    TypeQuery {
        type_name: String,
        type_span: Span,
        operand: Option<Box<Expr>>,
        members: Vec<String>,
    },
    /// `x++`, `x--` (`post`), `++x`, `--x` used as a value: `operator` is `Add` or `Subtract`;
    /// as a statement of its own it is an `Assign`.
    Increment {
        target: Box<Expr>,
        operator: BinaryOp,
        post: bool,
    },
    /// bpftrace's tuple `(a, b, ...)`: two elements or more.
    Tuple(Vec<Expr>),
    /// `base.field` (`arrow` false) or `base->field`; a tuple's field is its index (`$t.0`).
    Member {
        base: Box<Expr>,
        field: String,
        field_span: Span,
        arrow: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Negate,
    BitNot,
    Not,
    Deref,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    LogicalOr,
    LogicalXor,
    LogicalAnd,
    BitOr,
    BitXor,
    BitAnd,
    Equal,
    NotEqual,
    Less,
    Greater,
    LessEqual,
    GreaterEqual,
    ShiftLeft,
    ShiftRight,
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
}

impl UnaryOp {
    pub fn symbol(self) -> &'static str {
        // In declaration order; a string of words, not a table of `&str`s (see `crate::words`).
        crate::words::nth_word("- ~ ! *", self as usize).unwrap_or_default()
    }
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        // In declaration order; a string of words, not a table of `&str`s (see `crate::words`).
        crate::words::nth_word(
            "|| ^^ && | ^ & == != < > <= >= << >> + - * / %",
            self as usize,
        )
        .unwrap_or_default()
    }

    /// Comparisons and logical operators yield C's `int` truth value.
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Equal
                | BinaryOp::NotEqual
                | BinaryOp::Less
                | BinaryOp::Greater
                | BinaryOp::LessEqual
                | BinaryOp::GreaterEqual
        )
    }

    pub fn is_logical(self) -> bool {
        matches!(
            self,
            BinaryOp::LogicalOr | BinaryOp::LogicalXor | BinaryOp::LogicalAnd
        )
    }
}

/// A type a cast names before its `*`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaseType {
    /// `void`: only behind a pointer (`(void *)p`).
    Void,
    Int {
        bytes: u8,
        signed: bool,
    },
}

/// Every name a cast may use: ply's and tine's `u32`/`s64`, bpftrace's `uint32`/`int64`, C's
/// `int`, `long`, `char`..., and `void`; the names of one type are one line of words, the
/// lines in the order void, u8, u16, u32, u64, s8, s16, s32, s64 (one string, not a table of
/// `&str`s: see `crate::words`).
const BASE_TYPES: &str = "void
u8 uint8
u16 uint16
u32 uint32 uint unsigned
u64 uint64 ulong
s8 i8 int8 char
s16 i16 int16 short
s32 i32 int32 int
s64 i64 int64 long";

/// The base type a cast's `word` names, if it names one.
pub fn base_type(word: &str) -> Option<BaseType> {
    let line = crate::words::split(BASE_TYPES, b'\n')
        .position(|names| crate::words::word_index(names, word).is_some())?;
    Some(match line {
        0 => BaseType::Void,
        _ => BaseType::Int {
            bytes: 1 << ((line - 1) % 4),
            signed: line > 4,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each line of names is its type: the lines' order is the types'.
    #[test]
    fn each_base_type_name_names_its_type() {
        let int = |bytes, signed| Some(BaseType::Int { bytes, signed });
        for (names, base) in [
            ("void", Some(BaseType::Void)),
            ("u8 uint8", int(1, false)),
            ("u16 uint16", int(2, false)),
            ("u32 uint32 uint unsigned", int(4, false)),
            ("u64 uint64 ulong", int(8, false)),
            ("s8 i8 int8 char", int(1, true)),
            ("s16 i16 int16 short", int(2, true)),
            ("s32 i32 int32 int", int(4, true)),
            ("s64 i64 int64 long", int(8, true)),
            ("string u128 voids", None),
        ] {
            for name in names.split(' ') {
                assert_eq!(base_type(name), base, "{name}");
            }
        }
    }

    /// Every operator's symbol, so that the string of symbols stays in declaration order.
    #[test]
    fn each_operator_has_its_symbol() {
        use BinaryOp::*;
        let binary = [
            (LogicalOr, "||"),
            (LogicalXor, "^^"),
            (LogicalAnd, "&&"),
            (BitOr, "|"),
            (BitXor, "^"),
            (BitAnd, "&"),
            (Equal, "=="),
            (NotEqual, "!="),
            (Less, "<"),
            (Greater, ">"),
            (LessEqual, "<="),
            (GreaterEqual, ">="),
            (ShiftLeft, "<<"),
            (ShiftRight, ">>"),
            (Add, "+"),
            (Subtract, "-"),
            (Multiply, "*"),
            (Divide, "/"),
            (Modulo, "%"),
        ];
        for (operator, symbol) in binary {
            assert_eq!(operator.symbol(), symbol, "{operator:?}");
        }
        let unary = [
            (UnaryOp::Negate, "-"),
            (UnaryOp::BitNot, "~"),
            (UnaryOp::Not, "!"),
            (UnaryOp::Deref, "*"),
        ];
        for (operator, symbol) in unary {
            assert_eq!(operator.symbol(), symbol, "{operator:?}");
        }
    }
}
