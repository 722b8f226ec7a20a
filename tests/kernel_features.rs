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
