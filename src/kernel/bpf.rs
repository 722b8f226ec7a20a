//! kernel::bpf: the bpf(2) system call — maps and programs as owned fds, loaded from bytes and
//! specs that the compiler produced; the verifier log only when a load is rejected.

use std::mem::size_of;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use crate::kernel::cpu::possible_cpus;
use crate::kernel::error::{last_errno, KernelError};

// bpf(2) commands (enum bpf_cmd in the uapi bpf.h).
const MAP_CREATE: u32 = 0;
const MAP_LOOKUP_ELEM: u32 = 1;
const MAP_UPDATE_ELEM: u32 = 2;
const MAP_DELETE_ELEM: u32 = 3;
const MAP_GET_NEXT_KEY: u32 = 4;
const PROG_LOAD: u32 = 5;
const PROG_TEST_RUN: u32 = 10;
const PROG_GET_NEXT_ID: u32 = 11;
const MAP_GET_NEXT_ID: u32 = 12;
const OBJ_GET_INFO_BY_FD: u32 = 15;
const MAP_LOOKUP_BATCH: u32 = 24;
const MAP_LOOKUP_AND_DELETE_BATCH: u32 = 25;
const LINK_CREATE: u32 = 28;

/// The kernel's name limit for maps and programs, with the NUL.
const OBJECT_NAME_LENGTH: usize = 16;

/// ENOTSUPP, the kernel-internal "not supported" that leaks out of bpf(2) (not in libc).
pub(crate) const ENOTSUPP: i32 = 524;

/// Calls bpf(2) with `attr`, whose size the kernel reads from the struct itself; attribute
/// structs here cover only the fields tine sets, which the kernel accepts (it zero-fills the rest).
fn bpf<T>(command: u32, attr: &mut T) -> Result<i64, i32> {
    // SAFETY: `attr` is a live, fully initialised #[repr(C)] attribute struct of the layout the
    // command expects, and the pointers inside it point to buffers that outlive the call.
    let result = unsafe {
        libc::syscall(
            libc::SYS_bpf,
            command as libc::c_long,
            (attr as *mut T).cast::<libc::c_void>(),
            size_of::<T>() as libc::c_long,
        )
    };
    if result < 0 {
        Err(last_errno())
    } else {
        Ok(result as i64)
    }
}

/// bpf(2) for a command that returns a new fd.
fn bpf_fd<T>(command: u32, attr: &mut T) -> Result<OwnedFd, i32> {
    let fd = bpf(command, attr)?;
    // SAFETY: on success these commands return a new fd that nothing else owns.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

fn address<T>(slice: &[T]) -> u64 {
    slice.as_ptr() as u64
}

/// A name as the kernel accepts it: letters, digits, `_` and `.`, at most 15 bytes.
fn object_name(name: &str) -> [u8; OBJECT_NAME_LENGTH] {
    let mut bytes = [0u8; OBJECT_NAME_LENGTH];
    for (slot, byte) in bytes[..OBJECT_NAME_LENGTH - 1].iter_mut().zip(name.bytes()) {
        *slot = if byte.is_ascii_alphanumeric() || byte == b'.' {
            byte
        } else {
            b'_'
        };
    }
    bytes
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapType {
    Hash = 1,
    Array = 2,
    PerfEventArray = 4,
    PercpuHash = 5,
    PercpuArray = 6,
    StackTrace = 7,
    Ringbuf = 27,
    /// Memory shared by programs and user space (6.9); made by `Map::create_arena`.
    Arena = 33,
}

impl MapType {
    pub fn is_per_cpu(self) -> bool {
        matches!(self, MapType::PercpuHash | MapType::PercpuArray)
    }
}

/// `BPF_ANY`/`BPF_NOEXIST`/`BPF_EXIST`: whether an update may create or replace a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Update {
    Any = 0,
    NoExist = 1,
    Exist = 2,
}

/// What a map is: everything `Map::create` needs.
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
struct MapCreateAttr {
    map_type: u32,
    key_size: u32,
    value_size: u32,
    max_entries: u32,
    map_flags: u32,
    inner_map_fd: u32,
    numa_node: u32,
    map_name: [u8; OBJECT_NAME_LENGTH],
    map_ifindex: u32,
    btf_fd: u32,
    btf_key_type_id: u32,
    btf_value_type_id: u32,
    btf_vmlinux_value_type_id: u32,
    /// An arena's user address (5.16 added the field, for bloom filters first).
    map_extra: u64,
}

#[repr(C)]
#[derive(Default)]
struct ElementAttr {
    map_fd: u32,
    _pad: u32,
    key: u64,
    /// `value`, or `next_key` for MAP_GET_NEXT_KEY.
    value: u64,
    flags: u64,
}

#[repr(C)]
#[derive(Default)]
struct BatchAttr {
    in_batch: u64,
    out_batch: u64,
    keys: u64,
    values: u64,
    count: u32,
    map_fd: u32,
    elem_flags: u64,
    flags: u64,
}

/// One map entry as read back: per-CPU maps give one value per possible CPU, others one value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: Vec<u8>,
    pub values: Vec<Vec<u8>>,
}

/// A BPF map, closed on drop.
#[derive(Debug)]
pub struct Map {
    fd: OwnedFd,
    spec: MapSpec,
    /// Number of values a lookup returns: possible CPUs for per-CPU maps, else 1.
    copies: usize,
}

impl Map {
    pub fn create(spec: &MapSpec) -> Result<Map, KernelError> {
        Map::create_with_extra(spec, 0)
    }

    /// An arena of `pages` pages that user space would map at `user_address` (page-aligned,
    /// not crossing a 4 GiB boundary): the verifier wants that address before a program that
    /// uses the arena loads.
    pub fn create_arena(name: &str, pages: u32, user_address: u64) -> Result<Map, KernelError> {
        const BPF_F_MMAPABLE: u32 = 1 << 10;
        let spec = MapSpec {
            kind: MapType::Arena,
            name: name.into(),
            key_size: 0,
            value_size: 0,
            max_entries: pages,
            flags: BPF_F_MMAPABLE,
        };
        Map::create_with_extra(&spec, user_address)
    }

    fn create_with_extra(spec: &MapSpec, map_extra: u64) -> Result<Map, KernelError> {
        let action = || format!("create {:?} map `{}`", spec.kind, spec.name);
        let copies = if spec.kind.is_per_cpu() {
            possible_cpus()?.len()
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
        .map_err(|errno| KernelError::errno(action(), errno))?;
        Ok(Map {
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
        bpf(OBJ_GET_INFO_BY_FD, &mut attr).map_err(|errno| {
            KernelError::errno(format!("read the info of map `{}`", self.spec.name), errno)
        })?;
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

    fn check_key(&self, key: &[u8], action: &str) -> Result<(), KernelError> {
        if key.len() != self.spec.key_size as usize {
            return Err(KernelError::message(
                format!("{action} in map `{}`", self.spec.name),
                format!(
                    "key is {} bytes, the map's are {}",
                    key.len(),
                    self.spec.key_size
                ),
            ));
        }
        Ok(())
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
        self.check_key(key, "look up a key")?;
        let mut attr = self.element(key, value.as_mut_ptr() as u64, 0);
        match bpf(MAP_LOOKUP_ELEM, &mut attr) {
            Ok(_) => Ok(true),
            Err(libc::ENOENT) => Ok(false),
            Err(errno) => Err(KernelError::errno(
                format!("look up a key in map `{}`", self.spec.name),
                errno,
            )),
        }
    }

    /// The value at `key` (for per-CPU maps, all CPUs' values back to back, each padded to 8
    /// bytes; `lookup_per_cpu` splits them).
    pub fn lookup(&self, key: &[u8]) -> Result<Option<Vec<u8>>, KernelError> {
        let mut value = vec![0u8; self.lookup_size()];
        Ok(self.lookup_raw(key, &mut value)?.then_some(value))
    }

    /// One value per possible CPU, each `value_size` bytes.
    pub fn lookup_per_cpu(&self, key: &[u8]) -> Result<Option<Vec<Vec<u8>>>, KernelError> {
        Ok(self.lookup(key)?.map(|bytes| self.split(&bytes)))
    }

    fn split(&self, bytes: &[u8]) -> Vec<Vec<u8>> {
        let size = self.spec.value_size as usize;
        if !self.spec.kind.is_per_cpu() {
            return vec![bytes[..size].to_vec()];
        }
        bytes
            .chunks(stride(self.spec.value_size))
            .map(|chunk| chunk[..size].to_vec())
            .collect()
    }

    /// Stores `value` at `key`. For per-CPU maps `value` is either one value for every CPU or
    /// all CPUs' values padded to 8 bytes each.
    pub fn update(&self, key: &[u8], value: &[u8], mode: Update) -> Result<(), KernelError> {
        self.check_key(key, "update a key")?;
        let action = || format!("update a key in map `{}`", self.spec.name);
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
            return Err(KernelError::message(
                action(),
                format!(
                    "value is {} bytes, the map's are {}",
                    value.len(),
                    self.lookup_size()
                ),
            ));
        }
        let mut attr = self.element(key, address(value), mode as u64);
        bpf(MAP_UPDATE_ELEM, &mut attr).map_err(|errno| KernelError::errno(action(), errno))?;
        Ok(())
    }

    /// Removes `key`; false when it was not there.
    pub fn delete(&self, key: &[u8]) -> Result<bool, KernelError> {
        self.check_key(key, "delete a key")?;
        let mut attr = self.element(key, 0, 0);
        match bpf(MAP_DELETE_ELEM, &mut attr) {
            Ok(_) => Ok(true),
            Err(libc::ENOENT) => Ok(false),
            Err(errno) => Err(KernelError::errno(
                format!("delete a key in map `{}`", self.spec.name),
                errno,
            )),
        }
    }

    /// The key after `key` in the map's order, the first key for None; None at the end.
    pub fn next_key(&self, key: Option<&[u8]>) -> Result<Option<Vec<u8>>, KernelError> {
        if let Some(key) = key {
            self.check_key(key, "iterate")?;
        }
        let mut next = vec![0u8; self.spec.key_size as usize];
        let mut attr = self.element(key.unwrap_or(&[]), next.as_mut_ptr() as u64, 0);
        match bpf(MAP_GET_NEXT_KEY, &mut attr) {
            Ok(_) => Ok(Some(next)),
            Err(libc::ENOENT) => Ok(None),
            Err(errno) => Err(KernelError::errno(
                format!("iterate map `{}`", self.spec.name),
                errno,
            )),
        }
    }

    /// Every entry: by batch lookup where the kernel has it (5.6+), else key by key.
    pub fn entries(&self) -> Result<Vec<Entry>, KernelError> {
        match self.entries_batched()? {
            Some(entries) => Ok(entries),
            None => self.entries_one_by_one(),
        }
    }

    /// Entries key by key with MAP_GET_NEXT_KEY; a key deleted between the two calls is skipped.
    /// Bounded by the map's capacity: a key deleted under the walk sends the kernel back to the
    /// first key, and a map that probes keep writing must not keep the walk going forever.
    pub fn entries_one_by_one(&self) -> Result<Vec<Entry>, KernelError> {
        let mut entries = Vec::new();
        let mut value = vec![0u8; self.lookup_size()];
        for key in self.keys()? {
            if self.lookup_raw(&key, &mut value)? {
                entries.push(Entry {
                    key,
                    values: self.split(&value),
                });
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
    pub fn entries_batched(&self) -> Result<Option<Vec<Entry>>, KernelError> {
        self.batch(MAP_LOOKUP_BATCH, "read")
    }

    /// Every entry, each deleted as it is read (MAP_LOOKUP_AND_DELETE_BATCH, 5.6+, hash maps):
    /// one pass over the buckets, each read and emptied under its lock, so a count a probe adds
    /// is either in what is returned or in the map afterwards, never lost between a read and a
    /// delete. None when this kernel or map type has no such batch.
    pub fn take_batched(&self) -> Result<Option<Vec<Entry>>, KernelError> {
        self.batch(MAP_LOOKUP_AND_DELETE_BATCH, "read and empty")
    }

    /// A batch command over the whole map, in chunks; one pass: the kernel's cursor only moves
    /// forward, so the loop ends however busy the map is.
    fn batch(&self, command: u32, verb: &str) -> Result<Option<Vec<Entry>>, KernelError> {
        let mut chunk = self.spec.max_entries.clamp(1, 256) as usize;
        let key_size = self.spec.key_size as usize;
        let value_size = self.lookup_size();
        let mut keys = vec![0u8; key_size * chunk];
        let mut values = vec![0u8; value_size * chunk];
        // The batch token is the map's business: a bucket index for hashes, a key for arrays.
        let mut token_in = vec![0u8; key_size.max(8)];
        let mut token_out = vec![0u8; key_size.max(8)];
        let mut entries = Vec::new();
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
                Err(errno) => {
                    return Err(KernelError::errno(
                        format!("{verb} map `{}`", self.spec.name),
                        errno,
                    ))
                }
            };
            for index in 0..attr.count as usize {
                entries.push(Entry {
                    key: keys[index * key_size..][..key_size].to_vec(),
                    values: self.split(&values[index * value_size..][..value_size]),
                });
            }
            if finished {
                return Ok(Some(entries));
            }
            std::mem::swap(&mut token_in, &mut token_out);
            first = false;
        }
    }
}

impl AsFd for Map {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Per-CPU values are laid out 8-byte aligned.
fn stride(value_size: u32) -> usize {
    (value_size as usize).next_multiple_of(8)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProgramType {
    SocketFilter = 1,
    /// kprobes and uprobes.
    Kprobe = 2,
    Tracepoint = 5,
    PerfEvent = 7,
    RawTracepoint = 17,
}

/// `enum bpf_attach_type` values a load may need to name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttachType {
    TraceKprobeMulti = 42,
}

/// What a program is: everything `Program::load` needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramSpec<'a> {
    pub kind: ProgramType,
    /// Encoded instructions in the host's byte order (`tine_asm::encode`).
    pub insns: &'a [u8],
    pub name: &'a str,
    pub expected_attach_type: Option<AttachType>,
}

#[repr(C)]
#[derive(Default)]
struct ProgramLoadAttr {
    prog_type: u32,
    insn_cnt: u32,
    insns: u64,
    license: u64,
    log_level: u32,
    log_size: u32,
    log_buf: u64,
    kern_version: u32,
    prog_flags: u32,
    prog_name: [u8; OBJECT_NAME_LENGTH],
    prog_ifindex: u32,
    expected_attach_type: u32,
}

#[repr(C)]
#[derive(Default)]
struct TestRunAttr {
    prog_fd: u32,
    retval: u32,
    data_size_in: u32,
    data_size_out: u32,
    data_in: u64,
    data_out: u64,
    repeat: u32,
    duration: u32,
    ctx_size_in: u32,
    ctx_size_out: u32,
    ctx_in: u64,
    ctx_out: u64,
    flags: u32,
    cpu: u32,
}

#[repr(C)]
#[derive(Default)]
struct InfoAttr {
    bpf_fd: u32,
    info_len: u32,
    info: u64,
}

/// The head of `struct bpf_prog_info`: the kernel fills only as much as `info_len` asks for.
#[repr(C)]
#[derive(Default)]
struct ProgramInfoHead {
    kind: u32,
    id: u32,
    tag: [u8; 8],
    jited_prog_len: u32,
    xlated_prog_len: u32,
    jited_prog_insns: u64,
    xlated_prog_insns: u64,
    load_time: u64,
    created_by_uid: u32,
    nr_map_ids: u32,
    map_ids: u64,
    name: [u8; OBJECT_NAME_LENGTH],
    /// ifindex up to run_cnt: nothing tine reads.
    _middle: [u64; 16],
    /// Runs the kernel skipped because a BPF program was already running on that CPU (5.12;
    /// older kernels leave it zero).
    recursion_misses: u64,
}

/// The outcome of BPF_PROG_TEST_RUN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TestRun {
    pub retval: u32,
    /// The kernel's mean duration of one run.
    pub nanoseconds_per_run: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramInfo {
    pub id: u32,
    pub name: String,
    pub tag: [u8; 8],
    /// The instructions as the verifier rewrote them (host byte order).
    pub xlated: Vec<u8>,
}

/// GPL: the tracing helpers (probe_read, perf_event_output, ...) are GPL-only.
const LICENSE: &[u8] = b"GPL\0";
const LOG_START: usize = 64 << 10;
const LOG_LIMIT: usize = 4 << 20;
const LOG_LEVEL_STATES: u32 = 1;

/// A loaded BPF program, unloaded when the last fd to it (ours, or an attachment's) closes.
#[derive(Debug)]
pub struct LoadedProgram {
    fd: OwnedFd,
    name: String,
}

impl LoadedProgram {
    /// Loads without a verifier log; only when the kernel refuses is the load repeated with a
    /// log (64 KiB, growing to 4 MiB while it does not fit), whose text the error carries.
    pub fn load(spec: &ProgramSpec) -> Result<LoadedProgram, KernelError> {
        match LoadedProgram::load_once(spec, 0, &mut []) {
            Ok(program) => Ok(program),
            Err(errno) => Err(LoadedProgram::explain_rejection(spec, errno)),
        }
    }

    /// Loads with the verifier log at `level` (1: rejection details, 2: every instruction with
    /// its register state) and returns the log too; for `-S`-style output and tests.
    pub fn load_logged(
        spec: &ProgramSpec,
        level: u32,
    ) -> Result<(LoadedProgram, String), KernelError> {
        let mut size = LOG_START;
        loop {
            let mut log = vec![0u8; size];
            match LoadedProgram::load_once(spec, level, &mut log) {
                Ok(program) => return Ok((program, log_text(&log))),
                Err(libc::ENOSPC) if size < LOG_LIMIT => size *= 4,
                Err(errno) => {
                    let mut error = KernelError::errno(spec_action(spec), errno);
                    error.verifier_log = log_text(&log);
                    return Err(error);
                }
            }
        }
    }

    fn explain_rejection(spec: &ProgramSpec, errno: i32) -> KernelError {
        let mut error = KernelError::errno(spec_action(spec), errno);
        let mut size = LOG_START;
        loop {
            let mut log = vec![0u8; size];
            match LoadedProgram::load_once(spec, LOG_LEVEL_STATES, &mut log) {
                // Loading with a log should not change the verdict; if it does, keep the first.
                Ok(_) => return error,
                Err(libc::ENOSPC) if size < LOG_LIMIT => size *= 4,
                Err(_) => {
                    error.verifier_log = log_text(&log);
                    return error;
                }
            }
        }
    }

    fn load_once(spec: &ProgramSpec, log_level: u32, log: &mut [u8]) -> Result<LoadedProgram, i32> {
        const INSN_SIZE: usize = 8;
        if spec.insns.len() % INSN_SIZE != 0 {
            return Err(libc::EINVAL);
        }
        let mut attr = ProgramLoadAttr {
            prog_type: spec.kind as u32,
            insn_cnt: (spec.insns.len() / INSN_SIZE) as u32,
            insns: address(spec.insns),
            license: address(LICENSE),
            log_level,
            log_size: log.len() as u32,
            log_buf: if log.is_empty() {
                0
            } else {
                log.as_mut_ptr() as u64
            },
            // Kernels before 5.0 refuse kprobe programs whose version is not the running one.
            kern_version: if spec.kind == ProgramType::Kprobe {
                running_kernel_version()
            } else {
                0
            },
            prog_name: object_name(spec.name),
            expected_attach_type: spec.expected_attach_type.map_or(0, |kind| kind as u32),
            ..ProgramLoadAttr::default()
        };
        let fd = match bpf_fd(PROG_LOAD, &mut attr) {
            // Kernels before 4.15 know no names (see Map::create).
            Err(libc::E2BIG) if attr.prog_name[0] != 0 => {
                attr.prog_name = [0; OBJECT_NAME_LENGTH];
                bpf_fd(PROG_LOAD, &mut attr)
            }
            other => other,
        }?;
        Ok(LoadedProgram {
            fd,
            name: spec.name.to_string(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn raw_fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }

    /// Runs the program once on `data` (packet programs) or `context` (raw tracepoints) with
    /// BPF_PROG_TEST_RUN and returns its return value.
    pub fn test_run(&self, data: &[u8], context: &[u8]) -> Result<u32, KernelError> {
        Ok(self.test_run_repeated(data, context, 0)?.retval)
    }

    /// Runs the program `repeat` times in the kernel (packet programs; raw tracepoints take 0)
    /// and returns the last return value and the mean time of one run, for benchmarks.
    pub fn test_run_repeated(
        &self,
        data: &[u8],
        context: &[u8],
        repeat: u32,
    ) -> Result<TestRun, KernelError> {
        let mut attr = TestRunAttr {
            prog_fd: self.fd.as_raw_fd() as u32,
            data_size_in: data.len() as u32,
            data_in: if data.is_empty() { 0 } else { address(data) },
            ctx_size_in: context.len() as u32,
            ctx_in: if context.is_empty() {
                0
            } else {
                address(context)
            },
            repeat,
            ..TestRunAttr::default()
        };
        bpf(PROG_TEST_RUN, &mut attr).map_err(|errno| {
            KernelError::errno(format!("test-run program `{}`", self.name), errno)
        })?;
        Ok(TestRun {
            retval: attr.retval,
            nanoseconds_per_run: attr.duration,
        })
    }

    /// Runs a raw tracepoint program once on `cpu` (BPF_F_TEST_RUN_ON_CPU, 5.10), so what
    /// it writes to per-CPU maps or perf buffers lands on that CPU's copy.
    pub fn test_run_on_cpu(&self, context: &[u8], cpu: u32) -> Result<u32, KernelError> {
        const RUN_ON_CPU: u32 = 1;
        let mut attr = TestRunAttr {
            prog_fd: self.fd.as_raw_fd() as u32,
            ctx_size_in: context.len() as u32,
            ctx_in: if context.is_empty() {
                0
            } else {
                address(context)
            },
            flags: RUN_ON_CPU,
            cpu,
            ..TestRunAttr::default()
        };
        bpf(PROG_TEST_RUN, &mut attr).map_err(|errno| {
            KernelError::errno(
                format!("test-run program `{}` on CPU {cpu}", self.name),
                errno,
            )
        })?;
        Ok(attr.retval)
    }

    /// How many times the kernel skipped this program because a BPF program was already
    /// running on that CPU (`recursion_misses`); 0 where the kernel does not count them.
    pub fn recursion_misses(&self) -> Result<u64, KernelError> {
        let mut head = ProgramInfoHead::default();
        program_info(self.fd.as_raw_fd(), &mut head).map_err(|errno| {
            KernelError::errno(format!("read the info of program `{}`", self.name), errno)
        })?;
        Ok(head.recursion_misses)
    }

    /// The kernel's id, tag, name and translated instructions of this program.
    pub fn info(&self) -> Result<ProgramInfo, KernelError> {
        let action = || format!("read the info of program `{}`", self.name);
        let mut head = ProgramInfoHead::default();
        program_info(self.fd.as_raw_fd(), &mut head)
            .map_err(|e| KernelError::errno(action(), e))?;
        let mut xlated = vec![0u8; head.xlated_prog_len as usize];
        let mut second = ProgramInfoHead {
            xlated_prog_len: xlated.len() as u32,
            xlated_prog_insns: xlated.as_mut_ptr() as u64,
            ..ProgramInfoHead::default()
        };
        program_info(self.fd.as_raw_fd(), &mut second)
            .map_err(|e| KernelError::errno(action(), e))?;
        xlated.truncate(second.xlated_prog_len as usize);
        let name_end = head
            .name
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(head.name.len());
        Ok(ProgramInfo {
            id: head.id,
            name: String::from_utf8_lossy(&head.name[..name_end]).into_owned(),
            tag: head.tag,
            xlated,
        })
    }
}

impl AsFd for LoadedProgram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

fn program_info(fd: i32, head: &mut ProgramInfoHead) -> Result<(), i32> {
    let mut attr = InfoAttr {
        bpf_fd: fd as u32,
        info_len: size_of::<ProgramInfoHead>() as u32,
        info: (head as *mut ProgramInfoHead) as u64,
    };
    bpf(OBJ_GET_INFO_BY_FD, &mut attr).map(drop)
}

fn spec_action(spec: &ProgramSpec) -> String {
    format!("load {:?} program `{}`", spec.kind, spec.name)
}

/// The log's text up to its NUL.
fn log_text(log: &[u8]) -> String {
    let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
    String::from_utf8_lossy(&log[..end]).into_owned()
}

/// KERNEL_VERSION(a, b, c) of the running kernel from uname(2), as old kernels compare it with
/// a kprobe program's `kern_version` (ply sent its build-time headers' version and broke there).
pub fn running_kernel_version() -> u32 {
    // SAFETY: utsname is plain data that uname fills.
    let mut name: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `name` is a live utsname.
    if unsafe { libc::uname(&mut name) } != 0 {
        return 0;
    }
    let release: Vec<u8> = name
        .release
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    kernel_version_code(&String::from_utf8_lossy(&release))
}

/// `6.18.44-fc` -> KERNEL_VERSION(6, 18, 44); the sublevel saturates at 255 as the kernel's does.
pub fn kernel_version_code(release: &str) -> u32 {
    let mut numbers = release
        .split(|c: char| !c.is_ascii_digit())
        .map(|n| n.parse::<u32>().unwrap_or(0));
    let major = numbers.next().unwrap_or(0);
    let minor = numbers.next().unwrap_or(0);
    let sublevel = numbers.next().unwrap_or(0);
    (major << 16) | (minor.min(255) << 8) | sublevel.min(255)
}

#[repr(C)]
#[derive(Default)]
struct KprobeMultiLinkAttr {
    prog_fd: u32,
    target_fd: u32,
    attach_type: u32,
    flags: u32,
    multi_flags: u32,
    count: u32,
    symbols: u64,
    addresses: u64,
    cookies: u64,
}

/// A BPF link (an attachment made by bpf(2) rather than a perf event), detached on drop.
#[derive(Debug)]
pub struct Link {
    fd: OwnedFd,
}

impl Link {
    /// One kprobe.multi link (5.18) attaching `program` (loaded with
    /// `AttachType::TraceKprobeMulti`) to every function in `symbols` at once.
    pub fn kprobe_multi(
        program: &LoadedProgram,
        symbols: &[&str],
        retprobe: bool,
    ) -> Result<Link, KernelError> {
        const RETURN_PROBE: u32 = 1;
        let action = || {
            format!(
                "attach program `{}` to {} functions with kprobe.multi",
                program.name(),
                symbols.len()
            )
        };
        let names = symbols
            .iter()
            .map(|symbol| std::ffi::CString::new(*symbol))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| KernelError::message(action(), "NUL in a function name"))?;
        let pointers: Vec<u64> = names.iter().map(|name| name.as_ptr() as u64).collect();
        let mut attr = KprobeMultiLinkAttr {
            prog_fd: program.raw_fd() as u32,
            attach_type: AttachType::TraceKprobeMulti as u32,
            multi_flags: if retprobe { RETURN_PROBE } else { 0 },
            count: pointers.len() as u32,
            symbols: address(&pointers),
            ..KprobeMultiLinkAttr::default()
        };
        let fd =
            bpf_fd(LINK_CREATE, &mut attr).map_err(|errno| KernelError::errno(action(), errno))?;
        Ok(Link { fd })
    }
}

impl AsFd for Link {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

#[repr(C)]
#[derive(Default)]
struct NextIdAttr {
    start_id: u32,
    next_id: u32,
}

fn object_ids(command: u32, what: &str) -> Result<Vec<u32>, KernelError> {
    let mut ids = Vec::new();
    let mut attr = NextIdAttr::default();
    loop {
        match bpf(command, &mut attr) {
            Ok(_) => {
                ids.push(attr.next_id);
                attr.start_id = attr.next_id;
            }
            Err(libc::ENOENT) => return Ok(ids),
            Err(errno) => return Err(KernelError::errno(format!("list loaded {what}"), errno)),
        }
    }
}

/// Ids of every program loaded in the kernel (anyone's), ascending.
pub fn program_ids() -> Result<Vec<u32>, KernelError> {
    object_ids(PROG_GET_NEXT_ID, "programs")
}

/// Ids of every map in the kernel (anyone's), ascending.
pub fn map_ids() -> Result<Vec<u32>, KernelError> {
    object_ids(MAP_GET_NEXT_ID, "maps")
}

/// Lifts RLIMIT_MEMLOCK, which charged BPF memory before 5.11 (later kernels use memcg). A
/// refusal matters only if it stops a map from being created, so that is what decides.
pub fn raise_memlock() -> Result<(), KernelError> {
    let unlimited = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: `unlimited` is a live rlimit that setrlimit only reads.
    if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &unlimited) } == 0 {
        return Ok(());
    }
    let refused = KernelError::last("raise RLIMIT_MEMLOCK");
    let probe = MapSpec {
        kind: MapType::Array,
        name: "tine_memlock".into(),
        key_size: 4,
        value_size: 8,
        max_entries: 1,
        flags: 0,
    };
    match Map::create(&probe) {
        Ok(_) => Ok(()),
        Err(_) => Err(refused),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_the_kernels_alphabet_and_length() {
        assert_eq!(&object_name("@counts")[..8], b"_counts\0");
        assert_eq!(&object_name("a.b_c9")[..7], b"a.b_c9\0");
        let long = object_name("tracepoint:syscalls/sys_enter_read");
        assert_eq!(&long[..15], b"tracepoint_sysc");
        assert_eq!(long[15], 0);
    }

    #[test]
    fn kernel_versions_encode_like_the_macro() {
        assert_eq!(
            kernel_version_code("6.18.44-fc-v595"),
            (6 << 16) | (18 << 8) | 44
        );
        assert_eq!(kernel_version_code("4.19.300"), (4 << 16) | (19 << 8) | 255);
        assert_eq!(kernel_version_code("5.4"), (5 << 16) | (4 << 8));
        assert_ne!(running_kernel_version(), 0);
    }

    #[test]
    fn attribute_structs_have_the_uapi_offsets() {
        assert_eq!(size_of::<ElementAttr>(), 32);
        assert_eq!(size_of::<BatchAttr>(), 56);
        assert_eq!(std::mem::offset_of!(MapCreateAttr, map_name), 28);
        assert_eq!(std::mem::offset_of!(MapCreateAttr, map_extra), 64);
        assert_eq!(
            std::mem::offset_of!(ProgramLoadAttr, expected_attach_type),
            68
        );
        assert_eq!(std::mem::offset_of!(TestRunAttr, ctx_out), 56);
        assert_eq!(std::mem::offset_of!(TestRunAttr, cpu), 68);
        assert_eq!(std::mem::offset_of!(ProgramInfoHead, xlated_prog_insns), 32);
        assert_eq!(std::mem::offset_of!(ProgramInfoHead, name), 64);
        assert_eq!(std::mem::offset_of!(ProgramInfoHead, recursion_misses), 208);
        assert_eq!(size_of::<ProgramInfoHead>(), 216);
        assert_eq!(std::mem::offset_of!(KprobeMultiLinkAttr, count), 20);
        assert_eq!(std::mem::offset_of!(KprobeMultiLinkAttr, symbols), 24);
    }

    #[test]
    fn per_cpu_values_are_padded_to_eight_bytes() {
        assert_eq!(stride(4), 8);
        assert_eq!(stride(8), 8);
        assert_eq!(stride(12), 16);
    }

    #[test]
    fn a_truncated_log_keeps_its_text() {
        assert_eq!(log_text(b"abc\0\0"), "abc");
        assert_eq!(log_text(b"abc"), "abc");
    }
}
