//! kernel_btf: tine's BTF reader on this machine's kernel agrees with what the kernel shows by
//! other means: every type as bpftool (libbpf's reader) prints it, and the offsets of
//! `task_struct->real_parent->tgid` as a BPF program that follows them from the current task
//! reads this process's pid and parent pid.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use tine::ctypes::{CType, Linkage, NameKind, Qualifier, TypeId, TypeSource};
use tine::kernel::bpf::{BpfMap, LoadedProgram, MapSpec, MapType, ProgramSpec, ProgramType};
use tine::kernel::btf::{Btf, VMLINUX};
use tine_asm::{encode, Builder, ByteOrder, Helper, Reg::*, Size};

/// The kernel's BTF, or None (the test skipped) where it has none.
fn vmlinux(test: &str) -> Option<Btf> {
    if !Path::new(VMLINUX).exists() {
        common::skip(
            test,
            format_args!("{VMLINUX} is missing (a kernel without BTF)"),
        );
        return None;
    }
    Some(Btf::vmlinux().expect("read the kernel's BTF"))
}

/// bpftool's raw dump of the kernel's BTF, one text block per type id.
fn bpftool_dump(test: &str) -> Option<HashMap<TypeId, String>> {
    bpftool_dump_file(test, VMLINUX)
}

/// bpftool's raw dump of a BTF file of the kernel's (a module's is split on vmlinux's).
fn bpftool_dump_file(test: &str, path: &str) -> Option<HashMap<TypeId, String>> {
    let base: &[&str] = if path == VMLINUX {
        &[]
    } else {
        &["-B", VMLINUX]
    };
    let output = match Command::new("bpftool")
        .args(base)
        .args(["btf", "dump", "file", path, "format", "raw"])
        .output()
    {
        Ok(output) if output.status.success() => output,
        Ok(output) => panic!(
            "bpftool failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(error) => {
            common::skip(test, format_args!("cannot run bpftool: {error}"));
            return None;
        }
    };
    let text = String::from_utf8(output.stdout).expect("bpftool prints UTF-8");
    let mut blocks = HashMap::new();
    let mut current: Option<(TypeId, String)> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix('[') {
            if let Some((id, block)) = current.take() {
                blocks.insert(id, block);
            }
            let id = rest[..rest.find(']').unwrap()].parse().unwrap();
            current = Some((id, line.to_string()));
        } else if let Some((_, block)) = current.as_mut() {
            block.push('\n');
            block.push_str(line);
        }
    }
    if let Some((id, block)) = current {
        blocks.insert(id, block);
    }
    Some(blocks)
}

fn quoted(name: &str) -> String {
    if name.is_empty() {
        "'(anon)'".to_string()
    } else {
        format!("'{name}'")
    }
}

fn linkage(linkage: Linkage) -> String {
    match linkage {
        Linkage::Static => "static".into(),
        Linkage::Global => "global".into(),
        Linkage::Extern => "extern".into(),
        Linkage::Other(value) => format!("({value})"),
    }
}

/// A decoded type written the way `bpftool btf dump format raw` writes it.
fn raw(btf: &Btf, id: TypeId, ty: &CType, enum64: bool) -> String {
    let head =
        |kind: &str, name: &str, rest: String| format!("[{id}] {kind} {} {rest}", quoted(name));
    match ty {
        CType::Void => unreachable!("id 0 is not dumped"),
        CType::Int(int) => {
            let encoding = match (int.signed, int.char, int.boolean) {
                (false, false, false) => "(none)",
                (true, false, false) => "SIGNED",
                (false, true, false) => "CHAR",
                (false, false, true) => "BOOL",
                _ => "UNKN",
            };
            head(
                "INT",
                &int.name,
                format!(
                    "size={} bits_offset={} nr_bits={} encoding={encoding}",
                    int.size, int.bit_offset, int.bits
                ),
            )
        }
        CType::Float { name, size } => head("FLOAT", name, format!("size={size}")),
        CType::Pointer { target } => head("PTR", "", format!("type_id={target}")),
        CType::Array {
            element,
            index,
            length,
        } => head(
            "ARRAY",
            "",
            format!("type_id={element} index_type_id={index} nr_elems={length}"),
        ),
        CType::Struct(composite) | CType::Union(composite) => {
            let kind = if matches!(ty, CType::Struct(_)) {
                "STRUCT"
            } else {
                "UNION"
            };
            let mut text = head(
                kind,
                &composite.name,
                format!("size={} vlen={}", composite.size, composite.members.len()),
            );
            for member in &composite.members {
                text += &format!(
                    "\n\t{} type_id={} bits_offset={}",
                    quoted(&member.name),
                    member.target,
                    member.bit_offset
                );
                if member.bitfield_size != 0 {
                    text += &format!(" bitfield_size={}", member.bitfield_size);
                }
            }
            text
        }
        CType::Enum(found) => {
            // The model keeps no difference between the two kinds but the width of the values;
            // bpftool's kind word says which one to print.
            let kind = if enum64 { "ENUM64" } else { "ENUM" };
            let encoding = if found.signed { "SIGNED" } else { "UNSIGNED" };
            let mut text = head(
                kind,
                &found.name,
                format!(
                    "encoding={encoding} size={} vlen={}",
                    found.size,
                    found.values.len()
                ),
            );
            for value in &found.values {
                let number = match (enum64, found.signed) {
                    (false, false) => format!("{}", value.value),
                    (false, true) | (true, true) => format!("{}", value.value as i64),
                    (true, false) => format!("{}", value.value),
                };
                let suffix = match (enum64, found.signed) {
                    (true, true) => "LL",
                    (true, false) => "ULL",
                    _ => "",
                };
                text += &format!("\n\t{} val={number}{suffix}", quoted(&value.name));
            }
            text
        }
        CType::Forward { name, union } => head(
            "FWD",
            name,
            format!("fwd_kind={}", if *union { "union" } else { "struct" }),
        ),
        CType::Typedef { name, target } => head("TYPEDEF", name, format!("type_id={target}")),
        CType::Qualified { qualifier, target } => {
            let kind = match qualifier {
                Qualifier::Const => "CONST",
                Qualifier::Volatile => "VOLATILE",
                Qualifier::Restrict => "RESTRICT",
            };
            head(kind, "", format!("type_id={target}"))
        }
        CType::TypeTag { name, target, .. } => head("TYPE_TAG", name, format!("type_id={target}")),
        CType::Function {
            name,
            prototype,
            linkage: how,
        } => head(
            "FUNC",
            name,
            format!("type_id={prototype} linkage={}", linkage(*how)),
        ),
        CType::Prototype(prototype) => {
            let count = prototype.parameters.len() + usize::from(prototype.variadic);
            let mut text = head(
                "FUNC_PROTO",
                "",
                format!("ret_type_id={} vlen={count}", prototype.returns),
            );
            for parameter in &prototype.parameters {
                text += &format!(
                    "\n\t{} type_id={}",
                    quoted(&parameter.name),
                    parameter.target
                );
            }
            if prototype.variadic {
                text += "\n\t'(anon)' type_id=0";
            }
            text
        }
        CType::Variable {
            name,
            target,
            linkage: how,
        } => head(
            "VAR",
            name,
            format!("type_id={target}, linkage={}", linkage(*how)),
        ),
        CType::Section {
            name,
            size,
            variables,
        } => {
            let mut text = head(
                "DATASEC",
                name,
                format!("size={size} vlen={}", variables.len()),
            );
            for variable in variables {
                let CType::Variable { name, .. } = btf.get(variable.variable).unwrap().into_owned()
                else {
                    panic!("section {id} lists a non-variable");
                };
                text += &format!(
                    "\n\ttype_id={} offset={} size={} (VAR '{name}')",
                    variable.variable, variable.offset, variable.size
                );
            }
            text
        }
        CType::DeclTag {
            name,
            target,
            component,
            ..
        } => head(
            "DECL_TAG",
            name,
            format!(
                "type_id={target} component_idx={}",
                component.map_or(-1, i64::from)
            ),
        ),
    }
}

#[test]
fn every_type_reads_as_bpftool_prints_it() {
    let test = "every_type_reads_as_bpftool_prints_it";
    let Some(btf) = vmlinux(test) else {
        return;
    };
    let Some(dump) = bpftool_dump(test) else {
        return;
    };
    let kinds = agree_with_bpftool(&btf, &dump);
    let last = btf.last_id().unwrap();
    eprintln!("{last} types agree with bpftool: {kinds:?}");
    for kind in [
        "INT",
        "PTR",
        "ARRAY",
        "STRUCT",
        "UNION",
        "ENUM",
        "FUNC_PROTO",
        "FUNC",
    ] {
        assert!(
            kinds.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} was compared"
        );
    }
}

#[test]
fn names_resolve_to_the_ids_and_offsets_bpftool_shows() {
    let test = "names_resolve_to_the_ids_and_offsets_bpftool_shows";
    let Some(btf) = vmlinux(test) else {
        return;
    };
    let Some(dump) = bpftool_dump(test) else {
        return;
    };
    // The first type of a kind and name, as bpftool lists them in id order.
    let first = |kind: &str, name: &str| -> TypeId {
        let prefix = format!(" {kind} '{name}' ");
        let mut ids: Vec<TypeId> = dump
            .iter()
            .filter(|(_, block)| block.lines().next().unwrap().contains(&prefix))
            .map(|(&id, _)| id)
            .collect();
        ids.sort_unstable();
        *ids.first()
            .unwrap_or_else(|| panic!("bpftool lists no {kind} {name}"))
    };
    // A member's `bits_offset` in bpftool's listing of the struct `id`.
    let bits_offset = |id: TypeId, member: &str| -> u64 {
        let line = dump[&id]
            .lines()
            .find(|line| line.starts_with(&format!("\t'{member}' ")))
            .unwrap_or_else(|| panic!("type {id} has no member {member}"));
        let value = line.split("bits_offset=").nth(1).unwrap();
        value.split_whitespace().next().unwrap().parse().unwrap()
    };
    let size = |id: TypeId| -> u64 {
        let head = dump[&id].lines().next().unwrap();
        let value = head.split(" size=").nth(1).unwrap();
        value.split_whitespace().next().unwrap().parse().unwrap()
    };

    let task = btf.lookup(NameKind::Struct, "task_struct").unwrap();
    assert_eq!(task, first("STRUCT", "task_struct"));
    assert_eq!(btf.size_of(task).unwrap(), size(task));
    let steps = btf.chain(task, &["real_parent", "tgid"]).unwrap();
    assert!(!steps[0].through_pointer && steps[1].through_pointer);
    assert_eq!(steps[0].field.bit_offset, bits_offset(task, "real_parent"));
    assert_eq!(steps[1].field.bit_offset, bits_offset(task, "tgid"));
    assert_eq!(
        btf.name_of(steps[0].field.target).unwrap(),
        "struct task_struct *"
    );
    assert_eq!(btf.name_of(steps[1].field.target).unwrap(), "pid_t");
    assert_eq!(btf.size_of(steps[1].field.target).unwrap(), 4);

    // sock's members reached through the embedded sock_common, and sock_common's own.
    let sock = btf.lookup(NameKind::Struct, "sock").unwrap();
    let common = btf.lookup(NameKind::Struct, "sock_common").unwrap();
    assert_eq!(common, first("STRUCT", "sock_common"));
    assert_eq!(btf.size_of(common).unwrap(), size(common));
    let field = btf.offset_of(sock, &["__sk_common", "skc_state"]).unwrap();
    assert_eq!(
        field.bit_offset,
        bits_offset(sock, "__sk_common") + bits_offset(common, "skc_state")
    );
    // skc_dport is in an anonymous struct in an anonymous union of sock_common: bpftool lists
    // it in the anonymous struct, at an offset of its own.
    let dport = btf.member(common, "skc_dport").unwrap();
    let CType::Struct(outer) = btf.get(common).unwrap().into_owned() else {
        panic!("sock_common is a struct");
    };
    let holder = outer
        .members
        .iter()
        .filter(|member| member.name.is_empty())
        .find_map(|member| {
            let CType::Union(union) = btf.get(member.target).ok()?.into_owned() else {
                return None;
            };
            union.members.iter().find_map(|inner| {
                let CType::Struct(found) = btf.get(inner.target).ok()?.into_owned() else {
                    return None;
                };
                found
                    .members
                    .iter()
                    .any(|m| m.name == "skc_dport")
                    .then_some((member.bit_offset, inner.bit_offset, inner.target))
            })
        })
        .expect("skc_dport in an anonymous struct in an anonymous union");
    assert_eq!(
        dport.bit_offset,
        u64::from(holder.0) + u64::from(holder.1) + bits_offset(holder.2, "skc_dport")
    );

    // An enum's values, and a constant found by name.
    let map_type = btf.lookup(NameKind::Enum, "bpf_map_type").unwrap();
    assert_eq!(map_type, first("ENUM", "bpf_map_type"));
    let CType::Enum(found) = btf.get(map_type).unwrap().into_owned() else {
        panic!("bpf_map_type is an enum");
    };
    for value in &found.values {
        let line = format!("\t'{}' val={}", value.name, value.value);
        assert!(dump[&map_type].contains(&line), "{line}");
    }
    assert_eq!(
        btf.find_enumerator("BPF_MAP_TYPE_RINGBUF").unwrap(),
        Some((map_type, 27)),
        "uapi/linux/bpf.h numbers it 27"
    );

    // A function's prototype, as fentry and kprobe `args.NAME` will read it.
    let (id, prototype) = btf.function("vfs_read").unwrap().unwrap();
    assert_eq!(id, first("FUNC", "vfs_read"));
    let names: Vec<&str> = prototype
        .parameters
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["file", "buf", "count", "pos"]);
    assert_eq!(
        btf.name_of(prototype.parameters[0].target).unwrap(),
        "struct file *"
    );
    assert_eq!(btf.name_of(prototype.returns).unwrap(), "ssize_t");

    // A bitfield, with bpftool's bitfield_size.
    let bitfields = dump
        .iter()
        .filter(|(_, block)| {
            block.lines().next().unwrap().contains(" STRUCT '") && block.contains("bitfield_size=")
        })
        .map(|(&id, _)| id)
        .min()
        .expect("some struct has bitfields");
    let CType::Struct(found) = btf.get(bitfields).unwrap().into_owned() else {
        panic!("type {bitfields} is a struct");
    };
    let member = found.members.iter().find(|m| m.bitfield_size != 0).unwrap();
    let field = btf.member(bitfields, &member.name).unwrap();
    let line = format!(
        "\t'{}' type_id={} bits_offset={} bitfield_size={}",
        member.name, member.target, field.bit_offset, field.bitfield_size
    );
    assert!(dump[&bitfields].contains(&line), "{line}");
    assert_eq!(
        btf.pointer_size().unwrap() as usize,
        std::mem::size_of::<usize>()
    );
}

/// The offsets of `task_struct->tgid` and `->real_parent->tgid`, followed by a BPF program from
/// the current task, read this process's pid and its parent's: the kernel agrees with the
/// reader about where these members are.
#[test]
fn a_program_following_the_offsets_reads_our_pid_and_parent_pid() {
    let test = "a_program_following_the_offsets_reads_our_pid_and_parent_pid";
    if !common::kernel_available(test) {
        return;
    }
    let Some(btf) = vmlinux(test) else {
        return;
    };
    let task = btf.lookup(NameKind::Struct, "task_struct").unwrap();
    let tgid = btf.member(task, "tgid").unwrap().byte_offset() as i32;
    let steps = btf.chain(task, &["real_parent", "tgid"]).unwrap();
    let parent = steps[0].field.byte_offset() as i32;
    let parent_tgid = steps[1].field.byte_offset() as i32;
    let output = BpfMap::create(&MapSpec {
        kind: MapType::Array,
        name: "btf_pids".into(),
        key_size: 4,
        value_size: 8,
        max_entries: 1,
        flags: 0,
    })
    .unwrap();
    let mut b = Builder::new();
    let done = b.label();
    b.call(Helper::GetCurrentTask)
        .mov64(R6, R0)
        // fp-8: current->tgid
        .mov64(R1, R10)
        .add64_imm(R1, -8)
        .mov64_imm(R2, 4)
        .mov64(R3, R6)
        .add64_imm(R3, tgid)
        .call(Helper::ProbeReadKernel)
        // fp-16: current->real_parent, then fp-24: its tgid
        .mov64(R1, R10)
        .add64_imm(R1, -16)
        .mov64_imm(R2, 8)
        .mov64(R3, R6)
        .add64_imm(R3, parent)
        .call(Helper::ProbeReadKernel)
        .load(Size::U64, R3, R10, -16)
        .add64_imm(R3, parent_tgid)
        .mov64(R1, R10)
        .add64_imm(R1, -24)
        .mov64_imm(R2, 4)
        .call(Helper::ProbeReadKernel)
        .store_imm(Size::U32, R10, -28, 0)
        .mov64(R2, R10)
        .add64_imm(R2, -28)
        .load_map_fd(R1, output.raw_fd())
        .call(Helper::MapLookupElem)
        .jeq_imm(R0, 0, done)
        .load(Size::U32, R1, R10, -8)
        .store(Size::U32, R0, 0, R1)
        .load(Size::U32, R1, R10, -24)
        .store(Size::U32, R0, 4, R1)
        .bind(done)
        .mov64_imm(R0, 0)
        .exit();
    let bytes = encode(&b.finish().unwrap(), ByteOrder::HOST).unwrap();
    let program = LoadedProgram::load(&ProgramSpec {
        kind: ProgramType::RawTracepoint,
        insns: &bytes,
        name: "btf_pids",
        expected_attach_type: None,
    })
    .expect("load");
    // A raw tracepoint's test run runs on this thread, so the current task is this process.
    program.test_run(&[], &[0u8; 8]).expect("test run");
    let value = output.lookup(&0u32.to_ne_bytes()).unwrap().unwrap();
    let read = |at: usize| u32::from_ne_bytes(value[at..at + 4].try_into().unwrap());
    assert_eq!(read(0), std::process::id(), "current->tgid");
    assert_eq!(
        read(4),
        std::os::unix::process::parent_id(),
        "current->real_parent->tgid"
    );
}

/// Every type of `btf`'s own (not its base's) rendered as bpftool prints it and compared with
/// `dump`; the count of each kind compared.
fn agree_with_bpftool<'a>(btf: &Btf, dump: &'a HashMap<TypeId, String>) -> HashMap<&'a str, usize> {
    let (first, last) = (btf.first_id(), btf.last_id().unwrap());
    assert_eq!(
        (last + 1 - first) as usize,
        dump.len(),
        "as many types as bpftool lists"
    );
    let mut mismatches = Vec::new();
    let mut kinds: HashMap<&str, usize> = HashMap::new();
    for id in first..=last {
        let ty = btf
            .get(id)
            .unwrap_or_else(|error| panic!("type {id}: {error}"));
        let want = &dump[&id];
        let kind = want.split_whitespace().nth(1).unwrap();
        *kinds.entry(kind).or_default() += 1;
        let got = raw(btf, id, &ty, kind == "ENUM64");
        if &got != want && mismatches.len() < 5 {
            mismatches.push(format!("tine:\n{got}\nbpftool:\n{want}"));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
    kinds
}

/// Each loaded module's split BTF reads as bpftool prints it, on top of vmlinux's.
#[test]
fn module_btf_reads_as_bpftool_prints_it() {
    let test = "module_btf_reads_as_bpftool_prints_it";
    let Some(btf) = vmlinux(test) else {
        return;
    };
    let vmlinux = std::rc::Rc::new(btf);
    let directory = Path::new(VMLINUX).parent().unwrap();
    let mut modules: Vec<String> = std::fs::read_dir(directory)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "vmlinux")
        .collect();
    modules.sort();
    // This machine's kernel has its drivers built in: a module's BTF made by hand on top of
    // vmlinux's stands in, so the split path is compared with bpftool here too.
    let scratch = std::env::temp_dir().join(format!("tine-split-btf-{}", std::process::id()));
    std::fs::write(&scratch, handmade_module(&vmlinux)).unwrap();
    let path = scratch.to_string_lossy().into_owned();
    let dump = bpftool_dump_file(test, &path);
    let split = Btf::read(&path, Some(vmlinux.clone())).expect("read the handmade module");
    std::fs::remove_file(&scratch).unwrap();
    let Some(dump) = dump else {
        return;
    };
    let kinds = agree_with_bpftool(&split, &dump);
    assert_eq!((kinds["STRUCT"], kinds["PTR"]), (1, 1));
    let own = split.lookup(NameKind::Struct, "tine_split").unwrap();
    let steps = split.chain(own, &["task", "real_parent", "tgid"]).unwrap();
    assert_eq!(
        steps[2].field,
        vmlinux
            .chain(
                vmlinux.lookup(NameKind::Struct, "task_struct").unwrap(),
                &["real_parent", "tgid"]
            )
            .unwrap()[1]
            .field
    );
    eprintln!("{} modules with BTF", modules.len());
    for module in modules.iter().take(10) {
        let Some(dump) = bpftool_dump_file(test, &directory.join(module).to_string_lossy()) else {
            return;
        };
        let btf = Btf::module(module, vmlinux.clone()).expect("read module BTF");
        assert_eq!(btf.first_id(), vmlinux.last_id().unwrap() + 1);
        agree_with_bpftool(&btf, &dump);
    }
}

/// A module's BTF on top of this kernel's: `struct tine_split { struct task_struct *task; pid_t
/// pid; }`, its ids and string offsets going on from vmlinux's, in the host's byte order.
fn handmade_module(vmlinux: &Btf) -> Vec<u8> {
    let header = std::fs::read(VMLINUX).unwrap();
    let base_strings = u32::from_ne_bytes(header[20..24].try_into().unwrap());
    let task = vmlinux.lookup(NameKind::Struct, "task_struct").unwrap();
    let pid_t = vmlinux.lookup(NameKind::Typedef, "pid_t").unwrap();
    let pointer = vmlinux.last_id().unwrap() + 1;
    let strings = b"\0tine_split\0task\0pid\0";
    let name = |offset: u32| base_strings + offset;
    // Each row a record: name, info (kind << 24 | members), size or type; then the members.
    #[rustfmt::skip]
    let types: Vec<u32> = vec![
        0, 2 << 24, task,
        name(1), 4 << 24 | 2, 16,
        name(12), pointer, 0,
        name(17), pid_t, 64,
    ];
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&0xeb9fu16.to_ne_bytes());
    bytes.extend_from_slice(&[1, 0]);
    let type_length = types.len() as u32 * 4;
    for word in [24, 0, type_length, type_length, strings.len() as u32] {
        bytes.extend_from_slice(&u32::to_ne_bytes(word));
    }
    for word in types {
        bytes.extend_from_slice(&word.to_ne_bytes());
    }
    bytes.extend_from_slice(strings);
    bytes
}
