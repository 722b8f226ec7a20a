//! runtime: a compiled script in the kernel — maps made, programs loaded and attached, the
//! event loop over the output ring and signals, then END, the map dump and teardown (every
//! kernel object is an owned value: returning from `run`, by any path, releases them all).
//!
//! This file holds `run` and its event loop; `load` makes the kernel objects, `print` decodes
//! and prints records and maps, `fold` folds per-CPU values, `symbols` names addresses and
//! `report` tells what the kernel counted but could not show.
//!
//! Some steps of `run` (`start`, `load`, `Printer::new`) are `#[inline(never)]`: inlined into
//! one frame they made the binary bigger (that frame's moves and drop paths for all of them).

mod error;
mod fold;
mod load;
mod print;
mod report;
mod symbols;

use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;

use crate::compile::Compiled;
use crate::kernel::bpf::BpfMap;
use crate::kernel::child::Child;
use crate::kernel::features::Feature;
use crate::kernel::process::Watched;
use crate::kernel::ring::{wait, Ring};
use crate::kernel::signal::{die_of_broken_pipe, Signals};
use crate::provider::Registry;
use crate::sema::Program;
use crate::wire::{STOPPED, TRACING};

use load::{load, set_start, set_state, writes_output, Loaded};
use print::Printer;
use report::{dropped_records, lost_error, report_errors, report_misses};

pub use error::RunError;
pub use load::verify;

pub struct Settings {
    /// `-k`: warn about lost records and go on.
    pub keep_going: bool,
    /// `-d`: verifier logs in full.
    pub debug: bool,
    /// Pages of perf buffer per CPU when there is no ring buffer.
    pub perf_pages: usize,
    /// `-u`: write each record's output as soon as it is decoded.
    pub unbuffered: bool,
    /// `-f`: whose layout the output takes.
    pub style: crate::output::Style,
    /// bpftrace's `-q`: no "Attaching N probes..." line.
    pub quiet: bool,
    /// bpftrace's `-o FILE`: where the output goes instead of standard output (errors and
    /// warnings stay on standard error, and a `-c` command keeps tine's standard output):
    /// `trace` makes it standard output once the command is forked.
    pub output: Option<String>,
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

/// Runs the compiled script until it exits, the `-c` child ends, or a signal; returns the exit
/// code.
///
/// The order matters: every probe is attached (disabled, and returning at once while the
/// state word says so) before BEGIN runs; then the events are enabled and the state word
/// opened, and BEGIN's output printed. So nothing tine does while setting up is traced, BEGIN
/// prints first, and an interval's first tick is a full period after the start. On the way out the state word is
/// closed first: the maps hold still for END and the dump.
pub fn run(
    script: &Program,
    compiled: &Compiled,
    registry: &Registry,
    mut child: Option<Child>,
    watched: Option<Watched>,
    settings: &Settings,
) -> Result<i32, RunError> {
    // Caught before anything is made and released after everything is: a Ctrl-C while
    // attaching or tearing down must not kill tine with probe events left in tracefs.
    // SIGCHLD only wakes the loop, to look at the `-c` child at once; SIGHUP (an ssh session
    // that closed) ends tracing as SIGINT does.
    let signals = Signals::catch(&[
        libc::SIGINT,
        libc::SIGTERM,
        libc::SIGHUP,
        libc::SIGCHLD,
        libc::SIGUSR1,
    ])
    .map_err(RunError::CatchSignals)?;
    let (code, broken) = trace(
        script,
        compiled,
        registry,
        child.as_mut(),
        watched,
        &signals,
        settings,
    )?;
    if broken {
        // Every kernel object is released first: `trace` dropped them.
        drop(child);
        die_of_broken_pipe();
    }
    Ok(code)
}

/// `run` once signals are caught: the exit code, and whether standard output was a closed
/// pipe. Returning releases every kernel object.
fn trace(
    script: &Program,
    compiled: &Compiled,
    registry: &Registry,
    mut child: Option<&mut Child>,
    watched: Option<Watched>,
    signals: &Signals,
    settings: &Settings,
) -> Result<(i32, bool), RunError> {
    let loaded = load(compiled, script, registry, settings)?;
    let state = &loaded.maps[compiled.state_map];
    // Perf buffers are per CPU: one page each when nothing is written to them.
    let pages = if writes_output(compiled) {
        settings.perf_pages
    } else {
        1
    };
    let mut ring = Ring::open(&loaded.maps[compiled.output_map], pages)?;
    let batch = registry.features().has(Feature::MapBatch);
    let mut printer = Printer::new(compiled, script, &loaded.maps, settings, batch);
    printer.attached(
        loaded.begin.len() + loaded.end.len() + loaded.timed.len() + loaded.attachments.len(),
    );
    start(
        &mut printer,
        &mut ring,
        &loaded,
        state,
        child.as_deref_mut(),
    )?;
    follow(
        &mut printer,
        script,
        &mut ring,
        signals,
        child,
        watched.as_ref(),
        &loaded,
        settings,
    )?;
    let code = finish(&mut printer, &mut ring, &loaded, script, settings)?;
    Ok((code, printer.broken))
}

/// BEGIN run and its output shown, then, unless it stopped tracing, the probes enabled and
/// the `-c` command let go. BEGIN's output is shown once tracing has started, so whoever
/// waits for it (a user, a script) knows that what happens next is traced.
#[inline(never)]
fn start(
    printer: &mut Printer,
    ring: &mut Ring,
    loaded: &Loaded,
    state: &BpfMap,
    child: Option<&mut Child>,
) -> Result<(), RunError> {
    // `elapsed` counts from here.
    set_start(state, crate::kernel::clock::monotonic())?;
    for special in &loaded.begin {
        special.run()?;
    }
    printer.decode(ring, false)?;
    if printer.stop.is_none() {
        for attachment in &loaded.attachments {
            attachment.enable()?;
        }
        let now = crate::kernel::clock::monotonic();
        for timed in &loaded.timed {
            timed.due.set(now + timed.period);
        }
        set_state(state, TRACING)?;
    }
    printer.flush();
    if let (None, Some(child)) = (&printer.stop, child) {
        child.release().map_err(RunError::StartCommand)?;
    }
    Ok(())
}

/// Tracing stopped: what was recorded before the stop (after an `exit()`, only END's records
/// are printed), END run and its output, the maps, and the warnings; returns the exit code.
fn finish(
    printer: &mut Printer,
    ring: &mut Ring,
    loaded: &Loaded,
    script: &Program,
    settings: &Settings,
) -> Result<i32, RunError> {
    let compiled = printer.compiled;
    let errors = &loaded.maps[compiled.error_map];
    set_state(&loaded.maps[compiled.state_map], STOPPED)?;
    printer.drain(ring)?;
    for special in &loaded.end {
        special.run()?;
    }
    let stop = printer.stop.take();
    printer.drain(ring)?;
    printer.dropped(dropped_records(compiled, errors)?);
    printer.print_all(script, true)?;
    printer.flush();
    report_misses(&loaded.programs);
    report_errors(compiled, errors, script)?;
    // Records lost in the last moments count as much as those lost earlier.
    let lost = printer.lost + dropped_records(compiled, errors)?;
    Ok(exit_code(stop, lost, settings.keep_going))
}

/// The event loop: records printed as they come until something stops tracing (an `exit()`, a
/// signal, lost records, the `-c` command or `-p` process ending, a closed pipe).
#[allow(clippy::too_many_arguments)]
fn follow(
    printer: &mut Printer,
    script: &Program,
    ring: &mut Ring,
    signals: &Signals,
    mut child: Option<&mut Child>,
    watched: Option<&Watched>,
    loaded: &Loaded,
    settings: &Settings,
) -> Result<(), RunError> {
    let errors = &loaded.maps[printer.compiled.error_map];
    while printer.stop.is_none() {
        let mut fds: Vec<BorrowedFd> = ring.fds();
        fds.push(signals.as_fd());
        if let Some(fd) = watched.and_then(Watched::fd) {
            fds.push(fd);
        }
        // Everything that ends tracing wakes the loop, except the exit of a `-p` process on a
        // kernel without pidfds: that is looked for every 100 ms. So does the next interval.
        let mut timeout = watched
            .as_ref()
            .filter(|watched| watched.fd().is_none())
            .map(|_| Duration::from_millis(100));
        let now = crate::kernel::clock::monotonic();
        if let Some(due) = loaded.timed.iter().map(|timed| timed.due.get()).min() {
            // Rounded up: poll counts milliseconds, and waking early only goes round again.
            let wait = Duration::from_millis(((due - now).max(0) as u64).div_ceil(1_000_000));
            timeout = Some(timeout.map_or(wait, |timeout| timeout.min(wait)));
        }
        let (_, hung_up) = wait(&fds, &[crate::kernel::stdout()], timeout)?;
        drop(fds);
        if hung_up {
            printer.broken_pipe();
        }
        while let Some(signal) = signals.next().map_err(RunError::ReadSignals)? {
            match signal {
                libc::SIGCHLD => {}
                // bpftrace's SIGUSR1: every map, now, and tracing goes on.
                libc::SIGUSR1 => {
                    printer.print_all(script, false)?;
                    printer.flush();
                }
                _ => {
                    printer.stop.get_or_insert(Stop::Signal);
                }
            }
        }
        if printer.stop.is_none() {
            let now = crate::kernel::clock::monotonic();
            for timed in &loaded.timed {
                timed.run_due(now)?;
            }
        }
        printer.drain(ring)?;
        // Records the kernel dropped (perf buffers) and those a probe could not write (the
        // ring buffer tells only the probe, which counts them).
        let dropped = dropped_records(printer.compiled, errors)?;
        printer.dropped(dropped);
        let lost = printer.lost + dropped;
        if lost > 0 && !settings.keep_going {
            printer.stop.get_or_insert(Stop::Lost);
        }
        if let Some(child) = child.as_mut() {
            if child.try_wait().map_err(RunError::WaitCommand)?.is_some() {
                printer.stop.get_or_insert(Stop::ChildExited);
            }
        }
        if watched.is_some_and(Watched::exited) {
            printer.stop.get_or_insert(Stop::ProcessExited);
        }
    }
    Ok(())
}

/// The exit code of a run that stopped for `stop` with `lost` records lost.
fn exit_code(stop: Option<Stop>, lost: u64, keep_going: bool) -> i32 {
    match stop {
        Some(Stop::Exit(code)) => code,
        Some(Stop::Lost) => lost_error(lost),
        _ if lost > 0 && !keep_going => lost_error(lost),
        Some(Stop::Signal | Stop::ChildExited | Stop::ProcessExited | Stop::BrokenPipe) | None => 0,
    }
}
