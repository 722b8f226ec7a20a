//! provider::offline: every provider's variables typed without asking the kernel — kprobes and
//! uprobes from the build architecture's pt_regs table (the same variables as when tracing),
//! tracepoints from a record source — and their lowering, for dry runs (`-e`) and the front
//! end's tests. Each provider's `offline` gives its probe; this holds what they draw on.

use std::cell::RefCell;
use std::rc::Rc;

use crate::compile::{Access, Lifecycle, ProbeLowering, ProgramKind};
use crate::kernel::tracefs::Tracefs;
use crate::sema::types::AddressSpace;
use crate::sema::{ProbeContext, ProbeId, Providers, StructType, Type};

use super::error::ProviderError;
use super::tracepoint::Tracepoint;
use super::{find, spelled, ResolvedProbe, Variable};

/// How a dry run learns a tracepoint's record: from the kernel's format file when the caller
/// can read it, from a table in tests. None: a glob over events whose records differ.
pub type RecordSource = dyn Fn(&str) -> Result<Option<Rc<StructType>>, ProviderError>;

/// The events a tracepoint glob matches (`sched/sched_switch`, ...), as `ResolvedProbe::points`.
pub type EventSource = dyn Fn(&str) -> Result<Vec<String>, ProviderError>;

pub struct OfflineProviders {
    pub(super) tracepoint_record: Box<RecordSource>,
    pub(super) tracepoint_events: Box<EventSource>,
    resolved: RefCell<Vec<OfflineProbe>>,
    pub(super) types: super::KernelTypes,
}

/// A probe as a dry run compiles it: what the resolved probe would say, without the kernel.
/// Also what sema and the compiler are given of a resolved probe (`of`).
#[derive(Clone)]
pub struct OfflineProbe {
    pub(super) kind: ProgramKind,
    pub(super) in_process_context: bool,
    pub(super) lifecycle: Lifecycle,
    pub(super) variables: Vec<Variable>,
    pub(super) space: AddressSpace,
    /// What `func` reads where the provider has no such variable: the function the spec names.
    pub(super) function: Option<String>,
    /// The file `uaddr()` reads data objects from (a uprobe's binary); empty in a dry run,
    /// which reads none: every object is then 8 bytes at 0, as `kaddr()`'s symbols are at 0.
    pub(super) binary: Option<String>,
}

impl OfflineProbe {
    /// What `probe` says: the dry run of providers whose probes need no kernel to resolve, and
    /// what sema and the compiler see of every resolved probe.
    pub(super) fn of(probe: &dyn ResolvedProbe) -> OfflineProbe {
        OfflineProbe {
            kind: probe.kind(),
            in_process_context: probe.in_process_context(),
            lifecycle: probe.lifecycle(),
            variables: probe.variables().to_vec(),
            space: probe.address_space(),
            function: probe.function(),
            binary: probe.binary(),
        }
    }

    /// A probe of `kind` with `variables`, in some process's context, its addresses anywhere.
    pub(super) fn new(kind: ProgramKind, variables: Vec<Variable>) -> OfflineProbe {
        OfflineProbe {
            kind,
            in_process_context: true,
            lifecycle: Lifecycle::Tracing,
            variables,
            space: AddressSpace::Unknown,
            function: None,
            binary: None,
        }
    }
}

impl OfflineProviders {
    pub fn new(tracepoint_record: Box<RecordSource>, tracepoint_events: Box<EventSource>) -> Self {
        OfflineProviders {
            tracepoint_record,
            tracepoint_events,
            resolved: RefCell::default(),
            types: super::KernelTypes::new(false),
        }
    }

    /// What `-e` reads: tracepoints' records and globs from tracefs, when it is mounted and
    /// readable.
    #[inline(never)]
    pub fn from_tracefs() -> Self {
        let tracepoint = |spec: &str| {
            let tracefs = Tracefs::find()?;
            Tracepoint::resolve(&tracefs, spec)
        };
        // None: a glob over events whose records differ.
        let record = move |spec: &str| Ok(tracepoint(spec)?.record);
        let events = move |spec: &str| Ok(tracepoint(spec)?.points());
        OfflineProviders {
            types: super::KernelTypes::new(true),
            ..OfflineProviders::new(Box::new(record), Box::new(events))
        }
    }

    /// A probe this resolved, as the compiler lowers it.
    pub fn lowering(&self, id: ProbeId) -> Box<dyn ProbeLowering> {
        Box::new(self.resolved.borrow()[id.0].clone())
    }
}

impl Providers for OfflineProviders {
    fn resolve(&self, provider: &str, spec: &str) -> Result<ProbeId, String> {
        let probe = find(provider)
            .and_then(|provider| (provider.offline)(spec, self))
            .map_err(|error| error.to_string())?;
        let mut resolved = self.resolved.borrow_mut();
        resolved.push(probe);
        Ok(ProbeId(resolved.len() - 1))
    }

    fn context(&self, id: ProbeId) -> Box<dyn ProbeContext> {
        Box::new(self.resolved.borrow()[id.0].clone())
    }

    fn expand(
        &self,
        provider: &str,
        spec: &str,
        written: &str,
    ) -> Result<Vec<(String, String)>, String> {
        let provider = find(provider).map_err(|error| error.to_string())?;
        let points = match provider.offline_points {
            Some(list) => list(spec, self).map_err(|error| error.to_string())?,
            None => Vec::new(),
        };
        Ok(spelled(provider, points, written))
    }

    /// A dry run reads no symbol table: every symbol is at 0.
    fn kernel_symbol(&self, _name: &str) -> Result<Option<u64>, String> {
        Ok(Some(0))
    }

    fn kernel_types(&self) -> Result<Option<Rc<dyn crate::ctypes::TypeSource>>, String> {
        self.types.get()
    }
}

impl OfflineProbe {
    fn find(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|variable| variable.name == name)
    }
}

/// The probe's variables as sema sees them: names and types, where their addresses point, and
/// the function the probe is in.
impl ProbeContext for OfflineProbe {
    fn address_space(&self) -> AddressSpace {
        self.space
    }

    fn function(&self) -> Option<String> {
        self.function.clone()
    }

    fn data_symbol(&self, name: &str) -> Option<Result<(u64, u64), String>> {
        let path = self.binary.as_deref()?;
        if path.is_empty() {
            return Some(Ok((0, 8)));
        }
        let found = crate::kernel::elf::ElfFile::read(path).map_err(|error| error.to_string());
        Some(found.and_then(|elf| {
            let object = elf.object(name);
            let object = object.ok_or_else(|| format!("{path} has no data object `{name}`"))?;
            Ok((object.address, object.size))
        }))
    }

    fn variable(&self, name: &str) -> Option<Type> {
        self.find(name).map(|variable| variable.ty.clone())
    }

    fn names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.variables.len());
        for variable in &self.variables {
            names.push(variable.name.clone());
        }
        names
    }
}

/// The probe as the compiler lowers it.
impl ProbeLowering for OfflineProbe {
    fn program_kind(&self) -> ProgramKind {
        self.kind
    }

    fn in_process_context(&self) -> bool {
        self.in_process_context
    }

    fn lifecycle(&self) -> Lifecycle {
        self.lifecycle
    }

    fn access(&self, name: &str) -> Option<Access> {
        self.find(name).map(|variable| variable.access)
    }
}
