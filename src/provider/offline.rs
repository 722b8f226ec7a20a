//! provider::offline: every provider's variables typed without asking the kernel — kprobes and
//! uprobes from the build architecture's pt_regs table (the same variables as when tracing),
//! tracepoints from a record source — and their lowering, for dry runs (`-e`) and the front
//! end's tests. Each provider's `offline` gives its probe; this holds what they draw on.

use std::rc::Rc;

use crate::compile::{Access, ProbeLowering, ProgramKind};
use crate::sema::types::AddressSpace;
use crate::sema::{ProbeContext, Providers, Record};

use super::{find, spelled, Listed, Variable};

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
    pub(super) kind: ProgramKind,
    pub(super) in_process_context: bool,
    pub(super) variables: Vec<Variable>,
    pub(super) space: AddressSpace,
}

impl OfflineProbe {
    /// A probe of `kind` with `variables`, in some process's context, its addresses anywhere.
    pub(super) fn new(kind: ProgramKind, variables: Vec<Variable>) -> OfflineProbe {
        OfflineProbe {
            kind,
            in_process_context: true,
            variables,
            space: AddressSpace::Unknown,
        }
    }
}

impl OfflineProviders {
    pub fn probe(&self, provider: &str, spec: &str) -> Result<OfflineProbe, String> {
        find(provider)?.offline(spec, self)
    }
}

impl Providers for OfflineProviders {
    fn context(&self, provider: &str, spec: &str) -> Result<Box<dyn ProbeContext>, String> {
        let probe = self.probe(provider, spec)?;
        Ok(Box::new(Listed(probe.variables, probe.space)))
    }

    fn expand(
        &self,
        provider: &str,
        spec: &str,
        written: &str,
    ) -> Result<Vec<(String, String)>, String> {
        let provider = find(provider)?;
        let points = provider.offline_points(spec, self)?;
        Ok(spelled(provider, points, written))
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
