//! sema::check::expression: the type of every expression: literals, names, maps, casts and
//! members here; operators, calls and `$names` in their own files.

use std::rc::Rc;

use super::builtins::{definition, names, Form};
use super::conversion::{arithmetic, cast_type, coerce, literal_type, unify};
use super::functions::{typed_call_of, Call, DEFAULT_STRING_SIZE};
use super::operators::binary;
use super::{did_you_mean, memory, Checker, Scope, Typed};
use crate::lang::ast::{self, BinaryOp, UnaryOp};
use crate::lang::diag::{Diag, Span};
use crate::lang::unsupported;
use crate::sema::context::ProbeContext;
use crate::sema::program::{Builtin, Expr, ExprKind, Function};
use crate::sema::types::{string_literal, AddressSpace, StructType, Type, I64, U64};

/// A literal `Int` node's value as i64 (folding unary minus), for lhist bounds.
pub(super) fn literal_value(expr: &Expr) -> Option<i64> {
    match &expr.kind {
        ExprKind::Int(value) if expr.ty.is_signed() => Some(*value as i64),
        ExprKind::Int(value) => i64::try_from(*value).ok(),
        _ => None,
    }
}

/// A typed node: the one place the checker allocates one.
#[inline(never)]
pub(super) fn expr(kind: ExprKind, ty: Type, span: Span) -> Typed {
    Box::new(Expr { kind, ty, span })
}

/// `operand` converted to `ty`.
#[inline(never)]
pub(super) fn cast_to(operand: Typed, ty: Type, span: Span) -> Typed {
    expr(ExprKind::Cast(operand), ty, span)
}

/// A member of `base` (or an element: `field` is `[i]`) of type `ty`, `offset` bytes into it.
#[inline(never)]
fn member_of(
    base: Typed,
    field: &str,
    (offset, through_pointer): (usize, bool),
    ty: Type,
    span: Span,
) -> Typed {
    let member = ExprKind::Member {
        base,
        field: field.into(),
        offset,
        through_pointer,
    };
    expr(member, ty, span)
}

/// bpftrace's `reg("name")`: that register of the probe's pt_regs, typed as `regs->name`.
pub(super) fn register(checker: &mut Checker<'_>, call: Call<'_, '_>) -> Option<Typed> {
    let argument = &call.arguments[0];
    let name = match &argument.kind {
        ast::ExprKind::Str(name) if call.scope.context.variable("regs").is_some() => name,
        _ => {
            let message =
                "`reg()` takes a register's name in quotes, in a kprobe, uprobe or profile";
            checker.errors.error_at(call.span, message.into());
            return None;
        }
    };
    let regs = ast::Expr {
        kind: ast::ExprKind::Ident("regs".into()),
        span: call.name_span,
    };
    let member = ast::Expr {
        kind: ast::ExprKind::Member {
            base: Box::new(regs),
            field: String::from_utf8_lossy(name).into_owned(),
            field_span: argument.span,
            arrow: true,
        },
        span: call.span,
    };
    checker.expression(&member, call.scope, false)
}

/// The memory an address of type `ty` points into: a pointer's own, or for a number, the
/// memory the probe's values point into.
fn address_space(ty: &Type, context: &dyn ProbeContext) -> AddressSpace {
    match ty {
        Type::Pointer { space, .. } => *space,
        _ => context.address_space(),
    }
}

/// A bitfield's value: the integer `member` that holds it, its bits moved to the top, then
/// down, as far as its sign says; `bitfield` is (shift right, bits, whether signed).
fn bitfield_value(member: Typed, (shift, bits, signed): (u32, u8, bool), span: Span) -> Typed {
    // An integer type is made anew where it is needed, not cloned.
    let ty = || Type::Int { bytes: 8, signed };
    let constant = |value: u32| expr(ExprKind::Int(u64::from(value)), ty(), span);
    let wide = cast_to(member, ty(), span);
    let bits = u32::from(bits);
    let left = constant(64 - shift - bits);
    let top = binary(BinaryOp::ShiftLeft, wide, left, ty(), span);
    binary(BinaryOp::ShiftRight, top, constant(64 - bits), ty(), span)
}

impl Checker<'_> {
    /// Types every expression (whole maps allowed where `maps` says), reporting each that
    /// fails or that `refuse` names a reason for; None when any did.
    pub(super) fn all_typed(
        &mut self,
        nodes: &[ast::Expr],
        scope: &mut Scope<'_>,
        maps: bool,
        refuse: fn(&Expr) -> Option<&'static str>,
    ) -> Option<Vec<Expr>> {
        let mut typed = Vec::with_capacity(nodes.len());
        let mut failed = false;
        for node in nodes {
            let value = if maps {
                let value = self.expression(node, scope, true);
                value.filter(|value| self.copyable(value))
            } else {
                self.value(node, scope)
            };
            match value {
                Some(value) => match refuse(&value) {
                    Some(reason) => {
                        self.errors.error(Diag::new(node.span, reason));
                        failed = true;
                    }
                    None => typed.push(*value),
                },
                None => failed = true,
            }
        }
        (!failed).then_some(typed)
    }

    /// False (with an error) when `typed` is a whole C struct, which tine does not copy yet.
    fn copyable(&mut self, typed: &Expr) -> bool {
        if let Type::CStruct(_) = typed.ty {
            self.errors.report_label(
                typed.span,
                format_args!("a whole `{}` is not a value yet", typed.ty),
                format_args!("read its members, one at a time"),
            );
            return false;
        }
        true
    }

    /// A condition: any scalar; its truth is C's `!= 0`.
    pub(super) fn condition(
        &mut self,
        condition: &ast::Expr,
        scope: &mut Scope<'_>,
    ) -> Option<Typed> {
        let typed = self.value(condition, scope);
        let ty = &typed.as_ref()?.ty;
        if ty.is_scalar() {
            return typed;
        }
        let hint = if matches!(ty, Type::Chars(_)) {
            "compare strings with `==` or strcmp()"
        } else {
            "only numbers and pointers are true or false"
        };
        self.errors.report_label(
            condition.span,
            format_args!("{ty} cannot be a condition"),
            format_args!("{hint}"),
        );
        None
    }

    /// An expression that must produce a value.
    pub(super) fn value(&mut self, node: &ast::Expr, scope: &mut Scope<'_>) -> Option<Typed> {
        // Checked where it lies, so the node is returned without a move.
        let typed = self.expression(node, scope, false);
        let Some(checked) = &typed else {
            return None;
        };
        if !self.copyable(checked) {
            return None;
        }
        if let ExprKind::MapRef(map) = checked.kind {
            let name = &self.maps[map].name;
            self.errors.report(
                node.span,
                format_args!("`{name}` is a whole map here; only print() and clear() take one"),
            );
            return None;
        }
        typed
    }

    /// `allow_map`: a bare map name is a reference to the whole map (print, clear).
    pub(super) fn expression(
        &mut self,
        node: &ast::Expr,
        scope: &mut Scope<'_>,
        allow_map: bool,
    ) -> Option<Typed> {
        let span = node.span;
        match &node.kind {
            ast::ExprKind::Int(value) => {
                Some(expr(ExprKind::Int(*value), literal_type(*value), span))
            }
            ast::ExprKind::Str(bytes) => Some(expr(
                ExprKind::Str(bytes.clone()),
                string_literal(bytes.len()),
                span,
            )),
            ast::ExprKind::Ident(name) => self.identifier(name, span, scope, allow_map),
            ast::ExprKind::Dollar(name) => self.dollar(name, span, scope),
            ast::ExprKind::Map { name, keys } => {
                self.map_expression(name, keys, span, scope, allow_map)
            }
            ast::ExprKind::Call {
                name,
                name_span,
                arguments,
            } => self.call(name, *name_span, arguments, span, scope),
            ast::ExprKind::Unary { operator, operand } => {
                let mut operand = self.value(operand, scope)?;
                if *operator == UnaryOp::Deref && operand.ty.is_integer() && operand.ty.size() == 8
                {
                    // bpftrace's `*kaddr("avenrun")`: an address held in an integer reads a u64.
                    let ty = Type::pointer(U64, scope.context.address_space());
                    let span = operand.span;
                    operand = cast_to(operand, ty, span);
                }
                self.unary(*operator, operand, span)
            }
            ast::ExprKind::Binary {
                operator,
                left,
                right,
            } => {
                let left = self.value(left, scope);
                let right = self.value(right, scope);
                self.binary_typed(*operator, left?, right?, span)
            }
            ast::ExprKind::Ternary {
                condition,
                then,
                otherwise,
            } => self.ternary(condition, then, otherwise, span, scope),
            ast::ExprKind::Cast {
                type_name,
                type_span,
                operand,
            } => self.cast(type_name, *type_span, operand, span, scope),
            ast::ExprKind::Member {
                base,
                field,
                field_span,
                arrow: _,
            } => self.member(base, field, *field_span, span, scope),
            ast::ExprKind::Index { base, index } => self.index(base, index, span, scope),
            ast::ExprKind::Tuple(elements) => self.tuple(elements, span, scope),
            ast::ExprKind::Increment {
                target,
                operator,
                post,
            } => self.increment(target, *operator, *post, span, scope),
            ast::ExprKind::TypeQuery {
                type_name,
                type_span,
                operand,
                members,
            } => self.type_query(type_name, *type_span, operand, members, span, scope),
        }
    }

    /// `m[k]`, or a bare `@m`: a keyless map's value, or where `allow_map` says, the whole map.
    fn map_expression(
        &mut self,
        name: &str,
        keys: &Option<Vec<ast::Expr>>,
        span: Span,
        scope: &mut Scope<'_>,
        allow_map: bool,
    ) -> Option<Typed> {
        let map = self.map_id(name, span);
        match keys {
            Some(keys) => {
                let key = self.key(map, keys, span, scope)?;
                self.map_read(map, key, span)
            }
            None if allow_map => Some(expr(ExprKind::MapRef(map), Type::Void, span)),
            None => {
                if !self.keyless(map, span) {
                    return None;
                }
                self.map_read(map, Vec::new(), span)
            }
        }
    }

    /// bpftrace's tuple `(a, b, ...)`: an anonymous struct of its elements' types, laid out as
    /// bpftrace does: a number written as such 64 bits wide, a string literal as long as it is.
    fn tuple(
        &mut self,
        elements: &[ast::Expr],
        span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Typed> {
        let mut typed = self.all_typed(elements, scope, false, |value| {
            matches!(value.ty, Type::Void).then_some("this has no value to store")
        })?;
        let mut types = Vec::with_capacity(typed.len());
        for element in &mut typed {
            // A literal (a negative one folded) takes the type it is given.
            match &element.kind {
                ExprKind::Int(_) if element.ty.size() < 8 => element.ty = I64,
                ExprKind::Str(bytes) => element.ty = Type::Chars(bytes.len() + 1),
                _ => {}
            }
            types.push(element.ty.clone());
        }
        let ty = Type::Struct(Rc::new(StructType::key(&types)));
        Some(expr(ExprKind::Tuple(typed), ty, span))
    }

    /// `x++` and friends as a value: a scratch variable's or a plain map's integer, stepped by
    /// one, and the value before the step (`post`) or after it.
    fn increment(
        &mut self,
        target: &ast::Expr,
        operator: BinaryOp,
        post: bool,
        span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Typed> {
        let read = match &target.kind {
            ast::ExprKind::Dollar(name) => {
                // Stepped here only: a scratch variable still (with no type, unless assigned).
                if !scope.assigned.contains(name) {
                    scope.assigned.push(name.clone());
                }
                let slot = self.scratch_slot(name, scope);
                self.scratch_read(slot, target.span, scope)?
            }
            ast::ExprKind::Map { name, keys } => {
                let map = self.map_id(name, target.span);
                self.maps[map].assigned = true;
                let read = self.map_expression(name, keys, target.span, scope, false)?;
                self.map_value(map, &read.ty, target.span)?;
                read
            }
            _ => {
                self.errors.report_label(
                    target.span,
                    format_args!("can only assign to a map element or a `$variable`"),
                    format_args!("not assignable"),
                );
                return None;
            }
        };
        if !read.ty.is_integer() {
            let symbol = operator.symbol();
            self.errors.report(
                target.span,
                format_args!("`{symbol}` needs numbers, but this is {}", read.ty),
            );
            return None;
        }
        let ty = read.ty.clone();
        let kind = ExprKind::Increment {
            target: read,
            operator,
            post,
        };
        Some(expr(kind, ty, span))
    }

    /// `c ? a : b`: the branches convert to a common type.
    fn ternary(
        &mut self,
        condition: &ast::Expr,
        then: &ast::Expr,
        otherwise: &ast::Expr,
        span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Typed> {
        let condition = self.condition(condition, scope);
        let then = self.value(then, scope);
        let otherwise = self.value(otherwise, scope);
        let (condition, then, otherwise) = (condition?, then?, otherwise?);
        let ty = if then.ty.is_integer() && otherwise.ty.is_integer() && then.ty != otherwise.ty {
            arithmetic(&then.ty, &otherwise.ty)
        } else {
            match unify(&then.ty, &otherwise.ty) {
                Some(ty) => ty,
                None => {
                    self.errors.report_note(
                        otherwise.span,
                        format_args!(
                            "the branches of `?:` differ: {} and {}",
                            then.ty, otherwise.ty
                        ),
                        (then.span, format_args!("this is {}", then.ty)),
                    );
                    return None;
                }
            }
        };
        let (mut then, mut otherwise) = (then, otherwise);
        coerce(&mut then, &ty);
        coerce(&mut otherwise, &ty);
        Some(expr(
            ExprKind::Ternary {
                condition,
                then,
                otherwise,
            },
            ty,
            span,
        ))
    }

    /// `(type)operand`: a number or pointer converted; a pointer keeps the memory it points into.
    fn cast(
        &mut self,
        type_name: &str,
        type_span: Span,
        operand: &ast::Expr,
        span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Typed> {
        let operand = self.value(operand, scope)?;
        // `curtask` is a kernel address even where it is typed a number (no task_struct known).
        let space = match operand.kind {
            ExprKind::Builtin(Builtin::CurrentTask) => AddressSpace::Kernel,
            _ => address_space(&operand.ty, scope.context),
        };
        let named = match self.types.named(type_name, space) {
            Some(Ok(ty)) => Some(ty),
            Some(Err(message)) => {
                self.errors.error_at(type_span, *message);
                return None;
            }
            None => cast_type(type_name),
        };
        let Some(mut ty) = named else {
            self.errors
                .report(type_span, format_args!("cannot cast to `{type_name}`"));
            return None;
        };
        if !operand.ty.is_scalar() {
            self.errors.report_label(
                operand.span,
                format_args!("cannot cast {} to {ty}", operand.ty),
                format_args!("only numbers and pointers convert"),
            );
            return None;
        }
        if let Type::Pointer { space: into, .. } = &mut ty {
            *into = space;
        }
        Some(cast_to(operand, ty, span))
    }

    /// `base.field` or `base->field`.
    fn member(
        &mut self,
        base: &ast::Expr,
        field: &String,
        field_span: Span,
        span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Typed> {
        let mut base = self.expression(base, scope, false)?;
        // A tracepoint's `struct X *` field: typed through the C types when they have X.
        if let Type::Pointer { target, space } = &base.ty {
            if let Type::Named(name) = target.as_ref() {
                base.ty = match self.types.named(&format!("{name}*"), *space) {
                    Some(Ok(ty)) => ty,
                    _ => Type::pointer(Type::Void, *space),
                };
            }
        }
        let c_struct = match &base.ty {
            Type::CStruct(owner) => Some((owner, false, memory::space_of_place(&base))),
            Type::Pointer { target, space } => match target.as_ref() {
                Type::CStruct(owner) => Some((owner, true, *space)),
                _ => None,
            },
            _ => None,
        };
        let Some((owner, through_pointer, space)) = c_struct else {
            return self.record_member(base, field, field_span, span);
        };
        let memory::MemberRead {
            offset,
            ty,
            bitfield,
        } = match self.types.member(owner, field, space) {
            Ok(found) => found,
            Err(message) => {
                self.errors.error_at(field_span, *message);
                return None;
            }
        };
        let within = match through_pointer {
            true => Ok(offset),
            false => memory::offset_within(&base, offset),
        };
        if let Err(message) = within {
            self.errors.error_at(field_span, message);
            return None;
        }
        let member = member_of(base, field, (offset, through_pointer), ty, span);
        Some(match bitfield {
            Some(bitfield) => bitfield_value(member, bitfield, span),
            None => member,
        })
    }

    /// `base.field` or `base->field` of a record: a tracepoint's `data`, a map's key struct.
    fn record_member(
        &mut self,
        base: Typed,
        field: &String,
        field_span: Span,
        span: Span,
    ) -> Option<Typed> {
        let record = match &base.ty {
            Type::Struct(record) => Some((record, false)),
            Type::Pointer { target, .. } => match target.as_ref() {
                Type::Struct(record) => Some((record, true)),
                _ => None,
            },
            _ => None,
        };
        let Some((record, through_pointer)) = record.map(|(record, at)| (record.clone(), at))
        else {
            // `curtask` is a number when no C types know `struct task_struct`.
            let task = base.kind == ExprKind::Builtin(Builtin::CurrentTask);
            let label = "without the kernel's BTF, define struct task_struct above the probes";
            self.errors.report_with(
                base.span,
                format_args!("{} has no fields", base.ty),
                task.then(|| label.to_string()),
                None,
            );
            return None;
        };
        let Some(found) = record.field(field) else {
            let label = if field.starts_with("common_") {
                Some("BPF cannot read a tracepoint's common header (the kernel writes over it): use pid, tid or cpu".to_string())
            } else {
                let mut names = Vec::new();
                for field in &record.fields {
                    names.push(field.name.as_str());
                }
                did_you_mean(field, &names)
            };
            let message = format_args!("{} has no field `{field}`", base.ty);
            self.errors.report_with(field_span, message, label, None);
            return None;
        };
        let at = (found.offset, through_pointer);
        let member = member_of(base, field, at, found.ty.clone(), span);
        // A `__data_loc` field means its string wherever it is used, as `dyn()` reads it.
        Some(match found.ty {
            Type::DataLoc { .. } => typed_call_of(
                Function::Dyn,
                member,
                Type::Chars(DEFAULT_STRING_SIZE),
                span,
            ),
            _ => member,
        })
    }

    pub(super) fn identifier(
        &mut self,
        name: &str,
        span: Span,
        scope: &mut Scope<'_>,
        allow_map: bool,
    ) -> Option<Typed> {
        if allow_map {
            if let Some(map) = self.map_named(name) {
                return Some(expr(ExprKind::MapRef(map), Type::Void, span));
            }
        }
        let provided = match scope.context.variable(name) {
            Some(ty) => Some((name, ty)),
            // bpftrace's `args` is ply's `data`.
            None if name == "args" => scope.context.variable("data").map(|ty| ("data", ty)),
            None => None,
        };
        if let Some((name, ty)) = provided {
            return Some(expr(ExprKind::Provider(name.to_string()), ty, span));
        }
        match definition(name) {
            // A constant per probe: each spec of a probe list is a probe of its own.
            Some(Form::ProbeName) => {
                let text = scope.probe_name.as_bytes().to_vec();
                let ty = string_literal(text.len());
                Some(expr(ExprKind::Str(text), ty, span))
            }
            Some(Form::FunctionName) => {
                let Some(function) = scope.context.function() else {
                    self.errors.report_label(
                        span,
                        format_args!("`func` is the function a kprobe or uprobe is in"),
                        format_args!("this probe names no function"),
                    );
                    return None;
                };
                let ty = string_literal(function.len());
                Some(expr(ExprKind::Str(function.into_bytes()), ty, span))
            }
            Some(Form::Variable(builtin, ty)) => {
                Some(expr(ExprKind::Builtin(*builtin), ty.clone(), span))
            }
            _ if name == "cpid" => self.target_pid(name, span),
            _ if name == "curtask" => Some(expr(
                ExprKind::Builtin(Builtin::CurrentTask),
                self.types.task(),
                span,
            )),
            _ => match self.types.constant(name) {
                Ok(Some((value, ty))) => Some(expr(ExprKind::Int(value), ty, span)),
                Ok(None) => {
                    self.unknown_name(name, span, scope);
                    None
                }
                Err(message) => {
                    self.errors.error_at(span, *message);
                    None
                }
            },
        }
    }

    fn unknown_name(&mut self, name: &str, span: Span, scope: &Scope<'_>) {
        if let Some(message) = unsupported::variable(name) {
            self.errors.error_at(span, message);
            return;
        }
        let constant_like = name.len() > 1
            && name.starts_with(|c: char| c.is_ascii_uppercase())
            && !name.contains(|c: char| c.is_ascii_lowercase());
        if constant_like {
            self.errors.report_label(span, format_args!("unknown constant `{name}`"), format_args!(
                    "no enum of the script's or the kernel's has it: if it is a C #define, write `#define {name} VALUE` above the probes"
                ));
            return;
        }
        let provided = scope.context.names();
        let mut known: Vec<&str> = names(true);
        for name in &provided {
            known.push(name);
        }
        let mut label = did_you_mean(name, &known);
        if label.is_none() && self.map_named(name).is_some() {
            label = Some(format!("`{name}` is a map: write `{name}[key]`"));
        }
        self.errors
            .report_with(span, format_args!("unknown name `{name}`"), label, None);
    }

    /// `base[index]`: an element of an array in memory, or at a pointer; the index a constant,
    /// so the element is one read at a known offset.
    fn index(
        &mut self,
        base: &ast::Expr,
        index: &ast::Expr,
        span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Typed> {
        let base = self.expression(base, scope, false)?;
        let index_value = self.value(index, scope)?;
        let (element, length, through_pointer) = match &base.ty {
            Type::Array(element, length) => ((**element).clone(), Some(*length as usize), false),
            Type::Chars(length) => (crate::sema::types::U8, Some(*length), false),
            Type::Pointer { target, .. } if target.size() > 0 => ((**target).clone(), None, true),
            other => {
                self.errors
                    .report(base.span, format_args!("{other} cannot be indexed"));
                return None;
            }
        };
        let position = literal_value(&index_value)
            .and_then(|value| usize::try_from(value).ok())
            .filter(|&value| length.map_or(true, |length| value < length));
        if let (ExprKind::Str(bytes), Some(position)) = (&base.kind, position) {
            // An element of a constant (pton()'s bytes, a string literal's) is a constant.
            let byte = bytes.get(position).copied().unwrap_or(0);
            return Some(expr(ExprKind::Int(byte.into()), element, span));
        }
        let offset = position
            .map(|position| position.saturating_mul(element.size()))
            .filter(|&offset| match through_pointer {
                true => offset <= i16::MAX as usize,
                false => memory::offset_within(&base, offset).is_ok(),
            });
        let (Some(position), Some(offset)) = (position, offset) else {
            let message = "the index must be a constant number";
            match length {
                Some(length) => self
                    .errors
                    .report(index.span, format_args!("{message} below {length}")),
                None => self.errors.report(index.span, format_args!("{message}")),
            }
            return None;
        };
        let field = format!("[{position}]");
        Some(member_of(
            base,
            &field,
            (offset, through_pointer),
            element,
            span,
        ))
    }

    /// `sizeof(type)`, `sizeof(operand)` or `offsetof(type, a.b)`: a u64 constant.
    fn type_query(
        &mut self,
        type_name: &str,
        type_span: Span,
        operand: &Option<Box<ast::Expr>>,
        members: &[String],
        span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Typed> {
        let ty = match operand {
            Some(operand) => self.expression(operand, scope, false)?.ty,
            None => match self.types.named(type_name, AddressSpace::Kernel) {
                Some(Ok(ty)) => ty,
                Some(Err(message)) => {
                    self.errors.error_at(type_span, *message);
                    return None;
                }
                None => match cast_type(type_name) {
                    Some(ty) => ty,
                    None => {
                        self.errors
                            .report(type_span, format_args!("unknown type `{type_name}`"));
                        return None;
                    }
                },
            },
        };
        let value = if members.is_empty() {
            Ok(ty.size() as u64)
        } else {
            self.types.offset_of(&ty, members)
        };
        match value {
            Ok(value) => Some(expr(ExprKind::Int(value), U64, span)),
            Err(message) => {
                self.errors.error_at(type_span, *message);
                None
            }
        }
    }

    /// `address` as a pointer, so the compiler knows which memory to read through it: a number
    /// becomes a `void *` into the probe's memory.
    pub(super) fn as_pointer(&self, address: Typed, scope: &Scope<'_>) -> Typed {
        if matches!(address.ty, Type::Pointer { .. }) {
            return address;
        }
        let ty = Type::pointer(Type::Void, scope.context.address_space());
        let span = address.span;
        cast_to(address, ty, span)
    }
}
