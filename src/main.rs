//! tine's command line: flags, the script, the exit code. Everything else lives in the library.

// std's runtime does not start tine: kernel/entry.rs is C's `main`, and calls `run`.
#![no_main]
#![deny(unsafe_code)]

use tine::kernel::error::IoText;
use tine::kernel::tracefs::Tracefs;
use tine::output::Style;
use tine::provider::offline::OfflineProviders;
use tine::runtime::Settings;
use tine::sema::Environment;
use tine::words::quoted;

#[allow(unsafe_code)]
#[path = "kernel/entry.rs"]
mod entry;

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
  -l, --list [GLOB]   list the probes GLOB matches (`tracepoint:sched:*`, `*open*`) or all, as
                      bpftrace 0.17 does; `-lv` (-v after -l) with a tracepoint's fields
  -o, --output FILE   write the output to FILE (bpftrace's -o)
  -p, --pid PID       trace process PID only
  -q, --quiet         no \"Attaching N probes...\" line (bpftrace's -q)
  -S, --dump          print the typed program (with -e: and stop)
  -T, --self-test     check that the kernel has what tine needs
  -u, --unbuffer      do not buffer stdout/stderr
      --unsafe        allow system() and signal()
  -v, --version       print the version

`-` reads the script from standard input. Arguments after the script are $1, $2, ... in it.
";

#[derive(Default)]
struct Options {
    command: Option<String>,
    debug: bool,
    dry_run: bool,
    keep_going: bool,
    listing: bool,
    verbose: bool,
    output: Option<String>,
    pid: Option<u32>,
    quiet: bool,
    dump: bool,
    self_test: bool,
    unbuffer: bool,
    unsafe_calls: bool,
    style: Style,
    script: Option<String>,
    positional: Vec<String>,
}

enum Parsed {
    Run(Box<Options>),
    Help,
    Version,
}

fn text(value: Vec<u8>) -> Result<String, String> {
    String::from_utf8(value).map_err(|error| {
        let value = String::from_utf8_lossy(error.as_bytes());
        format!("argument {value} is not UTF-8")
    })
}

/// Every option, short and long; `-c`, `-f`, `-o` and `-p` take a value. bpftrace's `--unsafe` is
/// long only: its short form is a NUL, which no argument can hold.
const OPTIONS: [(&str, &str); 15] = [
    ("-c", "--command"),
    ("-d", "--debug"),
    ("-e", "--dry-run"),
    ("-f", "--format"),
    ("-h", "--help"),
    ("-k", "--keep-going"),
    ("-l", "--list"),
    ("-o", "--output"),
    ("-p", "--pid"),
    ("-q", "--quiet"),
    ("-S", "--dump"),
    ("-T", "--self-test"),
    ("-u", "--unbuffer"),
    ("-v", "--version"),
    ("-\0", "--unsafe"),
];

/// A value given to an option that takes none.
fn unexpected_value(option: &str, value: &[u8]) -> String {
    format!(
        "unexpected argument for option '{option}': {}",
        quoted(value)
    )
}

/// The command line (`arguments`, after the program's name, as the kernel gave their bytes),
/// getopt-style: short options cluster (`-de`) and take their value attached (`-p7`, `-p=7`)
/// or as the next argument; long ones as `--pid=7` or the next argument; `--` ends the
/// options. The first argument that is no option is the script, and everything after it
/// belongs to the script, even what looks like a flag.
#[inline(never)]
fn parse_arguments(arguments: Vec<Vec<u8>>) -> Result<Parsed, String> {
    let mut options = Options::default();
    let mut arguments = arguments.into_iter();
    let mut script = None;
    while let Some(argument) = arguments.next() {
        let bytes = &argument[..];
        if bytes == b"--" {
            script = arguments.next();
            break;
        }
        if bytes.len() < 2 || bytes[0] != b'-' {
            script = Some(argument);
            break;
        }
        if bytes[1] == b'-' {
            let (name, attached) = match bytes.iter().position(|&byte| byte == b'=') {
                Some(at) => (&bytes[..at], Some(&bytes[at + 1..])),
                None => (bytes, None),
            };
            let Some((short, long)) = OPTIONS.iter().find(|option| option.1.as_bytes() == name)
            else {
                let name = String::from_utf8_lossy(name);
                return Err(format!("invalid option '{name}'"));
            };
            let short = short.as_bytes()[1];
            if let Some(parsed) = option(&mut options, short, long, attached, &mut arguments)? {
                return Ok(parsed);
            }
            continue;
        }
        // A cluster of short options; one that takes a value takes the rest of it.
        let mut previous = "";
        let mut at = 1;
        while let Some(&short) = bytes.get(at) {
            if short == b'=' && at > 1 {
                return Err(unexpected_value(previous, &bytes[at + 1..]));
            }
            let Some((name, _)) = OPTIONS
                .iter()
                .find(|option| option.0.as_bytes()[1] == short)
            else {
                let bad = bytes[at..].utf8_chunks().next();
                let bad = bad.and_then(|chunk| chunk.valid().chars().next());
                let bad = bad.unwrap_or(char::REPLACEMENT_CHARACTER);
                return Err(format!("invalid option '-{bad}'"));
            };
            at += 1;
            let mut attached = None;
            if takes_value(short) && at < bytes.len() {
                let rest = &bytes[at..];
                attached = Some(rest.strip_prefix(b"=").unwrap_or(rest));
                at = bytes.len();
            }
            if let Some(parsed) = option(&mut options, short, name, attached, &mut arguments)? {
                return Ok(parsed);
            }
            previous = name;
        }
    }
    if let Some(script) = script {
        options.script = Some(text(script)?);
        for value in arguments {
            options.positional.push(text(value)?);
        }
    }
    Ok(Parsed::Run(Box::new(options)))
}

fn takes_value(short: u8) -> bool {
    matches!(short, b'c' | b'f' | b'o' | b'p')
}

/// Option `short` (written `name`) applied, its value the `attached` one or the next
/// argument; `Some` when it ends the parse (`-h`, `-v`).
fn option(
    options: &mut Options,
    short: u8,
    name: &str,
    attached: Option<&[u8]>,
    arguments: &mut dyn Iterator<Item = Vec<u8>>,
) -> Result<Option<Parsed>, String> {
    match (short, attached) {
        (b'h', _) => return Ok(Some(Parsed::Help)),
        // bpftrace's `-lv`: after `-l`, `-v` is verbose.
        (b'v', None) if options.listing => options.verbose = true,
        (b'v', _) => return Ok(Some(Parsed::Version)),
        (_, Some(value)) if !takes_value(short) => return Err(unexpected_value(name, value)),
        _ => {}
    }
    // The value of an option that takes one, read once for all of them.
    let mut value = String::new();
    if takes_value(short) {
        let given = match attached {
            Some(value) => value.to_vec(),
            None => arguments
                .next()
                .ok_or_else(|| format!("missing argument for option '{name}'"))?,
        };
        value = String::from_utf8(given).map_err(|error| {
            let value = quoted(error.as_bytes());
            format!("argument is invalid unicode: {value}")
        })?;
    }
    match short {
        b'c' => options.command = Some(value),
        b'd' => options.debug = true,
        b'e' => options.dry_run = true,
        b'f' => {
            options.style = match value.as_str() {
                "ply" => Style::Ply,
                "bpftrace" | "text" => Style::Bpftrace,
                "json" => Style::Json,
                other => {
                    return Err(format!(
                        "unknown output format `{other}` (ply, bpftrace or json)"
                    ))
                }
            }
        }
        b'k' => options.keep_going = true,
        b'l' => options.listing = true,
        b'o' => options.output = Some(value),
        b'q' => options.quiet = true,
        b'p' => match tine::words::decimal(&value) {
            Some(pid) => options.pid = Some(pid),
            None => {
                return Err(format!(
                    "cannot parse argument {}: {}",
                    quoted(value.as_bytes()),
                    not_a_pid(&value)
                ))
            }
        },
        b'S' => options.dump = true,
        b'T' => options.self_test = true,
        b'\0' => options.unsafe_calls = true,
        b'v' => {}
        // `-u`, the one left of OPTIONS.
        _ => options.unbuffer = true,
    }
    Ok(None)
}

/// Why `text` is no pid, in the words of `text.parse::<u32>()`'s error (std's own Display of it
/// is linked for this message alone): its first character that is no digit, or else its size.
fn not_a_pid(text: &str) -> &'static str {
    let digits = match text.as_bytes() {
        [] => return "cannot parse integer from empty string",
        [b'+', rest @ ..] if !rest.is_empty() => rest,
        all => all,
    };
    let mut value = 0u64;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return "invalid digit found in string";
        }
        value = value * 10 + u64::from(digit - b'0');
        if value > u64::from(u32::MAX) {
            break;
        }
    }
    "number too large to fit in target type"
}

/// The script and the name messages give it: `-` is standard input; an argument that names a
/// file is that file; one that names none is program text, unless it looks like no program
/// (no `{`, no `provider:`): then it was meant as a file, and the error says why that cannot be
/// read.
#[inline(never)]
fn read_script(argument: &str) -> Result<(String, &str), String> {
    if argument == "-" {
        return tine::kernel::read_stdin()
            .map(|source| (source, "<stdin>"))
            .map_err(|error| {
                let error = IoText(&error);
                format!("cannot read the script from standard input: {error}")
            });
    }
    match tine::kernel::read_text(argument) {
        Ok(source) => Ok((source, argument)),
        Err(error)
            if tine::kernel::status(argument, true).is_some()
                || !argument.bytes().any(|byte| byte == b'{' || byte == b':') =>
        {
            Err(format!(
                "cannot read script file `{argument}`: {}",
                IoText(&error)
            ))
        }
        Err(_) => Ok((argument.to_string(), "<script>")),
    }
}

/// A number from the environment, for the knobs that have no flag.
fn environment_number(name: &str, default: usize) -> usize {
    tine::kernel::env_var(name)
        .and_then(|text| tine::words::decimal(&text))
        .filter(|&value| value > 0)
        .unwrap_or(default)
}

/// A command line tine cannot run: why, then how to write one.
fn usage_error(error: &dyn std::fmt::Display) -> u8 {
    tine::tell(format_args!("error: {error}\n\n{USAGE}\n"));
    FAILURE
}

const SUCCESS: u8 = 0;
const FAILURE: u8 = 1;

/// tine run with `arguments` (after the program's name); the exit code.
fn run(arguments: Vec<Vec<u8>>) -> u8 {
    let mut options = match parse_arguments(arguments) {
        Ok(Parsed::Run(options)) => options,
        Ok(Parsed::Help) => {
            tine::say(format_args!("{USAGE}"));
            return SUCCESS;
        }
        Ok(Parsed::Version) => {
            tine::say(format_args!(concat!(
                "tine ",
                env!("CARGO_PKG_VERSION"),
                "\n"
            )));
            return SUCCESS;
        }
        Err(error) => return usage_error(&error),
    };
    if options.self_test {
        return tine::self_test() as u8;
    }
    if options.listing {
        return list(&options);
    }
    let Some(argument) = options.script.as_deref() else {
        return usage_error(&"no script given");
    };
    let (source, file_name) = match read_script(argument) {
        Ok(script) => script,
        Err(message) => {
            tine::tell(format_args!("error: {message}\n"));
            return FAILURE;
        }
    };
    let environment = Environment::from_process(
        std::mem::take(&mut options.positional),
        options.command.is_some(),
        options.unsafe_calls,
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
            Ok(()) => SUCCESS,
            Err(diagnostics) => {
                tine::tell(format_args!("{diagnostics}"));
                FAILURE
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
            quiet: options.quiet,
            output: options.output.take(),
        },
        map_entries,
        dump: options.dump,
        pid: options.pid,
        tracefs: None,
    };
    trace(invocation)
}

/// `-l [GLOB]`: the probes GLOB matches, one a line; what could not be listed is warned of.
fn list(options: &Options) -> u8 {
    // bpftrace's getopt takes `-v` after the GLOB too.
    let verbose = match options.positional.as_slice() {
        [] => options.verbose,
        [flag] if flag == "-v" => true,
        _ => return usage_error(&"-l takes one GLOB"),
    };
    match tine::provider::listing::list(options.script.as_deref().unwrap_or(""), verbose) {
        Ok(listing) => {
            tine::say(format_args!("{listing}"));
            SUCCESS
        }
        Err(error) => {
            tine::tell(format_args!("error: {error}\n"));
            FAILURE
        }
    }
}

/// Runs the script: its exit code, or 1 after the report of why it could not run.
fn trace(mut invocation: tine::Invocation) -> u8 {
    // A tine ended by SIGKILL leaves the probe events it made through tracefs: the next run
    // removes them (tracefs is not mounted for that: tine never unmounts what it mounted).
    if let Ok(Some(tracefs)) = Tracefs::mounted() {
        tracefs.remove_stale_probes();
        invocation.tracefs = Some(tracefs);
    }
    match tine::trace(invocation) {
        Ok(code) => code.clamp(0, 255) as u8,
        Err(failure) => {
            tine::tell(format_args!("{}", failure.report()));
            FAILURE
        }
    }
}
