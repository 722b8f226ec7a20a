//! kernel::perf: perf_event_open(2) — the events programs attach to (tracepoints, software and
//! hardware counters, breakpoints, the kprobe and uprobe PMUs) and the per-CPU BPF-output
//! events behind a perf event array, with the mmap'd ring each of those writes its samples to.

use crate::words::quoted;
use std::ffi::CString;
use std::mem::size_of;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use crate::kernel::bpf::{BpfMap, LoadedProgram, Update};
use crate::kernel::error::{last_errno, KernelError};
use crate::kernel::mapping::{page_size, Mapping};
use crate::kernel::ring::RingItem;

/// PERF_TYPE_HARDWARE and PERF_TYPE_SOFTWARE, the counters `hardware:` and `software:` open.
pub const TYPE_HARDWARE: u32 = 0;
pub const TYPE_SOFTWARE: u32 = 1;
const TYPE_TRACEPOINT: u32 = 2;
const TYPE_BREAKPOINT: u32 = 5;
/// PERF_COUNT_SW_CPU_CLOCK.
pub const SOFTWARE_CPU_CLOCK: u64 = 0;
const SOFTWARE_BPF_OUTPUT: u64 = 10;
const SAMPLE_RAW: u64 = 1 << 10;
const FLAG_DISABLED: u64 = flag(0, cfg!(target_endian = "big"));
const FLAG_FREQUENCY: u64 = flag(10, cfg!(target_endian = "big"));

/// perf_event_attr's one-bit flags are a C bitfield in a u64, which GCC lays out from the least
/// significant bit on a little-endian machine and from the most significant on a big-endian one:
/// `disabled`, bitfield 0, is bit 63 on big-endian MIPS (where bit 0 is reserved: EINVAL).
const fn flag(bitfield: u32, big_endian: bool) -> u64 {
    if big_endian {
        1 << (63 - bitfield)
    } else {
        1 << bitfield
    }
}
const OPEN_CLOEXEC: libc::c_ulong = 1 << 3;

// ioctl numbers: _IO('$', 0), _IO('$', 1) and _IOW('$', 8, u32). The direction bits sit
// differently on powerpc, mips and sparc.
#[cfg(any(
    target_arch = "powerpc",
    target_arch = "powerpc64",
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "sparc64"
))]
mod ioctl_bits {
    pub const NONE: u32 = 1 << 29;
    pub const WRITE: u32 = 4 << 29;
}
#[cfg(not(any(
    target_arch = "powerpc",
    target_arch = "powerpc64",
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "sparc64"
)))]
mod ioctl_bits {
    pub const NONE: u32 = 0;
    pub const WRITE: u32 = 1 << 30;
}
const IOC_ENABLE: u32 = ioctl_bits::NONE | (b'$' as u32) << 8;
const IOC_DISABLE: u32 = ioctl_bits::NONE | (b'$' as u32) << 8 | 1;
const IOC_SET_BPF: u32 = ioctl_bits::WRITE | (4 << 16) | (b'$' as u32) << 8 | 8;

/// `struct perf_event_attr` up to `config2` (PERF_ATTR_SIZE_VER1), all tine sets; the kernel
/// takes the size from the struct and treats the rest as zero.
#[repr(C)]
#[derive(Default)]
struct EventAttr {
    kind: u32,
    size: u32,
    config: u64,
    /// `sample_period`, or `sample_freq` with FLAG_FREQUENCY.
    sample_period: u64,
    sample_type: u64,
    read_format: u64,
    flags: u64,
    wakeup_events: u32,
    bp_type: u32,
    /// `kprobe_func` / `uprobe_path` for the probe PMUs, `bp_addr` for breakpoints.
    config1: u64,
    /// `probe_offset` for the probe PMUs, `bp_len` for breakpoints.
    config2: u64,
}

/// How often a software event fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rate {
    /// Samples per second (`profile:hz:99`).
    Frequency(u64),
    /// Events between samples: nanoseconds for the clocks (`interval:1s`), faults for
    /// `software:page-faults:100`.
    Period(u64),
}

/// An open perf event, closed on drop (which also detaches its program).
#[derive(Debug)]
pub struct PerfEvent {
    fd: OwnedFd,
    what: String,
}

fn open(attr: &mut EventAttr, pid: i32, cpu: i32, what: String) -> Result<PerfEvent, KernelError> {
    attr.size = size_of::<EventAttr>() as u32;
    // SAFETY: `attr` is a live perf_event_attr of the size it declares; any string pointer in
    // config1 points to a CString the caller keeps alive across this call.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_perf_event_open,
            (attr as *mut EventAttr).cast::<libc::c_void>(),
            pid as libc::c_long,
            cpu as libc::c_long,
            -1 as libc::c_long,
            OPEN_CLOEXEC,
        )
    };
    if fd < 0 {
        return Err(KernelError::last(format!("open perf event for {what}")));
    }
    // SAFETY: perf_event_open returned a new fd that nothing else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd as i32) };
    Ok(PerfEvent { fd, what })
}

/// A dynamic PMU's type number and the config bit that makes a return probe, from sysfs;
/// errors say what could not be opened (`what`) and why.
fn dynamic_pmu(name: &str, what: &str) -> Result<(u32, u64), KernelError> {
    let directory = format!("/sys/bus/event_source/devices/{name}");
    let read = |file: &str| {
        let path = format!("{directory}/{file}");
        super::read_text(&path)
            .map_err(|error| KernelError::io(format!("open {what} (read {path})"), &error))
    };
    // What is wrong with the PMU's files, said once below.
    let message = 'wrong: {
        if super::status(&directory, true).is_none() {
            break 'wrong format!("this kernel has no {name} PMU ({directory} is missing)");
        }
        let kind_text = read("type")?;
        let Some(kind) = crate::words::decimal(crate::words::trim(&kind_text)) else {
            break 'wrong format!(
                "{directory}/type is not a number: {}",
                quoted(kind_text.as_bytes())
            );
        };
        let format = read("format/retprobe")?;
        match parse_config_bit(&format) {
            Some(bit) => return Ok((kind, 1 << bit)),
            None => format!(
                "{directory}/format/retprobe is not `config:N`: {}",
                quoted(format.as_bytes())
            ),
        }
    };
    Err(KernelError::message(format!("open {what}"), message))
}

/// `config:0` -> 0.
fn parse_config_bit(format: &str) -> Option<u32> {
    crate::words::decimal(crate::words::trim(format).strip_prefix("config:")?)
        .filter(|&bit| bit < 64)
}

/// The kprobe PMU (4.17+) is present; tracefs `kprobe_events` is the fallback when it is not.
/// A probe through the `pmu` (kprobe or uprobe) PMU: on `target` (a symbol, or a file's path)
/// at `offset`, as a return probe or not, in every process or only in `pid`.
fn probe_pmu(
    pmu: &str,
    target: &str,
    separator: char,
    offset: u64,
    retprobe: bool,
    pid: Option<i32>,
    config: u64,
) -> Result<PerfEvent, KernelError> {
    // kprobe -> kretprobe, uprobe -> uretprobe.
    let kind_name = if retprobe {
        format!("{}ret{}", &pmu[..1], &pmu[1..])
    } else {
        pmu.to_string()
    };
    let what = if separator == ':' {
        format!("{kind_name} {target}:{offset:#x}")
    } else {
        format!("{kind_name} {target}+{offset}")
    };
    let (kind, retprobe_bit) = dynamic_pmu(pmu, &what)?;
    let target = CString::new(target.as_bytes())
        .map_err(|_| KernelError::message(&what, "a NUL in the name"))?;
    let mut attr = EventAttr {
        kind,
        config: config | if retprobe { retprobe_bit } else { 0 },
        sample_period: 1,
        wakeup_events: 1,
        flags: FLAG_DISABLED,
        config1: target.as_ptr() as u64,
        config2: offset,
        ..EventAttr::default()
    };
    // A process-wide event may be opened on any CPU; it follows the process.
    let (pid, cpu) = match pid {
        Some(pid) => (pid, -1),
        None => (-1, 0),
    };
    open(&mut attr, pid, cpu, what)
}

pub fn kprobe_pmu_available() -> bool {
    dynamic_pmu("kprobe", "the kprobe PMU").is_ok()
}

const REF_CTR_OFFSET: &str = "/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset";

pub fn uprobe_pmu_available() -> bool {
    dynamic_pmu("uprobe", "the uprobe PMU").is_ok()
}

impl PerfEvent {
    /// The tracepoint with this tracefs id (also how a tracefs-created kprobe/uprobe event is
    /// opened, by the id of its `events/tine_<pid>/<name>`). One event is enough: a program attached to a
    /// tracepoint runs on every CPU whichever CPU the event was opened on.
    pub fn tracepoint(id: u64) -> Result<PerfEvent, KernelError> {
        let mut attr = EventAttr {
            kind: TYPE_TRACEPOINT,
            config: id,
            sample_period: 1,
            sample_type: SAMPLE_RAW,
            wakeup_events: 1,
            flags: FLAG_DISABLED,
            ..EventAttr::default()
        };
        open(&mut attr, -1, 0, format!("tracepoint id {id}"))
    }

    /// A cpu-clock software event on one CPU; `profile` opens one per CPU, `interval` one.
    pub fn cpu_clock(cpu: u32, rate: Rate) -> Result<PerfEvent, KernelError> {
        PerfEvent::counter(TYPE_SOFTWARE, SOFTWARE_CPU_CLOCK, "cpu-clock", cpu, rate)
    }

    /// The counter `config` of perf type `kind` (PERF_COUNT_SW_* of TYPE_SOFTWARE,
    /// PERF_COUNT_HW_* of TYPE_HARDWARE; called `name` in messages) on one CPU, sampled at
    /// `rate`: `software:` and `hardware:` open one per CPU.
    pub fn counter(
        kind: u32,
        config: u64,
        name: &str,
        cpu: u32,
        rate: Rate,
    ) -> Result<PerfEvent, KernelError> {
        let (sample_period, frequency) = match rate {
            Rate::Frequency(hertz) => (hertz, FLAG_FREQUENCY),
            Rate::Period(period) => (period, 0),
        };
        let mut attr = EventAttr {
            kind,
            config,
            sample_period,
            flags: FLAG_DISABLED | frequency,
            ..EventAttr::default()
        };
        open(&mut attr, -1, cpu as i32, format!("{name} on CPU {cpu}"))
    }

    /// A hardware breakpoint (watchpoint) on the `length` bytes at `address`, firing on the
    /// accesses of `access` (HW_BREAKPOINT_R 1, W 2, X 4, or'ed) by process `pid` on any CPU,
    /// or (pid -1) by anything on `cpu`.
    pub fn breakpoint(
        address: u64,
        length: u64,
        access: u32,
        pid: i32,
        cpu: i32,
    ) -> Result<PerfEvent, KernelError> {
        let mut attr = EventAttr {
            kind: TYPE_BREAKPOINT,
            sample_period: 1,
            flags: FLAG_DISABLED,
            bp_type: access,
            config1: address,
            config2: length,
            ..EventAttr::default()
        };
        let what = format!("watchpoint {address:#x}");
        open(&mut attr, pid, cpu, what).map_err(|error| match error.raw_errno() {
            Some(libc::ENOSPC) => KernelError::message(
                format!("watch {address:#x}"),
                "the CPU has no debug register left for another watchpoint",
            ),
            _ => error,
        })
    }

    /// A kprobe (or kretprobe) on `symbol` + `offset` through the kprobe PMU.
    pub fn kprobe(symbol: &str, offset: u64, retprobe: bool) -> Result<PerfEvent, KernelError> {
        probe_pmu("kprobe", symbol, '+', offset, retprobe, None, 0)
    }

    /// A uprobe (or uretprobe) at `file_offset` in the file at `path` through the uprobe PMU,
    /// in every process, or only in `pid`; the kernel counts it in the 16-bit counter at
    /// `counter` in the file (a USDT semaphore) while it is attached, unless that is 0.
    pub fn uprobe(
        path: &str,
        file_offset: u64,
        retprobe: bool,
        pid: Option<i32>,
        counter: u64,
    ) -> Result<PerfEvent, KernelError> {
        // The counter's offset is config's upper half: `config:32-63` in the PMU's
        // format/ref_ctr_offset, which came with 4.20.
        if counter != 0 && super::status(REF_CTR_OFFSET, true).is_none() {
            return Err(KernelError::message(
                format!("open uprobe {path}:{file_offset:#x}"),
                "this kernel's uprobe PMU keeps no semaphore (ref_ctr_offset, 4.20+)",
            ));
        }
        probe_pmu(
            "uprobe",
            path,
            ':',
            file_offset,
            retprobe,
            pid,
            counter << 32,
        )
    }

    fn ioctl(
        &self,
        request: u32,
        argument: libc::c_ulong,
        action: &str,
    ) -> Result<(), KernelError> {
        // The system call itself: libc's ioctl adds conversions of time structures for
        // requests (socket timestamps) that are not perf's.
        // SAFETY: the perf ioctls used here take an integer argument (an fd or 0), no pointer.
        let result = unsafe {
            libc::syscall(
                libc::SYS_ioctl,
                self.fd.as_raw_fd(),
                libc::c_ulong::from(request),
                argument,
            )
        };
        if result < 0 {
            return Err(KernelError::errno(
                format!("{action} {}", self.what),
                last_errno(),
            ));
        }
        Ok(())
    }

    /// Runs `program` on every firing (PERF_EVENT_IOC_SET_BPF); the event keeps a reference
    /// to the program until it is closed.
    pub fn attach(&self, program: &LoadedProgram) -> Result<(), KernelError> {
        let action = format!("attach program `{}` to", program.name());
        self.ioctl(IOC_SET_BPF, program.raw_fd() as libc::c_ulong, &action)
    }

    pub fn enable(&self) -> Result<(), KernelError> {
        self.ioctl(IOC_ENABLE, 0, "enable")
    }

    pub fn disable(&self) -> Result<(), KernelError> {
        self.ioctl(IOC_DISABLE, 0, "disable")
    }

    /// A software BPF-output event on `cpu`, the target `bpf_perf_event_output` writes to.
    fn bpf_output(cpu: u32) -> Result<PerfEvent, KernelError> {
        let mut attr = EventAttr {
            kind: TYPE_SOFTWARE,
            config: SOFTWARE_BPF_OUTPUT,
            sample_period: 1,
            sample_type: SAMPLE_RAW,
            wakeup_events: 1,
            ..EventAttr::default()
        };
        open(
            &mut attr,
            -1,
            cpu as i32,
            format!("BPF output on CPU {cpu}"),
        )
    }
}

/// Closes `events`, two at a time. Closing the last perf event on a tracepoint waits out two RCU
/// grace periods, the first under a lock the kernel takes for every trace event, the second
/// outside it; with two closers one waits out its second while the other holds the lock
/// (measured on 6.18: 28 tracepoints, 2.0 s closed in turn, 1.0 s two at a time; more closers
/// gain nothing). The second closer is a process sharing tine's file table (clone with
/// CLONE_FILES): its closes are the last ones, as a thread's would be, without the thread
/// library's 4 KB in the binary.
pub fn close_all(mut events: Vec<PerfEvent>) {
    if events.len() < 2 {
        return;
    }
    let half = events.split_off(events.len() / 2);
    // No exit signal: the closer is no child a SIGCHLD handler or a wait for the traced
    // command should see; it is waited for by pid with __WALL.
    // SAFETY: like fork, with the file table shared; the closer only drops its half (close(2)
    // and the heap, whose lock no other thread holds: tine has one) and leaves by _exit.
    let closer = unsafe { libc::syscall(libc::SYS_clone, libc::CLONE_FILES, 0, 0, 0, 0) };
    if closer == 0 {
        drop(half);
        // SAFETY: the closer's work is done; _exit runs no handler of tine's.
        unsafe { libc::_exit(0) };
    }
    if closer < 0 {
        drop(half);
    } else {
        // The closer's memory is its own copy: this process frees its copy of the list
        // without closing what the closer closes.
        half.into_iter().for_each(std::mem::forget);
    }
    drop(events);
    if closer > 0 {
        // SAFETY: waits for the closer this function made, with no status wanted.
        unsafe { libc::waitpid(closer as libc::pid_t, std::ptr::null_mut(), libc::__WALL) };
    }
}

impl AsFd for PerfEvent {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

const RECORD_LOST: u32 = 2;
const RECORD_SAMPLE: u32 = 9;
/// Offsets in `struct perf_event_mmap_page` of `data_head` and `data_tail`.
const DATA_HEAD: usize = 1024;
const DATA_TAIL: usize = 1032;

/// One CPU's BPF-output event and its ring: a metadata page, then 2^n data pages.
#[derive(Debug)]
pub struct PerfBuffer {
    // Field order is drop order: unmap before closing the event.
    mapping: Mapping,
    event: PerfEvent,
    data_size: usize,
    page: usize,
    /// A record that wraps around the ring's end, made contiguous.
    scratch: Vec<u8>,
}

impl PerfBuffer {
    /// Opens the BPF-output event on `cpu` with a ring of `data_pages` (a power of two) pages
    /// and stores its fd in the perf event array `map` at index `cpu`.
    pub fn open(map: &BpfMap, cpu: u32, data_pages: usize) -> Result<PerfBuffer, KernelError> {
        if !data_pages.is_power_of_two() {
            return Err(KernelError::message(
                format!("open the perf buffer on CPU {cpu}"),
                format!("{data_pages} pages is not a power of two"),
            ));
        }
        let event = PerfEvent::bpf_output(cpu)?;
        let page = page_size();
        let mapping = Mapping::new(event.as_fd(), (1 + data_pages) * page, 0, true, &event.what)?;
        let fd = event.fd.as_raw_fd() as u32;
        map.update(&cpu.to_ne_bytes(), &fd.to_ne_bytes(), Update::Any)?;
        event.enable()?;
        Ok(PerfBuffer {
            mapping,
            event,
            data_size: data_pages * page,
            page,
            scratch: Vec::new(),
        })
    }

    pub fn event(&self) -> &PerfEvent {
        &self.event
    }

    /// Hands every record written since the last call to `handle`; returns how many.
    pub fn drain(&mut self, handle: &mut dyn FnMut(RingItem)) -> usize {
        let head = self.mapping.load_acquire_u64(DATA_HEAD);
        let mut tail = self.mapping.load_acquire_u64(DATA_TAIL);
        let mut count = 0;
        while tail < head {
            let start = (tail % self.data_size as u64) as usize;
            // Records are 8-byte aligned and the data size is a multiple of 8, so a header
            // never wraps; a body can.
            let header = self.mapping.bytes(self.page + start, 8);
            let kind = u32::from_ne_bytes(header[..4].try_into().unwrap_or_default());
            let size = usize::from(u16::from_ne_bytes(
                header[6..8].try_into().unwrap_or_default(),
            ));
            if size < 8 {
                // A corrupt header: skip everything the kernel has published.
                tail = head;
                break;
            }
            let body = self.body(start + 8, size - 8);
            match kind {
                RECORD_SAMPLE if body.len() >= 4 => {
                    let raw_size =
                        u32::from_ne_bytes(body[..4].try_into().unwrap_or_default()) as usize;
                    let end = (4 + raw_size).min(body.len());
                    handle(RingItem::Sample(&body[4..end]));
                    count += 1;
                }
                RECORD_LOST if body.len() >= 16 => {
                    handle(RingItem::Lost(u64::from_ne_bytes(
                        body[8..16].try_into().unwrap_or_default(),
                    )));
                    count += 1;
                }
                _ => {}
            }
            tail += size as u64;
        }
        self.mapping.store_release_u64(DATA_TAIL, tail);
        count
    }

    /// `length` bytes at ring position `start`, contiguous.
    fn body(&mut self, start: usize, length: usize) -> &[u8] {
        let start = start % self.data_size;
        let first = length.min(self.data_size - start);
        if first == length {
            return self.mapping.bytes(self.page + start, length);
        }
        self.scratch.clear();
        self.scratch
            .extend_from_slice(self.mapping.bytes(self.page + start, first));
        self.scratch
            .extend_from_slice(self.mapping.bytes(self.page, length - first));
        &self.scratch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_pmu_says_what_could_not_be_opened_and_why() {
        let error = dynamic_pmu("tine_no_such_pmu", "a test probe")
            .unwrap_err()
            .to_string();
        assert!(error.contains("open a test probe"), "{error}");
        assert!(
            error.contains(
                "no tine_no_such_pmu PMU (/sys/bus/event_source/devices/tine_no_such_pmu is missing)"
            ),
            "{error}"
        );
    }

    /// The bits the kernel's own <linux/perf_event.h> gives `disabled` and `freq` when gcc
    /// compiles it for x86_64 and for big-endian MIPS (mips-linux-gnu-gcc, run under
    /// qemu-mips-static): 0x1 and 0x400, 0x8000000000000000 and 0x0020000000000000.
    #[test]
    fn attribute_flags_sit_where_each_byte_order_puts_the_bitfield() {
        assert_eq!(flag(0, false), 0x1);
        assert_eq!(flag(10, false), 0x400);
        assert_eq!(flag(0, true), 0x8000_0000_0000_0000);
        assert_eq!(flag(10, true), 0x0020_0000_0000_0000);
        #[cfg(target_endian = "little")]
        assert_eq!((FLAG_DISABLED, FLAG_FREQUENCY), (0x1, 0x400));
    }

    #[test]
    fn attribute_and_ioctl_layouts_match_the_uapi() {
        assert_eq!(size_of::<EventAttr>(), 72, "PERF_ATTR_SIZE_VER1");
        assert_eq!(std::mem::offset_of!(EventAttr, config1), 56);
        assert_eq!(std::mem::offset_of!(EventAttr, wakeup_events), 48);
        #[cfg(target_arch = "x86_64")]
        {
            assert_eq!(IOC_ENABLE, 0x2400);
            assert_eq!(IOC_DISABLE, 0x2401);
            assert_eq!(IOC_SET_BPF, 0x4004_2408);
        }
    }

    #[test]
    fn retprobe_bits_parse_from_the_pmu_format() {
        assert_eq!(parse_config_bit("config:0\n"), Some(0));
        assert_eq!(parse_config_bit("config:63"), Some(63));
        assert_eq!(parse_config_bit("config:64"), None);
        assert_eq!(parse_config_bit("config1:0-63"), None);
    }
}
