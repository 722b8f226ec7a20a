//! kernel::btf: the kernel's own description of its types — /sys/kernel/btf/vmlinux, and each
//! module's split BTF on top of it — read without libbpf: bytes in, `ctypes::CType`s out, in
//! either byte order (the header's magic tells which). Lazy: opening maps the file and checks
//! the header; records vary in length, so the type section is walked, once, only as far as a
//! query needs, keeping where each type starts; a name is found by a scan that compares names in
//! place and stops at the first match. A script that touches one struct decodes that struct, not
//! 100,000 others (tests/bench/btf.md has the numbers).

use std::borrow::Cow;
use std::cell::{Cell, OnceCell, RefCell};
use std::io::Read;
use std::ops::Range;
use std::os::fd::AsFd;
use std::rc::Rc;

use crate::ctypes::{
    CType, Composite, Enum, Enumerator, Int, Linkage, Member, NameKind, Parameter, Prototype,
    Qualifier, SectionVariable, TypeError, TypeId, TypeSource,
};
use crate::kernel::error::KernelError;
use crate::kernel::mapping::Mapping;

/// Where the running kernel describes its own types; modules' files lie beside it.
pub const VMLINUX: &str = "/sys/kernel/btf/vmlinux";

const HEADER_SIZE: usize = 24;
/// Bytes of the record every type starts with: name offset, info, size or type.
const TYPE_SIZE: usize = 12;

const KIND_INT: u32 = 1;
const KIND_PTR: u32 = 2;
const KIND_ARRAY: u32 = 3;
const KIND_STRUCT: u32 = 4;
const KIND_UNION: u32 = 5;
const KIND_ENUM: u32 = 6;
const KIND_FWD: u32 = 7;
const KIND_TYPEDEF: u32 = 8;
const KIND_VOLATILE: u32 = 9;
const KIND_CONST: u32 = 10;
const KIND_RESTRICT: u32 = 11;
const KIND_FUNC: u32 = 12;
const KIND_FUNC_PROTO: u32 = 13;
const KIND_VAR: u32 = 14;
const KIND_DATASEC: u32 = 15;
const KIND_FLOAT: u32 = 16;
const KIND_DECL_TAG: u32 = 17;
const KIND_TYPE_TAG: u32 = 18;
const KIND_ENUM64: u32 = 19;

fn kind(info: u32) -> u32 {
    (info >> 24) & 0x1f
}

fn vlen(info: u32) -> usize {
    (info & 0xffff) as usize
}

fn kind_flag(info: u32) -> bool {
    info >> 31 == 1
}

/// What each kind (by number, from 1) appends to the common part of its record: a fixed
/// number of bytes, or (high bit set) that many for each of its `vlen` entries.
const TAILS: [u8; 19] = [
    4,         // int
    0,         // ptr
    12,        // array
    0x80 | 12, // struct
    0x80 | 12, // union
    0x80 | 8,  // enum
    0,         // fwd
    0,         // typedef
    0,         // volatile
    0,         // const
    0,         // restrict
    0,         // func
    0x80 | 8,  // func_proto
    4,         // var
    0x80 | 12, // datasec
    0,         // float
    4,         // decl_tag
    0,         // type_tag
    0x80 | 12, // enum64
];

/// Bytes of a type's record: the common part and what its kind appends.
fn record_size(id: TypeId, info: u32) -> Result<usize, TypeError> {
    let Some(&tail) = (kind(info) as usize)
        .checked_sub(1)
        .and_then(|index| TAILS.get(index))
    else {
        return Err(malformed(format_args!(
            "type {id} is of BTF kind {}, which this tine does not know (BTF from a newer \
             kernel?)",
            kind(info)
        )));
    };
    let tail = usize::from(tail & 0x7f) * if tail & 0x80 != 0 { vlen(info) } else { 1 };
    Ok(TYPE_SIZE + tail)
}

/// Not generic, and formatted once: every caller passes its message unformatted.
fn malformed(message: std::fmt::Arguments) -> TypeError {
    crate::ctypes::malformed(format!("BTF: {message}"))
}

/// The file's bytes: mapped where the kernel allows it (vmlinux, since 6.16), else read.
enum Bytes {
    Owned(Vec<u8>),
    Mapped(Mapping),
}

impl Bytes {
    /// The bytes of the file at `path`.
    fn of_file(path: &str) -> std::io::Result<Bytes> {
        let file = crate::kernel::open(path, libc::O_RDONLY)?;
        let length = crate::kernel::file_status(&file)?.size as usize;
        Ok(match Mapping::file(file.as_fd(), length, path) {
            Ok(mapping) => Bytes::Mapped(mapping),
            // The one whole-file reader tine has (a read of `file` here would be a second).
            Err(_) => Bytes::Owned(crate::kernel::read_file(path)?),
        })
    }

    fn slice(&self) -> &[u8] {
        match self {
            Bytes::Owned(bytes) => bytes,
            Bytes::Mapped(mapping) => mapping.bytes(0, mapping.length()),
        }
    }
}

/// One BTF file: vmlinux's, or a module's on top of it (`base`), whose type ids and string
/// offsets go on from where the base's end.
pub struct Btf {
    bytes: Bytes,
    big_endian: bool,
    /// The type and string sections, as ranges of `bytes`.
    types: Range<usize>,
    strings: Range<usize>,
    base: Option<Rc<Btf>>,
    /// The id of this file's first type, and the offset its strings start at.
    first_id: TypeId,
    first_string: u32,
    /// Where each type's record starts in `bytes`, by id - `first_id`, as far as walked.
    starts: RefCell<Vec<u32>>,
    /// Where the walk stopped: the next record not in `starts`, or the section's end.
    walked: Cell<usize>,
    pointer_size: OnceCell<u32>,
    /// The string offset of the first name `decode` could not read.
    bad_name: Cell<Option<u32>>,
}

impl std::fmt::Debug for Btf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Btf")
            .field("big_endian", &self.big_endian)
            .field("types", &self.types)
            .field("strings", &self.strings)
            .field("first_id", &self.first_id)
            .finish_non_exhaustive()
    }
}

/// What the header says: the byte order, and where the type and string sections lie.
struct Header {
    big_endian: bool,
    types: Range<usize>,
    strings: Range<usize>,
}

impl Header {
    /// The header at the start of `data`, checked against a file of `file_length` bytes (of
    /// which `data` may hold only the header).
    fn parse(data: &[u8], file_length: usize) -> Result<Header, TypeError> {
        if data.len() < HEADER_SIZE {
            return Err(malformed(format_args!(
                "{} bytes are too few for a header",
                data.len()
            )));
        }
        if file_length > u32::MAX as usize {
            return Err(malformed(format_args!("the file is larger than 4 GiB")));
        }
        let big_endian = match [data[0], data[1]] {
            [0x9f, 0xeb] => false,
            [0xeb, 0x9f] => true,
            other => {
                return Err(malformed(format_args!(
                    "not BTF: the magic is {:02x}{:02x}, not eb9f",
                    u64::from(other[0]),
                    u64::from(other[1])
                )))
            }
        };
        if data[2] != 1 {
            return Err(malformed(format_args!(
                "version {} (only version 1 is known)",
                data[2]
            )));
        }
        // Within the HEADER_SIZE bytes checked above.
        let word = |at: usize| read_u32(data, at, big_endian).unwrap_or(0);
        let header_length = word(4) as usize;
        if header_length < HEADER_SIZE || header_length > file_length {
            return Err(malformed(format_args!(
                "the header says it is {header_length} bytes long"
            )));
        }
        // A longer header is a newer kernel's; its further fields describe nothing we read.
        let section = |offset: u32, length: u32, what: &str| {
            let start = header_length.saturating_add(offset as usize);
            let end = start.saturating_add(length as usize);
            if end > file_length {
                return Err(malformed(format_args!(
                    "the {what} section ({length} bytes at {start}) runs past the end of the \
                     {file_length} bytes"
                )));
            }
            Ok(start..end)
        };
        let types = section(word(8), word(12), "type")?;
        let strings = section(word(16), word(20), "string")?;
        if types.start % 4 != 0 {
            return Err(malformed(format_args!(
                "the type section is not 4-byte aligned"
            )));
        }
        if strings.is_empty() {
            return Err(malformed(format_args!("the string section is empty")));
        }
        Ok(Header {
            big_endian,
            types,
            strings,
        })
    }
}

/// Whether the file at `path` starts with a BTF header that fits it: what `tine -T` asks,
/// for the cost of reading 24 bytes.
pub fn is_btf(path: &str) -> bool {
    let Ok(mut file) = crate::kernel::open(path, libc::O_RDONLY) else {
        return false;
    };
    let mut header = [0; HEADER_SIZE];
    let length = crate::kernel::file_status(&file).map_or(0, |status| status.size);
    // One read, not `read_exact`, whose retrying loop is linked for this alone: a file's first
    // bytes come whole unless it is shorter, and then it is no BTF.
    file.read(&mut header).is_ok_and(|read| read == HEADER_SIZE)
        && Header::parse(&header, usize::try_from(length).unwrap_or(usize::MAX)).is_ok()
}

impl Btf {
    /// The running kernel's BTF.
    pub fn vmlinux() -> Result<Btf, KernelError> {
        Btf::read(VMLINUX, None)
    }

    /// The BTF of the loaded module `name`, on top of the kernel's.
    pub fn module(name: &str, vmlinux: Rc<Btf>) -> Result<Btf, KernelError> {
        if name.is_empty() || name.as_bytes().contains(&b'/') || name.starts_with('.') {
            return Err(KernelError::message(
                format!("read the BTF of module `{name}`"),
                "not a module name",
            ));
        }
        let directory = std::path::Path::new(VMLINUX)
            .parent()
            .unwrap_or(std::path::Path::new("/"));
        Btf::read(&directory.join(name).to_string_lossy(), Some(vmlinux))
    }

    /// The BTF file at `path`, split on `base` when given.
    #[inline(never)]
    pub fn read(path: &str, base: Option<Rc<Btf>>) -> Result<Btf, KernelError> {
        let action = || format!("read BTF from {path}");
        let bytes = Bytes::of_file(path).map_err(|error| KernelError::io(action(), &error))?;
        Btf::from_bytes(bytes, base)
            .map_err(|error| KernelError::message(action(), error.to_string()))
    }

    /// BTF from bytes: a base (vmlinux's), or split on `base` (a module's).
    pub fn parse(bytes: Vec<u8>, base: Option<Rc<Btf>>) -> Result<Btf, TypeError> {
        Btf::from_bytes(Bytes::Owned(bytes), base)
    }

    fn from_bytes(bytes: Bytes, base: Option<Rc<Btf>>) -> Result<Btf, TypeError> {
        let data = bytes.slice();
        let Header {
            big_endian,
            types,
            strings,
        } = Header::parse(data, data.len())?;
        if data[strings.clone()].last() != Some(&0) {
            return Err(malformed(format_args!(
                "the string section does not end in NUL"
            )));
        }
        if base.is_none() && data[strings.start] != 0 {
            return Err(malformed(format_args!(
                "the string section does not start with \"\""
            )));
        }
        let (first_id, first_string) = match &base {
            None => (1, 0),
            Some(base) => {
                if base.big_endian != big_endian {
                    return Err(malformed(format_args!(
                        "split BTF of another byte order than its base"
                    )));
                }
                let strings_end = base.first_string as usize + base.strings.len();
                let first_string = u32::try_from(strings_end)
                    .map_err(|_| malformed(format_args!("the base's strings pass 4 GiB")))?;
                (base.last_id()? + 1, first_string)
            }
        };
        let walked = Cell::new(types.start);
        Ok(Btf {
            bytes,
            big_endian,
            types,
            strings,
            base,
            first_id,
            first_string,
            starts: RefCell::new(Vec::new()),
            walked,
            pointer_size: OnceCell::new(),
            bad_name: Cell::new(None),
        })
    }

    pub fn big_endian(&self) -> bool {
        self.big_endian
    }

    /// The base this file is split on (vmlinux's, for a module).
    pub fn base(&self) -> Option<&Rc<Btf>> {
        self.base.as_ref()
    }

    /// The id of this file's first type: 1, or one past the base's last.
    pub fn first_id(&self) -> TypeId {
        self.first_id
    }

    /// The id of the last type, this file's or (if it has none) its base's.
    pub fn last_id(&self) -> Result<TypeId, TypeError> {
        Ok(self.first_id + self.count()? - 1)
    }

    fn data(&self) -> &[u8] {
        self.bytes.slice()
    }

    fn u32_at(&self, at: usize) -> Result<u32, TypeError> {
        read_u32(self.data(), at, self.big_endian)
            .ok_or_else(|| malformed(format_args!("a read at byte {at} is past the end")))
    }

    /// A word of a record that `record` found: `start` checked that the whole record lies in the
    /// type section, so the read cannot fail (and no error path is needed at each word).
    fn word(&self, at: usize) -> u32 {
        read_u32(self.data(), at, self.big_endian).unwrap_or(0)
    }

    /// Where this file's `index`-th type starts; None past its last type. Walks the type
    /// section only as far as `index`.
    fn start(&self, index: usize) -> Result<Option<usize>, TypeError> {
        if let Some(&start) = self.starts.borrow().get(index) {
            return Ok(Some(start as usize));
        }
        let mut starts = self.starts.borrow_mut();
        if starts.capacity() == 0 {
            // vmlinux's types average 26 bytes; the pages of the unused rest are never touched.
            starts.reserve(self.types.len() / 24);
        }
        let mut at = self.walked.get();
        while starts.len() <= index && at < self.types.end {
            let id = self.first_id + starts.len() as u32;
            let next = at + record_size(id, self.u32_at(at + 4)?)?;
            if next > self.types.end {
                return Err(malformed(format_args!(
                    "type {id} runs past the end of the type section"
                )));
            }
            starts.push(at as u32);
            at = next;
            self.walked.set(at);
        }
        Ok(starts.get(index).map(|&start| start as usize))
    }

    /// How many types this file has (walking all of them).
    fn count(&self) -> Result<u32, TypeError> {
        self.start(usize::MAX)?;
        Ok(self.starts.borrow().len() as u32)
    }

    /// The record of type `id` of this file: where it starts, and its info word.
    fn record(&self, id: TypeId) -> Result<(usize, u32), TypeError> {
        let index = id.checked_sub(self.first_id).map(|index| index as usize);
        let Some(start) = index.map(|index| self.start(index)).transpose()?.flatten() else {
            return Err(malformed(format_args!(
                "type id {id} is not in {}..={}",
                self.first_id,
                self.first_id + self.count()? - 1
            )));
        };
        Ok((start, self.word(start + 4)))
    }

    /// The NUL-terminated name at string `offset` (in the base's strings when below ours).
    fn name_bytes(&self, offset: u32) -> Result<&[u8], TypeError> {
        if offset < self.first_string {
            if let Some(base) = &self.base {
                return base.name_bytes(offset);
            }
        }
        let tail = self.string_tail(offset)?;
        let end = tail
            .iter()
            .position(|&byte| byte == 0)
            .unwrap_or(tail.len());
        Ok(&tail[..end])
    }

    /// The string section from `offset` to its end.
    fn string_tail(&self, offset: u32) -> Result<&[u8], TypeError> {
        let local = (offset - self.first_string) as usize;
        self.data()[self.strings.clone()]
            .get(local..)
            .filter(|tail| !tail.is_empty())
            .ok_or_else(|| malformed(format_args!("string offset {offset} is past the strings")))
    }

    /// The name at string `offset`; when it cannot be read, "", with the offset kept in
    /// `bad_name` for `decode` to report (no `Result` through every member's name).
    fn name(&self, offset: u32) -> String {
        self.checked_name(offset).unwrap_or_else(|_| {
            if self.bad_name.get().is_none() {
                self.bad_name.set(Some(offset));
            }
            String::new()
        })
    }

    /// The error of the first name `name` could not read since the last call, read again.
    fn name_error(&self) -> Result<(), TypeError> {
        match self.bad_name.take() {
            Some(offset) => self.checked_name(offset).map(drop),
            None => Ok(()),
        }
    }

    fn checked_name(&self, offset: u32) -> Result<String, TypeError> {
        let bytes = self.name_bytes(offset)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| {
            malformed(format_args!(
                "the name at string offset {offset} is not UTF-8"
            ))
        })
    }

    /// Whether the string at `offset` is `name`, without looking past the first difference.
    fn name_is(&self, offset: u32, name: &[u8]) -> Result<bool, TypeError> {
        if offset < self.first_string {
            if let Some(base) = &self.base {
                return base.name_is(offset, name);
            }
        }
        let tail = self.string_tail(offset)?;
        Ok(tail.starts_with(name) && tail.get(name.len()) == Some(&0))
    }

    /// Calls `visit(id, start, info)` for each type of this file until it returns true.
    fn scan(
        &self,
        mut visit: impl FnMut(TypeId, usize, u32) -> Result<bool, TypeError>,
    ) -> Result<(), TypeError> {
        let mut index = 0;
        while let Some(start) = self.start(index)? {
            if visit(self.first_id + index as u32, start, self.word(start + 4))? {
                break;
            }
            index += 1;
        }
        Ok(())
    }

    /// The first definition and the first forward declaration of `kind` called `name`, in
    /// the base and then here (ids in order).
    fn find_in_order(
        &self,
        kind: NameKind,
        name: &[u8],
    ) -> Result<(Option<TypeId>, Option<TypeId>), TypeError> {
        let (mut complete, mut forward) = match &self.base {
            Some(base) => base.find_in_order(kind, name)?,
            None => (None, None),
        };
        if complete.is_some() {
            return Ok((complete, forward));
        }
        self.scan(|id, start, info| {
            let Some(is_complete) = matches_kind(kind, info) else {
                return Ok(false);
            };
            if !self.name_is(self.word(start), name)? {
                return Ok(false);
            }
            if is_complete {
                complete = Some(id);
                return Ok(true);
            }
            forward.get_or_insert(id);
            Ok(false)
        })?;
        Ok((complete, forward))
    }

    /// Every type of `kind` here and in the base, with its name: e.g. the functions that
    /// fentry can attach to.
    pub fn names(&self, kind: NameKind) -> Result<Vec<(TypeId, &str)>, TypeError> {
        let mut names = match &self.base {
            Some(base) => base.names(kind)?,
            None => Vec::new(),
        };
        self.scan(|id, start, info| {
            if matches_kind(kind, info).is_some() {
                let offset = self.word(start);
                let name = std::str::from_utf8(self.name_bytes(offset)?).map_err(|_| {
                    malformed(format_args!(
                        "the name at string offset {offset} is not UTF-8"
                    ))
                })?;
                names.push((id, name));
            }
            Ok(false)
        })?;
        Ok(names)
    }

    fn enumerator_here(&self, name: &[u8]) -> Result<Option<(TypeId, u64)>, TypeError> {
        let mut found = None;
        self.scan(|id, start, info| {
            let entry_size = match kind(info) {
                KIND_ENUM => 8,
                KIND_ENUM64 => 12,
                _ => return Ok(false),
            };
            for index in 0..vlen(info) {
                let at = start + TYPE_SIZE + index * entry_size;
                if self.name_is(self.word(at), name)? {
                    found = Some((id, self.enum_value(info, at)));
                    return Ok(true);
                }
            }
            Ok(false)
        })?;
        Ok(found)
    }

    /// The value of the enumerator whose entry is at `at` (in a record `start` checked),
    /// widened to 64 bits.
    fn enum_value(&self, info: u32, at: usize) -> u64 {
        let low = self.word(at + 4);
        if kind(info) == KIND_ENUM64 {
            u64::from(self.word(at + 8)) << 32 | u64::from(low)
        } else if kind_flag(info) {
            low as i32 as i64 as u64
        } else {
            u64::from(low)
        }
    }
}

/// Whether a type with `info` is among the names of `kind`: Some(true) for a definition,
/// Some(false) for a forward declaration.
fn matches_kind(kind_wanted: NameKind, info: u32) -> Option<bool> {
    let found = kind(info);
    let wanted = kind_wanted as usize;
    if COMPLETE[wanted] >> found & 1 != 0 {
        // `enum X;` is an enum with no values.
        return Some(kind_wanted != NameKind::Enum || vlen(info) > 0);
    }
    // A forward declaration's flag says union.
    let forward = found == KIND_FWD && wanted <= NameKind::Union as usize;
    (forward && kind_flag(info) == (kind_wanted == NameKind::Union)).then_some(false)
}

/// For each `NameKind` (by its number), the BTF kinds that define a type of it, a bit each.
const COMPLETE: [u32; 7] = [
    1 << KIND_STRUCT,
    1 << KIND_UNION,
    1 << KIND_ENUM | 1 << KIND_ENUM64,
    1 << KIND_TYPEDEF,
    1 << KIND_INT | 1 << KIND_FLOAT,
    1 << KIND_FUNC,
    1 << KIND_VAR,
];

/// The word at `at`; None past the end of `data`.
fn read_u32(data: &[u8], at: usize, big_endian: bool) -> Option<u32> {
    let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(bytes)
    } else {
        u32::from_le_bytes(bytes)
    })
}

impl TypeSource for Btf {
    fn as_dyn(&self) -> &dyn TypeSource {
        self
    }

    fn get(&self, id: TypeId) -> Result<Cow<'_, CType>, TypeError> {
        if id == 0 {
            return Ok(Cow::Owned(CType::Void));
        }
        match &self.base {
            Some(base) if id < self.first_id => base.get(id),
            _ => self.decode(id).map(Cow::Owned),
        }
    }

    fn find(&self, kind: NameKind, name: &str) -> Result<Option<TypeId>, TypeError> {
        let (complete, forward) = self.find_in_order(kind, name.as_bytes())?;
        Ok(complete.or(forward))
    }

    fn find_enumerator(&self, name: &str) -> Result<Option<(TypeId, u64)>, TypeError> {
        if let Some(base) = &self.base {
            if let Some(found) = base.find_enumerator(name)? {
                return Ok(Some(found));
            }
        }
        self.enumerator_here(name.as_bytes())
    }

    /// A `long`'s size, which is a pointer's in every kernel ABI; the host's where BTF has no
    /// `long` (hand-made files).
    fn pointer_size(&self) -> Result<u32, TypeError> {
        if let Some(base) = &self.base {
            return base.pointer_size();
        }
        if let Some(&size) = self.pointer_size.get() {
            return Ok(size);
        }
        let mut size = std::mem::size_of::<usize>() as u32;
        for name in ["long int", "long unsigned int"] {
            if let Some(id) = self.find(NameKind::Scalar, name)? {
                // An int's size is its record's third word: read it, not the whole type.
                let (start, info) = self.record(id)?;
                if kind(info) == KIND_INT {
                    size = self.word(start + 8);
                    break;
                }
            }
        }
        Ok(*self.pointer_size.get_or_init(|| size))
    }
}

mod decode;

#[cfg(test)]
mod tests;
