use super::*;
use crate::ctypes::{MemberLocation, Qualifier};

mod gcc;

fn parse(text: &str, abi: Abi) -> Definitions {
    Definitions::parse(text, abi, &[]).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

fn error(text: &str) -> String {
    match Definitions::parse(text, Abi::X86_64, &[]) {
        Ok(_) => panic!("no error for {text}"),
        Err(error) => error.to_string(),
    }
}

fn id(definitions: &Definitions, kind: NameKind, name: &str) -> TypeId {
    definitions.lookup(kind, name).unwrap()
}

/// `(byte offset, bitfield bits)` of a member chain in `struct name`.
fn at(definitions: &Definitions, name: &str, chain: &str) -> (u64, u8) {
    let owner = id(definitions, NameKind::Struct, name);
    let names: Vec<&str> = chain.split('.').collect();
    let MemberLocation {
        bit_offset,
        bitfield_size,
        ..
    } = definitions.offset_of(owner, &names).unwrap();
    if bitfield_size == 0 {
        assert_eq!(bit_offset % 8, 0);
        (bit_offset / 8, 0)
    } else {
        (bit_offset, bitfield_size)
    }
}

fn size(definitions: &Definitions, kind: NameKind, name: &str) -> u64 {
    definitions.size_of(id(definitions, kind, name)).unwrap()
}

const TASK: &str = "
struct task_struct;                       /* declared before it is defined */
typedef struct task_struct task_t;
struct list_head { struct list_head *next, *prev; };
struct task_struct {
    volatile long state;
    unsigned int flags;
    struct list_head tasks;
    pid_t pid, tgid;
    struct task_struct __rcu *real_parent;
    char comm[16];
    unsigned long long start_time;
    const char *name;
};
";

#[test]
fn a_struct_is_laid_out_for_the_targets_pointers_and_longs() {
    for (abi, offsets, total) in [
        (Abi::X86_64, [0, 8, 16, 32, 36, 40, 48, 64, 72], 80),
        (Abi::ARM, [0, 4, 8, 16, 20, 24, 28, 48, 56], 64),
        (Abi::MIPS, [0, 4, 8, 16, 20, 24, 28, 48, 56], 64),
    ] {
        let task = parse(TASK, abi);
        let names = [
            "state",
            "flags",
            "tasks",
            "pid",
            "tgid",
            "real_parent",
            "comm",
            "start_time",
            "name",
        ];
        for (name, offset) in names.iter().zip(offsets) {
            assert_eq!(
                at(&task, "task_struct", name),
                (offset, 0),
                "{name} {abi:?}"
            );
        }
        assert_eq!(size(&task, NameKind::Struct, "task_struct"), total);
        let typedef = id(&task, NameKind::Typedef, "task_t");
        assert_eq!(task.size_of(typedef).unwrap(), total, "through the typedef");
        // `task->real_parent->tgid`, through the pointer to the struct defined after it.
        let steps = task.chain(typedef, &["real_parent", "tgid"]).unwrap();
        assert!(steps[1].through_pointer);
        assert_eq!(task.name_of(steps[1].field.target).unwrap(), "pid_t");
    }
}

#[test]
fn c_integer_spellings_are_gccs_types_and_kernel_typedefs_are_built_in() {
    let text = "struct ints {
        char a; signed char b; unsigned char c; short d; unsigned short int e;
        signed f; unsigned g; long int h; long unsigned i; long long j;
        unsigned long long int k; _Bool l; u8 m; s16 n; __be32 o; u64 p; size_t q; bool r;
        int long signed s; float t; double u;
    };";
    let ints = parse(text, Abi::ARM);
    let owner = id(&ints, NameKind::Struct, "ints");
    let spelled = |member: &str| {
        let target = ints.member(owner, member).unwrap().target;
        let (resolved, _) = ints.resolve(target).unwrap();
        (
            ints.name_of(resolved).unwrap(),
            ints.size_of(target).unwrap(),
        )
    };
    for (member, name, bytes) in [
        ("a", "char", 1),
        ("b", "signed char", 1),
        ("c", "unsigned char", 1),
        ("d", "short int", 2),
        ("e", "short unsigned int", 2),
        ("f", "int", 4),
        ("g", "unsigned int", 4),
        ("h", "long int", 4),
        ("i", "long unsigned int", 4),
        ("j", "long long int", 8),
        ("k", "long long unsigned int", 8),
        ("l", "_Bool", 1),
        ("m", "unsigned char", 1),
        ("n", "short int", 2),
        ("o", "unsigned int", 4),
        ("p", "long long unsigned int", 8),
        ("q", "long unsigned int", 4),
        ("r", "_Bool", 1),
        ("s", "long int", 4),
        ("t", "float", 4),
        ("u", "double", 8),
    ] {
        assert_eq!(spelled(member), (name.to_string(), bytes), "{member}");
    }
    let scalar = ints
        .lookup(NameKind::Scalar, "long long unsigned int")
        .unwrap();
    assert_eq!(ints.size_of(scalar).unwrap(), 8);
    assert_eq!(
        ints.name_of(ints.lookup(NameKind::Typedef, "u32").unwrap())
            .unwrap(),
        "u32"
    );
    for bad in [
        "unsigned signed x",
        "long long long x",
        "short long x",
        "unsigned float x",
        "char int x",
    ] {
        let message = error(&format!("struct s {{ {bad}; }};"));
        assert!(message.ends_with("is not a C type"), "{bad}: {message}");
    }
    assert_eq!(
        error("struct s {\n long double x; };"),
        "2:2: `long double` is not understood"
    );
    for (words, name) in [
        ("unsigned long", Some("long unsigned int")),
        ("long unsigned int", Some("long unsigned int")),
        ("int long long unsigned", Some("long long unsigned int")),
        ("signed", Some("int")),
        ("short signed", Some("short int")),
        ("char signed", Some("signed char")),
        ("void", Some("void")),
        ("long double", Some("long double")),
        ("unsigned pid_t", None),
        ("", None),
    ] {
        let words: Vec<&str> = words.split_whitespace().collect();
        assert_eq!(scalar_name(&words), name, "{words:?}");
    }
}

#[test]
fn unions_enums_and_typedefs() {
    let text = "
        enum state { RUNNING, SLEEPING = 4, STOPPED, DEAD = STOPPED * 2, ZOMBIE = 1 << 5 };
        enum sign { NEGATIVE = -1, ZERO };
        enum wide { BIG = 0x100000000 };
        enum { ANONYMOUS = 3 };
        typedef union { u32 word; u8 bytes[4]; struct { u16 low, high; }; } word_t;
        typedef enum state state_t;
        typedef int (*handler_t)(struct sk_buff *, void *data, ...);
        typedef struct { handler_t handlers[ANONYMOUS]; state_t state; } table_t;
    ";
    let types = parse(text, Abi::X86_64);
    let state = id(&types, NameKind::Enum, "state");
    let values: Vec<(String, u64)> = match types.get(state).unwrap().into_owned() {
        CType::Enum(found) => {
            assert_eq!((found.size, found.signed), (4, false));
            found
                .values
                .into_iter()
                .map(|v| (v.name, v.value))
                .collect()
        }
        other => panic!("{other:?}"),
    };
    let want = [
        ("RUNNING", 0),
        ("SLEEPING", 4),
        ("STOPPED", 5),
        ("DEAD", 10),
        ("ZOMBIE", 32),
    ];
    assert_eq!(
        values,
        want.map(|(name, value)| (name.to_string(), value)).to_vec()
    );
    assert_eq!(types.find_enumerator("DEAD").unwrap(), Some((state, 10)));
    assert_eq!(
        types.find_enumerator("NEGATIVE").unwrap().unwrap().1,
        u64::MAX
    );
    let sign = id(&types, NameKind::Enum, "sign");
    assert!(matches!(
        types.get(sign).unwrap().into_owned(),
        CType::Enum(Enum {
            size: 4,
            signed: true,
            ..
        })
    ));
    assert_eq!(size(&types, NameKind::Enum, "wide"), 8);
    assert_eq!(types.find_enumerator("ANONYMOUS").unwrap().unwrap().1, 3);

    let word = id(&types, NameKind::Typedef, "word_t");
    assert_eq!(types.size_of(word).unwrap(), 4);
    assert_eq!(types.member(word, "high").unwrap().byte_offset(), 2);
    assert_eq!(types.member(word, "bytes").unwrap().byte_offset(), 0);
    assert_eq!(types.name_of(word).unwrap(), "word_t");
    let handler = id(&types, NameKind::Typedef, "handler_t");
    let (_, pointer) = types.resolve(handler).unwrap();
    let CType::Pointer { target } = *pointer else {
        panic!("{pointer:?}")
    };
    assert_eq!(
        types.name_of(target).unwrap(),
        "int (struct sk_buff *, void *, ...)"
    );
    let table = id(&types, NameKind::Typedef, "table_t");
    assert_eq!(types.size_of(table).unwrap(), 32);
    assert_eq!(types.member(table, "state").unwrap().byte_offset(), 24);
    let handlers = types.member(table, "handlers").unwrap().target;
    assert_eq!(
        types.name_of(handlers).unwrap(),
        "handler_t[3]",
        "a function pointer is a pointer: it has a size"
    );
}

#[test]
fn declarators_read_inside_out() {
    let text = "struct d {
        int grid[2][3];
        char *names[4];
        char (*row)[8];
        const char *const label;
        volatile int *volatile *flags;
        void (*callbacks[2])(int);
        int (*(*factory)(void))[5];
        char tail[];
    };";
    let types = parse(text, Abi::X86_64);
    let owner = id(&types, NameKind::Struct, "d");
    let spelled = |member: &str| {
        let field = types.member(owner, member).unwrap();
        (
            types.name_of(field.target).unwrap(),
            types.size_of(field.target).unwrap(),
            field.byte_offset(),
        )
    };
    for (member, name, bytes, offset) in [
        ("grid", "int[2][3]", 24, 0),
        ("names", "char *[4]", 32, 24),
        ("row", "char (*)[8]", 8, 56),
        ("label", "const char *const", 8, 64),
        ("flags", "volatile int *volatile *", 8, 72),
        ("callbacks", "void (*[2])(int)", 16, 80),
        ("factory", "int (*(*)(void))[5]", 8, 96),
        ("tail", "char[0]", 0, 104),
    ] {
        assert_eq!(
            spelled(member),
            (name.to_string(), bytes, offset),
            "{member}"
        );
    }
    assert_eq!(size(&types, NameKind::Struct, "d"), 104);
    let label = types.member(owner, "label").unwrap().target;
    assert!(matches!(
        types.get(label).unwrap().into_owned(),
        CType::Qualified {
            qualifier: Qualifier::Const,
            ..
        }
    ));
}

#[test]
fn nested_and_anonymous_members_are_reached_by_name() {
    let text = "struct sock_common {
        union { u64 addrpair; struct { __be32 daddr; __be32 rcv_saddr; }; };
        union { unsigned int hash; u16 hash_half[2]; };
        union { u32 portpair; struct { __be16 dport; u16 num; }; };
        unsigned short family;
        volatile unsigned char state;
        struct inner { char tag; long value; } inner;
    };
    struct sock { struct sock_common __sk_common; int rcvbuf; };";
    for (abi, value, total) in [(Abi::X86_64, 32, 48), (Abi::MIPS, 24, 40)] {
        let types = parse(text, abi);
        assert_eq!(at(&types, "sock", "__sk_common.dport"), (12, 0));
        assert_eq!(at(&types, "sock", "__sk_common.num"), (14, 0));
        assert_eq!(at(&types, "sock", "__sk_common.rcv_saddr"), (4, 0));
        assert_eq!(at(&types, "sock", "__sk_common.hash_half"), (8, 0));
        assert_eq!(at(&types, "sock", "__sk_common.state"), (18, 0));
        assert_eq!(at(&types, "sock", "__sk_common.inner.value"), (value, 0));
        assert_eq!(size(&types, NameKind::Struct, "sock"), total);
        // A struct defined inside another is defined at file scope, as in C.
        let inner = 2 * u64::from(abi.long_size);
        assert_eq!(size(&types, NameKind::Struct, "inner"), inner);
    }
}

#[test]
fn bitfields_pack_as_gcc_packs_them() {
    let text = "struct flags {
        unsigned int a : 3, b : 5;
        unsigned char c : 4;
        unsigned int : 0;
        u16 d : 12;
        u16 e : 6;
        unsigned long long f : 40;
        int g : 30;
        _Bool h : 1;
    };
    struct after_char { char a; long long b : 4; char c; };
    struct unnamed { char a; int : 4; };";
    let types = parse(text, Abi::X86_64);
    for (member, bits) in [
        ("a", (0, 3)),
        ("b", (3, 5)),
        ("c", (8, 4)),
        ("d", (32, 12)),
        ("e", (48, 6)),
        ("f", (64, 40)),
        ("g", (128, 30)),
        ("h", (158, 1)),
    ] {
        assert_eq!(at(&types, "flags", member), bits, "{member}");
    }
    assert_eq!(size(&types, NameKind::Struct, "flags"), 24);
    assert_eq!(at(&types, "after_char", "b"), (8, 4));
    assert_eq!(at(&types, "after_char", "c"), (2, 0));
    assert_eq!(size(&types, NameKind::Struct, "after_char"), 8);
    // An unnamed bitfield aligns the struct on arm, not on x86 or mips.
    assert_eq!(size(&types, NameKind::Struct, "unnamed"), 2);
    for (abi, bytes) in [(Abi::ARM, 4), (Abi::MIPS, 2), (Abi::AARCH64, 4)] {
        assert_eq!(size(&parse(text, abi), NameKind::Struct, "unnamed"), bytes);
    }
    let owner = id(&types, NameKind::Struct, "flags");
    assert!(types
        .member(owner, "f")
        .unwrap()
        .bitfield_read(false)
        .is_some());
    for (bad, message) in [
        (
            "char x : 9;",
            "1:17: bitfield `x` is 9 bits wide, more than `char` holds",
        ),
        ("int x : 0;", "1:16: bitfield `x` has no bits"),
        (
            "char *x : 1;",
            "1:17: bitfield `x` must have an integer type, not `char *`",
        ),
        ("int x : -1;", "1:16: a bitfield cannot be -1 bits wide"),
    ] {
        assert_eq!(error(&format!("struct s {{ {bad} }};")), message);
    }
}

#[test]
fn packed_and_aligned_attributes() {
    let text = "struct __attribute__((packed)) header { u8 kind; u32 length; u16 port; };
    struct tail { u8 kind; u64 value; } __packed;
    struct wide { char c; int x __attribute__((aligned(16))); } __aligned(32);
    struct one { char c; struct header h; };";
    let types = parse(text, Abi::ARM);
    assert_eq!(at(&types, "header", "length"), (1, 0));
    assert_eq!(size(&types, NameKind::Struct, "header"), 7);
    assert_eq!(size(&types, NameKind::Struct, "tail"), 9);
    assert_eq!(at(&types, "wide", "x"), (16, 0));
    assert_eq!(size(&types, NameKind::Struct, "wide"), 32);
    assert_eq!(at(&types, "one", "h.port"), (6, 0));
    assert_eq!(size(&types, NameKind::Struct, "one"), 8);
    assert_eq!(
        error("struct s { int x __attribute__((aligned(3))); };"),
        "1:41: alignment 3 is not a power of two"
    );
}

#[test]
fn defines_includes_and_conditions() {
    let text = "#!/usr/bin/env bpftrace
#include <linux/sched.h>
#include <linux/blk-mq.h> // queues
#define TASK_COMM_LEN 16
#define EMPTY
#ifndef BPFTRACE_HAVE_BTF
struct pair { int a, b; };
#else
struct pair { long a, b; };
#endif
#define SLOTS (TASK_COMM_LEN * 2 + \\
               sizeof(struct pair))
#if defined(EMPTY) && SLOTS >= 40 || 0
struct names { char comm[TASK_COMM_LEN]; char slots[SLOTS]; };
#elif 1
this is not C and is never read
#endif
#if 0
nor is this ' one
#endif
#undef EMPTY
#ifdef EMPTY
struct never;
#endif
";
    let types = parse(text, Abi::X86_64);
    assert_eq!(
        types.includes(),
        [
            Include {
                line: 2,
                header: "<linux/sched.h>".into()
            },
            Include {
                line: 3,
                header: "<linux/blk-mq.h>".into()
            },
        ]
    );
    assert_eq!(types.constant("SLOTS"), Some(40));
    assert_eq!(types.constant("EMPTY"), None);
    assert_eq!(size(&types, NameKind::Struct, "pair"), 8);
    assert_eq!(at(&types, "names", "slots"), (16, 0));
    assert_eq!(types.find(NameKind::Struct, "never").unwrap(), None);
    // With BTF, the other branch is read.
    let with_btf = Definitions::parse(text, Abi::X86_64, &["BPFTRACE_HAVE_BTF"]).unwrap();
    assert_eq!(size(&with_btf, NameKind::Struct, "pair"), 16);
    assert_eq!(size(&with_btf, NameKind::Struct, "names"), 16 + 48);
}

#[test]
fn errors_name_the_line_and_what_was_not_understood() {
    for (text, message) in [
        ("struct a {\n  int x\n  int y;\n};", "3:3: expected `;`, found `int`"),
        ("struct a { pid_t p; u128 x; };", "1:21: unknown type `u128`: define it above (there are no headers to include), or run on a kernel with BTF"),
        (
            "struct nameidata {\n\tstruct path path;\n};",
            "2:14: member `path` has type `struct path`, which is only declared here: define it above (#include lines are not read), or run on a kernel with BTF",
        ),
        ("struct a { int x; };\nstruct a { int y; };", "2:8: struct a is defined twice"),
        ("struct a { int x; int x; };", "1:23: member `x` is declared twice"),
        ("union a;\nstruct a *p;", "2:8: `a` is a union, not a struct"),
        ("int counter;", "1:5: `counter` declares a variable or a function: only types (struct, union, enum, typedef) and #define are understood here"),
        ("struct a { char c[N]; };", "1:19: unknown constant `N`: #define it above"),
        ("#define MAX(a, b) a\n", "1:12: #define MAX(…): macros with parameters are not understood, only `#define NAME value` with an integer value, found `(`"),
        ("#define NAME \"text\"\n", "1:14: #define NAME: only integer constants are understood: expected a value, found `\"text\"`"),
        ("#define X 1 2\n", "1:13: #define X: only integer constants are understood: expected the end of the line, found `2`"),
        ("#ifdef X\nstruct a;\n", "1:1: this #if has no #endif"),
        ("#endif\n", "1:1: #endif without #if"),
        ("#warning x\n", "1:1: `#warning` is not understood here"),
        ("struct a {\n#if X(1)\n  int x; };", "2:6: expected the end of the line, found `(`"),
        ("struct a { char c[1 / 0]; };", "1:23: division by zero"),
        ("struct a { char c[1 << 64]; };", "1:24: cannot shift by 64"),
        ("struct a { char c[-1]; };", "1:19: an array cannot have -1 elements"),
        ("struct a { int f(void); };", "1:16: member `f` has type `int (void)`, which has no size"),
        ("struct a { char c; } @", "1:22: expected a name, found `@`"),
        ("struct a { char c; }; é", "1:23: expected a type, found `é`, which is not C"),
        ("enum e { A, A };", "1:13: enum constant `A` is defined twice"),
        ("typedef int t;\ntypedef long t;", "2:14: typedef `t` is defined twice"),
        ("struct a { int x __attribute__((aligned)); };", "1:40: `aligned` without a value is not understood: give it one, found `)`"),
        ("struct a {", "1:10: expected `}`, found the end of the definitions"),
    ] {
        assert_eq!(error(text), message, "{text}");
    }
    // The same typedef twice is C11, and a script's own u32 replaces the built-in.
    let types = parse(
        "typedef int t;\ntypedef int t;\ntypedef unsigned long u32;",
        Abi::X86_64,
    );
    assert_eq!(
        types.size_of(id(&types, NameKind::Typedef, "u32")).unwrap(),
        8
    );
}

/// Bits of C in which to cut and garble.
const CORPUS: &str = "#include <net/sock.h>
#define LEN (1 << 4)
#if defined(X) || LEN > 2
typedef struct { u32 a : 3; int (*f)(char *, ...); } __attribute__((packed, aligned(4))) t;
#endif
enum e { A = -1, B, C = sizeof(t) };
union u { struct { char c[LEN][2]; }; const volatile long *const p; } __aligned(8);
struct s { struct s *next; union u u; enum e e; unsigned : 0; t items[]; };
";

#[test]
fn no_input_panics() {
    // Every prefix, and every byte replaced by characters that matter to C.
    for end in 0..=CORPUS.len() {
        let _ = Definitions::parse(&CORPUS[..end], Abi::X86_64, &[]);
    }
    let bytes = CORPUS.as_bytes();
    for at in 0..bytes.len() {
        for replacement in *b"(){}[]*;:,#\n'\"\\/0-" {
            let mut garbled = bytes.to_vec();
            garbled[at] = replacement;
            let text = String::from_utf8_lossy(&garbled);
            let _ = Definitions::parse(&text, Abi::ARM, &[]);
        }
    }
    // Nesting deep enough to overflow a stack that did not count it.
    for (open, close) in [
        ("struct s { char c[", "1]; };"),
        ("struct s { int ", "x; };"),
        ("struct s { struct { ", "int x; }; };"),
        ("#define X ", "1\n"),
        ("struct s { char c[-", "1]; };"),
        ("struct s { char c[1?", "1:1]; };"),
    ] {
        let deep = format!("{}{}", open.repeat(10_000), close.repeat(10_000));
        let error = Definitions::parse(&deep, Abi::X86_64, &[]).unwrap_err();
        assert!(
            error.message.contains("nest too deep") || error.line == 1,
            "{error}"
        );
        let deep = format!(
            "struct s {{ int {}x{}; }};",
            "(".repeat(10_000),
            ")".repeat(10_000)
        );
        assert!(Definitions::parse(&deep, Abi::X86_64, &[]).is_err());
    }
    let pointers = format!("struct s {{ int {}x; }};", "*".repeat(100_000));
    assert_eq!(
        size(&parse(&pointers, Abi::X86_64), NameKind::Struct, "s"),
        8
    );
    let chain: String = (0..100)
        .map(|n| format!("typedef t{n} t{};", n + 1))
        .collect();
    let chain = format!("typedef int t0;{chain} struct s {{ t100 x; }};");
    assert!(Definitions::parse(&chain, Abi::X86_64, &[]).is_err());
    let huge = "struct s { char c[4294967295][4294967295]; }; struct t { struct s a, b; };";
    assert!(Definitions::parse(huge, Abi::X86_64, &[]).is_err());
}

/// bpftrace's tools, where a copy is at hand: their definitions are read, and each type their
/// `#include`s would have brought is named in the error when it is then missing.
#[test]
fn bpftrace_tools_preambles() {
    let directory = std::path::Path::new("/work/anchors/bpftrace-src/tools");
    let Ok(entries) = std::fs::read_dir(directory) else {
        eprintln!("skipped: no bpftrace tools at {}", directory.display());
        return;
    };
    let mut read = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().map_or(true, |extension| extension != "bt") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // The definitions end where the first probe begins: a line that starts with a letter
        // and is no C.
        let preamble: Vec<&str> = text
            .lines()
            .take_while(|line| {
                !line.starts_with(|c: char| c.is_ascii_alphabetic())
                    || ["struct", "union", "enum", "typedef"]
                        .iter()
                        .any(|word| line.starts_with(word))
            })
            .collect();
        let preamble = preamble.join("\n");
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        match (
            name.as_str(),
            Definitions::parse(&preamble, Abi::X86_64, &[]),
        ) {
            ("dcsnoop.bt", Err(error)) => {
                assert!(error.message.contains("`struct path`"), "{name}: {error}")
            }
            ("runqlen.bt", Err(error)) => assert!(
                error.message.contains("`struct load_weight`"),
                "{name}: {error}"
            ),
            (_, Ok(types)) => {
                let with_btf = preamble.contains("BPFTRACE_HAVE_BTF");
                assert_eq!(
                    types.includes().is_empty(),
                    !preamble.contains("#include"),
                    "{name}"
                );
                if with_btf {
                    Definitions::parse(&preamble, Abi::X86_64, &["BPFTRACE_HAVE_BTF"]).unwrap();
                }
            }
            (_, Err(error)) => panic!("{name}: {error}"),
        }
        read += 1;
    }
    assert!(read > 30, "read {read} tools");
    // With the types they leave out given, as a router's script would give them.
    let runqlen = "struct load_weight { unsigned long weight; u32 inv_weight; };
    struct cfs_rq { struct load_weight load; unsigned long runnable_weight;
        unsigned int nr_running; unsigned int h_nr_running; };";
    for (abi, offset) in [(Abi::X86_64, 24), (Abi::ARM, 12), (Abi::MIPS, 12)] {
        assert_eq!(
            at(&parse(runqlen, abi), "cfs_rq", "nr_running"),
            (offset, 0)
        );
    }
}

/// The lexer's tokens for what C definitions hold: numbers in each base and with suffixes,
/// character escapes, operators of one, two and three characters, a header kept as written,
/// and where each stands after comments and continued lines.
#[test]
fn tokens_carry_their_values_and_places() {
    let text = "#define A 0x1fUL 017 0b11 08 /* a\n b */ '\\n' '\\x41' 'ab' ...\n\
                #include <linux/blk-mq.h> // note\n\
                x->y <<= \"s\\\"t\" é \\\n z\n";
    let tokens: Vec<String> = super::lex::tokens(text)
        .iter()
        .map(|token| format!("{}:{} {:?}", token.line, token.column, token.kind))
        .collect();
    assert_eq!(
        tokens,
        [
            "1:1 Hash",
            "1:2 Ident(\"define\")",
            "1:9 Ident(\"A\")",
            "1:11 Number(31)",
            "1:18 Number(15)",
            "1:22 Number(3)",
            "1:27 Bad(\"08\")",
            // A comment's lines count: what follows it is on the next.
            "2:7 Number(10)",
            "2:12 Number(65)",
            "2:19 Bad(\"'ab'\")",
            "2:24 Punct(\"...\")",
            "2:27 End",
            "3:1 Hash",
            "3:2 Ident(\"include\")",
            "3:10 Header(\"<linux/blk-mq.h>\")",
            "3:34 End",
            "4:1 Ident(\"x\")",
            "4:2 Punct(\"->\")",
            "4:4 Ident(\"y\")",
            "4:6 Punct(\"<<\")",
            "4:8 Punct(\"=\")",
            "4:10 Str(\"\\\"s\\\\\\\"t\\\"\")",
            "4:17 Bad(\"é\")",
            // A continued line goes on on the next.
            "5:2 Ident(\"z\")",
        ]
    );
}

/// Base type spellings are read in any order, and repeated words never pass for others.
#[test]
fn scalar_spellings_in_any_order_and_repeats_rejected() {
    for order in [
        "unsigned long long int",
        "long unsigned long int",
        "long long int unsigned",
        "int long unsigned long",
        "int unsigned long long",
    ] {
        let order: Vec<&str> = order.split(' ').collect();
        assert_eq!(
            scalar_name(&order),
            Some("long long unsigned int"),
            "{order:?}"
        );
    }
    for repeated in SCALAR_WORDS.split(' ') {
        for count in [2, 3, 4, 5, 8] {
            let spelled = vec![repeated; count];
            let expected = (repeated == "long" && count == 2).then_some("long long int");
            assert_eq!(scalar_name(&spelled), expected, "{spelled:?}");
        }
    }
}
