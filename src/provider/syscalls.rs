//! provider::syscalls: the points of a glob of syscall tracepoints (`syscalls/sys_enter_*`)
//! served by one perf event on `raw_syscalls/sys_enter` (`sys_exit`), whose program tail-calls,
//! by syscall number, the program that number's tracepoint would have run. Closing a
//! tracepoint's last perf event waits out RCU grace periods under a lock every trace event
//! shares (~50 ms on 6.18): 360 points took 15 s to detach, one event takes one wait.
//!
//! The records line up: `sys_enter_X`'s `int __syscall_nr` and its argument slots sit where
//! `raw_syscalls/sys_enter`'s `long id` and `args[6]` do (`sys_exit_X`'s `ret` where
//! `sys_exit`'s does), so a program compiled for one reads the other. A point the table of
//! numbers does not know, or whose number another program took, keeps its own tracepoint.

use std::cell::RefCell;

use tine_asm::{ByteOrder, Helper};

use crate::ctypes::NameKind;
use crate::kernel::bpf::Update;
use crate::kernel::bpf::{BpfMap, LoadedProgram, MapSpec, MapType, ProgramSpec, ProgramType};
use crate::kernel::error::KernelError;
use crate::kernel::features::Feature;
use crate::kernel::perf::PerfEvent;
use crate::kernel::tracefs::Tracefs;
use crate::sema::Providers as _;

use super::syscall_table::{GAP, HASHES};
use super::{attach_each, Attachment, Registry};

/// Each direction's events, `syscalls/` prefix included, and its raw tracepoint.
const PREFIXES: [&str; 2] = ["syscalls/sys_enter_", "syscalls/sys_exit_"];
const DIRECTIONS: [&str; 2] = ["sys_enter", "sys_exit"];

/// Where the kernel marks a task in a compat syscall, whose number is not of the native table
/// (and whose `syscalls/` tracepoints do not fire): `thread_info`'s member and bit. x86_64:
/// `TS_COMPAT` in `status`, set for every ia32 syscall (int 0x80 from 64-bit code too).
#[cfg(target_arch = "x86_64")]
const COMPAT: (&str, i32) = ("status", 0x2);
#[cfg(not(target_arch = "x86_64"))]
const COMPAT: (&str, i32) = ("flags", 0);

/// One direction's program array and event, made when its first glob is resolved.
struct Hub {
    /// The programs by syscall number. Kept open while tracing: the kernel empties a program
    /// array when its last file descriptor closes.
    slots: BpfMap,
    /// Per place in the table: 1 a glob's point, 2 its program is in `slots`.
    state: Vec<u8>,
    /// The raw tracepoint's perf event, closed with the registry, after the points' events.
    _event: PerfEvent,
}

/// The syscall globs of a run, for the tracepoints to attach through.
#[derive(Default)]
pub struct Dispatch {
    hubs: [RefCell<Option<Hub>>; 2],
}

/// The direction and place in the table of tracepoint `syscalls/sys_enter_NAME` (`sys_exit_`).
fn place(event: &str) -> Option<(usize, usize)> {
    for (direction, prefix) in PREFIXES.iter().enumerate() {
        if let Some(name) = event.strip_prefix(prefix) {
            // FNV-1a's low 24 bits, as tests/syscalls/generate hashes the names.
            let mut hash = 0x811c_9dc5u32;
            for byte in name.bytes() {
                hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
            }
            let [low, middle, high, _] = hash.to_le_bytes();
            let place = HASHES
                .iter()
                .position(|&known| known == [low, middle, high])?;
            return Some((direction, place));
        }
    }
    None
}

/// The syscall number at `place` in the table, which leaves out its longest run of numbers
/// without a tracepoint.
fn number(place: usize) -> u32 {
    (place + if place >= GAP.0 { GAP.1 } else { 0 }) as u32
}

/// Reads the syscall number, leaves a compat task's syscall alone (its word read from the task
/// at the offset patched into slot 5, with the helper patched into slot 9), and tail-calls the
/// number's program in the array whose fd is patched into slot 13; a number with none falls
/// through. Encoded, little-endian: a third of the bytes of the instructions as values.
#[rustfmt::skip]
const DISPATCHER: [u8; 152] = [
    0xbf, 0x16, 0, 0, 0, 0, 0, 0, // r6 = r1
    0x79, 0x17, 8, 0, 0, 0, 0, 0, // r7 = *(u64 *)(r1 + 8): the syscall number
    0x62, 0x0a, 0xfc, 0xff, 0, 0, 0, 0, // *(u32 *)(r10 - 4) = 0
    0x85, 0, 0, 0, 35, 0, 0, 0, // call get_current_task
    0xbf, 0x03, 0, 0, 0, 0, 0, 0, // r3 = r0
    0x07, 0x03, 0, 0, 0, 0, 0, 0, // r3 += the compat word's offset
    0xbf, 0xa1, 0, 0, 0, 0, 0, 0, // r1 = r10
    0x07, 0x01, 0, 0, 0xfc, 0xff, 0xff, 0xff, // r1 += -4
    0xb7, 0x02, 0, 0, 4, 0, 0, 0, // r2 = 4
    0x85, 0, 0, 0, 0, 0, 0, 0, // call probe_read(_kernel)
    0x61, 0xa0, 0xfc, 0xff, 0, 0, 0, 0, // r0 = *(u32 *)(r10 - 4)
    0x45, 0, 5, 0, COMPAT.1 as u8, 0, 0, 0, // if r0 & the compat bit goto +5, over the tail call
    0xbf, 0x61, 0, 0, 0, 0, 0, 0, // r1 = r6
    0x18, 0x12, 0, 0, 0, 0, 0, 0, // r2 = the program array (its fd)
    0, 0, 0, 0, 0, 0, 0, 0, // (its second half)
    0xbf, 0x73, 0, 0, 0, 0, 0, 0, // r3 = r7
    0x85, 0, 0, 0, 12, 0, 0, 0, // call tail_call
    0xb7, 0, 0, 0, 0, 0, 0, 0, // r0 = 0
    0x95, 0, 0, 0, 0, 0, 0, 0, // exit
];

/// The dispatcher with its three values, in the host's byte order.
fn dispatcher(compat: i32, read: Helper, slots: i32) -> Vec<u8> {
    let mut bytes = DISPATCHER.to_vec();
    for (slot, value) in [(5, compat), (9, read as i32), (13, slots)] {
        bytes[slot * 8 + 4..slot * 8 + 8].copy_from_slice(&value.to_le_bytes());
    }
    if cfg!(target_endian = "big") {
        // Decoded as it was encoded: it cannot fail.
        let insns = tine_asm::decode(&bytes, ByteOrder::Little).unwrap_or_default();
        bytes = tine_asm::encode(&insns, ByteOrder::HOST).unwrap_or_default();
    }
    bytes
}

impl Dispatch {
    /// Takes the points `events` of a glob: served through the raw tracepoint when they are
    /// more than one, all of one direction, and this kernel can (tail calls, the compat word
    /// known from BTF, the raw tracepoint there). Any other glob keeps a tracepoint per point.
    pub fn admit(&self, events: &[(String, u64)], registry: &Registry, tracefs: &Tracefs) {
        let Some(((first, _), _)) = events.split_first().filter(|_| events.len() > 1) else {
            return;
        };
        let direction = usize::from(first.starts_with(PREFIXES[1]));
        if HASHES.is_empty()
            || !events
                .iter()
                .all(|(name, _)| name.starts_with(PREFIXES[direction]))
        {
            return;
        }
        let mut hub = self.hubs[direction].borrow_mut();
        if hub.is_none() {
            *hub = Hub::new(direction, registry, tracefs);
        }
        if let Some(hub) = hub.as_mut() {
            for (name, _) in events {
                if let Some((_, place)) = place(name) {
                    hub.state[place] = hub.state[place].max(1);
                }
            }
        }
    }

    /// Runs `program` on `events`: a glob's point through its number's slot where that is
    /// free, any other on its own tracepoint.
    pub fn attach(
        &self,
        events: &[(String, u64)],
        program: &LoadedProgram,
    ) -> Result<Attachment, KernelError> {
        let mut opened = events
            .iter()
            .filter(|(name, _)| !self.serves(name, program))
            .map(|(_, id)| PerfEvent::tracepoint(*id));
        attach_each(&mut opened, program)
    }

    /// Whether `program` now runs for tracepoint `name` through its number's slot.
    fn serves(&self, name: &str, program: &LoadedProgram) -> bool {
        let Some((direction, place)) = place(name) else {
            return false;
        };
        let mut hub = self.hubs[direction].borrow_mut();
        let Some(hub) = hub.as_mut().filter(|hub| hub.state[place] == 1) else {
            return false;
        };
        let fd = program.raw_fd().to_ne_bytes();
        let key = number(place).to_ne_bytes();
        let served = hub.slots.update(&key, &fd, Update::Any).is_ok();
        if served {
            hub.state[place] = 2;
        }
        served
    }
}

impl Hub {
    /// The program array, the dispatcher and the raw tracepoint's event of `direction`; None
    /// where this kernel cannot have them, and the points keep their own tracepoints.
    fn new(direction: usize, registry: &Registry, tracefs: &Tracefs) -> Option<Hub> {
        let features = registry.features();
        if !features.has(Feature::TailCall) {
            return None;
        }
        let types = registry.kernel_types().ok()??;
        let task = types.find(NameKind::Struct, "task_struct").ok()??;
        let compat = types.offset_of(task, &["thread_info", COMPAT.0]).ok()?;
        let read = if features.has(Feature::ProbeReadKernel) {
            Helper::ProbeReadKernel
        } else {
            Helper::ProbeRead
        };
        Hub::open(direction, (compat.bit_offset / 8) as i32, read, tracefs).ok()
    }

    fn open(
        direction: usize,
        compat: i32,
        read: Helper,
        tracefs: &Tracefs,
    ) -> Result<Hub, KernelError> {
        let slots = BpfMap::create(&MapSpec {
            kind: MapType::ProgArray,
            name: "tine_syscalls".into(),
            key_size: 4,
            value_size: 4,
            max_entries: number(HASHES.len()),
            flags: 0,
        })?;
        let dispatcher = LoadedProgram::load(&ProgramSpec {
            kind: ProgramType::Tracepoint,
            insns: &dispatcher(compat, read, slots.raw_fd()),
            name: "tine_syscalls",
            expected_attach_type: None,
        })?;
        let event =
            PerfEvent::tracepoint(tracefs.event_id("raw_syscalls", DIRECTIONS[direction])?)?;
        // The event keeps the dispatcher, which keeps the array. Enabled now: until tracing
        // starts, the programs it calls return at once (the state word), as they do after.
        event.attach(&dispatcher)?;
        event.enable()?;
        Ok(Hub {
            slots,
            state: vec![0; HASHES.len()],
            _event: event,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tine_asm::{Reg::*, Size};

    /// Every syscall tracepoint of the running kernel has its number in the table, on an
    /// architecture that has one: a name the kernel spells apart from its `__NR_` name is
    /// in the generator's RENAMED.
    #[test]
    fn every_syscall_tracepoint_here_has_a_number() {
        let Ok(events) = std::fs::read_dir("/sys/kernel/tracing/events/syscalls") else {
            crate::testing::skip(
                "every_syscall_tracepoint_here_has_a_number",
                "tracefs is not mounted",
            );
            return;
        };
        if HASHES.is_empty() {
            crate::testing::skip(
                "every_syscall_tracepoint_here_has_a_number",
                "no table for this architecture",
            );
            return;
        }
        let mut unknown = Vec::new();
        let mut known = 0;
        for event in events.flatten() {
            let name = event.file_name().to_string_lossy().into_owned();
            if !name.starts_with("sys_") {
                continue;
            }
            match place(&format!("syscalls/{name}")) {
                Some(_) => known += 1,
                None => unknown.push(name),
            }
        }
        assert!(unknown.is_empty(), "not in the table: {unknown:?}");
        assert!(known > 100, "{known}");
    }

    /// The table's numbers are this architecture's, where the UAPI puts them, on both sides
    /// of the gap the table leaves out.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn names_have_their_numbers() {
        let number_of = |event| place(event).map(|(direction, place)| (direction, number(place)));
        assert_eq!(number_of("syscalls/sys_enter_read"), Some((0, 0)));
        assert_eq!(number_of("syscalls/sys_exit_write"), Some((1, 1)));
        assert_eq!(number_of("syscalls/sys_enter_newfstat"), Some((0, 5)));
        assert_eq!(number_of("syscalls/sys_enter_getpid"), Some((0, 39)));
        assert_eq!(number_of("syscalls/sys_enter_uprobe"), Some((0, 336)));
        assert_eq!(
            number_of("syscalls/sys_enter_pidfd_send_signal"),
            Some((0, 424))
        );
        assert_eq!(number_of("syscalls/sys_exit_file_setattr"), Some((1, 469)));
        assert_eq!(number_of("syscalls/sys_enter_nosuch"), None);
        assert_eq!(number_of("sched/sched_switch"), None);
    }

    /// The dispatcher as data is what the builder makes of the same steps (its jump over the
    /// tail call lands where the builder's label does).
    #[test]
    fn the_dispatcher_is_the_builders() {
        let mut b = tine_asm::Builder::new();
        let done = b.label();
        b.mov64(R6, R1)
            .load(Size::U64, R7, R1, 8)
            .store_imm(Size::U32, R10, -4, 0)
            .call(Helper::GetCurrentTask)
            .mov64(R3, R0)
            .add64_imm(R3, 40)
            .mov64(R1, R10)
            .add64_imm(R1, -4)
            .mov64_imm(R2, 4)
            .call(Helper::ProbeRead)
            .load(Size::U32, R0, R10, -4)
            .jset_imm(R0, COMPAT.1, done)
            .mov64(R1, R6)
            .load_map_fd(R2, 9)
            .mov64(R3, R7)
            .call(Helper::TailCall)
            .bind(done)
            .mov64_imm(R0, 0)
            .exit();
        let bytes = dispatcher(40, Helper::ProbeRead, 9);
        let insns = tine_asm::decode(&bytes, ByteOrder::HOST).unwrap();
        assert_eq!(b.finish().unwrap(), insns);
    }
}
