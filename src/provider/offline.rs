//! provider::offline: every provider's variables typed without asking the kernel — kprobes and
//! uprobes from the build architecture's pt_regs table (the same variables as when tracing),
//! tracepoints from a record source — and their lowering, for dry runs (`-e`) and the front
//! end's tests. Specs are parsed as when tracing, so a spec the run would refuse is refused here.

use std::rc::Rc;

use crate::compile::{Access, ProbeLowering, ProgramKind};
use crate::sema::types::{AddressSpace, U64};
use crate::sema::{ProbeContext, Providers, Record, Type};

use super::location::Location;
use super::{interval, kprobe, profile, regs, uprobe, Listed, Variable};

/// How a dry run learns a tracepoint's record: from the kernel's format file when the caller
/// can read it, from a table in tests. None: a glob over events whose records differ.
pub type RecordSource = dyn Fn(&str) -> Result<Option<Rc<Record>>, String>;

/// The events a tracepoint glob matches (`sched/sched_switch`, ...), as `Probe::points`.
pub type EventSource = dyn Fn(&str) -> Result<Vec<String>, String>;

pub struct OfflineProviders {
    pub tracepoint_record: Box<RecordSource>,
    pub tracepoint_events: Box<EventSource>,
}

/// A probe as a dry run compiles it: what the resolved probe would say, without the kernel.
pub struct OfflineProbe {
    kind: ProgramKind,
    in_process_context: bool,
    variables: Vec<Variable>,
    space: AddressSpace,
    /// What `func` reads: the spec's function, a glob's pattern standing for the function
    /// that a run would name (a dry run does not list them).
    function: Option<String>,
}

impl OfflineProviders {
    pub fn probe(&self, provider: &str, spec: &str) -> Result<OfflineProbe, String> {
        let probe = |kind, variables| OfflineProbe {
            kind,
            in_process_context: true,
            variables,
            space: AddressSpace::Unknown,
            function: None,
        };
        Ok(match provider {
            "kprobe" | "kretprobe" => {
                let retprobe = provider == "kretprobe";
                kprobe::KprobeSpec::parse(spec, retprobe).map_err(|error| error.to_string())?;
                let variables = kprobe::variables(regs::current_arch()?, retprobe);
                OfflineProbe {
                    space: AddressSpace::Kernel,
                    ..probe(ProgramKind::Kprobe, variables)
                }
            }
            "uprobe" | "uretprobe" => {
                let retprobe = provider == "uretprobe";
                let parsed =
                    uprobe::UprobeSpec::parse(spec, retprobe).map_err(|error| error.to_string())?;
                let variables = regs::variables(regs::current_arch()?, retprobe, U64);
                let function = match &parsed.location {
                    Location::Symbol { name, .. } => Some(name.clone()),
                    Location::Address(_) => None,
                };
                OfflineProbe {
                    space: AddressSpace::User,
                    function,
                    ..probe(ProgramKind::Kprobe, variables)
                }
            }
            // A glob over events whose records differ has no `data`, as when tracing.
            "tracepoint" => {
                let variables = (self.tracepoint_record)(spec)?
                    .into_iter()
                    .map(|record| Variable {
                        name: "data".to_string(),
                        ty: Type::Pointer {
                            target: Box::new(Type::Struct(record)),
                            // The context itself, loaded directly: no probe read goes through it.
                            space: AddressSpace::Unknown,
                        },
                        access: Access::Context,
                    })
                    .collect();
                OfflineProbe {
                    space: super::tracepoint::address_space(std::iter::once(spec)),
                    ..probe(ProgramKind::Tracepoint, variables)
                }
            }
            "profile" => {
                profile::Profile::parse(spec)?;
                probe(ProgramKind::PerfEvent, Vec::new())
            }
            "interval" => {
                interval::Interval::parse(spec)?;
                OfflineProbe {
                    in_process_context: false,
                    ..probe(ProgramKind::PerfEvent, Vec::new())
                }
            }
            "BEGIN" | "END" => OfflineProbe {
                in_process_context: false,
                ..probe(ProgramKind::RawTracepoint, Vec::new())
            },
            other => return Err(super::unknown_provider(other)),
        })
    }
}

impl Providers for OfflineProviders {
    fn context(&self, provider: &str, spec: &str) -> Result<Box<dyn ProbeContext>, String> {
        let probe = self.probe(provider, spec)?;
        Ok(Box::new(Listed(
            probe.variables,
            probe.space,
            probe.function,
        )))
    }

    /// Tracepoint globs only: a glob's points decide its records, so its types. Function
    /// globs type alike at every point, and listing them would read the kernel's symbols.
    fn expand(&self, provider: &str, spec: &str) -> Result<Vec<String>, String> {
        if provider == "tracepoint" && super::glob::is_glob(spec) {
            (self.tracepoint_events)(spec)
        } else {
            Ok(Vec::new())
        }
    }

    /// A dry run reads no symbol table: every symbol is at 0.
    fn kernel_symbol(&self, _name: &str) -> Result<Option<u64>, String> {
        Ok(Some(0))
    }
}

impl ProbeLowering for OfflineProbe {
    fn program_kind(&self) -> ProgramKind {
        self.kind
    }

    fn in_process_context(&self) -> bool {
        self.in_process_context
    }

    /// BEGIN and END, the one raw tracepoint kind, are run by tine itself.
    fn runs_while_tracing(&self) -> bool {
        self.kind != ProgramKind::RawTracepoint
    }

    fn access(&self, name: &str) -> Option<Access> {
        self.variables
            .iter()
            .find(|variable| variable.name == name)
            .map(|variable| variable.access)
    }
}
