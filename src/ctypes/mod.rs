//! ctypes: the one model of the C types in kernel memory, from which sema will type casts, `->`
//! chains, `curtask`, `sizeof` and enum constants. Two sources feed it: the kernel's BTF
//! (kernel::btf) and, for kernels without BTF, C definitions written in the script. Knows no
//! language and no kernel: a source hands out `CType`s by id and finds names; the rest (member
//! chains through typedefs, anonymous members and bitfields, sizes, C spellings) is written once,
//! here and in `spell`, over any source.

pub mod script;
mod spell;

use std::borrow::Cow;
use std::fmt;

/// A type's number in its source. 0 is `void`, as in BTF.
pub type TypeId = u32;

pub const VOID: TypeId = 0;

/// One type, as plain data; the types it refers to are ids in the same source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CType {
    Void,
    Int(Int),
    Float {
        name: String,
        size: u32,
    },
    Pointer {
        target: TypeId,
    },
    Array {
        element: TypeId,
        index: TypeId,
        length: u32,
    },
    Struct(Composite),
    Union(Composite),
    /// Also `enum X;` declared without values, and BTF's 64-bit enums.
    Enum(Enum),
    /// `struct X;` or `union X;` named but not defined in this source.
    Forward {
        name: String,
        union: bool,
    },
    Typedef {
        name: String,
        target: TypeId,
    },
    Qualified {
        qualifier: Qualifier,
        target: TypeId,
    },
    /// `__attribute__((btf_type_tag("user")))`, e.g. `__user` on a pointer's target.
    TypeTag {
        name: String,
        target: TypeId,
        attribute: bool,
    },
    Function {
        name: String,
        prototype: TypeId,
        linkage: Linkage,
    },
    Prototype(Prototype),
    Variable {
        name: String,
        target: TypeId,
        linkage: Linkage,
    },
    /// A data section's variables (per-CPU variables, in the kernel's BTF).
    Section {
        name: String,
        size: u32,
        variables: Vec<SectionVariable>,
    },
    /// `btf_decl_tag("…")` on `target`, or on its member or parameter `component`.
    DeclTag {
        name: String,
        target: TypeId,
        component: Option<u32>,
        attribute: bool,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Int {
    pub name: String,
    pub size: u32,
    pub signed: bool,
    pub char: bool,
    pub boolean: bool,
    /// Bits used, and where they start: less than `size * 8`, or not 0, only in the old
    /// encoding of a bitfield (BTF before kind_flag on structs).
    pub bits: u8,
    pub bit_offset: u8,
}

/// A struct's or union's layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Composite {
    /// Empty when anonymous.
    pub name: String,
    pub size: u32,
    pub members: Vec<Member>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Empty for an anonymous struct or union member, whose members are reached by their names.
    pub name: String,
    pub target: TypeId,
    /// From the start of the struct, in bits.
    pub bit_offset: u32,
    /// 0 unless the member is a bitfield (or an old-encoding bitfield, see `Int`).
    pub bitfield_size: u8,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Enum {
    pub name: String,
    pub size: u32,
    /// Whether the values are read as signed.
    pub signed: bool,
    pub values: Vec<Enumerator>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enumerator {
    pub name: String,
    /// The value's 64 bits; sign-extended when the enum is signed.
    pub value: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prototype {
    pub returns: TypeId,
    pub parameters: Vec<Parameter>,
    /// Ends in `...`.
    pub variadic: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parameter {
    /// Empty when the prototype does not name it.
    pub name: String,
    pub target: TypeId,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionVariable {
    pub variable: TypeId,
    pub offset: u32,
    pub size: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Qualifier {
    Const,
    Volatile,
    Restrict,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Linkage {
    Static,
    Global,
    Extern,
    Other(u32),
}

/// Which names `find` looks among: C's tag namespaces are apart from typedef and function names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// `struct X`: the definition, else a forward declaration.
    Struct,
    /// `union X`: the definition, else a forward declaration.
    Union,
    /// `enum X`.
    Enum,
    Typedef,
    /// A base type: `int`, `long unsigned int`, `_Bool`, `double`.
    Scalar,
    Function,
    Variable,
}

impl NameKind {
    /// What is written before and after a name of this kind in a message.
    fn around(self) -> (&'static str, &'static str) {
        match self {
            NameKind::Struct => ("struct ", ""),
            NameKind::Union => ("union ", ""),
            NameKind::Enum => ("enum ", ""),
            NameKind::Typedef | NameKind::Scalar => ("type `", "`"),
            NameKind::Function => ("function `", "`"),
            NameKind::Variable => ("variable `", "`"),
        }
    }
}

/// Why a type could not be found or taken apart (see `TypeErrorKind`). Boxed, so that a
/// lookup's result moves one pointer (a number's returns in registers), not the whole reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeError(Box<TypeErrorKind>);

/// The reasons of `TypeError`. Type names in the messages are C spellings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeErrorKind {
    /// The source is broken: a file cut short, an id past its end, a kind it does not know.
    Malformed(String),
    Unknown {
        kind: NameKind,
        name: String,
    },
    NoMember(MemberOf),
    NotComposite(MemberOf),
    /// `offsetof` (which adds offsets, never reads) was asked to go through a pointer.
    ThroughPointer(MemberOf),
    /// No size: `void`, a function, a struct only declared.
    Incomplete {
        name: String,
    },
}

/// The member a failed lookup asked for, and the C spelling of the type asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberOf {
    pub owner: String,
    pub member: String,
}

impl TypeError {
    pub fn kind(&self) -> &TypeErrorKind {
        &self.0
    }

    fn member_of(kind: fn(MemberOf) -> TypeErrorKind, owner: String, member: String) -> TypeError {
        kind(MemberOf { owner, member }).into()
    }
}

impl From<TypeErrorKind> for TypeError {
    fn from(kind: TypeErrorKind) -> TypeError {
        TypeError(Box::new(kind))
    }
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind() {
            TypeErrorKind::Malformed(message) => f.write_str(message),
            TypeErrorKind::Unknown { kind, name } => {
                let (before, after) = kind.around();
                write!(f, "unknown {before}{name}{after}")
            }
            TypeErrorKind::NoMember(asked) => {
                write!(f, "{} has no member `{}`", asked.owner, asked.member)
            }
            TypeErrorKind::NotComposite(asked) => write!(
                f,
                "`{}` is not a struct or union, so it has no member `{}`",
                asked.owner, asked.member
            ),
            TypeErrorKind::ThroughPointer(asked) => write!(
                f,
                "`{}` of {} is a pointer: offsetof cannot go through it",
                asked.member, asked.owner
            ),
            TypeErrorKind::Incomplete { name } => write!(f, "`{name}` has no size here"),
        }
    }
}

impl std::error::Error for TypeError {}

/// A member found by name, and where it lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberLocation {
    /// The member's type as declared (typedefs kept, so `pid_t` is still `pid_t`).
    pub target: TypeId,
    /// From the start of the struct (or union) it was looked up in, in bits.
    pub bit_offset: u64,
    /// 0 unless a bitfield.
    pub bitfield_size: u8,
}

impl MemberLocation {
    /// From the start of the struct, in bytes (rounded down for a bitfield).
    pub fn byte_offset(&self) -> u64 {
        self.bit_offset / 8
    }

    /// How to read the bitfield from memory of the given byte order; None when it is not a
    /// bitfield, or in a packed struct straddles an 8-byte boundary (no one load holds it).
    pub fn bitfield_read(&self, big_endian: bool) -> Option<BitfieldRead> {
        let bits = u64::from(self.bitfield_size);
        if bits == 0 {
            return None;
        }
        let first = self.bit_offset;
        let last = first + bits - 1;
        // The smallest naturally aligned load that holds every bit of the field.
        let mut size = 1u64;
        while first / (size * 8) != last / (size * 8) {
            if size == 8 {
                return None;
            }
            size *= 2;
        }
        let byte_offset = first / (size * 8) * size;
        let within = first - byte_offset * 8;
        // Bit offsets count in memory order: from the least significant bit of the first byte
        // on little-endian machines, from the most significant on big-endian ones.
        let shift = if big_endian {
            size * 8 - within - bits
        } else {
            within
        };
        Some(BitfieldRead {
            byte_offset,
            size: size as u32,
            shift: shift as u32,
            bits: self.bitfield_size,
        })
    }
}

/// A bitfield's value: load `size` bytes at `byte_offset` as an integer of the memory's byte
/// order, shift it right by `shift`, keep the low `bits`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitfieldRead {
    pub byte_offset: u64,
    pub size: u32,
    pub shift: u32,
    pub bits: u8,
}

impl BitfieldRead {
    /// The field's value from the loaded integer.
    pub fn extract(&self, loaded: u64) -> u64 {
        let value = loaded >> self.shift;
        if self.bits >= 64 {
            value
        } else {
            value & ((1u64 << self.bits) - 1)
        }
    }
}

/// One member of a chain: `through_pointer` when it is reached with `->` (read the pointer
/// first), `field.bit_offset` from the start of the struct it is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub through_pointer: bool,
    pub field: MemberLocation,
}

/// How deep typedefs, qualifiers and anonymous members may nest before a source is called
/// malformed: a cycle in a broken file must not recurse forever.
const MAX_DEPTH: usize = 64;

/// How many types one lookup or spelling may visit: a broken file whose anonymous members or
/// parameters share types could otherwise make the walk exponential.
const MAX_WORK: usize = 1_000_000;

/// A source of types: kernel BTF, or C definitions from a script.
pub trait TypeSource {
    /// The type numbered `id`: borrowed where the source holds it decoded (script
    /// definitions), made where it is decoded on demand (BTF).
    fn get(&self, id: TypeId) -> Result<Cow<'_, CType>, TypeError>;

    /// The first type of `kind` called `name`; a struct's or union's definition before a
    /// forward declaration of it.
    fn find(&self, kind: NameKind, name: &str) -> Result<Option<TypeId>, TypeError>;

    /// The enum that has a constant `name`, and the constant's value (see `Enumerator`).
    fn find_enumerator(&self, name: &str) -> Result<Option<(TypeId, u64)>, TypeError>;

    /// Bytes in a pointer of the machine these types describe.
    fn pointer_size(&self) -> Result<u32, TypeError>;

    /// This source as a trait object: the walks below are written once over `dyn TypeSource`,
    /// not copied into each source (binary size).
    fn as_dyn(&self) -> &dyn TypeSource;

    /// `find`, with an error that names what was missing.
    ///
    /// This and the other methods bound by `Self: Sized` are not in the trait object's table
    /// (what tine itself never calls through one is not in its binary); call them on a source.
    fn lookup(&self, kind: NameKind, name: &str) -> Result<TypeId, TypeError>
    where
        Self: Sized,
    {
        let unknown = || TypeErrorKind::Unknown {
            kind,
            name: name.to_string(),
        };
        self.find(kind, name)?.ok_or_else(|| unknown().into())
    }

    /// `id` with typedefs, qualifiers and type tags taken off: what it is underneath.
    fn resolve(&self, id: TypeId) -> Result<(TypeId, Cow<'_, CType>), TypeError> {
        resolve(self.as_dyn(), id)
    }

    /// `sizeof`.
    fn size_of(&self, id: TypeId) -> Result<u64, TypeError> {
        size_of(self.as_dyn(), id)
    }

    /// The member `name` of the struct or union `id` (through typedefs and qualifiers),
    /// looking inside anonymous struct and union members as C does.
    fn member(&self, id: TypeId, name: &str) -> Result<MemberLocation, TypeError> {
        member(self.as_dyn(), id, name)
    }

    /// A chain of member names from a struct or a pointer to one, as C's `.` and `->` would
    /// take it: each step through a pointer is marked, so the reader knows where to load one.
    fn chain(&self, id: TypeId, names: &[&str]) -> Result<Vec<Step>, TypeError>
    where
        Self: Sized,
    {
        chain(self.as_dyn(), id, names)
    }

    /// `offsetof(type, a.b.c)`: the members' offsets added up, never through a pointer.
    fn offset_of(&self, id: TypeId, names: &[&str]) -> Result<MemberLocation, TypeError> {
        offset_of(self.as_dyn(), id, names)
    }

    /// A function's id and prototype, by the function's name.
    fn function(&self, name: &str) -> Result<Option<(TypeId, Prototype)>, TypeError>
    where
        Self: Sized,
    {
        function(self.as_dyn(), name)
    }

    /// The C spelling of a type: `struct task_struct *`, `const char *`, `char[16]`, `pid_t`,
    /// `int (*)(struct file *, long)`.
    fn name_of(&self, id: TypeId) -> Result<String, TypeError> {
        spell::name_of(self.as_dyn(), id)
    }
}

fn resolve(source: &dyn TypeSource, mut id: TypeId) -> Result<(TypeId, Cow<'_, CType>), TypeError> {
    for _ in 0..MAX_DEPTH {
        let ty = source.get(id)?;
        match *ty {
            CType::Typedef { target, .. }
            | CType::Qualified { target, .. }
            | CType::TypeTag { target, .. } => id = target,
            _ => return Ok((id, ty)),
        }
    }
    Err(too_deep(id))
}

fn size_of(source: &dyn TypeSource, id: TypeId) -> Result<u64, TypeError> {
    let mut count = 1u64;
    let mut id = id;
    for _ in 0..MAX_DEPTH {
        let size = match *source.resolve(id)?.1 {
            CType::Int(ref int) => u64::from(int.size),
            CType::Float { size, .. } | CType::Section { size, .. } => u64::from(size),
            CType::Enum(Enum { size, .. }) => u64::from(size),
            CType::Struct(ref composite) | CType::Union(ref composite) => u64::from(composite.size),
            CType::Pointer { .. } => u64::from(source.pointer_size()?),
            CType::Array {
                element, length, ..
            } => {
                count = count.saturating_mul(u64::from(length));
                id = element;
                continue;
            }
            CType::Variable { target, .. } => {
                id = target;
                continue;
            }
            _ => {
                return Err(TypeErrorKind::Incomplete {
                    name: source.name_of(id)?,
                }
                .into())
            }
        };
        return Ok(count.saturating_mul(size));
    }
    Err(too_deep(id))
}

fn member(source: &dyn TypeSource, id: TypeId, name: &str) -> Result<MemberLocation, TypeError> {
    let ty = source.resolve(id)?.1;
    let members = match &*ty {
        CType::Struct(composite) | CType::Union(composite) => &composite.members,
        CType::Forward { .. } => {
            return Err(TypeErrorKind::Incomplete {
                name: source.name_of(id)?,
            }
            .into())
        }
        _ => {
            return Err(TypeError::member_of(
                TypeErrorKind::NotComposite,
                source.name_of(id)?,
                name.to_string(),
            ))
        }
    };
    match find_member(source, members, name, 0, &mut { MAX_WORK })? {
        Some(field) => Ok(field),
        None => Err(TypeError::member_of(
            TypeErrorKind::NoMember,
            source.name_of(id)?,
            name.to_string(),
        )),
    }
}

fn chain(source: &dyn TypeSource, id: TypeId, names: &[&str]) -> Result<Vec<Step>, TypeError> {
    let mut steps = Vec::with_capacity(names.len());
    let mut current = id;
    for name in names {
        let (through_pointer, owner) = match *source.resolve(current)?.1 {
            CType::Pointer { target } => (true, target),
            _ => (false, current),
        };
        let field = source.member(owner, name)?;
        steps.push(Step {
            through_pointer,
            field,
        });
        current = field.target;
    }
    Ok(steps)
}

fn offset_of(
    source: &dyn TypeSource,
    id: TypeId,
    names: &[&str],
) -> Result<MemberLocation, TypeError> {
    let mut total: Option<MemberLocation> = None;
    for (index, name) in names.iter().enumerate() {
        let owner = total.map_or(id, |field| field.target);
        if index > 0 && matches!(*source.resolve(owner)?.1, CType::Pointer { .. }) {
            return Err(TypeError::member_of(
                TypeErrorKind::ThroughPointer,
                source.name_of(id)?,
                crate::words::joined(&names[..index], "."),
            ));
        }
        let mut field = source.member(owner, name)?;
        field.bit_offset += total.map_or(0, |before| before.bit_offset);
        total = Some(field);
    }
    total.ok_or_else(|| malformed("offsetof of no member".to_string()))
}

/// `TypeSource::function`, for a source behind a `dyn`.
#[inline(never)]
pub fn function(
    source: &dyn TypeSource,
    name: &str,
) -> Result<Option<(TypeId, Prototype)>, TypeError> {
    let Some(id) = source.find(NameKind::Function, name)? else {
        return Ok(None);
    };
    let prototype = match *source.get(id)? {
        CType::Function { prototype, .. } => source.get(prototype)?,
        _ => Cow::Owned(CType::Void),
    };
    match &*prototype {
        CType::Prototype(found) => Ok(Some((id, found.clone()))),
        _ => Err(malformed(format!(
            "function `{name}` (type {id}) has no prototype"
        ))),
    }
}

/// A broken source's error.
pub(crate) fn malformed(message: String) -> TypeError {
    TypeErrorKind::Malformed(message).into()
}

fn too_deep(id: TypeId) -> TypeError {
    malformed(format!(
        "type {id}: typedefs, qualifiers or nesting more than {MAX_DEPTH} deep (a cycle?)"
    ))
}

/// `name` among `members` or inside their anonymous members.
fn find_member(
    source: &dyn TypeSource,
    members: &[Member],
    name: &str,
    depth: usize,
    work: &mut usize,
) -> Result<Option<MemberLocation>, TypeError> {
    *work = work.saturating_sub(members.len() + 1);
    if depth > MAX_DEPTH || *work == 0 {
        return Err(malformed("anonymous members nest too deep".to_string()));
    }
    for member in members {
        if member.name == name {
            return field(source, member).map(Some);
        }
        if !member.name.is_empty() {
            continue;
        }
        let ty = source.resolve(member.target)?.1;
        let inner = match &*ty {
            CType::Struct(composite) | CType::Union(composite) => &composite.members,
            _ => continue,
        };
        if let Some(mut field) = find_member(source, inner, name, depth + 1, work)? {
            field.bit_offset += u64::from(member.bit_offset);
            return Ok(Some(field));
        }
    }
    Ok(None)
}

/// A member's field; an old-encoding bitfield keeps its width and offset in its int type.
fn field(source: &dyn TypeSource, member: &Member) -> Result<MemberLocation, TypeError> {
    let mut field = MemberLocation {
        target: member.target,
        bit_offset: u64::from(member.bit_offset),
        bitfield_size: member.bitfield_size,
    };
    if field.bitfield_size == 0 {
        if let CType::Int(int) = &*source.resolve(member.target)?.1 {
            if u64::from(int.bits) != u64::from(int.size) * 8 || int.bit_offset != 0 {
                field.bit_offset += u64::from(int.bit_offset);
                field.bitfield_size = int.bits;
            }
        }
    }
    Ok(field)
}

#[cfg(test)]
pub(crate) mod tests;
