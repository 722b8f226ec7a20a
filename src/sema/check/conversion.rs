//! sema::check::conversion: C's conversions — integer promotion, the usual arithmetic
//! conversions, the common type two uses of one slot share — and the casts that apply them.

use crate::lang::ast::{self, BaseType};
use crate::lang::diag::Span;
use crate::sema::program::{Expr, ExprKind};
use std::rc::Rc;

use crate::sema::types::{AddressSpace, StructType, Type, I32, I64, U32, U64};

/// What a slot (a map's value, a scratch variable: `known`, None before its first store)
/// holds once `ty` is stored at `span` too: the common type, widened in place (`changed` set
/// when it is new); None, the slot unchanged, when there is none.
pub(super) fn widen(
    known: &mut Option<(Type, Span)>,
    ty: &Type,
    span: Span,
    changed: &mut bool,
) -> Option<Type> {
    let Some((existing, _)) = known else {
        *known = Some((ty.clone(), span));
        *changed = true;
        return Some(ty.clone());
    };
    let common = unify(existing, ty)?;
    if common != *existing {
        *existing = common.clone();
        *changed = true;
    }
    Some(common)
}

/// The common type two uses of one slot (map key, value, scratch variable) can share.
pub(super) fn unify(a: &Type, b: &Type) -> Option<Type> {
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (Type::Chars(x), Type::Chars(y)) => Some(Type::Chars(*x.max(y))),
        (Type::Int { .. }, Type::Int { .. }) => Some(arithmetic(a, b)),
        (Type::Int { .. }, special) | (special, Type::Int { .. }) if special.is_integer() => {
            Some(special.clone())
        }
        (
            Type::Pointer {
                target: a_target,
                space: a_space,
            },
            Type::Pointer {
                target: b_target,
                space: b_space,
            },
        ) => {
            // A `void *` takes the other's target; pointers into different memories may point
            // into either.
            let target = match (&**a_target, &**b_target) {
                (Type::Void, other) | (other, Type::Void) => other.clone(),
                (x, y) if x == y => x.clone(),
                _ => return None,
            };
            let space = if a_space == b_space {
                *a_space
            } else {
                AddressSpace::Unknown
            };
            Some(Type::pointer(target, space))
        }
        // Tuples of as many elements: each element's common type.
        (Type::Struct(x), Type::Struct(y))
            if x.name.is_none() && y.name.is_none() && x.fields.len() == y.fields.len() =>
        {
            let mut types = Vec::with_capacity(x.fields.len());
            for (a, b) in x.fields.iter().zip(&y.fields) {
                types.push(unify(&a.ty, &b.ty)?);
            }
            Some(Type::Struct(Rc::new(StructType::key(&types))))
        }
        _ => None,
    }
}

/// C's integer promotion: anything narrower than int becomes int.
pub(super) fn promote(ty: &Type) -> Type {
    match ty {
        Type::Int { bytes, .. } if *bytes < 4 => I32,
        Type::Id(_) => U32,
        Type::Int { .. } => ty.clone(),
        _ if ty.is_scalar() => U64,
        _ => ty.clone(),
    }
}

/// C's usual arithmetic conversions over two integer types.
pub(super) fn arithmetic(a: &Type, b: &Type) -> Type {
    let (a, b) = (promote(a), promote(b));
    match (&a, &b) {
        (
            Type::Int {
                bytes: x,
                signed: sx,
            },
            Type::Int {
                bytes: y,
                signed: sy,
            },
        ) => {
            if x == y {
                Type::Int {
                    bytes: *x,
                    signed: *sx && *sy,
                }
            } else if x > y {
                a.clone()
            } else {
                b.clone()
            }
        }
        _ => U64,
    }
}

pub(super) fn literal_type(value: u64) -> Type {
    if value <= i32::MAX as u64 {
        I32
    } else if value <= i64::MAX as u64 {
        I64
    } else {
        U64
    }
}

pub(super) fn cast_type(name: &str) -> Option<Type> {
    let pointers = name.chars().filter(|&c| c == '*').count();
    let base = crate::words::trim_end_byte(name, b'*');
    let mut ty = match ast::base_type(base)? {
        BaseType::Int { bytes, signed } => Type::Int { bytes, signed },
        BaseType::Void if pointers > 0 => Type::Void,
        BaseType::Void => return None,
    };
    for _ in 0..pointers {
        ty = Type::pointer(ty, AddressSpace::Unknown);
    }
    Some(ty)
}

/// Wraps `value`, in place, in a conversion when its type differs from the slot's `ty`: the
/// node is not moved in and out at each of the many callers.
pub(super) fn coerce(value: &mut Expr, ty: &Type) {
    if value.ty == *ty {
        return;
    }
    // A literal takes the slot's type itself: an integer's bits are already the i64/u64
    // value, and a string is padded with zeros to its type's length.
    let literal = match (&value.kind, ty) {
        (ExprKind::Int(_), ty) => ty.is_integer(),
        (ExprKind::Str(bytes), Type::Chars(length)) => bytes.len() < *length,
        _ => false,
    };
    if literal {
        value.ty = ty.clone();
        return;
    }
    // A tuple written out converts element by element.
    if let (ExprKind::Tuple(elements), Type::Struct(record)) = (&mut value.kind, ty) {
        for (element, field) in elements.iter_mut().zip(&record.fields) {
            coerce(element, &field.ty);
        }
        value.ty = ty.clone();
        return;
    }
    let span = value.span;
    let placeholder = Expr {
        kind: ExprKind::TargetPid,
        ty: Type::Void,
        span,
    };
    let operand = std::mem::replace(value, placeholder);
    *value = Expr {
        kind: ExprKind::Cast(Box::new(operand)),
        ty: ty.clone(),
        span,
    };
}
