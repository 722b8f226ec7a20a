//! sema::check::actions: the typing of the built-in calls that act rather than give a value:
//! the records user space prints or runs (printf, cat, system, print, clear, exit, time, join)
//! and signal(); the argument count is already checked in `builtins`.

use std::rc::Rc;

use super::conversion::coerce;
use super::expression::{expr, literal_value};
use super::functions::{format_literal, typed_argument, typed_call, typed_call_of, Call};
use super::{Checker, Typed};
use crate::lang::ast;
use crate::lang::diag::Span;
use crate::output::{Format, PrintOptions};
use crate::sema::program::{Expr, ExprKind, Function};
use crate::sema::types::{Type, U32};
use crate::words::word_index;

/// `printf("format", values...)`: the format is a literal that must fit its values.
pub(super) fn printf(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    formatted_call(checker, call, |format| Function::Printf { format })
}

/// bpftrace's `cat("format", values...)`: the file the format names, printed by user space.
pub(super) fn cat(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    formatted_call(checker, call, |format| Function::Cat { format })
}

/// bpftrace's `system("format", values...)`: the command user space runs, with `--unsafe`.
pub(super) fn system(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    permitted(checker, &call, "runs a command")?;
    formatted_call(checker, call, |format| Function::System { format })
}

/// bpftrace's `signal(SIG)`, with `--unsafe`: SIG, a name as kill(1) takes it (`KILL`,
/// `SIGKILL`, any case) or a number, sent to the task the probe fired in.
pub(super) fn signal(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    permitted(checker, &call, "sends signals")?;
    if !checker.providers.sends_signals() {
        checker.errors.report(
            call.span,
            format_args!("signal() needs bpf_send_signal (Linux 5.3); this kernel lacks it"),
        );
        return None;
    }
    let node = &call.arguments[0];
    let number = match &node.kind {
        ast::ExprKind::Str(name) => {
            signal_number(name).map(|number| expr(ExprKind::Int(number.into()), U32, node.span))
        }
        _ => {
            let number = checker.value(node, call.scope)?;
            let out_of_range = literal_value(&number).is_some_and(|n| !(1..=64).contains(&n));
            let signal = number.ty.is_integer() && !out_of_range;
            signal.then_some(number)
        }
    };
    let Some(mut number) = number else {
        checker.errors.report(
            node.span,
            format_args!("not a signal: a name `kill -l` lists, or a number from 1 to 64"),
        );
        return None;
    };
    coerce(&mut number, &U32);
    Some(typed_call_of(
        Function::Signal,
        number,
        Type::Void,
        call.span,
    ))
}

/// Signal names from number 1 on: the generic numbering, which MIPS does not share.
#[cfg(not(any(target_arch = "mips", target_arch = "mips64")))]
const SIGNALS: &str =
    "HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT \
    CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS";
#[cfg(any(target_arch = "mips", target_arch = "mips64"))]
const SIGNALS: &str = "HUP INT QUIT ILL TRAP ABRT EMT FPE KILL BUS SEGV SYS PIPE ALRM TERM USR1 \
    USR2 CHLD PWR WINCH URG IO STOP TSTP CONT TTIN TTOU VTALRM PROF XCPU XFSZ";

/// The number of signal `name` (`KILL`, `SIGKILL`, `kill`; bpftrace's `POLL` is `IO`).
fn signal_number(name: &[u8]) -> Option<u8> {
    let name = name.to_ascii_uppercase();
    let name = name.strip_prefix(b"SIG").unwrap_or(&name);
    let name: &[u8] = if name == b"POLL" { b"IO" } else { name };
    let found = std::str::from_utf8(name)
        .ok()
        .and_then(|name| word_index(SIGNALS, name));
    found.map(|index| index as u8 + 1)
}

/// A function bpftrace calls unsafe (it `does` more than trace) is an error without `--unsafe`.
fn permitted(checker: &mut Checker<'_>, call: &Call<'_, '_>, does: &str) -> Option<()> {
    if checker.environment.unsafe_calls {
        return Some(());
    }
    let name = call.name;
    checker.errors.report(
        call.span,
        format_args!("`{name}()` {does}: it needs --unsafe"),
    );
    None
}

/// A call of `function`, whose format and values `formatted` checks.
fn formatted_call(
    checker: &mut Checker<'_>,
    call: Call<'_, '_>,
    function: fn(Rc<Format>) -> Function,
) -> Option<Typed> {
    let span = call.span;
    let (format, arguments) = formatted(checker, call)?;
    Some(typed_call(function(format), arguments, Type::Void, span))
}

/// A call whose first argument is a printf format literal that must fit the values after it.
fn formatted(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<(Rc<Format>, Vec<Expr>)> {
    let name = call.name;
    let format_node = call.arguments.first()?;
    let ast::ExprKind::Str(bytes) = &format_node.kind else {
        checker.errors.report(
            format_node.span,
            format_args!("{name}'s format must be a string literal"),
        );
        return None;
    };
    let Ok(format_text) = std::str::from_utf8(bytes) else {
        checker.errors.report(
            format_node.span,
            format_args!("{name}'s format is not UTF-8"),
        );
        return None;
    };
    let format = match crate::output::Format::parse(format_text) {
        Ok(format) => format,
        Err(error) => {
            checker.errors.report(
                format_span(format_node.span, bytes, error.offset),
                format_args!("bad {name} format: {}", error.message),
            );
            return None;
        }
    };
    let values = checker.all_typed(&call.arguments[1..], call.scope, false, |value| {
        match &value.ty {
            Type::Void => Some("this has no value to print"),
            // As in bpftrace: no conversion formats a whole tuple.
            Type::Struct(record) if record.name.is_none() => {
                Some("a format takes a tuple's elements ($t.0); print() takes a whole tuple")
            }
            _ => None,
        }
    });
    let wanted = format.arguments();
    let given = call.arguments.len() - 1;
    if given > wanted {
        checker.errors.report_label(
            call.arguments[1 + wanted].span,
            format_args!("{name} has {given} values but its format uses {wanted}"),
            format_args!("not used by the format"),
        );
        return None;
    }
    if given < wanted {
        let end = Span::new(call.span.end.saturating_sub(1), call.span.end);
        checker.errors.report_note(
            end,
            format_args!("{name}'s format uses {wanted} values but only {given} given"),
            (format_node.span, format_args!("the format")),
        );
        return None;
    }
    Some((Rc::new(format), values?))
}

/// `print(values...)`, or bpftrace's `print(@map, top, divisor)`.
pub(super) fn print(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let mut values = checker.all_typed(call.arguments, call.scope, true, |value| {
        (matches!(value.ty, Type::Void) && !matches!(value.kind, ExprKind::MapRef(_)))
            .then_some("this has no value to print")
    })?;
    if !values
        .first()
        .is_some_and(|first| matches!(first.kind, ExprKind::MapRef(_)))
    {
        if let Some(map) = values
            .iter()
            .find(|value| matches!(value.kind, ExprKind::MapRef(_)))
        {
            checker.errors.report_label(
                map.span,
                format_args!("a whole map prints by itself"),
                format_args!("write print(@map), or print(@map, top, divisor)"),
            );
            return None;
        }
        return Some(typed_call(Function::Print, values, Type::Void, call.span));
    }
    // bpftrace's print(@map, top, divisor): number literals, 0 meaning all / 1.
    let options = values.split_off(1);
    let mut numbers = options.iter();
    let mut option = |what: &str| -> Option<u64> {
        let Some(value) = numbers.next() else {
            return Some(0);
        };
        match literal_value(value) {
            Some(number) if number >= 0 => Some(number as u64),
            _ => {
                checker.errors.report(value.span, format_args!("the {what} of print(@map, top, divisor) must be a number literal, 0 or more"));
                None
            }
        }
    };
    let top = option("top");
    let divisor = option("divisor");
    if let Some(extra) = numbers.next() {
        checker.errors.report_label(
            extra.span,
            format_args!("print(@map, top, divisor) takes a map and up to two numbers"),
            format_args!("one too many"),
        );
        return None;
    }
    let options = PrintOptions {
        top: top?,
        divisor: divisor?.max(1),
    };
    Some(typed_call(
        Function::PrintMap(options),
        values,
        Type::Void,
        call.span,
    ))
}

/// `clear(@map)`, `zero(@map)`.
pub(super) fn clear(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let typed = checker.expression(&call.arguments[0], call.scope, true)?;
    if !matches!(typed.kind, ExprKind::MapRef(_)) {
        checker.errors.report_label(
            call.arguments[0].span,
            format_args!("{}() takes a whole map", call.name),
            format_args!("write the map's name without a key"),
        );
        return None;
    }
    let zero = call.name == "zero";
    Some(typed_call_of(
        Function::Clear { zero },
        typed,
        Type::Void,
        call.span,
    ))
}

/// `exit()` or `exit(code)`.
pub(super) fn exit(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let mut values = Vec::new();
    if let Some(argument) = call.arguments.first() {
        let rule = format_args!("the exit code must be an integer");
        values.push(*typed_argument(
            checker,
            argument,
            call.scope,
            Type::is_integer,
            rule,
        )?);
    }
    Some(typed_call(Function::Exit, values, Type::Void, call.span))
}

/// The default format of bpftrace's `time()`.
pub const TIME_FORMAT: &str = "%H:%M:%S\n";

/// bpftrace's `time()` / `time(format)` statement: the time of day, printed by user space.
pub(super) fn time(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    if call.arguments.len() > 1 {
        checker.errors.report(
            call.arguments[1].span,
            format_args!("`time()` takes at most one format string"),
        );
        return None;
    }
    let format = match call.arguments.first() {
        Some(format) => format_literal(checker, format, "time's format")?,
        None => TIME_FORMAT,
    };
    Some(typed_call(
        Function::Time {
            format: format.into(),
        },
        Vec::new(),
        Type::Void,
        call.span,
    ))
}

/// bpftrace's `join(argv)` / `join(argv, separator)` statement: the strings an array of user
/// string addresses (execve's `argv`) points to, printed by user space on one line.
pub(super) fn join(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let rule = format_args!("join() needs the address of an array of strings");
    let is_address = |ty: &Type| matches!(ty, Type::Pointer { .. }) || ty.is_integer();
    let node = &call.arguments[0];
    let array = typed_argument(checker, node, call.scope, is_address, rule)?;
    let separator = match call.arguments.get(1) {
        Some(separator) => format_literal(checker, separator, "join's separator")?,
        None => " ",
    };
    Some(typed_call_of(
        Function::Join {
            separator: separator.into(),
        },
        array,
        Type::Void,
        call.span,
    ))
}

/// The span of a bad conversion inside a format literal: exact when the literal has no escapes
/// (so decoded offsets are source offsets), else the whole literal.
fn format_span(literal: Span, bytes: &[u8], offset: usize) -> Span {
    let source_length = literal.end.saturating_sub(literal.start);
    if source_length == bytes.len() + 2 && offset < bytes.len() {
        let start = literal.start + 1 + offset;
        let end = bytes[offset + 1..]
            .iter()
            .position(|byte| byte.is_ascii_alphabetic())
            .map_or(literal.end - 1, |at| start + at + 2);
        Span::new(start, end)
    } else {
        literal
    }
}

#[cfg(test)]
mod tests {
    use super::signal_number;

    /// The names are numbered as this target's libc numbers them, with or without `SIG`, in
    /// any case; bpftrace's `POLL` is `IO`; a number or a name kill(1) lacks is none.
    #[test]
    fn signal_names_have_this_targets_numbers() {
        let signals = [
            ("HUP", libc::SIGHUP),
            ("INT", libc::SIGINT),
            ("QUIT", libc::SIGQUIT),
            ("ILL", libc::SIGILL),
            ("TRAP", libc::SIGTRAP),
            ("ABRT", libc::SIGABRT),
            ("BUS", libc::SIGBUS),
            ("FPE", libc::SIGFPE),
            ("KILL", libc::SIGKILL),
            ("USR1", libc::SIGUSR1),
            ("SEGV", libc::SIGSEGV),
            ("USR2", libc::SIGUSR2),
            ("PIPE", libc::SIGPIPE),
            ("ALRM", libc::SIGALRM),
            ("TERM", libc::SIGTERM),
            ("CHLD", libc::SIGCHLD),
            ("CONT", libc::SIGCONT),
            ("STOP", libc::SIGSTOP),
            ("TSTP", libc::SIGTSTP),
            ("TTIN", libc::SIGTTIN),
            ("TTOU", libc::SIGTTOU),
            ("URG", libc::SIGURG),
            ("XCPU", libc::SIGXCPU),
            ("XFSZ", libc::SIGXFSZ),
            ("VTALRM", libc::SIGVTALRM),
            ("PROF", libc::SIGPROF),
            ("WINCH", libc::SIGWINCH),
            ("IO", libc::SIGIO),
            ("POLL", libc::SIGIO),
            ("PWR", libc::SIGPWR),
            ("SYS", libc::SIGSYS),
        ];
        for (name, number) in signals {
            for spelling in [
                name.to_string(),
                format!("SIG{name}"),
                format!("sig{name}").to_lowercase(),
            ] {
                assert_eq!(
                    signal_number(spelling.as_bytes()),
                    Some(number as u8),
                    "{spelling}"
                );
            }
        }
        for unknown in ["", "SIG", "9", "SIGSIGKILL", "RTMIN", "KIL", "KILLL"] {
            assert_eq!(signal_number(unknown.as_bytes()), None, "{unknown}");
        }
    }
}
