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

use std::cell::{Cell, RefCell};

use tine_asm::{ByteOrder, Helper, Reg::*, Size};

use crate::ctypes::NameKind;
use crate::kernel::bpf::{BpfMap, LoadedProgram, MapSpec, MapType, ProgramSpec, ProgramType};
use crate::kernel::error::KernelError;
use crate::kernel::features::Feature;
use crate::kernel::perf::PerfEvent;
use crate::kernel::tracefs::Tracefs;

use super::syscall_table::HASHES;
use super::{Attachment, Registry};
use crate::sema::Providers as _;

/// The two directions, each its own raw tracepoint.
const DIRECTIONS: [&str; 2] = ["sys_enter", "sys_exit"];

/// Where the kernel marks a task in a compat syscall, whose number is not of the native table
/// (and whose `syscalls/` tracepoints do not fire): `thread_info`'s member and bit. x86_64:
/// `TS_COMPAT` in `status`, set for every ia32 syscall (int 0x80 from 64-bit code too).
#[cfg(target_arch = "x86_64")]
const COMPAT: (&str, i32) = ("status", 0x2);
#[cfg(not(target_arch = "x86_64"))]
const COMPAT: (&str, i32) = ("flags", 0);

/// One direction's event and program, made when its first point attaches.
struct Hub {
    /// The programs by syscall number. Kept open while tracing: the kernel empties a program
    /// array when its last file descriptor closes.
    slots: BpfMap,
    /// Per number: 1 a glob's point, 2 its program is in `slots`.
    state: Vec<u8>,
    /// The raw tracepoint's perf event, until the first attachment takes it.
    event: Option<PerfEvent>,
    _dispatcher: Option<LoadedProgram>,
}

/// The syscall globs of a run, for the tracepoints to attach through.
#[derive(Default)]
pub struct Dispatch {
    /// `thread_info`'s compat word, from the start of `task_struct`, once a glob needed it;
    /// None where it cannot be known (no BTF): then no point is served.
    compat: Cell<Option<i32>>,
    /// Whether `ProbeReadKernel` is there to read it with.
    split_read: Cell<bool>,
    hubs: [RefCell<Option<Hub>>; 2],
}

/// The direction and syscall number of tracepoint `syscalls/sys_enter_NAME` (`sys_exit_`).
fn number(event: &str) -> Option<(usize, usize)> {
    let event = event.strip_prefix("syscalls/")?;
    for (direction, prefix) in DIRECTIONS.iter().enumerate() {
        if let Some(name) = event
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('_'))
        {
            let hash = hash(name);
            return Some((direction, HASHES.iter().position(|&known| known == hash)?));
        }
    }
    None
}

/// 32-bit FNV-1a, as tests/syscalls/generate hashes the names.
fn hash(name: &str) -> u32 {
    let mut value = 0x811c_9dc5u32;
    for byte in name.bytes() {
        value = (value ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    value
}

impl Dispatch {
    /// Takes the points `events` of glob: served through the raw tracepoint when they are more
    /// than one, all of one direction, and this kernel can (tail calls, the compat word
    /// known, the raw tracepoint there). Any other glob keeps a tracepoint per point.
    pub fn admit(&self, events: &[(String, u64)], registry: &Registry, tracefs: &Tracefs) {
        let mut numbers = Vec::with_capacity(events.len());
        for (name, _) in events {
            match number(name) {
                Some(found) => numbers.push(found),
                None if name.starts_with("syscalls/") => {}
                None => return,
            }
        }
        let direction = match numbers.first() {
            Some(&(direction, _)) if events.len() > 1 => direction,
            _ => return,
        };
        if numbers.iter().any(|&(other, _)| other != direction)
            || !registry.features().has(Feature::TailCall)
            || !self.find_compat(registry)
        {
            return;
        }
        let mut hub = self.hubs[direction].borrow_mut();
        if hub.is_none() {
            match self.hub(direction, tracefs) {
                Ok(made) => *hub = Some(made),
                // The points keep their own tracepoints, as on a kernel without tail calls.
                Err(_) => return,
            }
        }
        if let Some(hub) = hub.as_mut() {
            for (_, number) in numbers {
                hub.state[number] = hub.state[number].max(1);
            }
        }
    }

    /// Whether the compat word's place is known, asking BTF the first time.
    fn find_compat(&self, registry: &Registry) -> bool {
        if self.compat.get().is_none() {
            let offset = registry.kernel_types().ok().flatten().and_then(|types| {
                let task = types.find(NameKind::Struct, "task_struct").ok()??;
                let place = types.offset_of(task, &["thread_info", COMPAT.0]).ok()?;
                i32::try_from(place.bit_offset / 8).ok()
            });
            self.compat.set(offset);
            self.split_read
                .set(registry.features().has(Feature::ProbeReadKernel));
        }
        self.compat.get().is_some()
    }

    /// The program array, the dispatcher and the raw tracepoint's event of `direction`.
    fn hub(&self, direction: usize, tracefs: &Tracefs) -> Result<Hub, KernelError> {
        let slots = BpfMap::create(&MapSpec {
            kind: MapType::ProgArray,
            name: "tine_syscalls".into(),
            key_size: 4,
            value_size: 4,
            max_entries: HASHES.len() as u32,
            flags: 0,
        })?;
        let dispatcher = self.dispatcher(&slots)?;
        let event =
            PerfEvent::tracepoint(tracefs.event_id("raw_syscalls", DIRECTIONS[direction])?)?;
        event.attach(&dispatcher)?;
        Ok(Hub {
            slots,
            state: vec![0; HASHES.len()],
            event: Some(event),
            _dispatcher: Some(dispatcher),
        })
    }

    /// Reads the syscall number, leaves a compat task's syscall alone, and tail-calls the
    /// number's program; a number with none falls through.
    fn dispatcher(&self, slots: &BpfMap) -> Result<LoadedProgram, KernelError> {
        let mut b = tine_asm::Builder::new();
        let done = b.label();
        let read = if self.split_read.get() {
            Helper::ProbeReadKernel
        } else {
            Helper::ProbeRead
        };
        b.mov64(R6, R1)
            .load(Size::U64, R7, R1, 8)
            .store_imm(Size::U32, R10, -4, 0)
            .call(Helper::GetCurrentTask)
            .mov64(R3, R0)
            .add64_imm(R3, self.compat.get().unwrap_or(0))
            .mov64(R1, R10)
            .add64_imm(R1, -4)
            .mov64_imm(R2, 4)
            .call(read)
            .load(Size::U32, R0, R10, -4)
            .jset_imm(R0, COMPAT.1, done)
            .mov64(R1, R6)
            .load_map_fd(R2, slots.raw_fd())
            .mov64(R3, R7)
            .call(Helper::TailCall)
            .bind(done)
            .mov64_imm(R0, 0)
            .exit();
        let insns = b
            .finish()
            .map_err(|error| KernelError::message("assemble", error.to_string()))?;
        let bytes = tine_asm::encode(&insns, ByteOrder::HOST)
            .map_err(|error| KernelError::message("assemble", error.to_string()))?;
        LoadedProgram::load(&ProgramSpec {
            kind: ProgramType::Tracepoint,
            insns: &bytes,
            name: "tine_syscalls",
            expected_attach_type: None,
        })
    }

    /// Runs `program` on `events`: a glob's point through its number's slot where that is
    /// free, any other on its own tracepoint.
    pub fn attach(
        &self,
        events: &[(String, u64)],
        program: &LoadedProgram,
    ) -> Result<Attachment, KernelError> {
        let mut opened = Vec::new();
        for (name, id) in events {
            if let Some((direction, number)) = number(name) {
                if let Some(hub) = self.hubs[direction].borrow_mut().as_mut() {
                    if hub.state[number] == 1 {
                        let key = (number as u32).to_ne_bytes();
                        let fd = program.raw_fd().to_ne_bytes();
                        hub.slots
                            .update(&key, &fd, crate::kernel::bpf::Update::Any)?;
                        hub.state[number] = 2;
                        opened.extend(hub.event.take());
                        continue;
                    }
                }
            }
            let event = PerfEvent::tracepoint(*id)?;
            event.attach(program)?;
            opened.push(event);
        }
        Ok(Attachment::Events(opened))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            match number(&format!("syscalls/{name}")) {
                Some(_) => known += 1,
                None => unknown.push(name),
            }
        }
        assert!(unknown.is_empty(), "not in the table: {unknown:?}");
        assert!(known > 100, "{known}");
    }

    /// The table's numbers are this architecture's: read(2) and write(2) where the UAPI says.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn names_have_their_numbers() {
        assert_eq!(number("syscalls/sys_enter_read"), Some((0, 0)));
        assert_eq!(number("syscalls/sys_exit_write"), Some((1, 1)));
        assert_eq!(number("syscalls/sys_enter_newfstat"), Some((0, 5)));
        assert_eq!(number("syscalls/sys_enter_getpid"), Some((0, 39)));
        assert_eq!(number("syscalls/sys_enter_nosuch"), None);
        assert_eq!(number("sched/sched_switch"), None);
    }
}
