//! provider::kprobe: `kprobe:SPEC` and `kretprobe:SPEC` — what a spec names (`vfs_read`,
//! `vfs_read+16`, `0xffffffff81234567`, `vfs_*`) and the kernel functions a glob expands to.
//! The spec and listing parts are kernel-free (listings come in as text); `Kprobe` attaches:
//! one kprobe.multi link for a glob where the kernel has them, else the kprobe PMU per function,
//! else probe events written to tracefs.

use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use tine_asm::Helper;

use crate::arch::Arch;
use crate::compile::{Access, ProgramKind};
use crate::kernel::bpf::{AttachTo, AttachType, Link, LoadedProgram};
use crate::kernel::error::{IoText, KernelError};
use crate::kernel::features::{Feature, Features};
use crate::kernel::kallsyms::KernelSymbols;
use crate::kernel::perf::PerfEvent;
use crate::kernel::tracefs::{ProbeKind, Tracefs};
use crate::provider::glob;
use crate::provider::location::{Location, LocationError};
use crate::sema::types::AddressSpace;
use crate::sema::Type;

use crate::lang::Syntax;

use super::error::ProviderError;
use super::offline::OfflineProbe;
use super::{
    attach_each, attach_through_tracefs, lacks, regs, Attachment, Points, Provider, Registry,
    ResolvedProbe, Variable,
};

/// A parsed `kprobe:`/`kretprobe:` spec; its function may still be a glob. A plain name
/// needs no symbol table in user space: the kernel resolves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KprobeSpec {
    pub location: Location,
    /// `kretprobe`: fire when the function returns, with `retval`.
    pub retprobe: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KprobeError {
    Location(LocationError),
    /// A glob that matched no probe-able function; `source` is the listing searched.
    NoMatch {
        pattern: String,
        source: &'static str,
    },
    /// No listing of kernel functions could be read.
    NoListing {
        reason: String,
    },
    /// Neither the kprobe PMU nor `kprobe_events` in the tracefs at this path.
    NoKprobes {
        tracefs: PathBuf,
    },
}

impl fmt::Display for KprobeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KprobeError::Location(LocationError::Empty) => {
                f.write_str("a kprobe needs a function: `kprobe:vfs_read`")
            }
            KprobeError::Location(error) => error.fmt(f),
            KprobeError::NoMatch { pattern, source } => write!(
                f,
                "`{pattern}` matches no kernel function that can be probed (searched {source})"
            ),
            KprobeError::NoListing { reason } => {
                write!(f, "cannot list the kernel's functions: {reason}")
            }
            KprobeError::NoKprobes { tracefs } => write!(
                f,
                "this kernel has no kprobes: no kprobe PMU, and no kprobe_events in {}",
                tracefs.to_string_lossy()
            ),
        }
    }
}

impl std::error::Error for KprobeError {}

/// What the kprobe spec's functions return on failure: the error boxed, so that each of their
/// results moves one pointer, not the whole error (binary size).
pub type Failed = Box<KprobeError>;

impl From<LocationError> for Failed {
    fn from(error: LocationError) -> Failed {
        Box::new(KprobeError::Location(error))
    }
}

impl From<Failed> for ProviderError {
    fn from(error: Failed) -> ProviderError {
        ProviderError::Kprobe(error)
    }
}

impl KprobeSpec {
    /// Parses what follows `kprobe:` (or `kretprobe:`, with `retprobe` set).
    pub fn parse(spec: &str, retprobe: bool) -> Result<KprobeSpec, Failed> {
        Ok(KprobeSpec {
            location: Location::parse(spec, retprobe)?,
            retprobe,
        })
    }

    /// The concrete locations: the spec's own unless it is a glob, else every probe-able
    /// function the glob matches, sorted. `functions` is called only for a glob, so a plain
    /// name never pays for reading a symbol table.
    #[inline(never)]
    pub fn locations(
        &self,
        functions: impl FnOnce() -> Result<KernelFunctions, Failed>,
    ) -> Result<Vec<Location>, Failed> {
        let Some(pattern) = self.location.glob() else {
            return Ok(vec![self.location.clone()]);
        };
        let functions = functions()?;
        let mut locations = Vec::new();
        for name in &functions.names {
            if glob::matches(pattern, name) {
                locations.push(Location::Symbol {
                    name: name.clone(),
                    offset: 0,
                });
            }
        }
        if locations.is_empty() {
            return Err(KprobeError::NoMatch {
                pattern: pattern.into(),
                source: functions.source,
            }
            .into());
        }
        Ok(locations)
    }
}

/// The kernel functions a glob may expand to: unique names, sorted, without the ones a kprobe
/// cannot or should not take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KernelFunctions {
    names: Vec<String>,
    /// Which listing they came from, for the error of a glob that matches nothing.
    pub source: &'static str,
}

impl KernelFunctions {
    /// From tracefs `available_filter_functions`: one `name` or `name [module]` per line. The
    /// kernel lists only functions ftrace can patch, so init code and notrace functions are
    /// already out.
    pub fn from_filter_functions(text: &str) -> KernelFunctions {
        let mut names = Vec::new();
        for line in crate::words::lines(text) {
            match crate::words::split_spaces(line).next() {
                // Records of functions the kernel dropped (5.19+) keep a placeholder name.
                Some(name) if !name.starts_with("__ftrace_invalid_address_") => names.push(name),
                _ => {}
            }
        }
        KernelFunctions::new(names, "available_filter_functions")
    }

    /// From kallsyms' code symbols, where `available_filter_functions` is unreadable (no
    /// tracefs, no dynamic ftrace, or access refused). Init code, freed after boot, lies between
    /// `_sinittext` and `_einittext`; `names()` is in address order, so that range is a run.
    pub fn from_kallsyms(symbols: &KernelSymbols) -> KernelFunctions {
        let mut in_init_text = false;
        let mut names = Vec::new();
        for name in symbols.names() {
            match name {
                "_sinittext" => in_init_text = true,
                "_einittext" => in_init_text = false,
                _ => {}
            }
            // The padding before each function (6.2+ with call depth tracking or CFI) and CFI
            // preambles are symbols but not functions.
            if !in_init_text && !name.starts_with("__pfx_") && !name.starts_with("__cfi_") {
                names.push(name);
            }
        }
        KernelFunctions::new(names, "/proc/kallsyms")
    }

    #[inline(never)]
    fn new(names: Vec<&str>, source: &'static str) -> KernelFunctions {
        let mut kept = Vec::with_capacity(names.len());
        for name in names {
            // GCC's local clones (`.isra.0`, `.constprop.0`, `.part.0`, `.cold`) and other
            // dotted names are pieces of functions: a probe there sees no proper entry.
            if !name.as_bytes().contains(&b'.') {
                kept.push(name.to_string());
            }
        }
        let mut names = kept;
        names.sort_unstable();
        names.dedup();
        KernelFunctions { names, source }
    }

    /// Drops the functions in the kprobes blacklist (debugfs `kprobes/blacklist`, lines of
    /// `0xSTART-0xEND\tname`, maybe followed by `[module]`): the kernel refuses probes there.
    #[inline(never)]
    pub fn without_blacklisted(mut self, blacklist: &str) -> KernelFunctions {
        // The names are sorted: each blacklisted one is found by a binary search.
        let mut blacklisted = vec![false; self.names.len()];
        for name in crate::words::lines(blacklist).filter_map(|line| {
            let mut words = crate::words::split_spaces(line);
            words.next().and(words.next())
        }) {
            if let Ok(index) = self
                .names
                .binary_search_by(|known| known.as_str().cmp(name))
            {
                blacklisted[index] = true;
            }
        }
        let mut index = 0;
        self.names.retain(|_| {
            index += 1;
            !blacklisted[index - 1]
        });
        self
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Reads the running kernel's listing: `available_filter_functions` in `tracing` (tracefs
    /// where it is mounted) or the usual places, else kallsyms, minus the blacklist when debugfs
    /// shows it.
    #[inline(never)]
    pub fn read(tracing: Option<&Path>) -> Result<KernelFunctions, Failed> {
        // The first listing that reads, where tracefs is, else in the usual places.
        let mut filter_functions = None;
        let usual = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"].map(Path::new);
        for root in [tracing, Some(usual[0]), Some(usual[1])] {
            let Some(root) = root else {
                continue;
            };
            if let Ok(text) = crate::kernel::read_text(root.join("available_filter_functions")) {
                filter_functions = Some(text);
                break;
            }
        }
        let functions = match filter_functions {
            Some(text) => KernelFunctions::from_filter_functions(&text),
            None => {
                let no_listing = |reason| -> Failed { Box::new(KprobeError::NoListing { reason }) };
                let symbols = KernelSymbols::load()
                    .map_err(|error| no_listing(format!("/proc/kallsyms: {}", IoText(&error))))?;
                if symbols.is_empty() {
                    return Err(no_listing(
                        "/proc/kallsyms hides its addresses (not root, or kptr_restrict)".into(),
                    ));
                }
                KernelFunctions::from_kallsyms(&symbols)
            }
        };
        Ok(
            match crate::kernel::read_text("/sys/kernel/debug/kprobes/blacklist") {
                Ok(blacklist) => functions.without_blacklisted(&blacklist),
                Err(_) => functions,
            },
        )
    }
}

/// How a kprobe's program reaches its functions; chosen once, when the probe is resolved,
/// because kprobe.multi needs the program loaded for it.
#[derive(Clone, Debug)]
pub enum KprobeMethod {
    /// One kprobe.multi link for every function of a glob (5.18 with fprobe).
    Multi,
    /// One event per function through the kprobe PMU (4.17).
    Pmu,
    /// One probe event per function written to tracefs's `kprobe_events`.
    Tracefs(Rc<Tracefs>),
}

impl KprobeMethod {
    /// The best path this kernel offers: kprobe.multi for a glob, else the PMU, else tracefs
    /// (asked for only then) when it has `kprobe_events`.
    pub fn choose(
        glob: bool,
        features: &Features,
        tracefs: &dyn Fn() -> Result<Rc<Tracefs>, ProviderError>,
    ) -> Result<KprobeMethod, ProviderError> {
        if glob && features.has(Feature::KprobeMulti) {
            return Ok(KprobeMethod::Multi);
        }
        if features.has(Feature::KprobePmu) {
            return Ok(KprobeMethod::Pmu);
        }
        let tracefs = tracefs()?;
        if let Some(tracefs) = lacks(&tracefs, "kprobe_events") {
            return Err(KprobeError::NoKprobes { tracefs }.into());
        }
        Ok(KprobeMethod::Tracefs(tracefs))
    }
}

/// A kprobe's variables: the registers (`caller` a kernel address), and `func`, the probed
/// function, which tells the functions of a glob apart.
pub fn variables(arch: &Arch, retprobe: bool) -> Vec<Variable> {
    let mut variables = regs::variables(arch, retprobe, Type::KernelAddress);
    variables.push(Variable {
        name: "func".into(),
        ty: Type::KernelAddress,
        // 5.15+ for kprobes; on older kernels the verifier refuses the call, and says so.
        access: Access::Helper(Helper::GetFuncIp),
    });
    variables
}

/// `kprobe:SPEC` / `kretprobe:SPEC`, resolved: its functions, how it attaches, its variables.
pub struct Kprobe {
    pub locations: Vec<Location>,
    pub retprobe: bool,
    pub method: KprobeMethod,
    variables: Vec<Variable>,
}

impl Kprobe {
    /// Parses `spec`, expands a glob against the kernel's functions and picks the attach path
    /// from `features`; `tracefs` is asked for only when that path is tracefs.
    #[inline(never)]
    pub fn resolve(
        spec: &str,
        retprobe: bool,
        features: &Features,
        tracefs: impl Fn() -> Result<Rc<Tracefs>, ProviderError>,
    ) -> Result<Kprobe, ProviderError> {
        let arch = regs::current_arch()?;
        let parsed = KprobeSpec::parse(spec, retprobe)?;
        // A glob is matched against what ftrace can patch, so tracefs is found (or mounted)
        // first; kallsyms, the fallback, also lists functions no kprobe can take.
        let listing = || KernelFunctions::read(tracefs().ok().as_deref().map(Tracefs::root));
        // A kernel without kprobes says so before its functions are read.
        let method = KprobeMethod::choose(parsed.location.glob().is_some(), features, &tracefs)?;
        let locations = parsed.locations(listing)?;
        Ok(Kprobe {
            locations,
            retprobe,
            method,
            variables: variables(arch, retprobe),
        })
    }

    fn attach_per_function(&self, program: &LoadedProgram) -> Result<Attachment, KernelError> {
        let mut opened = self.locations.iter().map(|location| match location {
            Location::Symbol { name, offset } => PerfEvent::kprobe(name, *offset, self.retprobe),
            // An empty name makes the PMU take the offset as an address.
            Location::Address(address) => PerfEvent::kprobe("", *address, self.retprobe),
        });
        attach_each(&mut opened, program)
    }
}

/// `-l`: the functions a glob (or a name) matches, where this kernel has kprobes.
fn list(spec: &str, kernel: &Registry, _: bool) -> Points {
    let tracefs = || kernel.tracefs();
    KprobeMethod::choose(false, kernel.features(), &tracefs)?;
    let functions = KernelFunctions::read(tracefs().ok().as_deref().map(Tracefs::root))?;
    let points = glob::listed(spec, &mut functions.names(), "", "");
    Ok(points)
}

/// `kprobe:`.
pub static KPROBE: Provider = Provider {
    syntax: Syntax::named("kprobe"),
    resolve: |spec, kernel| resolve_probe(spec, false, kernel),
    offline: |spec, _| offline_probe(spec, false),
    offline_points: None,
    respell: None,
    list: Some(list),
};

/// `kretprobe:`.
pub static KRETPROBE: Provider = Provider {
    syntax: Syntax::named("kretprobe"),
    resolve: |spec, kernel| resolve_probe(spec, true, kernel),
    offline: |spec, _| offline_probe(spec, true),
    offline_points: None,
    respell: None,
    list: Some(list),
};

fn resolve_probe(
    spec: &str,
    retprobe: bool,
    kernel: &Registry,
) -> Result<Rc<dyn ResolvedProbe>, ProviderError> {
    let tracefs = || kernel.tracefs();
    let probe = Kprobe::resolve(spec, retprobe, kernel.features(), tracefs)?;
    Ok(Rc::new(probe))
}

fn offline_probe(spec: &str, retprobe: bool) -> Result<OfflineProbe, ProviderError> {
    KprobeSpec::parse(spec, retprobe)?;
    let variables = variables(regs::current_arch()?, retprobe);
    Ok(OfflineProbe {
        space: AddressSpace::Kernel,
        ..OfflineProbe::new(ProgramKind::Kprobe, variables)
    })
}

impl ResolvedProbe for Kprobe {
    fn kind(&self) -> ProgramKind {
        ProgramKind::Kprobe
    }

    fn variables(&self) -> &[Variable] {
        &self.variables
    }

    fn address_space(&self) -> AddressSpace {
        AddressSpace::Kernel
    }

    fn points(&self) -> Vec<String> {
        let mut points = Vec::with_capacity(self.locations.len());
        for location in &self.locations {
            points.push(location.to_string());
        }
        points
    }

    fn attach_type(&self) -> Option<AttachTo> {
        matches!(self.method, KprobeMethod::Multi).then_some(AttachType::TraceKprobeMulti.into())
    }

    /// kprobes on one address share an aggregate whose list takes the newest at its head
    /// (kernel/kprobes.c, add_new_kprobe); kretprobes return in the reverse of their entry
    /// handlers' order (a stack per task), which undoes it.
    fn fires_newest_first(&self) -> bool {
        !self.retprobe
    }

    fn attach(&self, program: &LoadedProgram) -> Result<Attachment, KernelError> {
        match &self.method {
            KprobeMethod::Multi => {
                let mut names = Vec::with_capacity(self.locations.len());
                for location in &self.locations {
                    if let Location::Symbol { name, .. } = location {
                        names.push(name.as_str());
                    }
                }
                match Link::kprobe_multi(program, &names, self.retprobe) {
                    Ok(link) => Ok(Attachment::Link(link)),
                    // A program loaded without the kprobe.multi attach type (by a loader that
                    // did not ask `attach_type`) is refused with EINVAL; one event per
                    // function still takes it.
                    Err(error) if error.raw_errno() == Some(libc::EINVAL) => {
                        self.attach_per_function(program)
                    }
                    Err(error) => Err(error),
                }
            }
            KprobeMethod::Pmu => self.attach_per_function(program),
            // Each point's spec is what kprobe_events takes: `symbol+offset` or an address.
            KprobeMethod::Tracefs(tracefs) => {
                let targets = self.points();
                attach_through_tracefs(tracefs, ProbeKind::Kprobe, self.retprobe, &targets, program)
            }
        }
    }
}

#[cfg(test)]
mod tests;
