//! provider::binary: which file a uprobe names — a path, a library found through ld.so.cache
//! or the library directories, or a program found through PATH.

use super::uprobe::{Failed, UprobeError};
use crate::kernel::error::IoText;

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
    /// The cache's entries; None for bytes that are no ld.so.cache, or one cut short, which
    /// tine then does without (libraries are looked for on the default paths).
    #[inline(never)]
    pub fn parse(bytes: &[u8]) -> Option<LdCache> {
        let start = if bytes.starts_with(NEW_MAGIC) {
            0
        } else if bytes.starts_with(OLD_MAGIC) {
            // The old table comes first; the new header follows it, aligned to the new
            // header's alignment (8, or 4 on 32-bit x86), with its own string offsets.
            let count = bytes
                .get(12..16)
                .and_then(|word| word.try_into().ok())
                .map(|word| u32::from_ne_bytes(word) as usize)?;
            let end = OLD_HEADER.saturating_add(count.saturating_mul(OLD_ENTRY));
            // An old-format cache without the new format: glibc has written both since 2.3.
            [end.next_multiple_of(8), end.next_multiple_of(4)]
                .into_iter()
                .find(|&start| {
                    bytes
                        .get(start..)
                        .is_some_and(|rest| rest.starts_with(NEW_MAGIC))
                })?
        } else {
            return None;
        };
        let cache = &bytes[start..];
        let header = cache.get(..NEW_HEADER)?;
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
        let count = u32_at(20)? as usize;
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
            entries.push(read()?);
        }
        Some(LdCache { entries })
    }

    /// Where the library `name` (`libc`, `libc.so.6`) is, among the entries for the ABI whose
    /// flags are `abi` (all ABIs when None); a baseline library before a hwcaps variant.
    pub fn find(&self, name: &str, abi: Option<u32>) -> Option<&str> {
        let mut best = None;
        for entry in &self.entries {
            if abi.is_some_and(|abi| entry.flags & 0xff00 != abi) {
                continue;
            }
            let Some(rank) = library_rank(name, &entry.name) else {
                continue;
            };
            // The first of the least (hwcaps variant, rank, name length).
            let key = (entry.hwcap != 0, rank, entry.name.len());
            if best.map_or(true, |(least, _)| key < least) {
                best = Some((key, entry.path.as_str()));
            }
        }
        best.map(|(_, path)| path)
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
    #[inline(never)]
    pub fn system() -> Search {
        let arch = std::env::consts::ARCH;
        let musl = crate::kernel::read_text(format!("/etc/ld-musl-{arch}.path"));
        let mut directories = pieces(musl.as_deref().unwrap_or_default(), b":\n");
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
        directories.extend(pieces(
            "/lib64:/usr/lib64:/lib:/usr/lib:/usr/local/lib",
            b":",
        ));
        let path = crate::kernel::env_var("PATH");
        let path = path
            .as_deref()
            .unwrap_or("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        Search {
            cache: crate::kernel::read_file("/etc/ld.so.cache")
                .ok()
                .and_then(|bytes| LdCache::parse(&bytes)),
            abi: native_abi(),
            directories,
            path: pieces(path, b":"),
        }
    }
}

/// The non-empty pieces of `text` between `separators` (ASCII, so each piece stays UTF-8).
fn pieces(text: &str, separators: &[u8]) -> Vec<String> {
    let mut pieces = Vec::new();
    for piece in text.as_bytes().split(|byte| separators.contains(byte)) {
        if !piece.is_empty() {
            pieces.push(String::from_utf8_lossy(piece).into_owned());
        }
    }
    pieces
}

/// The absolute path of the binary a spec names: a path as it is (resolved to an absolute
/// one), else a library from the cache or the library directories, else a program in PATH.
#[inline(never)]
pub fn find_binary(name: &str, search: &Search) -> Result<String, Failed> {
    if name.as_bytes().contains(&b'/') {
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
        let Ok(listing) = crate::kernel::list_directory(directory) else {
            continue;
        };
        // The best ELF file by rank, then the shortest name, then the first path in order.
        let mut best: Option<(u8, usize, String)> = None;
        for (name_bytes, _) in listing {
            let Ok(file) = String::from_utf8(name_bytes) else {
                continue;
            };
            let Some(rank) = library_rank(name, &file) else {
                continue;
            };
            let path = format!("{directory}/{file}");
            let candidate = (rank, file.len(), path);
            if is_elf(&candidate.2) && best.as_ref().map_or(true, |best| candidate < *best) {
                best = Some(candidate);
            }
        }
        if let Some((_, _, path)) = best {
            return absolute(&path);
        }
    }
    for directory in &search.path {
        let path = format!("{directory}/{name}");
        if crate::kernel::child::is_program(&path) {
            return absolute(&path);
        }
    }
    Err(UprobeError::NotFound { name: name.into() }.into())
}

/// Whether `path` starts as an ELF file does: a library directory also holds linker scripts
/// named like libraries (`libc.so`).
fn is_elf(path: &str) -> bool {
    use std::io::Read;
    // One read, not `read_exact` (see `kernel::btf::is_btf`).
    let mut magic = [0; 4];
    crate::kernel::open(path, libc::O_RDONLY)
        .and_then(|mut file| file.read(&mut magic))
        .is_ok_and(|read| read == 4 && magic == *b"\x7fELF")
}

/// The canonical path of a regular file, so listings and the kernel see one name for one
/// file: the kernel's name for the file opened (O_PATH: no access to it needed), which is
/// realpath's answer without realpath's code.
fn absolute(path: &str) -> Result<String, Failed> {
    use std::os::fd::AsFd;
    let unreadable = |reason: String| -> Failed {
        Box::new(UprobeError::Unreadable {
            path: path.into(),
            reason,
        })
    };
    let file = crate::kernel::open(path, libc::O_RDONLY | libc::O_PATH)
        .map_err(|error| unreadable(IoText(&error).to_string()))?;
    if !crate::kernel::file_status(&file).is_ok_and(|status| status.is_file()) {
        return Err(unreadable("not a regular file".into()));
    }
    crate::kernel::fd_path(file.as_fd()).map_err(|error| unreadable(IoText(&error).to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

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
        assert!(LdCache::parse(b"hello").is_none());
        assert!(LdCache::parse(b"ld.so-1.7.0\0").is_none());
        let bytes = cache_bytes(ENTRIES, false);
        for length in 0..bytes.len() - 1 {
            // Every cut removes at least the last string's terminator.
            assert!(
                LdCache::parse(&bytes[..length]).is_none(),
                "cut at {length}"
            );
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

    #[test]
    fn missing_files_and_names_are_errors() {
        let search = Search::default();
        assert!(matches!(
            find_binary("/nonexistent/tine-test", &search).map_err(|error| *error),
            Err(UprobeError::Unreadable { .. })
        ));
        assert!(matches!(
            find_binary("/", &search).map_err(|error| *error),
            Err(UprobeError::Unreadable { reason, .. }) if reason == "not a regular file"
        ));
        assert_eq!(
            find_binary("libtine-nonexistent", &search),
            Err(Box::new(UprobeError::NotFound {
                name: "libtine-nonexistent".into()
            }))
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
        std::fs::set_permissions(
            &program,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
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
}
