//! provider::kprobe: `kprobe:SPEC` and `kretprobe:SPEC` — what a spec names (`vfs_read`,
//! `vfs_read+16`, `0xffffffff81234567`, `vfs_*`) and the kernel functions a glob expands to.
//! Kernel-free: the symbol listings come in as text, the readers of the real files are thin.

use std::collections::HashSet;
use std::fmt;

use crate::kernel::kallsyms::KernelSymbols;
use crate::provider::glob;

/// Where in the kernel a probe goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A function by name, `offset` bytes past its entry. The kernel resolves the name, so a
    /// plain name needs no symbol table in user space.
    Symbol { name: String, offset: u64 },
    /// A raw kernel address.
    Address(u64),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Symbol { name, offset: 0 } => f.write_str(name),
            Target::Symbol { name, offset } => write!(f, "{name}+{offset}"),
            Target::Address(address) => write!(f, "{address:#x}"),
        }
    }
}

/// A parsed `kprobe:`/`kretprobe:` spec; its name may still be a glob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KprobeSpec {
    pub target: Target,
    /// `kretprobe`: fire when the function returns, with `retval`.
    pub retprobe: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KprobeError {
    /// Nothing after the provider's colon.
    Empty,
    /// A character that no kernel symbol has (and that could smuggle text into kprobe_events).
    BadName {
        spec: String,
        character: char,
    },
    BadOffset {
        spec: String,
    },
    BadAddress {
        spec: String,
    },
    /// The kernel places return probes at a function's entry only.
    OffsetOnReturn {
        spec: String,
    },
    /// `vfs_*+16` would put probes at an arbitrary byte of every match.
    OffsetOnGlob {
        spec: String,
    },
    /// A glob that matched no probe-able function; `source` is the listing searched.
    NoMatch {
        pattern: String,
        source: &'static str,
    },
    /// No listing of kernel functions could be read.
    NoListing {
        reason: String,
    },
}

impl fmt::Display for KprobeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KprobeError::Empty => f.write_str("a kprobe needs a function: `kprobe:vfs_read`"),
            KprobeError::BadName { spec, character } => write!(
                f,
                "`{spec}` is not a kernel function name: {character:?} is not allowed in one"
            ),
            KprobeError::BadOffset { spec } => write!(
                f,
                "`{spec}`: the offset after `+` must be a number, like `vfs_read+16` or `vfs_read+0x10`"
            ),
            KprobeError::BadAddress { spec } => {
                write!(f, "`{spec}` is not a kernel address in hexadecimal")
            }
            KprobeError::OffsetOnReturn { spec } => write!(
                f,
                "`{spec}`: a kretprobe goes at a function's entry, it cannot have an offset"
            ),
            KprobeError::OffsetOnGlob { spec } => write!(
                f,
                "`{spec}`: an offset needs one function, not a wildcard"
            ),
            KprobeError::NoMatch { pattern, source } => write!(
                f,
                "`{pattern}` matches no kernel function that can be probed (searched {source})"
            ),
            KprobeError::NoListing { reason } => {
                write!(f, "cannot list the kernel's functions: {reason}")
            }
        }
    }
}

impl std::error::Error for KprobeError {}

impl KprobeSpec {
    /// Parses what follows `kprobe:` (or `kretprobe:`, with `retprobe` set).
    pub fn parse(spec: &str, retprobe: bool) -> Result<KprobeSpec, KprobeError> {
        if spec.is_empty() {
            return Err(KprobeError::Empty);
        }
        if let Some(hex) = spec.strip_prefix("0x").or_else(|| spec.strip_prefix("0X")) {
            return match u64::from_str_radix(hex, 16) {
                Ok(address) if address != 0 => Ok(KprobeSpec {
                    target: Target::Address(address),
                    retprobe,
                }),
                _ => Err(KprobeError::BadAddress { spec: spec.into() }),
            };
        }
        let (name, offset) = match spec.split_once('+') {
            Some((name, offset)) => {
                let offset = parse_number(offset)
                    .ok_or_else(|| KprobeError::BadOffset { spec: spec.into() })?;
                (name, offset)
            }
            None => (spec, 0),
        };
        if name.is_empty() {
            return Err(KprobeError::Empty);
        }
        // Symbol characters (`.` from GCC's clones, `$` from some assemblers) plus the glob's.
        if let Some(character) = name
            .chars()
            .find(|&c| !(c.is_ascii_alphanumeric() || "_.$".contains(c) || "*?[]!^-\\".contains(c)))
        {
            return Err(KprobeError::BadName {
                spec: spec.into(),
                character,
            });
        }
        if offset != 0 && retprobe {
            return Err(KprobeError::OffsetOnReturn { spec: spec.into() });
        }
        if offset != 0 && glob::is_glob(name) {
            return Err(KprobeError::OffsetOnGlob { spec: spec.into() });
        }
        Ok(KprobeSpec {
            target: Target::Symbol {
                name: name.into(),
                offset,
            },
            retprobe,
        })
    }

    /// The concrete targets: the spec itself unless its name is a glob, or every probe-able
    /// function the glob matches, sorted. `functions` is called only for a glob, so a plain
    /// name never pays for reading a symbol table.
    pub fn targets(
        &self,
        functions: impl FnOnce() -> Result<KernelFunctions, KprobeError>,
    ) -> Result<Vec<Target>, KprobeError> {
        let pattern = match &self.target {
            Target::Symbol { name, .. } if glob::is_glob(name) => name,
            target => return Ok(vec![target.clone()]),
        };
        let functions = functions()?;
        let targets: Vec<Target> = functions
            .names()
            .filter(|name| glob::matches(pattern, name))
            .map(|name| Target::Symbol {
                name: name.into(),
                offset: 0,
            })
            .collect();
        if targets.is_empty() {
            return Err(KprobeError::NoMatch {
                pattern: pattern.clone(),
                source: functions.source,
            });
        }
        Ok(targets)
    }
}

/// `16`, `0x10`.
fn parse_number(text: &str) -> Option<u64> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
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
        KernelFunctions::new(
            text.lines()
                .filter_map(|line| line.split_whitespace().next())
                // Records of functions the kernel dropped (5.19+) keep a placeholder name.
                .filter(|name| !name.starts_with("__ftrace_invalid_address_")),
            "available_filter_functions",
        )
    }

    /// From kallsyms' code symbols, where `available_filter_functions` is unreadable (no
    /// tracefs, no dynamic ftrace, or access refused). Init code, freed after boot, lies between
    /// `_sinittext` and `_einittext`; `names()` is in address order, so that range is a run.
    pub fn from_kallsyms(symbols: &KernelSymbols) -> KernelFunctions {
        let mut in_init_text = false;
        KernelFunctions::new(
            symbols.names().filter(move |&name| {
                match name {
                    "_sinittext" => in_init_text = true,
                    "_einittext" => in_init_text = false,
                    _ => {}
                }
                !in_init_text
                    // The padding before each function (6.2+ with call depth tracking or
                    // CFI) and CFI preambles are symbols but not functions.
                    && !name.starts_with("__pfx_")
                    && !name.starts_with("__cfi_")
            }),
            "/proc/kallsyms",
        )
    }

    fn new<'a>(names: impl Iterator<Item = &'a str>, source: &'static str) -> KernelFunctions {
        let mut names: Vec<String> = names
            // GCC's local clones (`.isra.0`, `.constprop.0`, `.part.0`, `.cold`) and other
            // dotted names are pieces of functions: a probe there sees no proper entry.
            .filter(|name| !name.contains('.'))
            .map(String::from)
            .collect();
        names.sort_unstable();
        names.dedup();
        KernelFunctions { names, source }
    }

    /// Drops the functions in the kprobes blacklist (debugfs `kprobes/blacklist`, lines of
    /// `0xSTART-0xEND\tname`, maybe followed by `[module]`): the kernel refuses probes there.
    pub fn without_blacklisted(mut self, blacklist: &str) -> KernelFunctions {
        let blacklisted: HashSet<&str> = blacklist
            .lines()
            .filter_map(|line| line.split_whitespace().nth(1))
            .collect();
        self.names
            .retain(|name| !blacklisted.contains(name.as_str()));
        self
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// Reads the running kernel's listing: `available_filter_functions` where tracefs is, else
    /// kallsyms, minus the blacklist when debugfs shows it.
    pub fn read() -> Result<KernelFunctions, KprobeError> {
        let filter_functions = [
            "/sys/kernel/tracing/available_filter_functions",
            "/sys/kernel/debug/tracing/available_filter_functions",
        ]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok());
        let functions = match filter_functions {
            Some(text) => KernelFunctions::from_filter_functions(&text),
            None => {
                let symbols = KernelSymbols::load().map_err(|error| KprobeError::NoListing {
                    reason: format!("/proc/kallsyms: {error}"),
                })?;
                if symbols.is_empty() {
                    return Err(KprobeError::NoListing {
                        reason: "/proc/kallsyms hides its addresses (not root, or kptr_restrict)"
                            .into(),
                    });
                }
                KernelFunctions::from_kallsyms(&symbols)
            }
        };
        Ok(
            match std::fs::read_to_string("/sys/kernel/debug/kprobes/blacklist") {
                Ok(blacklist) => functions.without_blacklisted(&blacklist),
                Err(_) => functions,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(spec: &str) -> Result<KprobeSpec, KprobeError> {
        KprobeSpec::parse(spec, false)
    }

    fn symbol(name: &str, offset: u64) -> Target {
        Target::Symbol {
            name: name.into(),
            offset,
        }
    }

    #[test]
    fn parses_names_offsets_and_addresses() {
        assert_eq!(parsed("vfs_read").unwrap().target, symbol("vfs_read", 0));
        assert_eq!(
            parsed("vfs_read+16").unwrap().target,
            symbol("vfs_read", 16)
        );
        assert_eq!(
            parsed("vfs_read+0x10").unwrap().target,
            symbol("vfs_read", 16)
        );
        assert_eq!(
            parsed("0xffffffff81234567").unwrap().target,
            Target::Address(0xffffffff81234567)
        );
        assert_eq!(
            parsed("tcp_v4_rcv.cold").unwrap().target,
            symbol("tcp_v4_rcv.cold", 0)
        );
        let retprobe = KprobeSpec::parse("vfs_read", true).unwrap();
        assert!(retprobe.retprobe);
        assert!(!parsed("vfs_read").unwrap().retprobe);
        assert_eq!(
            KprobeSpec::parse("0xffffffff81000000", true)
                .unwrap()
                .target
                .to_string(),
            "0xffffffff81000000"
        );
        assert_eq!(symbol("vfs_read", 16).to_string(), "vfs_read+16");
        assert_eq!(symbol("vfs_read", 0).to_string(), "vfs_read");
    }

    #[test]
    fn rejects_what_the_kernel_would_refuse_or_misread() {
        assert_eq!(parsed(""), Err(KprobeError::Empty));
        assert_eq!(parsed("+4"), Err(KprobeError::Empty));
        assert_eq!(
            parsed("vfs_read+x"),
            Err(KprobeError::BadOffset {
                spec: "vfs_read+x".into()
            })
        );
        assert_eq!(
            parsed("vfs_read+"),
            Err(KprobeError::BadOffset {
                spec: "vfs_read+".into()
            })
        );
        assert_eq!(
            parsed("0xfoo"),
            Err(KprobeError::BadAddress {
                spec: "0xfoo".into()
            })
        );
        assert_eq!(
            parsed("0x0"),
            Err(KprobeError::BadAddress { spec: "0x0".into() })
        );
        // A space would let a spec write a second probe definition into kprobe_events.
        assert_eq!(
            parsed("vfs_read r:evil"),
            Err(KprobeError::BadName {
                spec: "vfs_read r:evil".into(),
                character: ' '
            })
        );
        assert_eq!(
            KprobeSpec::parse("vfs_read+4", true),
            Err(KprobeError::OffsetOnReturn {
                spec: "vfs_read+4".into()
            })
        );
        assert_eq!(
            parsed("vfs_*+4"),
            Err(KprobeError::OffsetOnGlob {
                spec: "vfs_*+4".into()
            })
        );
        assert_eq!(
            KprobeError::OffsetOnReturn {
                spec: "vfs_read+4".into()
            }
            .to_string(),
            "`vfs_read+4`: a kretprobe goes at a function's entry, it cannot have an offset"
        );
    }

    const FILTER_FUNCTIONS: &str = "\
__traceiter_initcall_level
vfs_read
vfs_readv
vfs_write
vfs_read
__ftrace_invalid_address___64
vfs_iter_read.part.0
intel_pmu_hw_config.isra.0
ext4_file_read_iter [ext4]
kprobe_ftrace_handler
";

    const BLACKLIST: &str = "\
0xffffffffa8600990-0xffffffffa86009b0\tasm_exc_divide_error
0x0000000000000000-0x0000000000000000\tkprobe_ftrace_handler
0xffffffffc0000000-0xffffffffc0000040\tmodule_helper [some_module]
";

    #[test]
    fn filter_functions_are_deduplicated_and_cleaned() {
        let functions = KernelFunctions::from_filter_functions(FILTER_FUNCTIONS);
        assert_eq!(
            functions.names().collect::<Vec<_>>(),
            [
                "__traceiter_initcall_level",
                "ext4_file_read_iter",
                "kprobe_ftrace_handler",
                "vfs_read",
                "vfs_readv",
                "vfs_write"
            ]
        );
        let functions = functions.without_blacklisted(BLACKLIST);
        assert!(!functions
            .names()
            .any(|name| name == "kprobe_ftrace_handler"));
        assert_eq!(functions.names().count(), 5);
    }

    #[test]
    fn kallsyms_gives_functions_without_init_code_padding_or_clones() {
        let symbols = KernelSymbols::parse(
            "ffffffff81000000 T _stext\n\
             ffffffff81000ff0 t __pfx_vfs_read\n\
             ffffffff81001000 T vfs_read\n\
             ffffffff81001100 t vfs_read.cold\n\
             ffffffff81001200 T vfs_write\n\
             ffffffff81001300 D some_data\n\
             ffffffff81001400 t helper\n\
             ffffffff81001500 t helper\n\
             ffffffff83000000 T _sinittext\n\
             ffffffff83000010 t vfs_caches_init\n\
             ffffffff83000020 T start_kernel\n\
             ffffffff83100000 T _einittext\n\
             ffffffffc0001000 t ext4_helper\t[ext4]\n",
        );
        let functions = KernelFunctions::from_kallsyms(&symbols);
        assert_eq!(functions.source, "/proc/kallsyms");
        assert_eq!(
            functions.names().collect::<Vec<_>>(),
            [
                "_einittext",
                "_stext",
                "ext4_helper",
                "helper",
                "vfs_read",
                "vfs_write"
            ]
        );
    }

    #[test]
    fn globs_expand_and_plain_names_read_no_listing() {
        let listing = || Ok(KernelFunctions::from_filter_functions(FILTER_FUNCTIONS));
        let spec = KprobeSpec::parse("vfs_read*", true).unwrap();
        assert_eq!(
            spec.targets(listing).unwrap(),
            [symbol("vfs_read", 0), symbol("vfs_readv", 0)]
        );
        let spec = parsed("vfs_[rw][er][ai][dt]e").unwrap();
        assert_eq!(spec.targets(listing).unwrap(), [symbol("vfs_write", 0)]);

        let unreadable = || -> Result<KernelFunctions, KprobeError> {
            panic!("a plain name must not read the symbol table")
        };
        assert_eq!(
            parsed("vfs_read+4").unwrap().targets(unreadable).unwrap(),
            [symbol("vfs_read", 4)]
        );
        assert_eq!(
            parsed("0xffffffff81000000")
                .unwrap()
                .targets(unreadable)
                .unwrap(),
            [Target::Address(0xffffffff81000000)]
        );
    }

    #[test]
    fn a_glob_matching_nothing_is_an_error() {
        let listing = || Ok(KernelFunctions::from_filter_functions(FILTER_FUNCTIONS));
        // Only clones match: they were dropped, so nothing is left.
        let error = parsed("*.isra.*").unwrap().targets(listing).unwrap_err();
        assert_eq!(
            error,
            KprobeError::NoMatch {
                pattern: "*.isra.*".into(),
                source: "available_filter_functions"
            }
        );
        assert_eq!(
            error.to_string(),
            "`*.isra.*` matches no kernel function that can be probed (searched available_filter_functions)"
        );
        let failing = || {
            Err(KprobeError::NoListing {
                reason: "no tracefs".into(),
            })
        };
        assert_eq!(
            parsed("vfs_*").unwrap().targets(failing),
            Err(KprobeError::NoListing {
                reason: "no tracefs".into()
            })
        );
    }

    /// The real listing of this machine's kernel: the read path is in it, under root.
    #[test]
    fn the_running_kernel_lists_its_read_path() {
        match KernelFunctions::read() {
            Ok(functions) => {
                let spec = parsed("vfs_rea[d]").unwrap();
                assert_eq!(
                    spec.targets(|| Ok(functions.clone())).unwrap(),
                    [symbol("vfs_read", 0)]
                );
                assert!(!functions.names().any(|name| name.starts_with("__pfx_")));
            }
            Err(error) => {
                assert!(
                    std::env::var_os("TINE_REQUIRE_KERNEL").is_none(),
                    "skip under TINE_REQUIRE_KERNEL: {error}"
                );
                eprintln!("skipped: {error}");
            }
        }
    }
}
