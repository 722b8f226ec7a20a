//! sema::check::operators: the type of a unary or binary operation, with C's conversions of
//! its operands made explicit.

use super::conversion::{arithmetic, coerce, promote};
use super::expression::expr;
use super::{Checker, Typed};
use crate::lang::ast::{BinaryOp, UnaryOp};
use crate::lang::diag::Span;
use crate::sema::program::{Expr, ExprKind};
use crate::sema::types::{Type, I32, I64, U64};

impl Checker<'_> {
    pub(super) fn unary(&mut self, operator: UnaryOp, operand: Typed, span: Span) -> Option<Typed> {
        match operator {
            UnaryOp::Deref => {
                let Type::Pointer { target, .. } = &operand.ty else {
                    self.errors.report(
                        operand.span,
                        format_args!("cannot dereference {}: it is not a pointer", operand.ty),
                    );
                    return None;
                };
                if matches!(**target, Type::Void | Type::Named(_)) {
                    self.errors.report_label(
                        operand.span,
                        format_args!("cannot dereference a `void *`"),
                        format_args!("cast it first, e.g. `*(u64*)p`"),
                    );
                    return None;
                }
                let ty = (**target).clone();
                Some(unary_node(operator, operand, ty, span))
            }
            UnaryOp::Not => {
                if !operand.ty.is_scalar() {
                    self.errors.report(
                        operand.span,
                        format_args!("`!` needs a number or pointer, not {}", operand.ty),
                    );
                    return None;
                }
                Some(unary_node(operator, operand, I32, span))
            }
            UnaryOp::Negate | UnaryOp::BitNot => self.negate(operator, operand, span),
        }
    }

    /// `-x` and `~x`: integers, promoted as C does; a negated literal stays a literal.
    fn negate(&mut self, operator: UnaryOp, operand: Typed, span: Span) -> Option<Typed> {
        if !operand.ty.is_integer() {
            self.errors.report(
                operand.span,
                format_args!(
                    "`{}` needs an integer, not {}",
                    operator.symbol(),
                    operand.ty
                ),
            );
            return None;
        }
        // A negative literal is a literal, so lhist bounds and keys stay constants.
        if let (UnaryOp::Negate, ExprKind::Int(value)) = (operator, &operand.kind) {
            let negated = (*value as i64).wrapping_neg();
            let ty = if i32::try_from(negated).is_ok() {
                I32
            } else {
                I64
            };
            return Some(expr(ExprKind::Int(negated as u64), ty, span));
        }
        let ty = promote(&operand.ty);
        let mut operand = operand;
        coerce(&mut operand, &ty);
        Some(unary_node(operator, operand, ty, span))
    }

    pub(super) fn binary_typed(
        &mut self,
        operator: BinaryOp,
        mut left: Typed,
        mut right: Typed,
        span: Span,
    ) -> Option<Typed> {
        let strings = matches!(left.ty, Type::Chars(_)) && matches!(right.ty, Type::Chars(_));
        // bpftrace's `==` and `!=` of two arrays of integers of one type (pton()'s bytes and an
        // address field's).
        let arrays = matches!(&left.ty, Type::Array(element, _) if element.is_integer())
            && left.ty == right.ty
            && matches!(operator, BinaryOp::Equal | BinaryOp::NotEqual);
        // One node at the end: each case says only its operands' conversions and the type.
        let (left, right, ty) = if strings && operator.is_comparison() || arrays {
            (left, right, I32)
        } else if operator.is_logical() {
            for side in [&left, &right].iter() {
                if !side.ty.is_scalar() {
                    self.errors.report(
                        side.span,
                        format_args!(
                            "`{}` needs numbers or pointers, not {}",
                            operator.symbol(),
                            side.ty
                        ),
                    );
                    return None;
                }
            }
            (left, right, I32)
        } else {
            if !self.numbers(operator, &left, &right) {
                return None;
            }
            if let Some((pointer_left, size)) = pointer_step(operator, &left.ty, &right.ty) {
                // `n + p` is `p + n`: the pointer on the left either way.
                let (pointer, mut count) = if pointer_left {
                    (left, right)
                } else {
                    (right, left)
                };
                coerce(&mut count, &U64);
                if size > 1 {
                    let bytes = expr(ExprKind::Int(size as u64), U64, count.span);
                    let span = count.span;
                    count = binary(BinaryOp::Multiply, count, bytes, U64, span);
                }
                let ty = pointer.ty.clone();
                return Some(binary(operator, pointer, count, ty, span));
            }
            // Otherwise pointers take part in arithmetic as plain addresses.
            let address = |ty: &Type| {
                if matches!(ty, Type::Pointer { .. }) {
                    U64
                } else {
                    ty.clone()
                }
            };
            let (left_type, right_type) = (address(&left.ty), address(&right.ty));
            if operator.is_comparison() {
                let common = arithmetic(&left_type, &right_type);
                coerce(&mut left, &common);
                coerce(&mut right, &common);
                (left, right, I32)
            } else if matches!(operator, BinaryOp::ShiftLeft | BinaryOp::ShiftRight) {
                let ty = promote(&left_type);
                coerce(&mut left, &ty);
                (left, right, ty)
            } else {
                let ty = arithmetic_result(operator, &left_type, &right_type);
                let operand_type = if special(&ty) { U64 } else { ty.clone() };
                coerce(&mut left, &operand_type);
                coerce(&mut right, &operand_type);
                (left, right, ty)
            }
        };
        Some(binary(operator, left, right, ty, span))
    }

    /// Both sides of an arithmetic or comparison operator are numbers or pointers; false (with
    /// an error) when one is not.
    fn numbers(&mut self, operator: BinaryOp, left: &Expr, right: &Expr) -> bool {
        for &(side, other) in [(left, right), (right, left)].iter() {
            if !side.ty.is_scalar() {
                let symbol = operator.symbol();
                let message = format_args!("`{symbol}` needs numbers, but this is {}", side.ty);
                if matches!(side.ty, Type::Chars(_) | Type::Array(..)) && operator.is_comparison() {
                    let what = match side.ty {
                        Type::Chars(_) => "a string compares only with a string",
                        _ => "an array compares, by `==` and `!=`, only with an array of its type",
                    };
                    let note = format_args!("{what}; this is {}", other.ty);
                    self.errors
                        .report_note(side.span, message, (other.span, note));
                } else {
                    self.errors.report(side.span, message);
                }
                return false;
            }
        }
        true
    }
}

/// `p + n`, `n + p` and `p - n` as C (and bpftrace) have them: `n` counts `p`'s targets, and
/// the sum is `p`'s type. ply has no arithmetic on pointers, so no ply script reads otherwise.
/// The bytes `n` moves by, when the operation is one of these.
fn pointer_step(operator: BinaryOp, left: &Type, right: &Type) -> Option<(bool, usize)> {
    let (pointer_left, target) = match (left, right, operator) {
        (Type::Pointer { target, .. }, count, BinaryOp::Add | BinaryOp::Subtract)
            if count.is_integer() =>
        {
            (true, target)
        }
        (count, Type::Pointer { target, .. }, BinaryOp::Add) if count.is_integer() => {
            (false, target)
        }
        _ => return None,
    };
    let size = match &**target {
        // A pointer to a pointer moves by the kernel's pointers: this host's.
        Type::Pointer { .. } => std::mem::size_of::<usize>(),
        // `void *` moves by bytes, as GCC and bpftrace move it.
        target => target.size().max(1),
    };
    Some((pointer_left, size))
}

pub(super) fn binary(operator: BinaryOp, left: Typed, right: Typed, ty: Type, span: Span) -> Typed {
    let kind = ExprKind::Binary {
        operator,
        left,
        right,
    };
    expr(kind, ty, span)
}

/// The type of an arithmetic operation on operands of these types (pointers already addresses).
fn arithmetic_result(operator: BinaryOp, left_type: &Type, right_type: &Type) -> Type {
    // `time - @start[tid]` stays a duration, so it prints and quantizes as one.
    if matches!(operator, BinaryOp::Add | BinaryOp::Subtract)
        && (special(left_type) || special(right_type))
        && (left_type == right_type || !special(left_type) || !special(right_type))
    {
        if special(left_type) {
            left_type.clone()
        } else {
            right_type.clone()
        }
    } else {
        arithmetic(left_type, right_type)
    }
}

/// An integer that prints as more than a number (a time, an address, a stack...).
fn special(ty: &Type) -> bool {
    ty.is_integer() && !matches!(ty, Type::Int { .. } | Type::Id(_))
}

fn unary_node(operator: UnaryOp, operand: Typed, ty: Type, span: Span) -> Typed {
    let kind = ExprKind::Unary { operator, operand };
    expr(kind, ty, span)
}
