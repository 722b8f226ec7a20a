//! sema::types: the C-like static types sema infers, with sizes and offsets exact enough for
//! the compiler to build map keys and read records.

use std::fmt;
use std::rc::Rc;

use crate::wire::Resolve;

/// A value's static type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Type {
    /// No value: what `printf` or `exit` yield.
    Void,
    /// A signed or unsigned integer of 1, 2, 4 or 8 bytes.
    Int { bytes: u8, signed: bool },
    /// An address, and the memory it points into, which decides the probe-read helper.
    Pointer {
        target: Box<Type>,
        space: AddressSpace,
    },
    /// `char[N]`: comm (16), a string literal (length + 1 rounded up to 8, as ply pads them),
    /// `str()` (128).
    Chars(usize),
    /// Any other fixed array.
    Array(Box<Type>, u32),
    /// A record: a tracepoint's `data`, or an anonymous struct: a map's key, a tuple.
    Struct(Rc<StructType>),
    /// A u32 id that ply prints right-aligned in a width of its own.
    Id(Id),
    /// A duration or timestamp in nanoseconds (u64), printed auto-scaled (`  1.23ms`).
    Time,
    /// Wall-clock nanoseconds (u64), printed `HH:MM:SS.nnnnnnnnn`.
    WallTime,
    /// bpftrace's `strftime(format, nsecs)`: monotonic nanoseconds (u64), printed as local
    /// time by C's strftime with this format (`%f` its microseconds).
    Strftime(Text),
    /// A kernel code address (u64), printed `sym+off`.
    KernelAddress,
    /// A kernel or user stack id (u64) from the stack map of its depth, printed frame by frame.
    Stack(crate::wire::Stack),
    /// A tracepoint's `__data_loc` (`__rel_loc` when `relative`) u32: where variable-length
    /// data sits in the record, text when `string` (`char[]`), else bytes (`u64[]`). Sema turns
    /// every use into the data (`dyn()`).
    DataLoc { relative: bool, string: bool },
    /// A user code address with the pid of its process (`usym()`): `{ u64, u32, pad }`,
    /// printed `function+offset` from that process's mappings.
    UserAddress,
    /// bpftrace's `ntop()`: an address family and an IPv4 or IPv6 address (`wire::INET_SIZE`
    /// bytes), printed as inet_ntop does.
    Inet,
    /// bpftrace's `buf()`: a u64 length, then room for this many bytes (`wire::BUFFER_DATA`).
    Buffer(usize),
    /// bpftrace's `strerror()`, `username`, `cgroup_path()` (a u64) and `macaddr()` (6 bytes):
    /// printed as what user space finds it names.
    Resolved(Resolve),
    /// A C struct or union in memory, described by kernel BTF or the script's definitions:
    /// reached through a pointer or as a member, its members read one at a time.
    CStruct(Rc<CStruct>),
    /// What a pointer of a tracepoint's record points to, known by its C name only (`struct
    /// __kernel_timespec`): a member read through it looks the name up in the C types; else a
    /// `void`.
    Named(Text),
}

/// A text a `Type` holds (a strftime format, a C type's name): behind one thin pointer, so
/// that a `Type` is 16 bytes and each of its many copies is small.
#[derive(Clone, PartialEq, Eq)]
pub struct Text(Rc<String>);

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text(Rc::new(text.to_string()))
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text(Rc::new(text))
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Which source of C types (`ctypes::TypeSource`) an id belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeOrigin {
    /// The C definitions above the script's probes.
    Script,
    /// The kernel's BTF.
    Kernel,
}

/// A struct or union of a type source, with what sema needs of it without asking again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CStruct {
    pub origin: TypeOrigin,
    pub id: crate::ctypes::TypeId,
    pub size: usize,
    /// The C spelling: `struct task_struct`.
    pub name: Rc<str>,
}

/// Which memory an address points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressSpace {
    Kernel,
    User,
    /// Not known where the address came from: read kernel memory, then user memory if that
    /// read fails.
    Unknown,
}

/// What an `Id` names; ply's width for each (src/libply/built-in/proc.c).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id {
    /// `pid`, `tid`/`kpid`, `$target`: `%5u`.
    Process,
    /// `uid`: `%4u`.
    User,
    /// `gid`: `%4u` (ply types it as a uid).
    Group,
    /// `cpu`: `%2u`.
    Cpu,
}

impl Id {
    pub fn width(self) -> usize {
        match self {
            Id::Process => 5,
            Id::User | Id::Group => 4,
            Id::Cpu => 2,
        }
    }
}

/// A struct: fields with byte offsets, total size and alignment, as a C compiler lays them out
/// (or as a tracepoint's `format` file dictates).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructType {
    /// None for the anonymous key structs of maps (printed `{ a, b }`).
    pub name: Option<String>,
    pub fields: Vec<StructField>,
    pub size: usize,
    pub align: usize,
}

/// One field of a struct: its name, type and byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StructField {
    pub name: String,
    pub ty: Type,
    pub offset: usize,
}

pub const U8: Type = Type::Int {
    bytes: 1,
    signed: false,
};
pub const U32: Type = Type::Int {
    bytes: 4,
    signed: false,
};
pub const U64: Type = Type::Int {
    bytes: 8,
    signed: false,
};
pub const I32: Type = Type::Int {
    bytes: 4,
    signed: true,
};
pub const I64: Type = Type::Int {
    bytes: 8,
    signed: true,
};

impl Type {
    /// A pointer to `target` in `space`: one place boxes the target.
    #[inline(never)]
    pub fn pointer(target: Type, space: AddressSpace) -> Type {
        Type::Pointer {
            target: Box::new(target),
            space,
        }
    }

    /// Size in bytes, as stored in a map or a record.
    pub fn size(&self) -> usize {
        match self {
            Type::Void | Type::Named(_) => 0,
            Type::Int { bytes, .. } => usize::from(*bytes),
            Type::Pointer { .. }
            | Type::Time
            | Type::WallTime
            | Type::Strftime(_)
            | Type::KernelAddress
            | Type::Stack(_) => 8,
            Type::Id(_) | Type::DataLoc { .. } => 4,
            Type::UserAddress => crate::wire::USER_ADDRESS_SIZE,
            Type::Inet => crate::wire::INET_SIZE,
            Type::Buffer(capacity) => crate::wire::BUFFER_DATA + capacity,
            Type::Resolved(resolve) => resolve.size(),
            Type::Chars(length) => *length,
            Type::Array(element, count) => element.size().saturating_mul(*count as usize),
            Type::Struct(record) => record.size,
            Type::CStruct(c) => c.size,
        }
    }

    /// Alignment in bytes, as C would give it.
    pub fn align(&self) -> usize {
        match self {
            Type::Void | Type::Chars(_) | Type::CStruct(_) | Type::Named(_) => 1,
            Type::Resolved(Resolve::MacAddress) => 1,
            Type::Array(element, _) => element.align(),
            Type::Struct(record) => record.align,
            Type::UserAddress => 8,
            // Its family is a u32.
            Type::Inet => 4,
            Type::Buffer(_) => 8,
            other => other.size().max(1),
        }
    }

    /// Integer-like scalars: anything arithmetic and comparison work on.
    #[inline(never)]
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            Type::Int { .. }
                | Type::Id(_)
                | Type::Time
                | Type::WallTime
                | Type::Strftime(_)
                | Type::KernelAddress
                | Type::Stack(_)
        ) || matches!(self, Type::Resolved(resolve) if *resolve != Resolve::MacAddress)
    }

    /// Scalars fit a register: integers and pointers. Their truth value is C's `!= 0`.
    #[inline(never)]
    pub fn is_scalar(&self) -> bool {
        self.is_integer() || matches!(self, Type::Pointer { .. })
    }

    /// Signedness of an integer-like type (the special scalars are unsigned).
    pub fn is_signed(&self) -> bool {
        matches!(self, Type::Int { signed: true, .. })
    }
}

impl StructType {
    /// The anonymous struct of a map's key: a field of each of `types`, named `0`, `1`... in
    /// order, laid out with C's alignment rules; the size is padded to the largest alignment
    /// so arrays of the record (and map keys) have no trailing garbage.
    pub fn key(types: &[Type]) -> StructType {
        let mut offset = 0usize;
        let mut align = 1usize;
        let mut fields = Vec::with_capacity(types.len());
        for (index, ty) in types.iter().enumerate() {
            let field_align = ty.align();
            align = align.max(field_align);
            offset = round_up(offset, field_align);
            fields.push(StructField {
                name: index.to_string(),
                ty: ty.clone(),
                offset,
            });
            offset = offset.saturating_add(ty.size());
        }
        StructType {
            name: None,
            fields,
            size: round_up(offset, align),
            align,
        }
    }

    pub fn field(&self, name: &str) -> Option<&StructField> {
        self.fields.iter().find(|field| field.name == name)
    }
}

fn round_up(value: usize, align: usize) -> usize {
    value.div_ceil(align.max(1)).saturating_mul(align.max(1))
}

/// The type of a string literal of `length` bytes: room for the NUL, rounded up to 8 as ply
/// does so keys and printf arguments stay aligned.
#[inline(never)]
pub fn string_literal(length: usize) -> Type {
    Type::Chars(round_up(length + 1, 8))
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Numbers by their own `fmt`, not `write!`: each format string costs the binary more.
        let (name, number, close) = match self {
            Type::Void => ("void", None, ""),
            Type::Int { bytes, signed } => {
                let sign = if *signed { "s" } else { "u" };
                (sign, Some(usize::from(*bytes) * 8), "")
            }
            Type::Pointer { target, space } => {
                f.write_str(match space {
                    AddressSpace::User => "user ",
                    AddressSpace::Kernel => "kernel ",
                    AddressSpace::Unknown => "",
                })?;
                target.fmt(f)?;
                (" *", None, "")
            }
            Type::Chars(length) => ("char[", Some(*length), "]"),
            Type::Array(element, count) => {
                element.fmt(f)?;
                ("[", Some(*count as usize), "]")
            }
            Type::Struct(record) => match &record.name {
                Some(name) => {
                    f.write_str("struct ")?;
                    (&**name, None, "")
                }
                None => {
                    f.write_str("{ ")?;
                    for (index, field) in record.fields.iter().enumerate() {
                        if index > 0 {
                            f.write_str(", ")?;
                        }
                        field.ty.fmt(f)?;
                    }
                    (" }", None, "")
                }
            },
            Type::Id(Id::Process) => ("pid", None, ""),
            Type::Id(Id::User) => ("uid", None, ""),
            Type::Id(Id::Group) => ("gid", None, ""),
            Type::Id(Id::Cpu) => ("cpu", None, ""),
            Type::Time => ("time", None, ""),
            Type::WallTime => ("walltime", None, ""),
            Type::Strftime(format) => {
                f.write_str("strftime(")?;
                f.write_str(&crate::words::quoted(format.as_bytes()))?;
                (")", None, "")
            }
            Type::KernelAddress => ("kaddr", None, ""),
            Type::Stack(stack) => {
                f.write_str(if stack.user { "ustack" } else { "stack" })?;
                match (stack.perf, stack.depth) {
                    (false, crate::wire::STACK_DEPTH) => ("", None, ""),
                    (true, depth) => ("(perf, ", Some(usize::from(depth)), ")"),
                    (false, depth) => ("(", Some(usize::from(depth)), ")"),
                }
            }
            Type::UserAddress => ("uaddr", None, ""),
            Type::Inet => ("inet", None, ""),
            Type::Buffer(_) => ("buffer", None, ""),
            Type::Resolved(resolve) => {
                let names = "strerror username cgroup_path macaddr";
                let name = crate::words::nth_word(names, *resolve as usize);
                (name.unwrap_or_default(), None, "")
            }
            Type::DataLoc { .. } => ("__data_loc", None, ""),
            Type::CStruct(c) => (&*c.name, None, ""),
            Type::Named(name) => (&**name, None, ""),
        };
        f.write_str(name)?;
        if let Some(number) = number {
            number.fmt(f)?;
        }
        f.write_str(close)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_structs_are_laid_out_as_c_does() {
        let record = StructType::key(&[Type::Chars(16), Type::Id(Id::Process), U64, U8]);
        let names: Vec<&str> = record
            .fields
            .iter()
            .map(|field| field.name.as_str())
            .collect();
        assert_eq!(names, ["0", "1", "2", "3"]);
        let offsets: Vec<usize> = record.fields.iter().map(|field| field.offset).collect();
        assert_eq!(offsets, vec![0, 16, 24, 32]);
        assert_eq!((record.size, record.align), (40, 8));
        assert_eq!(
            Type::Struct(Rc::new(record)).to_string(),
            "{ char[16], pid, u64, u8 }"
        );
    }

    #[test]
    fn string_literals_are_padded_to_eight() {
        assert_eq!(string_literal(4), Type::Chars(8));
        assert_eq!(string_literal(7), Type::Chars(8));
        assert_eq!(string_literal(8), Type::Chars(16));
        assert_eq!(string_literal(0), Type::Chars(8));
    }
}
