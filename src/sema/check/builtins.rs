//! sema::check::builtins: every name a script may use without defining it — the variables every
//! probe has, the functions, the aggregations — one record each in one table, the way ply's
//! `struct func` is: its name, how many arguments it takes, how it is typed, and the typed node
//! that bears its name. The compiler lowers those nodes (`Builtin`, `Function`, `MapKind`).

use std::mem::discriminant;

use super::actions::{cat, clear, exit, join, print, printf, signal, system};
use super::expression::register;
use super::functions::{
    bswap, buf, dyn_field, kaddr, ntop, pointer, read, resolved, strcmp, strftime, symbol, Call,
    MAC_SOURCE,
};
use super::{did_you_mean, Checker, Scope, Typed};
use crate::lang::ast;
use crate::lang::diag::Span;
use crate::lang::unsupported;
use crate::sema::program::{Builtin, ExprKind, MapKind};
use crate::sema::types::{Id, Type, U32, U64};
use crate::wire::{self, Resolve, Stack};

pub(super) struct Definition {
    /// The name a script writes, NUL-padded: every built-in's fits in 8 bytes, and a row
    /// without a pointer to its name is 32 bytes. A second spelling (bpftrace's `hist` for
    /// `quantize`) is a record of its own.
    name: [u8; NAME_SIZE],
    pub(super) form: Form,
}

const NAME_SIZE: usize = 8;

/// `name` NUL-padded as a row holds it; None when longer than any built-in's. The rows' names
/// are made by it too, so a longer one fails the build.
const fn padded(name: &str) -> Option<[u8; NAME_SIZE]> {
    let bytes = name.as_bytes();
    if bytes.len() > NAME_SIZE {
        return None;
    }
    let mut padded = [0; NAME_SIZE];
    let mut index = 0;
    while index < bytes.len() {
        padded[index] = bytes[index];
        index += 1;
    }
    Some(padded)
}

impl Definition {
    const fn new(name: &str, form: Form) -> Definition {
        match padded(name) {
            Some(name) => Definition { name, form },
            None => panic!("a built-in's name is longer than NAME_SIZE"),
        }
    }

    pub(super) fn name(&'static self) -> &'static str {
        let length = self.name.iter().position(|&byte| byte == 0);
        let name = &self.name[..length.unwrap_or(NAME_SIZE)];
        std::str::from_utf8(name).unwrap_or_default()
    }
}

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
    /// thin pointer, so that every row is 40 bytes (`ANY` is `u16::MAX`: no upper bound).
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

/// Variables, then functions, then aggregations: "did you mean" takes the first of equally
/// near names in this order.
// A const, not a static: a `Type` (it may hold an `Rc`) is not `Sync`.
#[rustfmt::skip] // one row a built-in, aligned, as ply's table of funcs
const TABLE: &[Definition] = &[
    variable("comm",     Builtin::Comm,        Type::Chars(16)),
    variable("execname", Builtin::Comm,        Type::Chars(16)),
    variable("pid",      Builtin::Pid,         Type::Id(Id::Process)),
    variable("tid",      Builtin::Tid,         Type::Id(Id::Process)),
    variable("kpid",     Builtin::Tid,         Type::Id(Id::Process)),
    variable("uid",      Builtin::Uid,         Type::Id(Id::User)),
    variable("username", Builtin::Uid,         Type::Resolved(Resolve::UserName)),
    variable("gid",      Builtin::Gid,         Type::Id(Id::Group)),
    variable("cpu",      Builtin::Cpu,         Type::Id(Id::Cpu)),
    variable("rand",     Builtin::Rand,        U32),
    variable("cgroup",   Builtin::Cgroup,      U64),
    variable("numaid",   Builtin::NumaId,      U32),
    variable("jiffies",  Builtin::Jiffies,     U64),
    variable("time",     Builtin::Nsecs,       Type::Time),
    variable("nsecs",    Builtin::Nsecs,       U64),
    variable("walltime", Builtin::WallTime,    Type::WallTime),
    variable("elapsed",  Builtin::Elapsed,     U64),
    variable("stack",    Builtin::KernelStack, stack(false)),
    variable("kstack",   Builtin::KernelStack, stack(false)),
    variable("ustack",   Builtin::UserStack,   stack(true)),
    Definition::new("probe", Form::ProbeName),
    Definition::new("func",  Form::FunctionName),
    function("printf", 1, ANY, &"a format string and its values",    printf),
    function("cat",    1, ANY, &"a file name's format string and its values", cat),
    function("system", 1, ANY, &"a format string and its values",    system),
    function("signal", 1, 1,   &"one signal",                        signal),
    function("print",  0, ANY, &"values or a map",                   print),
    function("exit",   0, 1,   &"at most one exit code",             exit),
    function("clear",  1, 1,   &"one map",                           clear),
    function("zero",   1, 1,   &"one map",                           clear),
    function("str",    1, 2,   &"an address and an optional length", read),
    function("mem",    1, 2,   &"an address and an optional length", read),
    function("uptr",   1, 1,   &"one address",                       pointer),
    function("kptr",   1, 1,   &"one address",                       pointer),
    function("ksym",   1, 1,   &"one address",                       symbol),
    function("usym",   1, 1,   &"one address",                       symbol),
    function("dyn",    1, 1,   &"one `__data_loc` field",            dyn_field),
    function("strcmp", 2, 2,   &"two strings",                       strcmp),
    function("strncmp", 3, 3,  &"two strings and a length",          strcmp),
    function("strftime", 2, 2, &"a format string and nanoseconds",   strftime),
    function("kaddr",  1, 1,   &"one kernel symbol's name",          kaddr),
    function("join",   1, 2,   &"an array of string addresses and an optional separator", join),
    function("ntop",   1, 2,   &"an optional address family and an address", ntop),
    function("buf",    1, 2,   &"an address or array and a length",  buf),
    function("bswap",  1, 1,   &"one integer",                       bswap),
    function("strerror", 1, 1, &"one error number",                  resolved),
    function("macaddr", 1, 1,  &MAC_SOURCE,                          resolved),
    function("reg",    1, 1,   &"one register's name",               register),
    aggregation("count",    || MapKind::Count,    0),
    aggregation("sum",      || MapKind::Sum,      1),
    aggregation("quantize", || MapKind::Quantize, 1),
    aggregation("hist",     || MapKind::Quantize, 1),
    aggregation("lhist",    || MapKind::Lhist { min: 0, max: 0, step: 0 }, 4),
    aggregation("min",      || MapKind::Min,      1),
    aggregation("max",      || MapKind::Max,      1),
    aggregation("avg",      || MapKind::Avg,      1),
    aggregation("stats",    || MapKind::Stats,    1),
];

const fn variable(name: &'static str, builtin: Builtin, ty: Type) -> Definition {
    Definition::new(name, Form::Variable(builtin, ty))
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

const fn function(
    name: &'static str,
    low: usize,
    high: usize,
    wanted: &'static &'static str,
    typing: Typing,
) -> Definition {
    let (low, high) = (low as u16, high as u16);
    let form = Form::Function {
        low,
        high,
        wanted,
        typing,
    };
    Definition::new(name, form)
}

const fn aggregation(name: &'static str, kind: fn() -> MapKind, arguments: usize) -> Definition {
    let arguments = arguments as u8;
    Definition::new(name, Form::Aggregation { kind, arguments })
}

/// The built-in a script calls `name`, if any.
pub(super) fn definition(name: &str) -> Option<&'static Definition> {
    let name = padded(name)?;
    TABLE.iter().find(|definition| definition.name == name)
}

/// An aggregation's map kind (lhist's with zero bounds) and its argument count.
pub(super) fn aggregation_of(name: &str) -> Option<(MapKind, usize)> {
    match definition(name)?.form {
        Form::Aggregation { kind, arguments } => Some((kind(), arguments.into())),
        _ => None,
    }
}

/// For "did you mean": the names of the variables every probe has (`variables`), or those of
/// the functions and aggregations.
pub(super) fn names(variables: bool) -> Vec<&'static str> {
    let mut names = Vec::new();
    for definition in TABLE {
        let variable = matches!(
            definition.form,
            Form::Variable(..) | Form::ProbeName | Form::FunctionName
        );
        if variable == variables {
            names.push(definition.name());
        }
    }
    names
}

/// The name of the aggregation that makes a map of `kind` (ply's: `quantize`, not `hist`).
pub(in crate::sema) fn aggregation_name(kind: MapKind) -> Option<&'static str> {
    TABLE
        .iter()
        .find(|definition| {
            matches!(definition.form, Form::Aggregation { kind: made, .. }
                if discriminant(&made()) == discriminant(&kind))
        })
        .map(Definition::name)
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
        match definition(name).map(|definition| &definition.form) {
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

    /// 32 bytes on a 64-bit host; a 32-bit one's smaller pointers make it less.
    #[test]
    fn each_row_is_at_most_32_bytes() {
        let size = std::mem::size_of::<Definition>();
        assert!(size <= 32, "{size}");
        if cfg!(target_pointer_width = "64") {
            assert_eq!(size, 32);
        }
    }

    #[test]
    fn each_name_is_one_record() {
        for (index, definition) in TABLE.iter().enumerate() {
            assert!(
                TABLE[..index]
                    .iter()
                    .all(|earlier| earlier.name != definition.name),
                "`{}` is defined twice",
                definition.name()
            );
        }
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
                "printf", "cat", "system", "signal", "print", "print", "exit", "clear", "zero",
                "str", "mem", "uptr", "kptr", "ksym", "usym", "dyn", "strcmp", "strncmp",
                "strftime", "join", "ntop", "buf", "bswap", "time"
            ]
        );
        // Each a function's record, but `time`: ply's variable, bpftrace's statement.
        for name in &names[..names.len() - 1] {
            let form = definition(name).map(|definition| &definition.form);
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
