//! ctypes: the one model of the C types in kernel memory, from which sema will type casts, `->`
//! chains, `curtask`, `sizeof` and enum constants. Two sources feed it: the kernel's BTF
//! (kernel::btf) and, for kernels without BTF, C definitions written in the script. Knows no
//! language and no kernel: a source hands out `CType`s by id and finds names; the rest (member
//! chains through typedefs, anonymous members and bitfields, sizes, C spellings) is written once,
//! here, over any source.

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

#[derive(Clone, Debug, PartialEq, Eq)]
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
    fn spell(self, name: &str) -> String {
        match self {
            NameKind::Struct => format!("struct {name}"),
            NameKind::Union => format!("union {name}"),
            NameKind::Enum => format!("enum {name}"),
            NameKind::Typedef | NameKind::Scalar => format!("type `{name}`"),
            NameKind::Function => format!("function `{name}`"),
            NameKind::Variable => format!("variable `{name}`"),
        }
    }
}

/// Why a type could not be found or taken apart. Type names in the messages are C spellings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeError {
    /// The source is broken: a file cut short, an id past its end, a kind it does not know.
    Malformed(String),
    Unknown {
        kind: NameKind,
        name: String,
    },
    NoMember {
        owner: String,
        member: String,
    },
    NotComposite {
        owner: String,
        member: String,
    },
    /// `offsetof` (which adds offsets, never reads) was asked to go through a pointer.
    ThroughPointer {
        owner: String,
        member: String,
    },
    /// No size: `void`, a function, a struct only declared.
    Incomplete {
        name: String,
    },
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeError::Malformed(message) => f.write_str(message),
            TypeError::Unknown { kind, name } => write!(f, "unknown {}", kind.spell(name)),
            TypeError::NoMember { owner, member } => write!(f, "{owner} has no member `{member}`"),
            TypeError::NotComposite { owner, member } => write!(
                f,
                "`{owner}` is not a struct or union, so it has no member `{member}`"
            ),
            TypeError::ThroughPointer { owner, member } => write!(
                f,
                "`{member}` of {owner} is a pointer: offsetof cannot go through it"
            ),
            TypeError::Incomplete { name } => write!(f, "`{name}` has no size here"),
        }
    }
}

impl std::error::Error for TypeError {}

/// A member found by name, and where it lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    /// The member's type as declared (typedefs kept, so `pid_t` is still `pid_t`).
    pub target: TypeId,
    /// From the start of the struct (or union) it was looked up in, in bits.
    pub bit_offset: u64,
    /// 0 unless a bitfield.
    pub bitfield_size: u8,
}

impl Field {
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
        let size = [1u64, 2, 4, 8]
            .into_iter()
            .find(|size| first / (size * 8) == last / (size * 8))?;
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
    pub field: Field,
}

/// How deep typedefs, qualifiers and anonymous members may nest before a source is called
/// malformed: a cycle in a broken file must not recurse forever.
const MAX_DEPTH: usize = 64;

/// How many types one lookup or spelling may visit: a broken file whose anonymous members or
/// parameters share types could otherwise make the walk exponential.
const MAX_WORK: usize = 1_000_000;

/// A source of types: kernel BTF, or C definitions from a script.
pub trait TypeSource {
    /// The type numbered `id`.
    fn get(&self, id: TypeId) -> Result<CType, TypeError>;

    /// The first type of `kind` called `name`; a struct's or union's definition before a
    /// forward declaration of it.
    fn find(&self, kind: NameKind, name: &str) -> Result<Option<TypeId>, TypeError>;

    /// The enum that has a constant `name`, and the constant's value (see `Enumerator`).
    fn find_enumerator(&self, name: &str) -> Result<Option<(TypeId, u64)>, TypeError>;

    /// Bytes in a pointer of the machine these types describe.
    fn pointer_size(&self) -> Result<u32, TypeError>;

    /// `find`, with an error that names what was missing.
    fn lookup(&self, kind: NameKind, name: &str) -> Result<TypeId, TypeError> {
        self.find(kind, name)?.ok_or_else(|| TypeError::Unknown {
            kind,
            name: name.to_string(),
        })
    }

    /// `id` with typedefs, qualifiers and type tags taken off: what it is underneath.
    fn resolve(&self, mut id: TypeId) -> Result<(TypeId, CType), TypeError> {
        for _ in 0..MAX_DEPTH {
            match self.get(id)? {
                CType::Typedef { target, .. }
                | CType::Qualified { target, .. }
                | CType::TypeTag { target, .. } => id = target,
                other => return Ok((id, other)),
            }
        }
        Err(too_deep(id))
    }

    /// `sizeof`.
    fn size_of(&self, id: TypeId) -> Result<u64, TypeError> {
        let mut count = 1u64;
        let mut id = id;
        for _ in 0..MAX_DEPTH {
            let size = match self.resolve(id)?.1 {
                CType::Int(int) => u64::from(int.size),
                CType::Float { size, .. } | CType::Section { size, .. } => u64::from(size),
                CType::Enum(Enum { size, .. }) => u64::from(size),
                CType::Struct(composite) | CType::Union(composite) => u64::from(composite.size),
                CType::Pointer { .. } => u64::from(self.pointer_size()?),
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
                    return Err(TypeError::Incomplete {
                        name: self.name_of(id)?,
                    })
                }
            };
            return Ok(count.saturating_mul(size));
        }
        Err(too_deep(id))
    }

    /// The member `name` of the struct or union `id` (through typedefs and qualifiers),
    /// looking inside anonymous struct and union members as C does.
    fn member(&self, id: TypeId, name: &str) -> Result<Field, TypeError> {
        let members = match self.resolve(id)?.1 {
            CType::Struct(composite) | CType::Union(composite) => composite.members,
            CType::Forward { .. } => {
                return Err(TypeError::Incomplete {
                    name: self.name_of(id)?,
                })
            }
            _ => {
                return Err(TypeError::NotComposite {
                    owner: self.name_of(id)?,
                    member: name.to_string(),
                })
            }
        };
        match find_member(self, members, name, 0, &mut { MAX_WORK })? {
            Some(field) => Ok(field),
            None => Err(TypeError::NoMember {
                owner: self.name_of(id)?,
                member: name.to_string(),
            }),
        }
    }

    /// A chain of member names from a struct or a pointer to one, as C's `.` and `->` would
    /// take it: each step through a pointer is marked, so the reader knows where to load one.
    fn chain(&self, id: TypeId, names: &[&str]) -> Result<Vec<Step>, TypeError> {
        let mut steps = Vec::with_capacity(names.len());
        let mut current = id;
        for name in names {
            let (through_pointer, owner) = match self.resolve(current)?.1 {
                CType::Pointer { target } => (true, target),
                _ => (false, current),
            };
            let field = self.member(owner, name)?;
            steps.push(Step {
                through_pointer,
                field,
            });
            current = field.target;
        }
        Ok(steps)
    }

    /// `offsetof(type, a.b.c)`: the members' offsets added up, never through a pointer.
    fn offset_of(&self, id: TypeId, names: &[&str]) -> Result<Field, TypeError> {
        let mut total: Option<Field> = None;
        for (index, name) in names.iter().enumerate() {
            let owner = total.map_or(id, |field| field.target);
            if index > 0 && matches!(self.resolve(owner)?.1, CType::Pointer { .. }) {
                return Err(TypeError::ThroughPointer {
                    owner: self.name_of(id)?,
                    member: names[..index].join("."),
                });
            }
            let mut field = self.member(owner, name)?;
            field.bit_offset += total.map_or(0, |before| before.bit_offset);
            total = Some(field);
        }
        total.ok_or_else(|| TypeError::Malformed("offsetof of no member".to_string()))
    }

    /// A function's id and prototype, by the function's name.
    fn function(&self, name: &str) -> Result<Option<(TypeId, Prototype)>, TypeError> {
        let Some(id) = self.find(NameKind::Function, name)? else {
            return Ok(None);
        };
        let CType::Function { prototype, .. } = self.get(id)? else {
            return Err(TypeError::Malformed(format!(
                "type {id} was found as function `{name}` but is not one"
            )));
        };
        match self.get(prototype)? {
            CType::Prototype(found) => Ok(Some((id, found))),
            _ => Err(TypeError::Malformed(format!(
                "function `{name}`'s prototype (type {prototype}) is not one"
            ))),
        }
    }

    /// The C spelling of a type: `struct task_struct *`, `const char *`, `char[16]`, `pid_t`,
    /// `int (*)(struct file *, long)`.
    fn name_of(&self, id: TypeId) -> Result<String, TypeError> {
        spell(self, id, String::new(), 0, &mut { MAX_WORK })
    }
}

fn too_deep(id: TypeId) -> TypeError {
    TypeError::Malformed(format!(
        "type {id}: typedefs, qualifiers or nesting more than {MAX_DEPTH} deep (a cycle?)"
    ))
}

/// `name` among `members` or inside their anonymous members.
fn find_member<S: TypeSource + ?Sized>(
    source: &S,
    members: Vec<Member>,
    name: &str,
    depth: usize,
    work: &mut usize,
) -> Result<Option<Field>, TypeError> {
    *work = work.saturating_sub(members.len() + 1);
    if depth > MAX_DEPTH || *work == 0 {
        return Err(TypeError::Malformed(
            "anonymous members nest too deep".to_string(),
        ));
    }
    for member in members {
        if member.name == name {
            return field(source, &member).map(Some);
        }
        if !member.name.is_empty() {
            continue;
        }
        let inner = match source.resolve(member.target)?.1 {
            CType::Struct(composite) | CType::Union(composite) => composite.members,
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
fn field<S: TypeSource + ?Sized>(source: &S, member: &Member) -> Result<Field, TypeError> {
    let mut field = Field {
        target: member.target,
        bit_offset: u64::from(member.bit_offset),
        bitfield_size: member.bitfield_size,
    };
    if field.bitfield_size == 0 {
        if let CType::Int(int) = source.resolve(member.target)?.1 {
            if u64::from(int.bits) != u64::from(int.size) * 8 || int.bit_offset != 0 {
                field.bit_offset += u64::from(int.bit_offset);
                field.bitfield_size = int.bits;
            }
        }
    }
    Ok(field)
}

/// The type `id` declaring `inner` (C's declarators read inside out).
fn spell<S: TypeSource + ?Sized>(
    source: &S,
    id: TypeId,
    inner: String,
    depth: usize,
    work: &mut usize,
) -> Result<String, TypeError> {
    *work = work.saturating_sub(1);
    if depth > MAX_DEPTH || *work == 0 {
        return Err(too_deep(id));
    }
    let named = |base: String| {
        if inner.is_empty() {
            base
        } else if inner.starts_with('[') {
            base + &inner
        } else {
            base + " " + &inner
        }
    };
    let tagged = |tag: &str, name: &str| {
        if name.is_empty() {
            named(format!("{tag} (anonymous)"))
        } else {
            named(format!("{tag} {name}"))
        }
    };
    Ok(match source.get(id)? {
        CType::Void => named("void".to_string()),
        CType::Int(Int { name, .. })
        | CType::Float { name, .. }
        | CType::Typedef { name, .. }
        | CType::Function { name, .. }
        | CType::Variable { name, .. }
        | CType::Section { name, .. } => named(name),
        CType::Struct(composite) => tagged("struct", &composite.name),
        CType::Union(composite) => tagged("union", &composite.name),
        CType::Enum(found) => tagged("enum", &found.name),
        CType::Forward { name, union } => tagged(if union { "union" } else { "struct" }, &name),
        CType::Pointer { target } => {
            let pointer = format!("*{inner}");
            let wrapped = match source.get(target)? {
                CType::Array { .. } | CType::Prototype(_) => format!("({pointer})"),
                _ => pointer,
            };
            spell(source, target, wrapped, depth + 1, work)?
        }
        CType::Array {
            element, length, ..
        } => spell(
            source,
            element,
            format!("{inner}[{length}]"),
            depth + 1,
            work,
        )?,
        CType::Qualified { qualifier, target } => {
            let word = match qualifier {
                Qualifier::Const => "const",
                Qualifier::Volatile => "volatile",
                Qualifier::Restrict => "restrict",
            };
            if matches!(source.get(target)?, CType::Pointer { .. }) {
                let inner = if inner.is_empty() {
                    word.to_string()
                } else {
                    format!("{word} {inner}")
                };
                spell(source, target, inner, depth + 1, work)?
            } else {
                format!("{word} {}", spell(source, target, inner, depth + 1, work)?)
            }
        }
        CType::TypeTag { target, .. } | CType::DeclTag { target, .. } => {
            spell(source, target, inner, depth + 1, work)?
        }
        CType::Prototype(prototype) => {
            let mut parameters = Vec::with_capacity(prototype.parameters.len() + 1);
            for parameter in &prototype.parameters {
                parameters.push(spell(
                    source,
                    parameter.target,
                    String::new(),
                    depth + 1,
                    work,
                )?);
            }
            if prototype.variadic {
                parameters.push("...".to_string());
            } else if parameters.is_empty() {
                parameters.push("void".to_string());
            }
            let declarator = format!("{inner}({})", parameters.join(", "));
            spell(source, prototype.returns, declarator, depth + 1, work)?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source of types held in a list (id = index), as script definitions will be: the
    /// resolution above must work for any source, not BTF alone.
    struct Table {
        types: Vec<CType>,
        pointer_size: u32,
    }

    fn name(ty: &CType) -> Option<&str> {
        match ty {
            CType::Struct(c) | CType::Union(c) => Some(&c.name),
            CType::Typedef { name, .. }
            | CType::Int(Int { name, .. })
            | CType::Function { name, .. } => Some(name),
            _ => None,
        }
    }

    impl TypeSource for Table {
        fn get(&self, id: TypeId) -> Result<CType, TypeError> {
            self.types
                .get(id as usize)
                .cloned()
                .ok_or_else(|| TypeError::Malformed(format!("no type {id}")))
        }

        fn find(&self, kind: NameKind, wanted: &str) -> Result<Option<TypeId>, TypeError> {
            Ok(self
                .types
                .iter()
                .position(|ty| {
                    let right_kind = match kind {
                        NameKind::Struct => matches!(ty, CType::Struct(_)),
                        NameKind::Union => matches!(ty, CType::Union(_)),
                        NameKind::Typedef => matches!(ty, CType::Typedef { .. }),
                        NameKind::Function => matches!(ty, CType::Function { .. }),
                        _ => false,
                    };
                    right_kind && name(ty) == Some(wanted)
                })
                .map(|index| index as TypeId))
        }

        fn find_enumerator(&self, _: &str) -> Result<Option<(TypeId, u64)>, TypeError> {
            Ok(None)
        }

        fn pointer_size(&self) -> Result<u32, TypeError> {
            Ok(self.pointer_size)
        }
    }

    fn int(name: &str, size: u32, signed: bool) -> CType {
        CType::Int(Int {
            name: name.into(),
            size,
            signed,
            char: name == "char",
            boolean: false,
            bits: (size * 8) as u8,
            bit_offset: 0,
        })
    }

    fn member(name: &str, target: TypeId, bit_offset: u32, bitfield_size: u8) -> Member {
        Member {
            name: name.into(),
            target,
            bit_offset,
            bitfield_size,
        }
    }

    fn composite(name: &str, size: u32, members: Vec<Member>) -> Composite {
        Composite {
            name: name.into(),
            size,
            members,
        }
    }

    /// A little kernel on a 32-bit machine: a task with a parent pointer behind a const
    /// typedef, an anonymous union, bitfields of both BTF encodings, an array.
    fn kernel() -> Table {
        let types = vec![
            /* 0 */ CType::Void,
            /* 1 */ int("int", 4, true),
            /* 2 */ int("char", 1, true),
            /* 3 */
            CType::Typedef {
                name: "pid_t".into(),
                target: 1,
            },
            /* 4 */
            CType::Struct(composite(
                "task_struct",
                40,
                vec![
                    member("state", 1, 0, 0),
                    member("", 5, 32, 0),
                    member("pid", 3, 96, 0),
                    member("tgid", 3, 128, 0),
                    member("real_parent", 7, 160, 0),
                    member("comm", 8, 192, 0),
                    member("in_iowait", 1, 320, 1),
                    member("sched_reset", 9, 320, 0),
                ],
            )),
            /* 5 */
            CType::Union(composite(
                "",
                8,
                vec![member("flags", 1, 0, 0), member("", 10, 0, 0)],
            )),
            /* 6 */
            CType::Qualified {
                qualifier: Qualifier::Const,
                target: 4,
            },
            /* 7 */ CType::Pointer { target: 6 },
            /* 8 */
            CType::Array {
                element: 2,
                index: 1,
                length: 16,
            },
            // An old-encoding bitfield: 3 bits, 1 bit into its member's offset.
            /* 9 */
            CType::Int(Int {
                name: "unsigned int".into(),
                size: 4,
                signed: false,
                char: false,
                boolean: false,
                bits: 3,
                bit_offset: 1,
            }),
            /* 10 */
            CType::Struct(composite(
                "",
                8,
                vec![member("low", 1, 0, 0), member("high", 1, 32, 0)],
            )),
            /* 11 */ CType::Pointer { target: 8 },
            /* 12 */
            CType::Prototype(Prototype {
                returns: 1,
                parameters: vec![
                    Parameter {
                        name: "task".into(),
                        target: 7,
                    },
                    Parameter {
                        name: "".into(),
                        target: 13,
                    },
                ],
                variadic: false,
            }),
            /* 13 */ CType::Pointer { target: 14 },
            /* 14 */
            CType::Qualified {
                qualifier: Qualifier::Const,
                target: 2,
            },
            /* 15 */ CType::Pointer { target: 12 },
            /* 16 */
            CType::Function {
                name: "wake_up".into(),
                prototype: 12,
                linkage: Linkage::Global,
            },
            /* 17 */
            CType::Qualified {
                qualifier: Qualifier::Const,
                target: 13,
            },
            /* 18 */
            CType::Forward {
                name: "sock".into(),
                union: false,
            },
            /* 19 */
            CType::Array {
                element: 8,
                index: 1,
                length: 3,
            },
            /* 20 */ CType::Pointer { target: 0 },
        ];
        Table {
            types,
            pointer_size: 4,
        }
    }

    #[test]
    fn a_chain_goes_through_pointers_typedefs_and_anonymous_members() {
        let kernel = kernel();
        let task = kernel.lookup(NameKind::Struct, "task_struct").unwrap();
        let steps = kernel.chain(7, &["real_parent", "tgid"]).unwrap();
        assert_eq!(
            steps,
            [
                Step {
                    through_pointer: true,
                    field: Field {
                        target: 7,
                        bit_offset: 160,
                        bitfield_size: 0
                    }
                },
                Step {
                    through_pointer: true,
                    field: Field {
                        target: 3,
                        bit_offset: 128,
                        bitfield_size: 0
                    }
                },
            ]
        );
        assert_eq!(kernel.name_of(steps[1].field.target).unwrap(), "pid_t");
        // `flags` and `high` sit in an anonymous union and a struct inside it.
        let flags = kernel.member(task, "flags").unwrap();
        assert_eq!((flags.byte_offset(), flags.target), (4, 1));
        let high = kernel.member(task, "high").unwrap();
        assert_eq!(high.byte_offset(), 8);
        let steps = kernel.chain(task, &["comm"]).unwrap();
        assert!(!steps[0].through_pointer);
        assert_eq!(steps[0].field.byte_offset(), 24);
        assert_eq!(kernel.size_of(steps[0].field.target).unwrap(), 16);
    }

    #[test]
    fn bitfields_of_either_encoding_have_their_bits() {
        let kernel = kernel();
        let new = kernel.member(4, "in_iowait").unwrap();
        assert_eq!((new.bit_offset, new.bitfield_size), (320, 1));
        let old = kernel.member(4, "sched_reset").unwrap();
        assert_eq!((old.bit_offset, old.bitfield_size), (321, 3));
        assert_eq!(kernel.member(4, "pid").unwrap().bitfield_read(false), None);
        let read = old.bitfield_read(false).unwrap();
        assert_eq!(
            read,
            BitfieldRead {
                byte_offset: 40,
                size: 1,
                shift: 1,
                bits: 3
            }
        );
        assert_eq!(read.extract(0b1010_1011), 0b101);
        let read = old.bitfield_read(true).unwrap();
        assert_eq!((read.byte_offset, read.size, read.shift), (40, 1, 4));
    }

    /// Bit `index` of memory, counting as BTF does: from the least significant bit of byte 0
    /// on little-endian machines, from the most significant on big-endian ones.
    fn memory_bit(memory: &[u8], index: u64, big_endian: bool) -> u64 {
        let byte = memory[(index / 8) as usize];
        let bit = if big_endian { 7 - index % 8 } else { index % 8 };
        u64::from(byte >> bit & 1)
    }

    #[test]
    fn bitfield_reads_agree_with_memory_bit_by_bit() {
        let memory: Vec<u8> = (0..16u8).map(|i| i.wrapping_mul(73) ^ 0x5a).collect();
        for big_endian in [false, true] {
            for bits in 1..=32u8 {
                for bit_offset in 0..(128 - u64::from(bits)) {
                    let field = Field {
                        target: 1,
                        bit_offset,
                        bitfield_size: bits,
                    };
                    let mut want = 0;
                    for index in bit_offset..bit_offset + u64::from(bits) {
                        want = want << 1 | memory_bit(&memory, index, big_endian);
                    }
                    if !big_endian {
                        // Little-endian fields hold their lowest bit first.
                        want = (0..bits).fold(0, |value, index| value << 1 | (want >> index & 1));
                    }
                    let Some(read) = field.bitfield_read(big_endian) else {
                        assert!(bit_offset / 64 != (bit_offset + u64::from(bits) - 1) / 64);
                        continue;
                    };
                    let start = read.byte_offset as usize;
                    let bytes = &memory[start..start + read.size as usize];
                    let loaded = if big_endian {
                        bytes
                            .iter()
                            .fold(0u64, |value, &byte| value << 8 | u64::from(byte))
                    } else {
                        bytes
                            .iter()
                            .rev()
                            .fold(0u64, |value, &byte| value << 8 | u64::from(byte))
                    };
                    assert_eq!(
                        read.extract(loaded),
                        want,
                        "{bits} bits at {bit_offset}, big-endian {big_endian}"
                    );
                }
            }
        }
    }

    #[test]
    fn sizes_follow_arrays_typedefs_and_the_sources_pointer_size() {
        let kernel = kernel();
        assert_eq!(kernel.size_of(4).unwrap(), 40);
        assert_eq!(kernel.size_of(6).unwrap(), 40, "through const");
        assert_eq!(kernel.size_of(3).unwrap(), 4, "through a typedef");
        assert_eq!(kernel.size_of(7).unwrap(), 4, "a 32-bit machine's pointer");
        assert_eq!(kernel.size_of(19).unwrap(), 48, "char[3][16]");
        for (id, name) in [
            (0, "void"),
            (18, "struct sock"),
            (12, "int (const struct task_struct *, const char *)"),
        ] {
            assert_eq!(
                kernel.size_of(id),
                Err(TypeError::Incomplete { name: name.into() })
            );
        }
    }

    #[test]
    fn offsetof_adds_offsets_and_refuses_pointers() {
        let kernel = kernel();
        assert_eq!(kernel.offset_of(4, &["comm"]).unwrap().byte_offset(), 24);
        assert_eq!(kernel.offset_of(4, &["high"]).unwrap().byte_offset(), 8);
        let error = kernel.offset_of(4, &["real_parent", "pid"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`real_parent` of struct task_struct is a pointer: offsetof cannot go through it"
        );
        assert_eq!(
            kernel.offset_of(4, &["pid", "x"]).unwrap_err().to_string(),
            "`pid_t` is not a struct or union, so it has no member `x`"
        );
        assert_eq!(
            kernel.chain(7, &["parent"]).unwrap_err().to_string(),
            "const struct task_struct has no member `parent`"
        );
        assert_eq!(
            kernel.member(18, "sk_family").unwrap_err().to_string(),
            "`struct sock` has no size here"
        );
        assert_eq!(
            kernel
                .lookup(NameKind::Struct, "file")
                .unwrap_err()
                .to_string(),
            "unknown struct file"
        );
    }

    #[test]
    fn types_are_spelled_as_c_declares_them() {
        let kernel = kernel();
        for (id, spelled) in [
            (4, "struct task_struct"),
            (5, "union (anonymous)"),
            (7, "const struct task_struct *"),
            (8, "char[16]"),
            (11, "char (*)[16]"),
            (13, "const char *"),
            (15, "int (*)(const struct task_struct *, const char *)"),
            (16, "wake_up"),
            (17, "const char *const"),
            (19, "char[3][16]"),
            (20, "void *"),
        ] {
            assert_eq!(kernel.name_of(id).unwrap(), spelled);
        }
        let (id, prototype) = kernel.function("wake_up").unwrap().unwrap();
        assert_eq!((id, prototype.parameters.len()), (16, 2));
        assert_eq!(kernel.function("sleep").unwrap(), None);
    }

    #[test]
    fn cycles_in_a_broken_source_are_errors_not_hangs() {
        // A struct whose two anonymous members are itself, and a typedef of itself.
        let table = Table {
            types: vec![
                CType::Void,
                CType::Struct(composite(
                    "loop",
                    8,
                    vec![member("", 1, 0, 0), member("", 1, 0, 0)],
                )),
                CType::Typedef {
                    name: "self".into(),
                    target: 2,
                },
                CType::Pointer { target: 3 },
            ],
            pointer_size: 8,
        };
        assert!(matches!(table.member(1, "x"), Err(TypeError::Malformed(_))));
        assert!(matches!(table.size_of(2), Err(TypeError::Malformed(_))));
        assert!(matches!(table.name_of(3), Err(TypeError::Malformed(_))));
    }
}
