//! runtime::print: records from the output ring decoded and printed, and maps read, folded and
//! printed.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Read};

use crate::compile::{Compiled, Fold, RecordKind, Storage};
use crate::kernel::bpf::{self, BpfMap, Update};
use crate::kernel::child::Child;
use crate::kernel::ring::{Ring, RingItem};
use crate::output::{
    write_json_type, write_map, write_styled, write_text, write_unsigned, MapShape, PrintOptions,
    Style,
};

use super::fold::{fold, summed, Entries, Folding};
use super::load::end_records;
use super::symbols::KernelNames;
use super::symbols::UserSymbols;
use super::{RunError, Settings, Stop};
use crate::sema::Program;
use crate::wire::{self, Layout};

/// A value's layout and bytes, borrowed from the record.
fn record_value<'a>(
    bytes: &'a [u8],
    (layout, offset): &'a (Layout, usize),
) -> (&'a Layout, &'a [u8]) {
    (layout, wire::record_value(bytes, *offset, layout.size()))
}

/// Laid out in this order (`repr(C)`): the fields every record uses first, at short offsets;
/// the symbol caches last.
#[repr(C)]
pub(super) struct Printer<'a> {
    out: String,
    pub(super) compiled: &'a Compiled,
    maps: &'a [BpfMap],
    pub(super) lost: u64,
    /// Records the probes could not write, as last reported.
    dropped: u64,
    pub(super) stop: Option<Stop>,
    style: Style,
    /// An `exit()` was read: records after it are not printed, END's excepted.
    exited: bool,
    /// Standard output is a pipe nobody reads: nothing more is written.
    pub(super) broken: bool,
    unbuffered: bool,
    quiet: bool,
    /// Whether the kernel reads (and deletes) maps in batches.
    batch: bool,
    /// By record id: whether an END probe sends it.
    end_records: Vec<bool>,
    /// By index, the script's maps as printing keeps them.
    kept: Vec<Kept>,
    names: KernelNames<'a>,
}

/// What the printer keeps of one of the script's maps.
struct Kept {
    /// Whether the map is a `count()`.
    count: bool,
    /// Whether `zero()` reset the map since it was last cleared: bpftrace then prints its
    /// keyless value as 0.
    zeroed: bool,
    /// What a keyless summed aggregation held when it was last cleared, word by word (empty:
    /// never cleared).
    baseline: Vec<u64>,
}

impl<'a> Printer<'a> {
    /// A printer for `compiled`'s records and maps, `maps` as loaded; `batch` if the kernel
    /// reads maps in batches.
    #[inline(never)]
    pub(super) fn new(
        compiled: &'a Compiled,
        script: &Program,
        maps: &'a [BpfMap],
        settings: &Settings,
        batch: bool,
    ) -> Printer<'a> {
        let mut printer = Printer {
            compiled,
            maps,
            names: KernelNames {
                symbols: std::cell::OnceCell::new(),
                user: UserSymbols::default(),
                stacks: &compiled.stack_maps,
                bpftrace: settings.style != Style::Ply,
                maps,
                wall_clock_offset: std::cell::OnceCell::new(),
                realtime_offset: crate::kernel::clock::realtime_offset(),
            },
            out: String::new(),
            stop: None,
            exited: false,
            end_records: end_records(compiled),
            broken: false,
            lost: 0,
            dropped: 0,
            unbuffered: settings.unbuffered,
            quiet: settings.quiet,
            style: settings.style,
            batch,
            kept: Vec::with_capacity(script.maps.len()),
        };
        for map in &script.maps {
            printer.kept.push(Kept {
                count: map.kind == crate::sema::program::MapKind::Count,
                zeroed: false,
                baseline: Vec::new(),
            });
        }
        printer
    }

    /// Writes out what was decoded. A closed pipe ends tracing (once); other write errors
    /// (a full disk) lose that output, as a shell's would.
    pub(super) fn flush(&mut self) {
        if !self.broken {
            let written = crate::kernel::write_stdout(self.out.as_bytes());
            // By errno, as a closed pipe fails a write: `kind()` would bring std's whole
            // errno-to-kind table into the binary.
            if written.is_err_and(|error| error.raw_os_error() == Some(libc::EPIPE)) {
                self.broken_pipe();
            }
        }
        self.out.clear();
    }

    pub(super) fn broken_pipe(&mut self) {
        self.broken = true;
        self.stop.get_or_insert(Stop::BrokenPipe);
    }

    pub(super) fn drain(&mut self, ring: &mut Ring) -> Result<(), RunError> {
        self.decode(ring, self.unbuffered)?;
        self.flush();
        Ok(())
    }

    /// Decodes what the ring holds into `out`, writing it out after each record when
    /// `flush_each`. Each record is decoded where it lies in the ring: copied out first, a full
    /// ring's records were a megabyte of small allocations on every drain.
    pub(super) fn decode(&mut self, ring: &mut Ring, flush_each: bool) -> Result<(), RunError> {
        let mut decoded = Ok(());
        ring.drain(|record| match record {
            RingItem::Sample(bytes) => {
                if decoded.is_ok() {
                    decoded = self.record(bytes);
                    // Written out at a bound too: a full ring's text is not held at once.
                    if flush_each || self.out.len() >= 1 << 16 {
                        self.flush();
                    }
                }
            }
            RingItem::Lost(count) => {
                if self.style == Style::Ply {
                    crate::tell(format_args!("warning: lost {count} records\n"));
                }
                self.lost += count;
                self.lost_events(count);
            }
        });
        decoded
    }

    #[inline(never)]
    fn record(&mut self, bytes: &[u8]) -> Result<(), RunError> {
        let id = wire::record_id(bytes, wire::HOST).unwrap_or(u64::MAX);
        let Some(record) = self.compiled.records.get(id as usize) else {
            return Err(RunError::UnknownRecord(id));
        };
        if self.exited && !self.end_records.get(id as usize).copied().unwrap_or(false) {
            return Ok(());
        }
        let value = |argument| record_value(bytes, argument);
        match &record.kind {
            RecordKind::Printf { format, arguments }
            | RecordKind::Cat { format, arguments }
            | RecordKind::System { format, arguments } => {
                let mut values = Vec::new();
                for argument in arguments {
                    values.push(value(argument));
                }
                let mut text = String::new();
                format.write(&mut text, &values, &self.names);
                match record.kind {
                    RecordKind::Printf { .. } => self.message("printf", &text),
                    RecordKind::Cat { .. } => self.shown("cat", "cat", &text, cat(&text)),
                    _ => self.shown("syscall", "run", &text, run(&text)),
                }
            }
            RecordKind::Print { arguments } => {
                let style = self.style;
                let json = style == Style::Json;
                // ply's print(a, b) prints "a, b"; in JSON the values are one array, as a tuple.
                let array = json && arguments.len() > 1;
                if json {
                    write_json_type(&mut self.out, "value");
                }
                if array {
                    self.out.push('[');
                }
                for (index, argument) in arguments.iter().enumerate() {
                    if index > 0 {
                        self.out.push_str(if json { "," } else { ", " });
                    }
                    let (layout, data) = value(argument);
                    write_styled(&mut self.out, layout, data, &self.names, style);
                }
                if array {
                    self.out.push(']');
                }
                self.out.push_str(if json { "}\n" } else { "\n" });
            }
            RecordKind::PrintMap { map, options } => {
                let compiled = self.compiled;
                self.print_map(*map, &compiled.maps[*map].name, *options)?;
            }
            RecordKind::Clear { map, zero: false } => {
                self.take(*map)?;
            }
            RecordKind::Clear { map, zero: true } => self.zero(*map)?,
            RecordKind::PrintAndClear { map, options } => {
                let compiled = self.compiled;
                let entries = self.take(*map)?;
                self.write_entries(*map, &compiled.maps[*map].name, entries, *options);
            }
            RecordKind::Join { separator } => {
                for (index, text) in wire::joined(bytes).into_iter().enumerate() {
                    if index > 0 {
                        self.out.push_str(separator);
                    }
                    self.out.push_str(&String::from_utf8_lossy(text));
                }
                self.out.push('\n');
            }
            RecordKind::Time { format } => {
                let now = crate::kernel::clock::realtime();
                self.message("time", &super::symbols::local_time(format, now));
            }
            RecordKind::Exit => {
                let code = wire::exit_code(bytes, wire::HOST);
                self.stop.get_or_insert(Stop::Exit(code as i32));
                self.exited = true;
            }
        }
        Ok(())
    }

    /// What bpftrace's `cat` read or `system` ran wrote (`kind` in JSON), or a warning that
    /// says it could not `verb` `what`.
    fn shown(&mut self, kind: &str, verb: &str, what: &str, text: io::Result<String>) {
        match text {
            Ok(text) => self.message(kind, &text),
            Err(error) => {
                let error = crate::kernel::KernelError::io(format!("{verb} {what}"), &error);
                crate::tell(format_args!("warning: {error}\n"));
            }
        }
    }

    /// Text a `printf` or `time` made: as it is, or as a JSON line of bpftrace's `kind`.
    fn message(&mut self, kind: &str, text: &str) {
        if self.style != Style::Json {
            self.out.push_str(text);
            return;
        }
        write_json_type(&mut self.out, kind);
        write_text(&mut self.out, text, Style::Json);
        self.out.push_str("}\n");
    }

    /// bpftrace reports lost events where its output goes; ply's layout warns on stderr.
    fn lost_events(&mut self, count: u64) {
        match self.style {
            _ if count == 0 => {}
            Style::Ply => {}
            Style::Bpftrace => {
                writeln!(self.out, "Lost {count} events").ok();
            }
            Style::Json => self.json_count("lost_events", "events", count),
        }
    }

    /// bpftrace's JSON line of a count: `{"type": "lost_events", "data": {"events": 3}}`.
    fn json_count(&mut self, kind: &str, name: &str, count: u64) {
        write_json_type(&mut self.out, kind);
        self.out.push_str("{\"");
        self.out.push_str(name);
        self.out.push_str("\": ");
        write_unsigned(&mut self.out, count);
        self.out.push_str("}}\n");
    }

    /// `total` records the probes could not write (the ring buffer's losses, which only the
    /// probes see): the ones not reported yet are reported as lost events.
    pub(super) fn dropped(&mut self, total: u64) {
        if total > self.dropped {
            self.lost_events(total - self.dropped);
            self.dropped = total;
            self.flush();
        }
    }

    /// What bpftrace prints once its probes are attached.
    pub(super) fn attached(&mut self, probes: usize) {
        match self.style {
            _ if self.quiet => {}
            Style::Ply => {}
            Style::Bpftrace => {
                let plural = if probes == 1 { "" } else { "s" };
                writeln!(self.out, "Attaching {probes} probe{plural}...").ok();
            }
            Style::Json => self.json_count("attached_probes", "probes", probes as u64),
        }
    }

    /// Every map: ply's in the script's order; bpftrace's in the order of their names, at the
    /// `end` after two newlines (in JSON too), not on SIGUSR1.
    pub(super) fn print_all(&mut self, script: &Program, end: bool) -> Result<(), RunError> {
        let maps = &script.maps;
        let mut order: Vec<usize> = (0..maps.len()).collect();
        if self.style != Style::Ply {
            if end {
                self.out.push_str("\n\n");
            }
            // By insertion: a script has a handful of maps, and a library sort of its own
            // instantiation costs kilobytes of binary.
            for end in 1..order.len() {
                let mut at = end;
                while at > 0 && maps[order[at - 1]].name > maps[order[at]].name {
                    order.swap(at - 1, at);
                    at -= 1;
                }
            }
        }
        for index in order {
            self.print_map(index, &maps[index].name, PrintOptions::WHOLE)?;
        }
        Ok(())
    }

    pub(super) fn print_map(
        &mut self,
        index: usize,
        name: &str,
        options: PrintOptions,
    ) -> Result<(), RunError> {
        let map = &self.maps[index];
        let entries = if self.batch {
            map.entries()?
        } else {
            map.entries_one_by_one()?
        };
        let entries = fold(&entries, &self.folding(index));
        self.write_entries(index, name, entries, options);
        Ok(())
    }

    fn folding(&self, index: usize) -> Folding<'_> {
        Folding {
            spec: &self.compiled.maps[index],
            baseline: self.kept.get(index).map(|kept| kept.baseline.as_slice()),
            zero_shown: self
                .kept
                .get(index)
                .is_some_and(|kept| kept.count || kept.zeroed),
            order: wire::HOST,
        }
    }

    fn write_entries(&mut self, index: usize, name: &str, entries: Entries, options: PrintOptions) {
        if let Some((key, shown)) = &self.compiled.maps[index].printed {
            let shape = MapShape {
                name,
                key: key.as_ref(),
                shown,
                style: self.style,
            };
            write_map(&mut self.out, &shape, entries, options, &self.names);
        }
    }

    /// `clear(@m)`, and what the map held when it was emptied. One pass that ends however
    /// busy the map is: the batch that reads and deletes (5.6+), else a snapshot of the keys,
    /// each read and then deleted. A keyless summed aggregation (a per-CPU array, whose entry
    /// cannot be deleted) is not written at all: what it holds becomes the baseline later
    /// reads are taken from, so no count is lost between a read and a reset.
    fn take(&mut self, index: usize) -> Result<Entries, RunError> {
        let (entries, baseline) = self.take_entries(index)?;
        let entries = fold(&entries, &self.folding(index));
        if let Some(kept) = self.kept.get_mut(index) {
            kept.zeroed = false;
            if let Some(baseline) = baseline {
                kept.baseline = baseline;
            }
        }
        Ok(entries)
    }

    /// `zero(@m)`: every key stays, its value 0 (a minimum or maximum: a 0 seen). A keyless
    /// summed aggregation starts again from a baseline, as `clear` starts it, and prints 0.
    fn zero(&mut self, index: usize) -> Result<(), RunError> {
        let spec = &self.compiled.maps[index];
        if spec.storage == Storage::PerCpuArray && spec.fold == Fold::Sum {
            self.take(index)?;
            self.kept[index].zeroed = true;
            return Ok(());
        }
        let mut zero = vec![0u8; spec.value_size as usize];
        if matches!(spec.fold, Fold::Min { .. } | Fold::Max { .. }) {
            zero[wire::EXTREME_SEEN..][..8].copy_from_slice(&wire::encode_words(&[1], wire::HOST));
        }
        let map = &self.maps[index];
        let entries = map.entries_one_by_one()?;
        for index in 0..entries.len() {
            map.update(entries.key(index), &zero, Update::Any)?;
        }
        Ok(())
    }

    /// The entries `take` empties the map of, unfolded, and the new baseline of a keyless
    /// summed aggregation.
    #[inline(never)]
    fn take_entries(&self, index: usize) -> Result<(bpf::Entries, Option<Vec<u64>>), RunError> {
        let map = &self.maps[index];
        let spec = &self.compiled.maps[index];
        if matches!(spec.storage, Storage::PerCpuArray | Storage::Array) {
            let key = 0u32.to_ne_bytes();
            let entry = map.lookup_entry(&key)?;
            if spec.fold == Fold::Sum {
                let total = summed(&entry, 0, None, wire::HOST);
                return Ok((entry, Some(total)));
            }
            // Minima and maxima start again from nothing: one value serves every CPU.
            map.update(&key, &vec![0u8; spec.value_size as usize], Update::Any)?;
            return Ok((entry, None));
        }
        if self.batch {
            if let Some(entries) = map.take_batched()? {
                return Ok((entries, None));
            }
        }
        Ok((map.take_one_by_one()?, None))
    }
}

/// The first 10 KiB of the file at `path` (bpftrace's `cat` limit), as text.
fn cat(path: &str) -> io::Result<String> {
    read_head(crate::kernel::open(path, libc::O_RDONLY)?, CAT_LIMIT)
}

/// What `sh -c command` writes to its standard output, as text; tine waits for it to end, as
/// bpftrace does.
fn run(command: &str) -> io::Result<String> {
    let (child, output) = Child::piped(command)?;
    let text = read_head(output, usize::MAX);
    child.finish()?;
    text
}

/// Up to `limit` bytes of `file`, as text (U+FFFD for what is not UTF-8).
fn read_head(mut file: File, limit: usize) -> io::Result<String> {
    // Plain reads: `take(..).read_to_end` costs the binary more.
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    while bytes.len() < limit {
        match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => bytes.extend_from_slice(&buffer[..read]),
            Err(error) if error.raw_os_error() == Some(libc::EINTR) => {}
            Err(error) => return Err(error),
        }
    }
    bytes.truncate(limit);
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

const CAT_LIMIT: usize = 10 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    /// `cat` shows a file whole up to bpftrace's 10 KiB and cuts a longer one there; bytes
    /// that are not UTF-8 show as U+FFFD; a file that cannot be opened is the error.
    #[test]
    fn cat_reads_a_file_up_to_ten_kib() {
        let dir = std::env::temp_dir().join(format!("tine-read-head-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let long: String = (0..15_000)
            .map(|index| (b'a' + (index % 26) as u8) as char)
            .collect();
        std::fs::write(dir.join("long"), &long).unwrap();
        std::fs::write(dir.join("short"), b"ab\xffc\n").unwrap();
        let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
        assert_eq!(cat(&path("long")).unwrap(), long[..CAT_LIMIT]);
        assert_eq!(cat(&path("short")).unwrap(), "ab\u{fffd}c\n");
        let missing = cat(&path("missing")).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
