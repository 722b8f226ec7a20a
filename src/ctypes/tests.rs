use super::*;
use std::borrow::Cow;

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
    fn as_dyn(&self) -> &dyn TypeSource {
        self
    }

    fn get(&self, id: TypeId) -> Result<Cow<'_, CType>, TypeError> {
        self.types
            .get(id as usize)
            .map(Cow::Borrowed)
            .ok_or_else(|| malformed(format!("no type {id}")))
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

pub(crate) fn int(name: &str, size: u32, signed: bool) -> CType {
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
                field: MemberLocation {
                    target: 7,
                    bit_offset: 160,
                    bitfield_size: 0
                }
            },
            Step {
                through_pointer: true,
                field: MemberLocation {
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
                let field = MemberLocation {
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
            Err(TypeErrorKind::Incomplete { name: name.into() }.into())
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
    assert!(matches!(
        table.member(1, "x").unwrap_err().kind(),
        TypeErrorKind::Malformed(_)
    ));
    assert!(matches!(
        table.size_of(2).unwrap_err().kind(),
        TypeErrorKind::Malformed(_)
    ));
    assert!(matches!(
        table.name_of(3).unwrap_err().kind(),
        TypeErrorKind::Malformed(_)
    ));
}
