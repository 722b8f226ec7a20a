//! sema::check::statement: statements, assignments to maps and scratch variables, and
//! aggregations.

use super::actions;
use super::builtins::aggregation_of;
use super::conversion::coerce;
use super::expression::literal_value;
use super::functions::Call;
use super::{Checker, Scope};
use crate::lang::ast::{self, BinaryOp};
use crate::lang::diag::Span;
use crate::sema::program::{Expr, MapId, MapKind, Stmt, StmtKind};
use crate::sema::types::{Type, U64};

/// A typed statement: the one place the checker allocates one.
#[inline(never)]
fn stmt(kind: StmtKind, span: Span) -> Box<Stmt> {
    Box::new(Stmt { kind, span })
}

/// Linear histograms with more buckets than this would not fit a map value comfortably.
const MAX_LHIST_BUCKETS: i64 = 1000;

impl Checker<'_> {
    pub(super) fn statements(
        &mut self,
        statements: &[ast::Stmt],
        scope: &mut Scope<'_>,
    ) -> Vec<Stmt> {
        let mut typed = Vec::with_capacity(statements.len());
        for statement in statements {
            if let Some(statement) = self.statement(statement, scope) {
                typed.push(*statement);
            }
        }
        typed
    }

    pub(super) fn statement(
        &mut self,
        statement: &ast::Stmt,
        scope: &mut Scope<'_>,
    ) -> Option<Box<Stmt>> {
        let span = statement.span;
        let kind = match &statement.kind {
            ast::StmtKind::Block(body) => StmtKind::Block {
                body: self.statements(body, scope),
                times: 1,
            },
            ast::StmtKind::If {
                condition,
                then,
                otherwise,
            } => {
                let condition = self.condition(condition, scope);
                let then = self.statement(then, scope);
                let otherwise = otherwise
                    .as_ref()
                    .and_then(|otherwise| self.statement(otherwise, scope));
                StmtKind::If {
                    condition: *condition?,
                    then: then?,
                    otherwise,
                }
            }
            ast::StmtKind::Loop { unroll, head, body } => {
                return self.loop_statement(*unroll, head, body, span, scope);
            }
            ast::StmtKind::Return => StmtKind::Return,
            ast::StmtKind::Jump { to_next } => {
                if scope.loops == 0 {
                    self.errors.report(
                        span,
                        format_args!("`break` and `continue` need a `while` around them"),
                    );
                    return None;
                }
                StmtKind::Jump { to_next: *to_next }
            }
            ast::StmtKind::Delete(target) => return self.delete(target, span, scope),
            ast::StmtKind::Assign {
                target,
                operator,
                value,
            } => return self.assign(statement, target, *operator, value, scope),
            // bpftrace's `time();` prints the time; ply's `time()` is a value that would be lost.
            ast::StmtKind::Expr(ast::Expr {
                kind:
                    ast::ExprKind::Call {
                        name,
                        name_span,
                        arguments,
                    },
                span,
            }) if name == "time" => {
                let call = Call {
                    name,
                    name_span: *name_span,
                    arguments,
                    span: *span,
                    scope,
                };
                StmtKind::Expr(*actions::time(self, call)?)
            }
            ast::StmtKind::Expr(expression) => StmtKind::Expr(*self.value(expression, scope)?),
        };
        Some(stmt(kind, span))
    }

    /// `while (condition) body`, or bpftrace's `unroll (count) body`: the body `count` times.
    fn loop_statement(
        &mut self,
        unroll: bool,
        head: &ast::Expr,
        body: &[ast::Stmt],
        span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Box<Stmt>> {
        if !unroll {
            let condition = self.condition(head, scope);
            scope.loops += 1;
            let body = self.statements(body, scope);
            scope.loops -= 1;
            let kind = StmtKind::While {
                condition: *condition?,
                body,
            };
            return Some(stmt(kind, span));
        }
        let count = self.value(head, scope);
        let body = self.statements(body, scope);
        let count = count?;
        match literal_value(&count) {
            // bpftrace's bounds.
            Some(times @ 1..=100) => Some(stmt(
                StmtKind::Block {
                    body,
                    times: times as u8,
                },
                span,
            )),
            _ => {
                self.errors.report(
                    count.span,
                    format_args!("`unroll` takes a number from 1 to 100"),
                );
                None
            }
        }
    }

    /// `delete m[key]`.
    fn delete(
        &mut self,
        target: &ast::Expr,
        span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Box<Stmt>> {
        let ast::ExprKind::Map { name, keys } = &target.kind else {
            self.errors.report(
                target.span,
                format_args!("`delete` takes a map element: `delete m[key]`"),
            );
            return None;
        };
        let map = self.map_id(name, target.span);
        let Some(keys) = keys else {
            // bpftrace's `delete(@)`: a map without keys is emptied, as `clear(@)` empties it.
            if !self.keyless(map, target.span) {
                return None;
            }
            let call = Call {
                name: "clear",
                name_span: span,
                arguments: std::slice::from_ref(target),
                span,
                scope,
            };
            return Some(stmt(StmtKind::Expr(*actions::clear(self, call)?), span));
        };
        let key = self.key(map, keys, target.span, scope)?;
        Some(stmt(StmtKind::Delete { map, key }, span))
    }

    pub(super) fn assign(
        &mut self,
        statement: &ast::Stmt,
        target: &ast::Expr,
        operator: Option<BinaryOp>,
        value: &ast::Expr,
        scope: &mut Scope<'_>,
    ) -> Option<Box<Stmt>> {
        let span = statement.span;
        match &target.kind {
            ast::ExprKind::Dollar(name) => {
                self.assign_scratch(name, target.span, operator, value, span, scope)
            }
            ast::ExprKind::Map { name, keys } => {
                let map = self.map_id(name, target.span);
                self.maps[map].assigned = true;
                let place = Place {
                    map,
                    keys,
                    span: target.span,
                };
                if operator.is_none() {
                    if let ast::ExprKind::Call {
                        name: function,
                        arguments,
                        name_span,
                    } = &value.kind
                    {
                        if let Some((kind, wanted)) = aggregation_of(function) {
                            let call = AggregationCall {
                                function,
                                span: value.span,
                                kind_span: name_span.to(value.span),
                                arguments,
                                kind,
                                wanted,
                            };
                            return self.aggregate(statement, place, call, scope);
                        }
                    }
                }
                self.assign_map(place, operator, value, span, scope)
            }
            _ => {
                self.errors.report_label(
                    target.span,
                    format_args!("can only assign to a map element or a `$variable`"),
                    format_args!("not assignable"),
                );
                None
            }
        }
    }

    /// `$x = v`, `$x += v`.
    fn assign_scratch(
        &mut self,
        name: &str,
        span: Span,
        operator: Option<BinaryOp>,
        value: &ast::Expr,
        statement: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Box<Stmt>> {
        let slot = self.scratch_slot(name, scope);
        let mut typed = self.value(value, scope)?;
        if let Some(operator) = operator {
            if scope.scratch[slot].1.is_none() {
                self.scratch_store_type(slot, &typed, scope);
            }
            let current = self.scratch_read(slot, span, scope)?;
            typed = self.binary_typed(operator, current, typed, value.span)?;
        }
        let ty = self.scratch_store_type(slot, &typed, scope)?;
        coerce(&mut typed, &ty);
        let kind = StmtKind::ScratchStore {
            slot,
            value: *typed,
        };
        Some(stmt(kind, statement))
    }

    /// `m[k] = v`, `m[k] += v` on a plain map.
    fn assign_map(
        &mut self,
        place: Place<'_>,
        operator: Option<BinaryOp>,
        value: &ast::Expr,
        statement: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Box<Stmt>> {
        let map = place.map;
        let key = self.place_key(&place, scope);
        let mut typed = self.value(value, scope);
        self.set_kind(map, MapKind::Plain, place.span);
        if let (Some(operator), Some(_)) = (operator, &key) {
            if let Some(current) = typed.take() {
                // `m[k]++` may be the first use: the increment gives the value type.
                if self.maps[map].value.is_none() {
                    self.map_value(map, &current.ty, value.span);
                }
                // The read's key typed once more: the same key, and no copy of a tree.
                let read = (self.place_key(&place, scope))
                    .and_then(|key| self.map_read(map, key, place.span));
                typed =
                    read.and_then(|read| self.binary_typed(operator, read, current, value.span));
            }
        }
        let (key, mut typed) = (key?, typed?);
        let ty = self.map_value(map, &typed.ty, value.span)?;
        coerce(&mut typed, &ty);
        let kind = StmtKind::MapStore {
            map,
            update: operator.is_some() && !key.is_empty(),
            key,
            value: *typed,
        };
        Some(stmt(kind, statement))
    }

    /// The key of an assignment's map: its key expressions, or none for a keyless map.
    fn place_key(&mut self, place: &Place<'_>, scope: &mut Scope<'_>) -> Option<Vec<Expr>> {
        match place.keys {
            Some(keys) => self.key(place.map, keys, place.span, scope),
            None => self.keyless(place.map, place.span).then(Vec::new),
        }
    }

    /// `@m[k] = count()` and the other aggregations.
    fn aggregate(
        &mut self,
        statement: &ast::Stmt,
        place: Place<'_>,
        call: AggregationCall<'_>,
        scope: &mut Scope<'_>,
    ) -> Option<Box<Stmt>> {
        let (map, function, arguments) = (place.map, call.function, call.arguments);
        let key = self.place_key(&place, scope);
        let wanted = call.wanted;
        if arguments.len() != wanted {
            let plural = if wanted == 1 { "" } else { "s" };
            self.errors.report(
                call.span,
                format_args!(
                    "`{function}()` takes {wanted} argument{plural}, {} given",
                    arguments.len()
                ),
            );
            return None;
        }
        let argument = match arguments.first() {
            Some(argument) => {
                let typed = self.value(argument, scope)?;
                if !typed.ty.is_integer() {
                    self.errors.report_label(
                        argument.span,
                        format_args!("`{function}()` needs an integer, not {}", typed.ty),
                        format_args!("this is {}", typed.ty),
                    );
                    return None;
                }
                Some(typed)
            }
            None => None,
        };
        let kind = match call.kind {
            MapKind::Lhist { .. } => self.lhist_bounds(arguments, scope)?,
            kind => kind,
        };
        self.set_kind(map, kind, call.kind_span);
        let value_type = match (&kind, &argument) {
            (MapKind::Count, _) | (_, None) => U64,
            (MapKind::Quantize | MapKind::Lhist { .. }, Some(argument)) => argument.ty.clone(),
            (_, Some(argument)) => match argument.ty {
                Type::Int { signed, .. } => Type::Int { bytes: 8, signed },
                ref special => special.clone(),
            },
        };
        let value_type = self.map_value(map, &value_type, call.span)?;
        // Histograms bucket the value as it is.
        let mut argument = argument;
        if let Some(argument) = &mut argument {
            if !matches!(kind, MapKind::Quantize | MapKind::Lhist { .. }) {
                coerce(argument, &value_type);
            }
        }
        let argument = argument.map(|argument| *argument);
        let kind = StmtKind::Aggregate {
            map,
            key: key?,
            argument,
        };
        Some(stmt(kind, statement.span))
    }

    /// `lhist(value, min, max, step)`: the bounds, literals that make at most
    /// `MAX_LHIST_BUCKETS` buckets.
    fn lhist_bounds(&mut self, arguments: &[ast::Expr], scope: &mut Scope<'_>) -> Option<MapKind> {
        let mut bounds = [0; 3];
        for (value, bound) in bounds.iter_mut().zip(&arguments[1..]) {
            let typed = self.value(bound, scope)?;
            let Some(literal) = literal_value(&typed) else {
                self.errors.report(
                    bound.span,
                    format_args!("`lhist()` bounds must be number literals"),
                );
                return None;
            };
            *value = literal;
        }
        let [min, max, step] = bounds;
        if step <= 0 || max <= min {
            self.errors.report(
                arguments[1].span.to(arguments[3].span),
                format_args!("`lhist(value, min, max, step)` needs min < max and step > 0"),
            );
            return None;
        }
        if (max - min) / step > MAX_LHIST_BUCKETS {
            self.errors.report(
                arguments[1].span.to(arguments[3].span),
                format_args!("`lhist()` would have more than {MAX_LHIST_BUCKETS} buckets"),
            );
            return None;
        }
        Some(MapKind::Lhist { min, max, step })
    }
}

/// The map element an assignment writes.
struct Place<'a> {
    map: MapId,
    keys: &'a Option<Vec<ast::Expr>>,
    span: Span,
}

/// An aggregation's call on the right of `=`, with what the table says of it.
struct AggregationCall<'a> {
    function: &'a str,
    span: Span,
    /// The name and its arguments: where the map is said to be of this kind.
    kind_span: Span,
    arguments: &'a [ast::Expr],
    kind: MapKind,
    wanted: usize,
}
