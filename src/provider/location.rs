//! provider::location: the part of a kprobe or uprobe spec that says where in the code —
//! `function`, `function+offset`, `0xaddress`, or a glob of functions — parsed once for both.

use std::fmt;

use crate::provider::glob;
use crate::words::{decimal, hexadecimal};

/// Where in a body of code (the kernel, or one ELF file) a probe goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A function by name, `offset` bytes past its entry; the name may be a glob (offset 0).
    Symbol { name: String, offset: u64 },
    /// A raw address.
    Address(u64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LocationError {
    /// No function named.
    Empty,
    /// A character no symbol has. Specs end up in tracefs's kprobe_events/uprobe_events on
    /// kernels without the perf PMUs, where a space would start a second definition.
    BadName {
        spec: Box<str>,
        character: char,
    },
    BadOffset {
        spec: Box<str>,
    },
    BadAddress {
        spec: Box<str>,
    },
    /// The kernel places return probes at a function's entry only.
    OffsetOnReturn {
        spec: Box<str>,
    },
    /// `vfs_*+16` would put probes at an arbitrary byte of every match.
    OffsetOnGlob {
        spec: Box<str>,
    },
}

impl fmt::Display for LocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocationError::Empty => f.write_str("no function named"),
            LocationError::BadName { spec, character } => write!(
                f,
                // Quoted as char's Debug quotes it, whose own code is linked for this alone.
                "`{spec}` is not a function name: '{}' is not allowed in one",
                character.escape_debug()
            ),
            LocationError::BadOffset { spec } => write!(
                f,
                "`{spec}`: the offset after `+` must be a number, like `read+16` or `read+0x10`"
            ),
            LocationError::BadAddress { spec } => {
                write!(f, "`{spec}` is not an address in hexadecimal")
            }
            LocationError::OffsetOnReturn { spec } => write!(
                f,
                "`{spec}`: a return probe goes at a function's entry, it cannot have an offset"
            ),
            LocationError::OffsetOnGlob { spec } => {
                write!(f, "`{spec}`: an offset needs one function, not a wildcard")
            }
        }
    }
}

impl std::error::Error for LocationError {}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Symbol { name, offset: 0 } => f.write_str(name),
            Location::Symbol { name, offset } => write!(f, "{name}+{offset}"),
            Location::Address(address) => write!(f, "{address:#x}"),
        }
    }
}

impl Location {
    /// Parses `name`, `name+16`, `name+0x10`, `0xADDRESS` or a glob; `retprobe` for the return
    /// probe variants, which take no offset.
    pub fn parse(spec: &str, retprobe: bool) -> Result<Location, LocationError> {
        if let Some(hex) = crate::words::strip_hex_prefix(spec) {
            return match hexadecimal(hex) {
                Some(address) if address != 0 => Ok(Location::Address(address)),
                _ => Err(LocationError::BadAddress { spec: spec.into() }),
            };
        }
        let (name, offset) = match crate::words::split_once(spec, b'+') {
            Some((name, offset)) => {
                let offset = parse_number(offset)
                    .ok_or_else(|| LocationError::BadOffset { spec: spec.into() })?;
                (name, offset)
            }
            None => (spec, 0),
        };
        if name.is_empty() {
            return Err(LocationError::Empty);
        }
        // Symbol characters (`.` of GCC's clones, `$` of some assemblers) plus the glob's.
        let allowed = |c: char| {
            c.is_ascii_alphanumeric()
                || matches!(
                    c,
                    '_' | '.' | '$' | '*' | '?' | '[' | ']' | '!' | '^' | '-' | '\\'
                )
        };
        if let Some(character) = name.chars().find(|&c| !allowed(c)) {
            return Err(LocationError::BadName {
                spec: spec.into(),
                character,
            });
        }
        if offset != 0 && retprobe {
            return Err(LocationError::OffsetOnReturn { spec: spec.into() });
        }
        if offset != 0 && glob::is_glob(name) {
            return Err(LocationError::OffsetOnGlob { spec: spec.into() });
        }
        Ok(Location::Symbol {
            name: name.into(),
            offset,
        })
    }

    /// The pattern, when this names functions by a glob.
    /// The function a probe here is in, by name: what bpftrace's `func` reads. None for an
    /// address, or a glob (which names many).
    pub fn function(&self) -> Option<&str> {
        match self {
            Location::Symbol { name, .. } if !glob::is_glob(name) => Some(name),
            _ => None,
        }
    }

    pub fn glob(&self) -> Option<&str> {
        match self {
            Location::Symbol { name, .. } if glob::is_glob(name) => Some(name),
            _ => None,
        }
    }
}

/// `16`, `0x10`.
pub(super) fn parse_number(text: &str) -> Option<u64> {
    match crate::words::strip_hex_prefix(text) {
        Some(hex) => hexadecimal(hex),
        None => decimal(text),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// `name+offset`, for the kprobe and uprobe tests too.
    pub(in crate::provider) fn symbol(name: &str, offset: u64) -> Location {
        Location::Symbol {
            name: name.into(),
            offset,
        }
    }

    #[test]
    fn parses_names_offsets_addresses_and_globs() {
        let cases = [
            ("vfs_read", symbol("vfs_read", 0)),
            ("vfs_read+16", symbol("vfs_read", 16)),
            ("vfs_read+0x10", symbol("vfs_read", 16)),
            ("tcp_v4_rcv.cold", symbol("tcp_v4_rcv.cold", 0)),
            (
                "_ZN4core3fmt5write17h0123456789abcdefE",
                symbol("_ZN4core3fmt5write17h0123456789abcdefE", 0),
            ),
            ("vfs_[rw]*", symbol("vfs_[rw]*", 0)),
            ("0xffffffff81234567", Location::Address(0xffffffff81234567)),
            ("0X1234", Location::Address(0x1234)),
        ];
        for (spec, expected) in cases {
            assert_eq!(Location::parse(spec, false), Ok(expected), "{spec}");
        }
        assert_eq!(
            Location::parse("0x401000", true),
            Ok(Location::Address(0x401000))
        );
        assert_eq!(symbol("vfs_read", 0).glob(), None);
        assert_eq!(symbol("vfs_*", 0).glob(), Some("vfs_*"));
        assert_eq!(Location::Address(1).glob(), None);
    }

    #[test]
    fn prints_as_written() {
        assert_eq!(symbol("vfs_read", 16).to_string(), "vfs_read+16");
        assert_eq!(symbol("vfs_read", 0).to_string(), "vfs_read");
        assert_eq!(Location::Address(0x401000).to_string(), "0x401000");
    }

    #[test]
    fn rejects_what_the_kernel_would_refuse_or_misread() {
        let spec = |text: &str| Box::<str>::from(text);
        let cases = [
            ("", false, LocationError::Empty),
            ("+4", false, LocationError::Empty),
            (
                "vfs_read+x",
                false,
                LocationError::BadOffset {
                    spec: spec("vfs_read+x"),
                },
            ),
            (
                "vfs_read+",
                false,
                LocationError::BadOffset {
                    spec: spec("vfs_read+"),
                },
            ),
            (
                "0xfoo",
                false,
                LocationError::BadAddress {
                    spec: spec("0xfoo"),
                },
            ),
            (
                "0x0",
                false,
                LocationError::BadAddress { spec: spec("0x0") },
            ),
            // A space would let a spec write a second probe definition into kprobe_events.
            (
                "vfs_read r:evil",
                false,
                LocationError::BadName {
                    spec: spec("vfs_read r:evil"),
                    character: ' ',
                },
            ),
            (
                "vfs_read+4",
                true,
                LocationError::OffsetOnReturn {
                    spec: spec("vfs_read+4"),
                },
            ),
            (
                "vfs_*+4",
                false,
                LocationError::OffsetOnGlob {
                    spec: spec("vfs_*+4"),
                },
            ),
        ];
        for (text, retprobe, expected) in cases {
            assert_eq!(Location::parse(text, retprobe), Err(expected), "{text}");
        }
        assert_eq!(
            LocationError::OffsetOnReturn {
                spec: spec("vfs_read+4")
            }
            .to_string(),
            "`vfs_read+4`: a return probe goes at a function's entry, it cannot have an offset"
        );
    }
}
