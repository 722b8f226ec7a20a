//! sema::check::builtins: every name a script may use without defining it — the variables every
//! probe has, the functions, the aggregations — one record each in one table, the way ply's
//! `struct func` is: its name, how many arguments it takes, how it is typed, and the typed node
//! that bears its name. The compiler lowers those nodes (`Builtin`, `Function`, `MapKind`).

use std::mem::discriminant;

use super::actions::{cat, clear, exit, join, print, printf, signal, system};
use super::expression::register;
use super::functions::{
    bswap, buf, dyn_field, kaddr, ntop, pointer, pton, read, resolved, strcmp, strftime, symbol,
    uaddr, Call, MAC_SOURCE,
};
use super::{did_you_mean, Checker, Scope, Typed};
use crate::lang::ast;
use crate::lang::diag::Span;
use crate::lang::unsupported;
use crate::sema::program::{Builtin, ExprKind, MapKind};
use crate::sema::types::{Id, Type, U32, U64};
use crate::wire::{self, Resolve, Stack};

pub(super) enum Form {
    /// A value every probe has, of this type; ply also writes it as a call without arguments
    /// (`pid()`).
    Variable(Builtin, Type),
    /// `probe`: the name of the probe that fired, a string constant in each probe.
    ProbeName,
    /// bpftrace's `func` where the provider has no variable of that name (uprobes): the
    /// function the spec names, a string constant in each probe (a glob's points are probes of
    /// their own), so it is exact in return probes and after the process has gone.
    FunctionName,
    /// A function that takes from `low` to `high` arguments (`wanted` says so in its error:
    /// "takes one address"), typed by `typing`; the typed call prints under the name
    /// `Function::name` gives it. The counts are u16s, beside the form's tag, and `wanted` a
    /// thin pointer, so that every row is 24 bytes (`ANY` is `u16::MAX`: no upper bound).
    Function {
        low: u16,
        high: u16,
        wanted: &'static &'static str,
        typing: Typing,
    },
    /// Only ever assigned to a map (`@m[k] = count()`), which it makes a map of the kind `kind`
    /// gives (lhist's bounds are its arguments); it takes `arguments` values, the first the one
    /// aggregated. A function, not a `MapKind`: lhist's bounds would make every row larger.
    Aggregation {
        kind: fn() -> MapKind,
        arguments: u8,
    },
}

/// Types a call whose argument count is admitted.
pub(super) type Typing = fn(&mut Checker<'_>, Call<'_, '_>) -> Option<Typed>;

const ANY: usize = u16::MAX as usize;

/// The table: one row a built-in, its name beside its form. The names are kept apart, as one
/// string of words (see `crate::words`), so that a row is its form alone and a name may be as
/// long as bpftrace's (`strcontains`).
macro_rules! table {
    ($($name:literal => $form:expr,)*) => {
        /// The names, a word each, in the table's order, each followed by a space.
        const NAMES: &str = concat!($($name, " ",)*);
        // A const, not a static: a `Type` (it may hold an `Rc`) is not `Sync`.
        const TABLE: &[Form] = &[$($form,)*];
    };
}

// Variables, then functions, then aggregations: "did you mean" takes the first of equally
// near names in this order. A second spelling (bpftrace's `hist` for `quantize`) is a row of
// its own.
#[rustfmt::skip] // one row a built-in, aligned, as ply's table of funcs
table! {
    "comm"      => variable(Builtin::Comm,        Type::Chars(16)),
    "execname"  => variable(Builtin::Comm,        Type::Chars(16)),
    "pid"       => variable(Builtin::Pid,         Type::Id(Id::Process)),
    "tid"       => variable(Builtin::Tid,         Type::Id(Id::Process)),
    "kpid"      => variable(Builtin::Tid,         Type::Id(Id::Process)),
    "uid"       => variable(Builtin::Uid,         Type::Id(Id::User)),
    "username"  => variable(Builtin::Uid,         Type::Resolved(Resolve::UserName)),
    "gid"       => variable(Builtin::Gid,         Type::Id(Id::Group)),
    "cpu"       => variable(Builtin::Cpu,         Type::Id(Id::Cpu)),
    "rand"      => variable(Builtin::Rand,        U32),
    "cgroup"    => variable(Builtin::Cgroup,      U64),
    "numaid"    => variable(Builtin::NumaId,      U32),
    "jiffies"   => variable(Builtin::Jiffies,     U64),
    "time"      => variable(Builtin::Nsecs,       Type::Time),
    "nsecs"     => variable(Builtin::Nsecs,       U64),
    "walltime"  => variable(Builtin::WallTime,    Type::WallTime),
    "elapsed"   => variable(Builtin::Elapsed,     U64),
    "stack"     => variable(Builtin::KernelStack, stack(false)),
    "kstack"    => variable(Builtin::KernelStack, stack(false)),
    "ustack"    => variable(Builtin::UserStack,   stack(true)),
    "probe"     => Form::ProbeName,
    "func"      => Form::FunctionName,
    "printf"    => function(1, ANY, &"a format string and its values",  printf),
    "cat"       => function(1, ANY, &"a file name's format string and its values", cat),
    "system"    => function(1, ANY, &"a format string and its values",  system),
    "signal"    => function(1, 1,   &"one signal",                      signal),
    "print"     => function(0, ANY, &"values or a map",                 print),
    "exit"      => function(0, 1,   &"at most one exit code",           exit),
    "clear"     => function(1, 1,   &"one map",                         clear),
    "zero"      => function(1, 1,   &"one map",                         clear),
    "str"       => function(1, 2,   &"an address and an optional length", read),
    "mem"       => function(1, 2,   &"an address and an optional length", read),
    "uptr"      => function(1, 1,   &"one address",                     pointer),
    "kptr"      => function(1, 1,   &"one address",                     pointer),
    "ksym"      => function(1, 1,   &"one address",                     symbol),
    "usym"      => function(1, 1,   &"one address",                     symbol),
    "dyn"       => function(1, 1,   &"one `__data_loc` field",          dyn_field),
    "strcmp"    => function(2, 2,   &"two strings",                     strcmp),
    "strncmp"   => function(3, 3,   &"two strings and a length",        strcmp),
    "strcontains" => function(2, 2, &"two strings",                     strcmp),
    "strftime"  => function(2, 2,   &"a format string and nanoseconds", strftime),
    "kaddr"     => function(1, 1,   &"one kernel symbol's name",        kaddr),
    "uaddr"     => function(1, 1,   &"one data symbol's name",          uaddr),
    "join"      => function(1, 2,   &"an array of string addresses and an optional separator", join),
    "ntop"      => function(1, 2,   &"an optional address family and an address", ntop),
    "pton"      => function(1, 1,   &"one address, a string literal",   pton),
    "buf"       => function(1, 2,   &"an address or array and a length", buf),
    "bswap"     => function(1, 1,   &"one integer",                     bswap),
    "strerror"  => function(1, 1,   &"one error number",                resolved),
    "macaddr"   => function(1, 1,   &MAC_SOURCE,                        resolved),
    "cgroup_path" => function(1, 1, &"one cgroup id",                   resolved),
    "reg"       => function(1, 1,   &"one register's name",             register),
    "count"     => aggregation(|| MapKind::Count,    0),
    "sum"       => aggregation(|| MapKind::Sum,      1),
    "quantize"  => aggregation(|| MapKind::Quantize, 1),
    "hist"      => aggregation(|| MapKind::Quantize, 1),
    "lhist"     => aggregation(|| MapKind::Lhist { min: 0, max: 0, step: 0 }, 4),
    "min"       => aggregation(|| MapKind::Min,      1),
    "max"       => aggregation(|| MapKind::Max,      1),
    "avg"       => aggregation(|| MapKind::Avg,      1),
    "stats"     => aggregation(|| MapKind::Stats,    1),
}

const fn variable(builtin: Builtin, ty: Type) -> Form {
    Form::Variable(builtin, ty)
}

/// A stack of the default depth in the default layout.
const fn stack(user: bool) -> Type {
    Type::Stack(Stack {
        user,
        perf: false,
        depth: wire::STACK_DEPTH,
    })
}

/// bpftrace's limit on a stack's frames (`kstack(N)`), and what a stack's arguments may be.
const MAX_STACK_DEPTH: u64 = 1024;
const STACK_ARGUMENTS: &str =
    "a stack takes a mode (perf or bpftrace) and a number of frames (1 to 1024), each a literal";

const fn function(low: usize, high: usize, wanted: &'static &'static str, typing: Typing) -> Form {
    let (low, high) = (low as u16, high as u16);
    Form::Function {
        low,
        high,
        wanted,
        typing,
    }
}

const fn aggregation(kind: fn() -> MapKind, arguments: usize) -> Form {
    let arguments = arguments as u8;
    Form::Aggregation { kind, arguments }
}

/// The built-in a script calls `name`, if any.
pub(super) fn definition(name: &str) -> Option<&'static Form> {
    TABLE.get(crate::words::word_index(NAMES, name)?)
}

/// An aggregation's map kind (lhist's with zero bounds) and its argument count.
pub(super) fn aggregation_of(name: &str) -> Option<(MapKind, usize)> {
    match definition(name)? {
        Form::Aggregation { kind, arguments } => Some((kind(), usize::from(*arguments))),
        _ => None,
    }
}

/// For "did you mean": the names of the variables every probe has (`variables`), or those of
/// the functions and aggregations.
pub(super) fn names(variables: bool) -> Vec<&'static str> {
    let mut names = Vec::new();
    for (name, form) in NAMES.split(' ').zip(TABLE) {
        let variable = matches!(
            form,
            Form::Variable(..) | Form::ProbeName | Form::FunctionName
        );
        if variable == variables {
            names.push(name);
        }
    }
    names
}

/// The name of the aggregation that makes a map of `kind` (ply's: `quantize`, not `hist`).
pub(in crate::sema) fn aggregation_name(kind: MapKind) -> Option<&'static str> {
    let index = TABLE.iter().position(|form| {
        matches!(form, Form::Aggregation { kind: made, .. }
            if discriminant(&made()) == discriminant(&kind))
    })?;
    crate::words::nth_word(NAMES, index)
}

impl Checker<'_> {
    #[inline(never)]
    pub(super) fn call(
        &mut self,
        name: &str,
        name_span: Span,
        arguments: &[ast::Expr],
        span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Typed> {
        let call = Call {
            name,
            name_span,
            arguments,
            span,
            scope,
        };
        match definition(name) {
            Some(Form::Function {
                low,
                high,
                wanted,
                typing,
            }) => {
                let given = arguments.len();
                let high = *high as usize;
                if given < *low as usize || (given > high && high != ANY) {
                    self.errors.report(
                        span,
                        format_args!("`{name}()` takes {wanted}, {given} given"),
                    );
                    return None;
                }
                typing(self, call)
            }
            Some(Form::Aggregation { .. }) => {
                self.errors.report_label(
                    span,
                    format_args!("`{name}()` is an aggregation; it can only be assigned to a map"),
                    format_args!("write `@name[key] = {name}(...)`"),
                );
                None
            }
            Some(Form::Variable(builtin, Type::Stack(stack))) if !arguments.is_empty() => {
                self.stack_call(call, *builtin, *stack)
            }
            Some(Form::Variable(..)) => self.variable_call(call),
            Some(Form::ProbeName | Form::FunctionName) | None => {
                if let Some(message) = unsupported::function(name) {
                    self.errors.error_at(call.name_span, message);
                    return None;
                }
                let label = did_you_mean(name, &names(false));
                let message = format_args!("unknown function `{name}`");
                self.errors
                    .report_with(call.name_span, message, label, None);
                None
            }
        }
    }

    /// ply's call forms of its variables: `pid()` is `pid`, `stack()` is `stack`.
    fn variable_call(&mut self, call: Call<'_, '_>) -> Option<Typed> {
        let name = call.name;
        if let Some(first) = call.arguments.first() {
            if name == "time" {
                self.errors.report_label(
                    call.span,
                    format_args!("bpftrace's `time(format)` is a statement of its own"),
                    format_args!("it prints the time of day; it has no value"),
                );
                return None;
            }
            self.errors.report_label(
                first.span,
                format_args!("`{name}()` takes no arguments"),
                format_args!("write `{name}` or `{name}()`"),
            );
            return None;
        }
        self.identifier(name, call.span, call.scope, false)
    }

    /// bpftrace's `kstack(mode)`, `kstack(N)` and `kstack(mode, N)`: the mode `perf` or
    /// `bpftrace`, then at most N frames, each a literal as in bpftrace.
    fn stack_call(
        &mut self,
        call: Call<'_, '_>,
        builtin: Builtin,
        mut stack: Stack,
    ) -> Option<Typed> {
        let mut rest = call.arguments;
        if let [ast::Expr {
            kind: ast::ExprKind::Ident(mode),
            ..
        }, after @ ..] = rest
        {
            if let Some(index) = crate::words::word_index("bpftrace perf", mode) {
                stack.perf = index == 1;
                rest = after;
            }
        }
        let bad = match rest {
            [] => None,
            [ast::Expr {
                kind: ast::ExprKind::Int(depth @ 1..=MAX_STACK_DEPTH),
                ..
            }] => {
                stack.depth = *depth as u16;
                None
            }
            [one] => Some(one.span),
            _ => Some(call.span),
        };
        if let Some(span) = bad {
            self.errors.error_at(span, STACK_ARGUMENTS.into());
            return None;
        }
        let kind = ExprKind::Builtin(builtin);
        Some(super::expression::expr(kind, Type::Stack(stack), call.span))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{Format, PrintOptions};
    use crate::sema::program::Function;

    /// 24 bytes on a 64-bit host (the name is apart, in `NAMES`); a 32-bit one's smaller
    /// pointers make it less.
    #[test]
    fn each_row_is_at_most_24_bytes() {
        let size = std::mem::size_of::<Form>();
        assert!(size <= 24, "{size}");
        if cfg!(target_pointer_width = "64") {
            assert_eq!(size, 24);
        }
    }

    #[test]
    fn each_name_is_one_row() {
        let names: Vec<&str> = NAMES.split(' ').collect();
        // The words, then the empty one after the last space.
        assert_eq!(names.len(), TABLE.len() + 1);
        assert_eq!(names.last(), Some(&""));
        for (index, name) in names[..TABLE.len()].iter().enumerate() {
            assert!(!name.is_empty());
            assert!(!names[..index].contains(name), "`{name}` is defined twice");
        }
        assert!(definition("").is_none());
    }

    #[test]
    fn typed_calls_and_aggregations_print_under_their_records_names() {
        let calls = [
            Function::Printf {
                format: std::rc::Rc::new(Format::EMPTY),
            },
            Function::Cat {
                format: std::rc::Rc::new(Format::EMPTY),
            },
            Function::System {
                format: std::rc::Rc::new(Format::EMPTY),
            },
            Function::Signal,
            Function::StrContains,
            Function::Print,
            Function::PrintMap(PrintOptions::WHOLE),
            Function::Exit,
            Function::Clear { zero: false },
            Function::Clear { zero: true },
            Function::Str { length: 1 },
            Function::Mem { length: 1 },
            Function::Uptr,
            Function::Kptr,
            Function::Ksym,
            Function::Usym,
            Function::Dyn,
            Function::StrCmp,
            Function::StrNCmp { length: 1 },
            Function::Strftime,
            Function::Join {
                separator: "".into(),
            },
            Function::Ntop,
            Function::Buf,
            Function::Bswap,
            Function::Time { format: "".into() },
        ];
        let names: Vec<&str> = calls.iter().map(Function::name).collect();
        assert_eq!(
            names,
            [
                "printf",
                "cat",
                "system",
                "signal",
                "strcontains",
                "print",
                "print",
                "exit",
                "clear",
                "zero",
                "str",
                "mem",
                "uptr",
                "kptr",
                "ksym",
                "usym",
                "dyn",
                "strcmp",
                "strncmp",
                "strftime",
                "join",
                "ntop",
                "buf",
                "bswap",
                "time"
            ]
        );
        // Each a function's record, but `time`: ply's variable, bpftrace's statement.
        for name in &names[..names.len() - 1] {
            let form = definition(name);
            assert!(matches!(form, Some(Form::Function { .. })), "{name}");
        }
        assert_eq!(aggregation_name(MapKind::Quantize), Some("quantize"));
        assert_eq!(
            aggregation_name(MapKind::Lhist {
                min: 1,
                max: 9,
                step: 2
            }),
            Some("lhist")
        );
        assert_eq!(aggregation_name(MapKind::Plain), None);
        assert_eq!(aggregation_of("hist"), Some((MapKind::Quantize, 1)));
        assert_eq!(aggregation_of("printf"), None);
    }
}
