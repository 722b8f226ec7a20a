//! kernel::bpf::map: BPF maps — creation, element and batch operations, per-CPU values.

use super::*;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum MapType {
    Hash = 1,
    Array = 2,
    /// Programs by index, for tail calls (provider::syscalls).
    ProgArray = 3,
    PerfEventArray = 4,
    PercpuHash = 5,
    PercpuArray = 6,
    StackTrace = 7,
    Ringbuf = 27,
    /// A ring user space writes (6.1): only made to probe the kernel (kernel::features).
    UserRingbuf = 31,
    /// Memory shared by programs and user space (6.9); made by `BpfMap::create_arena`.
    Arena = 33,
}

impl MapType {
    pub fn is_per_cpu(self) -> bool {
        matches!(self, MapType::PercpuHash | MapType::PercpuArray)
    }
}

/// The variant's name, as a derived Debug writes it (`create PercpuHash map ...`), from one
/// string of names rather than a derive's table of them.
impl std::fmt::Debug for MapType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const NAMES: &str =
            "Hash Array ProgArray PerfEventArray PercpuHash PercpuArray StackTrace Ringbuf Arena";
        let index = match self {
            MapType::Ringbuf => 7,
            MapType::Arena => 8,
            other => *other as usize - 1,
        };
        f.write_str(crate::words::nth_word(NAMES, index).unwrap_or_default())
    }
}

/// `BPF_ANY`/`BPF_NOEXIST`/`BPF_EXIST`: whether an update may create or replace a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Update {
    Any = 0,
    NoExist = 1,
    Exist = 2,
}

/// What a map is: everything `BpfMap::create` needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapSpec {
    pub kind: MapType,
    /// Shown by `bpftool map`; sanitised to the kernel's alphabet and 15 bytes.
    pub name: String,
    pub key_size: u32,
    pub value_size: u32,
    pub max_entries: u32,
    /// BPF_F_* map flags, e.g. BPF_F_NO_PREALLOC (1).
    pub flags: u32,
}

#[repr(C)]
#[derive(Default)]
pub(super) struct MapCreateAttr {
    pub(super) map_type: u32,
    pub(super) key_size: u32,
    pub(super) value_size: u32,
    pub(super) max_entries: u32,
    pub(super) map_flags: u32,
    pub(super) inner_map_fd: u32,
    pub(super) numa_node: u32,
    pub(super) map_name: [u8; OBJECT_NAME_LENGTH],
    pub(super) map_ifindex: u32,
    pub(super) btf_fd: u32,
    pub(super) btf_key_type_id: u32,
    pub(super) btf_value_type_id: u32,
    pub(super) btf_vmlinux_value_type_id: u32,
    /// An arena's user address (5.16 added the field, for bloom filters first).
    pub(super) map_extra: u64,
}

#[repr(C)]
#[derive(Default)]
pub(super) struct ElementAttr {
    pub(super) map_fd: u32,
    pub(super) _pad: u32,
    pub(super) key: u64,
    /// `value`, or `next_key` for MAP_GET_NEXT_KEY.
    pub(super) value: u64,
    pub(super) flags: u64,
}

#[repr(C)]
#[derive(Default)]
pub(super) struct BatchAttr {
    pub(super) in_batch: u64,
    pub(super) out_batch: u64,
    pub(super) keys: u64,
    pub(super) values: u64,
    pub(super) count: u32,
    pub(super) map_fd: u32,
    pub(super) elem_flags: u64,
    pub(super) flags: u64,
}

/// Map entries as read back, in two flat buffers: every key, then every entry's values as a
/// lookup fills them (per-CPU maps give one value per possible CPU, each padded to 8 bytes;
/// others one value).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entries {
    // u32s: the value is returned and moved, and smaller moves cost less code.
    key_size: u32,
    /// Bytes of one value.
    value_size: u32,
    /// Bytes from one CPU's value to the next.
    stride: u32,
    /// Values per entry: possible CPUs for per-CPU maps, else 1.
    copies: u32,
    keys: Vec<u8>,
    values: Vec<u8>,
}

impl Entries {
    /// Entries of `key_size`-byte keys and `value_size`-byte values, `copies` of them per key
    /// (`stride` apart), none yet.
    pub fn new(key_size: u32, value_size: u32, stride: u32, copies: u32) -> Entries {
        Entries {
            key_size,
            value_size,
            stride,
            copies,
            ..Entries::default()
        }
    }

    /// Adds an entry: its key and its values as a lookup fills them.
    pub fn push(&mut self, key: &[u8], values: &[u8]) {
        self.keys.extend_from_slice(key);
        self.values.extend_from_slice(values);
    }

    pub fn len(&self) -> usize {
        self.keys
            .len()
            .checked_div(self.key_size as usize)
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn key(&self, index: usize) -> &[u8] {
        let size = self.key_size as usize;
        &self.keys[index * size..][..size]
    }

    /// The values of entry `index`, one per copy (CPU); none past the last entry.
    pub fn values(&self, index: usize) -> impl Iterator<Item = &[u8]> {
        let size = (self.stride * self.copies) as usize;
        let all = self
            .values
            .get(index * size..(index + 1) * size)
            .unwrap_or_default();
        let value_size = self.value_size as usize;
        all.chunks(self.stride.max(1) as usize)
            .map(move |value| &value[..value_size])
    }

    pub fn value_size(&self) -> usize {
        self.value_size as usize
    }
}

/// A created BPF map (its fd), closed on drop.
#[derive(Debug)]
pub struct BpfMap {
    fd: OwnedFd,
    spec: MapSpec,
    /// Number of values a lookup returns: possible CPUs for per-CPU maps, else 1.
    copies: usize,
}

impl BpfMap {
    pub fn create(spec: &MapSpec) -> Result<BpfMap, KernelError> {
        BpfMap::create_with_extra(spec, 0)
    }

    /// An arena of `pages` pages that user space would map at `user_address` (page-aligned,
    /// not crossing a 4 GiB boundary): the verifier wants that address before a program that
    /// uses the arena loads.
    pub fn create_arena(name: &str, pages: u32, user_address: u64) -> Result<BpfMap, KernelError> {
        const BPF_F_MMAPABLE: u32 = 1 << 10;
        let spec = MapSpec {
            kind: MapType::Arena,
            name: name.into(),
            key_size: 0,
            value_size: 0,
            max_entries: pages,
            flags: BPF_F_MMAPABLE,
        };
        BpfMap::create_with_extra(&spec, user_address)
    }

    fn create_with_extra(spec: &MapSpec, map_extra: u64) -> Result<BpfMap, KernelError> {
        let action = || format!("create {:?} map `{}`", spec.kind, spec.name);
        let copies = if spec.kind.is_per_cpu() {
            possible_cpu_count()?
        } else {
            1
        };
        let mut attr = MapCreateAttr {
            map_type: spec.kind as u32,
            key_size: spec.key_size,
            value_size: spec.value_size,
            max_entries: spec.max_entries,
            map_flags: spec.flags,
            map_name: object_name(&spec.name),
            map_extra,
            ..MapCreateAttr::default()
        };
        let fd = match bpf_fd(MAP_CREATE, &mut attr) {
            // Kernels before 4.15 know no names and refuse the non-zero bytes they don't know.
            Err(libc::E2BIG | libc::EINVAL) if attr.map_name[0] != 0 => {
                attr.map_name = [0; OBJECT_NAME_LENGTH];
                bpf_fd(MAP_CREATE, &mut attr)
            }
            other => other,
        }
        .map_err(|errno| match spec.kind {
            // The one limit a script sets here: a stack's frames (`kstack(N)`).
            MapType::StackTrace if errno == libc::EINVAL => KernelError::message(
                action(),
                "more frames than kernel.perf_event_max_stack allows",
            ),
            _ => KernelError::errno(action(), errno),
        })?;
        Ok(BpfMap {
            fd,
            spec: spec.clone(),
            copies,
        })
    }

    pub fn spec(&self) -> &MapSpec {
        &self.spec
    }

    /// The fd, for `Imm64::MapFd` in a program that uses this map.
    pub fn raw_fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }

    /// The kernel's id of this map (as `bpftool map` lists it).
    pub fn id(&self) -> Result<u32, KernelError> {
        // The head of `struct bpf_map_info`; the kernel fills only what `info_len` covers.
        #[repr(C)]
        #[derive(Default)]
        struct MapInfoHead {
            kind: u32,
            id: u32,
        }
        let mut head = MapInfoHead::default();
        let mut attr = InfoAttr {
            bpf_fd: self.fd.as_raw_fd() as u32,
            info_len: size_of::<MapInfoHead>() as u32,
            info: (&mut head as *mut MapInfoHead) as u64,
        };
        bpf(OBJ_GET_INFO_BY_FD, &mut attr)
            .map_err(|errno| self.failed("read the info of", errno))?;
        Ok(head.id)
    }

    /// Bytes a lookup fills: per-CPU values are each padded to 8 bytes.
    fn lookup_size(&self) -> usize {
        if self.spec.kind.is_per_cpu() {
            stride(self.spec.value_size) * self.copies
        } else {
            self.spec.value_size as usize
        }
    }

    /// "ACTION map `NAME`": what failed, for an error; one place formats it for every action.
    fn action(&self, action: &str) -> String {
        format!("{action} map `{}`", self.spec.name)
    }

    /// The error of a failed command on this map.
    fn failed(&self, action: &str, errno: i32) -> KernelError {
        KernelError::errno(self.action(action), errno)
    }

    fn check_key(&self, key: &[u8], action: &str) -> Result<(), KernelError> {
        let size = self.spec.key_size as usize;
        if key.len() != size {
            return Err(self.wrong_size(action, "key", key.len(), size));
        }
        Ok(())
    }

    /// "WHAT is N bytes, the map's are M": a key or value of the wrong size for `action`.
    fn wrong_size(&self, action: &str, what: &str, size: usize, expected: usize) -> KernelError {
        KernelError::message(
            self.action(action),
            format!("{what} is {size} bytes, the map's are {expected}"),
        )
    }

    fn element(&self, key: &[u8], value: u64, flags: u64) -> ElementAttr {
        ElementAttr {
            map_fd: self.fd.as_raw_fd() as u32,
            key: if key.is_empty() { 0 } else { address(key) },
            value,
            flags,
            ..ElementAttr::default()
        }
    }

    /// Fills `value` (exactly the lookup size) with the value at `key`; false when absent.
    fn lookup_raw(&self, key: &[u8], value: &mut [u8]) -> Result<bool, KernelError> {
        self.check_key(key, "look up a key in")?;
        let mut attr = self.element(key, value.as_mut_ptr() as u64, 0);
        match bpf(MAP_LOOKUP_ELEM, &mut attr) {
            Ok(_) => Ok(true),
            Err(libc::ENOENT) => Ok(false),
            Err(errno) => Err(self.failed("look up a key in", errno)),
        }
    }

    /// The value at `key` (for per-CPU maps, all CPUs' values back to back, each padded to 8
    /// bytes; `lookup_entry` splits them).
    pub fn lookup(&self, key: &[u8]) -> Result<Option<Vec<u8>>, KernelError> {
        let mut value = vec![0u8; self.lookup_size()];
        Ok(self.lookup_raw(key, &mut value)?.then_some(value))
    }

    /// The entry at `key` (none when absent): one value per possible CPU for per-CPU maps.
    pub fn lookup_entry(&self, key: &[u8]) -> Result<Entries, KernelError> {
        let mut entries = self.no_entries();
        if let Some(values) = self.lookup(key)? {
            entries.push(key, &values);
        }
        Ok(entries)
    }

    /// Room for this map's entries, none yet.
    fn no_entries(&self) -> Entries {
        let size = self.spec.value_size;
        let stride = if self.spec.kind.is_per_cpu() {
            stride(size) as u32
        } else {
            size
        };
        Entries::new(self.spec.key_size, size, stride, self.copies as u32)
    }

    /// Stores `value` at `key`. For per-CPU maps `value` is either one value for every CPU or
    /// all CPUs' values padded to 8 bytes each.
    pub fn update(&self, key: &[u8], value: &[u8], mode: Update) -> Result<(), KernelError> {
        let action = "update a key in";
        self.check_key(key, action)?;
        let size = self.spec.value_size as usize;
        let full;
        let value = if self.spec.kind.is_per_cpu() && value.len() == size {
            let mut copies = vec![0u8; self.lookup_size()];
            for chunk in copies.chunks_mut(stride(self.spec.value_size)) {
                chunk[..size].copy_from_slice(value);
            }
            full = copies;
            &full[..]
        } else {
            value
        };
        if value.len() != self.lookup_size() {
            return Err(self.wrong_size(action, "value", value.len(), self.lookup_size()));
        }
        let mut attr = self.element(key, address(value), mode as u64);
        bpf(MAP_UPDATE_ELEM, &mut attr).map_err(|errno| self.failed(action, errno))?;
        Ok(())
    }

    /// Removes `key`; false when it was not there.
    pub fn delete(&self, key: &[u8]) -> Result<bool, KernelError> {
        self.check_key(key, "delete a key in")?;
        let mut attr = self.element(key, 0, 0);
        match bpf(MAP_DELETE_ELEM, &mut attr) {
            Ok(_) => Ok(true),
            Err(libc::ENOENT) => Ok(false),
            Err(errno) => Err(self.failed("delete a key in", errno)),
        }
    }

    /// The key after `key` in the map's order, the first key for None; None at the end.
    pub fn next_key(&self, key: Option<&[u8]>) -> Result<Option<Vec<u8>>, KernelError> {
        if let Some(key) = key {
            self.check_key(key, "iterate in")?;
        }
        let mut next = vec![0u8; self.spec.key_size as usize];
        let mut attr = self.element(key.unwrap_or(&[]), next.as_mut_ptr() as u64, 0);
        match bpf(MAP_GET_NEXT_KEY, &mut attr) {
            Ok(_) => Ok(Some(next)),
            Err(libc::ENOENT) => Ok(None),
            Err(errno) => Err(self.failed("iterate", errno)),
        }
    }

    /// Every entry: by batch lookup where the kernel has it (5.6+), else key by key.
    pub fn entries(&self) -> Result<Entries, KernelError> {
        match self.entries_batched()? {
            Some(entries) => Ok(entries),
            None => self.entries_one_by_one(),
        }
    }

    /// Entries key by key with MAP_GET_NEXT_KEY; a key deleted between the two calls is skipped.
    /// Bounded by the map's capacity: a key deleted under the walk sends the kernel back to the
    /// first key, and a map that probes keep writing must not keep the walk going forever.
    pub fn entries_one_by_one(&self) -> Result<Entries, KernelError> {
        self.walk(false)
    }

    /// Every entry, each deleted after it is read, key by key: where there is no batch to
    /// read and empty the map at once (see `entries_one_by_one` and `take_batched`).
    pub fn take_one_by_one(&self) -> Result<Entries, KernelError> {
        self.walk(true)
    }

    fn walk(&self, delete: bool) -> Result<Entries, KernelError> {
        let mut entries = self.no_entries();
        let size = self.lookup_size();
        for key in self.keys()? {
            // Read in place at the end of the values; taken back when the key is gone.
            let end = entries.values.len();
            entries.values.resize(end + size, 0);
            let found = self.lookup_raw(&key, &mut entries.values[end..])?;
            if delete {
                self.delete(&key)?;
            }
            if found {
                entries.keys.extend_from_slice(&key);
            } else {
                entries.values.truncate(end);
            }
        }
        Ok(entries)
    }

    /// The keys there are now, at most `max_entries` of them (see `entries_one_by_one`).
    pub fn keys(&self) -> Result<Vec<Vec<u8>>, KernelError> {
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let mut key = self.next_key(None)?;
        while let Some(current) = key {
            if keys.len() >= self.spec.max_entries as usize {
                break;
            }
            key = self.next_key(Some(&current))?;
            keys.push(current);
        }
        Ok(keys)
    }

    /// Entries by MAP_LOOKUP_BATCH; None when this kernel or map type has no batch lookup.
    pub fn entries_batched(&self) -> Result<Option<Entries>, KernelError> {
        self.batch(MAP_LOOKUP_BATCH, "read")
    }

    /// Every entry, each deleted as it is read (MAP_LOOKUP_AND_DELETE_BATCH, 5.6+, hash maps):
    /// one pass over the buckets, each read and emptied under its lock, so a count a probe adds
    /// is either in what is returned or in the map afterwards, never lost between a read and a
    /// delete. None when this kernel or map type has no such batch.
    pub fn take_batched(&self) -> Result<Option<Entries>, KernelError> {
        self.batch(MAP_LOOKUP_AND_DELETE_BATCH, "read and empty")
    }

    /// A batch command over the whole map, in chunks; one pass: the kernel's cursor only moves
    /// forward, so the loop ends however busy the map is.
    fn batch(&self, command: u32, verb: &str) -> Result<Option<Entries>, KernelError> {
        let mut chunk = self.spec.max_entries.clamp(1, 256) as usize;
        let key_size = self.spec.key_size as usize;
        let value_size = self.lookup_size();
        let mut keys = vec![0u8; key_size * chunk];
        let mut values = vec![0u8; value_size * chunk];
        // The batch token is the map's business: a bucket index for hashes, a key for arrays.
        let mut token_in = vec![0u8; key_size.max(8)];
        let mut token_out = vec![0u8; key_size.max(8)];
        let mut entries = self.no_entries();
        let mut first = true;
        loop {
            let mut attr = BatchAttr {
                in_batch: if first { 0 } else { address(&token_in) },
                out_batch: token_out.as_mut_ptr() as u64,
                keys: keys.as_mut_ptr() as u64,
                values: values.as_mut_ptr() as u64,
                count: chunk as u32,
                map_fd: self.fd.as_raw_fd() as u32,
                ..BatchAttr::default()
            };
            let finished = match bpf(command, &mut attr) {
                Ok(_) => false,
                Err(libc::ENOENT) => true,
                Err(libc::EINVAL | libc::EOPNOTSUPP | ENOTSUPP) if first => return Ok(None),
                // One bucket holds more keys than the chunk: nothing was taken, ask again with room.
                Err(libc::ENOSPC) if chunk < self.spec.max_entries as usize => {
                    chunk *= 2;
                    keys.resize(key_size * chunk, 0);
                    values.resize(value_size * chunk, 0);
                    continue;
                }
                Err(errno) => return Err(self.failed(verb, errno)),
            };
            let count = attr.count as usize;
            entries.push(&keys[..key_size * count], &values[..value_size * count]);
            if finished {
                return Ok(Some(entries));
            }
            std::mem::swap(&mut token_in, &mut token_out);
            first = false;
        }
    }
}

impl AsFd for BpfMap {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Per-CPU values are laid out 8-byte aligned.
pub(super) fn stride(value_size: u32) -> usize {
    (value_size as usize).next_multiple_of(8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::bpf::ProgramType;

    #[test]
    fn types_are_named_as_their_variants() {
        let maps = [
            (MapType::Hash, "Hash"),
            (MapType::Array, "Array"),
            (MapType::ProgArray, "ProgArray"),
            (MapType::PerfEventArray, "PerfEventArray"),
            (MapType::PercpuHash, "PercpuHash"),
            (MapType::PercpuArray, "PercpuArray"),
            (MapType::StackTrace, "StackTrace"),
            (MapType::Ringbuf, "Ringbuf"),
            (MapType::Arena, "Arena"),
        ];
        for (kind, name) in maps {
            assert_eq!(format!("{kind:?}"), name);
        }
        let programs = [
            (ProgramType::SocketFilter, "SocketFilter"),
            (ProgramType::Kprobe, "Kprobe"),
            (ProgramType::Tracepoint, "Tracepoint"),
            (ProgramType::PerfEvent, "PerfEvent"),
            (ProgramType::RawTracepoint, "RawTracepoint"),
            (ProgramType::Tracing, "Tracing"),
        ];
        for (kind, name) in programs {
            assert_eq!(format!("{kind:?}"), name);
        }
    }
}
