//! sema::check: walks the AST of every probe, resolves each name to its meaning and infers
//! types, including map key and value types from all uses across all probes. This file drives
//! the rounds; the built-ins are one table in `builtins`.

mod actions;
pub(super) mod builtins;
mod conversion;
mod expression;
mod functions;
mod maps;
mod memory;
mod operators;
mod scratch;
mod statement;

use std::fmt;

use super::context::{Environment, ProbeContext, ProbeId, Providers};
use super::program::{Probe, Program, Scratch, Stmt, StmtKind};
use super::types::Type;
use crate::lang::ast;
use crate::lang::diag::{Diag, Span};
use crate::lang::suggest::nearest;
use maps::MapState;

/// A typed expression as the checker passes it between its steps: boxed, so that each step
/// moves a pointer, and a node built around it (a cast, an operator) takes it as it is.
type Typed = Box<crate::sema::program::Expr>;
use scratch::collect_assigned;

/// Type-checks a parsed script. Every independent error is collected.
pub fn check_script(
    script: &ast::Script,
    providers: &dyn Providers,
    environment: &Environment,
) -> Result<Program, Vec<Diag>> {
    let mut errors = Vec::new();
    let mut units = units(script, providers, &mut errors);
    let types = memory::CTypes::new(&script.definitions, providers, &mut errors);
    let mut checker = Checker {
        environment,
        providers,
        kernel_symbols: Vec::new(),
        types,
        maps: Vec::new(),
        errors: Errors {
            list: Vec::new(),
            final_round: false,
        },
        changed: false,
    };
    // Map and scratch types flow between uses in any order: iterate until nothing new is
    // learnt (types only widen, so this ends), then type once more, reporting.
    for _ in 0..64 {
        checker.changed = false;
        for unit in &mut units {
            checker.probe(unit);
        }
        checker.errors.list.clear();
        if !checker.changed {
            break;
        }
    }
    checker.errors.final_round = true;
    let mut probes = Vec::new();
    for unit in &mut units {
        probes.push(checker.probe(unit));
    }
    errors.append(&mut checker.errors.list);
    let maps = checker.finish_maps(&mut errors);
    if errors.is_empty() {
        Ok(Program { maps, probes })
    } else {
        crate::lang::diag::in_source_order(&mut errors);
        errors.dedup();
        Err(errors)
    }
}

/// Each spec of a probe list is typed on its own, in its own provider's context; so is each
/// point of a glob when the probe reads `probe`, which names the point that fired.
fn units<'s>(
    script: &'s ast::Script,
    providers: &dyn Providers,
    errors: &mut Vec<Diag>,
) -> Vec<Unit<'s>> {
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
                match providers.resolve(&spec.provider, &point) {
                    Ok(resolved) => units.push(Unit {
                        probe,
                        provider: &spec.provider,
                        spec: point,
                        name,
                        span: spec.span,
                        resolved,
                        context: providers.context(resolved),
                        scratch: Vec::new(),
                    }),
                    Err(message) => errors.push(spec_error(spec, &message)),
                }
            }
        }
    }
    units
}

/// A provider's error about `spec`, with the spec as the script spelled it (`interval:hz:0`,
/// not the `interval:0hz` providers read).
/// Under the spec, or under the name of a provider written bare (BEGIN, END).
fn spec_error(spec: &ast::ProbeSpec, message: &str) -> Diag {
    let quoted = |text: &str| format!("`{}:{text}`", spec.provider);
    let (canonical, written) = (quoted(&spec.spec), quoted(&spec.written));
    let span = if spec.spec_span.start == spec.spec_span.end {
        spec.span
    } else {
        spec.spec_span
    };
    // Replaced by bytes: a `&str` search would link a searcher into the binary.
    let mut text = String::new();
    let mut rest = message;
    while let Some(at) =
        (rest.as_bytes().windows(canonical.len())).position(|part| part == canonical.as_bytes())
    {
        text.push_str(&rest[..at]);
        text.push_str(&written);
        rest = &rest[at + canonical.len()..];
    }
    text.push_str(rest);
    Diag::new(span, text)
}

/// "did you mean `x`?" when one of `candidates` is near `word`. Every caller lists its names:
/// one copy of `nearest` for every kind of list.
fn did_you_mean(word: &str, candidates: &[&str]) -> Option<String> {
    nearest(word, candidates.iter().copied()).map(|near| format!("did you mean `{near}`?"))
}

/// The points one spec of `probe` is typed and compiled at, each with what `probe` reads
/// there: the spec itself, or, when the probe reads `probe` (or a `func` or record only the
/// point can tell), each point of a glob.
fn points(
    probe: &ast::Probe,
    spec: &ast::ProbeSpec,
    providers: &dyn Providers,
) -> Result<Vec<(String, String)>, String> {
    // The provider, then the spec as the script spelled it.
    let name = |written: &str| match written {
        "" => spec.named.clone(),
        written => format!("{}:{written}", spec.named),
    };
    let lacks = |variable: &str| {
        providers
            .resolve(&spec.provider, &spec.spec)
            .is_ok_and(|id| providers.context(id).variable(variable).is_none())
    };
    // `func` names the point too where the provider has no variable of that name to read
    // at run time (a kprobe's is bpf_get_func_ip). A glob over tracepoints whose records
    // differ (`sys_enter_exec*`) has no one `data`: each point is typed with its own, as
    // bpftrace types each. So is a USDT probe whose places keep an `argN` in different
    // registers.
    let names_point = probe.reads("probe")
        || (probe.reads("func") && lacks("func"))
        || ((probe.reads("data") || probe.reads("args")) && lacks("data"))
        || probe.any(&|expr| {
            matches!(&expr.kind, ast::ExprKind::Ident(name) if name.starts_with("arg") && lacks(name))
        });
    let mut points = if names_point {
        providers.expand(&spec.provider, &spec.spec, &spec.written)?
    } else {
        Vec::new()
    };
    if points.is_empty() {
        return Ok(vec![(spec.spec.clone(), name(&spec.written))]);
    }
    for (_, written) in &mut points {
        *written = name(written);
    }
    Ok(points)
}

struct Unit<'s> {
    probe: &'s ast::Probe,
    provider: &'s str,
    /// The spec in ply's spelling, as providers take it.
    spec: String,
    /// What `probe` reads: the provider and the spec as the script spelled it.
    name: String,
    span: Span,
    resolved: ProbeId,
    context: Box<dyn ProbeContext>,
    /// Scratch variable names and their types so far, by slot.
    scratch: Vec<(String, Option<(Type, Span)>)>,
}

// `errors` first, and in this order: a report is passed the checker's own address.
#[repr(C)]
struct Checker<'e> {
    errors: Errors,
    environment: &'e Environment,
    /// For what sema asks the kernel beyond probes: `kaddr()`'s symbols.
    providers: &'e dyn Providers,
    /// `kaddr()`'s answers, asked once each: reading kallsyms takes the kernel a while, and
    /// every round of typing asks again. A script names few symbols: a list is enough.
    kernel_symbols: Vec<(String, Result<Option<u64>, String>)>,
    maps: Vec<MapState>,
    changed: bool,
    // Last: the largest, and the fields before it stay within a short offset.
    types: memory::CTypes<'e>,
}

/// The errors found, kept only in the final round: a field of its own, so that a message
/// can borrow the checker's other fields (a map's name) while it is reported.
struct Errors {
    list: Vec<Diag>,
    final_round: bool,
}

/// The scope of the probe being typed.
struct Scope<'u> {
    context: &'u dyn ProbeContext,
    /// `provider:spec` as written (canonical provider name), what `probe` reads.
    probe_name: &'u str,
    scratch: &'u mut Vec<(String, Option<(Type, Span)>)>,
    /// The `$names` the probe assigns (few: a list is enough).
    assigned: Vec<String>,
    /// How many `while` loops the statement being typed is in: `break` needs one.
    loops: u32,
}

impl Errors {
    fn error(&mut self, diag: Diag) {
        if self.final_round {
            self.list.push(diag);
        }
    }

    /// An error of just a message made already: one place builds the `Diag`.
    #[inline(never)]
    fn error_at(&mut self, span: Span, message: String) {
        self.error(Diag::new(span, message));
    }

    /// An error of just a message, formatted only in the final round: one place builds the
    /// string and the `Diag` for every call site.
    #[inline(never)]
    fn report(&mut self, span: Span, message: fmt::Arguments<'_>) {
        if self.final_round {
            self.list.push(Diag::new(span, fmt::format(message)));
        }
    }

    /// `report` with a label after the caret: the call sites leave out the note.
    #[inline(never)]
    fn report_label(&mut self, span: Span, message: fmt::Arguments<'_>, label: fmt::Arguments<'_>) {
        if self.final_round {
            self.report_with(span, message, Some(fmt::format(label)), None);
        }
    }

    /// `report` with a note pointing elsewhere: the call sites leave out the label.
    #[inline(never)]
    fn report_note(
        &mut self,
        span: Span,
        message: fmt::Arguments<'_>,
        note: (Span, fmt::Arguments<'_>),
    ) {
        self.report_with(span, message, None, Some(note));
    }

    /// `report` with a label after the caret (a "did you mean", made already) or a note
    /// pointing elsewhere.
    #[inline(never)]
    fn report_with(
        &mut self,
        span: Span,
        message: fmt::Arguments<'_>,
        label: Option<String>,
        note: Option<(Span, fmt::Arguments<'_>)>,
    ) {
        if self.final_round {
            let mut diag = Diag::new(span, fmt::format(message));
            diag.label = label;
            if let Some((span, note)) = note {
                diag.notes.push((span, fmt::format(note)));
            }
            self.list.push(diag);
        }
    }
}

impl Checker<'_> {
    fn probe(&mut self, unit: &mut Unit<'_>) -> Probe {
        let mut assigned = Vec::new();
        collect_assigned(&unit.probe.body, &mut assigned);
        let mut scope = Scope {
            context: unit.context.as_ref(),
            probe_name: &unit.name,
            scratch: &mut unit.scratch,
            assigned,
            loops: 0,
        };
        let mut body = self.statements(&unit.probe.body, &mut scope);
        if let Some(predicate) = &unit.probe.predicate {
            if let Some(condition) = self.condition(predicate, &mut scope) {
                let span = unit.probe.span;
                body = vec![Stmt {
                    kind: StmtKind::If {
                        condition: *condition,
                        then: Box::new(Stmt {
                            kind: StmtKind::Block { body, times: 1 },
                            span,
                        }),
                        otherwise: None,
                    },
                    span,
                }];
            }
        }
        let mut scratch = Vec::with_capacity(unit.scratch.len());
        for (name, ty) in unit.scratch.iter() {
            scratch.push(Scratch {
                name: name.clone(),
                ty: ty.as_ref().map_or(Type::Void, |(ty, _)| ty.clone()),
            });
        }
        Probe {
            provider: unit.provider.to_string(),
            spec: unit.spec.clone(),
            resolved: unit.resolved,
            span: unit.span,
            scratch,
            body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A provider's error points at the spec as written, or at BEGIN/END themselves.
    #[test]
    fn a_spec_error_is_under_the_spec_or_the_bare_name() {
        let spec = |provider: &str, spec: &str, written: &str, span, spec_span| ast::ProbeSpec {
            provider: provider.to_string(),
            named: provider.to_string(),
            spec: spec.to_string(),
            written: written.to_string(),
            span,
            spec_span,
        };
        let interval = spec(
            "interval",
            "0hz",
            "hz:0",
            Span::new(0, 13),
            Span::new(9, 13),
        );
        let diag = spec_error(&interval, "`interval:0hz` is not a period");
        assert_eq!(diag.span, Span::new(9, 13));
        assert_eq!(diag.message, "`interval:hz:0` is not a period");
        let begin = spec("BEGIN", "", "", Span::new(0, 5), Span::new(5, 5));
        assert_eq!(spec_error(&begin, "no tracefs").span, Span::new(0, 5));
    }
}
