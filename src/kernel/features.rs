//! kernel::features: what this kernel can do, found once at start by trying it (a tiny program
//! load, a map create, a file's presence) — never from the version number — so the compiler and
//! providers pick a path that works and a fallback where there is one. `tine -T` prints it.

use std::cell::{Cell, OnceCell};
use std::time::Duration;

use tine_asm::{AluOp, ByteOrder, CallTarget, Helper, Insn, Reg, Reg::*, Source, Width};

use crate::kernel::bpf::{
    AttachTo, AttachType, BpfMap, Link, LoadedProgram, MapSpec, MapType, ProgramSpec, ProgramType,
};
use crate::kernel::btf;
use crate::kernel::clock::monotonic;
use crate::kernel::error::KernelError;
use crate::kernel::mapping::page_size;
use crate::kernel::perf::{kprobe_pmu_available, uprobe_pmu_available};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Feature {
    /// BPF_MAP_TYPE_RINGBUF (5.8); else a perf event array with per-CPU perf buffers.
    Ringbuf,
    /// bpf_probe_read_kernel/_user (5.5); else bpf_probe_read.
    ProbeReadKernel,
    /// The kprobe PMU (4.17); else tracefs kprobe_events.
    KprobePmu,
    /// The uprobe PMU (4.17); else tracefs uprobe_events.
    UprobePmu,
    /// kprobe.multi links (5.18 with fprobe): one attachment for a glob of functions.
    KprobeMulti,
    /// BPF_PROG_TEST_RUN of raw tracepoint programs (5.10): BEGIN/END run without an event.
    TestRunRawTracepoint,
    /// /sys/kernel/btf/vmlinux, with a BTF header tine reads: kernel types without headers.
    Btf,
    /// Per-CPU hash and array maps (4.6), for exact lock-free aggregations.
    PerCpuMaps,
    /// Batch map reads, and reads that delete what they read (5.6): `print(@m); clear(@m);`
    /// in one pass; else a snapshot of the keys, read and deleted one by one.
    MapBatch,
    /// The bpf_send_signal helper (5.3), for `signal()`.
    SendSignal,
    /// Program arrays for tail calls (4.2): a glob of syscall tracepoints served by one event
    /// on raw_syscalls (provider::syscalls); else one perf event per point.
    TailCall,
    /// Hash maps whose entries are allocated on demand from per-CPU caches (6.1's
    /// bpf_mem_alloc), which tracing programs may use: no map made up front at start.
    GrowingHash,
}

impl Feature {
    pub const ALL: [Feature; 12] = [
        Feature::Ringbuf,
        Feature::ProbeReadKernel,
        Feature::KprobePmu,
        Feature::UprobePmu,
        Feature::KprobeMulti,
        Feature::TestRunRawTracepoint,
        Feature::Btf,
        Feature::PerCpuMaps,
        Feature::MapBatch,
        Feature::SendSignal,
        Feature::TailCall,
        Feature::GrowingHash,
    ];

    /// The name `tine -T` prints.
    pub fn name(self) -> &'static str {
        // In `ALL`'s order, `|`-separated: one string, not a table of `&str`s.
        const NAMES: &str = concat!(
            "ringbuf map|",
            "probe_read_kernel/user helpers|",
            "kprobe PMU|",
            "uprobe PMU|",
            "kprobe.multi link|",
            "test run of raw tracepoints|",
            "kernel BTF|",
            "per-CPU maps|",
            "batch map reads and deletes|",
            "send_signal helper|",
            "tail calls|",
            "hash maps allocated on demand",
        );
        crate::words::nth_item(NAMES, b'|', self.index()).unwrap_or_default()
    }

    /// Its place in `ALL`, which lists the features in the order they are declared.
    fn index(self) -> usize {
        self as usize
    }

    fn probe(self) -> bool {
        match self {
            Feature::Ringbuf => map_creates(MapType::Ringbuf, 0, 0, page_size() as u32),
            Feature::ProbeReadKernel => probe_read_helpers_load(),
            Feature::KprobePmu => kprobe_pmu_available(),
            Feature::UprobePmu => uprobe_pmu_available(),
            Feature::KprobeMulti => kprobe_multi_links(),
            Feature::TestRunRawTracepoint => raw_tracepoint_test_runs(),
            Feature::Btf => btf::is_btf(btf::VMLINUX),
            Feature::PerCpuMaps => map_creates(MapType::PercpuArray, 4, 8, 1),
            Feature::MapBatch => map_batches(),
            Feature::SendSignal => loads(ProgramType::Tracepoint, &SEND_SIGNAL, None).is_some(),
            Feature::TailCall => map_creates(MapType::ProgArray, 4, 4, 1),
            // The user ring came with bpf_mem_alloc in 6.1: loading a tracing program with a
            // growing hash is no test, as older kernels accept it with a warning in their log.
            Feature::GrowingHash => map_creates(MapType::UserRingbuf, 0, 0, page_size() as u32),
        }
    }
}

/// The `TINE_FORCE` words (a string of words: see `crate::words`) and, in `FORCED`, the
/// features each masks, so tests can take the fallbacks on a kernel that would not need them.
const FORCE_WORDS: &str =
    "perfbuf probe_read tracefs single_kprobes test_run key_by_key no_signal each_syscall prealloc";
const FORCED: [&[Feature]; 9] = [
    &[Feature::Ringbuf],
    &[Feature::ProbeReadKernel],
    &[Feature::KprobePmu, Feature::UprobePmu],
    &[Feature::KprobeMulti],
    &[Feature::TestRunRawTracepoint],
    &[Feature::MapBatch],
    &[Feature::SendSignal],
    &[Feature::TailCall],
    &[Feature::GrowingHash],
];

/// What this kernel offers. Each feature is probed the first time it is asked about, so a
/// script pays only for the probes its own path needs (BEGIN alone asks four).
#[derive(Clone, Debug)]
pub struct Features {
    /// Probed (or given) answers; unset until first asked.
    present: [OnceCell<bool>; Feature::ALL.len()],
    forced_off: [bool; Feature::ALL.len()],
    /// How long each probe took, in nanoseconds of the monotonic clock (std's `Instant`
    /// would link its own arithmetic for this alone).
    probe_time: [Cell<u64>; Feature::ALL.len()],
}

impl Features {
    /// The features of the running kernel, probed on demand, with `TINE_FORCE` applied.
    pub fn probe() -> Result<Features, KernelError> {
        let mut features = Features::probe_unforced();
        if let Some(force) = super::env_var("TINE_FORCE") {
            features.force(&force)?;
        }
        Ok(features)
    }

    /// The features of the running kernel, probed on demand, ignoring `TINE_FORCE`.
    pub fn probe_unforced() -> Features {
        Features {
            present: Default::default(),
            forced_off: [false; Feature::ALL.len()],
            probe_time: Default::default(),
        }
    }

    /// Features as given, without probing: what tests and golden compiles use.
    pub fn from_present(present: &[Feature]) -> Features {
        let features = Features::probe_unforced();
        for feature in Feature::ALL {
            let _ = features.present[feature.index()].set(present.contains(&feature));
        }
        features
    }

    /// Whether the kernel has `feature`, probing it now if it was never asked about.
    fn present(&self, feature: Feature) -> bool {
        *self.present[feature.index()].get_or_init(|| {
            let start = monotonic();
            let present = feature.probe();
            self.probe_time[feature.index()].set((monotonic() - start) as u64);
            present
        })
    }

    /// Masks features by `TINE_FORCE` words (`perfbuf,probe_read,tracefs,single_kprobes`).
    pub fn force(&mut self, words: &str) -> Result<(), KernelError> {
        for word in crate::words::split(words, b',')
            .map(crate::words::trim)
            .filter(|word| !word.is_empty())
        {
            let Some(index) = crate::words::word_index(FORCE_WORDS, word) else {
                let mut known = String::new();
                for name in crate::words::split(FORCE_WORDS, b' ') {
                    if !known.is_empty() {
                        known.push_str(", ");
                    }
                    known.push_str(name);
                }
                return Err(KernelError::message(
                    "apply TINE_FORCE",
                    format!("unknown word `{word}` (known: {known})"),
                ));
            };
            for feature in FORCED[index] {
                self.forced_off[feature.index()] = true;
            }
        }
        Ok(())
    }

    pub fn has(&self, feature: Feature) -> bool {
        !self.forced_off[feature.index()] && self.present(feature)
    }

    /// Sum of the durations of the probes run so far.
    pub fn probe_time(&self) -> Duration {
        Duration::from_nanos(self.probe_time.iter().map(Cell::get).sum())
    }

    /// `tine -T`: one `feature: yes|no` line each, noting features TINE_FORCE masked.
    pub fn table(&self) -> String {
        let width = Feature::ALL
            .iter()
            .map(|feature| feature.name().len())
            .max()
            .unwrap_or(0);
        let mut text = String::new();
        for feature in Feature::ALL {
            let answer = match (self.present(feature), self.forced_off[feature.index()]) {
                (true, false) => "yes",
                (true, true) => "no (TINE_FORCE)",
                (false, _) => "no",
            };
            // `name:`, padded so the answers line up a space after the longest.
            let name = feature.name();
            text.push_str(name);
            text.push(':');
            for _ in name.len()..=width {
                text.push(' ');
            }
            text.push_str(answer);
            text.push('\n');
        }
        text
    }
}

fn probe_map(kind: MapType, key_size: u32, value_size: u32, max_entries: u32) -> Option<BpfMap> {
    let spec = MapSpec {
        kind,
        name: "tine_probe".into(),
        key_size,
        value_size,
        max_entries,
        flags: 0,
    };
    BpfMap::create(&spec).ok()
}

fn map_creates(kind: MapType, key_size: u32, value_size: u32, max_entries: u32) -> bool {
    probe_map(kind, key_size, value_size, max_entries).is_some()
}

/// An empty per-CPU hash read-and-emptied by batch: ENOENT (done) where the command exists.
fn map_batches() -> bool {
    probe_map(MapType::PercpuHash, 4, 8, 1)
        .is_some_and(|map| matches!(map.take_batched(), Ok(Some(_))))
}

/// Loads `insns` as `kind`; the program when the kernel accepts it.
fn loads(
    kind: ProgramType,
    insns: &[Insn],
    expected_attach_type: Option<AttachType>,
) -> Option<LoadedProgram> {
    let bytes = tine_asm::encode(insns, ByteOrder::HOST).ok()?;
    let spec = ProgramSpec {
        kind,
        insns: &bytes,
        name: "tine_probe",
        expected_attach_type: expected_attach_type.map(AttachTo::from),
    };
    LoadedProgram::load(&spec).ok()
}

/// `dst = src` or `dst += src`, at 64 bits.
const fn alu64(op: AluOp, dst: Reg, src: Source) -> Insn {
    Insn::Alu {
        width: Width::W64,
        op,
        dst,
        src,
    }
}

/// `r0 = 0; exit`, the smallest valid program. The probe programs are data, not code that
/// builds them (binary size).
static RETURN_ZERO: [Insn; 2] = [alu64(AluOp::Mov, R0, Source::Imm(0)), Insn::Exit];

/// Reads 8 bytes from the stack into the same place with `helper`.
const fn probe_read(helper: Helper) -> [Insn; 5] {
    [
        alu64(AluOp::Mov, R1, Source::Reg(R10)),
        alu64(AluOp::Add, R1, Source::Imm(-8)),
        alu64(AluOp::Mov, R2, Source::Imm(8)),
        alu64(AluOp::Mov, R3, Source::Imm(0)),
        Insn::Call(CallTarget::Helper(helper as i32)),
    ]
}

/// Signal 0 to the current task, returning what the helper returns: loaded to see that the
/// kernel knows the helper, never run.
static SEND_SIGNAL: [Insn; 3] = [
    alu64(AluOp::Mov, R1, Source::Imm(0)),
    Insn::Call(CallTarget::Helper(Helper::SendSignal as i32)),
    Insn::Exit,
];

/// Both reads, then `r0 = 0`: one program, so one load asks for both helpers.
static PROBE_READS: [Insn; 12] = {
    let (user, kernel) = (
        probe_read(Helper::ProbeReadUser),
        probe_read(Helper::ProbeReadKernel),
    );
    [
        user[0],
        user[1],
        user[2],
        user[3],
        user[4],
        kernel[0],
        kernel[1],
        kernel[2],
        kernel[3],
        kernel[4],
        alu64(AluOp::Mov, R0, Source::Imm(0)),
        Insn::Exit,
    ]
};

fn probe_read_helpers_load() -> bool {
    loads(ProgramType::Tracepoint, &PROBE_READS, None).is_some()
}

/// Whether a program of `kind` that returns 0 loads: tracing kinds exist only in kernels built
/// with BPF events.
pub fn program_kind_loads(kind: ProgramType) -> bool {
    loads(kind, &RETURN_ZERO, None).is_some()
}

fn raw_tracepoint_test_runs() -> bool {
    let Some(program) = loads(ProgramType::RawTracepoint, &RETURN_ZERO, None) else {
        return false;
    };
    program.test_run(&[], &[0u8; 8]).is_ok()
}

/// A kprobe.multi program loads on kernels that know the attach type, but attaching needs
/// fprobe too: a link on a function that does not exist fails with ESRCH only where it could
/// otherwise succeed (EOPNOTSUPP without fprobe).
fn kprobe_multi_links() -> bool {
    let Some(program) = loads(
        ProgramType::Kprobe,
        &RETURN_ZERO,
        Some(AttachType::TraceKprobeMulti),
    ) else {
        return false;
    };
    match Link::kprobe_multi(&program, &["tine_no_such_function_"], false) {
        Ok(_) => true,
        Err(error) => error.raw_errno() == Some(libc::ESRCH),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_the_features_in_declaration_order() {
        for (index, feature) in Feature::ALL.into_iter().enumerate() {
            assert_eq!(feature.index(), index, "{feature:?}");
        }
    }

    /// What `-T` calls each feature, so that the string of names stays in `ALL`'s order.
    #[test]
    fn each_feature_has_its_name() {
        let names: Vec<&str> = Feature::ALL.map(Feature::name).to_vec();
        assert_eq!(
            names,
            [
                "ringbuf map",
                "probe_read_kernel/user helpers",
                "kprobe PMU",
                "uprobe PMU",
                "kprobe.multi link",
                "test run of raw tracepoints",
                "kernel BTF",
                "per-CPU maps",
                "batch map reads and deletes",
                "send_signal helper",
                "tail calls",
                "hash maps allocated on demand",
            ]
        );
    }

    /// The probe programs, written as data, are what the builder makes of the same steps.
    #[test]
    fn the_probe_programs_are_the_builders() {
        let mut b = tine_asm::Builder::new();
        b.mov64_imm(R0, 0).exit();
        assert_eq!(b.finish().unwrap(), RETURN_ZERO);
        let mut b = tine_asm::Builder::new();
        for helper in [Helper::ProbeReadUser, Helper::ProbeReadKernel] {
            b.mov64(R1, R10)
                .add64_imm(R1, -8)
                .mov64_imm(R2, 8)
                .mov64_imm(R3, 0)
                .call(helper);
        }
        b.mov64_imm(R0, 0).exit();
        assert_eq!(b.finish().unwrap(), PROBE_READS);
        let mut b = tine_asm::Builder::new();
        b.mov64_imm(R1, 0).call(Helper::SendSignal).exit();
        assert_eq!(b.finish().unwrap(), SEND_SIGNAL);
    }

    /// A name with a NUL fails the whole link, named with the count of functions asked for.
    #[test]
    fn a_nul_in_a_kprobe_multi_name_is_an_error() {
        let Some(program) = loads(
            ProgramType::Kprobe,
            &RETURN_ZERO,
            Some(AttachType::TraceKprobeMulti),
        ) else {
            crate::testing::skip(
                "a_nul_in_a_kprobe_multi_name_is_an_error",
                "no kprobe.multi program loads (needs root and BPF)",
            );
            return;
        };
        let error = Link::kprobe_multi(&program, &["vfs_read", "a\0b"], false)
            .unwrap_err()
            .to_string();
        assert!(error.contains("to 2 functions"), "{error}");
        assert!(error.contains("NUL in a function name"), "{error}");
    }

    #[test]
    fn force_words_mask_their_features() {
        let mut features = Features::from_present(&Feature::ALL);
        features.force("perfbuf, tracefs").unwrap();
        assert!(!features.has(Feature::Ringbuf));
        assert!(!features.has(Feature::KprobePmu));
        assert!(!features.has(Feature::UprobePmu));
        assert!(features.has(Feature::ProbeReadKernel));
        let error = features.force("perfbuf,bogus").unwrap_err();
        assert!(
            error.to_string().contains(
                "unknown word `bogus` (known: perfbuf, probe_read, tracefs, single_kprobes, \
                 test_run, key_by_key, no_signal, each_syscall, prealloc)"
            ),
            "{error}"
        );
        // The last word masks the last feature; a word with a space in it is none of them.
        features.force("key_by_key").unwrap();
        assert!(!features.has(Feature::MapBatch));
        features.force("each_syscall").unwrap();
        assert!(!features.has(Feature::TailCall));
        features.force("prealloc").unwrap();
        assert!(!features.has(Feature::GrowingHash));
        assert!(features.force("test_run key_by_key").is_err());
    }

    #[test]
    fn btf_is_present_only_where_a_btf_header_reads() {
        let directory = std::env::temp_dir().join(format!("tine-btf-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let garbage = directory.join("vmlinux");
        std::fs::write(&garbage, b"not BTF at all, but long enough for a header").unwrap();
        assert!(!btf::is_btf(&garbage.to_string_lossy()));
        assert!(!btf::is_btf(&directory.join("missing").to_string_lossy()));
        // The smallest BTF file: a header, no types, the empty string.
        let mut header = vec![0x9f, 0xeb, 1, 0];
        for word in [24u32, 0, 0, 0, 1] {
            header.extend_from_slice(&word.to_le_bytes());
        }
        header.push(0);
        std::fs::write(&garbage, &header).unwrap();
        assert!(btf::is_btf(&garbage.to_string_lossy()));
        // A header whose string section would run past the file's end.
        header[20] = 2;
        std::fs::write(&garbage, &header).unwrap();
        assert!(!btf::is_btf(&garbage.to_string_lossy()));
        std::fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn the_table_says_yes_no_and_forced() {
        let mut features = Features::from_present(&[Feature::Ringbuf, Feature::Btf]);
        features.force("perfbuf").unwrap();
        let table = features.table();
        assert_eq!(table.lines().count(), Feature::ALL.len());
        assert!(table.contains("ringbuf map:"), "{table}");
        let line = |name: &str| {
            table
                .lines()
                .find(|line| line.starts_with(name))
                .unwrap()
                .to_string()
        };
        assert!(line("ringbuf map:").ends_with(" no (TINE_FORCE)"));
        assert!(line("kernel BTF:").ends_with(" yes"));
        assert!(line("kprobe PMU:").ends_with(" no"));
    }
}
