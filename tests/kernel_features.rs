//! kernel_features: the feature probes agree with what the kernel shows by other means, and
//! the fallbacks they choose between work where they say so.

mod common;

use std::path::Path;

use tine::kernel::bpf::{BpfMap, MapSpec, MapType};
use tine::kernel::features::{Feature, Features};
use tine::kernel::ring::Ring;

#[test]
fn probes_agree_with_sysfs_and_with_using_the_feature() {
    if !common::kernel_available("probes_agree_with_sysfs_and_with_using_the_feature") {
        return;
    }
    let features = Features::probe_unforced();
    eprintln!("{}probed in {:?}", features.table(), features.probe_time());
    let pmu = |name: &str| {
        Path::new("/sys/bus/event_source/devices")
            .join(name)
            .join("type")
            .exists()
    };
    assert_eq!(features.has(Feature::KprobePmu), pmu("kprobe"));
    assert_eq!(features.has(Feature::UprobePmu), pmu("uprobe"));
    assert_eq!(
        features.has(Feature::Btf),
        Path::new("/sys/kernel/btf/vmlinux").exists()
    );
    // Per-CPU maps are older than every other feature here; a kernel BPF works on has them.
    assert!(features.has(Feature::PerCpuMaps));
    // Whichever transport the probe chose for output opens as a Ring.
    let output = if features.has(Feature::Ringbuf) {
        MapSpec {
            kind: MapType::Ringbuf,
            name: "feature_ring".into(),
            key_size: 0,
            value_size: 0,
            max_entries: 4096,
            flags: 0,
        }
    } else {
        let cpus = tine::kernel::cpu::possible_cpu_count().unwrap() as u32;
        MapSpec {
            kind: MapType::PerfEventArray,
            name: "feature_ring".into(),
            key_size: 4,
            value_size: 4,
            max_entries: cpus,
            flags: 0,
        }
    };
    let map = BpfMap::create(&output).unwrap();
    let mut ring = Ring::open(&map, 1).unwrap();
    assert_eq!(ring.drain(|_| {}), 0, "a new ring is empty");
}

#[test]
fn forcing_masks_a_probed_feature() {
    if !common::kernel_available("forcing_masks_a_probed_feature") {
        return;
    }
    let mut features = Features::probe_unforced();
    features
        .force("perfbuf,probe_read,tracefs,single_kprobes")
        .unwrap();
    for feature in [
        Feature::Ringbuf,
        Feature::ProbeReadKernel,
        Feature::KprobePmu,
        Feature::UprobePmu,
        Feature::KprobeMulti,
    ] {
        assert!(!features.has(feature), "{feature:?}");
    }
    assert_eq!(
        features.has(Feature::Btf),
        Path::new("/sys/kernel/btf/vmlinux").exists()
    );
}

/// A hash map a syscall's tracepoint alone updates grows on demand where the kernel has
/// bpf_mem_alloc (no preallocation at start), one that sched_switch (interrupts off) also
/// updates is preallocated, and `TINE_FORCE=prealloc` preallocates both; each flag as bpftool
/// shows it while tine runs, and the syscall map's count exact either way.
#[test]
fn only_maps_of_probes_with_interrupts_on_grow_on_demand() {
    if !common::kernel_available("only_maps_of_probes_with_interrupts_on_grow_on_demand") {
        return;
    }
    let growing = Features::probe_unforced().has(Feature::GrowingHash);
    let reader = common::unique_copy("dd", "tinegrow");
    let workload = format!(
        "{} if=/dev/zero of=/dev/null bs=1 count=321 status=none; bpftool map show",
        reader.display()
    );
    let script = "tracepoint:syscalls:sys_enter_read / comm == \"tinegrow\" && args->count == 1 / \
                  { @grow[comm] = count(); } \
                  tracepoint:sched:sched_switch { @both[comm] = count(); } \
                  tracepoint:syscalls:sys_enter_write { @both[comm] = count(); }";
    for (force, grows) in [("", growing), ("prealloc", false)] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_tine"))
            .env("TINE_FORCE", force)
            .args(["-c", &workload, script])
            .output()
            .expect("run tine");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{output:?}");
        // bpftool: `ID: percpu_hash  name NAME  flags 0xN`; the newest map of the name is this
        // run's (an earlier run's may still be listed while the kernel frees it).
        let flags = |name: &str| {
            text.lines()
                .rev()
                .find(|line| line.contains("hash") && line.contains(&format!("name {name} ")))
                .and_then(|line| line.rsplit_once("flags "))
                .map(|(_, flags)| flags.trim().to_string())
                .unwrap_or_else(|| panic!("no map {name}: {text}"))
        };
        let expected = if grows { "0x1" } else { "0x0" };
        assert_eq!(flags("grow"), expected, "TINE_FORCE={force}: {text}");
        assert_eq!(flags("both"), "0x0", "TINE_FORCE={force}: {text}");
        // dd's 321 one-byte reads, each counted.
        assert!(
            text.contains("@grow:\n{ tinegrow        }: 321\n"),
            "TINE_FORCE={force}: {text}"
        );
    }
}
