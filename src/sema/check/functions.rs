//! sema::check::functions: the typing of each built-in function's call that gives a value, as
//! the table in `builtins` names them (the calls that act, printf to exit, are in `actions`);
//! the argument count is already checked there.

use std::fmt;

use super::conversion::coerce;
use super::expression::{expr, literal_value};
use super::{Checker, Scope, Typed};
use crate::lang::ast::{self, UnaryOp};
use crate::lang::diag::Span;
use crate::sema::program::{Expr, ExprKind, Function};
use crate::sema::types::{AddressSpace, Type, I32, U32, U64, U8};
use crate::wire::{self, Resolve};

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

/// `strcmp(a, b)`, bpftrace's `strncmp(a, b, length)` and `strcontains(haystack, needle)`.
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
    let contains = name == "strcontains";
    let function = match call.arguments.get(2) {
        None if contains => Function::StrContains,
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
    let ty = if contains { U64 } else { I32 };
    Some(typed_call_of_two(function, left, right, ty, call.span))
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

/// bpftrace's `strerror(errno)`, `cgroup_path(id)` and `macaddr(address or 6-byte array)`: the
/// number, or the 6 bytes read through the address or the array's own, printed as what user
/// space finds they name (the C library's text for the errno, the cgroup's paths,
/// `AA:BB:CC:DD:EE:FF`).
pub(super) fn resolved(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let name = call.name;
    let mac = name == "macaddr";
    let (resolve, accepts, wanted): (_, fn(&Type) -> bool, _) = match name {
        "macaddr" => (Resolve::MacAddress, mac_source, MAC_SOURCE),
        "strerror" => (Resolve::ErrorText, Type::is_integer, "an integer"),
        _ => (Resolve::CgroupPath, Type::is_integer, "an integer"),
    };
    let rule = format_args!("{name}() takes {wanted}");
    let mut value = typed_argument(checker, &call.arguments[0], call.scope, accepts, rule)?;
    let ty = Type::Resolved(resolve);
    if !mac {
        coerce(&mut value, &ty);
    } else if value.ty.is_scalar() {
        let address = checker.as_pointer(value, call.scope);
        let length = Function::Mem { length: 6 };
        return Some(typed_call_of(length, address, ty, call.span));
    } else {
        // The array's bytes as they are: a cast would be a conversion.
        value.ty = ty;
    }
    Some(value)
}

pub(super) const MAC_SOURCE: &str = "an address or a 6-byte array";

fn mac_source(ty: &Type) -> bool {
    let array = matches!(ty, Type::Array(..) | Type::Chars(_)) && ty.size() == 6;
    array || ty.is_scalar() && ty.size() <= 8
}

/// bpftrace's `pton("address")`: the bytes inet_pton makes of an address, a `u8[4]` or
/// `u8[16]` constant.
pub(super) fn pton(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let node = &call.arguments[0];
    let text = format_literal(checker, node, "pton's address")?;
    let Some(bytes) = address_bytes(text) else {
        let message = format_args!("not an IPv4 or IPv6 address: `{text}`");
        checker.errors.report(node.span, message);
        return None;
    };
    let ty = Type::Array(Box::new(U8), bytes.len() as u32);
    Some(expr(ExprKind::Str(bytes), ty, call.span))
}

/// What inet_pton makes of `text`: the 4 bytes of an IPv4 address when it has a dot (as
/// bpftrace decides the family), else the 16 of an IPv6 one; None when it is not one. One loop
/// reads both: decimal bytes between dots, or hex groups between colons around at most one
/// `::`, which stands for one or more zero groups.
fn address_bytes(text: &str) -> Option<Vec<u8>> {
    let ipv4 = text.contains('.');
    // Bytes of the address, bytes a group, digits a group at most, and the radix.
    let (size, width, digits, radix) = if ipv4 { (4, 1, 3, 10) } else { (16, 2, 4, 16) };
    let separator = if ipv4 { '.' } else { ':' };
    let gap = match ipv4 {
        true => None,
        false => text.as_bytes().windows(2).position(|pair| pair == b"::"),
    };
    let (head, tail) = match gap {
        Some(at) => (&text[..at], &text[at + 2..]),
        None => (text, ""),
    };
    // The bytes before the gap and after it, and how many of each.
    let mut sides = [[0u8; 16]; 2];
    let mut lengths = [0; 2];
    for (side, part) in [head, tail].into_iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        for group in part.split(separator) {
            // No sign, and no leading zero in a decimal byte.
            let leading_zero = ipv4 && group.len() > 1 && group.starts_with('0');
            if group.is_empty() || group.len() > digits || leading_zero {
                return None;
            }
            let mut value: u32 = 0;
            for digit in group.chars() {
                value = value * radix + digit.to_digit(radix)?;
            }
            let at = lengths[side];
            if value >> (8 * width) != 0 || at + width > size {
                return None;
            }
            sides[side][at..at + width].copy_from_slice(&value.to_be_bytes()[4 - width..]);
            lengths[side] += width;
        }
    }
    let [head_length, tail_length] = lengths;
    let zeros = size.checked_sub(head_length + tail_length)?;
    if (zeros > 0) != gap.is_some() {
        return None;
    }
    let mut bytes = sides[0];
    bytes[size - tail_length..size].copy_from_slice(&sides[1][..tail_length]);
    Some(bytes[..size].to_vec())
}

/// An argument of a type that `accepts` admits; `rule` says which in the error.
pub(super) fn typed_argument(
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

/// bpftrace's `uaddr("name")`: where data object `name` of a uprobe's binary is, read from its
/// symbols as the script is compiled: a user pointer to a signed integer of the object's size
/// (1, 2 or 4 bytes; else 8), as bpftrace types it. The address is the file's own, which is the
/// process's in a binary that is not position-independent, as in bpftrace.
pub(super) fn uaddr(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let name_node = &call.arguments[0];
    let name = format_literal(checker, name_node, "uaddr's symbol")?;
    let found = match call.scope.context.data_symbol(name) {
        Some(found) => found,
        None => Err("uaddr() reads the symbols of a uprobe's binary: this probe has none".into()),
    };
    let (address, size) = match found {
        Ok(found) => found,
        Err(message) => {
            checker.errors.error_at(name_node.span, message);
            return None;
        }
    };
    let bytes = if matches!(size, 1 | 2 | 4) {
        size as u8
    } else {
        8
    };
    let target = Type::Int {
        bytes,
        signed: true,
    };
    let ty = Type::pointer(target, AddressSpace::User);
    Some(expr(ExprKind::Int(address), ty, call.span))
}

/// A format string for C's strftime: a literal, UTF-8, without NUL.
pub(super) fn format_literal<'a>(
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

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_are_read_as_inet_pton_reads_them() {
        let hex = |text: &str| {
            super::address_bytes(text).map(|bytes| {
                bytes
                    .iter()
                    .map(|byte| format!("{byte:02x}"))
                    .collect::<String>()
            })
        };
        for (text, bytes) in [
            ("1.2.3.4", "01020304"),
            ("0.0.0.0", "00000000"),
            ("255.255.255.255", "ffffffff"),
            ("::", "00000000000000000000000000000000"),
            ("::1", "00000000000000000000000000000001"),
            ("1::", "00010000000000000000000000000000"),
            ("FE80::a", "fe80000000000000000000000000000a"),
            ("1:2:3:4:5:6:7:8", "00010002000300040005000600070008"),
            ("1:2:3:4:5:6:7::", "00010002000300040005000600070000"),
            ("2001:db8::ff00:42:8329", "20010db8000000000000ff0000428329"),
        ] {
            assert_eq!(hex(text).as_deref(), Some(bytes), "{text}");
        }
        // What glibc's inet_pton refuses too; a dot makes an address IPv4, as in bpftrace.
        for text in [
            "",
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "01.2.3.4",
            "+1.2.3.4",
            "1.2.3.",
            " 1.2.3.4",
            ":",
            ":::",
            "1::2::3",
            "1:2:3:4:5:6:7:8::",
            "1:2:3:4:5:6:7",
            "00001::",
            "::g",
            ":1::",
            "1:::2",
            "::ffff:1.2.3.4",
            "fe80::1%eth0",
        ] {
            assert_eq!(hex(text), None, "{text:?}");
        }
    }
}
