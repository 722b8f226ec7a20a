//! provider::uprobe: `uprobe:BINARY:FUNCTION` and `uretprobe:` — which file a spec names
//! (`/usr/bin/bash`, `libc` through ld.so.cache or the library directories, `bash` through
//! PATH) and which file offsets its function, `function+offset`, `0xaddress` or glob is at;
//! `Uprobe` attaches there through the uprobe PMU (in every process, or in `-p PID`'s only) or,
//! without it, through tracefs's `uprobe_events`.

use std::fmt;
use std::path::PathBuf;
use std::rc::Rc;

use crate::compile::ProgramKind;
use crate::kernel::bpf::LoadedProgram;
use crate::kernel::elf::ElfFile;
use crate::kernel::error::KernelError;
use crate::kernel::features::{Feature, Features};
use crate::kernel::perf::PerfEvent;
use crate::kernel::tracefs::{ProbeKind, Tracefs};
use crate::provider::glob;
use crate::provider::location::{Location, LocationError};
use crate::sema::types::{AddressSpace, U64};

use super::binary::{find_binary, Search};
use crate::lang::Syntax;

use super::error::ProviderError;
use super::offline::OfflineProbe;
use super::{
    attach_each, attach_through_tracefs, lacks, regs, Attachment, Points, Provider, Registry,
    ResolvedProbe, Variable,
};

/// A parsed `uprobe:`/`uretprobe:` spec; the binary is not looked up yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UprobeSpec {
    /// A path (it has a `/`), or the name of a library (`libc`, `libc.so.6`) or a program.
    pub binary: String,
    pub location: Location,
    /// `uretprobe`: fire when the function returns, with `retval`.
    pub retprobe: bool,
}

/// One place to attach: the kernel takes the file's path and the offset in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UprobePoint {
    pub path: String,
    pub offset: u64,
    /// The function as written or matched (`malloc`, `malloc+4`, `0x1139`), for listings; a
    /// USDT probe's `provider:name`.
    pub name: String,
    /// The file offset of a USDT probe's semaphore, which the kernel counts up while the
    /// probe is attached; 0 for none.
    pub semaphore: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UprobeError {
    /// Not `BINARY:FUNCTION`.
    Syntax {
        spec: String,
    },
    Location(LocationError),
    /// A library or program name found nowhere.
    NotFound {
        name: String,
    },
    /// The file cannot be read, or is no ELF file.
    Unreadable {
        path: String,
        reason: String,
    },
    NoFunction {
        path: String,
        name: String,
    },
    NoMatch {
        path: String,
        pattern: String,
    },
    /// `function+offset` past the function's end.
    PastTheEnd {
        path: String,
        name: String,
        offset: u64,
        size: u64,
    },
    /// An address, or a function, that no loadable segment of the file maps.
    NotMapped {
        path: String,
        what: String,
    },
    /// 32-bit ARM's kernel puts an ARM breakpoint wherever asked: in Thumb code it traps never,
    /// and corrupts the code it overwrites.
    Thumb {
        path: String,
        name: String,
    },
    /// `-p` without the uprobe PMU.
    PidWithoutPmu,
    /// Neither the uprobe PMU nor `uprobe_events` in the tracefs at this path.
    NoUprobes {
        tracefs: PathBuf,
    },
    /// A path `uprobe_events` cannot take.
    WhiteSpace {
        path: String,
    },
}

impl fmt::Display for UprobeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UprobeError::Syntax { spec } => write!(
                f,
                "`{spec}`: a uprobe names a file and a function: `uprobe:/usr/bin/bash:readline` or `uprobe:libc:malloc`"
            ),
            UprobeError::Location(LocationError::Empty) => f.write_str(
                "a uprobe needs a function after the file: `uprobe:libc:malloc`",
            ),
            UprobeError::Location(error) => error.fmt(f),
            UprobeError::NotFound { name } => write!(
                f,
                "no library or program `{name}`: not in ld.so.cache, the library directories or PATH"
            ),
            UprobeError::Unreadable { path, reason } => write!(f, "{path}: {reason}"),
            UprobeError::NoFunction { path, name } => {
                write!(f, "{path} has no function `{name}`")
            }
            UprobeError::NoMatch { path, pattern } => {
                write!(f, "`{pattern}` matches no function of {path}")
            }
            UprobeError::PastTheEnd {
                path,
                name,
                offset,
                size,
            } => write!(
                f,
                "`{name}+{offset}` is past the end of `{name}` in {path}, which is {size} bytes long"
            ),
            UprobeError::NotMapped { path, what } => {
                write!(f, "{what} is in no loadable segment of {path}")
            }
            UprobeError::Thumb { path, name } => write!(
                f,
                "`{name}` in {path} is Thumb code, and the ARM kernel's uprobes take only ARM code (build it with -marm)"
            ),
            UprobeError::PidWithoutPmu => f.write_str(
                "-p needs the uprobe PMU (4.17+): a uprobe made through tracefs fires in every process",
            ),
            UprobeError::NoUprobes { tracefs } => write!(
                f,
                "this kernel has no uprobes: no uprobe PMU, and no uprobe_events in {}",
                tracefs.to_string_lossy()
            ),
            UprobeError::WhiteSpace { path } => write!(
                f,
                "{path}: a path with white space cannot be written to uprobe_events (this kernel has no uprobe PMU)"
            ),
        }
    }
}

impl std::error::Error for UprobeError {}

/// What the uprobe spec's functions return on failure: the error boxed, so that each of their
/// results moves one pointer, not the whole error (binary size).
pub type Failed = Box<UprobeError>;

impl From<LocationError> for Failed {
    fn from(error: LocationError) -> Failed {
        Box::new(UprobeError::Location(error))
    }
}

impl From<Failed> for ProviderError {
    fn from(error: Failed) -> ProviderError {
        ProviderError::Uprobe(error)
    }
}

impl UprobeSpec {
    /// Parses what follows `uprobe:` (or `uretprobe:`, with `retprobe` set). The function is
    /// after the last colon, so a path may hold colons.
    pub fn parse(spec: &str, retprobe: bool) -> Result<UprobeSpec, Failed> {
        match crate::words::rfind_byte(spec, b':') {
            Some(colon) if colon > 0 => Ok(UprobeSpec {
                binary: spec[..colon].into(),
                location: Location::parse(&spec[colon + 1..], retprobe)?,
                retprobe,
            }),
            _ => Err(UprobeError::Syntax { spec: spec.into() }.into()),
        }
    }

    /// The attach points in `elf`, the contents of the file at `path`: one for a function or
    /// an address, one per distinct function for a glob (aliases such as `malloc` and
    /// `__libc_malloc` share an address and would fire twice), sorted by name.
    #[inline(never)]
    pub fn points(&self, path: &str, elf: &ElfFile) -> Result<Vec<UprobePoint>, Failed> {
        let points = self.points_anywhere(path, elf)?;
        for point in &points {
            if let Some((function, _)) = elf.function_at_file_offset(point.offset) {
                if function.thumb {
                    return Err(UprobeError::Thumb {
                        path: path.into(),
                        name: function.name.clone(),
                    }
                    .into());
                }
            }
        }
        Ok(points)
    }

    /// The attach points, Thumb code included.
    #[inline(never)]
    fn points_anywhere(&self, path: &str, elf: &ElfFile) -> Result<Vec<UprobePoint>, Failed> {
        let not_mapped = |what: String| -> Failed {
            Box::new(UprobeError::NotMapped {
                path: path.into(),
                what,
            })
        };
        let point = |offset, name: String| UprobePoint {
            path: path.into(),
            offset,
            name,
            semaphore: 0,
        };
        if let Some(pattern) = self.location.glob() {
            let mut matches = Vec::new();
            for function in elf.functions() {
                if glob::matches(pattern, &function.name) {
                    matches.push(function);
                }
            }
            matches.sort_unstable_by(|a, b| a.name.cmp(&b.name));
            // Of the names at one offset, the first in order is kept.
            let mut offsets = Vec::new();
            let mut points = Vec::new();
            for function in matches {
                let Some(offset) = elf.file_offset(function.address) else {
                    continue;
                };
                if let Err(at) = offsets.binary_search(&offset) {
                    offsets.insert(at, offset);
                    points.push(point(offset, function.name.clone()));
                }
            }
            if points.is_empty() {
                return Err(UprobeError::NoMatch {
                    path: path.into(),
                    pattern: pattern.into(),
                }
                .into());
            }
            return Ok(points);
        }
        match &self.location {
            Location::Address(address) => {
                let offset = elf
                    .file_offset(*address)
                    .ok_or_else(|| not_mapped(format!("address {address:#x}")))?;
                Ok(vec![point(offset, self.location.to_string())])
            }
            Location::Symbol { name, offset } => {
                let Some(function) = elf.function(name) else {
                    return Err(UprobeError::NoFunction {
                        path: path.into(),
                        name: name.clone(),
                    }
                    .into());
                };
                // A size of 0 means the symbol did not say; then any offset is taken on trust.
                if function.size != 0 && *offset >= function.size {
                    return Err(UprobeError::PastTheEnd {
                        path: path.into(),
                        name: name.clone(),
                        offset: *offset,
                        size: function.size,
                    }
                    .into());
                }
                let start = elf
                    .file_offset(function.address)
                    .ok_or_else(|| not_mapped(format!("function `{name}`")))?;
                let at = start
                    .checked_add(*offset)
                    .ok_or_else(|| not_mapped(format!("`{name}+{offset}`")))?;
                Ok(vec![point(at, self.location.to_string())])
            }
        }
    }

    /// Finds the binary on this system, reads it and returns its attach points.
    #[inline(never)]
    pub fn resolve(&self) -> Result<Vec<UprobePoint>, Failed> {
        let (path, elf) = read_binary(&self.binary)?;
        self.points(&path, &elf)
    }
}

/// The spec of each point, `PATH:NAME`.
pub(super) fn specs(points: &[UprobePoint]) -> Vec<String> {
    let mut specs = Vec::with_capacity(points.len());
    for point in points {
        specs.push(crate::words::joined(&[&point.path, ":", &point.name], ""));
    }
    specs
}

/// The binary a spec names (see `find_binary`): its path, and its contents read.
pub(super) fn read_binary(binary: &str) -> Result<(String, ElfFile), Failed> {
    let path = find_binary(binary, &Search::system())?;
    match ElfFile::read(&path) {
        Ok(elf) => Ok((path, elf)),
        Err(error) => {
            let reason = *error.0;
            Err(UprobeError::Unreadable { path, reason }.into())
        }
    }
}

/// `uprobe:BINARY:FUNCTION` / `uretprobe:`, resolved: file offsets, attach path, variables.
pub struct Uprobe {
    pub points: Vec<UprobePoint>,
    pub retprobe: bool,
    /// `-p PID`: fire only in this process.
    pub pid: Option<u32>,
    /// None: the uprobe PMU; else the tracefs whose `uprobe_events` takes the probes.
    pub(super) tracefs: Option<Rc<Tracefs>>,
    pub(super) variables: Vec<Variable>,
    /// The function the spec names, when it names one.
    pub(super) function: Option<String>,
}

impl Uprobe {
    /// Parses `spec`, finds its file and offsets and picks the attach path from `features`;
    /// `tracefs` is asked for only without the uprobe PMU.
    #[inline(never)]
    pub fn resolve(
        spec: &str,
        retprobe: bool,
        features: &Features,
        pid: Option<u32>,
        tracefs: impl Fn() -> Result<Rc<Tracefs>, ProviderError>,
    ) -> Result<Uprobe, ProviderError> {
        let arch = regs::current_arch()?;
        let parsed = UprobeSpec::parse(spec, retprobe)?;
        let points = parsed.resolve()?;
        // A user-space address means nothing to the kernel's symbol table: a plain number.
        let variables = regs::variables(arch, retprobe, U64);
        let function = parsed.location.function().map(str::to_string);
        Uprobe::at(
            points, retprobe, features, pid, &tracefs, variables, function,
        )
    }

    /// The probe at `points`, through the attach path `features` offer.
    #[inline(never)]
    pub(super) fn at(
        points: Vec<UprobePoint>,
        retprobe: bool,
        features: &Features,
        pid: Option<u32>,
        tracefs: &dyn Fn() -> Result<Rc<Tracefs>, ProviderError>,
        variables: Vec<Variable>,
        function: Option<String>,
    ) -> Result<Uprobe, ProviderError> {
        let tracefs = if features.has(Feature::UprobePmu) {
            None
        } else {
            if pid.is_some() {
                return Err(UprobeError::PidWithoutPmu.into());
            }
            let tracefs = tracefs()?;
            if let Some(tracefs) = lacks(&tracefs, "uprobe_events") {
                return Err(UprobeError::NoUprobes { tracefs }.into());
            }
            // A space in the path would end the definition written to uprobe_events early.
            if let Some(point) = points
                .iter()
                .find(|point| point.path.chars().any(crate::words::is_space))
            {
                let path = point.path.clone();
                return Err(UprobeError::WhiteSpace { path }.into());
            }
            Some(tracefs)
        };
        Ok(Uprobe {
            points,
            retprobe,
            pid,
            tracefs,
            function,
            variables,
        })
    }
}

/// A point of a glob with the binary as `written` when that is a path (`/bin/bash`, not the
/// file's canonical `/usr/bin/bash`), as bpftrace's `probe` and `-l` keep it.
fn respell(point: &str, written: &str) -> String {
    let binary = |spec| crate::words::rfind_byte(spec, b':').unwrap_or(0);
    let written = &written[..binary(written)];
    if !written.contains('/') || glob::is_glob(written) {
        return point.to_string();
    }
    crate::words::joined(&[written, &point[binary(point)..]], "")
}

/// `-l`: `PATH:FUNCTION` for each function a glob (or a name) matches, every name of an
/// address (bpftrace lists aliases too, which a glob attaches once); an address or
/// `function+offset` lists itself.
fn list(spec: &str, _: &Registry, _: bool) -> Points {
    let parsed = UprobeSpec::parse(spec, false)?;
    let (path, elf) = read_binary(&parsed.binary)?;
    let before = path + ":";
    let location = parsed.location.to_string();
    if !matches!(parsed.location, Location::Symbol { offset: 0, .. }) {
        return Ok(vec![before + &location]);
    }
    let mut names = (elf.functions().iter())
        .filter(|function| elf.file_offset(function.address).is_some())
        .map(|function| function.name.as_str());
    Ok(glob::listed(&location, &mut names, &before, ""))
}

/// `uprobe:`.
pub static UPROBE: Provider = Provider {
    syntax: Syntax::named("uprobe"),
    resolve: |spec, kernel| resolve_probe(spec, false, kernel),
    offline: |spec, _| offline_probe(spec, false),
    offline_points: None,
    respell: Some(respell),
    list: Some(list),
};

/// `uretprobe:`.
pub static URETPROBE: Provider = Provider {
    syntax: Syntax::named("uretprobe"),
    resolve: |spec, kernel| resolve_probe(spec, true, kernel),
    offline: |spec, _| offline_probe(spec, true),
    offline_points: None,
    respell: Some(respell),
    list: Some(list),
};

fn resolve_probe(
    spec: &str,
    retprobe: bool,
    kernel: &Registry,
) -> Result<Rc<dyn ResolvedProbe>, ProviderError> {
    let tracefs = || kernel.tracefs();
    let probe = Uprobe::resolve(spec, retprobe, kernel.features(), kernel.pid(), tracefs)?;
    Ok(Rc::new(probe))
}

fn offline_probe(spec: &str, retprobe: bool) -> Result<OfflineProbe, ProviderError> {
    let parsed = UprobeSpec::parse(spec, retprobe)?;
    let variables = regs::variables(regs::current_arch()?, retprobe, U64);
    Ok(OfflineProbe {
        space: AddressSpace::User,
        function: parsed.location.function().map(str::to_string),
        binary: Some(String::new()),
        ..OfflineProbe::new(ProgramKind::Kprobe, variables)
    })
}

impl ResolvedProbe for Uprobe {
    fn kind(&self) -> ProgramKind {
        ProgramKind::Kprobe
    }

    fn variables(&self) -> &[Variable] {
        &self.variables
    }

    /// A user function's arguments and return value point into its process.
    fn address_space(&self) -> AddressSpace {
        AddressSpace::User
    }

    fn points(&self) -> Vec<String> {
        specs(&self.points)
    }

    fn function(&self) -> Option<String> {
        self.function.clone()
    }

    fn binary(&self) -> Option<String> {
        self.points.first().map(|point| point.path.clone())
    }

    /// Return probes too: their handlers run in the order of the uprobe's consumers.
    fn fires_newest_first(&self) -> bool {
        true
    }

    /// Both run on the way back to user space, as task work.
    fn interrupts_on(&self) -> bool {
        true
    }

    fn attach(&self, program: &LoadedProgram) -> Result<Attachment, KernelError> {
        match &self.tracefs {
            None => {
                let pid = self.pid.map(|pid| pid as i32);
                let mut opened = self.points.iter().map(|point| {
                    let UprobePoint {
                        path,
                        offset,
                        semaphore,
                        ..
                    } = point;
                    PerfEvent::uprobe(path, *offset, self.retprobe, pid, *semaphore)
                });
                attach_each(&mut opened, program)
            }
            Some(tracefs) => {
                let mut targets = Vec::with_capacity(self.points.len());
                for point in &self.points {
                    let mut target = format!("{}:{:#x}", point.path, point.offset);
                    // uprobe_events takes a semaphore's offset in parentheses (4.20+).
                    if point.semaphore != 0 {
                        target.push_str(&format!("({:#x})", point.semaphore));
                    }
                    targets.push(target);
                }
                attach_through_tracefs(tracefs, ProbeKind::Uprobe, self.retprobe, &targets, program)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::location::tests::symbol;

    #[test]
    fn parses_the_binary_and_the_location() {
        let spec = UprobeSpec::parse("/usr/bin/bash:readline", false).unwrap();
        assert_eq!(
            spec,
            UprobeSpec {
                binary: "/usr/bin/bash".into(),
                location: symbol("readline", 0),
                retprobe: false
            }
        );
        let spec = UprobeSpec::parse("libc:malloc+4", false).unwrap();
        assert_eq!(
            (spec.binary.as_str(), spec.location),
            ("libc", symbol("malloc", 4))
        );
        let spec = UprobeSpec::parse("/opt/a:b/app:0x1139", true).unwrap();
        assert_eq!(
            (spec.binary.as_str(), spec.location, spec.retprobe),
            ("/opt/a:b/app", Location::Address(0x1139), true)
        );
        assert_eq!(
            UprobeSpec::parse("malloc", false),
            Err(Box::new(UprobeError::Syntax {
                spec: "malloc".into()
            }))
        );
        assert_eq!(
            UprobeSpec::parse(":malloc", false),
            Err(Box::new(UprobeError::Syntax {
                spec: ":malloc".into()
            }))
        );
        assert_eq!(
            UprobeSpec::parse("libc:", false).unwrap_err().to_string(),
            "a uprobe needs a function after the file: `uprobe:libc:malloc`"
        );
        assert_eq!(
            UprobeSpec::parse("libc:malloc+4", true),
            Err(Box::new(UprobeError::Location(
                LocationError::OffsetOnReturn {
                    spec: "malloc+4".into()
                }
            )))
        );
    }

    /// The attach path and its limits: `-p` needs the PMU; without it, tracefs's uprobe_events.
    #[test]
    fn the_attach_path_follows_the_features() {
        let exe = std::env::current_exe().unwrap();
        let spec = format!("{}:main", exe.display());
        let no_tracefs = || -> Result<Rc<Tracefs>, ProviderError> {
            Err(KernelError::message("find tracefs", "none here").into())
        };
        let pmu = Features::from_present(&[Feature::UprobePmu]);
        let probe = Uprobe::resolve(&spec, true, &pmu, Some(1), no_tracefs).unwrap();
        assert!(probe.tracefs.is_none());
        assert_eq!(probe.pid, Some(1));
        assert_eq!(probe.points.len(), 1);
        let names: Vec<&str> = probe.variables().iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["retval", "caller", "regs"]);
        assert_eq!(
            probe.variables()[1].ty,
            U64,
            "a user address is no kernel symbol"
        );

        let none = Features::from_present(&[]);
        assert_eq!(
            Uprobe::resolve(&spec, false, &none, Some(1), no_tracefs)
                .err()
                .map(|error| error.to_string()),
            Some(
                "-p needs the uprobe PMU (4.17+): a uprobe made through tracefs fires in every process"
                    .into()
            )
        );
        assert_eq!(
            Uprobe::resolve(&spec, false, &none, None, no_tracefs)
                .err()
                .map(|error| error.to_string()),
            Some("cannot find tracefs: none here".into())
        );
        let root = std::env::temp_dir().join(format!("tine-uprobe-path-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let fake = || Ok(Rc::new(Tracefs::at(&root)));
        let without_events = Uprobe::resolve(&spec, false, &none, None, fake)
            .err()
            .map(|error| error.to_string());
        std::fs::write(root.join("uprobe_events"), "").unwrap();
        let with_events =
            Uprobe::resolve(&spec, false, &none, None, fake).map(|probe| probe.tracefs);
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(
            without_events,
            Some(format!(
                "this kernel has no uprobes: no uprobe PMU, and no uprobe_events in {}",
                root.display()
            ))
        );
        assert_eq!(with_events, Ok(Some(Rc::new(Tracefs::at(&root)))));
    }

    fn fixture() -> ElfFile {
        ElfFile::parse(include_bytes!(
            "../../tests/fixtures/elf/aarch64-le-stripped.so"
        ))
        .unwrap()
    }

    /// The fixture's `probe_me` is 8 bytes at 0x10270, file offset 0x270 (llvm-readelf).
    #[test]
    fn functions_offsets_and_addresses_become_file_offsets() {
        let elf = fixture();
        let points = |spec: &str| {
            UprobeSpec::parse(&format!("/x.so:{spec}"), false)
                .unwrap()
                .points("/x.so", &elf)
        };
        let point = |offset, name: &str| UprobePoint {
            path: "/x.so".into(),
            offset,
            name: name.into(),
            semaphore: 0,
        };
        assert_eq!(points("probe_me"), Ok(vec![point(0x270, "probe_me")]));
        assert_eq!(points("probe_me+4"), Ok(vec![point(0x274, "probe_me+4")]));
        assert_eq!(points("0x10274"), Ok(vec![point(0x274, "0x10274")]));
        assert_eq!(points("probe_m?"), Ok(vec![point(0x270, "probe_me")]));
        assert_eq!(
            points("probe_me+8"),
            Err(Box::new(UprobeError::PastTheEnd {
                path: "/x.so".into(),
                name: "probe_me".into(),
                offset: 8,
                size: 8
            }))
        );
        assert_eq!(
            points("nothing_here"),
            Err(Box::new(UprobeError::NoFunction {
                path: "/x.so".into(),
                name: "nothing_here".into()
            }))
        );
        assert_eq!(
            points("nothing_*").unwrap_err().to_string(),
            "`nothing_*` matches no function of /x.so"
        );
        assert_eq!(
            points("0x99999999").unwrap_err().to_string(),
            "address 0x99999999 is in no loadable segment of /x.so"
        );
    }

    /// 32-bit ARM: an ARM function takes a uprobe, Thumb code (by name, address or glob) not.
    #[test]
    fn thumb_code_is_refused() {
        let elf =
            ElfFile::parse(include_bytes!("../../tests/fixtures/elf/armv7-thumb.elf")).unwrap();
        let points = |spec: &str| {
            UprobeSpec::parse(&format!("/x:{spec}"), false)
                .unwrap()
                .points("/x", &elf)
        };
        let thumb = Err(Box::new(UprobeError::Thumb {
            path: "/x".into(),
            name: "thumb_me".into(),
        }));
        assert_eq!(points("probe_me").unwrap()[0].offset, 0xbc);
        assert_eq!(points("thumb_me"), thumb);
        assert_eq!(points("thumb_me+2"), thumb);
        assert_eq!(points("0x200c5"), thumb);
        assert_eq!(points("*_me"), thumb);
        assert_eq!(
            points("thumb_me").unwrap_err().to_string(),
            "`thumb_me` in /x is Thumb code, and the ARM kernel's uprobes take only ARM code (build it with -marm)"
        );
    }

    /// A glob takes each address once, under the first of its names: glibc's `malloc` is also
    /// `__libc_malloc`, and two probes there would fire twice.
    #[test]
    fn a_glob_takes_each_address_once() {
        if !cfg!(target_env = "gnu") {
            eprintln!("skipped: this test binary does not run on glibc");
            return;
        }
        let spec = UprobeSpec::parse("libc:*malloc", false).unwrap();
        let points = spec.resolve().unwrap();
        let names: Vec<&str> = points.iter().map(|point| point.name.as_str()).collect();
        assert!(names.contains(&"__libc_malloc"), "{names:?}");
        assert!(!names.contains(&"malloc"), "{names:?}");
        assert!(names.is_sorted(), "{names:?}");
        let mut offsets: Vec<u64> = points.iter().map(|point| point.offset).collect();
        offsets.sort_unstable();
        offsets.dedup();
        assert_eq!(offsets.len(), points.len(), "{names:?}");
    }

    /// `uprobe:libc:qsort` on this machine lands where the dynamic loader mapped qsort's code
    /// into this very test process.
    #[test]
    fn libc_qsort_resolves_to_the_offset_the_loader_mapped() {
        if !cfg!(target_env = "gnu") {
            eprintln!("skipped: this test binary does not run on glibc");
            return;
        }
        // qsort, a plain function (no IFUNC) that tine does not define itself, as it does malloc.
        let spec = UprobeSpec::parse("libc:qsort", false).unwrap();
        let points = spec.resolve().unwrap();
        assert_eq!(points.len(), 1);
        let point = &points[0];
        assert!(point.path.contains("libc.so"), "{}", point.path);

        let runtime = libc::qsort as *const () as usize as u64;
        let mappings = crate::kernel::memory_map::read(None).unwrap();
        let (path, offset) = crate::kernel::memory_map::file_offset(&mappings, runtime)
            .expect("a file mapping holds qsort");
        assert_eq!(
            std::fs::canonicalize(path).unwrap().to_string_lossy(),
            point.path
        );
        assert_eq!(point.offset, offset);
    }
}
