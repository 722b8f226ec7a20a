//! provider: where a probe spec meets the kernel — one file per provider, each giving its names
//! and spellings, its probes' variables with and without the kernel, its attach points and how
//! it attaches; `PROVIDERS` lists them for the parser, sema, the dry run and the registry.
//! `Registry` hands sema each probe's variables and the compiler their lowering, from the same
//! `ResolvedProbe` value.

pub mod binary;
pub mod error;
pub mod fentry;
pub mod glob;
pub mod hardware;
pub mod interval;
pub mod kprobe;
pub mod listing;
pub mod location;
pub mod offline;
pub mod profile;
pub mod rawtracepoint;
pub mod regs;
pub mod software;
pub mod special;
pub mod syscall_table;
pub mod syscalls;
pub mod tracepoint;
pub mod uprobe;
pub mod usdt;
pub mod watchpoint;

use std::cell::RefCell;
use std::rc::Rc;

use crate::compile::{Access, Lifecycle, ProbeLowering, ProgramKind};
use crate::ctypes::TypeSource;
use crate::kernel::bpf::{AttachTo, Link, LoadedProgram};
use crate::kernel::btf;
use crate::kernel::error::KernelError;
use crate::kernel::features::{Feature, Features};
use crate::kernel::perf::PerfEvent;
use crate::kernel::tracefs::{ProbeEvent, ProbeKind, Tracefs};
use crate::kernel::trigger::Trigger;
use crate::lang::Syntax;
use crate::sema::types::AddressSpace;
use crate::sema::{ProbeContext, ProbeId, Providers, Type};
use error::ProviderError;
use offline::{OfflineProbe, OfflineProviders};

/// A provider: how scripts name and spell it, and its probes, typed without the kernel (dry
/// runs, the front end's tests) and resolved against it. Each provider's file defines its
/// values; `PROVIDERS` lists them. A table of functions rather than a trait: no vtable and no
/// copy of a default method per provider in the binary.
pub struct Provider {
    pub syntax: Syntax,
    /// The probe at a spec (in the provider's spelling), resolved against the running kernel.
    pub resolve: fn(&str, &Registry) -> Result<Resolved, ProviderError>,
    /// The probe at a spec as a dry run compiles it. Specs are parsed as when tracing, so a
    /// spec the run would refuse is refused here.
    pub offline: fn(&str, &OfflineProviders) -> Result<OfflineProbe, ProviderError>,
    /// The points of a glob a dry run lists, where they decide the probe's types. None: the
    /// points type alike (and listing them would read the kernel's symbols).
    pub offline_points: Option<fn(&str, &OfflineProviders) -> Points>,
    /// A point of a glob spelled in the style the script wrote the glob, which is what `probe`
    /// reads there. None: as listed.
    pub respell: Option<fn(&str, &str) -> String>,
    /// `-l`: the points a spec matches (a glob, or a name that matches itself), each followed,
    /// when `verbose`, by its arguments a line each; for providers whose points are listed
    /// without resolving them. None: the spec is resolved and its points listed.
    pub list: Option<fn(&str, &Registry, bool) -> Points>,
}

/// A probe resolved against the running kernel.
pub type Resolved = Rc<dyn ResolvedProbe>;

/// The specs of a glob's points, or why they cannot be listed.
pub type Points = Result<Vec<String>, ProviderError>;

/// Every provider, in the order ply matches abbreviations: `k` is kprobe, `kr` kretprobe.
pub static PROVIDERS: &[&Provider] = &[
    &kprobe::KPROBE,
    &kprobe::KRETPROBE,
    &tracepoint::TRACEPOINT,
    &uprobe::UPROBE,
    &uprobe::URETPROBE,
    &profile::PROFILE,
    &interval::INTERVAL,
    &software::SOFTWARE,
    &hardware::HARDWARE,
    &rawtracepoint::RAWTRACEPOINT,
    &watchpoint::WATCHPOINT,
    &fentry::FENTRY,
    &fentry::FEXIT,
    &usdt::USDT,
    &special::BEGIN,
    &special::END,
];

/// The providers as the parser reads them.
pub fn syntax() -> Vec<&'static Syntax> {
    let mut syntax = Vec::with_capacity(PROVIDERS.len());
    for provider in PROVIDERS {
        syntax.push(&provider.syntax);
    }
    syntax
}

/// The provider named `name` (in full, as the parser gives it).
pub fn find(name: &str) -> Result<&'static Provider, ProviderError> {
    PROVIDERS
        .iter()
        .copied()
        .find(|provider| provider.syntax.name == name)
        // The parser knows every provider there is: a front end out of step with this list.
        .ok_or_else(|| ProviderError::Unknown(name.into()))
}

/// The points of a glob, each with its spelling as `probe` reads it.
fn spelled(provider: &Provider, points: Vec<String>, written: &str) -> Vec<(String, String)> {
    let mut spelled = Vec::with_capacity(points.len());
    for point in points {
        let spelling = match provider.respell {
            Some(respell) => respell(&point, written),
            None => point.clone(),
        };
        spelled.push((point, spelling));
    }
    spelled
}

/// A variable a provider adds: its name, type and how a program reads it.
#[derive(Clone, Debug)]
pub struct Variable {
    pub name: String,
    pub ty: Type,
    pub access: Access,
}

/// What attaching a probe left in the kernel; dropping it detaches.
pub enum Attachment {
    Events(Vec<PerfEvent>),
    /// Perf events opened on probe events this run created in tracefs. Fields drop in order:
    /// the events close first, since the kernel refuses to remove a probe event in use.
    Created {
        events: Vec<PerfEvent>,
        probe_events: Vec<ProbeEvent>,
    },
    /// One BPF link for many functions (kprobe.multi).
    Link(Link),
    /// BEGIN or END: run once by the runtime with a test run, not attached.
    Run,
    /// An interval: run by the runtime with a test run every this many nanoseconds.
    Every(u64),
    /// BEGIN or END attached to a uprobe on `trigger`, one of tine's own functions: calling it
    /// runs the program.
    Triggered {
        trigger: Trigger,
        attached: Box<Attachment>,
    },
}

impl Attachment {
    /// Starts the perf events (opened disabled): a cpu-clock event counts its period from
    /// here. Links need nothing, and the runtime starts BEGIN and END itself.
    pub fn enable(&self) -> Result<(), KernelError> {
        let events = match self {
            Attachment::Events(events) | Attachment::Created { events, .. } => events,
            Attachment::Link(_)
            | Attachment::Run
            | Attachment::Every(_)
            | Attachment::Triggered { .. } => return Ok(()),
        };
        events.iter().try_for_each(PerfEvent::enable)
    }

    /// Moves this attachment's perf events (a trigger's too) to `into`, for the runtime to
    /// close them all at once; the probe events they were opened on stay until the drop.
    pub fn take_events(&mut self, into: &mut Vec<PerfEvent>) {
        match self {
            Attachment::Events(events) | Attachment::Created { events, .. } => into.append(events),
            Attachment::Triggered { attached, .. } => attached.take_events(into),
            Attachment::Link(_) | Attachment::Run | Attachment::Every(_) => {}
        }
    }
}

/// One probe spec, resolved against the running kernel.
pub trait ResolvedProbe {
    fn kind(&self) -> ProgramKind;
    fn variables(&self) -> &[Variable];
    /// The memory addresses in this probe's values point into.
    fn address_space(&self) -> AddressSpace {
        AddressSpace::Unknown
    }
    /// The spec of each point this probe attaches to, each a spec that resolves to that point
    /// alone (`sched/sched_switch`, `vfs_read`, `/usr/lib/libc.so.6:malloc`); empty for
    /// providers whose probe is one point whatever the spec.
    fn points(&self) -> Vec<String> {
        Vec::new()
    }
    /// The attach type the program must be loaded with (kprobe.multi needs its own, fentry
    /// its function's BTF id too).
    fn attach_type(&self) -> Option<AttachTo> {
        None
    }
    /// Whether the probe fires in the context of a process, so that `-p PID` can keep only
    /// that process's events (not so for BEGIN, END and interval).
    fn in_process_context(&self) -> bool {
        true
    }
    /// Whether every event runs in a task with interrupts on (a syscall's tracepoints, uprobes,
    /// BEGIN and END), where an entry a hash map allocates on demand is always had: its per-CPU
    /// cache refills between events. With interrupts off it may not (sched_wakeup lost keys).
    fn interrupts_on(&self) -> bool {
        false
    }
    /// BEGIN and END are run by tine itself, before and after the kernel's events.
    fn lifecycle(&self) -> Lifecycle {
        Lifecycle::Tracing
    }
    /// Whether programs attached to one point run newest first, so that the runtime attaches
    /// these probes in reverse to have them fire in the script's order. A tracepoint appends
    /// to one program array; a uprobe adds each consumer at the head of its list.
    fn fires_newest_first(&self) -> bool {
        false
    }
    /// The function this probe is in when the spec names one (not a glob), for `func` where
    /// the provider has no variable of that name.
    fn function(&self) -> Option<String> {
        None
    }
    /// The file whose code the probe is in (a uprobe's binary), for `uaddr()`.
    fn binary(&self) -> Option<String> {
        None
    }
    fn attach(&self, program: &LoadedProgram) -> Result<Attachment, KernelError>;
}

/// Resolves `provider:spec` strings, once each, for sema; the compiler and attaching take the
/// probes it resolved by their `ProbeId`.
pub struct Registry {
    /// Which attach paths this kernel offers (after `TINE_FORCE`).
    /// Shared with the pipeline, so each feature is probed once for both.
    features: Rc<Features>,
    /// `-p`: uprobes fire in this process only.
    pid: Option<u32>,
    /// The `-c` command's pid: watchpoints watch its memory.
    pub command_pid: Option<u32>,
    tracefs: RefCell<Option<Rc<Tracefs>>>,
    /// Each `(provider, spec)` resolved so far and its probe; a `ProbeId` is the index. A
    /// script has few probes: a search costs less than a hash map's code.
    resolved: RefCell<Vec<(String, String, Resolved)>>,
    types: KernelTypes,
    /// The syscall globs served through raw_syscalls, shared by the tracepoints.
    pub(crate) syscalls: Rc<syscalls::Dispatch>,
}

/// The kernel's BTF, read once, when sema first asks: `TINE_BTF=PATH` reads another file (a
/// guest's, a board's), `TINE_BTF=none` none, as on a kernel built without BTF. `read` false:
/// none (the front end's tests, which must not depend on the machine's kernel).
pub(crate) struct KernelTypes {
    read: bool,
    types: std::cell::OnceCell<Result<Option<Rc<btf::Btf>>, String>>,
}

impl KernelTypes {
    pub(crate) fn new(read: bool) -> KernelTypes {
        KernelTypes {
            read,
            types: Default::default(),
        }
    }

    pub(crate) fn get(&self) -> Result<Option<Rc<dyn TypeSource>>, String> {
        Ok(self.btf()?.map(|types| types as Rc<dyn TypeSource>))
    }

    /// The BTF itself, for what no `TypeSource` asks (every function's name).
    pub(crate) fn btf(&self) -> Result<Option<Rc<btf::Btf>>, String> {
        self.types
            .get_or_init(|| {
                let chosen = crate::kernel::env_var("TINE_BTF");
                let path = chosen.as_deref().unwrap_or(btf::VMLINUX);
                // The kernel's file missing means a kernel without BTF; a file named, an error.
                let missing = chosen.is_none() && crate::kernel::status(path, true).is_none();
                if !self.read || path == "none" || missing {
                    return Ok(None);
                }
                match btf::Btf::read(path, None) {
                    Ok(types) => Ok(Some(Rc::new(types))),
                    Err(error) => Err(error.to_string()),
                }
            })
            .clone()
    }
}

impl Registry {
    /// `tracefs`: where it is, when the caller has found it already.
    pub fn new(features: Rc<Features>, pid: Option<u32>, tracefs: Option<Tracefs>) -> Registry {
        Registry {
            features,
            pid,
            command_pid: None,
            tracefs: RefCell::new(tracefs.map(Rc::new)),
            resolved: RefCell::default(),
            types: KernelTypes::new(true),
            syscalls: Rc::default(),
        }
    }

    /// What this kernel offers, as the providers saw it.
    pub fn features(&self) -> &Features {
        &self.features
    }

    /// `-p`: the one process uprobes fire in.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Tracefs, found (or mounted) when a provider first asks.
    pub fn tracefs(&self) -> Result<Rc<Tracefs>, ProviderError> {
        if let Some(tracefs) = self.tracefs.borrow().as_ref() {
            return Ok(tracefs.clone());
        }
        let tracefs = Rc::new(Tracefs::find()?);
        *self.tracefs.borrow_mut() = Some(tracefs.clone());
        Ok(tracefs)
    }

    /// A probe this registry resolved.
    pub fn probe(&self, id: ProbeId) -> Rc<dyn ResolvedProbe> {
        self.resolved.borrow()[id.0].2.clone()
    }

    /// A probe this registry resolved, as the compiler lowers it.
    pub fn lowering(&self, id: ProbeId) -> Box<dyn ProbeLowering> {
        Box::new(OfflineProbe::of(&*self.probe(id)))
    }
}

impl Providers for Registry {
    /// The probe for `provider:spec` (canonical provider name, as sema has it), resolved the
    /// first time it is asked for.
    fn resolve(&self, provider: &str, spec: &str) -> Result<ProbeId, String> {
        let known = self
            .resolved
            .borrow()
            .iter()
            .position(|(name, known, _)| name == provider && known == spec);
        if let Some(index) = known {
            return Ok(ProbeId(index));
        }
        let probe = find(provider)
            .and_then(|provider| (provider.resolve)(spec, self))
            .map_err(|error| error.to_string())?;
        let mut resolved = self.resolved.borrow_mut();
        resolved.push((provider.to_string(), spec.to_string(), probe));
        Ok(ProbeId(resolved.len() - 1))
    }

    fn context(&self, id: ProbeId) -> Box<dyn ProbeContext> {
        Box::new(OfflineProbe::of(&*self.probe(id)))
    }

    fn expand(
        &self,
        provider: &str,
        spec: &str,
        written: &str,
    ) -> Result<Vec<(String, String)>, String> {
        // A spec that is no glob has points of its own only where a USDT probe is at many
        // places.
        let glob = glob::is_glob(spec);
        if !glob && self.resolve(provider, spec).is_err() {
            return Ok(Vec::new());
        }
        let points = self.probe(self.resolve(provider, spec)?).points();
        if !glob && points.len() < 2 {
            return Ok(Vec::new());
        }
        let provider = find(provider).map_err(|error| error.to_string())?;
        Ok(spelled(provider, points, written))
    }

    fn kernel_symbol(&self, name: &str) -> Result<Option<u64>, String> {
        crate::kernel::kallsyms::symbol_address(name).map_err(|error| error.to_string())
    }

    fn sends_signals(&self) -> bool {
        self.features.has(Feature::SendSignal)
    }

    fn kernel_types(&self) -> Result<Option<Rc<dyn TypeSource>>, String> {
        self.types.get()
    }
}

/// Runs `program` on each perf event `opened` opens, one at a time (enabled later, with every
/// other probe's). On an error the events opened so far close again. Not generic: one copy
/// serves every provider.
fn attach_each(
    opened: &mut dyn Iterator<Item = Result<PerfEvent, KernelError>>,
    program: &LoadedProgram,
) -> Result<Attachment, KernelError> {
    let mut events = Vec::new();
    for event in opened {
        let event = event?;
        event.attach(program)?;
        events.push(event);
    }
    Ok(Attachment::Events(events))
}

/// The tracefs root, when it has no `file` (`kprobe_events`): a kernel without that kind of
/// probe event.
fn lacks(tracefs: &Tracefs, file: &str) -> Option<std::path::PathBuf> {
    let root = tracefs.root();
    crate::kernel::status(root.join(file), true)
        .is_none()
        .then(|| root.to_path_buf())
}

/// The legacy path, for kernels without the kprobe/uprobe PMUs (or under `TINE_FORCE=tracefs`):
/// one probe event written to tracefs per target (`symbol+offset` or `/path:0xoffset`), opened
/// as a tracepoint. Whatever was created is removed again on any error, and on drop.
fn attach_through_tracefs(
    tracefs: &Tracefs,
    kind: ProbeKind,
    retprobe: bool,
    targets: &[String],
    program: &LoadedProgram,
) -> Result<Attachment, KernelError> {
    let mut probe_events = Vec::with_capacity(targets.len());
    // Declared after `probe_events`, so dropped before them when an error returns early.
    let mut events = Vec::with_capacity(targets.len());
    for target in targets {
        let created = tracefs.add_probe(kind, retprobe, target)?;
        let id = tracefs.event_id(created.group(), created.name());
        probe_events.push(created);
        let event = PerfEvent::tracepoint(id?)?;
        event.attach(program)?;
        events.push(event);
    }
    Ok(Attachment::Created {
        events,
        probe_events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::bpf::{ProgramSpec, ProgramType};
    use tine_asm::{Builder, ByteOrder, Reg::R0};

    /// One provider per name, each found by it; only BEGIN and END are written bare.
    #[test]
    fn each_name_is_one_provider() {
        for (index, provider) in PROVIDERS.iter().enumerate() {
            let name = provider.syntax.name;
            assert!(std::ptr::eq(find(name).unwrap(), *provider), "{name}");
            let later = &PROVIDERS[index + 1..];
            assert!(
                later.iter().all(|other| other.syntax.name != name),
                "{name}"
            );
            assert_eq!(provider.syntax.bare, matches!(name, "BEGIN" | "END"));
        }
        let error = find("kp").err();
        assert_eq!(error, Some(ProviderError::Unknown("kp".into())));
        assert_eq!(error.unwrap().to_string(), "no provider `kp`");
    }

    /// A probe event created before a later step failed is removed before the error returns.
    #[test]
    fn a_failed_tracefs_attach_removes_what_it_created() {
        let mut b = Builder::new();
        b.mov64_imm(R0, 0).exit();
        let bytes = tine_asm::encode(&b.finish().unwrap(), ByteOrder::HOST).unwrap();
        let spec = ProgramSpec {
            kind: ProgramType::Tracepoint,
            insns: &bytes,
            name: "tine_test",
            expected_attach_type: None,
        };
        let program = match LoadedProgram::load(&spec) {
            Ok(program) => program,
            Err(error) => {
                crate::testing::skip("a_failed_tracefs_attach_removes_what_it_created", error);
                return;
            }
        };
        let root = std::env::temp_dir().join(format!("tine-provider-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("kprobe_events"), "").unwrap();
        // No events/ directory: the new event's id cannot be read.
        let result = attach_through_tracefs(
            &Tracefs::at(&root),
            ProbeKind::Kprobe,
            true,
            &["vfs_read".to_string(), "vfs_write".to_string()],
            &program,
        );
        let written = std::fs::read_to_string(root.join("kprobe_events")).unwrap();
        std::fs::remove_dir_all(&root).unwrap();
        let Err(error) = result else {
            panic!("attached without an event id");
        };
        assert!(error.to_string().contains("/id"), "{error}");
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines.len(), 2, "{written}");
        let (_, event) = lines[0].split_once(':').unwrap();
        let event = event.split_whitespace().next().unwrap();
        assert!(lines[0].starts_with("r:tine_") && lines[0].ends_with(" vfs_read"));
        assert_eq!(lines[1], format!("-:{event}"));
    }
}
