//! The command line's front-end half: `-e -S` dumps the typed program and exits 0, a bad script
//! prints its caret error and exits 1, and the flags ply users know are accepted.

mod common;

use std::process::{Command, Output};

fn tine(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(arguments)
        .env_remove("TINE_CLI_TEST_UNSET")
        .env("TINE_CLI_TEST_WORD", "word")
        .output()
        .expect("running tine")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn dry_run_dump_prints_the_typed_program() {
    let output = tine(&[
        "-e",
        "-S",
        "kretprobe:vfs_read { @[comm] = quantize(retval); }",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let typed = "maps\n  @ quantize { char[16] } -> s64\nprobe kretprobe:vfs_read\n  \
         aggregate @[] quantize()  : s64\n    builtin comm  : char[16]\n    provider retval  : s64\n";
    let dump = stdout(&output);
    assert!(dump.starts_with(typed), "{dump}");
    // Then the BPF the run would load, under the line it came from.
    let listing = dump[typed.len()..].lines().collect::<Vec<_>>();
    assert_eq!(listing[0], "-- kretprobe:vfs_read");
    assert_eq!(
        listing[1],
        "; kretprobe:vfs_read { @[comm] = quantize(retval); }"
    );
    assert!(listing.last().unwrap().ends_with(": (95) exit"), "{dump}");
}

/// `-e` compiles every probe, so what only the compiler finds (here a key too big for the BPF
/// stack) fails the dry run as it fails the real run, in every probe it is in.
#[test]
fn a_dry_run_compiles_every_probe() {
    let key = vec!["comm"; 33].join(", ");
    let script = format!(
        "BEGIN {{ @[{key}] = count(); }}\ninterval:1s {{ @n = count(); }}\nEND {{ @[{key}] = count(); }}"
    );
    let output = tine(&["-e", &script]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let lines: Vec<String> = stderr(&output)
        .lines()
        .filter(|line| line.contains(": error: "))
        .map(String::from)
        .collect();
    let error = "error: this probe needs more than the 512 bytes of stack a BPF program may use";
    assert_eq!(
        lines,
        [
            format!("<script>:1:9: {error}"),
            format!("<script>:3:7: {error}")
        ]
    );
    let output = tine(&["-e", "-S", "BEGIN { @n = count(); }\nEND { print(@n); }"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let headers: Vec<String> = stdout(&output)
        .lines()
        .filter(|line| line.starts_with("-- "))
        .map(String::from)
        .collect();
    assert_eq!(headers, ["-- BEGIN:", "-- END:"]);
}

#[test]
fn long_flags_and_a_dry_run_without_dump() {
    let output = tine(&["--dry-run", "BEGIN { exit(0); }"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).is_empty());
    let output = tine(&["--dry-run", "--dump", "BEGIN { exit(0); }"]);
    assert!(stdout(&output).starts_with("probe BEGIN\n"));
}

#[test]
fn a_bad_script_prints_its_caret_error_and_exits_1() {
    let output = tine(&["-e", "-S", "kprobe:vfs_read { @[comn] = count(); }"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty());
    assert_eq!(
        stderr(&output),
        "<script>:1:21: error: unknown name `comn`\n\
         kprobe:vfs_read { @[comn] = count(); }\n\
         \x20                   ^~~~ did you mean `comm`?\n"
    );
}

#[test]
fn a_script_file_is_named_by_its_path() {
    let directory = std::env::temp_dir().join(format!("tine-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("a temporary directory");
    let path = directory.join("bad.tine");
    std::fs::write(&path, "#!/usr/sbin/tine\nBEGIN {\n\tprint(nope);\n}\n").expect("a script");
    let path_text = path.to_str().expect("a UTF-8 path");
    let output = tine(&["-e", path_text]);
    std::fs::remove_dir_all(&directory).expect("cleaning up");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with(&format!("{path_text}:3:8: error: unknown name `nope`\n")),
        "{}",
        stderr(&output)
    );
}

#[test]
fn positional_environment_and_target_dollars() {
    let output = tine(&[
        "-e",
        "-S",
        "-c",
        "true",
        "BEGIN { printf(\"%d %s %s %d\\n\", $1, $2, $TINE_CLI_TEST_WORD, $target); }",
        "5",
        "-x",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let dump = stdout(&output);
    assert!(dump.contains("      int 5  : s32\n"), "{dump}");
    assert!(dump.contains("      string \"-x\"  : char[8]\n"), "{dump}");
    assert!(
        dump.contains("      string \"word\"  : char[8]\n"),
        "{dump}"
    );
    assert!(dump.contains("      target-pid  : pid\n"), "{dump}");

    let output = tine(&["-e", "BEGIN { print($target); }"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("there is no -c COMMAND"));
    let output = tine(&["-e", "BEGIN { print($TINE_CLI_TEST_UNSET); }"]);
    assert!(stderr(&output).contains("environment variable `TINE_CLI_TEST_UNSET` is not set"));
}

/// An environment variable whose value (or name) is not UTF-8 is one the script cannot read:
/// the others are read as ever (tine used to abort at the first such variable, exit 101).
#[test]
fn an_environment_variable_that_is_not_text_is_left_out() {
    use std::os::unix::ffi::OsStrExt;
    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args([
            "-e",
            "-S",
            "BEGIN { printf(\"%s\\n\", $TINE_CLI_TEST_WORD); }",
        ])
        .env("TINE_CLI_TEST_WORD", "word")
        .env(
            "TINE_CLI_TEST_BYTES",
            std::ffi::OsStr::from_bytes(b"\xff\xfe"),
        )
        .output()
        .expect("running tine");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("      string \"word\"  : char[8]\n"),
        "{}",
        stdout(&output)
    );
    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(["-e", "BEGIN { print($TINE_CLI_TEST_BYTES); }"])
        .env(
            "TINE_CLI_TEST_BYTES",
            std::ffi::OsStr::from_bytes(b"\xff\xfe"),
        )
        .output()
        .expect("running tine");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("environment variable `TINE_CLI_TEST_BYTES` is not set"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_bad_script_fails_before_tracing_starts() {
    let output = tine(&["BEGIN { prinft(\"x\"); }"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with("<script>:1:9: error: unknown function `prinft`\n"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn help_version_and_bad_flags() {
    let output = tine(&["-h"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("-e, --dry-run"));
    let output = tine(&["--version"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).starts_with("tine "));
    let output = tine(&["--frobnicate", "BEGIN { exit(0); }"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).starts_with("error: "));
    let output = tine(&["-e"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).starts_with("error: no script given"));
}

/// bpftrace's unsafe functions, `system()` and `signal()`, are a caret error that names
/// `--unsafe` and exit 1 without it, and compile with it.
#[test]
fn system_and_signal_need_unsafe() {
    assert!(stdout(&tine(&["-h"])).contains("      --unsafe "));
    for (call, does) in [
        ("system(\"echo %d\", pid)", "runs a command"),
        ("signal(\"KILL\")", "sends signals"),
    ] {
        let script = format!("tracepoint:syscalls/sys_enter_read {{ {call}; }}");
        let output = tine(&["-e", &script]);
        assert_eq!(output.status.code(), Some(1), "{call}");
        let name = &call[..call.find('(').unwrap()];
        let caret = "^".to_string() + &"~".repeat(call.len() - 1);
        assert_eq!(
            stderr(&output),
            format!(
                "<script>:1:38: error: `{name}()` {does}: it needs --unsafe\n{script}\n{}{caret}\n",
                " ".repeat(37)
            )
        );
        let output = tine(&["-e", "--unsafe", &script]);
        assert_eq!(output.status.code(), Some(0), "{call}: {}", stderr(&output));
    }
}

/// Every corpus script through the real binary, its tracepoints typed from this machine's
/// tracefs (so the check needs the kernel's event formats; without them it is skipped).
#[test]
fn every_corpus_script_dry_runs_as_its_folder_says() {
    let tracefs = [
        "/sys/kernel/tracing/events",
        "/sys/kernel/debug/tracing/events",
    ];
    if !tracefs
        .iter()
        .any(|path| std::path::Path::new(path).is_dir())
    {
        common::skip(
            "every_corpus_script_dry_runs_as_its_folder_says",
            "tracefs is not mounted",
        );
        return;
    }
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lang");
    for (folder, code) in [("accepted", 0), ("rejected", 1)] {
        let mut scripts = 0;
        for entry in std::fs::read_dir(format!("{corpus}/{folder}")).expect("corpus") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|extension| extension != "tine") {
                continue;
            }
            scripts += 1;
            let path = path.to_string_lossy().into_owned();
            let output = Command::new(env!("CARGO_BIN_EXE_tine"))
                .args(["-e", "-S", "--unsafe", "-c", "true", &path, "7", "seven"])
                .env("TINE_TEST_NUMBER", "42")
                .env("TINE_TEST_WORD", "hello")
                .output()
                .expect("running tine");
            assert_eq!(
                output.status.code(),
                Some(code),
                "{path}: {}",
                stderr(&output)
            );
            if code == 0 {
                assert!(
                    stdout(&output).contains("probe "),
                    "{path}: no typed program"
                );
            } else {
                assert!(
                    stderr(&output).contains("error: "),
                    "{path}: {}",
                    stderr(&output)
                );
                assert!(stderr(&output).contains('^'), "{path}: no caret");
            }
        }
        assert!(scripts >= 40, "{folder}: {scripts} scripts");
    }
}

/// bpftrace's positional arguments: `$#` counts them, one not given reads as 0 with a warning
/// that names it, and a script that reads only given ones gets no warning.
#[test]
fn positional_arguments_count_and_default_to_zero() {
    let output = tine(&["-e", "-S", "BEGIN { print($#, $3, $1); }", "7"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let dump = stdout(&output);
    assert!(
        dump.contains("int 1  : s32\n      int 0  : s32\n      int 7  : s32\n"),
        "{dump}"
    );
    assert_eq!(
        stderr(&output),
        "warning: $3 is not given (1 argument(s) after the script): it reads as 0\n"
    );
    let output = tine(&["-e", "BEGIN { print($1); }", "7"]);
    assert_eq!(stderr(&output), "");
}

/// Each way a command line can be wrong gets its own message, word for word, and the flags
/// read as getopt-style options do: clustered (`-de`), with attached values (`-pabc`, `-c=x`,
/// `--pid=x`), `--` ending the options, and bytes that are not UTF-8 shown escaped.
#[test]
fn each_bad_command_line_is_named_exactly() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    const SCRIPT: &[u8] = b"BEGIN { exit(0); }";
    let cases: &[(&[&[u8]], &str)] = &[
        (
            &[b"--frobnicate", SCRIPT],
            "error: invalid option '--frobnicate'",
        ),
        (
            &[b"--debug=1", SCRIPT],
            "error: unexpected argument for option '--debug': \"1\"",
        ),
        (
            &[b"--unsafe=yes", SCRIPT],
            "error: unexpected argument for option '--unsafe': \"yes\"",
        ),
        (&[b"-U", SCRIPT], "error: invalid option '-U'"),
        (&[b"-o"], "error: missing argument for option '-o'"),
        (
            &[b"--quiet=1", SCRIPT],
            "error: unexpected argument for option '--quiet': \"1\"",
        ),
        (
            &[b"-o", b"/nonexistent/tine-out", SCRIPT],
            "error: cannot write the output to `/nonexistent/tine-out`: No such file or directory",
        ),
        (
            &[b"--debug=", SCRIPT],
            "error: unexpected argument for option '--debug': \"\"",
        ),
        (
            &[b"-d=1", SCRIPT],
            "error: unexpected argument for option '-d': \"1\"",
        ),
        (
            &[b"-de=x", SCRIPT],
            "error: unexpected argument for option '-e': \"x\"",
        ),
        (&[b"-x", SCRIPT], "error: invalid option '-x'"),
        (&[b"-dx", SCRIPT], "error: invalid option '-x'"),
        (&[b"-xh", SCRIPT], "error: invalid option '-x'"),
        (&[b"-=", SCRIPT], "error: invalid option '-='"),
        (&[b"--=x", SCRIPT], "error: invalid option '--'"),
        (&[b"---x", SCRIPT], "error: invalid option '---x'"),
        (&[b"-c", SCRIPT], "error: no script given"),
        (&[b"-ec", SCRIPT], "error: no script given"),
        (&[b"-dkSue"], "error: no script given"),
        (&[b"-e", b"-c"], "error: missing argument for option '-c'"),
        (
            &[b"-e", b"--command"],
            "error: missing argument for option '--command'",
        ),
        (&[b"-e", b"-p"], "error: missing argument for option '-p'"),
        (
            &[b"-p", SCRIPT],
            "error: cannot parse argument \"BEGIN { exit(0); }\": invalid digit found in string",
        ),
        (
            &[b"-pabc", SCRIPT],
            "error: cannot parse argument \"abc\": invalid digit found in string",
        ),
        (
            &[b"-p=", SCRIPT],
            "error: cannot parse argument \"\": cannot parse integer from empty string",
        ),
        (
            &[b"--pid=-1", SCRIPT],
            "error: cannot parse argument \"-1\": invalid digit found in string",
        ),
        (
            &[b"-fxml", SCRIPT],
            "error: unknown output format `xml` (ply, bpftrace or json)",
        ),
        (
            &[b"-f=", SCRIPT],
            "error: unknown output format `` (ply, bpftrace or json)",
        ),
        (
            &[b"-f", SCRIPT],
            "error: unknown output format `BEGIN { exit(0); }` (ply, bpftrace or json)",
        ),
        (
            &[b"-e", b"--", b"-e"],
            "error: cannot read script file `-e`: No such file or directory (os error 2)",
        ),
        (&[b"-\xff", SCRIPT], "error: invalid option '-\u{fffd}'"),
        (&[b"-d\xff", SCRIPT], "error: invalid option '-\u{fffd}'"),
        (&[b"-e\xc3", SCRIPT], "error: invalid option '-\u{fffd}'"),
        (&["-é".as_bytes(), SCRIPT], "error: invalid option '-é'"),
        (
            &[b"--\xffx=1", SCRIPT],
            "error: invalid option '--\u{fffd}x'",
        ),
        (
            &[b"--debug=\xff", SCRIPT],
            "error: unexpected argument for option '--debug': \"\\xFF\"",
        ),
        (
            &[b"-d=\xff\n\"", SCRIPT],
            "error: unexpected argument for option '-d': \"\\xFF\\n\\\"\"",
        ),
        (
            &[b"-c\xff", SCRIPT],
            "error: argument is invalid unicode: \"\\xFF\"",
        ),
        (
            &[b"-p\xff", SCRIPT],
            "error: argument is invalid unicode: \"\\xFF\"",
        ),
        (
            &[b"-f\xff", SCRIPT],
            "error: argument is invalid unicode: \"\\xFF\"",
        ),
        (&[b"\xff", SCRIPT], "error: argument \u{fffd} is not UTF-8"),
        (
            &[b"-e", SCRIPT, b"\xff"],
            "error: argument \u{fffd} is not UTF-8",
        ),
    ];
    for (arguments, message) in cases {
        let output = Command::new(env!("CARGO_BIN_EXE_tine"))
            .args(arguments.iter().map(|bytes| OsStr::from_bytes(bytes)))
            .output()
            .expect("running tine");
        let text = stderr(&output);
        assert_eq!(text.lines().next(), Some(*message), "{arguments:?}");
        assert_eq!(output.status.code(), Some(1), "{arguments:?}");
    }
}

/// A `-p` that is no pid is refused in the words of `str::parse::<u32>`'s error, whichever way
/// it fails first.
#[test]
fn a_bad_pid_is_refused_as_str_parse_words_it() {
    for value in [
        "",
        "+",
        "-",
        "-1",
        "+-1",
        "x",
        "12x",
        "4294967296",
        "42949672950",
        "4294967296x",
        "99999999999x",
        "1 ",
        " 1",
        "0x10",
    ] {
        let error = value.parse::<u32>().unwrap_err();
        let output = tine(&["-p", value, "-e", "BEGIN { exit(0); }"]);
        let expected = format!("error: cannot parse argument {value:?}: {error}");
        assert_eq!(
            stderr(&output).lines().next(),
            Some(&*expected),
            "{value:?}"
        );
        assert_eq!(output.status.code(), Some(1), "{value:?}");
    }
    let output = tine(&["-p", "+4294967295", "-e", "BEGIN { exit(0); }"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

/// A value no option takes, and one that is not UTF-8, are quoted as Rust's Debug of an OsStr
/// quotes them, whatever their bytes.
#[test]
fn bad_values_are_quoted_as_rust_quotes_them() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let values: [&[u8]; 7] = [
        b"it's \"x\"\t\\",
        "é\u{301}a\u{200b}\u{7f}".as_bytes(),
        b"\xc3(\xf0\x9f\x98\xff",
        b"\x01\x1b[0m",
        "\u{10ffff}\u{e000}".as_bytes(),
        b"",
        b"plain",
    ];
    for value in values {
        let quoted = format!("{:?}", OsStr::from_bytes(value));
        let mut flag = b"--debug=".to_vec();
        flag.extend_from_slice(value);
        let mut pid = b"-p".to_vec();
        pid.extend_from_slice(value);
        let mut cases = vec![(
            flag,
            format!("error: unexpected argument for option '--debug': {quoted}"),
        )];
        if std::str::from_utf8(value).is_err() {
            cases.push((pid, format!("error: argument is invalid unicode: {quoted}")));
        }
        for (argument, message) in cases {
            let output = Command::new(env!("CARGO_BIN_EXE_tine"))
                .arg(OsStr::from_bytes(&argument))
                .output()
                .expect("running tine");
            assert_eq!(stderr(&output).lines().next(), Some(&*message));
        }
    }
}

/// What is right runs; help and version win over what follows them, even a wrong value.
#[test]
fn options_cluster_take_attached_values_and_end_at_the_script() {
    let cases: &[(&[&str], &str)] = &[
        (&["-p+5", "-e", "BEGIN { exit(0); }"], ""),
        (&["-f=json", "-e", "BEGIN { exit(0); }"], ""),
        (&["--format=bpftrace", "-e", "BEGIN { exit(0); }"], ""),
        (&["--format", "text", "-e", "BEGIN { exit(0); }"], ""),
        (&["-c=é", "-e", "BEGIN { exit(0); }"], ""),
        (&["-e", "--", "BEGIN { exit(0); }", "-x"], ""),
        (&["-h=x"], "usage: tine"),
        (&["--help=x"], "usage: tine"),
        (&["-hx"], "usage: tine"),
        (&["-vh"], "tine "),
        (&["--version=3"], "tine "),
    ];
    for (arguments, start) in cases {
        let output = tine(arguments);
        let text = stdout(&output);
        assert!(text.starts_with(start), "{arguments:?}: {text}");
        assert_eq!(output.status.code(), Some(0), "{arguments:?}");
    }
}

/// `-` reads the script from standard input: whole, in any number of reads; bytes that are not
/// UTF-8 are refused in std's words; an empty standard input is an empty script.
#[test]
fn a_script_on_standard_input_is_read_whole() {
    use std::io::Write;
    use std::process::Stdio;
    let run = |input: Option<&[u8]>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_tine"));
        command
            .args(["-e", "-S", "-"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = command.spawn().expect("running tine");
        if let Some(input) = input {
            child.stdin.take().unwrap().write_all(input).unwrap();
        }
        child.wait_with_output().unwrap()
    };
    // Longer than any one read, with the last probe at its end.
    let mut script = "BEGIN { @a = count(); }\n".repeat(400);
    script.push_str("END { printf(\"last\\n\"); }\n");
    let output = run(Some(script.as_bytes()));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output).matches("probe BEGIN").count(), 400);
    assert!(stdout(&output).contains("probe END"), "{}", stdout(&output));
    let output = run(Some(b"BEGIN { printf(\"\xff\"); }"));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: cannot read the script from standard input: stream did not contain valid UTF-8\n"
    );
    let output = run(None);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with("<stdin>:1:1: error: expected a probe, found end of input\n"),
        "{}",
        stderr(&output)
    );
}

/// Output that no one reads any more (`tine -e -S script | head -1`, `tine --help | true`) ends
/// tine as SIGPIPE ends ply: status 141 in a shell, and no panic. The reader is gone before
/// tine starts, so its first write fails.
#[test]
fn a_closed_pipe_ends_listings_and_help_by_sigpipe() {
    for arguments in [
        "--help",
        "--version",
        "-e -S 'kprobe:vfs_read { @[comm] = count(); }'",
    ] {
        // The pipeline's status is `true`'s; tine's own is its subshell's, reported here.
        let output = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{{ (sleep 0.3; exec '{}' {arguments}); echo \"status $?\" >&2; }} | true",
                env!("CARGO_BIN_EXE_tine")
            ))
            .output()
            .expect("running sh");
        assert_eq!(stderr(&output), "status 141\n", "{arguments}");
    }
}
