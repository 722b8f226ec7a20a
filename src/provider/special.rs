//! provider::special: `BEGIN` and `END`, run once in the kernel before tracing starts and after
//! it stops, so their maps and printf work as anywhere: a test run of a raw-tracepoint program
//! (5.10+), else a uprobe on one of tine's own functions, fired by calling it.

use std::rc::Rc;

use crate::compile::{Lifecycle, ProgramKind};
use crate::kernel::bpf::LoadedProgram;
use crate::kernel::error::KernelError;
use crate::kernel::memory_map;
use crate::kernel::tracefs::Tracefs;
use crate::kernel::trigger::Trigger;

use crate::kernel::features::Feature;
use crate::lang::Syntax;

use super::error::ProviderError;
use super::offline::OfflineProbe;
use super::uprobe::{Uprobe, UprobePoint};
use super::{Attachment, Provider, Registry, ResolvedProbe, Variable};

/// How a special probe runs.
pub enum Runner {
    TestRun,
    /// Through a uprobe: by the PMU (None) or a tracefs probe event.
    Uprobe(Option<Rc<Tracefs>>),
}

pub struct Special {
    pub at_start: bool,
    pub runner: Runner,
}

/// `BEGIN`.
pub static BEGIN: Provider = Provider {
    syntax: Syntax::bare("BEGIN"),
    resolve: |_, kernel| resolve_probe(true, kernel),
    offline: |_, _| Ok(offline_probe(true)),
    offline_points: None,
    respell: None,
    list: None,
};

/// `END`.
pub static END: Provider = Provider {
    syntax: Syntax::bare("END"),
    resolve: |_, kernel| resolve_probe(false, kernel),
    offline: |_, _| Ok(offline_probe(false)),
    offline_points: None,
    respell: None,
    list: None,
};

fn resolve_probe(
    at_start: bool,
    kernel: &Registry,
) -> Result<Rc<dyn ResolvedProbe>, ProviderError> {
    let features = kernel.features();
    let runner = if features.has(Feature::TestRunRawTracepoint) {
        Runner::TestRun
    } else if features.has(Feature::UprobePmu) {
        Runner::Uprobe(None)
    } else {
        Runner::Uprobe(Some(kernel.tracefs()?))
    };
    Ok(Rc::new(Special { at_start, runner }))
}

/// As run by a test run, the way of kernels since 5.10.
fn offline_probe(at_start: bool) -> OfflineProbe {
    OfflineProbe::of(&Special {
        at_start,
        runner: Runner::TestRun,
    })
}

impl ResolvedProbe for Special {
    fn kind(&self) -> ProgramKind {
        match self.runner {
            Runner::TestRun => ProgramKind::RawTracepoint,
            Runner::Uprobe(_) => ProgramKind::Kprobe,
        }
    }

    fn variables(&self) -> &[Variable] {
        &[]
    }

    fn in_process_context(&self) -> bool {
        false
    }

    /// Run by tine's own syscall, or its own call of a uprobed function.
    fn interrupts_on(&self) -> bool {
        true
    }

    fn lifecycle(&self) -> Lifecycle {
        if self.at_start {
            Lifecycle::Start
        } else {
            Lifecycle::End
        }
    }

    fn fires_newest_first(&self) -> bool {
        matches!(self.runner, Runner::Uprobe(_))
    }

    fn attach(&self, program: &LoadedProgram) -> Result<Attachment, KernelError> {
        let trigger = if self.at_start {
            Trigger::Begin
        } else {
            Trigger::End
        };
        let tracefs = match &self.runner {
            Runner::TestRun => return Ok(Attachment::Run),
            Runner::Uprobe(tracefs) => tracefs,
        };
        let mappings = memory_map::read(None)
            .map_err(|error| KernelError::io("read /proc/self/maps", &error))?;
        let (path, offset) =
            memory_map::file_offset(&mappings, trigger.address()).ok_or_else(|| {
                KernelError::message(
                    "find tine's own code for BEGIN/END",
                    "no file mapping of /proc/self/maps holds it",
                )
            })?;
        // A uprobe on it in this process only (tracefs's fires in every process, but only
        // tine calls its own function).
        let uprobe = Uprobe {
            points: vec![UprobePoint {
                path: path.to_string(),
                offset,
                name: String::new(),
                semaphore: 0,
            }],
            retprobe: false,
            pid: Some(std::process::id()),
            tracefs: tracefs.clone(),
            variables: Vec::new(),
            function: None,
        };
        let attached = uprobe.attach(program)?;
        attached.enable()?;
        Ok(Attachment::Triggered {
            trigger,
            attached: Box::new(attached),
        })
    }
}
