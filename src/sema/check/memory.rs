//! sema::check::memory: typed C memory — casts to `struct X *`, `->` and `.` through them,
//! `curtask`, `sizeof`, `offsetof`, enum constants and `#define`s — with types from the
//! script's own definitions first, then the kernel's BTF (`Providers::kernel_types`).

use std::borrow::Cow;
use std::cell::OnceCell;
use std::rc::Rc;

use crate::ctypes::script::{Abi, Definitions};
use crate::ctypes::{CType, NameKind, TypeError, TypeId, TypeSource};
use crate::lang::diag::{Diag, Span};
use crate::sema::context::Providers;
use crate::sema::program::{Expr, ExprKind};
use crate::sema::types::{AddressSpace, CStruct, Type, TypeOrigin, I64, U64};

/// `#define`s of the kernel's ABI that bpftrace's tools take from headers and that BTF, which
/// holds enums only, lacks.
const KERNEL_DEFINES: [(&str, u64); 3] = [("AF_INET", 2), ("AF_INET6", 10), ("TASK_RUNNING", 0)];

/// The preprocessor's words, after a `#` (a string of words: see `crate::words`).
const DIRECTIVES: &str = "define undef include if else elif endif pragma";

/// Why a C type could not be had, as sema's message: boxed, so that a result of a `Type`
/// (16 bytes) returns in registers.
pub(super) type Message = Box<String>;

/// The C types a script can name.
// The script's definitions, the largest, last: the other fields sit at short offsets.
#[repr(C)]
pub(super) struct CTypes<'p> {
    providers: &'p dyn Providers,
    kernel: OnceCell<Result<Option<Rc<dyn TypeSource>>, String>>,
    script: Option<Definitions>,
}

impl<'p> CTypes<'p> {
    /// Reads the definitions above the probes; with `#if`s in them, `BPFTRACE_HAVE_BTF` is
    /// defined when the kernel has BTF, as bpftrace defines it. When they do not parse, the
    /// error joins `errors` and the kernel's types are the only ones.
    #[inline(never)]
    pub(super) fn new(
        definitions: &str,
        providers: &'p dyn Providers,
        errors: &mut Vec<Diag>,
    ) -> Self {
        let mut types = CTypes::without_definitions(providers);
        if crate::words::trim(definitions).is_empty() {
            return types;
        }
        // tine reads a line starting `#` that is no directive as a comment (ply's `# ...`): it
        // is left an empty line.
        let mut text = String::with_capacity(definitions.len());
        let mut pieces = crate::words::split(definitions, b'\n').peekable();
        while let Some(line) = pieces.next() {
            let directive = crate::words::trim_start(line)
                .strip_prefix('#')
                .map(|rest| {
                    let word = crate::words::trim_start(rest);
                    crate::words::split(DIRECTIVES, b' ').any(|known| word.starts_with(known))
                });
            if directive != Some(false) {
                text.push_str(line);
            }
            if directive == Some(false) || pieces.peek().is_some() {
                text.push('\n');
            }
        }
        // By bytes: a `&str` search would link a searcher into the binary.
        let conditional = text.as_bytes().windows(3).any(|part| part == b"#if");
        let btf = conditional && matches!(types.kernel(), Ok(Some(_)));
        let predefined: &[&str] = if btf { &["BPFTRACE_HAVE_BTF"] } else { &[] };
        match Definitions::parse(&text, Abi::host(), predefined) {
            Ok(parsed) => types.script = Some(parsed),
            Err(error) => {
                let at = offset_of_line(definitions, error.line, error.column);
                errors.push(Diag::new(
                    Span::new(at, at + 1),
                    format!("in the C definitions: {}", error.message),
                ));
            }
        }
        types
    }

    /// The kernel's types only.
    fn without_definitions(providers: &'p dyn Providers) -> Self {
        CTypes {
            script: None,
            providers,
            kernel: OnceCell::new(),
        }
    }

    fn kernel(&self) -> Result<Option<&dyn TypeSource>, Message> {
        match self.kernel.get_or_init(|| self.providers.kernel_types()) {
            Ok(kernel) => Ok(kernel.as_deref()),
            Err(error) => Err(Box::new(error.clone())),
        }
    }

    fn source(&self, origin: TypeOrigin) -> Result<&dyn TypeSource, Message> {
        let source = match origin {
            TypeOrigin::Script => self.script.as_ref().map(|script| script as &dyn TypeSource),
            TypeOrigin::Kernel => self.kernel()?,
        };
        source.ok_or_else(|| Box::new("no C types".to_string()))
    }

    /// The type of `kind name`, from the script's definitions, else the kernel's.
    fn find(&self, kind: NameKind, name: &str) -> Result<(TypeOrigin, TypeId), Message> {
        if let Some(script) = &self.script {
            if let Some(id) = find(script, kind, name)? {
                return Ok((TypeOrigin::Script, id));
            }
        }
        let word = kind_word(kind);
        let Some(kernel) = self.kernel()? else {
            return Err(format!(
                "unknown `{word} {name}`: define it above the probes, or run on a kernel with BTF"
            )
            .into());
        };
        match find(kernel, kind, name)? {
            Some(id) => Ok((TypeOrigin::Kernel, id)),
            None => Err(format!("the kernel's BTF has no `{word} {name}`").into()),
        }
    }

    /// A cast's or `sizeof`'s `struct X**`, `union X`, `enum X`; None for other spellings.
    pub(super) fn named(
        &self,
        type_name: &str,
        space: AddressSpace,
    ) -> Option<Result<Type, Message>> {
        let trimmed = crate::words::trim_end_byte(type_name, b'*');
        let stars = type_name.len() - trimmed.len();
        let (word, name) = crate::words::split_once(trimmed, b' ')?;
        let kind = match word {
            "struct" => NameKind::Struct,
            "union" => NameKind::Union,
            "enum" => NameKind::Enum,
            _ => return None,
        };
        Some(self.find(kind, name).and_then(|(origin, id)| {
            let mut ty = self.convert(origin, id, space, 0)?;
            for _ in 0..stars {
                ty = Type::pointer(ty, space);
            }
            Ok(ty)
        }))
    }

    /// sema's type for C type `id`: integers and enums as integers, `char[N]` as a string,
    /// a struct or union as itself (its members typed when read); pointers into `space`, or
    /// user memory when BTF tags them `__user`.
    fn convert(
        &self,
        origin: TypeOrigin,
        id: TypeId,
        space: AddressSpace,
        depth: usize,
    ) -> Result<Type, Message> {
        let source = self.source(origin)?;
        if depth > 16 {
            return Err(about(source, id, "type ", " nests too deep"));
        }
        let (resolved, ty) = resolve(source, id)?;
        Ok(match *ty {
            CType::Void | CType::Prototype(_) | CType::Function { .. } => Type::Void,
            CType::Int(ref int) if matches!(int.size, 1 | 2 | 4 | 8) => Type::Int {
                bytes: int.size as u8,
                signed: int.signed,
            },
            CType::Enum(ref found) if matches!(found.size, 1 | 2 | 4 | 8) => Type::Int {
                bytes: found.size as u8,
                signed: found.signed,
            },
            CType::Pointer { target } => {
                let user = matches!(source.get(target).as_deref(), Ok(CType::TypeTag { name, .. }) if name == "user");
                let space = if user { AddressSpace::User } else { space };
                Type::pointer(self.convert(origin, target, space, depth + 1)?, space)
            }
            CType::Array {
                element, length, ..
            } => match self.convert(origin, element, space, depth + 1)? {
                Type::Int { bytes: 1, .. } if matches!(*resolve(source, element)?.1, CType::Int(ref int) if int.char) => {
                    Type::Chars(length as usize)
                }
                element => Type::Array(Box::new(element), length),
            },
            CType::Struct(ref composite) | CType::Union(ref composite) => {
                Type::CStruct(Rc::new(CStruct {
                    origin,
                    id: resolved,
                    size: composite.size as usize,
                    name: source.name_of(resolved).map_err(failed)?.into(),
                }))
            }
            // A pointer to a struct declared here and defined elsewhere in the same source.
            CType::Forward { ref name, union } => {
                let kind = if union {
                    NameKind::Union
                } else {
                    NameKind::Struct
                };
                match find(source, kind, name)? {
                    Some(defined) if defined != resolved => {
                        self.convert(origin, defined, space, depth + 1)?
                    }
                    _ => {
                        return Err(format!(
                            "`{} {name}` is declared but never defined",
                            kind_word(kind)
                        )
                        .into())
                    }
                }
            }
            _ => {
                return Err(about(
                    source,
                    id,
                    "`",
                    "` is not a type tine reads (integers, pointers, arrays, structs)",
                ))
            }
        })
    }

    /// `base.field` or `base->field` of a C struct.
    #[inline(never)]
    pub(super) fn member(
        &self,
        owner: &CStruct,
        field: &str,
        space: AddressSpace,
    ) -> Result<MemberRead, Message> {
        let source = self.source(owner.origin)?;
        let found = source.member(owner.id, field).map_err(failed)?;
        let ty = self.convert(owner.origin, found.target, space, 0)?;
        let (offset, ty, bits) = match found.bitfield_read(cfg!(target_endian = "big")) {
            Some(read) => {
                let signed = ty.is_signed();
                let ty = Type::Int {
                    bytes: read.size as u8,
                    signed: false,
                };
                (read.byte_offset, ty, Some((read.shift, read.bits, signed)))
            }
            None if found.bitfield_size > 0 => {
                return Err(
                    format!("bitfield `{field}` straddles 8 bytes: tine cannot read it").into(),
                )
            }
            None => (found.byte_offset(), ty, None),
        };
        // A load's offset is 16 bits.
        if offset > i16::MAX as u64 {
            return Err(format!(
                "`{field}` is {offset} bytes into {}: too far for one load",
                owner.name
            )
            .into());
        }
        Ok(MemberRead {
            offset: offset as usize,
            ty,
            bitfield: bits,
        })
    }

    /// `offsetof(type, a.b)`.
    pub(super) fn offset_of(&self, ty: &Type, members: &[String]) -> Result<u64, Message> {
        let Type::CStruct(owner) = ty else {
            return Err(format!("{ty} has no members").into());
        };
        let names: Vec<&str> = members.iter().map(String::as_str).collect();
        let source = self.source(owner.origin)?;
        let field = source.offset_of(owner.id, &names).map_err(failed)?;
        Ok(field.byte_offset())
    }

    /// `curtask`'s type: a `struct task_struct *` when the types know one, else a number.
    pub(super) fn task(&self) -> Type {
        match self.named("struct task_struct*", AddressSpace::Kernel) {
            Some(Ok(ty)) => ty,
            _ => U64,
        }
    }

    /// A constant by name, its value and type: the script's `#define` or enum, a kernel
    /// `#define` BTF lacks, then an enum of the kernel's.
    #[inline(never)]
    pub(super) fn constant(&self, name: &str) -> Result<Option<(u64, Type)>, Message> {
        let enumerator = |source: &dyn TypeSource| -> Result<Option<(u64, Type)>, Message> {
            match source.find_enumerator(name).map_err(failed)? {
                Some((id, value)) => {
                    let ty = match *resolve(source, id)?.1 {
                        CType::Enum(ref found) if found.signed => I64,
                        _ => U64,
                    };
                    Ok(Some((value, ty)))
                }
                None => Ok(None),
            }
        };
        if let Some(script) = &self.script {
            if let Some(value) = script.constant(name) {
                return Ok(Some((value as u64, I64)));
            }
            if let Some(found) = enumerator(script)? {
                return Ok(Some(found));
            }
        }
        if let Some(&(_, value)) = KERNEL_DEFINES.iter().find(|(known, _)| *known == name) {
            return Ok(Some((value, I64)));
        }
        match self.kernel()? {
            Some(kernel) => enumerator(kernel),
            None => Ok(None),
        }
    }
}

/// Where a member is and what it reads as.
pub(super) struct MemberRead {
    /// From the start of the struct, in bytes.
    pub offset: usize,
    pub ty: Type,
    /// For a bitfield (whose `ty` is the unsigned integer that holds it): how to take it out
    /// of that integer, (shift right, bits, whether signed).
    pub bitfield: Option<(u32, u8, bool)>,
}

/// `source.resolve(id)`, its error as sema's message: one copy of the conversion.
#[inline(never)]
fn resolve(source: &dyn TypeSource, id: TypeId) -> Result<(TypeId, Cow<'_, CType>), Message> {
    source.resolve(id).map_err(failed)
}

/// `source.find(kind, name)`, its error as sema's message.
#[inline(never)]
fn find(source: &dyn TypeSource, kind: NameKind, name: &str) -> Result<Option<TypeId>, Message> {
    source.find(kind, name).map_err(failed)
}

/// A type source's error as sema's message: one place formats and drops it.
#[inline(never)]
fn failed(error: TypeError) -> Message {
    Box::new(error.to_string())
}

/// A message about type `id`: `before`, its C spelling, `after`.
#[inline(never)]
fn about(source: &dyn TypeSource, id: TypeId, before: &str, after: &str) -> Message {
    match source.name_of(id) {
        Ok(name) => Box::new(format!("{before}{name}{after}")),
        Err(error) => failed(error),
    }
}

fn kind_word(kind: NameKind) -> &'static str {
    match kind {
        NameKind::Union => "union",
        NameKind::Enum => "enum",
        _ => "struct",
    }
}

/// The byte offset of `line`:`column` (from 1) in `text`.
fn offset_of_line(text: &str, line: u32, column: u32) -> usize {
    // After the newline that ends each line before it, or at the end.
    let mut start = 0;
    for _ in 1..line {
        match crate::words::find_byte(&text[start..], b'\n') {
            Some(end) => start += end + 1,
            None => start = text.len(),
        }
    }
    (start + column.saturating_sub(1) as usize).min(text.len().saturating_sub(1))
}

/// Where the memory a member of `place` is read from points: the space of the pointer the
/// chain went through last.
pub(super) fn space_of_place(place: &Expr) -> AddressSpace {
    match &place.kind {
        ExprKind::Member {
            base,
            through_pointer: true,
            ..
        } => match &base.ty {
            Type::Pointer { space, .. } => *space,
            _ => AddressSpace::Kernel,
        },
        ExprKind::Member { base, .. } => space_of_place(base),
        ExprKind::Unary { operand, .. } => match &operand.ty {
            Type::Pointer { space, .. } => *space,
            _ => AddressSpace::Kernel,
        },
        _ => AddressSpace::Kernel,
    }
}

/// How far into the memory of the pointer last gone through a member of `place` starts: the
/// offsets of a `.` chain add up, and a load's offset is 16 bits.
pub(super) fn offset_within(place: &Expr, offset: usize) -> Result<usize, String> {
    let mut total = offset;
    let mut at = place;
    while let ExprKind::Member {
        base,
        offset,
        through_pointer,
        ..
    } = &at.kind
    {
        total = total.saturating_add(*offset);
        if *through_pointer {
            break;
        }
        at = base;
    }
    if total > i16::MAX as usize {
        return Err(format!(
            "this is {total} bytes into a struct: too far for one load"
        ));
    }
    Ok(total)
}
