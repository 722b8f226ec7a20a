//! provider::uprobe: `uprobe:BINARY:FUNCTION` and `uretprobe:` — which file a spec names
//! (`/usr/bin/bash`, `libc` through ld.so.cache or the library directories, `bash` through
//! PATH) and which file offsets its function, `function+offset`, `0xaddress` or glob is at;
//! `Uprobe` attaches there through the uprobe PMU (in every process, or in `-p PID`'s only) or,
//! without it, through tracefs's `uprobe_events`.

use std::collections::HashSet;
use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::rc::Rc;

use crate::compile::ProgramKind;
use crate::kernel::bpf::Program;
use crate::kernel::elf::ElfFile;
use crate::kernel::error::KernelError;
use crate::kernel::features::{Feature, Features};
use crate::kernel::perf::PerfEvent;
use crate::kernel::tracefs::{ProbeKind, Tracefs};
use crate::provider::glob;
use crate::provider::location::{Location, LocationError};
use crate::sema::types::{AddressSpace, U64};

use super::{attach_each, attach_through_tracefs, regs, Attachment, Probe, Variable};

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
    /// The function as written or matched (`malloc`, `malloc+4`, `0x1139`), for listings.
    pub name: String,
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
        }
    }
}

impl std::error::Error for UprobeError {}

impl From<LocationError> for UprobeError {
    fn from(error: LocationError) -> UprobeError {
        UprobeError::Location(error)
    }
}

impl UprobeSpec {
    /// Parses what follows `uprobe:` (or `uretprobe:`, with `retprobe` set). The function is
    /// after the last colon, so a path may hold colons.
    pub fn parse(spec: &str, retprobe: bool) -> Result<UprobeSpec, UprobeError> {
        match spec.rsplit_once(':') {
            Some((binary, location)) if !binary.is_empty() => Ok(UprobeSpec {
                binary: binary.into(),
                location: Location::parse(location, retprobe)?,
                retprobe,
            }),
            _ => Err(UprobeError::Syntax { spec: spec.into() }),
        }
    }

    /// The attach points in `elf`, the contents of the file at `path`: one for a function or
    /// an address, one per distinct function for a glob (aliases such as `malloc` and
    /// `__libc_malloc` share an address and would fire twice), sorted by name.
    pub fn points(&self, path: &str, elf: &ElfFile) -> Result<Vec<UprobePoint>, UprobeError> {
        let points = self.points_anywhere(path, elf)?;
        for point in &points {
            if let Some((function, _)) = elf.function_at_file_offset(point.offset) {
                if function.thumb {
                    return Err(UprobeError::Thumb {
                        path: path.into(),
                        name: function.name.clone(),
                    });
                }
            }
        }
        Ok(points)
    }

    /// The attach points, Thumb code included.
    fn points_anywhere(&self, path: &str, elf: &ElfFile) -> Result<Vec<UprobePoint>, UprobeError> {
        let not_mapped = |what: String| UprobeError::NotMapped {
            path: path.into(),
            what,
        };
        let point = |offset, name: String| UprobePoint {
            path: path.into(),
            offset,
            name,
        };
        if let Some(pattern) = self.location.glob() {
            let mut matches: Vec<_> = elf
                .functions()
                .iter()
                .filter(|function| glob::matches(pattern, &function.name))
                .filter_map(|function| Some((elf.file_offset(function.address)?, function)))
                .collect();
            matches.sort_by(|(_, a), (_, b)| a.name.cmp(&b.name));
            let mut seen = HashSet::new();
            matches.retain(|&(offset, _)| seen.insert(offset));
            if matches.is_empty() {
                return Err(UprobeError::NoMatch {
                    path: path.into(),
                    pattern: pattern.into(),
                });
            }
            return Ok(matches
                .into_iter()
                .map(|(offset, function)| point(offset, function.name.clone()))
                .collect());
        }
        match &self.location {
            Location::Address(address) => {
                let offset = elf
                    .file_offset(*address)
                    .ok_or_else(|| not_mapped(format!("address {address:#x}")))?;
                Ok(vec![point(offset, self.location.to_string())])
            }
            Location::Symbol { name, offset } => {
                let function = elf.function(name).ok_or_else(|| UprobeError::NoFunction {
                    path: path.into(),
                    name: name.clone(),
                })?;
                // A size of 0 means the symbol did not say; then any offset is taken on trust.
                if function.size != 0 && *offset >= function.size {
                    return Err(UprobeError::PastTheEnd {
                        path: path.into(),
                        name: name.clone(),
                        offset: *offset,
                        size: function.size,
                    });
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
    pub fn resolve(&self) -> Result<Vec<UprobePoint>, UprobeError> {
        let path = find_binary(&self.binary, &Search::system())?;
        let elf = ElfFile::read(&path).map_err(|error| UprobeError::Unreadable {
            path: path.clone(),
            reason: error.0,
        })?;
        self.points(&path, &elf)
    }
}

/// `uprobe:BINARY:FUNCTION` / `uretprobe:`, resolved: file offsets, attach path, variables.
pub struct Uprobe {
    pub points: Vec<UprobePoint>,
    pub retprobe: bool,
    /// `-p PID`: fire only in this process.
    pub pid: Option<u32>,
    /// None: the uprobe PMU; else the tracefs whose `uprobe_events` takes the probes.
    tracefs: Option<Rc<Tracefs>>,
    variables: Vec<Variable>,
}

impl Uprobe {
    /// Parses `spec`, finds its file and offsets and picks the attach path from `features`;
    /// `tracefs` is asked for only without the uprobe PMU.
    pub fn resolve(
        spec: &str,
        retprobe: bool,
        features: &Features,
        pid: Option<u32>,
        tracefs: impl FnOnce() -> Result<Rc<Tracefs>, String>,
    ) -> Result<Uprobe, String> {
        let arch = regs::current_arch()?;
        let parsed = UprobeSpec::parse(spec, retprobe).map_err(|error| error.to_string())?;
        let points = parsed.resolve().map_err(|error| error.to_string())?;
        let tracefs = if features.has(Feature::UprobePmu) {
            None
        } else {
            if pid.is_some() {
                return Err(
                    "-p needs the uprobe PMU (4.17+): a uprobe made through tracefs fires in every process"
                        .into(),
                );
            }
            let tracefs = tracefs()?;
            if !tracefs.root().join("uprobe_events").exists() {
                return Err(format!(
                    "this kernel has no uprobes: no uprobe PMU, and no uprobe_events in {}",
                    tracefs.root().display()
                ));
            }
            // A space in the path would end the definition written to uprobe_events early.
            if let Some(point) = points
                .iter()
                .find(|point| point.path.contains(char::is_whitespace))
            {
                return Err(format!(
                    "{}: a path with white space cannot be written to uprobe_events (this kernel has no uprobe PMU)",
                    point.path
                ));
            }
            Some(tracefs)
        };
        Ok(Uprobe {
            points,
            retprobe,
            pid,
            tracefs,
            // A user-space address means nothing to the kernel's symbol table: a plain number.
            variables: regs::variables(arch, retprobe, U64),
        })
    }
}

impl Probe for Uprobe {
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
        self.points
            .iter()
            .map(|point| format!("{}:{}", point.path, point.name))
            .collect()
    }

    /// Return probes too: their handlers run in the order of the uprobe's consumers.
    fn fires_newest_first(&self) -> bool {
        true
    }

    fn attach(&self, program: &Program) -> Result<Attachment, KernelError> {
        match &self.tracefs {
            None => {
                let pid = self.pid.map(|pid| pid as i32);
                let events = attach_each(&self.points, program, |point| {
                    PerfEvent::uprobe(&point.path, point.offset, self.retprobe, pid)
                })?;
                Ok(Attachment::Events(events))
            }
            Some(tracefs) => {
                let targets: Vec<String> = self
                    .points
                    .iter()
                    .map(|point| format!("{}:{:#x}", point.path, point.offset))
                    .collect();
                attach_through_tracefs(tracefs, ProbeKind::Uprobe, self.retprobe, &targets, program)
            }
        }
    }
}

/// One library of ld.so.cache: its soname and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheEntry {
    pub name: String,
    pub path: String,
    /// glibc's `FLAG_*`: the low byte is the kind (3 = ELF for glibc), the next says which ABI
    /// (0x0300 x86_64, 0x0a00 aarch64, 0 the base one) — one cache lists every ABI's libraries.
    pub flags: u32,
    /// Non-zero for a library in a `glibc-hwcaps` subdirectory, which only some CPUs load.
    pub hwcap: u64,
}

/// The new-format (glibc 2.32+ writes only it; older glibc appends it to the old format)
/// `/etc/ld.so.cache`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LdCache {
    pub entries: Vec<CacheEntry>,
}

const OLD_MAGIC: &[u8] = b"ld.so-1.7.0";
const NEW_MAGIC: &[u8] = b"glibc-ld.so.cache1.1";
/// The new header: magic, library count, string table length, flags (byte order), padding,
/// extension offset, three unused words.
const NEW_HEADER: usize = 48;
const NEW_ENTRY: usize = 24;
const OLD_HEADER: usize = 16;
const OLD_ENTRY: usize = 12;

impl LdCache {
    pub fn parse(bytes: &[u8]) -> Result<LdCache, String> {
        let start = if bytes.starts_with(NEW_MAGIC) {
            0
        } else if bytes.starts_with(OLD_MAGIC) {
            // The old table comes first; the new header follows it, aligned to the new
            // header's alignment (8, or 4 on 32-bit x86), with its own string offsets.
            let count = bytes
                .get(12..16)
                .and_then(|word| word.try_into().ok())
                .map(|word| u32::from_ne_bytes(word) as usize)
                .ok_or("the old-format header is cut short")?;
            let end = OLD_HEADER.saturating_add(count.saturating_mul(OLD_ENTRY));
            [end.next_multiple_of(8), end.next_multiple_of(4)]
                .into_iter()
                .find(|&start| {
                    bytes
                        .get(start..)
                        .is_some_and(|rest| rest.starts_with(NEW_MAGIC))
                })
                .ok_or(
                    "an old-format cache without the new format, which glibc has written since 2.3",
                )?
        } else {
            return Err("not an ld.so.cache".into());
        };
        let cache = &bytes[start..];
        let header = cache.get(..NEW_HEADER).ok_or("the header is cut short")?;
        // Flags 2 and 3 say little- and big-endian; 0 (older writers) means this machine's.
        let big_endian = match header[28] & 3 {
            2 => false,
            3 => true,
            _ => cfg!(target_endian = "big"),
        };
        let u32_at = |offset: usize| -> Option<u32> {
            let word: [u8; 4] = cache.get(offset..offset + 4)?.try_into().ok()?;
            Some(if big_endian {
                u32::from_be_bytes(word)
            } else {
                u32::from_le_bytes(word)
            })
        };
        let u64_at = |offset: usize| -> Option<u64> {
            let word: [u8; 8] = cache.get(offset..offset + 8)?.try_into().ok()?;
            Some(if big_endian {
                u64::from_be_bytes(word)
            } else {
                u64::from_le_bytes(word)
            })
        };
        let string_at = |offset: u32| -> Option<String> {
            let rest = cache.get(offset as usize..)?;
            let end = rest.iter().position(|&byte| byte == 0)?;
            Some(String::from_utf8_lossy(&rest[..end]).into_owned())
        };
        let count = u32_at(20).ok_or("the header is cut short")? as usize;
        let mut entries = Vec::new();
        for index in 0..count {
            let entry = NEW_HEADER + index * NEW_ENTRY;
            let read = || -> Option<CacheEntry> {
                Some(CacheEntry {
                    flags: u32_at(entry)?,
                    name: string_at(u32_at(entry + 4)?)?,
                    path: string_at(u32_at(entry + 8)?)?,
                    hwcap: u64_at(entry + 16)?,
                })
            };
            entries.push(read().ok_or_else(|| {
                format!("entry {index} of {count} is cut short or points past the end")
            })?);
        }
        Ok(LdCache { entries })
    }

    /// Where the library `name` (`libc`, `libc.so.6`) is, among the entries for the ABI whose
    /// flags are `abi` (all ABIs when None); a baseline library before a hwcaps variant.
    pub fn find(&self, name: &str, abi: Option<u32>) -> Option<&str> {
        self.entries
            .iter()
            .filter(|entry| match abi {
                Some(abi) => entry.flags & 0xff00 == abi,
                None => true,
            })
            .filter_map(|entry| Some((library_rank(name, &entry.name)?, entry)))
            .min_by_key(|&(rank, entry)| (entry.hwcap != 0, rank, entry.name.len()))
            .map(|(_, entry)| entry.path.as_str())
    }
}

/// How well the file name `file` answers the library name `name`: the name itself (0),
/// a versioned `name.so.N` (1), the unversioned `name.so` (2, often a linker script of the
/// development package), or not at all.
fn library_rank(name: &str, file: &str) -> Option<u8> {
    if file == name {
        return Some(0);
    }
    let suffix = file.strip_prefix(name)?;
    if suffix.starts_with(".so.") {
        Some(1)
    } else if suffix == ".so" {
        Some(2)
    } else {
        None
    }
}

/// ld.so.cache's ABI flags for the libraries this build of tine would trace alongside.
fn native_abi() -> Option<u32> {
    match std::env::consts::ARCH {
        "x86_64" => Some(0x0300),
        "aarch64" => Some(0x0a00),
        "x86" => Some(0),
        "powerpc64" => Some(0x0500),
        _ => None,
    }
}

/// Where names without a slash are looked for, in order.
#[derive(Clone, Debug, Default)]
pub struct Search {
    pub cache: Option<LdCache>,
    /// The ABI flags of `cache` entries to consider.
    pub abi: Option<u32>,
    /// Library directories.
    pub directories: Vec<String>,
    /// PATH, for programs.
    pub path: Vec<String>,
}

impl Search {
    /// This system's: /etc/ld.so.cache (glibc), musl's /etc/ld-musl-ARCH.path, the multiarch
    /// and standard library directories, and $PATH.
    pub fn system() -> Search {
        let arch = std::env::consts::ARCH;
        let mut directories: Vec<String> =
            std::fs::read_to_string(format!("/etc/ld-musl-{arch}.path"))
                .unwrap_or_default()
                .split([':', '\n'])
                .filter(|directory| !directory.is_empty())
                .map(String::from)
                .collect();
        let triple = match arch {
            "x86" => "i386-linux-gnu".to_string(),
            "arm" => "arm-linux-gnueabihf".to_string(),
            "powerpc64" if cfg!(target_endian = "little") => "powerpc64le-linux-gnu".to_string(),
            "mips" if cfg!(target_endian = "little") => "mipsel-linux-gnu".to_string(),
            _ => format!("{arch}-linux-gnu"),
        };
        for prefix in ["/lib", "/usr/lib"] {
            directories.push(format!("{prefix}/{triple}"));
        }
        directories.extend(
            ["/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib"].map(String::from),
        );
        let path = std::env::var("PATH").unwrap_or_else(|_| {
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".into()
        });
        Search {
            cache: std::fs::read("/etc/ld.so.cache")
                .ok()
                .and_then(|bytes| LdCache::parse(&bytes).ok()),
            abi: native_abi(),
            directories,
            path: path
                .split(':')
                .filter(|directory| !directory.is_empty())
                .map(String::from)
                .collect(),
        }
    }
}

/// The absolute path of the binary a spec names: a path as it is (resolved to an absolute
/// one), else a library from the cache or the library directories, else a program in PATH.
pub fn find_binary(name: &str, search: &Search) -> Result<String, UprobeError> {
    if name.contains('/') {
        let metadata = std::fs::metadata(name).map_err(|error| UprobeError::Unreadable {
            path: name.into(),
            reason: error.to_string(),
        })?;
        if !metadata.is_file() {
            return Err(UprobeError::Unreadable {
                path: name.into(),
                reason: "not a regular file".into(),
            });
        }
        return absolute(name);
    }
    if let Some(path) = search
        .cache
        .as_ref()
        .and_then(|cache| cache.find(name, search.abi))
        .filter(|path| is_elf(path))
    {
        return absolute(path);
    }
    for directory in &search.directories {
        let Ok(listing) = std::fs::read_dir(directory) else {
            continue;
        };
        let mut candidates: Vec<(u8, String)> = listing
            .filter_map(|entry| {
                let file = entry.ok()?.file_name().into_string().ok()?;
                Some((library_rank(name, &file)?, file))
            })
            .collect();
        candidates
            .sort_by(|(rank_a, a), (rank_b, b)| (rank_a, a.len(), a).cmp(&(rank_b, b.len(), b)));
        if let Some(path) = candidates
            .into_iter()
            .map(|(_, file)| format!("{directory}/{file}"))
            .find(|path| is_elf(path))
        {
            return absolute(&path);
        }
    }
    for directory in &search.path {
        let path = format!("{directory}/{name}");
        let executable = std::fs::metadata(&path)
            .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0);
        if executable {
            return absolute(&path);
        }
    }
    Err(UprobeError::NotFound { name: name.into() })
}

/// Whether `path` starts as an ELF file does: a library directory also holds linker scripts
/// named like libraries (`libc.so`).
fn is_elf(path: &str) -> bool {
    use std::io::Read;
    let mut magic = [0; 4];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut magic))
        .is_ok_and(|()| magic == *b"\x7fELF")
}

/// The canonical path, so listings and the kernel see one name for one file.
fn absolute(path: &str) -> Result<String, UprobeError> {
    std::fs::canonicalize(Path::new(path))
        .map(|path| path.to_string_lossy().into_owned())
        .map_err(|error| UprobeError::Unreadable {
            path: path.into(),
            reason: error.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbol(name: &str, offset: u64) -> Location {
        Location::Symbol {
            name: name.into(),
            offset,
        }
    }

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
            Err(UprobeError::Syntax {
                spec: "malloc".into()
            })
        );
        assert_eq!(
            UprobeSpec::parse(":malloc", false),
            Err(UprobeError::Syntax {
                spec: ":malloc".into()
            })
        );
        assert_eq!(
            UprobeSpec::parse("libc:", false).unwrap_err().to_string(),
            "a uprobe needs a function after the file: `uprobe:libc:malloc`"
        );
        assert_eq!(
            UprobeSpec::parse("libc:malloc+4", true),
            Err(UprobeError::Location(LocationError::OffsetOnReturn {
                spec: "malloc+4".into()
            }))
        );
    }

    /// Writes a new-format cache as glibc's ldconfig lays it out, in either byte order.
    fn cache_bytes(entries: &[(u32, &str, &str, u64)], big_endian: bool) -> Vec<u8> {
        let word = |value: u32| {
            if big_endian {
                value.to_be_bytes()
            } else {
                value.to_le_bytes()
            }
        };
        let mut strings = Vec::new();
        let strings_start = NEW_HEADER + entries.len() * NEW_ENTRY;
        let mut bytes = NEW_MAGIC.to_vec();
        bytes.extend(word(entries.len() as u32));
        bytes.extend(word(0)); // string table length: not needed to read
        bytes.extend([if big_endian { 3 } else { 2 }, 0, 0, 0]);
        bytes.extend([0; 16]);
        for &(flags, name, path, hwcap) in entries {
            let name_at = strings_start + strings.len();
            strings.extend(name.as_bytes());
            strings.push(0);
            let path_at = strings_start + strings.len();
            strings.extend(path.as_bytes());
            strings.push(0);
            bytes.extend(word(flags));
            bytes.extend(word(name_at as u32));
            bytes.extend(word(path_at as u32));
            bytes.extend(word(0));
            bytes.extend(if big_endian {
                hwcap.to_be_bytes()
            } else {
                hwcap.to_le_bytes()
            });
        }
        bytes.extend(strings);
        bytes
    }

    const ENTRIES: &[(u32, &str, &str, u64)] = &[
        (0x0303, "libm.so.6", "/lib/x86_64-linux-gnu/libm.so.6", 0),
        (0x0003, "libc.so.6", "/lib/i386-linux-gnu/libc.so.6", 0),
        (
            0x0303,
            "libc.so.6",
            "/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libc.so.6",
            1 << 62,
        ),
        (0x0303, "libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6", 0),
        (
            0x0303,
            "libcrypt.so.1",
            "/lib/x86_64-linux-gnu/libcrypt.so.1",
            0,
        ),
    ];

    #[test]
    fn reads_the_cache_in_both_byte_orders_and_picks_the_abi() {
        for big_endian in [false, true] {
            let cache = LdCache::parse(&cache_bytes(ENTRIES, big_endian)).unwrap();
            assert_eq!(cache.entries.len(), 5);
            assert_eq!(
                cache.entries[2],
                CacheEntry {
                    name: "libc.so.6".into(),
                    path: "/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libc.so.6".into(),
                    flags: 0x0303,
                    hwcap: 1 << 62
                }
            );
            assert_eq!(
                cache.find("libc", Some(0x0300)),
                Some("/lib/x86_64-linux-gnu/libc.so.6")
            );
            assert_eq!(
                cache.find("libc.so.6", Some(0)),
                Some("/lib/i386-linux-gnu/libc.so.6")
            );
            // `libc` is not a prefix of `libcrypt.so.1` in the library sense.
            assert_eq!(
                cache.find("libcrypt", Some(0x0300)),
                Some("/lib/x86_64-linux-gnu/libcrypt.so.1")
            );
            assert_eq!(cache.find("libz", None), None);
        }
    }

    #[test]
    fn reads_a_new_cache_behind_an_old_one() {
        let mut bytes = OLD_MAGIC.to_vec();
        bytes.push(0);
        bytes.extend(1u32.to_ne_bytes());
        bytes.extend([0; OLD_ENTRY]);
        // 16 + 12 = 28 bytes: the new part starts at the next multiple of 8.
        bytes.extend([0; 4]);
        bytes.extend(cache_bytes(ENTRIES, false));
        let cache = LdCache::parse(&bytes).unwrap();
        assert_eq!(
            cache.find("libm", Some(0x0300)),
            Some("/lib/x86_64-linux-gnu/libm.so.6")
        );
    }

    #[test]
    fn a_broken_cache_is_an_error_not_a_panic() {
        assert!(LdCache::parse(b"hello").is_err());
        assert!(LdCache::parse(b"ld.so-1.7.0\0").is_err());
        let bytes = cache_bytes(ENTRIES, false);
        for length in 0..bytes.len() - 1 {
            // Every cut removes at least the last string's terminator.
            assert!(LdCache::parse(&bytes[..length]).is_err(), "cut at {length}");
        }
        for index in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[index] ^= 0xff;
            let _ = LdCache::parse(&flipped);
        }
    }

    #[test]
    fn library_names_rank_sonames_first() {
        assert_eq!(library_rank("libc.so.6", "libc.so.6"), Some(0));
        assert_eq!(library_rank("libc", "libc.so.6"), Some(1));
        assert_eq!(library_rank("libc", "libc.so"), Some(2));
        assert_eq!(library_rank("libc", "libcrypt.so.1"), None);
        assert_eq!(library_rank("libc", "libc-2.36.so"), None);
    }

    /// The attach path and its limits: `-p` needs the PMU; without it, tracefs's uprobe_events.
    #[test]
    fn the_attach_path_follows_the_features() {
        let exe = std::env::current_exe().unwrap();
        let spec = format!("{}:main", exe.display());
        let no_tracefs = || -> Result<Rc<Tracefs>, String> { Err("no tracefs".into()) };
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
            Uprobe::resolve(&spec, false, &none, Some(1), no_tracefs).err(),
            Some(
                "-p needs the uprobe PMU (4.17+): a uprobe made through tracefs fires in every process"
                    .into()
            )
        );
        assert_eq!(
            Uprobe::resolve(&spec, false, &none, None, no_tracefs).err(),
            Some("no tracefs".into())
        );
        let root = std::env::temp_dir().join(format!("tine-uprobe-path-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let fake = || Ok(Rc::new(Tracefs::at(&root)));
        let without_events = Uprobe::resolve(&spec, false, &none, None, fake).err();
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
        };
        assert_eq!(points("probe_me"), Ok(vec![point(0x270, "probe_me")]));
        assert_eq!(points("probe_me+4"), Ok(vec![point(0x274, "probe_me+4")]));
        assert_eq!(points("0x10274"), Ok(vec![point(0x274, "0x10274")]));
        assert_eq!(points("probe_m?"), Ok(vec![point(0x270, "probe_me")]));
        assert_eq!(
            points("probe_me+8"),
            Err(UprobeError::PastTheEnd {
                path: "/x.so".into(),
                name: "probe_me".into(),
                offset: 8,
                size: 8
            })
        );
        assert_eq!(
            points("nothing_here"),
            Err(UprobeError::NoFunction {
                path: "/x.so".into(),
                name: "nothing_here".into()
            })
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
        let thumb = Err(UprobeError::Thumb {
            path: "/x".into(),
            name: "thumb_me".into(),
        });
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

    #[test]
    fn missing_files_and_names_are_errors() {
        let search = Search::default();
        assert!(matches!(
            find_binary("/nonexistent/tine-test", &search),
            Err(UprobeError::Unreadable { .. })
        ));
        assert!(matches!(
            find_binary("/", &search),
            Err(UprobeError::Unreadable { reason, .. }) if reason == "not a regular file"
        ));
        assert_eq!(
            find_binary("libtine-nonexistent", &search),
            Err(UprobeError::NotFound {
                name: "libtine-nonexistent".into()
            })
        );
    }

    /// Libraries in a directory: the ELF soname wins over a linker script with the plain name.
    #[test]
    fn finds_libraries_in_directories_and_programs_in_path() {
        let directory = std::env::temp_dir().join(format!("tine-uprobe-{}", std::process::id()));
        let library = directory.join("lib");
        let programs = directory.join("bin");
        std::fs::create_dir_all(&library).unwrap();
        std::fs::create_dir_all(&programs).unwrap();
        std::fs::write(library.join("libdemo.so"), "INPUT(libdemo.so.1)\n").unwrap();
        std::fs::write(library.join("libdemo.so.1"), b"\x7fELF rest").unwrap();
        std::fs::write(library.join("libdemo.so.1.2.3"), b"\x7fELF rest").unwrap();
        let program = programs.join("demo");
        std::fs::write(&program, b"\x7fELF rest").unwrap();
        std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
        let search = Search {
            directories: vec!["/nonexistent".into(), library.to_string_lossy().into()],
            path: vec![programs.to_string_lossy().into()],
            ..Search::default()
        };
        let found = find_binary("libdemo", &search);
        let in_path = find_binary("demo", &search);
        let canonical = |path: &Path| {
            std::fs::canonicalize(path)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        };
        let expected = (
            canonical(&library.join("libdemo.so.1")),
            canonical(&program),
        );
        std::fs::remove_dir_all(&directory).unwrap();
        assert_eq!(found, Ok(expected.0));
        assert_eq!(in_path, Ok(expected.1));
    }

    /// `uprobe:libc:malloc` on this machine lands where the dynamic loader mapped malloc's code
    /// into this very test process.
    #[test]
    fn libc_malloc_resolves_to_the_offset_the_loader_mapped() {
        if !cfg!(target_env = "gnu") {
            eprintln!("skipped: this test binary does not run on glibc");
            return;
        }
        let spec = UprobeSpec::parse("libc:malloc", false).unwrap();
        let points = spec.resolve().unwrap();
        assert_eq!(points.len(), 1);
        let point = &points[0];
        assert!(point.path.contains("libc.so"), "{}", point.path);

        let runtime = libc::malloc as *const () as usize as u64;
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        // `start-end perms offset dev inode path`: the mapping holding malloc's code.
        let (path, offset) = maps
            .lines()
            .find_map(|line| {
                let mut fields = line.split_whitespace();
                let (start, end) = fields.next()?.split_once('-')?;
                let (start, end) = (
                    u64::from_str_radix(start, 16).ok()?,
                    u64::from_str_radix(end, 16).ok()?,
                );
                let offset = u64::from_str_radix(fields.nth(1)?, 16).ok()?;
                let path = fields.nth(2)?;
                (start <= runtime && runtime < end)
                    .then(|| (path.to_string(), offset + (runtime - start)))
            })
            .expect("a file mapping holds malloc");
        assert_eq!(
            std::fs::canonicalize(path).unwrap().to_string_lossy(),
            point.path
        );
        assert_eq!(point.offset, offset);
    }
}
