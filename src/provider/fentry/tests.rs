use std::borrow::Cow;

use super::*;
use crate::ctypes::tests::int;
use crate::ctypes::{Composite, Linkage, NameKind, Parameter, Prototype, TypeError, TypeSource};
use crate::sema::types::{I64, U64};

/// A few types as a kernel's BTF has them, numbered from 1.
struct Table(Vec<CType>);

impl TypeSource for Table {
    fn get(&self, id: TypeId) -> Result<Cow<'_, CType>, TypeError> {
        Ok(match id {
            0 => Cow::Owned(CType::Void),
            id => Cow::Borrowed(&self.0[id as usize - 1]),
        })
    }

    fn find(&self, kind: NameKind, name: &str) -> Result<Option<TypeId>, TypeError> {
        assert_eq!(kind, NameKind::Function);
        Ok(self
            .0
            .iter()
            .position(|ty| matches!(ty, CType::Function { name: found, .. } if found == name))
            .map(|index| index as TypeId + 1))
    }

    fn find_enumerator(&self, _: &str) -> Result<Option<(TypeId, u64)>, TypeError> {
        Ok(None)
    }

    fn pointer_size(&self) -> Result<u32, TypeError> {
        Ok(8)
    }

    fn as_dyn(&self) -> &dyn TypeSource {
        self
    }
}

fn parameter(name: &str, target: TypeId) -> Parameter {
    Parameter {
        name: name.into(),
        target,
    }
}

/// `ssize_t vfs_read(struct file *file, char __user *buf, size_t count, int *pos)` (13), and
/// `void takes_pair(struct pair p, int n)` (16), whose struct takes two slots.
fn kernel() -> Types {
    let composite = |name: &str, size| Composite {
        name: name.into(),
        size,
        members: Vec::new(),
    };
    let function = |name: &str, prototype| CType::Function {
        name: name.into(),
        prototype,
        linkage: Linkage::Global,
    };
    let table = Table(vec![
        int("int", 4, true),
        int("long unsigned int", 8, false),
        CType::Typedef {
            name: "size_t".into(),
            target: 2,
        },
        CType::Struct(composite("file", 200)),
        CType::Pointer { target: 4 },
        int("char", 1, true),
        CType::TypeTag {
            name: "user".into(),
            target: 6,
            attribute: false,
        },
        CType::Pointer { target: 7 },
        int("long int", 8, true),
        CType::Typedef {
            name: "ssize_t".into(),
            target: 9,
        },
        CType::Prototype(Prototype {
            returns: 10,
            parameters: vec![
                parameter("file", 5),
                parameter("buf", 8),
                parameter("count", 3),
                parameter("pos", 12),
            ],
            variadic: false,
        }),
        CType::Pointer { target: 1 },
        function("vfs_read", 11),
        CType::Struct(composite("pair", 16)),
        CType::Prototype(Prototype {
            returns: 0,
            parameters: vec![parameter("p", 14), parameter("n", 1)],
            variadic: false,
        }),
        function("takes_pair", 15),
    ]);
    Ok(Some(Rc::new(table) as Rc<dyn TypeSource>))
}

fn record(probe: &Fentry) -> Vec<(String, Type, usize)> {
    let Type::Pointer { target, .. } = &probe.variables[0].ty else {
        panic!("data is no pointer");
    };
    let Type::Struct(record) = &**target else {
        panic!("data points to no record");
    };
    let fields = record.fields.iter();
    fields
        .map(|field| (field.name.clone(), field.ty.clone(), field.offset))
        .collect()
}

/// Each argument is typed from the prototype at its u64 slot: a struct pointer by the struct's
/// name into kernel memory, a `__user` buffer into user memory, an untagged one into either, a
/// typedef through to its integer.
#[test]
fn args_are_typed_from_the_prototype_one_slot_each() {
    let probe = Fentry::resolve("vfs_read", false, kernel()).unwrap();
    assert_eq!(probe.variables.len(), 1, "fentry has no retval");
    assert_eq!(probe.variables[0].name, "data");
    assert_eq!(probe.variables[0].access, Access::Context);
    let char = Type::Int {
        bytes: 1,
        signed: true,
    };
    assert_eq!(
        record(&probe),
        [
            (
                "file".to_string(),
                Type::pointer(Type::Named("struct file".into()), AddressSpace::Kernel),
                0
            ),
            ("buf".into(), Type::pointer(char, AddressSpace::User), 8),
            ("count".into(), U64, 16),
            (
                "pos".into(),
                Type::pointer(Type::Void, AddressSpace::Unknown),
                24
            ),
        ]
    );
    assert_eq!(probe.kind(), ProgramKind::Tracing);
    assert_eq!(probe.function().as_deref(), Some("vfs_read"));
    let attach = probe.attach_type().unwrap();
    assert_eq!((attach.kind, attach.btf_id), (AttachType::TraceFentry, 13));
}

/// fexit's `retval` follows the arguments, read whole and typed from the return type; a void
/// function has none, and a struct passed by value takes its slots without a field.
#[test]
fn retval_follows_the_arguments() {
    let probe = Fentry::resolve("vmlinux:vfs_read", true, kernel()).unwrap();
    let retval = &probe.variables[1];
    assert_eq!((retval.name.as_str(), &retval.ty), ("retval", &I64));
    assert_eq!(
        retval.access,
        Access::ContextLoad {
            offset: 32,
            size: Size::U64
        }
    );
    assert_eq!(probe.attach_type().unwrap().kind, AttachType::TraceFexit);
    let pair = Fentry::resolve("takes_pair", true, kernel()).unwrap();
    assert_eq!(pair.variables.len(), 1, "a void function has no retval");
    assert_eq!(
        record(&pair),
        [("n".to_string(), crate::sema::types::I32, 16)]
    );
}

/// What cannot be traced says why, and names the kprobe that reaches the function.
#[test]
fn refusals_name_the_kprobe_spelling() {
    let error = |spec: &str, exit, types| {
        Fentry::resolve(spec, exit, types)
            .err()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        error("nosuch", false, kernel()),
        "the kernel's BTF has no function `nosuch` (fentry and fexit reach the functions BTF \
         describes): use kprobe:nosuch"
    );
    assert_eq!(
        error("vfs_read", true, Ok(None)),
        "fentry and fexit need the kernel's BTF (/sys/kernel/btf/vmlinux), which this kernel \
         lacks: use kretprobe:vfs_read"
    );
    assert_eq!(error("vfs_read", false, Err("bad file".into())), "bad file");
    assert!(error("vfs_*", false, kernel()).contains("not a glob"));
    assert!(error("ext4:ext4_file_read_iter", false, kernel()).contains("module's"));
}
