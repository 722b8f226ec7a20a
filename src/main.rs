//! tine's command line: flags, the script, the exit code. Everything else lives in the library.

use std::ffi::OsString;
use std::process::ExitCode;
use std::rc::Rc;

use tine::provider::tracepoint::{self, FieldKind};
use tine::sema::{Environment, OfflineProviders, Record, Type};

const USAGE: &str = "\
usage: tine [options] (script-file | 'program text') [arguments...]

options:
  -c, --command CMD   run CMD (with sh -c) once every probe is attached; stop when it exits
  -d, --debug         debug output, and the verifier's log when a program is rejected
  -e, --dry-run       compile, then exit without tracing
  -h, --help          this text
  -k, --keep-going    warn about lost events instead of stopping
  -p, --pid PID       trace process PID only
  -S, --dump          print the typed program (with -e: and stop)
  -T, --self-test     check that the kernel has what tine needs
  -u, --unbuffer      do not buffer stdout/stderr
  -v, --version       print the version

arguments after the script are $1, $2, ... in it.
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

fn parse_arguments() -> Result<Parsed, lexopt::Error> {
    use lexopt::prelude::*;
    let mut options = Options::default();
    let mut parser = lexopt::Parser::from_env();
    while let Some(argument) = parser.next()? {
        match argument {
            Short('c') | Long("command") => options.command = Some(parser.value()?.string()?),
            Short('d') | Long("debug") => options.debug = true,
            Short('e') | Long("dry-run") => options.dry_run = true,
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

/// The script: the argument is a file when one by that name is readable, else program text.
fn read_script(argument: &str) -> (String, String) {
    match std::fs::read_to_string(argument) {
        Ok(source) => (source, argument.to_string()),
        Err(_) => (argument.to_string(), "<script>".to_string()),
    }
}

/// A tracepoint's record for dry runs, from tracefs when it is mounted and readable. This is a
/// stand-in until the tracepoint provider supplies contexts itself.
fn tracepoint_record(spec: &str) -> Result<Rc<Record>, String> {
    if spec.contains(['*', '?', '[']) {
        return Err(format!(
            "`{spec}` is a glob; a dry run types only single tracepoints for now"
        ));
    }
    let roots = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];
    let text = roots
        .iter()
        .find_map(|root| std::fs::read_to_string(format!("{root}/events/{spec}/format")).ok())
        .ok_or_else(|| format!("no tracepoint `{spec}` (or tracefs is not mounted)"))?;
    let format = tracepoint::parse_format(&text)?;
    let mut fields = Vec::new();
    let mut size = 0;
    for field in &format.fields {
        let ty = match field.kind {
            FieldKind::Integer | FieldKind::DataLoc { .. } => integer(field.size, field.signed),
            FieldKind::Pointer => {
                let target = if field.c_type.contains("char") {
                    Type::Int {
                        bytes: 1,
                        signed: false,
                    }
                } else {
                    Type::Void
                };
                Type::Pointer {
                    target: Box::new(target),
                    user_space: false,
                }
            }
            FieldKind::Array { count } if field.c_type.contains("char") => Type::Chars(count),
            FieldKind::Array { count } => Type::Array(
                Box::new(integer(field.size / count.max(1), field.signed)),
                count,
            ),
        };
        size = size.max(field.offset + field.size);
        fields.push(tine::sema::types::Field {
            name: field.name.clone(),
            ty,
            offset: field.offset,
        });
    }
    Ok(Rc::new(Record {
        name: Some(format.name.clone()),
        fields,
        size,
        align: 8,
    }))
}

fn integer(size: usize, signed: bool) -> Type {
    let bytes = match size {
        1 | 2 | 4 => size as u8,
        _ => 8,
    };
    Type::Int { bytes, signed }
}

fn main() -> ExitCode {
    let options = match parse_arguments() {
        Ok(Parsed::Run(options)) => options,
        Ok(Parsed::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::Version) => {
            println!("tine {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(error) => {
            eprintln!("error: {error}\n\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    if options.self_test {
        eprintln!("error: the self-test is not wired up yet");
        return ExitCode::FAILURE;
    }
    let Some(argument) = options.script.as_deref() else {
        eprintln!("error: no script given\n\n{USAGE}");
        return ExitCode::FAILURE;
    };
    let (source, file_name) = read_script(argument);
    let environment =
        Environment::from_process(options.positional.clone(), options.command.is_some());
    let providers = OfflineProviders {
        tracepoint_record: Box::new(tracepoint_record),
    };
    let program = match tine::check(&source, &file_name, &providers, &environment) {
        Ok(program) => program,
        Err(diagnostics) => {
            eprint!("{diagnostics}");
            return ExitCode::FAILURE;
        }
    };
    if options.dump {
        print!("{program}");
    }
    if options.dry_run {
        return ExitCode::SUCCESS;
    }
    // Parsed already so ply's command lines work unchanged; the runtime will read them.
    let _ = (
        options.debug,
        options.keep_going,
        options.pid,
        options.unbuffer,
    );
    eprintln!("error: tracing is not wired up yet");
    ExitCode::FAILURE
}
