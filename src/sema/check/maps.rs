//! sema::check::maps: what each map's uses say about its key, value and kind, gathered across
//! all probes, and the map table once nothing new is learnt.

use std::fmt;
use std::rc::Rc;

use super::conversion::{coerce, unify, widen};
use super::expression::expr;
use super::{did_you_mean, Checker, Scope, Typed};
use crate::lang::ast;
use crate::lang::diag::{Diag, Span};
use crate::sema::program::{Expr, ExprKind, Map, MapId, MapKind};
use crate::sema::types::{StructType, Type, I64};

/// What is known about one map so far.
// In this order: the fields most used at short offsets, where one is rarely read last.
#[repr(C)]
pub(super) struct MapState {
    pub(super) name: String,
    /// None until a use shows whether it has a key; then the key types (None = keyless).
    pub(super) key: Option<(Option<Vec<Type>>, Span)>,
    pub(super) value: Option<(Type, Span)>,
    pub(super) kind: Option<(MapKind, Span)>,
    pub(super) first: Span,
    /// Some statement assigns or aggregates into it (even one with errors of its own).
    pub(super) assigned: bool,
}

impl Checker<'_> {
    pub(super) fn map_id(&mut self, name: &str, span: Span) -> MapId {
        if let Some(id) = self.map_named(name) {
            return id;
        }
        let id = self.maps.len();
        self.maps.push(MapState {
            name: name.to_string(),
            first: span,
            key: None,
            value: None,
            kind: None,
            assigned: false,
        });
        self.changed = true;
        id
    }

    /// The map of this name, if a use has named it.
    pub(super) fn map_named(&self, name: &str) -> Option<MapId> {
        self.maps.iter().position(|map| map.name == name)
    }

    pub(super) fn set_kind(&mut self, map: MapId, kind: MapKind, span: Span) {
        match self.maps[map].kind {
            None => {
                self.maps[map].kind = Some((kind, span));
                self.changed = true;
            }
            Some((existing, _)) if existing == kind => {}
            Some((existing, first)) => {
                let name = &self.maps[map].name;
                self.errors.report_note(
                    span,
                    format_args!(
                        "`{name}` is used as {} here but as {} elsewhere",
                        Kind(kind),
                        Kind(existing)
                    ),
                    (first, format_args!("`{name}` is {} here", Kind(existing))),
                );
            }
        }
    }

    /// Records (or checks) a map's value type; returns the map's type after this use.
    pub(super) fn map_value(&mut self, map: MapId, ty: &Type, span: Span) -> Option<Type> {
        if matches!(ty, Type::Void) {
            self.errors
                .report(span, format_args!("this has no value to store"));
            return None;
        }
        let state = &mut self.maps[map];
        let common = widen(&mut state.value, ty, span, &mut self.changed);
        if let (None, Some((existing, first))) = (&common, &state.value) {
            let name = &state.name;
            self.errors.report_note(
                span,
                format_args!("`{name}` holds {existing} values, this is {ty}"),
                (
                    *first,
                    format_args!("`{name}` first gets a {existing} here"),
                ),
            );
        }
        common
    }

    /// A keyless use (`@x`, `@ = count()`); false (with an error) when the map has keys.
    pub(super) fn keyless(&mut self, map: MapId, span: Span) -> bool {
        match &self.maps[map].key {
            None => {
                self.maps[map].key = Some((None, span));
                self.changed = true;
                true
            }
            Some((None, _)) => true,
            Some((Some(_), first)) => {
                let (name, first) = (&self.maps[map].name, *first);
                self.errors.report_note(
                    span,
                    format_args!("`{name}` is used without a key here"),
                    (first, format_args!("`{name}` has a key here")),
                );
                false
            }
        }
    }

    /// Types key expressions and unifies them with the map's key; returns them converted to it.
    pub(super) fn key(
        &mut self,
        map: MapId,
        keys: &[ast::Expr],
        span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Vec<Expr>> {
        let typed = self.all_typed(keys, scope, false, |value| match &value.ty {
            Type::Void => Some("this cannot be a map key"),
            // As in bpftrace: a map takes several keys instead.
            Type::Struct(record) if record.name.is_none() => {
                Some("a tuple cannot be a map key: give the map several keys, @m[a, b]")
            }
            _ => matches!(value.kind, ExprKind::MapRef(_)).then_some("this cannot be a map key"),
        })?;
        let mut keys = typed;
        // The name borrowed beside the key, for the errors.
        let MapState { name, key, .. } = &mut self.maps[map];
        let Some((known, first)) = key else {
            // The first use with a key: the key is its types.
            let mut types = Vec::with_capacity(keys.len());
            for key in &keys {
                types.push(key.ty.clone());
            }
            *key = Some((Some(types), span));
            self.changed = true;
            return Some(keys);
        };
        let first = *first;
        let Some(existing) = known else {
            self.errors.report_note(
                span,
                format_args!("`{name}` is used with a key here"),
                (first, format_args!("`{name}` has no key here")),
            );
            return None;
        };
        if existing.len() != keys.len() {
            let count = existing.len();
            self.errors.report_note(
                span,
                format_args!("`{name}` has a key of {} expressions here", keys.len()),
                (first, format_args!("and of {count} here")),
            );
            return None;
        }
        let mut common = Vec::with_capacity(keys.len());
        let mut widened = false;
        for (index, (old, new)) in existing.iter().zip(&keys).enumerate() {
            let Some(ty) = unify(old, &new.ty) else {
                self.errors.report_note(
                    new.span,
                    format_args!("key {} of `{name}` is {old}, this is {}", index + 1, new.ty),
                    (first, format_args!("`{name}` gets a {old} key here")),
                );
                return None;
            };
            widened |= ty != *old;
            common.push(ty);
        }
        for (key, ty) in keys.iter_mut().zip(&common) {
            coerce(key, ty);
        }
        if widened {
            *existing = common;
            self.changed = true;
        }
        Some(keys)
    }

    pub(super) fn map_read(&mut self, map: MapId, key: Vec<Expr>, span: Span) -> Option<Typed> {
        let state = &self.maps[map];
        if let Some((kind, first)) = state.kind {
            if kind != MapKind::Plain {
                let name = &state.name;
                self.errors.report_note(
                    span,
                    format_args!("`{name}` is an aggregation; its value can only be printed"),
                    (first, format_args!("`{name}` aggregates here")),
                );
                return None;
            }
        }
        let ty = match &state.value {
            Some((ty, _)) => ty.clone(),
            // `@x = @x + 1`: the read is what gives the store its type. A missing key reads
            // as zero, so until a store types the map, a read is a 64-bit integer, as in bpftrace.
            None if state.assigned => I64,
            None => {
                if self.errors.final_round {
                    let name = &state.name;
                    let mut assigned = Vec::new();
                    for other in &self.maps {
                        if other.value.is_some() {
                            assigned.push(other.name.as_str());
                        }
                    }
                    let label = did_you_mean(name, &assigned);
                    let message = format_args!("`{name}` is read but never assigned");
                    self.errors.report_with(span, message, label, None);
                }
                return None;
            }
        };
        Some(expr(ExprKind::MapRead { map, key }, ty, span))
    }

    /// The map table, with any map that never got a type reported.
    #[inline(never)]
    pub(super) fn finish_maps(&mut self, errors: &mut Vec<Diag>) -> Vec<Map> {
        let mut maps = Vec::new();
        for state in &self.maps {
            let key = match &state.key {
                Some((Some(types), _)) => Some(Rc::new(StructType::key(types))),
                _ => None,
            };
            let Some((value, _)) = &state.value else {
                // A map whose assignments failed was reported there; one only ever read was
                // reported where it is read.
                if !state.assigned && !errors.iter().any(|error| error.span == state.first) {
                    errors.push(Diag::new(
                        state.first,
                        format!("`{}` is never assigned", state.name),
                    ));
                }
                continue;
            };
            maps.push(Map {
                name: state.name.clone(),
                key,
                value: value.clone(),
                kind: state.kind.map_or(MapKind::Plain, |(kind, _)| kind),
                span: state.first,
            });
        }
        maps
    }
}

/// How an error names a map's kind: written into the message, not made a string first.
struct Kind(MapKind);

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            MapKind::Plain => f.write_str("a plain map"),
            // Two lhist() uses differ only in their bounds: name them.
            MapKind::Lhist { min, max, step } => {
                write!(
                    f,
                    "a lhist() aggregation (min {min}, max {max}, step {step})"
                )
            }
            other => write!(f, "a {}() aggregation", other.name()),
        }
    }
}
