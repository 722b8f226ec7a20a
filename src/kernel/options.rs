//! kernel::options: which kernel build option brings each facility tine uses, OpenWrt's menu
//! name for it, and what still works without it, so `tine -T` on a kernel built without one
//! (as router images are) says what to turn on instead of only that something failed.

use std::path::Path;

use crate::kernel::bpf::ProgramType;
use crate::kernel::features::{program_kind_loads, Feature, Features};
use crate::kernel::tracefs::Tracefs;

/// A facility of the kernel that some of tine's probes need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Facility {
    /// Programs on kprobes, uprobes, tracepoints and perf events.
    BpfEvents,
    /// perf_event_open(2): every probe is attached through a perf event.
    PerfEvents,
    /// tracefs and its events: tracepoints, and probe events where there is no PMU.
    Tracing,
    /// `syscalls:sys_enter_*`/`sys_exit_*` tracepoints.
    SyscallTracepoints,
    Kprobes,
    Uprobes,
    /// /sys/kernel/btf/vmlinux: kernel types without headers.
    Btf,
}

/// What `tine -T` says of a missing facility.
pub struct Advice {
    pub facility: &'static str,
    /// The kernel's options, as in the kernel's .config.
    pub options: &'static str,
    /// Where to turn it on in an OpenWrt build (`make menuconfig`, Global build settings →
    /// Kernel build options), or how where OpenWrt has no menu entry for it.
    pub openwrt: &'static str,
    /// What tine still does without it.
    pub without: &'static str,
}

impl Facility {
    pub const ALL: [Facility; 7] = [
        Facility::BpfEvents,
        Facility::PerfEvents,
        Facility::Tracing,
        Facility::SyscallTracepoints,
        Facility::Kprobes,
        Facility::Uprobes,
        Facility::Btf,
    ];

    pub fn advice(self) -> Advice {
        // The four texts of each facility in one string, `|`-separated: arms of four `&str`s
        // each would be four tables of pointers and lengths in the binary.
        let text = match self {
            Facility::BpfEvents => concat!(
                "BPF programs on events|",
                "CONFIG_BPF_EVENTS|",
                "CONFIG_KERNEL_BPF_EVENTS|",
                "nothing: every probe is such a program",
            ),
            Facility::PerfEvents => concat!(
                "perf events|",
                "CONFIG_PERF_EVENTS|",
                "CONFIG_KERNEL_PERF_EVENTS|",
                "nothing but BEGIN and END: every other probe attaches through a perf event",
            ),
            Facility::Tracing => concat!(
                "tracefs and tracepoints|",
                "CONFIG_FTRACE, CONFIG_TRACING|",
                "CONFIG_KERNEL_FTRACE|",
                "kprobes and uprobes through their PMUs, profile:, interval:, BEGIN and END",
            ),
            Facility::SyscallTracepoints => concat!(
                "syscall tracepoints|",
                "CONFIG_FTRACE_SYSCALLS|",
                "CONFIG_KERNEL_FTRACE_SYSCALLS|",
                "tracepoint:raw_syscalls:sys_enter/sys_exit (args->id is the syscall's number), and kprobes on the syscalls' functions",
            ),
            Facility::Kprobes => concat!(
                "kprobes|",
                "CONFIG_KPROBES, CONFIG_KPROBE_EVENTS|",
                "CONFIG_KERNEL_KPROBES (brings CONFIG_KERNEL_KPROBE_EVENTS)|",
                "tracepoints, uprobes, profile:, interval:, BEGIN and END",
            ),
            Facility::Uprobes => concat!(
                "uprobes|",
                "CONFIG_UPROBES, CONFIG_UPROBE_EVENTS|",
                "no menu entry: add both to the target's kernel config (make kernel_menuconfig)|",
                "kprobes, tracepoints, profile:, interval:; BEGIN and END where raw tracepoints test-run (5.10+)",
            ),
            Facility::Btf => concat!(
                "kernel BTF|",
                "CONFIG_DEBUG_INFO_BTF|",
                "CONFIG_KERNEL_DEBUG_INFO_BTF (with CONFIG_KERNEL_DEBUG_INFO_REDUCED off)|",
                "every probe: only kernel types by name are missing",
            ),
        };
        let mut fields = crate::words::split(text, b'|');
        let mut field = || fields.next().unwrap_or_default();
        Advice {
            facility: field(),
            options: field(),
            openwrt: field(),
            without: field(),
        }
    }

    /// Whether the running kernel has this facility, found by trying it as tine would.
    fn present(self, features: &Features, tracefs: Option<&Tracefs>) -> bool {
        let exists = |path: &Path| super::status(path, true).is_some();
        let events = |name: &str| tracefs.is_some_and(|tracefs| exists(&tracefs.root().join(name)));
        match self {
            Facility::BpfEvents => program_kind_loads(ProgramType::Tracepoint),
            // The sysctl exists exactly where perf events are built in.
            Facility::PerfEvents => exists(Path::new("/proc/sys/kernel/perf_event_paranoid")),
            Facility::Tracing => tracefs.is_some(),
            Facility::SyscallTracepoints => events("events/syscalls"),
            Facility::Kprobes => features.has(Feature::KprobePmu) || events("kprobe_events"),
            Facility::Uprobes => features.has(Feature::UprobePmu) || events("uprobe_events"),
            Facility::Btf => features.has(Feature::Btf),
        }
    }
}

/// The facilities this kernel lacks.
pub fn missing(features: &Features) -> Vec<Facility> {
    let tracefs = Tracefs::find().ok();
    let mut missing = Vec::new();
    for facility in Facility::ALL {
        if !facility.present(features, tracefs.as_ref()) {
            missing.push(facility);
        }
    }
    missing
}

/// `tine -T`'s lines for the facilities in `missing`: the option, OpenWrt's, what still works.
pub fn report(missing: &[Facility]) -> String {
    use std::fmt::Write as _;
    let mut text = String::new();
    for facility in missing {
        let advice = facility.advice();
        // Writing to a String cannot fail.
        let _ = writeln!(
            text,
            "no {}: build the kernel with {} (OpenWrt: {}); without it tine still traces {}",
            advice.facility, advice.options, advice.openwrt, advice.without
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every option issue 10 names is in the table, with OpenWrt's name where it has one.
    #[test]
    fn every_facility_names_its_options_and_what_still_works() {
        let text = report(&Facility::ALL);
        for option in [
            "CONFIG_KPROBES",
            "CONFIG_KPROBE_EVENTS",
            "CONFIG_UPROBE_EVENTS",
            "CONFIG_BPF_EVENTS",
            "CONFIG_FTRACE_SYSCALLS",
            "CONFIG_PERF_EVENTS",
            "CONFIG_DEBUG_INFO_BTF",
            "CONFIG_KERNEL_KPROBES",
            "CONFIG_KERNEL_BPF_EVENTS",
            "CONFIG_KERNEL_PERF_EVENTS",
            "CONFIG_KERNEL_FTRACE_SYSCALLS",
            "CONFIG_KERNEL_DEBUG_INFO_BTF",
        ] {
            assert!(text.contains(option), "{option} missing from:\n{text}");
        }
        assert_eq!(text.lines().count(), Facility::ALL.len());
        for line in text.lines() {
            assert!(line.starts_with("no "), "{line}");
            let (_, still) = line
                .split_once("without it tine still traces ")
                .expect(line);
            assert!(!still.is_empty(), "{line}");
        }
    }

    /// Each of a facility's texts lands in its place in the line.
    #[test]
    fn a_line_reads_name_options_openwrt_and_what_still_works() {
        assert_eq!(
            report(&[Facility::Btf]),
            "no kernel BTF: build the kernel with CONFIG_DEBUG_INFO_BTF (OpenWrt: \
             CONFIG_KERNEL_DEBUG_INFO_BTF (with CONFIG_KERNEL_DEBUG_INFO_REDUCED off)); without \
             it tine still traces every probe: only kernel types by name are missing\n"
        );
    }

    #[test]
    fn a_kernel_with_everything_gets_no_advice() {
        assert_eq!(report(&[]), "");
    }

    /// Where tests may use the kernel, this machine's kernel (which has all but kprobes) is
    /// read as it is: no false alarm for what it has.
    #[test]
    fn this_kernels_facilities_are_found() {
        let features = Features::probe_unforced();
        if !features.has(Feature::PerCpuMaps) {
            crate::testing::skip("this_kernels_facilities_are_found", "BPF is unusable here");
            return;
        }
        let missing = missing(&features);
        for present in [Facility::BpfEvents, Facility::PerfEvents, Facility::Tracing] {
            assert!(!missing.contains(&present), "{present:?} reported missing");
        }
    }
}
