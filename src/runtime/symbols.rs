//! runtime::symbols: names for the numbers probes record: kernel and user symbols, stacks, the
//! wall clock.

use std::fmt::Write;

use crate::kernel::bpf::BpfMap;
use crate::kernel::elf::ElfFile;
use crate::kernel::error::describe;
use crate::kernel::kallsyms::{write_symbol, write_unknown, KernelSymbols};
use crate::kernel::memory_map::{self, Mapping};
use crate::output::Symbols;
use crate::wire;
use crate::words::nth_item;

/// Names for what probes record as numbers: kernel symbols (read on first need), stacks from
/// the stack map, the wall clock.
pub(super) struct KernelNames<'a> {
    pub(super) symbols: std::cell::OnceCell<KernelSymbols>,
    pub(super) user: UserSymbols,
    /// The stack maps by their depth: (depth, index in `maps`).
    pub(super) stacks: &'a [(u16, usize)],
    /// Whether stacks print in bpftrace's layouts (`sym+0`, `0x...`), not ply's.
    pub(super) bpftrace: bool,
    pub(super) maps: &'a [BpfMap],
    /// Read when a wall time is first printed: the local zone is a file (/etc/localtime)
    /// most runs never need.
    pub(super) wall_clock_offset: std::cell::OnceCell<i64>,
    /// Nanoseconds from the monotonic clock probes read to UTC since the epoch.
    pub(super) realtime_offset: i64,
}

/// `realtime` (nanoseconds since the epoch) as local time, by strftime's `format` with
/// bpftrace's `%f` for the microseconds; `(?)` when libc cannot convert it.
pub(super) fn local_time(format: &str, realtime: i64) -> String {
    crate::kernel::clock::strftime(format, realtime).unwrap_or_else(|| "(?)".to_string())
}

impl KernelNames<'_> {
    fn symbols(&self) -> &KernelSymbols {
        // By `get` and `set`: `get_or_init` links its generic init path for this alone.
        if self.symbols.get().is_none() {
            let symbols = KernelSymbols::load().unwrap_or_else(|_| KernelSymbols::parse(""));
            let _ = self.symbols.set(symbols);
        }
        self.symbols.get().expect("set above")
    }
}

impl Symbols for KernelNames<'_> {
    fn frame_indent(&self) -> &'static str {
        if self.bpftrace {
            "        "
        } else {
            "\t"
        }
    }

    fn write_kernel_address(&self, out: &mut String, address: u64) {
        self.symbols().write_address(out, address, false);
    }

    /// As ply prints a stack: a newline, then one tab-indented frame a line; in bpftrace's
    /// layouts each frame is `sym+off` even at offset 0 (`0x...` when unknown), in perf's
    /// `address sym+off`, and `(path)` after a user one, as bpftrace prints them.
    fn write_stack(&self, out: &mut String, id: u64, stack: wire::Stack) {
        let (id, pid) = if stack.user {
            let (id, pid) = wire::decode_user_stack(id);
            (id, Some(pid))
        } else {
            (id as i64, None)
        };
        // bpf_get_stackid returns a negative errno when there is no stack to take (EFAULT:
        // a sample in user space has no kernel stack); bpftrace prints nothing then.
        if id < 0 {
            if !self.bpftrace {
                write!(out, "<no stack: errno {}>", id.unsigned_abs()).ok();
            }
            return;
        }
        let map = self.stacks.iter().find(|(depth, _)| *depth == stack.depth);
        let frames = map.and_then(|&(_, map)| {
            self.maps[map]
                .lookup(&wire::encode_int(id as u64, 4, wire::HOST))
                .ok()
                .flatten()
        });
        let Some(frames) = frames else {
            write!(out, "<STACKID{id}>").ok();
            return;
        };
        let full = stack.perf || self.bpftrace;
        out.push('\n');
        for address in wire::stack_frames(&frames, wire::HOST) {
            out.push('\t');
            if stack.perf {
                write!(out, "{address:x} ").ok();
            }
            match pid {
                Some(pid) => self.user.write_address(out, pid, address, full, stack.perf),
                None => self.symbols().write_address(out, address, full),
            }
            out.push('\n');
        }
    }

    fn write_user_address(&self, out: &mut String, address: u64, pid: u32) {
        self.user.write_address(out, pid, address, false, false);
    }

    fn wall_clock_offset(&self) -> i64 {
        *(self.wall_clock_offset).get_or_init(crate::kernel::clock::wall_clock_offset)
    }

    fn write_resolved(&self, out: &mut String, resolve: wire::Resolve, value: u64) {
        match resolve {
            // C's `int`, as bpftrace passes its u64 to strerror.
            wire::Resolve::ErrorText => out.push_str(&describe(value as i32)),
            wire::Resolve::UserName => write_user_name(out, value),
            _ => write_cgroup_paths(out, value),
        }
    }

    fn write_strftime(&self, out: &mut String, format: &str, monotonic: u64) {
        let realtime = (monotonic as i64).saturating_add(self.realtime_offset);
        out.push_str(&local_time(format, realtime));
    }
}

/// The name /etc/passwd gives `uid`, read at each value as bpftrace does; nothing when it has
/// none.
fn write_user_name(out: &mut String, uid: u64) {
    let passwd = crate::kernel::read_text("/etc/passwd").unwrap_or_default();
    for line in crate::words::lines(&passwd) {
        if nth_item(line, b':', 2).and_then(crate::words::decimal::<u64>) == Some(uid) {
            out.push_str(nth_item(line, b':', 0).unwrap_or_default());
            return;
        }
    }
}

/// bpftrace's `cgroup_path()`: `hierarchy:/path` of the entry whose inode number is `id` in each
/// cgroup hierarchy /proc/mounts has (the unified one named `unified` and first, the others by
/// their mount point's name, in order), `,` between; a hierarchy without one is left out.
fn write_cgroup_paths(out: &mut String, id: u64) {
    let mounts = crate::kernel::read_text("/proc/mounts").unwrap_or_default();
    let mut separator = "";
    // Each pass takes the least name after the last pass's: the unified hierarchy's, empty
    // here, first (no sort of a list of them linked for this).
    let mut last = None;
    loop {
        let mut least: Option<(&str, &str)> = None;
        for line in crate::words::lines(&mounts) {
            let mut fields = [""; 3];
            crate::words::fields(line, &mut fields);
            let [_, mount_point, kind] = fields;
            let base = crate::words::rfind_byte(mount_point, b'/').map_or(0, |slash| slash + 1);
            let name = match kind {
                "cgroup2" => "",
                "cgroup" => &mount_point[base..],
                _ => continue,
            };
            if last.map_or(true, |last| name > last)
                && least.map_or(true, |(least, _)| name < least)
            {
                least = Some((name, mount_point));
            }
        }
        let Some((name, mount_point)) = least else {
            return;
        };
        last = Some(name);
        let mut path = mount_point.to_string();
        if inode(&path) == Some(id) || find_inode(&mut path, id) {
            let name = if name.is_empty() { "unified" } else { name };
            let below = &path[mount_point.len()..];
            let below = if below.is_empty() { "/" } else { below };
            write!(out, "{separator}{name}:{below}").ok();
            separator = ",";
        }
    }
}

fn inode(path: &str) -> Option<u64> {
    crate::kernel::status(path, true).map(|status| status.inode)
}

/// Extends `path`, a directory, to the first entry below it, depth first in the order the kernel
/// lists them, whose inode number is `id`; any entry, as bpftrace's walk matches.
fn find_inode(path: &mut String, id: u64) -> bool {
    let Ok(entries) = crate::kernel::list_directory(path) else {
        return false;
    };
    let length = path.len();
    for (name, is_directory) in entries {
        path.push('/');
        path.push_str(&String::from_utf8_lossy(&name));
        if inode(path) == Some(id) || is_directory && find_inode(path, id) {
            return true;
        }
        path.truncate(length);
    }
    false
}

/// Function names for user-space addresses: a process's mappings (read while it lives), then
/// the ELF symbols of the mapped file. Both are read once and kept (in lists: a trace sees a
/// handful of processes and files, and a hash map of each costs the binary more).
#[derive(Default)]
pub(super) struct UserSymbols {
    processes: std::cell::RefCell<Vec<(u32, Vec<Mapping>)>>,
    files: std::cell::RefCell<Vec<(String, Option<ElfFile>)>>,
}

/// The value kept under the key `is_key` finds, made by `make` the first time.
fn cached<K, V>(
    list: &mut Vec<(K, V)>,
    is_key: impl Fn(&K) -> bool,
    make: impl FnOnce() -> (K, V),
) -> &V {
    let index = match list.iter().position(|(key, _)| is_key(key)) {
        Some(index) => index,
        None => {
            list.push(make());
            list.len() - 1
        }
    };
    &list[index].1
}

impl UserSymbols {
    /// `function+offset`, or `<address>` when the process or its file cannot be read; `full`
    /// (bpftrace's): `function+offset` even at offset 0, or `0xaddress`; `perf` then adds
    /// `(path)`, or `([unknown])`.
    fn write_address(&self, out: &mut String, pid: u32, address: u64, full: bool, perf: bool) {
        let mut processes = self.processes.borrow_mut();
        let mappings = cached(
            &mut processes,
            |&known| known == pid,
            || (pid, memory_map::read(Some(pid)).unwrap_or_default()),
        );
        if let Some((path, offset)) = memory_map::file_offset(mappings, address) {
            let mut files = self.files.borrow_mut();
            let elf = cached(
                &mut files,
                |known| known == path,
                || (path.to_string(), ElfFile::read(path).ok()),
            );
            let found = elf
                .as_ref()
                .and_then(|elf| elf.function_at_file_offset(offset));
            if let Some((function, into)) = found {
                write_symbol(out, &function.name, into, full);
                if perf {
                    write!(out, " ({path})").ok();
                }
                return;
            }
        }
        write_unknown(out, address, full);
        if perf {
            out.push_str(" ([unknown])");
        }
    }
}
