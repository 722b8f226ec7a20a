//! runtime::load: the compiled script made into kernel objects: maps created, map fds patched
//! into the instructions, programs loaded and attached (BEGIN and END to their triggers), and a
//! verifier rejection mapped back to the statement it came from.

use tine_asm::{ByteOrder, Imm64, Insn};

use crate::compile::{Compiled, Lifecycle, MapPlan, ProbeCode, ProgramKind, Storage};
use crate::kernel::bpf::{self, BpfMap, LoadedProgram, MapType, ProgramSpec, Update};
use crate::kernel::cpu::possible_cpu_count;
use crate::kernel::error::KernelError;
use crate::kernel::features::Feature;
use crate::kernel::mapping::page_size;
use crate::kernel::perf::close_all;
use crate::kernel::trigger::Trigger;
use crate::lang::diag::Diag;
use crate::provider::{Attachment, Registry, ResolvedProbe};
use crate::sema::program::Probe;
use crate::sema::Program;
use crate::wire;
use std::cell::Cell;

use super::{RunError, Settings};

/// `growing`: a hash map allocates its entries on demand, not all at start (a per-CPU one of
/// 4,096 entries took 2 ms to make, most of a one-probe run's start). Only where every probe
/// that uses it runs with interrupts on (`ResolvedProbe::interrupts_on`): elsewhere an entry
/// can fail to be had, and a lost count is worse than memory taken up front.
fn kernel_map(spec: &MapPlan, cpus: u32, growing: bool) -> bpf::MapSpec {
    let kind = match spec.storage {
        Storage::Hash => MapType::Hash,
        Storage::PerCpuHash => MapType::PercpuHash,
        Storage::Array => MapType::Array,
        Storage::PerCpuArray => MapType::PercpuArray,
        Storage::RingBuffer => MapType::Ringbuf,
        Storage::PerfEventArray => MapType::PerfEventArray,
        Storage::StackTrace => MapType::StackTrace,
    };
    bpf::MapSpec {
        kind,
        name: spec
            .name
            .strip_prefix('@')
            .unwrap_or(&spec.name)
            .to_string(),
        key_size: spec.key_size,
        value_size: spec.value_size,
        max_entries: if spec.storage == Storage::PerfEventArray {
            cpus
        } else {
            spec.max_entries
        },
        // BPF_F_NO_PREALLOC.
        flags: u32::from(growing && matches!(spec.storage, Storage::Hash | Storage::PerCpuHash)),
    }
}

fn kernel_program_kind(kind: ProgramKind) -> bpf::ProgramType {
    match kind {
        ProgramKind::Tracepoint => bpf::ProgramType::Tracepoint,
        ProgramKind::Kprobe => bpf::ProgramType::Kprobe,
        ProgramKind::PerfEvent => bpf::ProgramType::PerfEvent,
        ProgramKind::RawTracepoint => bpf::ProgramType::RawTracepoint,
        ProgramKind::Tracing => bpf::ProgramType::Tracing,
    }
}

/// The instructions with each map index relocated to its map's fd: an `fd_array` would need
/// 5.14, an fd works on every kernel.
fn with_fds(insns: &[Insn], maps: &[BpfMap]) -> Vec<Insn> {
    let mut relocated = insns.to_vec();
    for insn in &mut relocated {
        if let Insn::LoadImm64 { imm, .. } = insn {
            if let Imm64::MapIdx(index) = *imm {
                *imm = Imm64::MapFd(maps[index as usize].raw_fd());
            }
        }
    }
    relocated
}

/// Slot index (a 16-byte load takes two) to instruction index.
fn instruction_at_slot(insns: &[Insn], slot: usize) -> usize {
    let mut slots = 0;
    for (index, insn) in insns.iter().enumerate() {
        slots += if matches!(insn, Insn::LoadImm64 { .. }) {
            2
        } else {
            1
        };
        if slots > slot {
            return index;
        }
    }
    insns.len().saturating_sub(1)
}

/// The index of the backward jump that closes the innermost loop around slot `at` (a
/// `while` has one, marked with its span), or with `at` None the first of any loop.
fn loop_around(insns: &[Insn], at: Option<usize>) -> Option<usize> {
    let mut slot = 0usize;
    for (index, insn) in insns.iter().enumerate() {
        if let Insn::Ja { off } = *insn {
            let start = (slot + 1).saturating_add_signed(off as isize);
            if off < 0 && !at.is_some_and(|at| slot < at || start > at) {
                return Some(index);
            }
        }
        slot += insn.slots();
    }
    None
}

/// How a BEGIN or END probe is run.
pub(super) enum Special {
    TestRun(LoadedProgram),
    /// Calling the function fires the uprobe the program is attached to.
    Trigger(Trigger),
}

impl Special {
    pub(super) fn run(&self) -> Result<(), KernelError> {
        match self {
            Special::TestRun(program) => program.test_run(&[], &[0u8; 8]).map(|_| ()),
            Special::Trigger(trigger) => {
                trigger.fire();
                Ok(())
            }
        }
    }
}

/// An interval's program, run by the event loop once every `period` nanoseconds.
pub(super) struct Timed {
    pub(super) program: LoadedProgram,
    pub(super) period: i64,
    /// When it is next due (CLOCK_MONOTONIC), from the start of tracing.
    pub(super) due: Cell<i64>,
}

/// The kernel's shortest cpu-clock period, which a timed interval keeps too.
const SHORTEST_PERIOD: u64 = 10_000;

impl Timed {
    /// Runs the program once for every period that has ended by `now`: late (tine was not
    /// scheduled) but never skipped, so the number of ticks is the time over the period.
    pub(super) fn run_due(&self, now: i64) -> Result<(), KernelError> {
        while self.due.get() <= now {
            self.program.test_run(&[], &[0u8; 8])?;
            self.due.set(self.due.get() + self.period);
        }
        Ok(())
    }
}

pub(super) struct Loaded {
    pub(super) maps: Vec<BpfMap>,
    pub(super) begin: Vec<Special>,
    pub(super) end: Vec<Special>,
    pub(super) timed: Vec<Timed>,
    /// The probes that fire while tracing, attached but not yet enabled; dropping detaches.
    pub(super) attachments: Vec<Attachment>,
    /// BEGIN and END attached to their triggers, kept for their drop.
    _triggers: Vec<Attachment>,
    /// Each attached program, with its probe as written (`kprobe:vfs_read`) for warnings.
    pub(super) programs: Vec<(String, LoadedProgram)>,
}

/// Detaches every probe together rather than one after another (see `perf::close_all`): the
/// perf events first; the links and the tracefs probe events they were opened on go after,
/// with the fields.
impl Drop for Loaded {
    fn drop(&mut self) {
        let mut events = Vec::new();
        for attachment in self.attachments.iter_mut().chain(&mut self._triggers) {
            attachment.take_events(&mut events);
        }
        close_all(events);
    }
}

/// Whether any program writes to the output ring (printf, print, exit, clear ...). A script
/// that only counts never does, and its ring is made as small as the kernel allows: a ring
/// buffer is mapped twice, so 256 KB of it is 512 KB of tine's resident memory.
pub(super) fn writes_output(compiled: &Compiled) -> bool {
    (compiled.probes.iter()).any(|code| uses_map(code, compiled.output_map))
}

/// Whether the program of `code` refers to map `map`.
fn uses_map(code: &ProbeCode, map: usize) -> bool {
    (code.insns.iter()).any(|insn| {
        matches!(insn, Insn::LoadImm64 { imm: Imm64::MapIdx(index), .. } if *index as usize == map)
    })
}

/// The maps of `compiled`, created in the kernel; `interrupts_on` tells of each probe (by
/// its index in the script) whether its events all run with interrupts on, None where a map
/// is made for a check alone.
fn create_maps(
    compiled: &Compiled,
    interrupts_on: Option<&dyn Fn(usize) -> bool>,
) -> Result<Vec<BpfMap>, KernelError> {
    let cpus = possible_cpu_count()? as u32;
    let silent = !writes_output(compiled);
    let mut maps = Vec::with_capacity(compiled.maps.len());
    for (index, spec) in compiled.maps.iter().enumerate() {
        let growing = interrupts_on.is_some_and(|interrupts_on| {
            (compiled.probes.iter())
                .filter(|code| uses_map(code, index))
                .all(|code| interrupts_on(code.probe))
        });
        let mut spec = kernel_map(spec, cpus, growing);
        if silent && spec.kind == MapType::Ringbuf {
            spec.max_entries = page_size() as u32;
        }
        maps.push(BpfMap::create(&spec)?);
    }
    Ok(maps)
}

impl Loaded {
    /// Keeps `program`, attached to `probe` as `attachment` says: BEGIN and END to be run
    /// when `lifecycle` says, the others to be enabled.
    fn add(
        &mut self,
        probe: &Probe,
        lifecycle: Lifecycle,
        program: LoadedProgram,
        attachment: Attachment,
    ) {
        let special = if lifecycle == Lifecycle::Start {
            &mut self.begin
        } else {
            &mut self.end
        };
        match attachment {
            Attachment::Run => special.push(Special::TestRun(program)),
            Attachment::Every(period) => self.timed.push(Timed {
                program,
                period: period.max(SHORTEST_PERIOD) as i64,
                due: Cell::new(0),
            }),
            Attachment::Triggered { trigger, attached } => {
                // Every BEGIN (END) program sits on the same function: one call runs them all.
                let called = special
                    .iter()
                    .any(|known| matches!(known, Special::Trigger(known) if *known == trigger));
                if !called {
                    special.push(Special::Trigger(trigger));
                }
                self._triggers.push(*attached);
                self.programs.push((probe_name(probe), program));
            }
            events => {
                self.attachments.push(events);
                self.programs.push((probe_name(probe), program));
            }
        }
    }
}

#[inline(never)]
pub(super) fn load(
    compiled: &Compiled,
    script: &Program,
    registry: &Registry,
    settings: &Settings,
) -> Result<Loaded, RunError> {
    let growing = registry.features().has(Feature::GrowingHash);
    let interrupts_on = |probe: usize| {
        registry
            .probe(script.probes[probe].resolved)
            .interrupts_on()
    };
    let maps = create_maps(
        compiled,
        growing.then_some(&interrupts_on as &dyn Fn(usize) -> bool),
    )?;
    let mut loaded = Loaded {
        maps,
        begin: Vec::new(),
        timed: Vec::new(),
        end: Vec::new(),
        attachments: Vec::new(),
        _triggers: Vec::new(),
        programs: Vec::new(),
    };
    let mut programs = Vec::with_capacity(compiled.probes.len());
    for code in &compiled.probes {
        let probe = &script.probes[code.probe];
        let resolved = registry.probe(probe.resolved);
        let program = load_program(code, probe, &*resolved, &loaded.maps, settings)?;
        programs.push(Some(program));
    }
    // Probes on one point fire in the script's order: those whose points run the newest
    // program first are attached last to first, after the others. Step `count + n` is the
    // `n`th from the end.
    let count = programs.len();
    for step in 0..2 * count {
        let newest_first = step >= count;
        let index = if newest_first {
            2 * count - 1 - step
        } else {
            step
        };
        let code = &compiled.probes[index];
        let probe = &script.probes[code.probe];
        let resolved = registry.probe(probe.resolved);
        if resolved.fires_newest_first() != newest_first {
            continue;
        }
        let Some(program) = programs[index].take() else {
            continue;
        };
        let started = crate::kernel::clock::monotonic();
        let attachment = resolved.attach(&program)?;
        if settings.debug {
            // In integers: float formatting would cost the binary kilobytes for this one line.
            let tenths = (crate::kernel::clock::monotonic() - started) / 100_000;
            crate::tell(format_args!(
                "debug: {}:{} attached in {}.{} ms\n",
                probe.provider,
                probe.spec,
                tenths / 10,
                tenths % 10
            ));
        }
        loaded.add(probe, code.lifecycle, program, attachment);
    }
    Ok(loaded)
}

/// The program of `code` loaded into the kernel as `name`, each map index relocated to its
/// map's fd: what tracing and `verify` both load.
fn load_code(
    code: &ProbeCode,
    maps: &[BpfMap],
    name: &str,
    expected_attach_type: Option<bpf::AttachTo>,
) -> Result<Result<LoadedProgram, KernelError>, RunError> {
    let bytes = tine_asm::encode(&with_fds(&code.insns, maps), ByteOrder::HOST)
        .map_err(|error| RunError::Encode(Box::new(error)))?;
    Ok(LoadedProgram::load(&ProgramSpec {
        kind: kernel_program_kind(code.kind),
        insns: &bytes,
        name,
        expected_attach_type,
    }))
}

/// The program of `code`, for `probe` (resolved as `resolved`), loaded into the kernel.
#[inline(never)]
fn load_program(
    code: &ProbeCode,
    probe: &Probe,
    resolved: &dyn ResolvedProbe,
    maps: &[BpfMap],
    settings: &Settings,
) -> Result<LoadedProgram, RunError> {
    let name = format!("tine_{}", probe.provider);
    load_code(code, maps, &name, resolved.attach_type())?
        .map_err(|error| rejection(error, code, settings))
}

/// Sets the state word every probe checks first (see `wire::TRACING`).
pub(super) fn set_state(state: &BpfMap, value: i32) -> Result<(), KernelError> {
    let word = wire::encode_state(value, wire::HOST);
    state.update(&wire::STATE_WORD_KEY.to_ne_bytes(), &word, Update::Any)
}

/// Stores when the script starts (monotonic nanoseconds), which `elapsed` counts from.
pub(super) fn set_start(state: &BpfMap, monotonic: i64) -> Result<(), KernelError> {
    let start = wire::encode_int(monotonic as u64, wire::STATE_SIZE, wire::HOST);
    state.update(&wire::STATE_START_KEY.to_ne_bytes(), &start, Update::Any)
}

/// Which records END's probes send: after an `exit()`, those are the only ones printed.
pub(super) fn end_records(compiled: &Compiled) -> Vec<bool> {
    let mut sent = vec![false; compiled.records.len()];
    for code in &compiled.probes {
        if code.lifecycle != Lifecycle::End {
            continue;
        }
        for (_, span) in &code.spans {
            for (record, sent) in compiled.records.iter().zip(&mut sent) {
                *sent |= span.start <= record.span.start && record.span.end <= span.end;
            }
        }
    }
    sent
}

/// A verifier rejection, pointed at the script line whose instructions it stopped at; one of
/// a loop, at the loop, with the log's tail only under `-d`.
fn rejection(error: KernelError, code: &ProbeCode, settings: &Settings) -> RunError {
    let slot = error.rejected_instruction();
    let lines = if settings.debug { usize::MAX } else { 8 };
    let mut tail = error.verifier_tail(lines);
    let log = error.verifier_log.as_bytes();
    let has = |words: &[u8]| log.windows(words.len()).any(|part| part == words);
    // Before Linux 5.3 the verifier refuses every backward jump, before it reads a single
    // instruction; since, it follows a loop pass by pass, and gives up on one it never sees end.
    let (around, loop_message) = if has(b"back-edge") {
        (
            None,
            "`while` needs Linux 5.3 or later: this kernel's verifier refuses loops",
        )
    } else if has(b"infinite loop detected") || has(b"program is too large") {
        (
            slot,
            "the kernel's verifier cannot tell that this loop ends: bound it, as `$i < 100` with \
             `$i++` in the body",
        )
    } else {
        (slot, "")
    };
    let looping = loop_around(&code.insns, around)
        .filter(|_| !loop_message.is_empty())
        .and_then(|index| code.span_of(index));
    let (span, mut message) = if let Some(span) = looping {
        if !settings.debug {
            tail.clear();
        }
        (span, loop_message.to_string())
    } else {
        let Some(span) = slot.and_then(|slot| code.span_of(instruction_at_slot(&code.insns, slot)))
        else {
            return RunError::from(error);
        };
        let reason = tail
            .last()
            .map_or("see its log", |line| crate::words::trim(line));
        (
            span,
            format!("the kernel's verifier rejected this: {reason}"),
        )
    };
    for line in tail {
        message.push_str("\n    ");
        message.push_str(line);
    }
    RunError::Script(Box::new(Diag::new(span, message)))
}

fn probe_name(probe: &Probe) -> String {
    format!("{}:{}", probe.provider, probe.spec)
}

/// Loads each program of `compiled` into the kernel (its maps created, nothing attached) and
/// drops it again, handing `verdict` the probe index and what the verifier said: a check of the
/// whole compiler output against the running kernel, without tracing.
pub fn verify(
    compiled: &Compiled,
    mut verdict: impl FnMut(usize, Result<(), KernelError>),
) -> Result<(), RunError> {
    let maps = create_maps(compiled, None)?;
    for code in &compiled.probes {
        verdict(
            code.probe,
            load_code(code, &maps, "tine_verify", None)?.map(drop),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::ProbeCode;
    use crate::lang::Span;
    use tine_asm::Reg::*;

    fn settings(debug: bool) -> Settings {
        Settings {
            keep_going: false,
            debug,
            perf_pages: 1,
            unbuffered: false,
            style: crate::output::Style::Ply,
            quiet: false,
            output: None,
        }
    }

    #[test]
    fn a_rejection_points_at_the_statement_of_the_failing_instruction() {
        let mut builder = tine_asm::Builder::new();
        builder
            .mov64(R6, R1)
            .load_imm64(R1, 1 << 40)
            .load(tine_asm::Size::U64, R0, R1, 0)
            .exit();
        let code = ProbeCode {
            probe: 0,
            kind: ProgramKind::Tracepoint,
            lifecycle: Lifecycle::Tracing,
            insns: builder.finish().expect("assembles"),
            // Statement one is the move and the 16-byte load, statement two the rest.
            spans: vec![(0, Span::new(0, 5)), (2, Span::new(10, 20))],
        };
        let mut error = KernelError::errno("load program `tine_tracepoint`", libc::EACCES);
        // The load sits at slot 3: the 16-byte load took slots 1 and 2.
        error.verifier_log =
            "0: (bf) r6 = r1\n1: (18) r1 = 0x10000000000\n3: (79) r0 = *(u64 *)(r1 +0)\nR1 invalid mem access 'scalar'\nprocessed 3 insns\n".to_string();
        match rejection(error, &code, &settings(false)) {
            RunError::Script(diag) => {
                assert_eq!(diag.span, Span::new(10, 20));
                assert!(
                    diag.message.contains("R1 invalid mem access"),
                    "{}",
                    diag.message
                );
            }
            _ => panic!("a rejection with a log should point at the script"),
        }
    }

    /// Before Linux 5.3 the verifier refuses a loop's backward jump before it reads a single
    /// instruction, in a log of one line: tine names the loop and the kernel it needs, and
    /// `-d` adds the log.
    #[test]
    fn a_kernel_without_bounded_loops_is_told_at_the_loop() {
        let mut builder = tine_asm::Builder::new();
        let (top, end) = (builder.label(), builder.label());
        builder
            .mov64(R6, R1)
            .mov64_imm(R0, 0)
            .bind(top)
            .jgt_imm(R0, 2, end)
            .add64_imm(R0, 1)
            .ja(top)
            .bind(end)
            .exit();
        let code = ProbeCode {
            probe: 0,
            kind: ProgramKind::Tracepoint,
            lifecycle: Lifecycle::Tracing,
            insns: builder.finish().expect("assembles"),
            // The probe, the loop's body, its backward jump (marked with the whole loop), the
            // probe's end.
            spans: vec![
                (0, Span::new(0, 40)),
                (3, Span::new(20, 25)),
                (4, Span::new(8, 30)),
                (5, Span::new(0, 40)),
            ],
        };
        for debug in [false, true] {
            let mut error = KernelError::errno("load program `tine_BEGIN`", libc::EINVAL);
            error.verifier_log = "back-edge from insn 4 to 2\n".to_string();
            let RunError::Script(diag) = rejection(error, &code, &settings(debug)) else {
                panic!("a refused loop should point at the script");
            };
            assert_eq!(diag.span, Span::new(8, 30));
            let expected = "`while` needs Linux 5.3 or later: this kernel's verifier refuses loops";
            assert!(diag.message.starts_with(expected), "{}", diag.message);
            assert_eq!(diag.message.contains("back-edge from insn 4 to 2"), debug);
        }
    }
}
