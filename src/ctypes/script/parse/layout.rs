//! Where members lie: attributes (`packed`, `aligned`) and the layout of structs and unions as
//! gcc gives it on the target.

use super::*;

/// The attribute words `attributes` knows, by index: the kernel's macros and gcc's keyword.
const ATTRIBUTE_WORDS: &str = "__packed __aligned __attribute__ __attribute";

/// Inside `__attribute__((…))`: the two that change a layout, each spelled two ways.
const INNER_ATTRIBUTES: &str = "packed __packed__ aligned __aligned__";

impl<'a, 't> Parser<'a, 't> {
    /// `__attribute__((packed, aligned(8)))`, `__packed`, `__aligned(8)`: false when the next
    /// token is none of them. Attributes that change no layout are read over.
    pub(super) fn attributes(&mut self, attributes: &mut Attributes) -> bool {
        match self
            .ident()
            .and_then(|word| word_index(ATTRIBUTE_WORDS, word))
        {
            Some(0) => {
                self.at += 1;
                attributes.packed = true;
            }
            Some(1) => {
                self.at += 1;
                self.expect("(");
                attributes.aligned = attributes.aligned.max(self.alignment());
                self.expect(")");
            }
            Some(2 | 3) => {
                self.at += 1;
                self.expect("(");
                self.expect("(");
                while let Some(word) = self.ident() {
                    self.at += 1;
                    match word_index(INNER_ATTRIBUTES, word) {
                        Some(0 | 1) => attributes.packed = true,
                        Some(2 | 3) => {
                            if !self.eat("(") {
                                self.fail_here(format_args!(
                                    "`aligned` without a value is not understood: give it one"
                                ));
                                return false;
                            }
                            attributes.aligned = attributes.aligned.max(self.alignment());
                            self.expect(")");
                        }
                        _ if self.is("(") => self.skip_parenthesized(),
                        _ => {}
                    }
                    if !self.eat(",") {
                        break;
                    }
                }
                self.expect(")");
                self.expect(")");
            }
            _ => return false,
        }
        true
    }

    fn alignment(&mut self) -> u64 {
        let token = self.peek();
        let value = self.expression();
        if value <= 0 || value > 1 << 28 || value & (value - 1) != 0 {
            self.fail(error_at(
                token,
                format_args!("alignment {value} is not a power of two"),
            ));
            return 0;
        }
        value as u64
    }

    /// A struct's or union's size, alignment and members, placed as gcc places them: each
    /// member at its type's alignment (1 when packed); a bitfield after the one before it
    /// unless it would span more alignment units of its type than the type has.
    #[inline(never)]
    pub(super) fn lay_out(
        &self,
        union: bool,
        declared: &[Declared<'a, 't>],
        attributes: Attributes,
    ) -> Result<(u32, u32, Vec<Member>)> {
        let definitions = &*self.definitions;
        let mut members = Vec::with_capacity(declared.len());
        let (mut end, mut align) = (0u64, 1u64);
        for member in declared {
            let fail = |message: fmt::Arguments| error_at(member.token, message);
            let (size, type_align) = self.size_and_align(member)?;
            let packed = attributes.packed || member.attributes.packed;
            let field_align = if packed { 1 } else { type_align }.max(member.attributes.aligned);
            let start = if union { 0 } else { end };
            let (offset, bits) = match member.bits {
                Some(bits) => {
                    let bits = u64::from(bits);
                    self.check_bitfield(member, bits, size)?;
                    if !member.name.is_empty() || definitions.abi.unnamed_bitfields_align {
                        align = align.max(field_align);
                    }
                    if bits == 0 {
                        // `int : 0;` ends the unit: what follows starts at the next one.
                        if !union {
                            end = start.next_multiple_of(type_align * 8);
                        }
                        continue;
                    }
                    let unit = type_align * 8;
                    let spans = (start % unit + bits).div_ceil(unit);
                    if !packed && spans > size * 8 / unit {
                        (start.next_multiple_of(unit), bits)
                    } else {
                        (start, bits)
                    }
                }
                None => {
                    align = align.max(field_align);
                    (start.next_multiple_of(field_align * 8), size * 8)
                }
            };
            if !member.name.is_empty() || member.bits.is_none() {
                members.push(Member {
                    name: member.name.to_string(),
                    target: member.target,
                    bit_offset: u32::try_from(offset)
                        .map_err(|_| fail(format_args!("`{}` lies too far in", member.name)))?,
                    bitfield_size: member.bits.unwrap_or(0) as u8,
                });
            }
            end = end.max(offset + bits);
        }
        let align = align.max(attributes.aligned);
        let size = end.div_ceil(8).next_multiple_of(align);
        match (u32::try_from(size), u32::try_from(align)) {
            (Ok(size), Ok(align)) => Ok((size, align, members)),
            _ => Err(error_at(
                declared.first().and_then(|member| member.token),
                format_args!("this struct or union is too large"),
            )),
        }
    }

    /// That bitfield `member`, `bits` wide, has an integer type of `size` bytes that holds it,
    /// and bits unless it is unnamed (`int : 0;`).
    fn check_bitfield(&self, member: &Declared, bits: u64, size: u64) -> Result<()> {
        let definitions = &*self.definitions;
        let name = member.name;
        let error = if !matches!(
            definitions.resolved(member.target),
            Some(CType::Int(_) | CType::Enum(_))
        ) {
            let spelled = definitions.name_of(member.target).unwrap_or_default();
            error_at(
                member.token,
                format_args!("bitfield `{name}` must have an integer type, not `{spelled}`"),
            )
        } else if bits > size * 8 {
            let spelled = definitions.name_of(member.target).unwrap_or_default();
            error_at(
                member.token,
                format_args!("bitfield `{name}` is {bits} bits wide, more than `{spelled}` holds"),
            )
        } else if bits == 0 && !name.is_empty() {
            error_at(member.token, format_args!("bitfield `{name}` has no bits"))
        } else {
            return Ok(());
        };
        Err(error)
    }

    /// A member's size and its type's alignment.
    fn size_and_align(&self, member: &Declared) -> Result<(u64, u64)> {
        let definitions = &*self.definitions;
        let (size, align) = match (
            definitions.size_of(member.target),
            definitions.align_of(member.target),
        ) {
            (Ok(size), Ok(align)) => (size, align),
            _ => {
                let what = match definitions.resolved(member.target) {
                    Some(CType::Forward { .. } | CType::Enum(_)) => {
                        "which is only declared here: define it above (#include lines are not \
                         read), or run on a kernel with BTF"
                    }
                    _ => "which has no size",
                };
                return Err(error_at(
                    member.token,
                    format_args!(
                        "member `{}` has type `{}`, {what}",
                        member.name,
                        definitions.name_of(member.target).unwrap_or_default()
                    ),
                ));
            }
        };
        if size > u64::from(u32::MAX) {
            return Err(error_at(
                member.token,
                format_args!("member `{}` is too large", member.name),
            ));
        }
        Ok((size, u64::from(align)))
    }
}
