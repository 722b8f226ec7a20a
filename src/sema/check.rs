//! sema::check: walks the AST of every probe, resolves each name to its meaning and infers
//! types, including map key and value types from all uses across all probes.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::context::{Environment, ProbeContext, Providers};
use super::program::{
    Builtin, Expr, ExprKind, Function, Map, MapId, MapKind, Probe, Program, Scratch, Stmt, StmtKind,
};
use super::types::{string_literal, AddressSpace, Id, Record, Type, I32, I64, U32, U64};
use crate::lang::ast::{self, BinaryOp, UnaryOp};
use crate::lang::diag::{Diag, Span};
use crate::lang::suggest::nearest;
use crate::lang::unsupported;
use crate::output::PrintOptions;

/// Bytes `str()` and `mem()` read when no length is given (ply's string size).
pub const DEFAULT_STRING_SIZE: usize = 128;
/// BPF programs have 512 bytes of stack; nothing read onto it can be larger.
pub const MAX_STACK: usize = 512;
/// Linear histograms with more buckets than this would not fit a map value comfortably.
const MAX_LHIST_BUCKETS: i64 = 1000;

const BUILTINS: &[&str] = &[
    "comm", "execname", "pid", "tid", "kpid", "uid", "gid", "cpu", "time", "nsecs", "walltime",
    "stack", "kstack", "ustack", "probe",
];

const FUNCTIONS: &[&str] = &[
    "printf", "print", "exit", "clear", "str", "mem", "uptr", "kptr", "ksym", "usym", "dyn",
    "strcmp", "count", "sum", "quantize", "hist", "lhist", "min", "max", "avg", "stats",
];

/// Type-checks a parsed script. Every independent error is collected.
pub fn check_script(
    script: &ast::Script,
    providers: &dyn Providers,
    environment: &Environment,
) -> Result<Program, Vec<Diag>> {
    let mut errors = Vec::new();
    // Each spec of a probe list is typed on its own, in its own provider's context; so is each
    // point of a glob when the probe reads `probe`, which names the point that fired.
    let mut units = Vec::new();
    for probe in &script.probes {
        for spec in &probe.specs {
            let points = match points(probe, spec, providers) {
                Ok(points) => points,
                Err(message) => {
                    errors.push(spec_error(spec, &message));
                    continue;
                }
            };
            for (point, name) in points {
                let context: Option<Box<dyn ProbeContext>> =
                    if spec.provider == "BEGIN" || spec.provider == "END" {
                        Some(Box::new(NoVariables))
                    } else {
                        match providers.context(&spec.provider, &point) {
                            Ok(context) => Some(context),
                            Err(message) => {
                                errors.push(spec_error(spec, &message));
                                None
                            }
                        }
                    };
                if let Some(context) = context {
                    units.push(Unit {
                        probe,
                        provider: &spec.provider,
                        spec: point,
                        name,
                        span: spec.span,
                        context,
                        scratch: Vec::new(),
                    });
                }
            }
        }
    }
    let mut checker = Checker {
        environment,
        maps: Vec::new(),
        map_index: HashMap::new(),
        errors: Vec::new(),
        final_round: false,
        changed: false,
    };
    // Map and scratch types flow between uses in any order: iterate until nothing new is
    // learnt (types only widen, so this ends), then type once more, reporting.
    for _ in 0..64 {
        checker.changed = false;
        for unit in &mut units {
            checker.probe(unit);
        }
        checker.errors.clear();
        if !checker.changed {
            break;
        }
    }
    checker.final_round = true;
    let mut probes = Vec::new();
    for unit in &mut units {
        probes.push(checker.probe(unit));
    }
    errors.append(&mut checker.errors);
    let maps = checker.finish_maps(&mut errors);
    if errors.is_empty() {
        Ok(Program { maps, probes })
    } else {
        errors.sort_by_key(|diag| diag.span.start);
        errors.dedup();
        Err(errors)
    }
}

/// A provider's error about `spec`, with the spec as the script spelled it (`interval:hz:0`,
/// not the `interval:0hz` providers read).
fn spec_error(spec: &ast::ProbeSpec, message: &str) -> Diag {
    let canonical = format!("`{}:{}`", spec.provider, spec.spec);
    let written = format!("`{}:{}`", spec.provider, spec.written);
    Diag::new(spec.spec_span, message.replace(&canonical, &written))
}

/// The points one spec of `probe` is typed and compiled at, each with what `probe` reads
/// there: the spec itself, or, when the probe reads `probe`, each point of a glob.
fn points(
    probe: &ast::Probe,
    spec: &ast::ProbeSpec,
    providers: &dyn Providers,
) -> Result<Vec<(String, String)>, String> {
    // The provider, then the spec as the script spelled it.
    let name = |written: &str| match written {
        "" => spec.provider.clone(),
        written => format!("{}:{written}", spec.provider),
    };
    let points = if probe.reads("probe") {
        providers.expand(&spec.provider, &spec.spec)?
    } else {
        Vec::new()
    };
    if points.is_empty() {
        return Ok(vec![(spec.spec.clone(), name(&spec.written))]);
    }
    // bpftrace's `group:event` when the script wrote it so.
    let colon = spec.provider == "tracepoint" && !spec.written.contains('/');
    Ok(points
        .into_iter()
        .map(|point| {
            let written = if colon {
                point.replacen('/', ":", 1)
            } else {
                point.clone()
            };
            (point, name(&written))
        })
        .collect())
}

/// BEGIN and END: no provider variables.
struct NoVariables;

impl ProbeContext for NoVariables {
    fn variable(&self, _name: &str) -> Option<Type> {
        None
    }
    fn names(&self) -> Vec<String> {
        Vec::new()
    }
}

struct Unit<'s> {
    probe: &'s ast::Probe,
    provider: &'s str,
    /// The spec in ply's spelling, as providers take it.
    spec: String,
    /// What `probe` reads: the provider and the spec as the script spelled it.
    name: String,
    span: Span,
    context: Box<dyn ProbeContext>,
    /// Scratch variable names and their types so far, by slot.
    scratch: Vec<(String, Option<(Type, Span)>)>,
}

/// What is known about one map so far.
struct MapState {
    name: String,
    first: Span,
    /// None until a use shows whether it has a key; then the key types (None = keyless).
    key: Option<(Option<Vec<Type>>, Span)>,
    value: Option<(Type, Span)>,
    kind: Option<(MapKind, Span)>,
    /// Some statement assigns or aggregates into it (even one with errors of its own).
    assigned: bool,
}

struct Checker<'e> {
    environment: &'e Environment,
    maps: Vec<MapState>,
    map_index: HashMap<String, MapId>,
    errors: Vec<Diag>,
    final_round: bool,
    changed: bool,
}

/// The scope of the probe being typed.
struct Scope<'u> {
    context: &'u dyn ProbeContext,
    /// `provider:spec` as written (canonical provider name), what `probe` reads.
    probe_name: String,
    scratch: &'u mut Vec<(String, Option<(Type, Span)>)>,
    assigned: HashSet<String>,
}

/// The common type two uses of one slot (map key, value, scratch variable) can share.
fn unify(a: &Type, b: &Type) -> Option<Type> {
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
            Some(Type::Pointer {
                target: Box::new(target),
                space,
            })
        }
        _ => None,
    }
}

/// C's integer promotion: anything narrower than int becomes int.
fn promote(ty: &Type) -> Type {
    match ty {
        Type::Int { bytes, .. } if *bytes < 4 => I32,
        Type::Id(_) => U32,
        Type::Int { .. } => ty.clone(),
        _ if ty.is_scalar() => U64,
        _ => ty.clone(),
    }
}

/// C's usual arithmetic conversions over two integer types.
fn arithmetic(a: &Type, b: &Type) -> Type {
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

fn literal_type(value: u64) -> Type {
    if value <= i32::MAX as u64 {
        I32
    } else if value <= i64::MAX as u64 {
        I64
    } else {
        U64
    }
}

fn cast_type(name: &str) -> Option<Type> {
    let pointers = name.chars().filter(|&c| c == '*').count();
    let base = name.trim_end_matches('*');
    let mut ty = match (base, crate::lang::parse::integer_type(base)) {
        (_, Some((bytes, signed))) => Type::Int { bytes, signed },
        ("void", None) if pointers > 0 => Type::Void,
        _ => return None,
    };
    for _ in 0..pointers {
        ty = Type::Pointer {
            target: Box::new(ty),
            space: AddressSpace::Unknown,
        };
    }
    Some(ty)
}

/// Parses an environment value as ply does (strtoll with base 0: decimal, 0x hex, 0 octal).
fn parse_number(text: &str) -> Option<u64> {
    let trimmed = text.trim();
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let lower = digits.to_ascii_lowercase();
    let value = if let Some(hex) = lower.strip_prefix("0x") {
        u64::from_str_radix(hex, 16).ok()?
    } else if lower.len() > 1 && lower.starts_with('0') {
        u64::from_str_radix(&lower[1..], 8).ok()?
    } else {
        lower.parse::<u64>().ok()?
    };
    if negative {
        let magnitude = i64::try_from(value).ok()?;
        Some((-magnitude) as u64)
    } else {
        Some(value)
    }
}

/// A literal `Int` node's value as i64 (folding unary minus), for lhist bounds.
fn literal_value(expr: &Expr) -> Option<i64> {
    match &expr.kind {
        ExprKind::Int(value) if expr.ty.is_signed() => Some(*value as i64),
        ExprKind::Int(value) => i64::try_from(*value).ok(),
        _ => None,
    }
}

fn collect_assigned(statements: &[ast::Stmt], names: &mut HashSet<String>) {
    for statement in statements {
        match &statement.kind {
            ast::StmtKind::Block(body) => collect_assigned(body, names),
            ast::StmtKind::If {
                then, otherwise, ..
            } => {
                collect_assigned(std::slice::from_ref(then), names);
                if let Some(otherwise) = otherwise {
                    collect_assigned(std::slice::from_ref(otherwise), names);
                }
            }
            ast::StmtKind::Assign {
                target:
                    ast::Expr {
                        kind: ast::ExprKind::Dollar(name),
                        ..
                    },
                ..
            } => {
                names.insert(name.clone());
            }
            _ => {}
        }
    }
}

fn expr(kind: ExprKind, ty: Type, span: Span) -> Expr {
    Expr { kind, ty, span }
}

/// The memory an address of type `ty` points into: a pointer's own, or for a number, the
/// memory the probe's values point into.
fn address_space(ty: &Type, context: &dyn ProbeContext) -> AddressSpace {
    match ty {
        Type::Pointer { space, .. } => *space,
        _ => context.address_space(),
    }
}

fn binary(operator: BinaryOp, left: Expr, right: Expr, ty: Type, span: Span) -> Expr {
    let kind = ExprKind::Binary {
        operator,
        left: Box::new(left),
        right: Box::new(right),
    };
    expr(kind, ty, span)
}

impl Checker<'_> {
    fn error(&mut self, diag: Diag) {
        if self.final_round {
            self.errors.push(diag);
        }
    }

    fn probe(&mut self, unit: &mut Unit<'_>) -> Probe {
        let mut assigned = HashSet::new();
        collect_assigned(&unit.probe.body, &mut assigned);
        let mut scope = Scope {
            context: unit.context.as_ref(),
            probe_name: unit.name.clone(),
            scratch: &mut unit.scratch,
            assigned,
        };
        let mut body = self.statements(&unit.probe.body, &mut scope);
        if let Some(predicate) = &unit.probe.predicate {
            if let Some(condition) = self.condition(predicate, &mut scope) {
                let span = unit.probe.span;
                body = vec![Stmt {
                    kind: StmtKind::If {
                        condition,
                        then: Box::new(Stmt {
                            kind: StmtKind::Block(body),
                            span,
                        }),
                        otherwise: None,
                    },
                    span,
                }];
            }
        }
        Probe {
            provider: unit.provider.to_string(),
            spec: unit.spec.clone(),
            span: unit.span,
            scratch: unit
                .scratch
                .iter()
                .map(|(name, ty)| Scratch {
                    name: name.clone(),
                    ty: ty.as_ref().map_or(Type::Void, |(ty, _)| ty.clone()),
                })
                .collect(),
            body,
        }
    }

    fn statements(&mut self, statements: &[ast::Stmt], scope: &mut Scope<'_>) -> Vec<Stmt> {
        statements
            .iter()
            .filter_map(|statement| self.statement(statement, scope))
            .collect()
    }

    fn statement(&mut self, statement: &ast::Stmt, scope: &mut Scope<'_>) -> Option<Stmt> {
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

    fn assign(
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
    fn aggregate(
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

    fn map_id(&mut self, name: &str, span: Span) -> MapId {
        if let Some(&id) = self.map_index.get(name) {
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
        self.map_index.insert(name.to_string(), id);
        self.changed = true;
        id
    }

    fn set_kind(&mut self, map: MapId, kind: MapKind, span: Span) {
        match self.maps[map].kind {
            None => {
                self.maps[map].kind = Some((kind, span));
                self.changed = true;
            }
            Some((existing, _)) if existing == kind => {}
            Some((existing, first)) => {
                let name = self.maps[map].name.clone();
                self.error(
                    Diag::new(
                        span,
                        format!(
                            "`{name}` is used as {} here but as {} elsewhere",
                            describe_kind(kind),
                            describe_kind(existing)
                        ),
                    )
                    .with_note(
                        first,
                        format!("`{name}` is {} here", describe_kind(existing)),
                    ),
                );
            }
        }
    }

    /// Records (or checks) a map's value type; returns the map's type after this use.
    fn map_value(&mut self, map: MapId, ty: &Type, span: Span) -> Option<Type> {
        if *ty == Type::Void {
            self.error(Diag::new(span, "this has no value to store"));
            return None;
        }
        match self.maps[map].value.clone() {
            None => {
                self.maps[map].value = Some((ty.clone(), span));
                self.changed = true;
                Some(ty.clone())
            }
            Some((existing, first)) => match unify(&existing, ty) {
                Some(common) => {
                    if common != existing {
                        self.maps[map].value = Some((common.clone(), first));
                        self.changed = true;
                    }
                    Some(common)
                }
                None => {
                    let name = self.maps[map].name.clone();
                    self.error(
                        Diag::new(
                            span,
                            format!("`{name}` holds {existing} values, this is {ty}"),
                        )
                        .with_note(first, format!("`{name}` first gets a {existing} here")),
                    );
                    None
                }
            },
        }
    }

    /// A keyless use (`@x`, `@ = count()`); false (with an error) when the map has keys.
    fn keyless(&mut self, map: MapId, span: Span) -> bool {
        match &self.maps[map].key {
            None => {
                self.maps[map].key = Some((None, span));
                self.changed = true;
                true
            }
            Some((None, _)) => true,
            Some((Some(_), first)) => {
                let (name, first) = (self.maps[map].name.clone(), *first);
                self.error(
                    Diag::new(span, format!("`{name}` is used without a key here"))
                        .with_note(first, format!("`{name}` has a key here")),
                );
                false
            }
        }
    }

    /// Types every expression (whole maps allowed where `maps` says), reporting each that
    /// fails or that `refuse` names a reason for; None when any did.
    fn all_typed(
        &mut self,
        nodes: &[ast::Expr],
        scope: &mut Scope<'_>,
        maps: bool,
        refuse: impl Fn(&Expr) -> Option<&'static str>,
    ) -> Option<Vec<Expr>> {
        let mut typed = Vec::with_capacity(nodes.len());
        let mut failed = false;
        for node in nodes {
            let value = if maps {
                self.expression(node, scope, true)
            } else {
                self.value(node, scope)
            };
            match value {
                Some(value) => match refuse(&value) {
                    Some(reason) => {
                        self.error(Diag::new(node.span, reason));
                        failed = true;
                    }
                    None => typed.push(value),
                },
                None => failed = true,
            }
        }
        (!failed).then_some(typed)
    }

    /// Types key expressions and unifies them with the map's key; returns them converted to it.
    fn key(
        &mut self,
        map: MapId,
        keys: &[ast::Expr],
        span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Vec<Expr>> {
        let typed = self.all_typed(keys, scope, false, |value| {
            (value.ty == Type::Void || matches!(value.kind, ExprKind::MapRef(_)))
                .then_some("this cannot be a map key")
        })?;
        let types: Vec<Type> = typed.iter().map(|key| key.ty.clone()).collect();
        let name = self.maps[map].name.clone();
        let common = match self.maps[map].key.clone() {
            None => {
                self.maps[map].key = Some((Some(types.clone()), span));
                self.changed = true;
                types
            }
            Some((None, first)) => {
                self.error(
                    Diag::new(span, format!("`{name}` is used with a key here"))
                        .with_note(first, format!("`{name}` has no key here")),
                );
                return None;
            }
            Some((Some(existing), first)) => {
                if existing.len() != types.len() {
                    self.error(
                        Diag::new(
                            span,
                            format!("`{name}` has a key of {} expressions here", types.len()),
                        )
                        .with_note(first, format!("and of {} here", existing.len())),
                    );
                    return None;
                }
                let mut common = Vec::new();
                for (index, (old, new)) in existing.iter().zip(&types).enumerate() {
                    match unify(old, new) {
                        Some(ty) => common.push(ty),
                        None => {
                            self.error(
                                Diag::new(
                                    typed[index].span,
                                    format!(
                                        "key {} of `{name}` is {old}, this is {new}",
                                        index + 1
                                    ),
                                )
                                .with_note(first, format!("`{name}` gets a {old} key here")),
                            );
                            return None;
                        }
                    }
                }
                if common != existing {
                    self.maps[map].key = Some((Some(common.clone()), first));
                    self.changed = true;
                }
                common
            }
        };
        Some(
            typed
                .into_iter()
                .zip(&common)
                .map(|(key, ty)| self.coerce(key, ty))
                .collect(),
        )
    }

    /// Wraps `value` in a conversion when its type differs from the slot's.
    fn coerce(&self, value: Expr, ty: &Type) -> Expr {
        if value.ty == *ty {
            return value;
        }
        // A literal takes the slot's type itself: an integer's bits are already the i64/u64
        // value, and a string is padded with zeros to its type's length.
        let literal = match (&value.kind, ty) {
            (ExprKind::Int(_), ty) => ty.is_integer(),
            (ExprKind::Str(bytes), Type::Chars(length)) => bytes.len() < *length,
            _ => false,
        };
        if literal {
            return Expr {
                ty: ty.clone(),
                ..value
            };
        }
        let span = value.span;
        expr(ExprKind::Cast(Box::new(value)), ty.clone(), span)
    }

    fn map_read(&mut self, map: MapId, key: Vec<Expr>, span: Span) -> Option<Expr> {
        let state = &self.maps[map];
        if let Some((kind, first)) = state.kind {
            if kind != MapKind::Plain {
                let name = state.name.clone();
                self.error(
                    Diag::new(
                        span,
                        format!("`{name}` is an aggregation; its value can only be printed"),
                    )
                    .with_note(first, format!("`{name}` aggregates here")),
                );
                return None;
            }
        }
        match &state.value {
            Some((ty, _)) => Some(expr(ExprKind::MapRead { map, key }, ty.clone(), span)),
            // `@x = @x + 1`: the read is what gives the store its type. A missing key reads
            // as zero, so until a store types the map, a read is a 64-bit integer, as in bpftrace.
            None if state.assigned => Some(expr(ExprKind::MapRead { map, key }, I64, span)),
            None => {
                if self.final_round {
                    let name = state.name.clone();
                    let assigned = self
                        .maps
                        .iter()
                        .filter(|other| other.value.is_some())
                        .map(|other| other.name.as_str());
                    let mut diag = Diag::new(span, format!("`{name}` is read but never assigned"));
                    if let Some(near) = nearest(&name, assigned) {
                        diag = diag.with_label(format!("did you mean `{near}`?"));
                    }
                    self.errors.push(diag);
                }
                None
            }
        }
    }

    fn scratch_slot(&mut self, name: &str, scope: &mut Scope<'_>) -> usize {
        if let Some(slot) = scope.scratch.iter().position(|(known, _)| known == name) {
            return slot;
        }
        scope.scratch.push((name.to_string(), None));
        self.changed = true;
        scope.scratch.len() - 1
    }

    fn scratch_read(&mut self, slot: usize, span: Span, scope: &mut Scope<'_>) -> Option<Expr> {
        match &scope.scratch[slot].1 {
            Some((ty, _)) => Some(expr(ExprKind::Scratch(slot), ty.clone(), span)),
            None => {
                let name = scope.scratch[slot].0.clone();
                self.error(Diag::new(
                    span,
                    format!("`${name}` has no type: it is only assigned from itself"),
                ));
                None
            }
        }
    }

    fn scratch_store_type(
        &mut self,
        slot: usize,
        value: &Expr,
        scope: &mut Scope<'_>,
    ) -> Option<Type> {
        if value.ty == Type::Void || matches!(value.kind, ExprKind::MapRef(_)) {
            self.error(Diag::new(value.span, "this has no value to store"));
            return None;
        }
        match scope.scratch[slot].1.clone() {
            None => {
                scope.scratch[slot].1 = Some((value.ty.clone(), value.span));
                self.changed = true;
                Some(value.ty.clone())
            }
            Some((existing, first)) => match unify(&existing, &value.ty) {
                Some(common) => {
                    if common != existing {
                        scope.scratch[slot].1 = Some((common.clone(), first));
                        self.changed = true;
                    }
                    Some(common)
                }
                None => {
                    let name = scope.scratch[slot].0.clone();
                    self.error(
                        Diag::new(
                            value.span,
                            format!("`${name}` holds {existing} values, this is {}", value.ty),
                        )
                        .with_note(first, format!("`${name}` first gets a {existing} here")),
                    );
                    None
                }
            },
        }
    }

    /// A condition: any scalar; its truth is C's `!= 0`.
    fn condition(&mut self, condition: &ast::Expr, scope: &mut Scope<'_>) -> Option<Expr> {
        let typed = self.value(condition, scope)?;
        if typed.ty.is_scalar() {
            return Some(typed);
        }
        let hint = if matches!(typed.ty, Type::Chars(_)) {
            "compare strings with `==` or strcmp()"
        } else {
            "only numbers and pointers are true or false"
        };
        self.error(
            Diag::new(
                condition.span,
                format!("{} cannot be a condition", typed.ty),
            )
            .with_label(hint),
        );
        None
    }

    /// An expression that must produce a value.
    fn value(&mut self, node: &ast::Expr, scope: &mut Scope<'_>) -> Option<Expr> {
        let typed = self.expression(node, scope, false)?;
        if let ExprKind::MapRef(map) = typed.kind {
            let name = self.maps[map].name.clone();
            self.error(Diag::new(
                node.span,
                format!("`{name}` is a whole map here; only print() and clear() take one"),
            ));
            return None;
        }
        Some(typed)
    }

    /// `allow_map`: a bare map name is a reference to the whole map (print, clear).
    fn expression(
        &mut self,
        node: &ast::Expr,
        scope: &mut Scope<'_>,
        allow_map: bool,
    ) -> Option<Expr> {
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
            ast::ExprKind::Call {
                name,
                name_span,
                arguments,
            } => self.call(name, *name_span, arguments, span, scope),
            ast::ExprKind::Unary { operator, operand } => {
                let operand = self.value(operand, scope)?;
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
            } => {
                let condition = self.condition(condition, scope);
                let then = self.value(then, scope);
                let otherwise = self.value(otherwise, scope);
                let (condition, then, otherwise) = (condition?, then?, otherwise?);
                let ty =
                    if then.ty.is_integer() && otherwise.ty.is_integer() && then.ty != otherwise.ty
                    {
                        arithmetic(&then.ty, &otherwise.ty)
                    } else {
                        match unify(&then.ty, &otherwise.ty) {
                            Some(ty) => ty,
                            None => {
                                self.error(
                                    Diag::new(
                                        otherwise.span,
                                        format!(
                                            "the branches of `?:` differ: {} and {}",
                                            then.ty, otherwise.ty
                                        ),
                                    )
                                    .with_note(then.span, format!("this is {}", then.ty)),
                                );
                                return None;
                            }
                        }
                    };
                let then = self.coerce(then, &ty);
                let otherwise = self.coerce(otherwise, &ty);
                Some(expr(
                    ExprKind::Ternary {
                        condition: Box::new(condition),
                        then: Box::new(then),
                        otherwise: Box::new(otherwise),
                    },
                    ty,
                    span,
                ))
            }
            ast::ExprKind::Cast {
                type_name,
                type_span,
                operand,
            } => {
                let operand = self.value(operand, scope)?;
                let Some(mut ty) = cast_type(type_name) else {
                    self.error(Diag::new(
                        *type_span,
                        format!("cannot cast to `{type_name}`"),
                    ));
                    return None;
                };
                if !operand.ty.is_scalar() {
                    self.error(
                        Diag::new(operand.span, format!("cannot cast {} to {ty}", operand.ty))
                            .with_label("only numbers and pointers convert"),
                    );
                    return None;
                }
                if let Type::Pointer { space, .. } = &mut ty {
                    *space = address_space(&operand.ty, scope.context);
                }
                Some(expr(ExprKind::Cast(Box::new(operand)), ty, span))
            }
            ast::ExprKind::Member {
                base,
                field,
                field_span,
                arrow: _,
            } => {
                let base = self.value(base, scope)?;
                let (record, through_pointer) = match &base.ty {
                    Type::Struct(record) => (record.clone(), false),
                    Type::Pointer { target, .. } => match target.as_ref() {
                        Type::Struct(record) => (record.clone(), true),
                        _ => {
                            self.error(Diag::new(base.span, format!("{} has no fields", base.ty)));
                            return None;
                        }
                    },
                    other => {
                        self.error(Diag::new(base.span, format!("{other} has no fields")));
                        return None;
                    }
                };
                let Some(found) = record.field(field) else {
                    let mut diag =
                        Diag::new(*field_span, format!("{} has no field `{field}`", base.ty));
                    if field.starts_with("common_") {
                        diag = diag.with_label(
                            "BPF cannot read a tracepoint's common header (the kernel writes over it): use pid, tid or cpu",
                        );
                    } else if let Some(near) =
                        nearest(field, record.fields.iter().map(|field| field.name.as_str()))
                    {
                        diag = diag.with_label(format!("did you mean `{near}`?"));
                    }
                    self.error(diag);
                    return None;
                };
                let member = expr(
                    ExprKind::Member {
                        base: Box::new(base),
                        field: field.clone(),
                        offset: found.offset,
                        through_pointer,
                    },
                    found.ty.clone(),
                    span,
                );
                // A `__data_loc` field means its string wherever it is used, as `dyn()` reads it.
                Some(match found.ty {
                    Type::DataLoc { .. } => call(
                        Function::Dyn,
                        vec![member],
                        Type::Chars(DEFAULT_STRING_SIZE),
                        span,
                    ),
                    _ => member,
                })
            }
        }
    }

    fn identifier(
        &mut self,
        name: &str,
        span: Span,
        scope: &mut Scope<'_>,
        allow_map: bool,
    ) -> Option<Expr> {
        if allow_map {
            if let Some(&map) = self.map_index.get(name) {
                return Some(expr(ExprKind::MapRef(map), Type::Void, span));
            }
        }
        if let Some(ty) = scope.context.variable(name) {
            return Some(expr(ExprKind::Provider(name.to_string()), ty, span));
        }
        // bpftrace's `args` is ply's `data`.
        if name == "args" {
            if let Some(ty) = scope.context.variable("data") {
                return Some(expr(ExprKind::Provider("data".to_string()), ty, span));
            }
        }
        if name == "probe" {
            // A constant per probe: each spec of a probe list is a probe of its own.
            let text = scope.probe_name.clone().into_bytes();
            let ty = string_literal(text.len());
            return Some(expr(ExprKind::Str(text), ty, span));
        }
        let (builtin, ty) = match name {
            "comm" | "execname" => (Builtin::Comm, Type::Chars(16)),
            "pid" => (Builtin::Pid, Type::Id(Id::Process)),
            "tid" | "kpid" => (Builtin::Tid, Type::Id(Id::Process)),
            "uid" => (Builtin::Uid, Type::Id(Id::User)),
            "gid" => (Builtin::Gid, Type::Id(Id::Group)),
            "cpu" => (Builtin::Cpu, Type::Id(Id::Cpu)),
            "time" => (Builtin::Nsecs, Type::Time),
            "nsecs" => (Builtin::Nsecs, U64),
            "walltime" => (Builtin::WallTime, Type::WallTime),
            "stack" | "kstack" => (Builtin::KernelStack, Type::Stack),
            "ustack" => (Builtin::UserStack, Type::UserStack),
            _ => {
                if let Some(message) = unsupported::variable(name) {
                    self.error(Diag::new(span, message));
                    return None;
                }
                let mut known: Vec<String> = BUILTINS.iter().map(|s| s.to_string()).collect();
                known.extend(scope.context.names());
                let mut diag = Diag::new(span, format!("unknown name `{name}`"));
                if let Some(near) = nearest(name, known.iter().map(String::as_str)) {
                    diag = diag.with_label(format!("did you mean `{near}`?"));
                } else if self.map_index.contains_key(name) {
                    diag = diag.with_label(format!("`{name}` is a map: write `{name}[key]`"));
                }
                self.error(diag);
                return None;
            }
        };
        Some(expr(ExprKind::Builtin(builtin), ty, span))
    }

    fn dollar(&mut self, name: &str, span: Span, scope: &mut Scope<'_>) -> Option<Expr> {
        if scope.assigned.contains(name) {
            let slot = self.scratch_slot(name, scope);
            return match &scope.scratch[slot].1 {
                Some((ty, _)) => Some(expr(ExprKind::Scratch(slot), ty.clone(), span)),
                None if self.final_round => self.scratch_read(slot, span, scope),
                None => None,
            };
        }
        if name == "target" {
            if !self.environment.target {
                self.error(
                    Diag::new(span, "`$target` is the pid of the -c command")
                        .with_label("there is no -c COMMAND"),
                );
                return None;
            }
            return Some(expr(ExprKind::TargetPid, Type::Id(Id::Process), span));
        }
        let text = if name.chars().all(|c| c.is_ascii_digit()) {
            let index: usize = name.parse().unwrap_or(usize::MAX);
            match index
                .checked_sub(1)
                .and_then(|index| self.environment.positional.get(index))
            {
                Some(text) => text.clone(),
                None => {
                    let given = self.environment.positional.len();
                    self.error(
                        Diag::new(span, format!("there is no positional argument ${name}"))
                            .with_label(format!("{given} given after the script")),
                    );
                    return None;
                }
            }
        } else {
            match self.environment.variables.get(name) {
                Some(text) => text.clone(),
                None => {
                    self.error(
                        Diag::new(span, format!("environment variable `{name}` is not set"))
                            .with_label("assign it in this probe to make it a scratch variable"),
                    );
                    return None;
                }
            }
        };
        Some(match parse_number(&text) {
            Some(value) => {
                let ty = if (value as i64) < 0 && text.trim_start().starts_with('-') {
                    I64
                } else {
                    literal_type(value)
                };
                expr(ExprKind::Int(value), ty, span)
            }
            None => expr(
                ExprKind::Str(text.as_bytes().to_vec()),
                string_literal(text.len()),
                span,
            ),
        })
    }

    fn unary(&mut self, operator: UnaryOp, operand: Expr, span: Span) -> Option<Expr> {
        match operator {
            UnaryOp::Deref => {
                let Type::Pointer { target, .. } = &operand.ty else {
                    self.error(Diag::new(
                        operand.span,
                        format!("cannot dereference {}: it is not a pointer", operand.ty),
                    ));
                    return None;
                };
                if **target == Type::Void {
                    self.error(
                        Diag::new(operand.span, "cannot dereference a `void *`")
                            .with_label("cast it first, e.g. `*(u64*)p`"),
                    );
                    return None;
                }
                let ty = (**target).clone();
                Some(expr(
                    ExprKind::Unary {
                        operator,
                        operand: Box::new(operand),
                    },
                    ty,
                    span,
                ))
            }
            UnaryOp::Not => {
                if !operand.ty.is_scalar() {
                    self.error(Diag::new(
                        operand.span,
                        format!("`!` needs a number or pointer, not {}", operand.ty),
                    ));
                    return None;
                }
                Some(expr(
                    ExprKind::Unary {
                        operator,
                        operand: Box::new(operand),
                    },
                    I32,
                    span,
                ))
            }
            UnaryOp::Negate | UnaryOp::BitNot => {
                if !operand.ty.is_integer() {
                    self.error(Diag::new(
                        operand.span,
                        format!(
                            "`{}` needs an integer, not {}",
                            operator.symbol(),
                            operand.ty
                        ),
                    ));
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
                let operand = self.coerce(operand, &ty);
                Some(expr(
                    ExprKind::Unary {
                        operator,
                        operand: Box::new(operand),
                    },
                    ty,
                    span,
                ))
            }
        }
    }

    fn binary_typed(
        &mut self,
        operator: BinaryOp,
        left: Expr,
        right: Expr,
        span: Span,
    ) -> Option<Expr> {
        let strings = matches!(left.ty, Type::Chars(_)) && matches!(right.ty, Type::Chars(_));
        if strings && operator.is_comparison() {
            return Some(binary(operator, left, right, I32, span));
        }
        if operator.is_logical() {
            for side in [&left, &right] {
                if !side.ty.is_scalar() {
                    self.error(Diag::new(
                        side.span,
                        format!(
                            "`{}` needs numbers or pointers, not {}",
                            operator.symbol(),
                            side.ty
                        ),
                    ));
                    return None;
                }
            }
            return Some(binary(operator, left, right, I32, span));
        }
        for (side, other) in [(&left, &right), (&right, &left)] {
            if !side.ty.is_scalar() {
                let mut diag = Diag::new(
                    side.span,
                    format!(
                        "`{}` needs numbers, but this is {}",
                        operator.symbol(),
                        side.ty
                    ),
                );
                if matches!(side.ty, Type::Chars(_)) && operator.is_comparison() {
                    diag = diag.with_note(
                        other.span,
                        format!("a string compares only with a string; this is {}", other.ty),
                    );
                }
                self.error(diag);
                return None;
            }
        }
        // Pointers take part in arithmetic as plain addresses (no C scaling).
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
            let left = self.coerce(left, &common);
            let right = self.coerce(right, &common);
            return Some(binary(operator, left, right, I32, span));
        }
        if matches!(operator, BinaryOp::ShiftLeft | BinaryOp::ShiftRight) {
            let ty = promote(&left_type);
            let left = self.coerce(left, &ty);
            return Some(binary(operator, left, right, ty, span));
        }
        let special = |ty: &Type| ty.is_integer() && !matches!(ty, Type::Int { .. } | Type::Id(_));
        // `time - @start[tid]` stays a duration, so it prints and quantizes as one.
        let ty = if matches!(operator, BinaryOp::Add | BinaryOp::Subtract)
            && (special(&left_type) || special(&right_type))
            && (left_type == right_type || !special(&left_type) || !special(&right_type))
        {
            if special(&left_type) {
                left_type.clone()
            } else {
                right_type.clone()
            }
        } else {
            arithmetic(&left_type, &right_type)
        };
        let operand_type = if special(&ty) { U64 } else { ty.clone() };
        let left = self.coerce(left, &operand_type);
        let right = self.coerce(right, &operand_type);
        Some(binary(operator, left, right, ty, span))
    }

    /// `address` as a pointer, so the compiler knows which memory to read through it: a number
    /// becomes a `void *` into the probe's memory.
    fn as_pointer(&self, address: Expr, scope: &Scope<'_>) -> Expr {
        if matches!(address.ty, Type::Pointer { .. }) {
            return address;
        }
        let ty = Type::Pointer {
            target: Box::new(Type::Void),
            space: scope.context.address_space(),
        };
        let span = address.span;
        expr(ExprKind::Cast(Box::new(address)), ty, span)
    }

    fn call(
        &mut self,
        name: &str,
        name_span: Span,
        arguments: &[ast::Expr],
        span: Span,
        scope: &mut Scope<'_>,
    ) -> Option<Expr> {
        let count = |low: usize, high: usize| arguments.len() >= low && arguments.len() <= high;
        let arity_error = |this: &mut Self, wanted: &str| {
            this.error(Diag::new(
                span,
                format!("`{name}()` takes {wanted}, {} given", arguments.len()),
            ));
        };
        match name {
            "printf" => {
                let Some(format_node) = arguments.first() else {
                    arity_error(self, "a format string and its values");
                    return None;
                };
                let ast::ExprKind::Str(bytes) = &format_node.kind else {
                    self.error(Diag::new(
                        format_node.span,
                        "printf's format must be a string literal",
                    ));
                    return None;
                };
                let Ok(format_text) = String::from_utf8(bytes.clone()) else {
                    self.error(Diag::new(format_node.span, "printf's format is not UTF-8"));
                    return None;
                };
                let format = match crate::output::Format::parse(&format_text) {
                    Ok(format) => format,
                    Err(error) => {
                        self.error(Diag::new(
                            format_span(format_node.span, bytes, error.offset),
                            format!("bad printf format: {}", error.message),
                        ));
                        return None;
                    }
                };
                let values: Vec<Option<Expr>> = arguments[1..]
                    .iter()
                    .map(|argument| self.printable(argument, scope))
                    .collect();
                let wanted = format.arguments();
                let given = arguments.len() - 1;
                if given > wanted {
                    self.error(
                        Diag::new(
                            arguments[1 + wanted].span,
                            format!("printf has {given} values but its format uses {wanted}"),
                        )
                        .with_label("not used by the format"),
                    );
                    return None;
                }
                if given < wanted {
                    let end = Span::new(span.end.saturating_sub(1), span.end);
                    self.error(
                        Diag::new(
                            end,
                            format!("printf's format uses {wanted} values but only {given} given"),
                        )
                        .with_note(format_node.span, "the format"),
                    );
                    return None;
                }
                let values: Option<Vec<Expr>> = values.into_iter().collect();
                Some(expr(
                    ExprKind::Call {
                        function: Function::Printf {
                            format: format_text,
                        },
                        arguments: values?,
                    },
                    Type::Void,
                    span,
                ))
            }
            "print" => {
                let mut values = self.all_typed(arguments, scope, true, |value| {
                    (value.ty == Type::Void && !matches!(value.kind, ExprKind::MapRef(_)))
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
                        self.error(
                            Diag::new(map.span, "a whole map prints by itself")
                                .with_label("write print(@map), or print(@map, top, divisor)"),
                        );
                        return None;
                    }
                    return Some(call(Function::Print, values, Type::Void, span));
                }
                // bpftrace's print(@map, top, divisor): number literals, 0 meaning all / 1.
                let options: Vec<Expr> = values.drain(1..).collect();
                let mut numbers = options
                    .into_iter()
                    .map(|value| (literal_value(&value), value));
                let mut option = |what: &str| -> Option<u64> {
                    match numbers.next() {
                        None => Some(0),
                        Some((Some(number), _)) if number >= 0 => Some(number as u64),
                        Some((_, value)) => {
                            self.error(Diag::new(
                                value.span,
                                format!("the {what} of print(@map, top, divisor) must be a number literal, 0 or more"),
                            ));
                            None
                        }
                    }
                };
                let top = option("top");
                let divisor = option("divisor");
                if let Some((_, extra)) = numbers.next() {
                    self.error(
                        Diag::new(
                            extra.span,
                            "print(@map, top, divisor) takes a map and up to two numbers",
                        )
                        .with_label("one too many"),
                    );
                    return None;
                }
                let options = PrintOptions {
                    top: top?,
                    divisor: divisor?.max(1),
                };
                Some(call(Function::PrintMap(options), values, Type::Void, span))
            }
            "clear" => {
                if arguments.len() != 1 {
                    arity_error(self, "one map");
                    return None;
                }
                let typed = self.expression(&arguments[0], scope, true)?;
                if !matches!(typed.kind, ExprKind::MapRef(_)) {
                    self.error(
                        Diag::new(arguments[0].span, "clear() takes a whole map")
                            .with_label("write the map's name without a key"),
                    );
                    return None;
                }
                Some(call(Function::Clear, vec![typed], Type::Void, span))
            }
            "exit" => {
                if !count(0, 1) {
                    arity_error(self, "at most one exit code");
                    return None;
                }
                let mut values = Vec::new();
                if let Some(argument) = arguments.first() {
                    let code = self.value(argument, scope)?;
                    if !code.ty.is_integer() {
                        self.error(Diag::new(
                            argument.span,
                            format!("the exit code must be an integer, not {}", code.ty),
                        ));
                        return None;
                    }
                    values.push(code);
                }
                Some(call(Function::Exit, values, Type::Void, span))
            }
            "str" | "mem" => {
                if !count(1, 2) {
                    arity_error(self, "an address and an optional length");
                    return None;
                }
                let address = self.value(&arguments[0], scope)?;
                let readable = (address.ty.is_scalar() && address.ty.size() <= 8)
                    || (name == "str" && matches!(address.ty, Type::Chars(_)));
                if !readable {
                    self.error(Diag::new(
                        arguments[0].span,
                        format!(
                            "`{name}()` reads through an address, and {} is not one",
                            address.ty
                        ),
                    ));
                    return None;
                }
                let length = match arguments.get(1) {
                    None => DEFAULT_STRING_SIZE,
                    Some(length_node) => {
                        let length = self.value(length_node, scope)?;
                        match literal_value(&length) {
                            Some(value) if value >= 1 && value as usize <= MAX_STACK => {
                                value as usize
                            }
                            Some(_) => {
                                self.error(Diag::new(
                                    length_node.span,
                                    format!("the length must be between 1 and {MAX_STACK} (the BPF stack)"),
                                ));
                                return None;
                            }
                            None => {
                                self.error(Diag::new(
                                    length_node.span,
                                    "the length must be a number literal",
                                ));
                                return None;
                            }
                        }
                    }
                };
                if let ExprKind::Call {
                    function: Function::Dyn,
                    arguments,
                } = address.kind
                {
                    // `str()` of a `__data_loc` field: the string it locates.
                    return Some(call(Function::Dyn, arguments, Type::Chars(length), span));
                }
                if matches!(address.ty, Type::Chars(_)) {
                    return Some(address);
                }
                let function = if name == "str" {
                    Function::Str { length }
                } else {
                    Function::Mem { length }
                };
                let address = self.as_pointer(address, scope);
                Some(call(function, vec![address], Type::Chars(length), span))
            }
            "uptr" | "kptr" => {
                if arguments.len() != 1 {
                    arity_error(self, "one address");
                    return None;
                }
                let address = self.value(&arguments[0], scope)?;
                let target = match &address.ty {
                    Type::Pointer { target, .. } => target.clone(),
                    ty if ty.is_integer() && ty.size() <= 8 => Box::new(Type::Void),
                    other => {
                        self.error(Diag::new(
                            arguments[0].span,
                            format!("{name}() needs an address, not {other}"),
                        ));
                        return None;
                    }
                };
                let (function, space) = if name == "uptr" {
                    (Function::Uptr, AddressSpace::User)
                } else {
                    (Function::Kptr, AddressSpace::Kernel)
                };
                let ty = Type::Pointer { target, space };
                Some(call(function, vec![address], ty, span))
            }
            "ksym" | "usym" => {
                if arguments.len() != 1 {
                    arity_error(self, "one address");
                    return None;
                }
                let address = self.value(&arguments[0], scope)?;
                if !address.ty.is_scalar() {
                    self.error(Diag::new(
                        arguments[0].span,
                        format!("{name}() needs an address, not {}", address.ty),
                    ));
                    return None;
                }
                Some(if name == "ksym" {
                    call(Function::Ksym, vec![address], Type::KernelAddress, span)
                } else {
                    call(Function::Usym, vec![address], Type::UserAddress, span)
                })
            }
            "dyn" => {
                if arguments.len() != 1 {
                    arity_error(self, "one `__data_loc` field");
                    return None;
                }
                let field = self.value(&arguments[0], scope)?;
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
                    self.error(
                        Diag::new(
                            arguments[0].span,
                            "dyn() reads a tracepoint's `__data_loc` field",
                        )
                        .with_label("write `dyn(data->field)`"),
                    );
                    return None;
                }
                Some(call(
                    Function::Dyn,
                    vec![field],
                    Type::Chars(DEFAULT_STRING_SIZE),
                    span,
                ))
            }
            "strcmp" => {
                if arguments.len() != 2 {
                    arity_error(self, "two strings");
                    return None;
                }
                let left = self.value(&arguments[0], scope);
                let right = self.value(&arguments[1], scope);
                let (left, right) = (left?, right?);
                for side in [&left, &right] {
                    if !matches!(side.ty, Type::Chars(_)) {
                        self.error(Diag::new(
                            side.span,
                            format!("strcmp() compares strings; this is {}", side.ty),
                        ));
                        return None;
                    }
                }
                Some(call(Function::StrCmp, vec![left, right], I32, span))
            }
            _ if is_aggregation(name) => {
                self.error(
                    Diag::new(
                        span,
                        format!("`{name}()` is an aggregation; it can only be assigned to a map"),
                    )
                    .with_label(format!("write `@name[key] = {name}(...)`")),
                );
                None
            }
            // ply's call forms of its built-ins: `pid()` is `pid`, `stack()` is `stack`.
            _ if name != "probe" && BUILTINS.contains(&name) => {
                if let Some(first) = arguments.first() {
                    // bpftrace's `time("%H:%M")`, `kstack(perf)`: a function of another kind.
                    if let Some(message) = unsupported::function(name) {
                        self.error(Diag::new(name_span, message));
                        return None;
                    }
                    self.error(
                        Diag::new(first.span, format!("`{name}()` takes no arguments"))
                            .with_label(format!("write `{name}` or `{name}()`")),
                    );
                    return None;
                }
                self.identifier(name, span, scope, false)
            }
            _ => {
                if let Some(message) = unsupported::function(name) {
                    self.error(Diag::new(name_span, message));
                    return None;
                }
                let mut diag = Diag::new(name_span, format!("unknown function `{name}`"));
                if let Some(near) = nearest(name, FUNCTIONS.iter().copied()) {
                    diag = diag.with_label(format!("did you mean `{near}`?"));
                }
                self.error(diag);
                None
            }
        }
    }

    /// A printf value: anything with a printable value.
    fn printable(&mut self, node: &ast::Expr, scope: &mut Scope<'_>) -> Option<Expr> {
        let typed = self.value(node, scope)?;
        if typed.ty == Type::Void {
            self.error(Diag::new(node.span, "this has no value to print"));
            return None;
        }
        Some(typed)
    }

    /// The map table, with any map that never got a type reported.
    fn finish_maps(&mut self, errors: &mut Vec<Diag>) -> Vec<Map> {
        let mut maps = Vec::new();
        for state in &self.maps {
            let key = match &state.key {
                Some((Some(types), _)) => Some(Rc::new(Record::c_layout(
                    None,
                    types
                        .iter()
                        .enumerate()
                        .map(|(index, ty)| (index.to_string(), ty.clone()))
                        .collect(),
                ))),
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

fn call(function: Function, arguments: Vec<Expr>, ty: Type, span: Span) -> Expr {
    expr(
        ExprKind::Call {
            function,
            arguments,
        },
        ty,
        span,
    )
}

fn is_aggregation(name: &str) -> bool {
    matches!(
        name,
        "count" | "sum" | "quantize" | "hist" | "lhist" | "min" | "max" | "avg" | "stats"
    )
}

fn describe_kind(kind: MapKind) -> String {
    match kind {
        MapKind::Plain => "a plain map".to_string(),
        // Two lhist() uses differ only in their bounds: name them.
        MapKind::Lhist { min, max, step } => {
            format!("a lhist() aggregation (min {min}, max {max}, step {step})")
        }
        other => format!("a {}() aggregation", other.name()),
    }
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
