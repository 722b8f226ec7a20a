//! kernel::kallsyms: the kernel's code symbols from /proc/kallsyms, read only when a probe needs
//! them (`caller`, `stack`, kprobe globs) — bpftrace reads them at every start and pays seconds.
//! Names live in one string so the table stays small on a board with little memory.

use std::fmt::Write;

use super::KernelError;

/// Code symbols sorted by address.
#[derive(Debug, Default)]
pub struct KernelSymbols {
    names: String,
    /// (address, start of the name in `names`, its length)
    entries: Vec<(u64, u32, u32)>,
}

impl KernelSymbols {
    /// Reads /proc/kallsyms.
    pub fn load() -> std::io::Result<KernelSymbols> {
        Ok(KernelSymbols::parse(&super::read_text("/proc/kallsyms")?))
    }

    /// Parses kallsyms text: `ffffffff81000000 T _text`, modules adding `\t[name]`. Only code
    /// symbols (`t`, `T`, `w`, `W`) are kept; with kptr_restrict hiding addresses every address
    /// reads 0 and nothing resolves.
    pub fn parse(text: &str) -> KernelSymbols {
        let mut symbols = KernelSymbols::default();
        for line in crate::words::lines(text) {
            let Some((address, kind, name, _)) = fields(line) else {
                continue;
            };
            let Some(address) = crate::words::hexadecimal(address) else {
                continue;
            };
            if address == 0 || !matches!(kind.as_bytes(), [b't' | b'T' | b'w' | b'W']) {
                continue;
            }
            let (Ok(start), Ok(length)) = (
                u32::try_from(symbols.names.len()),
                u32::try_from(name.len()),
            ) else {
                break;
            };
            symbols.names.push_str(name);
            symbols.entries.push((address, start, length));
        }
        // By address, and at one address in the file's order: each entry's name starts
        // after the one before's, so the whole tuple sorts as a stable sort by address would.
        symbols.entries.sort_unstable();
        symbols
    }

    fn name(&self, &(_, start, length): &(u64, u32, u32)) -> &str {
        &self.names[start as usize..(start + length) as usize]
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The symbol containing `address` and the offset into it.
    pub fn resolve(&self, address: u64) -> Option<(&str, u64)> {
        let index = self
            .entries
            .partition_point(|&(start, ..)| start <= address)
            .checked_sub(1)?;
        let entry = &self.entries[index];
        Some((self.name(entry), address - entry.0))
    }

    /// Where `name` starts, if it is a code symbol.
    pub fn address_of(&self, name: &str) -> Option<u64> {
        self.entries
            .iter()
            .find(|entry| self.name(entry) == name)
            .map(|&(address, ..)| address)
    }

    /// Every code symbol name, in address order; the same name may appear more than once
    /// (static functions of different files).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|entry| self.name(entry))
    }

    /// Appends `address` as ply prints a kernel address: `vfs_read`, `vfs_read+16`, or
    /// `<ffffffff81234567>` when no symbol covers it; `perf`: as perf prints a frame.
    pub fn write_address(&self, out: &mut String, address: u64, perf: bool) {
        match self.resolve(address) {
            Some((name, offset)) => write_symbol(out, name, offset, perf),
            None => write_unknown(out, address, perf),
        }
    }
}

/// A kallsyms line's address (hexadecimal), kind letter and name, and whether a module's
/// (`\t[module]` after the name): one reader of lines for both kinds of lookup.
fn fields(line: &str) -> Option<(&str, &str, &str, bool)> {
    let mut parts = [""; 4];
    let count = crate::words::fields(line, &mut parts);
    let [address, kind, name, _] = parts;
    (count >= 3).then_some((address, kind, name, count == 4))
}

/// `name+offset`, `name` alone at offset 0 unless `perf` (perf's and bpftrace's frames have
/// `+0`).
pub fn write_symbol(out: &mut String, name: &str, offset: u64, perf: bool) {
    out.push_str(name);
    if offset != 0 || perf {
        write!(out, "+{offset}").ok();
    }
}

/// An address no symbol covers: `<%016x>` as ply prints it, `0x%x` as perf does.
pub fn write_unknown(out: &mut String, address: u64, perf: bool) {
    match perf {
        true => write!(out, "{address:#x}"),
        false => write!(out, "<{address:016x}>"),
    }
    .ok();
}

/// Where kernel symbol `name` (code or data) is, from kallsyms text: the first line naming it,
/// the kernel's own before a module's; Err when addresses are hidden (kptr_restrict: all 0), or
/// when it is missing from a kallsyms without data symbols (no local `d`/`b` one), which may
/// have it in memory all the same.
pub fn find_symbol(text: &str, name: &str) -> Result<Option<u64>, KernelError> {
    let mut found = None;
    let mut lists_data = false;
    for line in crate::words::lines(text) {
        let Some((address, kind, symbol, in_module)) = fields(line) else {
            continue;
        };
        lists_data |= matches!(kind.as_bytes(), [b'd' | b'b']);
        if symbol != name {
            continue;
        }
        let Some(address) = crate::words::hexadecimal(address) else {
            continue;
        };
        if found.is_none() || !in_module {
            found = Some(address);
        }
        if !in_module {
            break;
        }
    }
    match found {
        Some(0) => Err(KernelError::message(
            "read addresses from /proc/kallsyms",
            "it hides them (kptr_restrict); run as root with kernel.kptr_restrict < 2",
        )),
        None if !lists_data => Err(KernelError::message(
            format!("find `{name}` in /proc/kallsyms"),
            "it lists no data symbols (CONFIG_KALLSYMS_ALL is off)",
        )),
        found => Ok(found),
    }
}

/// `find_symbol` in /proc/kallsyms.
pub fn symbol_address(name: &str) -> Result<Option<u64>, KernelError> {
    let text = super::read_text("/proc/kallsyms")
        .map_err(|error| KernelError::io("read /proc/kallsyms", &error))?;
    find_symbol(&text, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_code_and_data_symbols_the_kernels_before_a_modules() {
        let text = "ffffffffc0200000 d avenrun\t[mod]\nffffffff81300000 D avenrun\n\
                    ffffffff81200000 T vfs_read\n";
        assert_eq!(find_symbol(text, "avenrun"), Ok(Some(0xffffffff81300000)));
        assert_eq!(find_symbol(text, "vfs_read"), Ok(Some(0xffffffff81200000)));
        assert_eq!(find_symbol(text, "nothing"), Ok(None));
        let code_only = "ffffffff81200000 T vfs_read\nffffffff81300000 D jiffies\n";
        let missing = find_symbol(code_only, "avenrun").unwrap_err();
        assert!(
            missing.to_string().contains("CONFIG_KALLSYMS_ALL"),
            "{missing}"
        );
        assert_eq!(
            find_symbol(code_only, "jiffies"),
            Ok(Some(0xffffffff81300000))
        );
        let hidden = "0000000000000000 D avenrun\n";
        assert!(find_symbol(hidden, "avenrun").is_err());
    }

    const SAMPLE: &str = "ffffffff81000000 T _text\n\
        ffffffff81200000 T vfs_read\n\
        ffffffff81200400 t vfs_write\n\
        ffffffff81300000 D some_data\n\
        ffffffffc0203000 t helper_in_module\t[dummy]\n\
        0000000000000000 A fixed_percpu_data\n";

    #[test]
    fn resolves_addresses_to_the_symbol_below_them() {
        let symbols = KernelSymbols::parse(SAMPLE);
        assert_eq!(symbols.resolve(0xffffffff81200000), Some(("vfs_read", 0)));
        assert_eq!(symbols.resolve(0xffffffff81200010), Some(("vfs_read", 16)));
        assert_eq!(symbols.resolve(0xffffffff81200400), Some(("vfs_write", 0)));
        assert_eq!(
            symbols.resolve(0xffffffffc0203004),
            Some(("helper_in_module", 4))
        );
        assert_eq!(symbols.resolve(0x1000), None);
        assert_eq!(symbols.address_of("vfs_write"), Some(0xffffffff81200400));
        // Data symbols are not code.
        assert_eq!(symbols.address_of("some_data"), None);
        assert_eq!(
            symbols.names().collect::<Vec<_>>(),
            ["_text", "vfs_read", "vfs_write", "helper_in_module"]
        );
    }

    #[test]
    fn prints_addresses_as_ply_does_and_as_perf_does() {
        let symbols = KernelSymbols::parse(SAMPLE);
        let printed = |address, perf| {
            let mut out = String::new();
            symbols.write_address(&mut out, address, perf);
            out
        };
        assert_eq!(printed(0xffffffff81200000, false), "vfs_read");
        assert_eq!(printed(0xffffffff81200010, false), "vfs_read+16");
        assert_eq!(printed(0x10, false), "<0000000000000010>");
        // bpftrace's kstack(perf) frames: `+0` too, and an unknown address as `0x...`.
        assert_eq!(printed(0xffffffff81200000, true), "vfs_read+0");
        assert_eq!(printed(0xffffffff81200010, true), "vfs_read+16");
        assert_eq!(printed(0x10, true), "0x10");
    }

    #[test]
    fn hidden_addresses_resolve_nothing() {
        let symbols =
            KernelSymbols::parse("0000000000000000 T _text\n0000000000000000 T vfs_read\n");
        assert!(symbols.is_empty());
    }

    #[test]
    fn the_running_kernel_has_its_read_path() {
        let test = "the_running_kernel_has_its_read_path";
        let symbols = match KernelSymbols::load() {
            Ok(symbols) => symbols,
            Err(error) => {
                return crate::testing::skip(test, format_args!("/proc/kallsyms: {error}"))
            }
        };
        if symbols.is_empty() {
            // Not root, or kptr_restrict: addresses read as zero.
            return crate::testing::skip(test, "/proc/kallsyms hides its addresses");
        }
        let address = symbols
            .address_of("vfs_read")
            .expect("vfs_read in kallsyms");
        assert_eq!(symbols.resolve(address + 3), Some(("vfs_read", 3)));
    }
}
