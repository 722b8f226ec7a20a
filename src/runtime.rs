//! runtime: a compiled script in the kernel — maps made, programs loaded and attached, the
//! event loop over the output ring and signals, then END, the map dump and teardown (every
//! kernel object is an owned value: returning from `run`, by any path, releases them all).

use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;

use tine_asm::{ByteOrder, Imm64, Insn};

use crate::compile::{Compiled, Fold, MapSpec, ProgramKind, RecordKind, Storage};
use crate::kernel::bpf::{self, Map, MapKind, Program, ProgramSpec, Update};
use crate::kernel::child::Child;
use crate::kernel::cpu::possible_cpus;
use crate::kernel::error::KernelError;
use crate::kernel::ring::{wait_readable, Record, Ring};
use crate::kernel::signal::Signals;
use crate::lang::diag::Diag;
use crate::output::{write_map, write_value};
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
}

/// Ends tracing: how the loop stopped.
enum Stop {
    Exit(i32),
    Signal,
    ChildExited,
    Lost(u64),
}

const BPF_F_NO_PREALLOC: u32 = 1;

fn kernel_map(spec: &MapSpec, cpus: u32) -> bpf::MapSpec {
    let (kind, flags) = match spec.storage {
        // Hash maps grow as keys come: no memory taken up front on a small board.
        Storage::Hash => (MapKind::Hash, BPF_F_NO_PREALLOC),
        Storage::PerCpuHash => (MapKind::PercpuHash, BPF_F_NO_PREALLOC),
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

/// One map's entries with the per-CPU values folded into one.
fn folded_entries(map: &Map, spec: &MapSpec) -> Result<Entries, KernelError> {
    let word = |bytes: &[u8], index: usize| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[index * 8..index * 8 + 8]);
        u64::from_ne_bytes(word)
    };
    let mut entries = Vec::new();
    for entry in map.entries()? {
        let size = spec.value_size as usize;
        let value = match spec.fold {
            Fold::Shared => entry.values.into_iter().next().unwrap_or_default(),
            Fold::Sum => {
                let mut sum = vec![0u64; size / 8];
                for value in &entry.values {
                    for (index, total) in sum.iter_mut().enumerate() {
                        *total = total.wrapping_add(word(value, index));
                    }
                }
                if sum.iter().all(|&total| total == 0) && spec.storage == Storage::PerCpuArray {
                    // A keyless aggregation nobody fed yet: print nothing, as for a new key.
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
        entries.push((entry.key, value));
    }
    Ok(entries)
}

struct Loaded {
    maps: Vec<Map>,
    /// BEGIN and END programs, run by test-run.
    begin: Vec<Program>,
    end: Vec<Program>,
    /// Kept for their drop: detaching.
    _attachments: Vec<Attachment>,
    _programs: Vec<Program>,
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
        _attachments: Vec::new(),
        _programs: Vec::new(),
    };
    for code in &compiled.probes {
        let probe = &script.probes[code.probe];
        let insns = with_fds(&code.insns, &loaded.maps);
        let bytes = tine_asm::encode(&insns, ByteOrder::HOST)
            .map_err(|error| RunError::Message(format!("cannot encode a program: {error}")))?;
        let name = format!("tine_{}", probe.provider);
        let spec = ProgramSpec {
            kind: kernel_program_kind(code.kind),
            insns: &bytes,
            name: &name,
            expected_attach_type: None,
        };
        let program = Program::load(&spec).map_err(|error| rejection(error, code, settings))?;
        let attachment = registry
            .probe(&probe.provider, &probe.spec)
            .map_err(RunError::Message)?
            .attach(&program)?;
        match attachment {
            Attachment::Run { at_start: true } => loaded.begin.push(program),
            Attachment::Run { at_start: false } => loaded.end.push(program),
            events => {
                loaded._attachments.push(events);
                loaded._programs.push(program);
            }
        }
    }
    Ok(loaded)
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
    let mut message = format!("the kernel's verifier rejected the program for this ({error})");
    for line in error.verifier_tail(lines) {
        message.push_str("\n    ");
        message.push_str(line);
    }
    RunError::Script(Diag::new(span, message))
}

/// Runs the compiled script until it exits, the `-c` child ends, or a signal; returns the exit
/// code.
pub fn run(
    script: &Script,
    compiled: &Compiled,
    registry: &Registry,
    mut child: Option<Child>,
    settings: &Settings,
) -> Result<i32, RunError> {
    let loaded = load(compiled, script, registry, settings)?;
    let mut ring = Ring::open(&loaded.maps[compiled.output_map], settings.perf_pages)?;
    let signals = Signals::catch(&[libc::SIGINT, libc::SIGTERM])
        .map_err(|error| RunError::Message(format!("cannot catch signals: {error}")))?;
    let mut printer = Printer {
        compiled,
        maps: &loaded.maps,
        out: String::new(),
        stop: None,
        lost: 0,
    };
    for program in &loaded.begin {
        program.test_run(&[], &[0u8; 8])?;
    }
    printer.drain(&mut ring)?;
    if let Some(child) = child.as_mut() {
        child
            .release()
            .map_err(|error| RunError::Message(format!("cannot start the command: {error}")))?;
    }
    while printer.stop.is_none() {
        let mut fds: Vec<BorrowedFd> = ring.fds();
        fds.push(signals.as_fd());
        wait_readable(&fds, Some(Duration::from_millis(100)))?;
        drop(fds);
        if signals
            .next()
            .map_err(|error| RunError::Message(format!("cannot read signals: {error}")))?
            .is_some()
        {
            printer.stop = Some(Stop::Signal);
        }
        printer.drain(&mut ring)?;
        if printer.lost > 0 && !settings.keep_going && printer.stop.is_none() {
            printer.stop = Some(Stop::Lost(printer.lost));
        }
        if let Some(child) = child.as_mut() {
            let exited = child.try_wait().map_err(|error| {
                RunError::Message(format!("cannot wait for the command: {error}"))
            })?;
            if exited.is_some() && printer.stop.is_none() {
                printer.stop = Some(Stop::ChildExited);
            }
        }
    }
    for program in &loaded.end {
        program.test_run(&[], &[0u8; 8])?;
    }
    let stop = printer.stop.take();
    printer.drain(&mut ring)?;
    for (index, map) in script.maps.iter().enumerate() {
        printer.print_map(index, &map.name)?;
    }
    printer.flush();
    report_errors(compiled, &loaded.maps[compiled.error_map], script)?;
    Ok(match stop {
        Some(Stop::Exit(code)) => code,
        Some(Stop::Lost(count)) => {
            eprintln!("error: lost {count} records: the output ring was full (run with -k to go on regardless)");
            1
        }
        Some(Stop::Signal) | Some(Stop::ChildExited) | None => 0,
    })
}

/// Warns about every failed map update and dropped record the programs counted.
fn report_errors(compiled: &Compiled, errors: &Map, script: &Script) -> Result<(), KernelError> {
    for (index, site) in compiled.error_sites.iter().enumerate() {
        let Some(values) = errors.lookup_per_cpu(&(index as u32).to_ne_bytes())? else {
            continue;
        };
        let count: u64 = values
            .iter()
            .map(|value| u64::from_ne_bytes(value[..8].try_into().unwrap_or([0; 8])))
            .sum();
        if count == 0 {
            continue;
        }
        match site.kind {
            crate::compile::ErrorKind::MapFull { map } => eprintln!(
                "warning: {count} updates of {} were dropped: the map is full (raise TINE_MAP_ENTRIES)",
                script.maps.get(map).map_or("a map", |map| map.name.as_str())
            ),
            crate::compile::ErrorKind::OutputFull => eprintln!(
                "warning: {count} records were dropped: the output ring was full (raise TINE_RING_PAGES)"
            ),
        }
    }
    Ok(())
}

struct Printer<'a> {
    compiled: &'a Compiled,
    maps: &'a [Map],
    out: String,
    stop: Option<Stop>,
    lost: u64,
}

impl Printer<'_> {
    fn flush(&mut self) {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(self.out.as_bytes()).ok();
        stdout.flush().ok();
        self.out.clear();
    }

    fn drain(&mut self, ring: &mut Ring) -> Result<(), RunError> {
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
        }
        self.flush();
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
        let value = |(layout, offset): &(crate::output::Layout, usize)| {
            let end = (offset + layout.size()).min(bytes.len());
            (layout.clone(), bytes[(*offset).min(end)..end].to_vec())
        };
        match &record.kind {
            RecordKind::Printf { format, arguments } => {
                let values: Vec<_> = arguments.iter().map(value).collect();
                let borrowed: Vec<_> = values
                    .iter()
                    .map(|(layout, data)| (layout, data.as_slice()))
                    .collect();
                format.write(&mut self.out, &borrowed);
            }
            RecordKind::Print { arguments } => {
                for (index, argument) in arguments.iter().enumerate() {
                    if index > 0 {
                        self.out.push_str(", ");
                    }
                    let (layout, data) = value(argument);
                    write_value(&mut self.out, &layout, &data);
                }
                self.out.push('\n');
            }
            RecordKind::PrintMap { map } => {
                let name = self.compiled.maps[*map].name.clone();
                self.print_map(*map, &name)?;
            }
            RecordKind::Clear { map } => self.clear(*map)?,
            RecordKind::Exit => {
                let code = bytes
                    .get(8..16)
                    .map(|code| i64::from_ne_bytes(code.try_into().unwrap_or([0; 8])))
                    .unwrap_or(0);
                if self.stop.is_none() {
                    self.stop = Some(Stop::Exit(code as i32));
                }
            }
        }
        Ok(())
    }

    fn print_map(&mut self, index: usize, name: &str) -> Result<(), KernelError> {
        let spec = &self.compiled.maps[index];
        let Some((key, shown)) = &spec.printed else {
            return Ok(());
        };
        let entries = folded_entries(&self.maps[index], spec)?;
        write_map(&mut self.out, name, key.as_ref(), shown, entries);
        Ok(())
    }

    fn clear(&mut self, index: usize) -> Result<(), KernelError> {
        let map = &self.maps[index];
        let spec = &self.compiled.maps[index];
        if matches!(spec.storage, Storage::PerCpuArray | Storage::Array) {
            // Array entries cannot be deleted: zero them.
            let cpus = if spec.storage == Storage::PerCpuArray {
                possible_cpus()?.len()
            } else {
                1
            };
            let zeros = vec![0u8; (spec.value_size as usize).next_multiple_of(8) * cpus];
            map.update(&0u32.to_ne_bytes(), &zeros, Update::Any)?;
            return Ok(());
        }
        while let Some(key) = map.next_key(None)? {
            map.delete(&key)?;
        }
        Ok(())
    }
}
