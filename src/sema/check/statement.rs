//! sema::check::statement: statements, assignments to maps and scratch variables, and
//! aggregations.

use super::call::is_aggregation;
use super::expression::literal_value;
use super::{Checker, Scope};
use crate::lang::ast::{self, BinaryOp};
use crate::lang::diag::{Diag, Span};
use crate::lang::unsupported;
use crate::sema::program::{MapId, MapKind, Stmt, StmtKind};
use crate::sema::types::{Type, U64};

/// Linear histograms with more buckets than this would not fit a map value comfortably.
pub(super) const MAX_LHIST_BUCKETS: i64 = 1000;

impl Checker<'_> {
    pub(super) fn statements(
        &mut self,
        statements: &[ast::Stmt],
        scope: &mut Scope<'_>,
    ) -> Vec<Stmt> {
        statements
            .iter()
            .filter_map(|statement| self.statement(statement, scope))
            .collect()
    }

    pub(super) fn statement(
        &mut self,
        statement: &ast::Stmt,
        scope: &mut Scope<'_>,
    ) -> Option<Stmt> {
        let span = statement.span;
        let kind = match &statement.kind {
            ast::StmtKind::Block(body) => StmtKind::Block(self.statements(body, scope)),
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
                    condition: condition?,
                    then: Box::new(then?),
                    otherwise: otherwise.map(Box::new),
                }
            }
            ast::StmtKind::Return => StmtKind::Return,
            ast::StmtKind::Delete(target) => {
                let ast::ExprKind::Map {
                    name,
                    keys: Some(keys),
                } = &target.kind
                else {
                    self.error(Diag::new(
                        target.span,
                        "`delete` takes a map element: `delete m[key]`",
                    ));
                    return None;
                };
                let map = self.map_id(name, target.span);
                let key = self.key(map, keys, target.span, scope)?;
                StmtKind::Delete { map, key }
            }
            ast::StmtKind::Assign {
                target,
                operator,
                value,
            } => return self.assign(statement, target, *operator, value, scope),
            // bpftrace's `time();` prints the time; ply's `time()` is a value that would be lost.
            ast::StmtKind::Expr(ast::Expr {
                kind:
                    ast::ExprKind::Call {
                        name, name_span, ..
                    },
                ..
            }) if name == "time" => {
                let message = unsupported::function(name).unwrap_or_default();
                self.error(Diag::new(*name_span, message));
                return None;
            }
            ast::StmtKind::Expr(expression) => StmtKind::Expr(self.value(expression, scope)?),
        };
        Some(Stmt { kind, span })
    }

    pub(super) fn assign(
        &mut self,
        statement: &ast::Stmt,
        target: &ast::Expr,
        operator: Option<BinaryOp>,
        value: &ast::Expr,
        scope: &mut Scope<'_>,
    ) -> Option<Stmt> {
        let span = statement.span;
        match &target.kind {
            ast::ExprKind::Dollar(name) => {
                let slot = self.scratch_slot(name, scope);
                let mut typed = self.value(value, scope)?;
                if let Some(operator) = operator {
                    if scope.scratch[slot].1.is_none() {
                        self.scratch_store_type(slot, &typed, scope);
                    }
                    let current = self.scratch_read(slot, target.span, scope)?;
                    typed = self.binary_typed(operator, current, typed, value.span)?;
                }
                let ty = self.scratch_store_type(slot, &typed, scope)?;
                let value = self.coerce(typed, &ty);
                Some(Stmt {
                    kind: StmtKind::ScratchStore { slot, value },
                    span,
                })
            }
            ast::ExprKind::Map { name, keys } => {
                let map = self.map_id(name, target.span);
                self.maps[map].assigned = true;
                if operator.is_none() {
                    if let ast::ExprKind::Call {
                        name: function,
                        arguments,
                        name_span,
                    } = &value.kind
                    {
                        if is_aggregation(function) {
                            return self.aggregate(
                                statement, map, keys, target, function, *name_span, arguments,
                                value.span, scope,
                            );
                        }
                    }
                }
                let key = match keys {
                    Some(keys) => self.key(map, keys, target.span, scope),
                    None => self.keyless(map, target.span).then(Vec::new),
                };
                let mut typed = self.value(value, scope);
                self.set_kind(map, MapKind::Plain, target.span);
                if let (Some(operator), Some(current), Some(key)) = (operator, &typed, &key) {
                    // `m[k]++` may be the first use: the increment gives the value type.
                    if self.maps[map].value.is_none() {
                        self.map_value(map, &current.ty, value.span);
                    }
                    let read = self.map_read(map, key.clone(), target.span);
                    typed = match read {
                        Some(read) => {
                            self.binary_typed(operator, read, current.clone(), value.span)
                        }
                        None => None,
                    };
                }
                let (key, typed) = (key?, typed?);
                let ty = self.map_value(map, &typed.ty, value.span)?;
                let value = self.coerce(typed, &ty);
                Some(Stmt {
                    kind: StmtKind::MapStore { map, key, value },
                    span,
                })
            }
            _ => {
                self.error(
                    Diag::new(
                        target.span,
                        "can only assign to a map element or a `$variable`",
                    )
                    .with_label("not assignable"),
                );
                None
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn aggregate(
        &mut self,
        statement: &ast::Stmt,
        map: MapId,
        keys: &Option<Vec<ast::Expr>>,
        target: &ast::Expr,
        function: &str,
        function_span: Span,
        arguments: &[ast::Expr],
        call_span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Stmt> {
        let key = match keys {
            Some(keys) => self.key(map, keys, target.span, scope),
            None => self.keyless(map, target.span).then(Vec::new),
        };
        let wanted = match function {
            "count" => 0,
            "lhist" => 4,
            _ => 1,
        };
        if arguments.len() != wanted {
            let plural = if wanted == 1 { "" } else { "s" };
            self.error(Diag::new(
                call_span,
                format!(
                    "`{function}()` takes {wanted} argument{plural}, {} given",
                    arguments.len()
                ),
            ));
            return None;
        }
        let argument = match arguments.first() {
            Some(argument) => {
                let typed = self.value(argument, scope)?;
                if !typed.ty.is_integer() {
                    self.error(
                        Diag::new(
                            argument.span,
                            format!("`{function}()` needs an integer, not {}", typed.ty),
                        )
                        .with_label(format!("this is {}", typed.ty)),
                    );
                    return None;
                }
                Some(typed)
            }
            None => None,
        };
        let kind = match function {
            "count" => MapKind::Count,
            "sum" => MapKind::Sum,
            "quantize" | "hist" => MapKind::Quantize,
            "min" => MapKind::Min,
            "max" => MapKind::Max,
            "avg" => MapKind::Avg,
            "stats" => MapKind::Stats,
            _ => {
                let mut bounds = Vec::new();
                for bound in &arguments[1..] {
                    let typed = self.value(bound, scope)?;
                    match literal_value(&typed) {
                        Some(value) => bounds.push(value),
                        None => {
                            self.error(Diag::new(
                                bound.span,
                                "`lhist()` bounds must be number literals",
                            ));
                            return None;
                        }
                    }
                }
                let (min, max, step) = (bounds[0], bounds[1], bounds[2]);
                if step <= 0 || max <= min {
                    self.error(Diag::new(
                        arguments[1].span.to(arguments[3].span),
                        "`lhist(value, min, max, step)` needs min < max and step > 0",
                    ));
                    return None;
                }
                if (max - min) / step > MAX_LHIST_BUCKETS {
                    self.error(Diag::new(
                        arguments[1].span.to(arguments[3].span),
                        format!("`lhist()` would have more than {MAX_LHIST_BUCKETS} buckets"),
                    ));
                    return None;
                }
                MapKind::Lhist { min, max, step }
            }
        };
        self.set_kind(map, kind, function_span.to(call_span));
        let value_type = match (&kind, &argument) {
            (MapKind::Count, _) | (_, None) => U64,
            (MapKind::Quantize | MapKind::Lhist { .. }, Some(argument)) => argument.ty.clone(),
            (_, Some(argument)) => match argument.ty {
                Type::Int { signed, .. } => Type::Int { bytes: 8, signed },
                ref special => special.clone(),
            },
        };
        let value_type = self.map_value(map, &value_type, call_span)?;
        let argument = match (kind, argument) {
            (MapKind::Quantize | MapKind::Lhist { .. }, argument) => argument,
            (_, argument) => argument.map(|argument| self.coerce(argument, &value_type)),
        };
        Some(Stmt {
            kind: StmtKind::Aggregate {
                map,
                key: key?,
                argument,
            },
            span: statement.span,
        })
    }
}
