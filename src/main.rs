//! tine's command line: flags, the script, the exit code. Everything else lives in the library.

#![forbid(unsafe_code)]

use std::ffi::OsString;
use std::process::ExitCode;

use tine::kernel::tracefs::Tracefs;
use tine::output::Style;
use tine::provider::offline::OfflineProviders;
use tine::runtime::Settings;
use tine::sema::Environment;

const USAGE: &str = "\
usage: tine [options] (script-file | - | 'program text') [arguments...]

options:
  -c, --command CMD   run CMD (with sh -c) once every probe is attached; stop when it exits
  -d, --debug         debug output, and the verifier's log when a program is rejected
  -e, --dry-run       compile, then exit without tracing
  -f, --format FMT    print maps, histograms and values as `ply` does (the default), as
                      `bpftrace` 0.17 does (text), or as bpftrace's `json` lines
  -h, --help          this text
  -k, --keep-going    warn about lost events instead of stopping
  -p, --pid PID       trace process PID only
  -S, --dump          print the typed program (with -e: and stop)
  -T, --self-test     check that the kernel has what tine needs
  -u, --unbuffer      do not buffer stdout/stderr
  -v, --version       print the version

`-` reads the script from standard input. Arguments after the script are $1, $2, ... in it.
";

#[derive(Default)]
struct Options {
    command: Option<String>,
    debug: bool,
    dry_run: bool,
    keep_going: bool,
    pid: Option<u32>,
    dump: bool,
    self_test: bool,
    unbuffer: bool,
    style: Style,
    script: Option<String>,
    positional: Vec<String>,
}

enum Parsed {
    Run(Box<Options>),
    Help,
    Version,
}

fn text(value: OsString) -> Result<String, String> {
    value
        .into_string()
        .map_err(|value| format!("argument {} is not UTF-8", value.to_string_lossy()))
}

// Out of line, as the other steps of `main`: inlined, they make the binary bigger.
#[inline(never)]
fn parse_arguments() -> Result<Parsed, lexopt::Error> {
    use lexopt::prelude::*;
    let mut options = Options::default();
    let mut parser = lexopt::Parser::from_env();
    while let Some(argument) = parser.next()? {
        match argument {
            Short('c') | Long("command") => options.command = Some(parser.value()?.string()?),
            Short('d') | Long("debug") => options.debug = true,
            Short('e') | Long("dry-run") => options.dry_run = true,
            Short('f') | Long("format") => {
                options.style = match parser.value()?.string()?.as_str() {
                    "ply" => Style::Ply,
                    "bpftrace" | "text" => Style::Bpftrace,
                    "json" => Style::Json,
                    other => {
                        return Err(format!(
                            "unknown output format `{other}` (ply, bpftrace or json)"
                        )
                        .into())
                    }
                }
            }
            Short('h') | Long("help") => return Ok(Parsed::Help),
            Short('k') | Long("keep-going") => options.keep_going = true,
            Short('p') | Long("pid") => options.pid = Some(parser.value()?.parse()?),
            Short('S') | Long("dump") => options.dump = true,
            Short('T') | Long("self-test") => options.self_test = true,
            Short('u') | Long("unbuffer") => options.unbuffer = true,
            Short('v') | Long("version") => return Ok(Parsed::Version),
            Value(script) => {
                options.script = Some(text(script).map_err(lexopt::Error::from)?);
                // Everything after the script belongs to it, even what looks like a flag.
                for value in parser.raw_args()? {
                    options
                        .positional
                        .push(text(value).map_err(lexopt::Error::from)?);
                }
            }
            _ => return Err(argument.unexpected()),
        }
    }
    Ok(Parsed::Run(Box::new(options)))
}

/// The script and the name messages give it: `-` is standard input; an argument that names a
/// file is that file; one that names none is program text, unless it looks like no program
/// (no `{`, no `provider:`): then it was meant as a file, and the error says why that cannot be
/// read.
#[inline(never)]
fn read_script(argument: &str) -> Result<(String, &str), String> {
    use std::io::Read;
    if argument == "-" {
        let mut source = String::new();
        return match std::io::stdin().read_to_string(&mut source) {
            Ok(_) => Ok((source, "<stdin>")),
            Err(error) => Err(format!(
                "cannot read the script from standard input: {error}"
            )),
        };
    }
    match std::fs::read_to_string(argument) {
        Ok(source) => Ok((source, argument)),
        Err(error)
            if std::path::Path::new(argument).exists()
                || !argument.bytes().any(|byte| byte == b'{' || byte == b':') =>
        {
            Err(format!("cannot read script file `{argument}`: {error}"))
        }
        Err(_) => Ok((argument.to_string(), "<script>")),
    }
}

/// A number from the environment, for the knobs that have no flag.
fn environment_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|text| text.parse().ok())
        .filter(|&value| value > 0)
        .unwrap_or(default)
}

/// A command line tine cannot run: why, then how to write one.
fn usage_error(error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {error}\n\n{USAGE}");
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    let mut options = match parse_arguments() {
        Ok(Parsed::Run(options)) => options,
        Ok(Parsed::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!(concat!("tine ", env!("CARGO_PKG_VERSION")));
            return ExitCode::SUCCESS;
        }
        Err(error) => return usage_error(&error),
    };
    if options.self_test {
        return ExitCode::from(tine::self_test() as u8);
    }
    let Some(argument) = options.script.as_deref() else {
        return usage_error(&"no script given");
    };
    let (source, file_name) = match read_script(argument) {
        Ok(script) => script,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let environment = Environment::from_process(
        std::mem::take(&mut options.positional),
        options.command.is_some(),
    );
    let map_entries = environment_number("TINE_MAP_ENTRIES", 4096) as u32;
    if options.dry_run {
        let providers = OfflineProviders::from_tracefs();
        return match tine::dry_run(
            &source,
            file_name,
            &providers,
            &environment,
            options.dump,
            map_entries,
        ) {
            Ok(()) => ExitCode::SUCCESS,
            Err(diagnostics) => {
                eprint!("{diagnostics}");
                ExitCode::FAILURE
            }
        };
    }
    let invocation = tine::Invocation {
        source: &source,
        file_name,
        environment,
        command: options.command.as_deref(),
        settings: Settings {
            keep_going: options.keep_going,
            debug: options.debug,
            perf_pages: environment_number("TINE_RING_PAGES", 64),
            unbuffered: options.unbuffer,
            style: options.style,
        },
        map_entries,
        dump: options.dump,
        pid: options.pid,
    };
    // A tine ended by SIGKILL leaves the probe events it made through tracefs: the next run
    // removes them (tracefs is not mounted for that: tine never unmounts what it mounted).
    if let Ok(Some(tracefs)) = Tracefs::mounted() {
        tracefs.remove_stale_probes();
    }
    match tine::trace(invocation) {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(failure) => {
            eprint!("{}", failure.report());
            ExitCode::FAILURE
        }
    }
}
