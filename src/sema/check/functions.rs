//! sema::check::functions: the typing of each built-in function's call, as the table in
//! `builtins` names them; the argument count is already checked there.

use std::fmt;
use std::rc::Rc;

use super::conversion::coerce;
use super::expression::{expr, literal_value};
use super::{Checker, Scope, Typed};
use crate::lang::ast::{self, UnaryOp};
use crate::lang::diag::Span;
use crate::output::{Format, PrintOptions};
use crate::sema::program::{Expr, ExprKind, Function};
use crate::sema::types::{AddressSpace, Type, I32, U32, U64};
use crate::wire;
use crate::words::word_index;

/// Bytes `str()` and `mem()` read when no length is given (ply's string size).
pub const DEFAULT_STRING_SIZE: usize = 128;
/// BPF programs have 512 bytes of stack; nothing read onto it can be larger.
pub const MAX_STACK: usize = 512;

/// A call of a built-in function, as the script wrote it.
pub(super) struct Call<'a, 's> {
    pub(super) name: &'a str,
    pub(super) name_span: Span,
    pub(super) arguments: &'a [ast::Expr],
    pub(super) span: Span,
    /// The scope of the probe the call is in.
    pub(super) scope: &'a mut Scope<'s>,
}

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
        matches!(value.ty, Type::Void).then_some("this has no value to print")
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

/// `str(address[, length])` and `mem(address[, length])`: bytes read through an address.
pub(super) fn read(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let name = call.name;
    let address = checker.value(&call.arguments[0], call.scope)?;
    let readable = (address.ty.is_scalar() && address.ty.size() <= 8)
        || (name == "str" && matches!(address.ty, Type::Chars(_)));
    if !readable {
        checker.errors.report(
            call.arguments[0].span,
            format_args!(
                "`{name}()` reads through an address, and {} is not one",
                address.ty
            ),
        );
        return None;
    }
    // bpftrace's `str(p, n)` with n known only as the probe runs: n characters, at most
    // bpftrace's 63 (its 64 bytes with the NUL).
    let mut runtime = None;
    let length = match call.arguments.get(1) {
        None => DEFAULT_STRING_SIZE,
        Some(length_node) => {
            let mut length = checker.value(length_node, call.scope)?;
            match literal_value(&length) {
                Some(value) if value >= 1 && value as usize <= MAX_STACK => value as usize,
                Some(_) => {
                    checker.errors.report(
                        length_node.span,
                        format_args!(
                            "the length must be between 1 and {MAX_STACK} (the BPF stack)"
                        ),
                    );
                    return None;
                }
                None if name == "str"
                    && length.ty.is_integer()
                    && matches!(address.ty, Type::Pointer { .. } | Type::Int { .. }) =>
                {
                    coerce(&mut length, &U64);
                    runtime = Some(length);
                    64
                }
                None => {
                    checker.errors.report(
                        length_node.span,
                        format_args!("the length must be a number literal"),
                    );
                    return None;
                }
            }
        }
    };
    if matches!(
        address.kind,
        ExprKind::Call {
            function: Function::Dyn,
            ..
        }
    ) {
        // `str()` of a `__data_loc` field: the string it locates, as long as `str()` says.
        let mut located = address;
        located.ty = Type::Chars(length);
        located.span = call.span;
        return Some(located);
    }
    if matches!(address.ty, Type::Chars(_)) {
        return Some(address);
    }
    let function = if name == "str" {
        Function::Str { length }
    } else {
        Function::Mem { length }
    };
    let address = checker.as_pointer(address, call.scope);
    Some(match runtime {
        Some(count) => typed_call_of_two(function, address, count, Type::Chars(length), call.span),
        None => typed_call_of(function, address, Type::Chars(length), call.span),
    })
}

/// `uptr(address)` and `kptr(address)`: the address, marked as into user or kernel memory.
pub(super) fn pointer(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let name = call.name;
    let rule = format_args!("{name}() needs an address");
    let is_address =
        |ty: &Type| matches!(ty, Type::Pointer { .. }) || (ty.is_integer() && ty.size() <= 8);
    let node = &call.arguments[0];
    let address = typed_argument(checker, node, call.scope, is_address, rule)?;
    let target = match &address.ty {
        Type::Pointer { target, .. } => (**target).clone(),
        _ => Type::Void,
    };
    let (function, space) = if name == "uptr" {
        (Function::Uptr, AddressSpace::User)
    } else {
        (Function::Kptr, AddressSpace::Kernel)
    };
    let ty = Type::pointer(target, space);
    Some(typed_call_of(function, address, ty, call.span))
}

/// `ksym(address)` and `usym(address)`: an address that prints as the symbol it is in.
pub(super) fn symbol(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let name = call.name;
    let rule = format_args!("{name}() needs an address");
    let node = &call.arguments[0];
    let address = typed_argument(checker, node, call.scope, Type::is_scalar, rule)?;
    Some(if name == "ksym" {
        typed_call_of(Function::Ksym, address, Type::KernelAddress, call.span)
    } else {
        typed_call_of(Function::Usym, address, Type::UserAddress, call.span)
    })
}

/// `dyn(data->field)`: the string a tracepoint's `__data_loc` field locates.
pub(super) fn dyn_field(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let field = checker.value(&call.arguments[0], call.scope)?;
    // The field already reads as its string.
    if matches!(
        field.kind,
        ExprKind::Call {
            function: Function::Dyn,
            ..
        }
    ) {
        return Some(field);
    }
    if !matches!(field.kind, ExprKind::Member { .. }) || !field.ty.is_integer() {
        checker.errors.report_label(
            call.arguments[0].span,
            format_args!("dyn() reads a tracepoint's `__data_loc` field"),
            format_args!("write `dyn(data->field)`"),
        );
        return None;
    }
    Some(typed_call_of(
        Function::Dyn,
        field,
        Type::Chars(DEFAULT_STRING_SIZE),
        call.span,
    ))
}

/// `strcmp(a, b)`.
pub(super) fn strcmp(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let name = call.name;
    let left = checker.value(&call.arguments[0], call.scope);
    let right = checker.value(&call.arguments[1], call.scope);
    let (left, right) = (left?, right?);
    for side in [&left, &right].iter() {
        if !matches!(side.ty, Type::Chars(_)) {
            checker.errors.report(
                side.span,
                format_args!("{name}() compares strings; this is {}", side.ty),
            );
            return None;
        }
    }
    let function = match call.arguments.get(2) {
        None => Function::StrCmp,
        Some(node) => {
            let length = checker.value(node, call.scope)?;
            match literal_value(&length) {
                Some(length) if length >= 1 => Function::StrNCmp {
                    length: length as usize,
                },
                _ => {
                    checker.errors.report(
                        node.span,
                        format_args!("the length must be a number literal of at least 1"),
                    );
                    return None;
                }
            }
        }
    };
    Some(typed_call_of_two(function, left, right, I32, call.span))
}

/// bpftrace's `strftime(format, nsecs)`: nanoseconds (of the clock `nsecs` reads) that print
/// as the local time, formatted in user space.
pub(super) fn strftime(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let format = format_literal(checker, &call.arguments[0], "strftime's format");
    let nanoseconds = checker.value(&call.arguments[1], call.scope)?;
    if !nanoseconds.ty.is_integer() {
        checker.errors.report(
            nanoseconds.span,
            format_args!("strftime() takes nanoseconds, not {}", nanoseconds.ty),
        );
        return None;
    }
    let ty = Type::Strftime(format?.into());
    Some(typed_call_of(
        Function::Strftime,
        nanoseconds,
        ty,
        call.span,
    ))
}

/// bpftrace's `ntop(address)` / `ntop(family, address)`: an IPv4 address in an integer (its
/// low 4 bytes as they are in memory: network order when read from a socket) or a 4-byte array,
/// an IPv6 one in a 16-byte array; without a family, the address's size says which.
pub(super) fn ntop(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let (address_node, family_node) = call.arguments.split_last()?;
    let family = family_node.first().map(|node| {
        let rule = format_args!("ntop()'s address family is an integer");
        typed_argument(checker, node, call.scope, Type::is_integer, rule)
    });
    let address = checker.value(address_node, call.scope)?;
    let size = address.ty.size();
    let array = matches!(address.ty, Type::Array(..) | Type::Chars(_)) && (size == 4 || size == 16);
    if !array && !address.ty.is_integer() {
        checker.errors.report(
            address_node.span,
            format_args!(
                "ntop() takes an integer or a 4- or 16-byte array, not {}",
                address.ty
            ),
        );
        return None;
    }
    let family = match family {
        Some(family) => {
            let mut family = family?;
            coerce(&mut family, &U32);
            family
        }
        None => {
            let family = if array && size == 16 {
                wire::AF_INET6
            } else {
                wire::AF_INET
            };
            expr(ExprKind::Int(family.into()), U32, call.span)
        }
    };
    // An integer's low 4 bytes, zero-extended as bpftrace does: `ntop((int16)-1)` is
    // 255.255.0.0.
    let mut address = address;
    if !array {
        let bytes = size.min(4) as u8;
        let unsigned = Type::Int {
            bytes,
            signed: false,
        };
        coerce(&mut address, &unsigned);
        coerce(&mut address, &U32);
    }
    Some(typed_call_of_two(
        Function::Ntop,
        family,
        address,
        Type::Inet,
        call.span,
    ))
}

/// bpftrace's `buf(address, length)` / `buf(array[, length])`: that many bytes, at most the
/// literal length, or bpftrace's 64 when the length is known only as the probe runs (then
/// capped there); at most an array's own size (bpftrace reads on past its end).
pub(super) fn buf(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    /// bpftrace's default string length, the cap of a length computed as the probe runs.
    const RUNTIME_CAPACITY: usize = 64;
    let source = checker.value(&call.arguments[0], call.scope)?;
    let array = matches!(source.ty, Type::Array(..) | Type::Chars(_)).then(|| source.ty.size());
    let length = match call.arguments.get(1) {
        Some(node) => {
            let rule = format_args!("buf()'s length is an integer");
            let mut length = typed_argument(checker, node, call.scope, Type::is_integer, rule)?;
            coerce(&mut length, &U64);
            length
        }
        None => match array {
            Some(size) => expr(ExprKind::Int(size as u64), U64, call.span),
            None => {
                let message = "buf() of an address needs a length: buf(address, length)";
                checker.errors.report(call.span, format_args!("{message}"));
                return None;
            }
        },
    };
    let capacity = match (literal_value(&length), array) {
        (_, Some(size)) => size,
        (Some(value), None) if (0..=MAX_STACK as i64 / 2).contains(&value) => value as usize,
        (Some(_), None) => {
            let max = MAX_STACK / 2;
            let message = format_args!("buf()'s length must be between 0 and {max}");
            checker.errors.report(length.span, message);
            return None;
        }
        (None, None) => RUNTIME_CAPACITY,
    };
    let source = match array {
        Some(_) => source,
        None if source.ty.is_scalar() && source.ty.size() <= 8 => {
            checker.as_pointer(source, call.scope)
        }
        None => {
            let message = format_args!("buf() reads an address or an array, not {}", source.ty);
            checker.errors.report(call.arguments[0].span, message);
            return None;
        }
    };
    Some(typed_call_of_two(
        Function::Buf,
        source,
        length,
        Type::Buffer(capacity),
        call.span,
    ))
}

/// bpftrace's `bswap(n)`: n's bytes in reverse order, as many as its type has, unsigned; a
/// literal or an operator's result has 8, as bpftrace's integers do (tine's are C's `int`).
pub(super) fn bswap(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let rule = format_args!("bswap() reverses the bytes of an integer");
    let node = &call.arguments[0];
    let value = typed_argument(checker, node, call.scope, Type::is_integer, rule)?;
    let bytes = match value.kind {
        ExprKind::Int(_)
        | ExprKind::Binary { .. }
        | ExprKind::Unary {
            operator: UnaryOp::Negate | UnaryOp::BitNot | UnaryOp::Not,
            ..
        } => 8,
        _ => value.ty.size() as u8,
    };
    let ty = Type::Int {
        bytes,
        signed: false,
    };
    Some(typed_call_of(Function::Bswap, value, ty, call.span))
}

/// An argument of a type that `accepts` admits; `rule` says which in the error.
fn typed_argument(
    checker: &mut Checker<'_>,
    node: &ast::Expr,
    scope: &mut Scope<'_>,
    accepts: fn(&Type) -> bool,
    rule: fmt::Arguments<'_>,
) -> Option<Typed> {
    let value = checker.value(node, scope);
    let ty = &value.as_ref()?.ty;
    if !accepts(ty) {
        checker
            .errors
            .report(node.span, format_args!("{rule}, not {ty}"));
        return None;
    }
    value
}

/// bpftrace's `kaddr("symbol")`: where a kernel symbol is, read from kallsyms as the script is
/// compiled, a u64 constant.
pub(super) fn kaddr(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let name_node = &call.arguments[0];
    let name = format_literal(checker, name_node, "kaddr's symbol")?;
    let known = checker
        .kernel_symbols
        .iter()
        .find(|(known, _)| known == name);
    let address = match known {
        Some((_, address)) => address.clone(),
        None => {
            let address = checker.providers.kernel_symbol(name);
            checker
                .kernel_symbols
                .push((name.to_string(), address.clone()));
            address
        }
    };
    match address {
        Ok(Some(address)) => Some(expr(ExprKind::Int(address), U64, call.span)),
        Ok(None) => {
            checker.errors.report(
                name_node.span,
                format_args!("the kernel has no symbol `{name}`"),
            );
            None
        }
        Err(message) => {
            checker.errors.error_at(name_node.span, message);
            None
        }
    }
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

/// A format string for C's strftime: a literal, UTF-8, without NUL.
fn format_literal<'a>(
    checker: &mut Checker<'_>,
    node: &'a ast::Expr,
    what: &str,
) -> Option<&'a str> {
    let text = match &node.kind {
        ast::ExprKind::Str(bytes) if !bytes.contains(&0) => std::str::from_utf8(bytes).ok(),
        _ => None,
    };
    if text.is_none() {
        checker.errors.report(
            node.span,
            format_args!("{what} must be a string literal (UTF-8, without NUL)"),
        );
    }
    text
}

/// `typed_call` of one argument: one place allocates the argument list and unboxes into it
/// what the checker passes boxed.
#[inline(never)]
#[allow(clippy::boxed_local)]
pub(super) fn typed_call_of(function: Function, argument: Typed, ty: Type, span: Span) -> Typed {
    typed_call(function, vec![*argument], ty, span)
}

/// `typed_call` of two arguments.
#[inline(never)]
#[allow(clippy::boxed_local)]
fn typed_call_of_two(
    function: Function,
    first: Typed,
    second: Typed,
    ty: Type,
    span: Span,
) -> Typed {
    typed_call(function, vec![*first, *second], ty, span)
}

pub(super) fn typed_call(function: Function, arguments: Vec<Expr>, ty: Type, span: Span) -> Typed {
    expr(
        ExprKind::Call {
            function,
            arguments,
        },
        ty,
        span,
    )
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
