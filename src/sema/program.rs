//! sema::program: the typed program sema hands the compiler — every name resolved, every
//! expression typed, one table of maps for the whole script.

use std::rc::Rc;

use super::context::ProbeId;
use super::types::{StructType, Type};
use crate::lang::ast::{BinaryOp, UnaryOp};
use crate::lang::diag::Span;
use crate::output::{Format, PrintOptions};

/// Index into `Program::maps`.
pub type MapId = usize;

#[derive(Debug, PartialEq)]
pub struct Program {
    pub maps: Vec<Map>,
    /// One entry per probe spec: a probe list `a, b { ... }` becomes two probes with the same
    /// body, each typed in its own provider's context.
    pub probes: Vec<Probe>,
}

#[derive(Debug, PartialEq)]
pub struct Probe {
    /// Canonical provider name: kprobe, kretprobe, tracepoint, uprobe, uretprobe, profile,
    /// interval, kfunc, BEGIN, END.
    pub provider: String,
    pub spec: String,
    /// The probe resolved, for the compiler and the runtime to take from the same providers.
    pub resolved: ProbeId,
    pub span: Span,
    /// Scratch variables (`$x`) of this probe, indexed by slot.
    pub scratch: Vec<Scratch>,
    /// The body; a `/ predicate /` arrives as an `If` around the whole body.
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scratch {
    pub name: String,
    pub ty: Type,
}

/// One map of the program: `@`, `@name` or a plain `name[...]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Map {
    pub name: String,
    /// The anonymous struct of the key expressions; None for a keyless `@name`.
    pub key: Option<Rc<StructType>>,
    /// For a plain map, the stored value's type. For an aggregation, the type of the values
    /// fed in (its argument; u64 for count), which also says how results print.
    pub value: Type,
    pub kind: MapKind,
    /// Where the map is first used.
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapKind {
    /// A hash map written with `m[k] = v`.
    Plain,
    Count,
    Sum,
    /// log2 histogram: ply's `quantize()`, bpftrace's `hist()`.
    Quantize,
    Min,
    Max,
    Avg,
    Stats,
    /// Linear histogram with literal bounds.
    Lhist {
        min: i64,
        max: i64,
        step: i64,
    },
}

impl MapKind {
    /// The aggregation that makes a map of this kind, as the built-ins' table names it.
    pub fn name(self) -> &'static str {
        super::check::builtins::aggregation_name(self).unwrap_or("plain map")
    }
}

#[derive(Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug, PartialEq)]
pub enum StmtKind {
    /// `{ }`, compiled `times` times: once, or an `unroll`'s count (1 to 100).
    Block {
        body: Vec<Stmt>,
        times: u8,
    },
    If {
        condition: Expr,
        then: Box<Stmt>,
        otherwise: Option<Box<Stmt>>,
    },
    /// A bounded loop: the verifier walks it (Linux 5.3).
    While {
        condition: Expr,
        body: Vec<Stmt>,
    },
    Return,
    /// `break`, or `continue` (`to_next`): of the innermost `while`.
    Jump {
        to_next: bool,
    },
    Delete {
        map: MapId,
        key: Vec<Expr>,
    },
    /// `m[k] = v` on a plain map; `m[k] += v` and `m[k]++` arrive with `value` = `m[k] + v`
    /// and `update`: the key is evaluated once, for the read and the store (`@m[rand % 4]++`
    /// reads and writes one element).
    MapStore {
        map: MapId,
        key: Vec<Expr>,
        value: Expr,
        update: bool,
    },
    /// `@m[k] = count()` and friends: the aggregation is the map's kind; `argument` is None
    /// for count.
    Aggregate {
        map: MapId,
        key: Vec<Expr>,
        argument: Option<Expr>,
    },
    /// `$x = v`; `$x += v` arrives with `value` = `$x + v`.
    ScratchStore {
        slot: usize,
        value: Expr,
    },
    Expr(Expr),
}

#[derive(Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Debug, PartialEq)]
pub enum ExprKind {
    /// An integer's bits; `ty` says its width and signedness. Environment variables and `$1`...
    /// that parse as numbers arrive here.
    Int(u64),
    /// A string's bytes without the NUL; `ty` is `Chars(n)` with n > len (pad with zeros).
    /// Environment variables and positional arguments that are not numbers arrive here.
    Str(Vec<u8>),
    /// `$target`: the pid of the `-c` child, known only once it is forked.
    TargetPid,
    Builtin(Builtin),
    /// A provider variable by the name its `ProbeContext` knows (`data`, `arg0`, `retval`);
    /// bpftrace's `args` arrives as `data` when the provider only knows `data`.
    Provider(String),
    /// A scratch variable: a slot of `Probe::scratch`.
    Scratch(usize),
    /// `m[k]`: the stored value, or zero when the key is missing (as ply reads).
    MapRead {
        map: MapId,
        key: Vec<Expr>,
    },
    /// A whole map as the argument of `print`, `clear`.
    MapRef(MapId),
    Call {
        function: Function,
        arguments: Vec<Expr>,
    },
    /// `Deref` reads `ty` through a pointer operand.
    Unary {
        operator: UnaryOp,
        operand: Box<Expr>,
    },
    /// Operands are already converted to a common type by `Cast` nodes where C would convert,
    /// except shifts (right operand keeps its type). When both operands are `Chars`, the
    /// operator is a comparison and means a strcmp-style compare.
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
    /// Conversion of the operand to `ty`: an integer truncates or extends by the operand's
    /// signedness; a `Chars` widens to a longer `Chars`, zero-padded (map keys and values that
    /// hold strings of several lengths).
    Cast(Box<Expr>),
    /// `x++` and friends as a value: `target` (a `Scratch` or a `MapRead` of an integer)
    /// stepped by one (`Add`) or minus one (`Subtract`); the value before the step when `post`.
    Increment {
        target: Box<Expr>,
        operator: BinaryOp,
        post: bool,
    },
    /// bpftrace's tuple: `ty` is the anonymous struct of the elements, each already of its
    /// field's type.
    Tuple(Vec<Expr>),
    /// `base.field` (base is a struct) or `base->field` (base is a pointer to one): `ty` read at
    /// `offset` bytes into the struct.
    Member {
        base: Box<Expr>,
        field: Box<str>,
        offset: usize,
        through_pointer: bool,
    },
}

/// Variables every probe has, whatever its provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// `comm`: char[16].
    Comm,
    /// `pid`: the process (thread group) id.
    Pid,
    /// `tid` / `kpid`: the thread id.
    Tid,
    Uid,
    Gid,
    Cpu,
    /// `time` (typed Time) / `nsecs` (typed u64): monotonic nanoseconds.
    Nsecs,
    /// `walltime`.
    WallTime,
    /// bpftrace's `elapsed`: nanoseconds since tine started the script (just before BEGIN).
    Elapsed,
    /// `stack` / `kstack`.
    KernelStack,
    /// `ustack`.
    UserStack,
    /// `curtask`: the current `struct task_struct *` (bpf_get_current_task).
    CurrentTask,
    /// bpftrace's `rand`: a pseudo-random u32.
    Rand,
    /// bpftrace's `cgroup`: the id of the current task's cgroup (v2), u64.
    Cgroup,
    /// bpftrace's `numaid`: the NUMA node the probe runs on, u32.
    NumaId,
    /// bpftrace's `jiffies`: the kernel's tick count, u64.
    Jiffies,
}

impl Builtin {
    pub fn name(self) -> &'static str {
        // In declaration order; a string of words, not a table of `&str`s (see `crate::words`).
        crate::words::nth_word(
            "comm pid tid uid gid cpu nsecs walltime elapsed kstack ustack curtask rand cgroup \
             numaid jiffies",
            self as usize,
        )
        .unwrap_or_default()
    }
}

/// Functions with a meaning of their own (aggregations are not here: they are a map's kind).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Function {
    /// `printf("fmt", args...)`: the format, parsed once here; the arguments exclude it.
    Printf { format: Rc<Format> },
    /// `print(a, b, ...)`, each printed as `%v` would, `", "` between.
    Print,
    /// `print(@m)` or `print(@m, top, divisor)`: the map (the one argument) dumped now.
    PrintMap(PrintOptions),
    /// `exit()` / `exit(code)`.
    Exit,
    /// `clear(@m)` deletes every key; bpftrace's `zero(@m)` keeps them, their values 0.
    Clear { zero: bool },
    /// `str(p[, length])`: a NUL-terminated string read through `p`, into char[length].
    Str { length: usize },
    /// `mem(p, length)`: raw bytes read through `p`.
    Mem { length: usize },
    /// `uptr(p)`: the same pointer, marked as user memory.
    Uptr,
    /// `kptr(p)`: the same pointer, marked as kernel memory.
    Kptr,
    /// `ksym(address)`: the address, printed as the kernel symbol it is in.
    Ksym,
    /// `usym(address)`: the address and the current pid, printed as the function of that
    /// process it is in.
    Usym,
    /// `dyn(data->field)`: a tracepoint `__data_loc` string, into char[128] (or the length
    /// `str()` gives); every use of a `__data_loc` field arrives as this call.
    Dyn,
    /// `strcmp(a, b)`: -1, 0 or 1 (s32).
    StrCmp,
    /// bpftrace's `strncmp(a, b, length)`: strcmp of at most the first `length` bytes.
    StrNCmp { length: usize },
    /// bpftrace's `strftime(format, nsecs)`: the nanoseconds, typed `Strftime(format)`.
    Strftime,
    /// bpftrace's `ntop([family, ]address)`: the family (a u32) and the address (a u32, or a
    /// 4- or 16-byte array), typed `Inet`.
    Ntop,
    /// bpftrace's `buf(address or array, length)`: at most the type's capacity of bytes,
    /// with how many (`wire::BUFFER_DATA`), printed escaped by `%r`.
    Buf,
    /// bpftrace's `bswap(n)`: n's bytes reversed; its type, an unsigned integer, says how many.
    Bswap,
    /// bpftrace's `time(format)` statement: user space prints the time of day when it reads
    /// the record, formatted by C's strftime.
    Time { format: Rc<str> },
    /// bpftrace's `join(argv, separator)` statement: the strings of a user array of string
    /// addresses, up to the first null, printed on one line with `separator` between.
    Join { separator: Rc<str> },
    /// bpftrace's `cat("fmt", args...)` statement: user space prints the file the format names
    /// when it reads the record.
    Cat { format: Rc<Format> },
    /// bpftrace's `system("fmt", args...)` statement (with `--unsafe`): user space runs the
    /// formatted text with `sh -c` when it reads the record and prints what it writes.
    System { format: Rc<Format> },
    /// bpftrace's `signal(number)` (with `--unsafe`): bpf_send_signal to the current task.
    Signal,
    /// bpftrace's `strcontains(haystack, needle)`: 1 when the needle is in the haystack (the
    /// empty one is in every string), else 0 (u64).
    StrContains,
}

impl Function {
    /// The built-in function this call prints under (`-S`, compile's errors), as the
    /// built-ins' table names it: a `str()` of a `__data_loc` field is a `dyn`, `print(@m)` a
    /// `print`, bpftrace's `time(format)` statement `time`.
    pub fn name(&self) -> &'static str {
        use Function::*;
        let index = match self {
            Printf { .. } => 0,
            Print | PrintMap(_) => 1,
            Exit => 2,
            Clear { zero: false } => 3,
            Clear { zero: true } => 4,
            Str { .. } => 5,
            Mem { .. } => 6,
            Uptr => 7,
            Kptr => 8,
            Ksym => 9,
            Usym => 10,
            Dyn => 11,
            StrCmp => 12,
            StrNCmp { .. } => 13,
            Strftime => 14,
            Ntop => 15,
            Buf => 16,
            Bswap => 17,
            Time { .. } => 18,
            Join { .. } => 19,
            Cat { .. } => 20,
            System { .. } => 21,
            Signal => 22,
            StrContains => 23,
        };
        // A string of words, not a table of `&str`s (see `crate::words`).
        crate::words::nth_word(
            "printf print exit clear zero str mem uptr kptr ksym usym dyn strcmp strncmp strftime \
             ntop buf bswap time join cat system signal strcontains",
            index,
        )
        .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every built-in's name, so that the string of names stays in declaration order.
    #[test]
    fn each_builtin_has_its_name() {
        use Builtin::*;
        let names = [
            (Comm, "comm"),
            (Pid, "pid"),
            (Tid, "tid"),
            (Uid, "uid"),
            (Gid, "gid"),
            (Cpu, "cpu"),
            (Nsecs, "nsecs"),
            (WallTime, "walltime"),
            (Elapsed, "elapsed"),
            (KernelStack, "kstack"),
            (UserStack, "ustack"),
            (CurrentTask, "curtask"),
            (Rand, "rand"),
            (Cgroup, "cgroup"),
            (NumaId, "numaid"),
            (Jiffies, "jiffies"),
        ];
        for (builtin, name) in names {
            assert_eq!(builtin.name(), name, "{builtin:?}");
        }
    }
}
