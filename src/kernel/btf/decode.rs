//! Decoding one BTF type record into a `ctypes::CType`: the common words, then what its kind
//! appends (members, enumerators, parameters, section variables).

use super::*;

impl Btf {
    /// Decodes the record of type `id` (of this file).
    #[inline(never)]
    pub(super) fn decode(&self, id: TypeId) -> Result<CType, TypeError> {
        let (start, info) = self.record(id)?;
        let kind = kind(info);
        // Every kind but these has a name.
        let name = match kind {
            KIND_PTR | KIND_ARRAY | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT
            | KIND_FUNC_PROTO => String::new(),
            _ => self.name(self.word(start)),
        };
        // The word after name and info: a size or a type id, by kind.
        let third = self.word(start + 8);
        let tail = start + TYPE_SIZE;
        // The first word after the record, which some kinds have (0 past the data for others).
        let fourth = self.word(tail);
        let decoded = match kind {
            KIND_INT => CType::Int(int(name, third, fourth)),
            KIND_PTR => CType::Pointer { target: third },
            KIND_ARRAY => CType::Array {
                element: fourth,
                index: self.word(tail + 4),
                length: self.word(tail + 8),
            },
            KIND_STRUCT | KIND_UNION => self.composite(info, tail, name, third),
            KIND_ENUM | KIND_ENUM64 => CType::Enum(Enum {
                values: self.enumerators(info, tail),
                name,
                size: third,
                signed: kind_flag(info),
            }),
            KIND_FWD => CType::Forward {
                name,
                union: kind_flag(info),
            },
            KIND_TYPEDEF => CType::Typedef {
                name,
                target: third,
            },
            KIND_VOLATILE | KIND_CONST | KIND_RESTRICT => CType::Qualified {
                qualifier: qualifier(kind),
                target: third,
            },
            KIND_FUNC => CType::Function {
                name,
                prototype: third,
                linkage: linkage(vlen(info) as u32),
            },
            KIND_FUNC_PROTO => self.prototype(info, tail, third),
            KIND_VAR => CType::Variable {
                name,
                target: third,
                linkage: linkage(fourth),
            },
            KIND_DATASEC => CType::Section {
                variables: self.variables(info, tail),
                name,
                size: third,
            },
            KIND_FLOAT => CType::Float { name, size: third },
            KIND_DECL_TAG => CType::DeclTag {
                name,
                target: third,
                // -1 when the tag is on the type itself.
                component: u32::try_from(fourth as i32).ok(),
                attribute: kind_flag(info),
            },
            KIND_TYPE_TAG => CType::TypeTag {
                name,
                target: third,
                attribute: kind_flag(info),
            },
            other => {
                self.name_error()?;
                return Err(malformed(format_args!(
                    "type {id} is of unknown kind {other}"
                )));
            }
        };
        self.name_error()?;
        Ok(decoded)
    }

    /// A data section's variables, from the record's `tail`.
    #[inline(never)]
    fn variables(&self, info: u32, tail: usize) -> Vec<SectionVariable> {
        let mut variables = Vec::with_capacity(vlen(info));
        for index in 0..vlen(info) {
            let at = tail + index * 12;
            variables.push(SectionVariable {
                variable: self.word(at),
                offset: self.word(at + 4),
                size: self.word(at + 8),
            });
        }
        variables
    }

    /// A struct or union of `size` bytes, its members from the record's `tail`.
    fn composite(&self, info: u32, tail: usize, name: String, size: u32) -> CType {
        let composite = Composite {
            members: self.members(info, tail),
            name,
            size,
        };
        if kind(info) == KIND_STRUCT {
            CType::Struct(composite)
        } else {
            CType::Union(composite)
        }
    }

    /// A struct's or union's members, from the record's `tail`.
    #[inline(never)]
    fn members(&self, info: u32, tail: usize) -> Vec<Member> {
        let mut members = Vec::with_capacity(vlen(info));
        for index in 0..vlen(info) {
            let at = tail + index * 12;
            let offset = self.word(at + 8);
            // kind_flag: the offset word holds the bitfield size above 24 bits of offset.
            let (bit_offset, bitfield_size) = if kind_flag(info) {
                (offset & 0xff_ffff, (offset >> 24) as u8)
            } else {
                (offset, 0)
            };
            members.push(Member {
                name: self.name(self.word(at)),
                target: self.word(at + 4),
                bit_offset,
                bitfield_size,
            });
        }
        members
    }

    /// An enum's constants, from the record's `tail`.
    #[inline(never)]
    fn enumerators(&self, info: u32, tail: usize) -> Vec<Enumerator> {
        let entry_size = if kind(info) == KIND_ENUM { 8 } else { 12 };
        let mut values = Vec::with_capacity(vlen(info));
        for index in 0..vlen(info) {
            let at = tail + index * entry_size;
            values.push(Enumerator {
                name: self.name(self.word(at)),
                value: self.enum_value(info, at),
            });
        }
        values
    }

    /// A function prototype returning `returns`, its parameters from the record's `tail`.
    #[inline(never)]
    fn prototype(&self, info: u32, tail: usize, returns: TypeId) -> CType {
        let count = vlen(info);
        let mut parameters = Vec::with_capacity(count);
        let mut variadic = false;
        for index in 0..count {
            let at = tail + index * 8;
            let (name_offset, target) = (self.word(at), self.word(at + 4));
            // A last parameter of no name and type void stands for `...`.
            if index + 1 == count && name_offset == 0 && target == 0 {
                variadic = true;
            } else {
                parameters.push(Parameter {
                    name: self.name(name_offset),
                    target,
                });
            }
        }
        CType::Prototype(Prototype {
            returns,
            parameters,
            variadic,
        })
    }
}

/// An integer type of `size` bytes, from the word of flags and bits after its record.
fn int(name: String, size: u32, encoding: u32) -> Int {
    Int {
        name,
        size,
        signed: encoding & (1 << 24) != 0,
        char: encoding & (1 << 25) != 0,
        boolean: encoding & (1 << 26) != 0,
        bit_offset: (encoding >> 16) as u8,
        bits: encoding as u8,
    }
}

fn qualifier(kind: u32) -> Qualifier {
    match kind {
        KIND_VOLATILE => Qualifier::Volatile,
        KIND_CONST => Qualifier::Const,
        _ => Qualifier::Restrict,
    }
}

fn linkage(value: u32) -> Linkage {
    match value {
        0 => Linkage::Static,
        1 => Linkage::Global,
        2 => Linkage::Extern,
        other => Linkage::Other(other),
    }
}
