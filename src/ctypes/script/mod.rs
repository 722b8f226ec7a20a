//! ctypes::script: the second source of types, for kernels without BTF (most routers): the C
//! definitions a script writes above its probes, as bpftrace's tools do (`struct`, `union`,
//! `enum`, `typedef`, `#define NAME value`, `#include` noted and skipped, `#ifdef` blocks),
//! laid out with the C rules of the target's ABI as gcc does. A hand-written tokenizer and
//! recursive descent: declarators read inside out, and directive lines met anywhere between
//! tokens, suit a token cursor better than parser combinators.

mod lex;
mod parse;

use std::borrow::Cow;
use std::fmt;

use super::{malformed, CType, Enum, Int, NameKind, TypeError, TypeErrorKind, TypeId, TypeSource};

/// What a target's C ABI decides about layout, beyond the sizes C fixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Abi {
    /// 4 or 8.
    pub pointer_size: u32,
    /// `long`'s size: 4 or 8.
    pub long_size: u32,
    /// Alignment of 8-byte integers and doubles: 8 on every Linux target tine builds for (4 on
    /// i386).
    pub int64_align: u32,
    /// Whether an unnamed bitfield's type aligns the struct, as on arm and aarch64 (gcc's
    /// TARGET_ALIGN_ANON_BITFIELD); not on x86, mips or riscv.
    pub unnamed_bitfields_align: bool,
}

impl Abi {
    pub const X86_64: Abi = Abi::new(8, false);
    pub const AARCH64: Abi = Abi::new(8, true);
    pub const RISCV64: Abi = Abi::new(8, false);
    /// armv7 EABI.
    pub const ARM: Abi = Abi::new(4, true);
    /// mips o32, either byte order (bit offsets count in memory order, so they do not change).
    pub const MIPS: Abi = Abi::new(4, false);

    const fn new(word: u32, unnamed_bitfields_align: bool) -> Abi {
        Abi {
            pointer_size: word,
            long_size: word,
            int64_align: 8,
            unnamed_bitfields_align,
        }
    }

    /// The ABI tine was built for.
    pub fn host() -> Abi {
        let word = std::mem::size_of::<usize>() as u32;
        Abi::new(
            word,
            cfg!(any(target_arch = "arm", target_arch = "aarch64")),
        )
    }
}

/// A definition that was not understood: where, and what. Boxed, since the parser's every
/// result carries it (binary size); the fields are read through `Deref`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefinitionError(Box<Misread>);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Misread {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl std::ops::Deref for DefinitionError {
    type Target = Misread;

    fn deref(&self) -> &Misread {
        &self.0
    }
}

impl std::ops::DerefMut for DefinitionError {
    fn deref_mut(&mut self) -> &mut Misread {
        &mut self.0
    }
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for DefinitionError {}

/// An `#include` line, skipped: there are no headers on the machines this source is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Include {
    pub line: u32,
    /// As written: `<linux/sched.h>`.
    pub header: String,
}

/// The types of a script's C definitions, with C's base types and the kernel's integer
/// typedefs (`u32`, `__be16`, `size_t`, …) built in.
#[derive(Clone, Debug)]
pub struct Definitions {
    abi: Abi,
    types: Vec<CType>,
    /// Beside `types`: a struct's or union's alignment, 0 for other types.
    aligns: Vec<u32>,
    /// `#define`s in force: a name, and its integer value unless it was defined empty.
    defines: Vec<(String, Option<i64>)>,
    includes: Vec<Include>,
    /// Types below this id are built in: a script may redefine their typedefs.
    builtins: TypeId,
}

/// C's base types by the names gcc's debug info (and so BTF) gives them, one a line in the
/// order of their ids (from 1): the integers, then `float` and `double`.
const SCALARS: &str = "char
signed char
unsigned char
short int
short unsigned int
int
unsigned int
long int
long unsigned int
long long int
long long unsigned int
_Bool
float
double";

/// Beside each line of `SCALARS`, its size: 0 for `long`'s, which the ABI decides.
const SCALAR_SIZES: [u8; 14] = [1, 1, 1, 2, 2, 4, 4, 0, 0, 8, 8, 1, 4, 8];

/// The signed ones among `SCALARS`, a bit each (the first line's the lowest). The kernel builds
/// with -funsigned-char on every architecture since 6.2, so `char` is not.
const SIGNED: u16 = 0b10_1010_1010;

// The scalars' ids: void, then `SCALARS`.
const SCHAR: TypeId = 2;
const UCHAR: TypeId = 3;
const SHORT: TypeId = 4;
const USHORT: TypeId = 5;
/// `int`: also the index type of arrays, as in BTF.
const INT: TypeId = 6;
const UINT: TypeId = 7;
const LONG: TypeId = 8;
const ULONG: TypeId = 9;
const LLONG: TypeId = 10;
const ULLONG: TypeId = 11;
const BOOL: TypeId = 12;

/// The kernel's typedefs of integer types that a pasted definition uses without defining: one
/// line of names for each type of `TYPEDEF_TARGETS`, in one string (a table of `&str`s costs
/// 16 bytes a name beside the names). `__aligned_u64` is 8-aligned on i386 only, where the
/// kernel needs it to be; u64 is on every target here.
const TYPEDEFS: &str = "u8 __u8 uint8_t
s8 __s8 int8_t
u16 __u16 uint16_t __le16 __be16 __sum16 umode_t
s16 __s16 int16_t
u32 __u32 uint32_t __le32 __be32 __wsum gfp_t fmode_t dev_t uid_t gid_t
s32 __s32 int32_t pid_t
u64 __u64 uint64_t __le64 __be64 sector_t __aligned_u64 aligned_u64
s64 __s64 int64_t loff_t ktime_t
size_t uintptr_t
ssize_t intptr_t
bool";

/// The type each line of `TYPEDEFS` names.
const TYPEDEF_TARGETS: [u8; 11] = [
    UCHAR as u8,
    SCHAR as u8,
    USHORT as u8,
    SHORT as u8,
    UINT as u8,
    INT as u8,
    ULLONG as u8,
    LLONG as u8,
    ULONG as u8,
    LONG as u8,
    BOOL as u8,
];

/// The words a base type is spelled with, in the order `scalar_id` counts them.
pub(super) const SCALAR_WORDS: &str = "signed unsigned char short int long _Bool float double void";

// Every list of words here is one string (see `crate::words`).
pub(super) use crate::words::word_index;

// Each word of `SCALAR_WORDS` counted in 3 bits of a spelling's key: no word can be written
// more than 4 times in the 4 words a spelling may have, so no count spills into the next.
const SG: u32 = 1;
const UN: u32 = 1 << 3;
const CH: u32 = 1 << 6;
const SH: u32 = 1 << 9;
const IN: u32 = 1 << 12;
const LO: u32 = 1 << 15;
const BO: u32 = 1 << 18;
const FL: u32 = 1 << 21;
const DO: u32 = 1 << 24;
const VO: u32 = 1 << 27;

/// Every spelling of a C base type, in any order, as its key: the words' counts.
const SPELLINGS: [u32; 31] = [
    VO,
    CH,
    SG + CH,
    UN + CH,
    SH,
    SH + IN,
    SG + SH,
    SG + SH + IN,
    UN + SH,
    UN + SH + IN,
    IN,
    SG,
    SG + IN,
    UN,
    UN + IN,
    LO,
    LO + IN,
    SG + LO,
    SG + LO + IN,
    UN + LO,
    UN + LO + IN,
    2 * LO,
    2 * LO + IN,
    SG + 2 * LO,
    SG + 2 * LO + IN,
    UN + 2 * LO,
    UN + 2 * LO + IN,
    BO,
    FL,
    DO,
    LO + DO,
];

/// Beside `SPELLINGS`: the type each spells, by its id (`LONG_DOUBLE` past the built-ins).
const SPELLED: [u8; 31] = [
    0, 1, 2, 3, 4, 4, 4, 4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 8, 8, 9, 9, 10, 10, 10, 10, 11, 11, 12, 13,
    14, 15,
];

/// The id `SPELLED` gives `long double`, which has no type here.
const LONG_DOUBLE: TypeId = 15;

/// The id of the base type spelled `words`, in any order: `unsigned long` is
/// `long unsigned int`, `signed` is `int`, `void` is `void` (0); None when the words spell no
/// C type (`unsigned float`, `short long`).
fn scalar_id(words: &[&str]) -> Option<TypeId> {
    if words.len() > 4 {
        return None;
    }
    let mut key = 0;
    for word in words {
        key += 1 << (3 * word_index(SCALAR_WORDS, word)?);
    }
    let index = SPELLINGS.iter().position(|&found| found == key)?;
    Some(TypeId::from(SPELLED[index]))
}

/// The name gcc's debug info (and so BTF) gives the base type spelled `words` (see
/// `scalar_id`).
pub fn scalar_name(words: &[&str]) -> Option<&'static str> {
    Some(match scalar_id(words)? {
        0 => "void",
        LONG_DOUBLE => "long double",
        id => crate::words::lines(SCALARS)
            .nth(id as usize - 1)
            .unwrap_or_default(),
    })
}

/// The names `Definitions::named` looks among: C's tags, gcc's base type names, typedefs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Space {
    Tag,
    Scalar,
    Typedef,
}

impl Definitions {
    /// Reads `text` (the lines above a script's probes; line numbers count from its start) for
    /// a target of `abi`. `predefined` names count as `#define`d, for `#ifdef` (bpftrace's
    /// tools test `BPFTRACE_HAVE_BTF`). A `#define`'s value is computed where it stands, from
    /// what is defined above it (C would wait until it is used).
    #[inline(never)]
    pub fn parse(
        text: &str,
        abi: Abi,
        predefined: &[&str],
    ) -> Result<Definitions, DefinitionError> {
        let mut definitions = Definitions::builtin(abi);
        for name in predefined {
            definitions.defines.push((name.to_string(), None));
        }
        parse::Parser::new(&lex::tokens(text), &mut definitions).run()?;
        Ok(definitions)
    }

    #[inline(never)]
    fn builtin(abi: Abi) -> Definitions {
        let mut types = vec![CType::Void];
        for (index, name) in crate::words::lines(SCALARS).enumerate() {
            let size = match u32::from(SCALAR_SIZES[index]) {
                0 => abi.long_size,
                size => size,
            };
            let id = index as TypeId + 1;
            types.push(if id > BOOL {
                CType::Float {
                    name: name.to_string(),
                    size,
                }
            } else {
                CType::Int(Int {
                    name: name.to_string(),
                    size,
                    signed: SIGNED >> index & 1 != 0,
                    char: id <= UCHAR,
                    boolean: id == BOOL,
                    bits: (size * 8) as u8,
                    bit_offset: 0,
                })
            });
        }
        for (line, &target) in crate::words::lines(TYPEDEFS).zip(&TYPEDEF_TARGETS) {
            for name in crate::words::split(line, b' ') {
                types.push(CType::Typedef {
                    name: name.to_string(),
                    target: TypeId::from(target),
                });
            }
        }
        Definitions {
            abi,
            aligns: vec![0; types.len()],
            builtins: types.len() as TypeId,
            types,
            defines: Vec::new(),
            includes: Vec::new(),
        }
    }

    pub fn abi(&self) -> Abi {
        self.abi
    }

    /// The `#include` lines read over, for the caller to note.
    pub fn includes(&self) -> &[Include] {
        &self.includes
    }

    /// The value of `#define name value`.
    pub fn constant(&self, name: &str) -> Option<i64> {
        self.define(name).flatten()
    }

    /// Whether `name` is `#define`d, and its value if it has one.
    fn define(&self, name: &str) -> Option<Option<i64>> {
        self.defines
            .iter()
            .rev()
            .find(|(defined, _)| defined == name)
            .map(|(_, value)| *value)
    }

    /// `id` with typedefs and qualifiers taken off (see `resolve`); None when it cannot be.
    fn resolved(&self, id: TypeId) -> Option<&CType> {
        let (resolved, _) = self.resolve(id).ok()?;
        self.types.get(resolved as usize)
    }

    fn push(&mut self, ty: CType) -> TypeId {
        self.types.push(ty);
        self.aligns.push(0);
        (self.types.len() - 1) as TypeId
    }

    /// The alignment C gives `id` on this ABI; None when it has no size (see `size_of`).
    fn align_of(&self, id: TypeId) -> Result<u32, TypeError> {
        let (resolved, ty) = self.resolve(id)?;
        Ok(1.max(match *ty {
            CType::Int(Int { size, .. })
            | CType::Float { size, .. }
            | CType::Enum(Enum { size, .. }) => size.min(self.abi.int64_align),
            CType::Pointer { .. } => self.abi.pointer_size,
            CType::Array { element, .. } => self.align_of(element)?,
            CType::Struct(_) | CType::Union(_) => self.aligns[resolved as usize],
            _ => {
                return Err(TypeErrorKind::Incomplete {
                    name: self.name_of(id)?,
                }
                .into())
            }
        }))
    }

    /// The first type of C's name space `space` called `name`: one walk for the three.
    #[inline(never)]
    fn named(&self, space: Space, name: &str) -> Option<TypeId> {
        self.types
            .iter()
            .position(|ty| {
                let (found_space, found) = match ty {
                    CType::Struct(composite) | CType::Union(composite) => {
                        (Space::Tag, &composite.name)
                    }
                    CType::Enum(found) => (Space::Tag, &found.name),
                    CType::Forward { name, .. } => (Space::Tag, name),
                    CType::Int(Int { name, .. }) | CType::Float { name, .. } => {
                        (Space::Scalar, name)
                    }
                    CType::Typedef { name, .. } => (Space::Typedef, name),
                    _ => return false,
                };
                found_space == space && found == name
            })
            .map(|id| id as TypeId)
    }

    /// The struct, union or enum called `name`, whatever it is.
    fn tag(&self, name: &str) -> Option<TypeId> {
        self.named(Space::Tag, name)
    }

    /// The base type gcc calls `name`.
    fn scalar(&self, name: &str) -> Option<TypeId> {
        self.named(Space::Scalar, name)
    }

    fn typedef(&self, name: &str) -> Option<TypeId> {
        self.named(Space::Typedef, name)
    }

    /// A constant from an enum defined so far.
    fn enumerator(&self, name: &str) -> Option<(TypeId, u64)> {
        self.types.iter().enumerate().find_map(|(id, ty)| match ty {
            CType::Enum(found) => found
                .values
                .iter()
                .find(|value| value.name == name)
                .map(|value| (id as TypeId, value.value)),
            _ => None,
        })
    }
}

impl TypeSource for Definitions {
    fn as_dyn(&self) -> &dyn TypeSource {
        self
    }

    fn get(&self, id: TypeId) -> Result<Cow<'_, CType>, TypeError> {
        self.types
            .get(id as usize)
            .map(Cow::Borrowed)
            .ok_or_else(|| malformed(format!("no type {id} in the script's definitions")))
    }

    fn find(&self, kind: NameKind, name: &str) -> Result<Option<TypeId>, TypeError> {
        let found = match kind {
            NameKind::Struct | NameKind::Union | NameKind::Enum => self.tag(name).filter(|&id| {
                matches!(
                    (kind, &self.types[id as usize]),
                    (
                        NameKind::Struct,
                        CType::Struct(_) | CType::Forward { union: false, .. }
                    ) | (
                        NameKind::Union,
                        CType::Union(_) | CType::Forward { union: true, .. }
                    ) | (NameKind::Enum, CType::Enum(_))
                )
            }),
            NameKind::Typedef => self.typedef(name),
            NameKind::Scalar => self.scalar(name),
            NameKind::Function | NameKind::Variable => None,
        };
        Ok(found)
    }

    fn find_enumerator(&self, name: &str) -> Result<Option<(TypeId, u64)>, TypeError> {
        Ok(self.enumerator(name))
    }

    fn pointer_size(&self) -> Result<u32, TypeError> {
        Ok(self.abi.pointer_size)
    }
}

#[cfg(test)]
mod tests;
