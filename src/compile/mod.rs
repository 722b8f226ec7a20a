//! compile: the typed program -> one BPF program per probe (tine-asm instructions), the maps
//! they share and the table of records user space decodes. Knows no kernel: a map is referred
//! to by its index in `Compiled::maps` (`Imm64::MapIdx(index)`), relocated to its fd at load.

mod emit;
mod frame;
mod layout;
mod maps;
mod records;

use tine_asm::{Helper, Insn, Size};

use crate::lang::diag::{Diag, Span};
use crate::sema::program::Program;
use crate::sema::ProbeId;

pub use layout::layout_of;
pub use maps::{Fold, MapPlan, Storage};
pub use records::{ErrorKind, ErrorSite, Record, RecordKind};

/// The kind of BPF program a probe's provider attaches, which fixes what its context is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProgramKind {
    /// Context: the tracepoint's raw record.
    Tracepoint,
    /// Context: `struct pt_regs` (kprobes and uprobes).
    Kprobe,
    /// Context: `struct bpf_perf_event_data` (profile, interval).
    PerfEvent,
    /// Context: the raw tracepoint's argument array (BEGIN and END, run by test-run).
    RawTracepoint,
    /// Context: the traced function's arguments, one u64 each, then its return value (fentry,
    /// fexit).
    Tracing,
}

/// When a probe's program runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifecycle {
    /// On the kernel's events, while tracing (and so only once the state map says so).
    Tracing,
    /// Once, run by tine before tracing starts (BEGIN).
    Start,
    /// Once, run by tine after tracing stops (END).
    End,
}

/// How a provider variable reads from the program's context (register r1 at entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The variable is a pointer to the context itself, whose memory the program may load
    /// directly: a tracepoint's `data`, a kprobe's `regs`.
    Context,
    /// A scalar of `size` at `offset` in the context: `arg0` from pt_regs, a perf sample field.
    ContextLoad { offset: i16, size: Size },
    /// What a helper returns when given the context: `func` is `bpf_get_func_ip(ctx)`.
    Helper(Helper),
    /// A number known when compiling: a USDT argument the compiler passed as a constant.
    Constant(i64),
    /// The scalar at `displacement` past the address in the word at `offset` in the context, in
    /// user memory: a USDT argument on the stack, `8@-16(%rbp)`.
    UserLoad { offset: i16, displacement: i32 },
}

/// What the compiler asks of a probe's provider; the provider layer implements it next to the
/// variable types it gives sema, so the compiler has no provider-specific branches.
pub trait ProbeLowering {
    fn program_kind(&self) -> ProgramKind;
    /// How variable `name` (one sema accepted from this provider) is read.
    fn access(&self, name: &str) -> Option<Access>;
    /// Whether the probe runs in some process's context, where `-p` applies.
    fn in_process_context(&self) -> bool {
        true
    }
    fn lifecycle(&self) -> Lifecycle {
        Lifecycle::Tracing
    }
}

/// How output records reach user space; chosen from the kernel's features.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// A BPF ring buffer (5.8+), one for all CPUs.
    RingBuffer,
    /// A perf event array with one ring per CPU.
    PerfBuffer,
}

/// Which helpers read memory: the split user/kernel ones (5.5+) or the legacy pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeRead {
    Split,
    Legacy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub channel: Channel,
    pub probe_read: ProbeRead,
    /// Capacity of every hash map.
    pub map_entries: u32,
    /// Bytes of the ring buffer (a power of two, a multiple of the page size).
    pub ring_bytes: u32,
    /// The pid of the `-c` child, for `$target`.
    pub target_pid: Option<u32>,
    /// `-p`: probes in a process's context keep only this process's events.
    pub only_pid: Option<u32>,
    /// `hist()` counts the value 1 apart from 0, in a 65th bucket, so bpftrace's layout can
    /// show its `[0]` and `[1]` rows; ply's `[0, 1]` bucket needs one word less.
    pub ones_apart: bool,
}

/// One probe's program.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbeCode {
    /// Index of the probe in `Program::probes`.
    pub probe: usize,
    pub kind: ProgramKind,
    pub lifecycle: Lifecycle,
    pub insns: Vec<Insn>,
    /// The script text each run of instructions came from: (first instruction, span), in
    /// order, for `-S` and for pointing verifier errors at a line.
    pub spans: Vec<(usize, Span)>,
}

impl ProbeCode {
    /// The program as `-S` prints it: the verifier's listing, each run of instructions under
    /// the script line it came from (`; line`).
    pub fn listing(&self, source: &str) -> String {
        let mut text = String::new();
        let mut spans = self.spans.iter().peekable();
        let mut last_line = None;
        let mut slot = 0;
        for (index, insn) in self.insns.iter().enumerate() {
            while let Some((_, span)) = spans.next_if(|(start, _)| *start <= index) {
                let start =
                    crate::words::rfind_byte(&source[..span.start.min(source.len())], b'\n')
                        .map_or(0, |at| at + 1);
                if last_line != Some(start) {
                    let end = crate::words::find_byte(&source[start..], b'\n')
                        .map_or(source.len(), |at| start + at);
                    text.push_str("; ");
                    text.push_str(crate::words::trim(&source[start..end]));
                    text.push('\n');
                    last_line = Some(start);
                }
            }
            tine_asm::listing_line(&mut text, slot, insn);
            slot += insn.slots();
        }
        text
    }

    /// The span of the statement instruction `index` (in instructions) was emitted for.
    pub fn span_of(&self, index: usize) -> Option<Span> {
        let at = self.spans.partition_point(|(start, _)| *start <= index);
        at.checked_sub(1).map(|at| self.spans[at].1)
    }
}

/// Everything the kernel layer loads and the runtime decodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Compiled {
    /// The script's maps (same indices as `Program::maps`), then tine's own.
    pub maps: Vec<MapPlan>,
    pub probes: Vec<ProbeCode>,
    /// Output records by id.
    pub records: Vec<Record>,
    /// Counters of the per-CPU error map, by index.
    pub error_sites: Vec<ErrorSite>,
    /// Index of the output map (ring buffer or perf event array).
    pub output_map: usize,
    /// Index of the per-CPU error counters.
    pub error_map: usize,
    /// Index of the one-word state map (`wire::TRACING` and the others).
    pub state_map: usize,
    /// The stack-trace maps probes take stacks into: (depth, index).
    pub stack_maps: Vec<(u16, usize)>,
}

/// Compiles every probe. `lowering` gives the provider lowering of each probe, as sema resolved
/// it. A probe that fails does not stop the others: every probe's first error is returned.
pub fn compile(
    program: &Program,
    lowering: &dyn Fn(ProbeId) -> Box<dyn ProbeLowering>,
    options: &Options,
) -> Result<Compiled, Vec<Diag>> {
    let mut shared = maps::Shared::new(program, options);
    let mut probes = Vec::with_capacity(program.probes.len());
    let mut errors = Vec::new();
    for (index, probe) in program.probes.iter().enumerate() {
        match emit::probe(
            program,
            probe,
            index,
            &*lowering(probe.resolved),
            &mut shared,
        ) {
            Ok(code) => probes.push(code),
            Err(error) => errors.push(*error),
        }
    }
    if errors.is_empty() {
        Ok(shared.finish(probes))
    } else {
        Err(errors)
    }
}
