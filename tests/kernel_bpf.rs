//! kernel_bpf: maps and programs against the real kernel — create, update, look up, delete,
//! iterate, per-CPU values, a verifier rejection's log, and nothing left loaded after drop.

mod common;

use std::collections::BTreeMap;

use tine::kernel::bpf::{
    map_ids, program_ids, BpfMap, LoadedProgram, MapSpec, MapType, ProgramSpec, ProgramType, Update,
};
use tine::kernel::cpu::possible_cpu_count;
use tine_asm::{encode, Builder, ByteOrder, Reg::*, Size};

fn spec(kind: MapType, key_size: u32, value_size: u32, max_entries: u32) -> MapSpec {
    MapSpec {
        kind,
        name: format!("test_{kind:?}"),
        key_size,
        value_size,
        max_entries,
        flags: 0,
    }
}

#[test]
fn hash_maps_store_look_up_delete_and_iterate() {
    if !common::kernel_available("hash_maps_store_look_up_delete_and_iterate") {
        return;
    }
    let map = BpfMap::create(&spec(MapType::Hash, 4, 8, 16)).expect("hash map");
    assert_eq!(map.lookup(&7u32.to_ne_bytes()).unwrap(), None);
    assert_eq!(
        map.next_key(None).unwrap(),
        None,
        "an empty map has no first key"
    );
    for key in 1u32..=5 {
        map.update(
            &key.to_ne_bytes(),
            &(u64::from(key) * 100).to_ne_bytes(),
            Update::NoExist,
        )
        .expect("new key");
    }
    let again = map.update(&3u32.to_ne_bytes(), &0u64.to_ne_bytes(), Update::NoExist);
    assert_eq!(again.unwrap_err().raw_errno(), Some(libc::EEXIST));
    map.update(&3u32.to_ne_bytes(), &333u64.to_ne_bytes(), Update::Any)
        .unwrap();
    assert_eq!(
        map.lookup(&3u32.to_ne_bytes()).unwrap(),
        Some(333u64.to_ne_bytes().to_vec())
    );
    assert!(map.delete(&2u32.to_ne_bytes()).unwrap());
    assert!(!map.delete(&2u32.to_ne_bytes()).unwrap(), "already gone");

    let mut walked = Vec::new();
    let mut key = map.next_key(None).unwrap();
    while let Some(current) = key {
        walked.push(u32::from_ne_bytes(current[..].try_into().unwrap()));
        key = map.next_key(Some(&current)).unwrap();
    }
    walked.sort();
    assert_eq!(walked, [1, 3, 4, 5]);

    let expected: BTreeMap<u32, u64> = [(1, 100), (3, 333), (4, 400), (5, 500)].into();
    let read = |entries: tine::kernel::bpf::Entries| -> BTreeMap<u32, u64> {
        (0..entries.len())
            .map(|index| {
                let values: Vec<&[u8]> = entries.values(index).collect();
                assert_eq!(values.len(), 1);
                (
                    u32::from_ne_bytes(entries.key(index).try_into().unwrap()),
                    u64::from_ne_bytes(values[0].try_into().unwrap()),
                )
            })
            .collect()
    };
    assert_eq!(read(map.entries_one_by_one().unwrap()), expected);
    assert_eq!(read(map.entries().unwrap()), expected);
    // This kernel (6.x) has batch lookup; the fallback above must agree with it.
    assert_eq!(
        read(map.entries_batched().unwrap().expect("batch lookup")),
        expected
    );
}

#[test]
fn a_full_hash_map_refuses_new_keys() {
    if !common::kernel_available("a_full_hash_map_refuses_new_keys") {
        return;
    }
    let map = BpfMap::create(&spec(MapType::Hash, 8, 8, 2)).expect("hash map");
    map.update(&1u64.to_ne_bytes(), &1u64.to_ne_bytes(), Update::Any)
        .unwrap();
    map.update(&2u64.to_ne_bytes(), &2u64.to_ne_bytes(), Update::Any)
        .unwrap();
    let full = map.update(&3u64.to_ne_bytes(), &3u64.to_ne_bytes(), Update::Any);
    assert_eq!(full.unwrap_err().raw_errno(), Some(libc::E2BIG));
    let wrong = map.lookup(&[0u8; 4]).unwrap_err();
    assert!(
        wrong
            .to_string()
            .contains("key is 4 bytes, the map's are 8"),
        "{wrong}"
    );
}

#[test]
fn per_cpu_maps_hold_one_value_per_possible_cpu() {
    if !common::kernel_available("per_cpu_maps_hold_one_value_per_possible_cpu") {
        return;
    }
    let cpus = possible_cpu_count().unwrap();
    for kind in [MapType::PercpuArray, MapType::PercpuHash] {
        // A 12-byte value is padded to 16 per CPU: the split must undo exactly that.
        let map = BpfMap::create(&spec(kind, 4, 12, 4)).expect("per-CPU map");
        let key = 1u32.to_ne_bytes();
        let mut all = Vec::new();
        for cpu in 0..cpus {
            let mut value = [0u8; 16];
            value[..4].copy_from_slice(&(cpu as u32 + 10).to_ne_bytes());
            value[8..12].copy_from_slice(&(cpu as u32 + 20).to_ne_bytes());
            all.extend_from_slice(&value);
        }
        map.update(&key, &all, Update::Any).unwrap();
        let entry = map.lookup_entry(&key).unwrap();
        assert_eq!(entry.len(), 1, "present");
        let values: Vec<&[u8]> = entry.values(0).collect();
        assert_eq!(values.len(), cpus, "{kind:?}");
        for (cpu, value) in values.iter().enumerate() {
            assert_eq!(value.len(), 12);
            assert_eq!(
                u32::from_ne_bytes(value[..4].try_into().unwrap()),
                cpu as u32 + 10
            );
            assert_eq!(
                u32::from_ne_bytes(value[8..12].try_into().unwrap()),
                cpu as u32 + 20
            );
        }
        // One value is copied to every CPU.
        map.update(&key, &[7u8; 12], Update::Exist).unwrap();
        let entry = map.lookup_entry(&key).unwrap();
        let values: Vec<&[u8]> = entry.values(0).collect();
        assert_eq!(values.len(), cpus, "{kind:?}");
        assert!(values.iter().all(|value| value == &[7u8; 12]), "{kind:?}");
        let entries = map.entries().unwrap();
        let index = (0..entries.len())
            .find(|&index| entries.key(index) == key)
            .expect("in the dump");
        assert_eq!(entries.values(index).collect::<Vec<_>>(), values);
    }
}

#[test]
fn stack_trace_maps_create_and_report_missing_ids() {
    if !common::kernel_available("stack_trace_maps_create_and_report_missing_ids") {
        return;
    }
    // 127 frames of u64 addresses, ply's and the kernel's default depth.
    let map = BpfMap::create(&spec(MapType::StackTrace, 4, 8 * 127, 64)).expect("stack map");
    assert_eq!(
        map.lookup(&0u32.to_ne_bytes()).unwrap(),
        None,
        "no stack stored yet"
    );
    assert_eq!(map.spec().value_size, 8 * 127);
}

fn return_zero() -> Vec<u8> {
    let mut b = Builder::new();
    b.mov64_imm(R0, 0).exit();
    encode(&b.finish().unwrap(), ByteOrder::HOST).unwrap()
}

#[test]
fn a_rejected_program_carries_the_verifier_log() {
    if !common::kernel_available("a_rejected_program_carries_the_verifier_log") {
        return;
    }
    // Reads r2 before anything wrote it.
    let mut b = Builder::new();
    b.mov64(R0, R2).exit();
    let bytes = encode(&b.finish().unwrap(), ByteOrder::HOST).unwrap();
    let spec = ProgramSpec {
        kind: ProgramType::SocketFilter,
        insns: &bytes,
        name: "uninit",
        expected_attach_type: None,
    };
    let error = LoadedProgram::load(&spec).unwrap_err();
    assert_eq!(error.raw_errno(), Some(libc::EACCES));
    assert!(
        error.verifier_log.contains("R2 !read_ok"),
        "{}",
        error.verifier_log
    );
    assert!(
        !error.is_permission(),
        "a rejection is not a missing privilege"
    );
    assert_eq!(
        error.to_string(),
        "cannot load SocketFilter program `uninit`: the verifier rejected it: R2 !read_ok"
    );
}

#[test]
fn a_rejection_names_the_instruction_on_the_failing_path() {
    if !common::kernel_available("a_rejection_names_the_instruction_on_the_failing_path") {
        return;
    }
    // Writing into a socket filter's context is refused, on a path behind a branch.
    let mut b = Builder::new();
    let joined = b.label();
    b.mov64_imm(R0, 0)
        .load(Size::U32, R3, R1, 0)
        .jeq_imm(R3, 0, joined)
        .mov64_imm(R0, 1)
        .bind(joined)
        .store(Size::U64, R1, 0, R0)
        .exit();
    let bytes = encode(&b.finish().unwrap(), ByteOrder::HOST).unwrap();
    let spec = ProgramSpec {
        kind: ProgramType::SocketFilter,
        insns: &bytes,
        name: "ctx_write",
        expected_attach_type: None,
    };
    let error = LoadedProgram::load(&spec).unwrap_err();
    assert_eq!(
        error.rejected_instruction(),
        Some(4),
        "{}",
        error.verifier_log
    );
    let tail = error.verifier_tail(2);
    assert!(
        tail[0].starts_with("4: (7b) *(u64 *)(r1 +0) = r0"),
        "{tail:?}"
    );
    assert!(tail[1].contains("invalid bpf_context access"), "{tail:?}");
}

#[test]
fn a_loaded_program_reports_its_id_name_and_instructions() {
    if !common::kernel_available("a_loaded_program_reports_its_id_name_and_instructions") {
        return;
    }
    let bytes = return_zero();
    let spec = ProgramSpec {
        kind: ProgramType::SocketFilter,
        insns: &bytes,
        name: "tine:info/test",
        expected_attach_type: None,
    };
    let program = LoadedProgram::load(&spec).expect("loads");
    let info = program.info().unwrap();
    assert_ne!(info.id, 0);
    assert_eq!(info.name, "tine_info_test");
    assert_eq!(info.xlated, bytes, "nothing to rewrite in `r0 = 0; exit`");
    assert_eq!(program.test_run(&[0u8; 64], &[]).unwrap(), 0);
}

#[test]
fn a_repeated_test_run_runs_the_program_that_many_times() {
    if !common::kernel_available("a_repeated_test_run_runs_the_program_that_many_times") {
        return;
    }
    use tine_asm::Helper;
    let counter = BpfMap::create(&spec(MapType::Array, 4, 8, 1)).unwrap();
    let mut b = Builder::new();
    let out = b.label();
    b.store_imm(Size::U32, R10, -4, 0)
        .mov64(R2, R10)
        .add64_imm(R2, -4)
        .load_map_fd(R1, counter.raw_fd())
        .call(Helper::MapLookupElem)
        .jeq_imm(R0, 0, out)
        .load(Size::U64, R1, R0, 0)
        .add64_imm(R1, 1)
        .store(Size::U64, R0, 0, R1)
        .bind(out)
        .mov64_imm(R0, 3)
        .exit();
    let bytes = encode(&b.finish().unwrap(), ByteOrder::HOST).unwrap();
    let spec = ProgramSpec {
        kind: ProgramType::SocketFilter,
        insns: &bytes,
        name: "repeat",
        expected_attach_type: None,
    };
    let program = LoadedProgram::load(&spec).unwrap();
    let run = program.test_run_repeated(&[0u8; 64], &[], 1000).unwrap();
    assert_eq!(run.retval, 3);
    let count = counter.lookup(&0u32.to_ne_bytes()).unwrap().unwrap();
    assert_eq!(u64::from_ne_bytes(count[..].try_into().unwrap()), 1000);
}

#[test]
fn dropping_maps_and_programs_leaves_nothing_loaded() {
    if !common::kernel_available("dropping_maps_and_programs_leaves_nothing_loaded") {
        return;
    }
    let bytes = return_zero();
    let programs: Vec<LoadedProgram> = (0..3)
        .map(|index| {
            let name = format!("leak_check{index}");
            let spec = ProgramSpec {
                kind: ProgramType::SocketFilter,
                insns: &bytes,
                name: &name,
                expected_attach_type: None,
            };
            LoadedProgram::load(&spec).unwrap()
        })
        .collect();
    let ids: Vec<u32> = programs
        .iter()
        .map(|program| program.info().unwrap().id)
        .collect();
    let live = program_ids().unwrap();
    assert!(
        ids.iter().all(|id| live.contains(id)),
        "{ids:?} in {live:?}"
    );
    let map = BpfMap::create(&spec(MapType::Hash, 4, 4, 1)).unwrap();
    let map_id = map.id().unwrap();
    assert!(map_ids().unwrap().contains(&map_id));
    drop(programs);
    drop(map);
    common::wait_until_gone(&ids, program_ids);
    common::wait_until_gone(&[map_id], map_ids);
}
