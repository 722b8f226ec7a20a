use super::*;
use crate::ctypes::TypeErrorKind;

/// Builds a BTF file by hand, in either byte order.
struct Blob {
    big_endian: bool,
    types: Vec<u8>,
    strings: Vec<u8>,
    /// Split BTF: the base's string bytes and the next id.
    first_string: u32,
    next_id: TypeId,
}

impl Blob {
    fn new(big_endian: bool) -> Blob {
        Blob {
            big_endian,
            types: Vec::new(),
            strings: vec![0],
            first_string: 0,
            next_id: 1,
        }
    }

    /// Types and strings that go on from `base`'s.
    fn split(base: &Btf) -> Blob {
        Blob {
            big_endian: base.big_endian,
            types: Vec::new(),
            strings: vec![0],
            first_string: base.first_string + base.strings.len() as u32,
            next_id: base.last_id().unwrap() + 1,
        }
    }

    fn string(&mut self, text: &str) -> u32 {
        if text.is_empty() {
            return 0;
        }
        let offset = self.first_string + self.strings.len() as u32;
        self.strings.extend_from_slice(text.as_bytes());
        self.strings.push(0);
        offset
    }

    fn word(&mut self, value: u32) -> &mut Blob {
        let bytes = if self.big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        };
        self.types.extend_from_slice(&bytes);
        self
    }

    /// The common record; the kind's tail words follow with `word`.
    fn add(&mut self, name: &str, kind: u32, vlen: u32, flag: bool, third: u32) -> TypeId {
        let name = self.string(name);
        let info = u32::from(flag) << 31 | kind << 24 | vlen;
        self.word(name).word(info).word(third);
        self.next_id += 1;
        self.next_id - 1
    }

    /// A named entry of a list (a member, parameter or enumerator): its name, then words.
    fn entry(&mut self, name: &str, words: &[u32]) {
        let name = self.string(name);
        self.word(name);
        for &word in words {
            self.word(word);
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut put = |value: u32| {
            out.extend_from_slice(&if self.big_endian {
                value.to_be_bytes()
            } else {
                value.to_le_bytes()
            })
        };
        put(if self.big_endian {
            0xeb9f_0100
        } else {
            0x0001_eb9f
        });
        put(HEADER_SIZE as u32);
        put(0);
        put(self.types.len() as u32);
        put(self.types.len() as u32);
        put(self.strings.len() as u32);
        out.extend_from_slice(&self.types);
        out.extend_from_slice(&self.strings);
        out
    }
}

/// The types a test blob holds, each with its id, in the order they were added.
type Expected = Vec<(TypeId, CType)>;

/// One type of every kind, and the values each must decode to.
fn every_kind(big_endian: bool) -> (Vec<u8>, Expected) {
    let mut blob = Blob::new(big_endian);
    let mut expected = Vec::new();
    let (int, long, pointer) = scalars(&mut blob, &mut expected);
    let pair = aggregates(&mut blob, &mut expected, int, long, pointer);
    let prototype = declarations(&mut blob, &mut expected, int, pointer);
    let function = functions_and_data(&mut blob, &mut expected, int, prototype);
    tags(&mut blob, &mut expected, int, pair, function);
    wide_and_flagged(&mut blob, &mut expected, int);
    (blob.bytes(), expected)
}

/// A member as BTF's decoding must give it.
fn member(name: &str, target: TypeId, bit_offset: u32, bitfield_size: u8) -> Member {
    Member {
        name: name.into(),
        target,
        bit_offset,
        bitfield_size,
    }
}

/// `int`, `long unsigned int` (not expected: only a target), `int *` and `int[16]`; returns
/// the first three's ids.
fn scalars(blob: &mut Blob, expected: &mut Expected) -> (TypeId, TypeId, TypeId) {
    let int = blob.add("int", KIND_INT, 0, false, 4);
    blob.word(1 << 24 | 32);
    expected.push((
        int,
        CType::Int(Int {
            name: "int".into(),
            size: 4,
            signed: true,
            char: false,
            boolean: false,
            bits: 32,
            bit_offset: 0,
        }),
    ));
    let long = blob.add("long unsigned int", KIND_INT, 0, false, 8);
    blob.word(64);
    let pointer = blob.add("", KIND_PTR, 0, false, int);
    expected.push((pointer, CType::Pointer { target: int }));
    let array = blob.add("", KIND_ARRAY, 0, false, 0);
    blob.word(int).word(long).word(16);
    expected.push((
        array,
        CType::Array {
            element: int,
            index: long,
            length: 16,
        },
    ));
    (int, long, pointer)
}

/// A struct, a union, an enum and a forward declaration, without kind_flag; returns the
/// struct's id.
fn aggregates(
    blob: &mut Blob,
    expected: &mut Expected,
    int: TypeId,
    long: TypeId,
    pointer: TypeId,
) -> TypeId {
    // struct pair { int a; int *b; } with no kind_flag: offsets are plain bit offsets.
    let pair = blob.add("pair", KIND_STRUCT, 2, false, 16);
    blob.entry("a", &[int, 0]);
    blob.entry("b", &[pointer, 64]);
    expected.push((
        pair,
        CType::Struct(Composite {
            name: "pair".into(),
            size: 16,
            members: vec![member("a", int, 0, 0), member("b", pointer, 64, 0)],
        }),
    ));
    // union either { int x; long y; }
    let either = blob.add("either", KIND_UNION, 2, false, 8);
    blob.entry("x", &[int, 0]);
    blob.entry("y", &[long, 0]);
    expected.push((
        either,
        CType::Union(Composite {
            name: "either".into(),
            size: 8,
            members: vec![member("x", int, 0, 0), member("y", long, 0, 0)],
        }),
    ));
    let state = blob.add("state", KIND_ENUM, 2, true, 4);
    blob.entry("RUNNING", &[0]);
    blob.entry("DEAD", &[-1i32 as u32]);
    expected.push((
        state,
        CType::Enum(Enum {
            name: "state".into(),
            size: 4,
            signed: true,
            values: vec![
                Enumerator {
                    name: "RUNNING".into(),
                    value: 0,
                },
                Enumerator {
                    name: "DEAD".into(),
                    value: u64::MAX,
                },
            ],
        }),
    ));
    let sock = blob.add("sock", KIND_FWD, 0, false, 0);
    expected.push((
        sock,
        CType::Forward {
            name: "sock".into(),
            union: false,
        },
    ));
    pair
}

/// A typedef, the three qualifiers and a variadic prototype; returns the prototype's id.
fn declarations(blob: &mut Blob, expected: &mut Expected, int: TypeId, pointer: TypeId) -> TypeId {
    let pid_t = blob.add("pid_t", KIND_TYPEDEF, 0, false, int);
    expected.push((
        pid_t,
        CType::Typedef {
            name: "pid_t".into(),
            target: int,
        },
    ));
    for (kind, qualifier) in [
        (KIND_VOLATILE, Qualifier::Volatile),
        (KIND_CONST, Qualifier::Const),
        (KIND_RESTRICT, Qualifier::Restrict),
    ] {
        let id = blob.add("", kind, 0, false, int);
        expected.push((
            id,
            CType::Qualified {
                qualifier,
                target: int,
            },
        ));
    }
    // int (int *p, pid_t, ...)
    let prototype = blob.add("", KIND_FUNC_PROTO, 3, false, int);
    blob.entry("p", &[pointer]);
    blob.entry("", &[pid_t]);
    blob.entry("", &[0]);
    expected.push((
        prototype,
        CType::Prototype(Prototype {
            returns: int,
            parameters: vec![
                Parameter {
                    name: "p".into(),
                    target: pointer,
                },
                Parameter {
                    name: "".into(),
                    target: pid_t,
                },
            ],
            variadic: true,
        }),
    ));
    prototype
}

/// A function of `prototype`, a variable, its data section and a float; returns the
/// function's id.
fn functions_and_data(
    blob: &mut Blob,
    expected: &mut Expected,
    int: TypeId,
    prototype: TypeId,
) -> TypeId {
    let function = blob.add("do_thing", KIND_FUNC, 1, false, prototype);
    expected.push((
        function,
        CType::Function {
            name: "do_thing".into(),
            prototype,
            linkage: Linkage::Global,
        },
    ));
    let variable = blob.add("counter", KIND_VAR, 0, false, int);
    blob.word(1);
    expected.push((
        variable,
        CType::Variable {
            name: "counter".into(),
            target: int,
            linkage: Linkage::Global,
        },
    ));
    let section = blob.add(".data..percpu", KIND_DATASEC, 1, false, 8);
    blob.word(variable).word(4).word(4);
    expected.push((
        section,
        CType::Section {
            name: ".data..percpu".into(),
            size: 8,
            variables: vec![SectionVariable {
                variable,
                offset: 4,
                size: 4,
            }],
        },
    ));
    let double = blob.add("double", KIND_FLOAT, 0, false, 8);
    expected.push((
        double,
        CType::Float {
            name: "double".into(),
            size: 8,
        },
    ));
    function
}

/// Declaration tags on a member and on a whole function, and a type tag.
fn tags(blob: &mut Blob, expected: &mut Expected, int: TypeId, pair: TypeId, function: TypeId) {
    let member_tag = blob.add("user", KIND_DECL_TAG, 0, false, pair);
    blob.word(1);
    expected.push((
        member_tag,
        CType::DeclTag {
            name: "user".into(),
            target: pair,
            component: Some(1),
            attribute: false,
        },
    ));
    let whole_tag = blob.add("noinline", KIND_DECL_TAG, 0, true, function);
    blob.word(-1i32 as u32);
    expected.push((
        whole_tag,
        CType::DeclTag {
            name: "noinline".into(),
            target: function,
            component: None,
            attribute: true,
        },
    ));
    let type_tag = blob.add("rcu", KIND_TYPE_TAG, 0, false, int);
    expected.push((
        type_tag,
        CType::TypeTag {
            name: "rcu".into(),
            target: int,
            attribute: false,
        },
    ));
}

/// An enum64, and the kinds whose kind_flag changes what they mean: bitfield members of a
/// struct and a union, an unsigned enum above i32::MAX, a forward declaration of a union.
fn wide_and_flagged(blob: &mut Blob, expected: &mut Expected, int: TypeId) {
    let big = blob.add("big", KIND_ENUM64, 2, false, 8);
    blob.entry("HUGE", &[1, 0xffff_ffff]);
    blob.entry("SMALL", &[7, 0]);
    expected.push((
        big,
        CType::Enum(Enum {
            name: "big".into(),
            size: 8,
            signed: false,
            values: vec![
                Enumerator {
                    name: "HUGE".into(),
                    value: 0xffff_ffff_0000_0001,
                },
                Enumerator {
                    name: "SMALL".into(),
                    value: 7,
                },
            ],
        }),
    ));
    // struct flags { unsigned a:3, b:5; int c; } with kind_flag: size << 24 | offset.
    let flags = blob.add("flags", KIND_STRUCT, 3, true, 8);
    blob.entry("a", &[int, 3 << 24]);
    blob.entry("b", &[int, 5 << 24 | 3]);
    blob.entry("c", &[int, 32]);
    expected.push((
        flags,
        CType::Struct(Composite {
            name: "flags".into(),
            size: 8,
            members: vec![
                member("a", int, 0, 3),
                member("b", int, 3, 5),
                member("c", int, 32, 0),
            ],
        }),
    ));
    // A union with kind_flag and a unsigned enum with a value above i32::MAX.
    let tagged = blob.add("tagged", KIND_UNION, 1, true, 4);
    blob.entry("bits", &[int, 7 << 24]);
    expected.push((
        tagged,
        CType::Union(Composite {
            name: "tagged".into(),
            size: 4,
            members: vec![member("bits", int, 0, 7)],
        }),
    ));
    let mask = blob.add("mask", KIND_ENUM, 1, false, 4);
    blob.entry("TOP", &[0x8000_0000]);
    expected.push((
        mask,
        CType::Enum(Enum {
            name: "mask".into(),
            size: 4,
            signed: false,
            values: vec![Enumerator {
                name: "TOP".into(),
                value: 0x8000_0000,
            }],
        }),
    ));
    let file = blob.add("file", KIND_FWD, 0, true, 0);
    expected.push((
        file,
        CType::Forward {
            name: "file".into(),
            union: true,
        },
    ));
}

#[test]
fn every_kind_decodes_in_either_byte_order() {
    let (little, expected) = every_kind(false);
    let (big, expected_big) = every_kind(true);
    assert_eq!(expected, expected_big);
    assert_ne!(little, big);
    for (bytes, big_endian) in [(little, false), (big, true)] {
        let btf = Btf::parse(bytes, None).unwrap();
        assert_eq!(btf.big_endian(), big_endian);
        assert_eq!(*btf.get(0).unwrap(), CType::Void);
        for (id, want) in &expected {
            assert_eq!(
                &*btf.get(*id).unwrap(),
                want,
                "type {id}, big-endian {big_endian}"
            );
        }
        let last = btf.last_id().unwrap();
        assert_eq!(last, expected.last().unwrap().0);
        assert!(btf.get(last + 1).is_err());
    }
}

#[test]
fn names_are_found_by_kind_in_either_byte_order() {
    for big_endian in [false, true] {
        let (bytes, _) = every_kind(big_endian);
        let btf = Btf::parse(bytes, None).unwrap();
        let find = |kind, name| btf.find(kind, name).unwrap();
        assert_eq!(find(NameKind::Struct, "pair"), Some(5));
        assert_eq!(find(NameKind::Union, "pair"), None);
        assert_eq!(find(NameKind::Union, "either"), Some(6));
        assert_eq!(
            find(NameKind::Struct, "sock"),
            Some(8),
            "a forward declaration"
        );
        assert_eq!(find(NameKind::Union, "file"), Some(25));
        assert_eq!(find(NameKind::Struct, "file"), None, "`file` is a union");
        assert_eq!(find(NameKind::Typedef, "pid_t"), Some(9));
        assert_eq!(find(NameKind::Struct, "pid_t"), None);
        assert_eq!(find(NameKind::Scalar, "double"), Some(17));
        assert_eq!(find(NameKind::Scalar, "int"), Some(1));
        assert_eq!(find(NameKind::Scalar, "in"), None, "a prefix is not a name");
        assert_eq!(find(NameKind::Enum, "big"), Some(21));
        assert_eq!(find(NameKind::Function, "do_thing"), Some(14));
        assert_eq!(find(NameKind::Variable, "counter"), Some(15));
        assert_eq!(btf.find_enumerator("DEAD").unwrap(), Some((7, u64::MAX)));
        assert_eq!(
            btf.find_enumerator("HUGE").unwrap(),
            Some((21, 0xffff_ffff_0000_0001))
        );
        assert_eq!(btf.find_enumerator("TOP").unwrap(), Some((24, 0x8000_0000)));
        assert_eq!(btf.find_enumerator("ALIVE").unwrap(), None);
        let (id, prototype) = btf.function("do_thing").unwrap().unwrap();
        assert_eq!(id, 14);
        assert_eq!(prototype.parameters[0].name, "p");
        assert_eq!(
            btf.names(NameKind::Struct).unwrap(),
            [(5, "pair"), (8, "sock"), (22, "flags")]
        );
        assert_eq!(btf.pointer_size().unwrap(), 8, "a `long unsigned int` of 8");
    }
}

#[test]
fn a_definition_is_found_before_an_earlier_forward_declaration() {
    let mut blob = Blob::new(false);
    blob.add("task_struct", KIND_FWD, 0, false, 0);
    let int = blob.add("int", KIND_INT, 0, false, 4);
    blob.word(1 << 24 | 32);
    let task = blob.add("task_struct", KIND_STRUCT, 1, false, 4);
    blob.entry("pid", &[int, 0]);
    blob.add("state", KIND_ENUM, 0, false, 4);
    let btf = Btf::parse(blob.bytes(), None).unwrap();
    assert_eq!(
        btf.find(NameKind::Struct, "task_struct").unwrap(),
        Some(task)
    );
    assert_eq!(btf.find(NameKind::Enum, "state").unwrap(), Some(4));
    assert_eq!(btf.size_of(task).unwrap(), 4);
    assert!(matches!(
        btf.size_of(1).unwrap_err().kind(),
        TypeErrorKind::Incomplete { name } if name == "struct task_struct"
    ));
}

/// The walk stops where the answer is: a type after it is never read (here a kind no
/// reader knows, which a full walk would report).
#[test]
fn a_lookup_reads_no_further_than_its_answer() {
    let mut blob = Blob::new(false);
    let int = blob.add("int", KIND_INT, 0, false, 4);
    blob.word(1 << 24 | 32);
    let task = blob.add("task_struct", KIND_STRUCT, 1, false, 4);
    blob.entry("pid", &[int, 0]);
    blob.add("future", 31, 0, false, 0);
    let btf = Btf::parse(blob.bytes(), None).unwrap();
    assert_eq!(
        btf.find(NameKind::Struct, "task_struct").unwrap(),
        Some(task)
    );
    assert_eq!(btf.chain(task, &["pid"]).unwrap()[0].field.target, int);
    assert_eq!(btf.size_of(task).unwrap(), 4);
    assert_eq!(
        btf.starts.borrow().len(),
        2,
        "the third type was not walked"
    );
    let error = btf.find(NameKind::Struct, "sock").unwrap_err();
    assert!(error.to_string().contains("kind 31"), "{error}");
}

#[test]
fn split_btf_goes_on_from_its_bases_ids_and_strings() {
    for big_endian in [false, true] {
        let (bytes, _) = every_kind(big_endian);
        let base = Rc::new(Btf::parse(bytes, None).unwrap());
        let mut blob = Blob::split(&base);
        let first = blob.next_id;
        // struct nf_conn { struct pair tuple; pid_t owner; } reuses the base's types and
        // the base's string "pair" as a member name.
        let conn = blob.add("nf_conn", KIND_STRUCT, 2, false, 20);
        blob.word(base.u32_at(base.record(5).unwrap().0).unwrap());
        blob.word(5).word(0);
        blob.entry("owner", &[9, 128]);
        let pointer = blob.add("", KIND_PTR, 0, false, conn);
        let module = Btf::parse(blob.bytes(), Some(base.clone())).unwrap();
        assert_eq!(module.first_id(), first);
        assert_eq!(conn, first);
        assert_eq!(module.last_id().unwrap(), pointer);
        assert_eq!(
            module.find(NameKind::Struct, "nf_conn").unwrap(),
            Some(conn)
        );
        assert_eq!(module.find(NameKind::Struct, "pair").unwrap(), Some(5));
        assert_eq!(module.get(5).unwrap(), base.get(5).unwrap());
        let CType::Struct(composite) = module.get(conn).unwrap().into_owned() else {
            panic!("not a struct");
        };
        assert_eq!(composite.members[0].name, "pair", "a base string");
        assert_eq!(composite.members[1].name, "owner");
        let steps = module.chain(pointer, &["owner"]).unwrap();
        assert!(steps[0].through_pointer);
        assert_eq!(steps[0].field.byte_offset(), 16);
        assert_eq!(module.name_of(steps[0].field.target).unwrap(), "pid_t");
        assert_eq!(module.name_of(pointer).unwrap(), "struct nf_conn *");
        assert_eq!(module.find_enumerator("DEAD").unwrap(), Some((7, u64::MAX)));
        assert_eq!(module.pointer_size().unwrap(), 8);
        assert!(base.find(NameKind::Struct, "nf_conn").unwrap().is_none());
        let other_order = Btf::parse(every_kind(!big_endian).0, None).unwrap();
        assert!(Btf::parse(blob.bytes(), Some(Rc::new(other_order))).is_err());
    }
}

#[test]
fn malformed_files_are_errors() {
    let error = |bytes: Vec<u8>| Btf::parse(bytes, None).unwrap_err().to_string();
    assert!(
        error(vec![0; 8]).contains("too few"),
        "{}",
        error(vec![0; 8])
    );
    let (good, _) = every_kind(false);
    let mut bad = good.clone();
    bad[0] = 0x7f;
    assert!(error(bad).contains("magic is 7feb"));
    let mut bad = good.clone();
    bad[2] = 2;
    assert!(error(bad).contains("version 2"));
    let cut = good[..good.len() - 1].to_vec();
    assert!(error(cut).contains("runs past the end"));

    // A kind this reader does not know is reported when the types are first walked.
    let mut blob = Blob::new(true);
    blob.add("future", 31, 0, false, 0);
    let btf = Btf::parse(blob.bytes(), None).unwrap();
    let message = btf.get(1).unwrap_err().to_string();
    assert!(message.contains("kind 31"), "{message}");
    assert!(btf.find(NameKind::Struct, "x").is_err());

    // A struct whose members run past the type section.
    let mut blob = Blob::new(false);
    blob.add("s", KIND_STRUCT, 3, false, 4);
    blob.entry("a", &[0, 0]);
    let message = Btf::parse(blob.bytes(), None)
        .unwrap()
        .find(NameKind::Struct, "s")
        .unwrap_err()
        .to_string();
    assert!(message.contains("type 1 runs past the end"), "{message}");

    // A name offset past the strings.
    let mut blob = Blob::new(false);
    blob.word(1000).word(KIND_PTR << 24).word(0);
    let mut blob_bytes = blob.bytes();
    let btf = Btf::parse(std::mem::take(&mut blob_bytes), None).unwrap();
    assert!(
        btf.find(NameKind::Struct, "x").unwrap().is_none(),
        "a pointer has no name"
    );
    let mut blob = Blob::new(false);
    blob.word(1000).word(KIND_STRUCT << 24).word(0);
    let btf = Btf::parse(blob.bytes(), None).unwrap();
    assert!(btf
        .get(1)
        .unwrap_err()
        .to_string()
        .contains("string offset 1000"));
    assert!(btf.find(NameKind::Struct, "x").is_err());

    // A member's name past the strings fails its struct, every time, and no other type.
    let mut blob = Blob::new(false);
    let s = blob.add("s", KIND_STRUCT, 1, false, 4);
    blob.word(1000).word(2).word(0);
    let int = blob.add("int", KIND_INT, 0, false, 4);
    blob.word(1 << 24 | 32);
    let btf = Btf::parse(blob.bytes(), None).unwrap();
    for _ in 0..2 {
        let message = btf.get(s).unwrap_err().to_string();
        assert!(message.contains("string offset 1000"), "{message}");
        assert!(btf.get(int).is_ok());
    }
}

/// No cut or flipped byte makes the reader panic: every query answers or errs.
#[test]
fn damaged_files_never_panic() {
    let (good, expected) = every_kind(true);
    let query = |bytes: Vec<u8>| {
        let Ok(btf) = Btf::parse(bytes, None) else {
            return;
        };
        for (id, _) in &expected {
            let _ = btf.get(*id);
            let _ = btf.size_of(*id);
            let _ = btf.name_of(*id);
            let _ = btf.chain(*id, &["a", "b"]);
        }
        let _ = btf.find(NameKind::Struct, "flags");
        let _ = btf.find_enumerator("HUGE");
        let _ = btf.names(NameKind::Function);
        let _ = btf.pointer_size();
    };
    for length in 0..good.len() {
        query(good[..length].to_vec());
    }
    for at in 0..good.len() {
        for value in [0x00, 0xff, 0x80, 0x13] {
            let mut bad = good.clone();
            bad[at] = value;
            query(bad);
        }
    }
}
