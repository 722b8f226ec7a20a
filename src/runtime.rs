//! runtime: a compiled script in the kernel — maps made, programs loaded and attached, the
//! event loop over the output ring and signals, then END, the map dump and teardown (every
//! kernel object is an owned value: returning from `run`, by any path, releases them all).

use std::collections::HashMap;
use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;

use tine_asm::{ByteOrder, Imm64, Insn};

use crate::compile::{Compiled, Fold, MapSpec, ProgramKind, RecordKind, Storage, STOPPED, TRACING};
use crate::kernel::bpf::{self, Entry, Map, MapKind, Program, ProgramSpec, Update};
use crate::kernel::child::Child;
use crate::kernel::clock::wall_clock_offset;
use crate::kernel::cpu::possible_cpus;
use crate::kernel::elf::ElfFile;
use crate::kernel::error::KernelError;
use crate::kernel::features::Feature;
use crate::kernel::kallsyms::KernelSymbols;
use crate::kernel::memory_map::{self, Mapping};
use crate::kernel::process::Watched;
use crate::kernel::ring::{wait, Record, Ring};
use crate::kernel::signal::{die_of_broken_pipe, Signals};
use crate::lang::diag::{Diag, Span};
use crate::output::{write_map, write_value, PrintOptions, Symbols};
use crate::provider::{Attachment, Registry};
use crate::sema::Program as Script;

/// Why a run failed: a kernel refusal, or one pointing at the script (a verifier rejection).
pub enum RunError {
    Kernel(KernelError),
    Script(Diag),
    Message(String),
}

impl From<KernelError> for RunError {
    fn from(error: KernelError) -> RunError {
        RunError::Kernel(error)
    }
}

pub struct Settings {
    /// `-k`: warn about lost records and go on.
    pub keep_going: bool,
    /// `-d`: verifier logs in full.
    pub debug: bool,
    /// Pages of perf buffer per CPU when there is no ring buffer.
    pub perf_pages: usize,
    /// `-u`: write each record's output as soon as it is decoded.
    pub unbuffered: bool,
}

/// Ends tracing: how the loop stopped.
enum Stop {
    Exit(i32),
    Signal,
    ChildExited,
    /// The process `-p` named has exited.
    ProcessExited,
    Lost,
    /// Standard output is a pipe nobody reads any more.
    BrokenPipe,
}

fn kernel_map(spec: &MapSpec, cpus: u32) -> bpf::MapSpec {
    let (kind, flags) = match spec.storage {
        // Preallocated: an entry allocated on demand can fail where a probe runs with
        // interrupts off (sched_wakeup lost keys that way), and a lost count is worse than
        // memory taken up front (TINE_MAP_ENTRIES sizes it).
        Storage::Hash => (MapKind::Hash, 0),
        Storage::PerCpuHash => (MapKind::PercpuHash, 0),
        Storage::Array => (MapKind::Array, 0),
        Storage::PerCpuArray => (MapKind::PercpuArray, 0),
        Storage::RingBuffer => (MapKind::Ringbuf, 0),
        Storage::PerfEventArray => (MapKind::PerfEventArray, 0),
        Storage::StackTrace => (MapKind::StackTrace, 0),
    };
    bpf::MapSpec {
        kind,
        name: spec.name.trim_start_matches('@').to_string(),
        key_size: spec.key_size,
        value_size: spec.value_size,
        max_entries: if spec.storage == Storage::PerfEventArray {
            cpus
        } else {
            spec.max_entries
        },
        flags,
    }
}

fn kernel_program_kind(kind: ProgramKind) -> bpf::ProgramKind {
    match kind {
        ProgramKind::Tracepoint => bpf::ProgramKind::Tracepoint,
        ProgramKind::Kprobe => bpf::ProgramKind::Kprobe,
        ProgramKind::PerfEvent => bpf::ProgramKind::PerfEvent,
        ProgramKind::RawTracepoint => bpf::ProgramKind::RawTracepoint,
    }
}

/// The instructions with each map index replaced by its fd.
fn with_fds(insns: &[Insn], maps: &[Map]) -> Vec<Insn> {
    insns
        .iter()
        .map(|insn| match *insn {
            Insn::LoadImm64 {
                dst,
                imm: Imm64::MapFd(index),
            } => Insn::LoadImm64 {
                dst,
                imm: Imm64::MapFd(maps[index as usize].raw_fd()),
            },
            other => other,
        })
        .collect()
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

/// A map's entries as (key, value) bytes.
type Entries = Vec<(Vec<u8>, Vec<u8>)>;

fn word(bytes: &[u8], index: usize) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[index * 8..index * 8 + 8]);
    u64::from_ne_bytes(word)
}

/// How a map's entries fold and print.
struct Folding<'a> {
    spec: &'a MapSpec,
    /// What a keyless summed aggregation held when it was last cleared (see `Printer::take`).
    baseline: Option<&'a [u64]>,
    /// A keyless aggregation that was never fed or was cleared prints as zero (a `count()`,
    /// as bpftrace 0.17 prints it) rather than not at all (every other kind).
    zero_shown: bool,
}

/// A map's entries with the per-CPU values folded into one.
fn fold(entries: Vec<Entry>, folding: &Folding) -> Entries {
    let Folding {
        spec,
        baseline,
        zero_shown,
    } = *folding;
    let mut folded = Vec::new();
    for entry in entries {
        let size = spec.value_size as usize;
        let value = match spec.fold {
            Fold::Shared => entry.values.into_iter().next().unwrap_or_default(),
            Fold::Sum => {
                let sum = summed(&entry.values, size, baseline);
                if sum.iter().all(|&total| total == 0)
                    && spec.storage == Storage::PerCpuArray
                    && !zero_shown
                {
                    continue;
                }
                sum.iter().flat_map(|total| total.to_ne_bytes()).collect()
            }
            Fold::Min { signed } | Fold::Max { signed } => {
                let is_min = matches!(spec.fold, Fold::Min { .. });
                let seen = entry.values.iter().filter(|value| word(value, 1) != 0);
                let best = seen.map(|value| word(value, 0)).reduce(|a, b| {
                    let a_first = if signed {
                        (a as i64 <= b as i64) == is_min
                    } else {
                        (a <= b) == is_min
                    };
                    if a_first {
                        a
                    } else {
                        b
                    }
                });
                match best {
                    Some(best) => [best.to_ne_bytes(), 1u64.to_ne_bytes()].concat(),
                    None => continue,
                }
            }
        };
        folded.push((entry.key, value));
    }
    folded
}

/// Every u64 word of `size` bytes summed over the CPUs' values, less `baseline`.
fn summed(values: &[Vec<u8>], size: usize, baseline: Option<&[u64]>) -> Vec<u64> {
    let mut sum = vec![0u64; size / 8];
    for value in values {
        for (index, total) in sum.iter_mut().enumerate() {
            *total = total.wrapping_add(word(value, index));
        }
    }
    for (total, base) in sum.iter_mut().zip(baseline.unwrap_or_default()) {
        *total = total.wrapping_sub(*base);
    }
    sum
}

/// How a BEGIN or END probe is run.
enum Special {
    TestRun(Program),
    /// Calling the function fires the uprobe the program is attached to.
    Trigger(extern "C" fn()),
}

impl Special {
    fn run(&self) -> Result<(), KernelError> {
        match self {
            Special::TestRun(program) => program.test_run(&[], &[0u8; 8]).map(|_| ()),
            Special::Trigger(trigger) => {
                trigger();
                Ok(())
            }
        }
    }
}

struct Loaded {
    maps: Vec<Map>,
    begin: Vec<Special>,
    end: Vec<Special>,
    /// The probes that fire while tracing, attached but not yet enabled; dropping detaches.
    attachments: Vec<Attachment>,
    /// BEGIN and END attached to their triggers, kept for their drop.
    _triggers: Vec<Attachment>,
    /// Each attached program, with its probe as written (`kprobe:vfs_read`) for warnings.
    programs: Vec<(String, Program)>,
}

fn load(
    compiled: &Compiled,
    script: &Script,
    registry: &Registry,
    settings: &Settings,
) -> Result<Loaded, RunError> {
    let cpus = possible_cpus()?.len() as u32;
    let maps = compiled
        .maps
        .iter()
        .map(|spec| Map::create(&kernel_map(spec, cpus)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut loaded = Loaded {
        maps,
        begin: Vec::new(),
        end: Vec::new(),
        attachments: Vec::new(),
        _triggers: Vec::new(),
        programs: Vec::new(),
    };
    let mut programs = Vec::with_capacity(compiled.probes.len());
    for code in &compiled.probes {
        let probe = &script.probes[code.probe];
        let insns = with_fds(&code.insns, &loaded.maps);
        let bytes = tine_asm::encode(&insns, ByteOrder::HOST)
            .map_err(|error| RunError::Message(format!("cannot encode a program: {error}")))?;
        let name = format!("tine_{}", probe.provider);
        let resolved = registry
            .probe(&probe.provider, &probe.spec)
            .map_err(RunError::Message)?;
        let spec = ProgramSpec {
            kind: kernel_program_kind(code.kind),
            insns: &bytes,
            name: &name,
            expected_attach_type: resolved.attach_type(),
        };
        let program = Program::load(&spec).map_err(|error| rejection(error, code, settings))?;
        programs.push((probe, resolved, program));
    }
    // Probes on one point fire in the script's order: those whose points run the newest
    // program first are attached last to first.
    let newest_first = |index: &usize| programs[*index].1.fires_newest_first();
    let mut order: Vec<usize> = (0..programs.len()).filter(|i| !newest_first(i)).collect();
    order.extend((0..programs.len()).rev().filter(newest_first));
    let mut programs: Vec<_> = programs.into_iter().map(Some).collect();
    for index in order {
        let Some((probe, resolved, program)) = programs[index].take() else {
            continue;
        };
        let started = std::time::Instant::now();
        let attachment = resolved.attach(&program)?;
        if settings.debug {
            // In integers: float formatting would cost the binary kilobytes for this one line.
            let tenths = started.elapsed().as_micros() as u64 / 100;
            eprintln!(
                "debug: {}:{} attached in {}.{} ms",
                probe.provider,
                probe.spec,
                tenths / 10,
                tenths % 10
            );
        }
        match attachment {
            Attachment::Run { at_start } => {
                let list = if at_start {
                    &mut loaded.begin
                } else {
                    &mut loaded.end
                };
                list.push(Special::TestRun(program));
            }
            Attachment::Triggered {
                at_start,
                trigger,
                attached,
            } => {
                let list = if at_start {
                    &mut loaded.begin
                } else {
                    &mut loaded.end
                };
                // Every BEGIN (END) program sits on the same function: one call runs them all.
                let called = list.iter().any(
                    |special| matches!(special, Special::Trigger(known) if *known as usize == trigger as usize),
                );
                if !called {
                    list.push(Special::Trigger(trigger));
                }
                loaded._triggers.push(*attached);
                loaded.programs.push((probe_name(probe), program));
            }
            events => {
                loaded.attachments.push(events);
                loaded.programs.push((probe_name(probe), program));
            }
        }
    }
    Ok(loaded)
}

/// Sets the state word every probe checks first (see `compile::TRACING`).
fn set_state(state: &Map, value: i32) -> Result<(), KernelError> {
    state.update(
        &0u32.to_ne_bytes(),
        &(value as u64).to_ne_bytes(),
        Update::Any,
    )
}

/// Which records END's probes send: after an `exit()`, those are the only ones printed.
fn end_records(compiled: &Compiled, script: &Script) -> Vec<bool> {
    let spans: Vec<Span> = compiled
        .probes
        .iter()
        .filter(|code| script.probes[code.probe].provider == "END")
        .flat_map(|code| code.spans.iter().map(|(_, span)| *span))
        .collect();
    compiled
        .records
        .iter()
        .map(|record| {
            spans
                .iter()
                .any(|span| span.start <= record.span.start && record.span.end <= span.end)
        })
        .collect()
}

/// A verifier rejection, pointed at the script line whose instructions it stopped at.
fn rejection(
    error: KernelError,
    code: &crate::compile::ProbeCode,
    settings: &Settings,
) -> RunError {
    let Some(span) = error
        .rejected_instruction()
        .and_then(|slot| code.span_of(instruction_at_slot(&code.insns, slot)))
    else {
        return RunError::Kernel(error);
    };
    let lines = if settings.debug { usize::MAX } else { 8 };
    let tail = error.verifier_tail(lines);
    let reason = tail.last().map_or("see its log", |line| line.trim());
    let mut message = format!("the kernel's verifier rejected this: {reason}");
    for line in tail {
        message.push_str("\n    ");
        message.push_str(line);
    }
    RunError::Script(Diag::new(span, message))
}

/// Runs the compiled script until it exits, the `-c` child ends, or a signal; returns the exit
/// code.
///
/// The order matters: every probe is attached (disabled, and returning at once while the
/// state word says so) before BEGIN runs; then the events are enabled and the state word
/// opened, and BEGIN's output printed. So nothing tine does while setting up is traced, BEGIN
/// prints first, and an interval's first tick is a full period after the start. On the way out the state word is
/// closed first: the maps hold still for END and the dump.
pub fn run(
    script: &Script,
    compiled: &Compiled,
    registry: &Registry,
    mut child: Option<Child>,
    watched: Option<Watched>,
    settings: &Settings,
) -> Result<i32, RunError> {
    // Caught before anything is made and released after everything is: a Ctrl-C while
    // attaching or tearing down must not kill tine with probe events left in tracefs.
    // SIGCHLD only wakes the loop, to look at the `-c` child at once.
    let signals = Signals::catch(&[libc::SIGINT, libc::SIGTERM, libc::SIGCHLD])
        .map_err(|error| RunError::Message(format!("cannot catch signals: {error}")))?;
    let loaded = load(compiled, script, registry, settings)?;
    let state = &loaded.maps[compiled.state_map];
    let mut ring = Ring::open(&loaded.maps[compiled.output_map], settings.perf_pages)?;
    let mut printer = Printer {
        compiled,
        maps: &loaded.maps,
        names: KernelNames {
            symbols: std::cell::OnceCell::new(),
            user: UserSymbols::default(),
            stacks: compiled.stack_map.map(|index| &loaded.maps[index]),
            wall_clock_offset: wall_clock_offset(),
        },
        out: String::new(),
        stop: None,
        exited: false,
        end_records: end_records(compiled, script),
        broken: false,
        lost: 0,
        unbuffered: settings.unbuffered,
        batch: registry.features().has(Feature::MapBatch),
        baselines: HashMap::new(),
        counts: script
            .maps
            .iter()
            .map(|map| map.kind == crate::sema::program::MapKind::Count)
            .collect(),
    };
    for special in &loaded.begin {
        special.run()?;
    }
    // BEGIN's output is shown once tracing has started, so whoever waits for it (a user, a
    // script) knows that what happens next is traced.
    printer.decode(&mut ring, false)?;
    if printer.stop.is_none() {
        for attachment in &loaded.attachments {
            attachment.enable()?;
        }
        set_state(state, TRACING)?;
    }
    printer.flush();
    if printer.stop.is_none() {
        if let Some(child) = child.as_mut() {
            child
                .release()
                .map_err(|error| RunError::Message(format!("cannot start the command: {error}")))?;
        }
    }
    let stdout = std::io::stdout();
    while printer.stop.is_none() {
        let mut fds: Vec<BorrowedFd> = ring.fds();
        fds.push(signals.as_fd());
        fds.extend(watched.as_ref().and_then(Watched::fd));
        // Everything that ends tracing wakes the loop, except the exit of a `-p` process on a
        // kernel without pidfds: that is looked for every 100 ms.
        let timeout = watched
            .as_ref()
            .filter(|watched| watched.fd().is_none())
            .map(|_| Duration::from_millis(100));
        let (_, hung_up) = wait(&fds, &[stdout.as_fd()], timeout)?;
        drop(fds);
        if hung_up {
            printer.broken_pipe();
        }
        while let Some(signal) = signals
            .next()
            .map_err(|error| RunError::Message(format!("cannot read signals: {error}")))?
        {
            if signal != libc::SIGCHLD && printer.stop.is_none() {
                printer.stop = Some(Stop::Signal);
            }
        }
        printer.drain(&mut ring)?;
        // Records the kernel dropped (perf buffers) and those a probe could not write (the
        // ring buffer tells only the probe, which counts them).
        let lost = printer.lost + dropped_records(compiled, &loaded.maps[compiled.error_map])?;
        if lost > 0 && !settings.keep_going && printer.stop.is_none() {
            printer.stop = Some(Stop::Lost);
        }
        if let Some(child) = child.as_mut() {
            let exited = child.try_wait().map_err(|error| {
                RunError::Message(format!("cannot wait for the command: {error}"))
            })?;
            if exited.is_some() && printer.stop.is_none() {
                printer.stop = Some(Stop::ChildExited);
            }
        }
        if watched.as_ref().is_some_and(Watched::exited) && printer.stop.is_none() {
            printer.stop = Some(Stop::ProcessExited);
        }
    }
    set_state(state, STOPPED)?;
    // What was recorded before the stop (after an exit(), only END's records are printed).
    printer.drain(&mut ring)?;
    for special in &loaded.end {
        special.run()?;
    }
    let stop = printer.stop.take();
    printer.drain(&mut ring)?;
    for (index, map) in script.maps.iter().enumerate() {
        printer.print_map(index, &map.name, PrintOptions::WHOLE)?;
    }
    printer.flush();
    report_misses(&loaded.programs);
    report_errors(compiled, &loaded.maps[compiled.error_map], script)?;
    // Records lost in the last moments count as much as those lost earlier.
    let lost = printer.lost + dropped_records(compiled, &loaded.maps[compiled.error_map])?;
    let broken_pipe = printer.broken;
    let code = match stop {
        Some(Stop::Exit(code)) => code,
        Some(Stop::Lost) => lost_error(lost),
        _ if lost > 0 && !settings.keep_going => lost_error(lost),
        Some(Stop::Signal | Stop::ChildExited | Stop::ProcessExited | Stop::BrokenPipe) | None => 0,
    };
    if broken_pipe {
        // Every kernel object is released first.
        drop(printer);
        drop(ring);
        drop(loaded);
        drop(child);
        die_of_broken_pipe();
    }
    Ok(code)
}

/// Events the kernel counted but did not run a probe for: its counts and records miss them.
fn report_misses(programs: &[(String, Program)]) {
    for (probe, program) in programs {
        match program.recursion_misses() {
            Ok(0) => {}
            Ok(missed) => eprintln!(
                "warning: {probe}: the kernel skipped {missed} events: another BPF program was running on that CPU at the time"
            ),
            Err(error) => eprintln!("warning: {probe}: cannot tell whether the kernel skipped events: {error}"),
        }
    }
}

fn probe_name(probe: &crate::sema::program::Probe) -> String {
    format!("{}:{}", probe.provider, probe.spec)
}

fn lost_error(count: u64) -> i32 {
    eprintln!(
        "error: lost {count} records: the output ring was full (raise TINE_RING_PAGES, or run with -k to go on regardless)"
    );
    1
}

/// The count of error site `index`, summed over CPUs.
fn error_count(errors: &Map, index: usize) -> Result<u64, KernelError> {
    let values = errors.lookup_per_cpu(&(index as u32).to_ne_bytes())?;
    Ok(values
        .unwrap_or_default()
        .iter()
        .map(|value| u64::from_ne_bytes(value[..8].try_into().unwrap_or([0; 8])))
        .sum())
}

fn dropped_records(compiled: &Compiled, errors: &Map) -> Result<u64, KernelError> {
    let mut dropped = 0;
    for (index, site) in compiled.error_sites.iter().enumerate() {
        if site.kind == crate::compile::ErrorKind::OutputFull {
            dropped += error_count(errors, index)?;
        }
    }
    Ok(dropped)
}

/// Warns about every failed map update and dropped record the programs counted.
fn report_errors(compiled: &Compiled, errors: &Map, script: &Script) -> Result<(), KernelError> {
    for (index, site) in compiled.error_sites.iter().enumerate() {
        let count = error_count(errors, index)?;
        if count == 0 {
            continue;
        }
        match site.kind {
            crate::compile::ErrorKind::MapFull { map } => eprintln!(
                "warning: {count} updates of {} were dropped: the map is full (raise TINE_MAP_ENTRIES)",
                script.maps.get(map).map_or("a map", |map| map.name.as_str())
            ),
            crate::compile::ErrorKind::MapRefused { map } => eprintln!(
                "warning: the kernel refused {count} updates of {}: the map was busy (a probe fired inside another that held it) or out of memory",
                script.maps.get(map).map_or("a map", |map| map.name.as_str())
            ),
            crate::compile::ErrorKind::OutputFull => eprintln!(
                "warning: lost {count} records: the output ring was full (raise TINE_RING_PAGES)"
            ),
            crate::compile::ErrorKind::ReadFailed { string } => eprintln!(
                "warning: {count} {} failed: the address was not readable (unmapped, paged out, or not that memory), and zeros were used",
                if string { "string reads" } else { "memory reads" }
            ),
        }
    }
    Ok(())
}

/// Names for what probes record as numbers: kernel symbols (read on first need), stacks from
/// the stack map, the wall clock.
struct KernelNames<'a> {
    symbols: std::cell::OnceCell<KernelSymbols>,
    user: UserSymbols,
    stacks: Option<&'a Map>,
    wall_clock_offset: i64,
}

impl KernelNames<'_> {
    fn symbols(&self) -> &KernelSymbols {
        self.symbols
            .get_or_init(|| KernelSymbols::load().unwrap_or_else(|_| KernelSymbols::parse("")))
    }
}

impl Symbols for KernelNames<'_> {
    fn write_kernel_address(&self, out: &mut String, address: u64) {
        self.symbols().write_address(out, address);
    }

    /// As ply prints a stack: a newline, then one tab-indented frame a line. A user stack's
    /// value carries its process's pid in the upper half (see `compile`).
    fn write_stack(&self, out: &mut String, id: u64, user: bool) {
        let (id, pid) = if user {
            (i64::from(id as u32 as i32), Some((id >> 32) as u32))
        } else {
            (id as i64, None)
        };
        // bpf_get_stackid returns a negative errno when there is no stack to take (EFAULT:
        // a sample in user space has no kernel stack).
        if id < 0 {
            out.push_str(&format!("<no stack: errno {}>", id.unsigned_abs()));
            return;
        }
        let frames = self
            .stacks
            .and_then(|stacks| stacks.lookup(&(id as u32).to_ne_bytes()).ok().flatten());
        let Some(frames) = frames else {
            out.push_str(&format!("<STACKID{id}>"));
            return;
        };
        out.push('\n');
        for frame in frames.chunks_exact(8) {
            let address = u64::from_ne_bytes(frame.try_into().unwrap_or([0; 8]));
            if address == 0 {
                break;
            }
            out.push('\t');
            match pid {
                Some(pid) => self.user.write_address(out, pid, address),
                None => self.symbols().write_address(out, address),
            }
            out.push('\n');
        }
    }

    fn write_user_address(&self, out: &mut String, address: u64, pid: u32) {
        self.user.write_address(out, pid, address);
    }

    fn wall_clock_offset(&self) -> i64 {
        self.wall_clock_offset
    }
}

/// Function names for user-space addresses: a process's mappings (read while it lives), then
/// the ELF symbols of the mapped file. Both are read once and kept.
#[derive(Default)]
struct UserSymbols {
    processes: std::cell::RefCell<HashMap<u32, Vec<Mapping>>>,
    files: std::cell::RefCell<HashMap<String, Option<ElfFile>>>,
}

impl UserSymbols {
    /// `function+offset`, or `<address>` when the process or its file cannot be read.
    fn write_address(&self, out: &mut String, pid: u32, address: u64) {
        let mut processes = self.processes.borrow_mut();
        let mappings = processes
            .entry(pid)
            .or_insert_with(|| memory_map::read(Some(pid)).unwrap_or_default());
        let Some((path, offset)) = memory_map::file_offset(mappings, address) else {
            out.push_str(&format!("<{address:016x}>"));
            return;
        };
        let mut files = self.files.borrow_mut();
        let elf = files
            .entry(path.to_string())
            .or_insert_with(|| ElfFile::read(path).ok());
        match elf
            .as_ref()
            .and_then(|elf| elf.function_at_file_offset(offset))
        {
            Some((function, 0)) => out.push_str(&function.name),
            Some((function, into)) => out.push_str(&format!("{}+{into}", function.name)),
            None => out.push_str(&format!("<{address:016x}>")),
        }
    }
}

/// A value's layout and bytes, borrowed from the record; a record cut short reads short.
fn record_value<'a>(
    bytes: &'a [u8],
    (layout, offset): &'a (crate::output::Layout, usize),
) -> (&'a crate::output::Layout, &'a [u8]) {
    let end = (offset + layout.size()).min(bytes.len());
    (layout, &bytes[(*offset).min(end)..end])
}

struct Printer<'a> {
    compiled: &'a Compiled,
    maps: &'a [Map],
    names: KernelNames<'a>,
    out: String,
    stop: Option<Stop>,
    /// An `exit()` was read: records after it are not printed, END's excepted.
    exited: bool,
    /// By record id: whether an END probe sends it.
    end_records: Vec<bool>,
    /// Standard output is a pipe nobody reads: nothing more is written.
    broken: bool,
    lost: u64,
    unbuffered: bool,
    /// Whether the kernel reads (and deletes) maps in batches.
    batch: bool,
    /// What each keyless summed aggregation held when it was last cleared, word by word.
    baselines: HashMap<usize, Vec<u64>>,
    /// By map index: whether the map is a `count()`.
    counts: Vec<bool>,
}

impl Printer<'_> {
    /// Writes out what was decoded. A closed pipe ends tracing (once); other write errors
    /// (a full disk) lose that output, as a shell's would.
    fn flush(&mut self) {
        if !self.broken {
            let mut stdout = std::io::stdout().lock();
            let written = stdout
                .write_all(self.out.as_bytes())
                .and_then(|()| stdout.flush());
            if written.is_err_and(|error| error.kind() == std::io::ErrorKind::BrokenPipe) {
                drop(stdout);
                self.broken_pipe();
            }
        }
        self.out.clear();
    }

    fn broken_pipe(&mut self) {
        self.broken = true;
        if self.stop.is_none() {
            self.stop = Some(Stop::BrokenPipe);
        }
    }

    fn drain(&mut self, ring: &mut Ring) -> Result<(), RunError> {
        self.decode(ring, self.unbuffered)?;
        self.flush();
        Ok(())
    }

    /// Decodes what the ring holds into `out`, writing it out after each record when
    /// `flush_each`.
    fn decode(&mut self, ring: &mut Ring, flush_each: bool) -> Result<(), RunError> {
        let mut samples: Vec<Vec<u8>> = Vec::new();
        ring.drain(|record| match record {
            Record::Sample(bytes) => samples.push(bytes.to_vec()),
            Record::Lost(count) => {
                eprintln!("warning: lost {count} records");
                self.lost += count;
            }
        });
        for sample in samples {
            self.record(&sample)?;
            if flush_each {
                self.flush();
            }
        }
        Ok(())
    }

    fn record(&mut self, bytes: &[u8]) -> Result<(), RunError> {
        let id = bytes
            .get(..8)
            .map(|id| u64::from_ne_bytes(id.try_into().unwrap_or([0; 8])))
            .unwrap_or(u64::MAX);
        let Some(record) = self.compiled.records.get(id as usize) else {
            return Err(RunError::Message(format!(
                "a probe sent an unknown record ({id})"
            )));
        };
        if self.exited && !self.end_records.get(id as usize).copied().unwrap_or(false) {
            return Ok(());
        }
        let value = |argument| record_value(bytes, argument);
        match &record.kind {
            RecordKind::Printf { format, arguments } => {
                let values: Vec<_> = arguments.iter().map(value).collect();
                format.write(&mut self.out, &values, &self.names);
            }
            RecordKind::Print { arguments } => {
                for (index, argument) in arguments.iter().enumerate() {
                    if index > 0 {
                        self.out.push_str(", ");
                    }
                    let (layout, data) = value(argument);
                    write_value(&mut self.out, layout, data, &self.names);
                }
                self.out.push('\n');
            }
            RecordKind::PrintMap { map, options } => {
                let name = self.compiled.maps[*map].name.clone();
                self.print_map(*map, &name, *options)?;
            }
            RecordKind::Clear { map } => {
                self.take(*map)?;
            }
            RecordKind::PrintAndClear { map, options } => {
                let name = self.compiled.maps[*map].name.clone();
                let entries = self.take(*map)?;
                self.write_entries(*map, &name, entries, *options);
            }
            RecordKind::Exit => {
                let code = bytes
                    .get(8..16)
                    .map(|code| i64::from_ne_bytes(code.try_into().unwrap_or([0; 8])))
                    .unwrap_or(0);
                if self.stop.is_none() {
                    self.stop = Some(Stop::Exit(code as i32));
                }
                self.exited = true;
            }
        }
        Ok(())
    }

    fn print_map(
        &mut self,
        index: usize,
        name: &str,
        options: PrintOptions,
    ) -> Result<(), KernelError> {
        let map = &self.maps[index];
        let entries = if self.batch {
            map.entries()?
        } else {
            map.entries_one_by_one()?
        };
        let entries = fold(entries, &self.folding(index));
        self.write_entries(index, name, entries, options);
        Ok(())
    }

    fn folding(&self, index: usize) -> Folding<'_> {
        Folding {
            spec: &self.compiled.maps[index],
            baseline: self.baselines.get(&index).map(Vec::as_slice),
            zero_shown: self.counts.get(index).copied().unwrap_or(false),
        }
    }

    fn write_entries(&mut self, index: usize, name: &str, entries: Entries, options: PrintOptions) {
        if let Some((key, shown)) = &self.compiled.maps[index].printed {
            write_map(
                &mut self.out,
                name,
                key.as_ref(),
                shown,
                entries,
                options,
                &self.names,
            );
        }
    }

    /// `clear(@m)`, and what the map held when it was emptied. One pass that ends however
    /// busy the map is: the batch that reads and deletes (5.6+), else a snapshot of the keys,
    /// each read and then deleted. A keyless summed aggregation (a per-CPU array, whose entry
    /// cannot be deleted) is not written at all: what it holds becomes the baseline later
    /// reads are taken from, so no count is lost between a read and a reset.
    fn take(&mut self, index: usize) -> Result<Entries, KernelError> {
        let map = &self.maps[index];
        let spec = &self.compiled.maps[index];
        if matches!(spec.storage, Storage::PerCpuArray | Storage::Array) {
            let key = 0u32.to_ne_bytes();
            let values = map.lookup_per_cpu(&key)?.unwrap_or_default();
            let entry = Entry {
                key: key.to_vec(),
                values,
            };
            if spec.fold == Fold::Sum {
                let total = summed(&entry.values, spec.value_size as usize, None);
                let entries = fold(vec![entry], &self.folding(index));
                self.baselines.insert(index, total);
                return Ok(entries);
            }
            // Minima and maxima start again from nothing: one value serves every CPU.
            map.update(&key, &vec![0u8; spec.value_size as usize], Update::Any)?;
            return Ok(fold(vec![entry], &self.folding(index)));
        }
        if self.batch {
            if let Some(entries) = map.take_batched()? {
                return Ok(fold(entries, &self.folding(index)));
            }
        }
        let mut entries = Vec::new();
        for key in map.keys()? {
            if let Some(values) = map.lookup_per_cpu(&key)? {
                entries.push(Entry {
                    key: key.clone(),
                    values,
                });
            }
            map.delete(&key)?;
        }
        Ok(fold(entries, &self.folding(index)))
    }
}

/// Loads each program of `compiled` into the kernel (its maps created, nothing attached) and
/// drops it again, handing `verdict` the probe index and what the verifier said: a check of the
/// whole compiler output against the running kernel, without tracing.
pub fn verify(
    compiled: &Compiled,
    mut verdict: impl FnMut(usize, Result<(), KernelError>),
) -> Result<(), KernelError> {
    let cpus = possible_cpus()?.len() as u32;
    let maps = compiled
        .maps
        .iter()
        .map(|spec| Map::create(&kernel_map(spec, cpus)))
        .collect::<Result<Vec<_>, _>>()?;
    for code in &compiled.probes {
        let bytes = tine_asm::encode(&with_fds(&code.insns, &maps), ByteOrder::HOST)
            .map_err(|error| KernelError::message("encode a program", error.to_string()))?;
        let spec = ProgramSpec {
            kind: kernel_program_kind(code.kind),
            insns: &bytes,
            name: "tine_verify",
            expected_attach_type: None,
        };
        verdict(code.probe, Program::load(&spec).map(drop));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::ProbeCode;
    use crate::lang::Span;
    use tine_asm::Reg::*;

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
            insns: builder.finish().expect("assembles"),
            // Statement one is the move and the 16-byte load, statement two the rest.
            spans: vec![(0, Span::new(0, 5)), (2, Span::new(10, 20))],
        };
        let mut error = KernelError::errno("load program `tine_tracepoint`", libc::EACCES);
        // The load sits at slot 3: the 16-byte load took slots 1 and 2.
        error.verifier_log =
            "0: (bf) r6 = r1\n1: (18) r1 = 0x10000000000\n3: (79) r0 = *(u64 *)(r1 +0)\nR1 invalid mem access 'scalar'\nprocessed 3 insns\n".to_string();
        let settings = Settings {
            keep_going: false,
            debug: false,
            perf_pages: 1,
            unbuffered: false,
        };
        match rejection(error, &code, &settings) {
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
}
