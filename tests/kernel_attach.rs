//! kernel_attach: programs attached to real events count exactly what happened — a syscall
//! tracepoint, cpu-clock, the uprobe PMU and a tracefs uprobe event on a function of this test
//! binary — and records written by programs come back exactly through both ring kinds.

mod common;

use tine::kernel::bpf::{BpfMap, LoadedProgram, MapSpec, MapType, ProgramSpec, ProgramType};
use tine::kernel::cpu::online_cpus;
use tine::kernel::elf::ElfFile;
use tine::kernel::perf::{PerfEvent, Rate};
use tine::kernel::ring::{wait_readable, Ring, RingItem};
use tine::kernel::tracefs::{ProbeKind, Tracefs};
use tine_asm::{encode, Builder, ByteOrder, Helper, Reg::*, Size};

fn per_cpu_counter(name: &str) -> BpfMap {
    BpfMap::create(&MapSpec {
        kind: MapType::PercpuArray,
        name: name.into(),
        key_size: 4,
        value_size: 8,
        max_entries: 1,
        flags: 0,
    })
    .expect("per-CPU counter")
}

fn total(counter: &BpfMap) -> u64 {
    let entry = counter.lookup_entry(&0u32.to_ne_bytes()).unwrap();
    assert_eq!(entry.len(), 1, "slot 0");
    entry
        .values(0)
        .map(|value| u64::from_ne_bytes(value.try_into().unwrap()))
        .sum()
}

/// This thread's id, which `bpf_get_current_pid_tgid` reports in its low half. Counting one
/// thread keeps other processes and this binary's other tests out of the count.
fn thread_id() -> i32 {
    let link = std::fs::read_link("/proc/thread-self").expect("/proc/thread-self");
    let text = link.to_string_lossy().into_owned();
    text.rsplit('/').next().unwrap().parse().expect("a tid")
}

/// A program adding one to `counter[0]` on this CPU, when `thread` (if any) is running.
fn counting_program(
    kind: ProgramType,
    counter: &BpfMap,
    thread: Option<i32>,
    name: &str,
) -> LoadedProgram {
    let mut b = Builder::new();
    let out = b.label();
    if let Some(thread) = thread {
        b.call(Helper::GetCurrentPidTgid)
            .mov32(R0, R0)
            .jne_imm(R0, thread, out);
    }
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
        .mov64_imm(R0, 0)
        .exit();
    let bytes = encode(&b.finish().unwrap(), ByteOrder::HOST).unwrap();
    let spec = ProgramSpec {
        kind,
        insns: &bytes,
        name,
        expected_attach_type: None,
    };
    LoadedProgram::load(&spec).unwrap_or_else(|error| panic!("{error}\n{}", error.verifier_log))
}

#[test]
fn a_syscall_tracepoint_counts_every_call_exactly() {
    if !common::kernel_available("a_syscall_tracepoint_counts_every_call_exactly") {
        return;
    }
    let tracefs = Tracefs::find().expect("tracefs");
    let id = tracefs
        .event_id("syscalls", "sys_enter_getppid")
        .expect("the getppid tracepoint");
    let counter = per_cpu_counter("getppid_count");
    let program = counting_program(
        ProgramType::Tracepoint,
        &counter,
        Some(thread_id()),
        "count_getppid",
    );
    let event = PerfEvent::tracepoint(id).unwrap();
    event.attach(&program).unwrap();
    event.enable().unwrap();
    const CALLS: u64 = 1000;
    for _ in 0..CALLS {
        std::hint::black_box(std::os::unix::process::parent_id());
    }
    assert_eq!(total(&counter), CALLS);
    // Closed, it counts no more. (Disabling is not enough: a tracepoint runs its programs
    // whether or not the perf event is enabled.)
    drop(event);
    std::hint::black_box(std::os::unix::process::parent_id());
    assert_eq!(total(&counter), CALLS);
    // And once the program is dropped too, the kernel has unloaded it.
    let id = program.info().unwrap().id;
    drop(program);
    common::wait_until_gone(&[id], tine::kernel::bpf::program_ids);
}

#[test]
fn cpu_clock_events_fire_their_program() {
    if !common::kernel_available("cpu_clock_events_fire_their_program") {
        return;
    }
    let counter = per_cpu_counter("clock_count");
    let program = counting_program(ProgramType::PerfEvent, &counter, None, "count_clock");
    let cpus = online_cpus().unwrap();
    let start = std::time::Instant::now();
    let events: Vec<PerfEvent> = cpus
        .iter()
        .map(|&cpu| {
            // 1 ms between samples on each CPU.
            let event = PerfEvent::cpu_clock(cpu, Rate::Period(1_000_000)).unwrap();
            event.attach(&program).unwrap();
            event.enable().unwrap();
            event
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(300));
    drop(events);
    let elapsed = start.elapsed().as_millis() as u64;
    let fired = total(&counter);
    // 1 kHz on each CPU while the events were open, give or take timer slack; an idle CPU's
    // clock still runs.
    let expected = elapsed * cpus.len() as u64;
    assert!(
        fired >= expected / 3 && fired <= expected * 2,
        "{fired} samples, about {expected} expected"
    );
    let after = total(&counter);
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(total(&counter), after, "closed events fire no more");
}

#[test]
fn the_kprobe_pmu_opens_or_says_it_is_missing() {
    if !common::kernel_available("the_kprobe_pmu_opens_or_says_it_is_missing") {
        return;
    }
    let present = std::path::Path::new("/sys/bus/event_source/devices/kprobe").exists();
    match PerfEvent::kprobe("vfs_read", 0, false) {
        Ok(_) => assert!(present, "opened without a kprobe PMU"),
        Err(error) => {
            assert!(!present, "{error}");
            assert_eq!(
                error.to_string(),
                "cannot open kprobe vfs_read+0: this kernel has no kprobe PMU \
                 (/sys/bus/event_source/devices/kprobe is missing)"
            );
        }
    }
}

#[no_mangle]
#[inline(never)]
pub extern "C" fn tine_uprobe_target(value: u64) -> u64 {
    std::hint::black_box(value.wrapping_mul(3))
}

/// The file offset of `tine_uprobe_target` in this test binary, and the binary's path.
fn target_offset() -> (String, u64) {
    let path = std::env::current_exe()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let elf = ElfFile::read(&path).expect("this test binary");
    let function = elf
        .function("tine_uprobe_target")
        .expect("the target symbol");
    (
        path,
        elf.file_offset(function.address)
            .expect("in a loadable segment"),
    )
}

#[test]
fn the_uprobe_pmu_counts_calls_of_a_function() {
    if !common::kernel_available("the_uprobe_pmu_counts_calls_of_a_function") {
        return;
    }
    let (path, offset) = target_offset();
    let counter = per_cpu_counter("uprobe_count");
    let program = counting_program(
        ProgramType::Kprobe,
        &counter,
        Some(thread_id()),
        "count_uprobe",
    );
    for retprobe in [false, true] {
        let before = total(&counter);
        let event = PerfEvent::uprobe(&path, offset, retprobe, None, 0).expect("the uprobe PMU");
        event.attach(&program).unwrap();
        event.enable().unwrap();
        const CALLS: u64 = 250;
        for call in 0..CALLS {
            tine_uprobe_target(call);
        }
        drop(event);
        assert_eq!(total(&counter) - before, CALLS, "retprobe: {retprobe}");
    }
    tine_uprobe_target(0);
}

#[test]
fn a_tracefs_uprobe_event_counts_calls_and_is_removed_on_drop() {
    if !common::kernel_available("a_tracefs_uprobe_event_counts_calls_and_is_removed_on_drop") {
        return;
    }
    let tracefs = Tracefs::find().expect("tracefs");
    let (path, offset) = target_offset();
    let counter = per_cpu_counter("uprobe_events");
    let program = counting_program(
        ProgramType::Kprobe,
        &counter,
        Some(thread_id()),
        "count_uevent",
    );
    let probe = tracefs
        .add_probe(ProbeKind::Uprobe, false, &format!("{path}:{offset:#x}"))
        .expect("a uprobe event");
    let id = tracefs
        .event_id(probe.group(), probe.name())
        .expect("the event's id");
    let event = PerfEvent::tracepoint(id).unwrap();
    event.attach(&program).unwrap();
    event.enable().unwrap();
    for call in 0..100 {
        tine_uprobe_target(call);
    }
    assert_eq!(total(&counter), 100);
    let line = format!("{}/{}", probe.group(), probe.name());
    let listed = std::fs::read_to_string(tracefs.root().join("uprobe_events")).unwrap();
    assert!(listed.contains(&line), "{line} in {listed}");
    drop(event);
    drop(probe);
    let listed = std::fs::read_to_string(tracefs.root().join("uprobe_events")).unwrap();
    assert!(!listed.contains(&line), "{line} still in {listed}");
}

/// A raw-tracepoint program that writes a 28-byte record `{ ctx[0], 0x5ead, 0, 0:u32 }` to the
/// output map, so a test run with `ctx[0] = i` emits record i.
fn emitting_program(output: &BpfMap) -> LoadedProgram {
    let mut b = Builder::new();
    b.load(Size::U64, R2, R1, 0)
        .store(Size::U64, R10, -32, R2)
        .store_imm(Size::U64, R10, -24, 0x5ead)
        .store_imm(Size::U64, R10, -16, 0)
        .store_imm(Size::U64, R10, -8, 0);
    match output.spec().kind {
        MapType::Ringbuf => {
            b.load_map_fd(R1, output.raw_fd())
                .mov64(R2, R10)
                .add64_imm(R2, -32)
                .mov64_imm(R3, 28)
                .mov64_imm(R4, 0)
                .call(Helper::RingbufOutput);
        }
        _ => {
            // BPF_F_CURRENT_CPU
            b.load_map_fd(R2, output.raw_fd())
                .load_imm64(R3, 0xffff_ffff)
                .mov64(R4, R10)
                .add64_imm(R4, -32)
                .mov64_imm(R5, 28)
                .call(Helper::PerfEventOutput);
        }
    }
    b.mov64_imm(R0, 0).exit();
    let bytes = encode(&b.finish().unwrap(), ByteOrder::HOST).unwrap();
    let spec = ProgramSpec {
        kind: ProgramType::RawTracepoint,
        insns: &bytes,
        name: "emit",
        expected_attach_type: None,
    };
    LoadedProgram::load(&spec).unwrap_or_else(|error| panic!("{error}\n{}", error.verifier_log))
}

/// Runs `program` once per record number in `numbers`, draining `ring` every 50 runs; returns
/// the record numbers read and the lost count.
fn emit_and_collect(
    program: &LoadedProgram,
    ring: &mut Ring,
    numbers: std::ops::Range<u64>,
    drain_every: u64,
) -> (Vec<u64>, u64) {
    let mut seen = Vec::new();
    let mut lost = 0;
    let mut collect = |record: RingItem| match record {
        RingItem::Sample(payload) => {
            assert!(payload.len() >= 28, "{payload:?}");
            assert_eq!(
                u64::from_ne_bytes(payload[8..16].try_into().unwrap()),
                0x5ead
            );
            seen.push(u64::from_ne_bytes(payload[..8].try_into().unwrap()));
        }
        RingItem::Lost(count) => lost += count,
    };
    for number in numbers {
        // Always CPU 0: a perf buffer's LOST record comes out on the CPU that lost.
        program
            .test_run_on_cpu(&number.to_ne_bytes(), 0)
            .expect("test run");
        if (number + 1) % drain_every == 0 {
            let timeout = Some(std::time::Duration::from_millis(100));
            let ready = wait_readable(&ring.fds(), timeout).unwrap();
            assert!(ready.contains(&true), "a ring with records polls readable");
            ring.drain(&mut collect);
        }
    }
    ring.drain(&mut collect);
    (seen, lost)
}

#[test]
fn records_come_back_exactly_through_a_bpf_ring_buffer() {
    if !common::kernel_available("records_come_back_exactly_through_a_bpf_ring_buffer") {
        return;
    }
    let map = BpfMap::create(&MapSpec {
        kind: MapType::Ringbuf,
        name: "test_ringbuf".into(),
        key_size: 0,
        value_size: 0,
        max_entries: 4096,
        flags: 0,
    })
    .expect("ring buffer");
    let mut ring = Ring::open(&map, 0).unwrap();
    let program = emitting_program(&map);
    // 40-byte records in a 4 KiB ring, drained every 50: the positions wrap many times.
    let (seen, lost) = emit_and_collect(&program, &mut ring, 0..1000, 50);
    assert_eq!(lost, 0);
    assert_eq!(seen, (0..1000).collect::<Vec<_>>());
}

#[test]
fn records_come_back_exactly_through_perf_buffers() {
    if !common::kernel_available("records_come_back_exactly_through_perf_buffers") {
        return;
    }
    let cpus = tine::kernel::cpu::possible_cpu_count().unwrap() as u32;
    let map = BpfMap::create(&MapSpec {
        kind: MapType::PerfEventArray,
        name: "test_perfbuf".into(),
        key_size: 4,
        value_size: 4,
        max_entries: cpus,
        flags: 0,
    })
    .expect("perf event array");
    let mut ring = Ring::open(&map, 1).unwrap();
    let program = emitting_program(&map);
    // 40-byte records in a one-page ring: bodies wrap around its end.
    let (seen, lost) = emit_and_collect(&program, &mut ring, 0..1000, 50);
    assert_eq!(lost, 0);
    assert_eq!(seen, (0..1000).collect::<Vec<_>>());

    // Without draining, a full ring drops records and says how many — in a LOST record it
    // writes once there is room again, so a second, drained run brings the count in.
    let (flooded, lost_in_flood) = emit_and_collect(&program, &mut ring, 0..1000, u64::MAX);
    let (drained, lost_later) = emit_and_collect(&program, &mut ring, 1000..2000, 50);
    let lost = lost_in_flood + lost_later;
    assert!(lost > 0, "a one-page ring cannot hold 1000 records");
    assert_eq!((flooded.len() + drained.len()) as u64 + lost, 2000);
}
