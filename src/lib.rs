//! tine: a ply-style dynamic tracer. The pipeline, as a few plain calls:
//! script text -> lang -> sema -> compile -> kernel -> provider -> runtime -> output.

// Every system call is in `kernel`, so that is the one place unsafe code may be.
#![deny(unsafe_code)]

pub mod arch;
pub mod compile;
pub mod ctypes;
#[allow(unsafe_code)]
pub mod kernel;
pub mod lang;
pub mod output;
pub mod provider;
pub mod runtime;
pub mod sema;
#[cfg(test)]
mod testing;
pub mod wire;
pub mod words;

use std::error::Error;
use std::fmt;
use std::io;

use compile::{Channel, Options, ProbeRead};
use kernel::child::Child;
use kernel::error::KernelError;
use kernel::features::{Feature, Features};
use lang::Diagnostics;
use provider::offline::OfflineProviders;
use provider::Registry;
use runtime::{RunError, Settings};
use sema::{Environment, Program, Providers};

/// Front end: script text to a typed program, or every error found, rendered against the text.
/// `file_name` names the script in messages (`<script>` for one given on the command line).
pub fn check(
    source: &str,
    file_name: &str,
    providers: &dyn Providers,
    environment: &Environment,
) -> Result<Program, Diagnostics> {
    lang::parse(source, &provider::syntax())
        .and_then(|script| {
            warn_of_missing_positional(&script, environment.positional.len());
            sema::check_script(&script, providers, environment)
        })
        .map_err(|errors| Diagnostics::new(file_name, source, errors))
}

/// A positional argument the script reads but the command line lacks is 0, as in bpftrace:
/// say so, naming the first missing one.
fn warn_of_missing_positional(script: &lang::ast::Script, given: usize) {
    let first = std::cell::Cell::new(usize::MAX);
    let missing = |expr: &lang::ast::Expr| {
        if let lang::ast::ExprKind::Dollar(name) = &expr.kind {
            if let Some(index) = words::decimal::<usize>(name) {
                if index > given {
                    first.set(first.get().min(index));
                }
            }
        }
        false
    };
    for probe in &script.probes {
        probe.any(&missing);
    }
    if first.get() != usize::MAX {
        crate::tell(format_args!(
            "warning: ${} is not given ({given} argument(s) after the script): it reads as 0\n",
            first.get()
        ));
    }
}

/// What a traced run needs beyond the script.
pub struct Invocation<'a> {
    pub source: &'a str,
    pub file_name: &'a str,
    pub environment: Environment,
    /// `-c`: the command to run once probes are attached.
    pub command: Option<&'a str>,
    pub settings: Settings,
    /// Capacity of each hash map (`TINE_MAP_ENTRIES`).
    pub map_entries: u32,
    /// `-S`: print the typed program before running it.
    pub dump: bool,
    /// `-p PID`: uprobes fire in this process only.
    pub pid: Option<u32>,
    /// Tracefs, where the caller found it mounted: not looked for again.
    pub tracefs: Option<kernel::tracefs::Tracefs>,
}

impl<'a> Invocation<'a> {
    /// `source` run as it is, with small maps and rings and ply's output: what `-T` runs.
    pub fn plain(source: &'a str) -> Invocation<'a> {
        Invocation {
            source,
            file_name: "<self-test>",
            environment: Environment::default(),
            command: None,
            settings: Settings {
                keep_going: false,
                debug: false,
                perf_pages: 8,
                unbuffered: false,
                style: crate::output::Style::Ply,
                quiet: false,
                output: None,
            },
            map_entries: 16,
            dump: false,
            pid: None,
            tracefs: None,
        }
    }
}

/// Why tracing could not start or go on. The large causes are boxed, so that each `?` of
/// `trace` moves little.
pub enum Failure {
    /// Errors in the script, or a verifier rejection, each shown against the script text.
    Script(Box<Diagnostics>),
    /// The `-c` command could not be forked.
    Command {
        command: String,
        error: io::Error,
    },
    /// `-p PID` names no process, or one tine cannot watch.
    Process {
        pid: u32,
        error: io::Error,
    },
    /// The kernel's features could not be probed.
    Kernel(KernelError),
    Run(RunError),
}

impl Failure {
    /// The text `main` prints: the script's diagnostics, or one line of the error and its causes.
    pub fn report(&self) -> String {
        use fmt::Write as _;
        match self {
            Failure::Script(diagnostics) => diagnostics.to_string(),
            _ => {
                let mut text = format!("error: {self}");
                if let Some(error) = self.cause() {
                    write!(text, ": {}", kernel::error::IoText(error)).ok();
                    let mut cause = error.source();
                    while let Some(error) = cause {
                        write!(text, ": {error}").ok();
                        cause = error.source();
                    }
                }
                text.push('\n');
                text
            }
        }
    }

    /// The I/O error that caused this one, if one did: `source()` as its concrete type, so
    /// that `report` needs no `dyn Error` of it (whose Debug would cost the binary a
    /// kilobyte).
    fn cause(&self) -> Option<&io::Error> {
        match self {
            Failure::Command { error, .. } => Some(error),
            Failure::Process { .. } if self.no_such_process() => None,
            Failure::Process { error, .. } => Some(error),
            Failure::Script(_) | Failure::Kernel(_) => None,
            Failure::Run(error) => error.cause(),
        }
    }

    fn no_such_process(&self) -> bool {
        matches!(self, Failure::Process { error, .. } if error.raw_os_error() == Some(libc::ESRCH))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Script(diagnostics) => diagnostics.fmt(f),
            Failure::Command { command, .. } => write!(f, "cannot start `{command}`"),
            // Said plainly: there is nothing more to know.
            Failure::Process { pid, .. } if self.no_such_process() => {
                write!(f, "-p {pid}: no such process")
            }
            Failure::Process { pid, .. } => write!(f, "-p {pid}"),
            Failure::Kernel(error) => error.fmt(f),
            Failure::Run(error) => error.fmt(f),
        }
    }
}

/// As Display: a derived Debug would put every variant's field names in the binary.
impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Error for Failure {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.cause().map(|error| error as &(dyn Error + 'static))
    }
}

/// The whole pipeline: check, compile, load, attach, trace; returns the exit code.
pub fn trace(mut invocation: Invocation) -> Result<i32, Failure> {
    let source = invocation.source;
    let diagnostics = |errors: Vec<lang::Diag>| {
        Failure::Script(Box::new(Diagnostics::new(
            invocation.file_name,
            source,
            errors,
        )))
    };
    // The child is forked first so `$target` has its pid; until released it waits, and it
    // exits unrun when dropped on any error below.
    let child = match invocation.command {
        Some(command) => Some(
            Child::spawn(command, None).map_err(|error| Failure::Command {
                command: command.to_string(),
                error,
            })?,
        ),
        None => None,
    };
    // `-o`: the output goes to the file from here on; the command, forked above, keeps ours.
    if let Some(path) = &invocation.settings.output {
        kernel::child::redirect_stdout(path).map_err(Failure::Kernel)?;
    }
    let watched = match invocation.pid {
        Some(pid) => Some(
            kernel::process::Watched::open(pid).map_err(|error| Failure::Process { pid, error })?,
        ),
        None => None,
    };
    // Before the registry: providers choose their attach path from the features.
    let features = std::rc::Rc::new(Features::probe().map_err(Failure::Kernel)?);
    let tracefs = invocation.tracefs.take();
    let mut registry = Registry::new(features.clone(), invocation.pid, tracefs);
    registry.command_pid = child.as_ref().map(|child| child.pid() as u32);
    let program = check(
        source,
        invocation.file_name,
        &registry,
        &invocation.environment,
    )
    .map_err(|diagnostics| Failure::Script(Box::new(diagnostics)))?;
    if invocation.dump {
        say(format_args!("{program}"));
    }
    // Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK; later ones ignore it.
    kernel::bpf::raise_memlock().ok();
    let options = compile_options(
        &features,
        &invocation,
        child.as_ref().map(|child| child.pid() as u32),
    );
    let lowering = |probe| registry.lowering(probe);
    let compiled = compile::compile(&program, &lowering, &options).map_err(diagnostics)?;
    if invocation.dump {
        print_listings(&program, &compiled, source);
    }
    runtime::run(
        &program,
        &compiled,
        &registry,
        child,
        watched,
        &invocation.settings,
    )
    .map_err(|error| match error {
        RunError::Script(diag) => diagnostics(vec![*diag]),
        error => Failure::Run(error),
    })
}

/// What the compiler needs to know of the kernel and the invocation, every kernel fact asked
/// before compiling so the script compiles once.
fn compile_options(
    features: &Features,
    invocation: &Invocation,
    target_pid: Option<u32>,
) -> Options {
    Options {
        channel: if features.has(Feature::Ringbuf) {
            Channel::RingBuffer
        } else {
            Channel::PerfBuffer
        },
        // The split helpers are 5.5+; asking costs two tiny program loads.
        probe_read: if features.has(Feature::ProbeReadKernel) {
            ProbeRead::Split
        } else {
            ProbeRead::Legacy
        },
        map_entries: invocation.map_entries,
        ring_bytes: (invocation.settings.perf_pages * 4096).next_power_of_two() as u32,
        target_pid,
        only_pid: invocation.pid,
        ones_apart: invocation.settings.style != crate::output::Style::Ply,
    }
}

fn print_listings(program: &Program, compiled: &compile::Compiled, source: &str) {
    for code in &compiled.probes {
        let probe = &program.probes[code.probe];
        say(format_args!(
            "-- {}:{}\n{}",
            probe.provider,
            probe.spec,
            code.listing(source)
        ));
    }
}

/// Writes to standard output; a closed pipe (`tine -T | head`) ends tine as SIGPIPE would, as
/// it ends ply, rather than the panic of `print!`. For what tine prints while holding no
/// kernel object that outlives it (listings, -T's lines between its runs, --help).
pub fn say(text: fmt::Arguments) {
    if let Err(error) = kernel::write_stdout(fmt::format(text).as_bytes()) {
        if error.raw_os_error() == Some(libc::EPIPE) {
            kernel::signal::die_of_broken_pipe();
        }
    }
}

/// Writes to standard error, formatted whole, then at once: `eprint!` without std's stderr
/// (its lock and fmt adapter), linked for tine's messages alone. A message that cannot be
/// written is lost, where `eprint!` would abort.
pub fn tell(text: fmt::Arguments) {
    let _ = kernel::write_stderr(fmt::format(text).as_bytes());
}

/// `-e`: the front end and the compiler without the kernel, so a dry run finds every error that
/// does not need the kernel to be found. With `dump`, the typed program and each probe's BPF.
#[inline(never)]
pub fn dry_run(
    source: &str,
    file_name: &str,
    providers: &OfflineProviders,
    environment: &Environment,
    dump: bool,
    map_entries: u32,
) -> Result<(), Diagnostics> {
    let program = check(source, file_name, providers, environment)?;
    if dump {
        say(format_args!("{program}"));
    }
    let options = Options {
        channel: Channel::RingBuffer,
        probe_read: ProbeRead::Split,
        map_entries,
        ring_bytes: 1 << 18,
        // `$target` compiles to the child's pid, which a dry run never has.
        target_pid: environment.target.then_some(0),
        only_pid: None,
        ones_apart: false,
    };
    let compiled = compile::compile(&program, &|probe| providers.lowering(probe), &options)
        .map_err(|errors| Diagnostics::new(file_name, source, errors))?;
    if dump {
        print_listings(&program, &compiled, source);
    }
    Ok(())
}

/// `-T`: what the kernel offers, then one real probe of each provider that can run here,
/// `OK` or the error it gave. Returns 0 when every provider worked.
#[inline(never)]
pub fn self_test() -> i32 {
    let features = match Features::probe() {
        Ok(features) => features,
        Err(error) => {
            say(format_args!("error: {error}\n"));
            return 1;
        }
    };
    say(format_args!(
        "{}{}",
        features.table(),
        kernel::options::report(&kernel::options::missing(&features))
    ));
    // Each fires by itself within moments (a uprobe would wait for some process to call it).
    const PROBES: [&str; 5] = [
        "BEGIN { exit(0); }",
        "tracepoint:sched/sched_switch { exit(0); }",
        "interval:100ms { exit(0); }",
        "profile:100hz { exit(0); }",
        "kprobe:schedule { exit(0); }",
    ];
    let mut failures = 0;
    for script in PROBES {
        match trace(Invocation::plain(script)) {
            Ok(0) => say(format_args!("{script:<45} OK\n")),
            Ok(code) => {
                failures += 1;
                say(format_args!("{script:<45} ERROR: exit code {code}\n"));
            }
            Err(failure) => {
                failures += 1;
                // The first line says it; the rest is the script it already names.
                let reason = failure.report();
                let reason = words::lines(&reason).next().unwrap_or_default();
                say(format_args!("{script:<45} ERROR: {reason}\n"));
            }
        }
    }
    i32::from(failures > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options_on(present: &[Feature]) -> Options {
        let invocation = Invocation {
            pid: Some(7),
            ..Invocation::plain("BEGIN { exit(0); }")
        };
        compile_options(&Features::from_present(present), &invocation, Some(9))
    }

    /// The text of a failure is what it was when each was formatted where it happened.
    #[test]
    fn a_failure_reports_its_context_then_its_causes() {
        let errno = io::Error::from_raw_os_error;
        let gone = Failure::Process {
            pid: 9,
            error: errno(libc::ESRCH),
        };
        assert!(gone.source().is_none());
        assert_eq!(gone.report(), "error: -p 9: no such process\n");
        let denied = Failure::Process {
            pid: 9,
            error: errno(libc::EPERM),
        };
        // The causes' texts are the C library's (glibc and musl word some differently).
        assert_eq!(
            denied.report(),
            format!("error: -p 9: {}\n", errno(libc::EPERM))
        );
        let command = Failure::Command {
            command: "x".into(),
            error: errno(libc::EAGAIN),
        };
        assert_eq!(
            command.report(),
            format!("error: cannot start `x`: {}\n", errno(libc::EAGAIN))
        );
        let run = Failure::Run(RunError::WaitCommand(errno(libc::ECHILD)));
        assert_eq!(
            run.report(),
            format!(
                "error: cannot wait for the command: {}\n",
                errno(libc::ECHILD)
            )
        );
    }

    #[test]
    fn the_options_take_every_kernel_fact_before_compiling() {
        let modern = options_on(&[Feature::Ringbuf, Feature::ProbeReadKernel]);
        assert_eq!(modern.channel, Channel::RingBuffer);
        assert_eq!(modern.probe_read, ProbeRead::Split);
        assert_eq!((modern.target_pid, modern.only_pid), (Some(9), Some(7)));
        assert_eq!(modern.ring_bytes, 8 * 4096);
        let old = options_on(&[]);
        assert_eq!(old.channel, Channel::PerfBuffer);
        assert_eq!(old.probe_read, ProbeRead::Legacy);
    }
}
