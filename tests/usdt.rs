//! USDT probes end to end: a C program built here with gcc carries `.note.stapsdt` notes written
//! by hand in its inline assembly (no sys/sdt.h): arguments in registers, in memory and
//! constant, a probe at two places whose argument is kept differently at each, and one behind a
//! semaphore, which the program tests before it fires. tine counts and sums what the probes
//! carry, through the uprobe PMU and through tracefs, in every process and with `-p`.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};

/// One tine at a time: a semaphore is shared by every process that runs the program.
static SERIAL: Mutex<()> = Mutex::new(());

/// Fires `tine:tick` as often as its first argument says (after a line on stdin when given a
/// second argument), with i, the string `call-{i % 2}`, 3 i from memory and the constant 7;
/// `tine:twice` with i, from a register when i is even and from memory when it is odd; and
/// `tine:guarded` with i only while its semaphore is set. Prints how often it fired that one.
/// Each note: the probe's address, `.stapsdt.base`'s, the semaphore's (0: none), then
/// provider, name and operands, NUL-terminated (SystemTap's UserSpaceProbeImplementation).
const SOURCE: &str = r#"
#include <stdio.h>
#include <stdlib.h>

__asm__(".pushsection .stapsdt.base,\"a\",%progbits\n"
        "tine_sdt_base: .byte 0\n"
        ".popsection\n");

#define NOTE(provider, name, semaphore, operands)                      \
    "990: nop\n"                                                      \
    ".pushsection .note.stapsdt,\"\",%%note\n"                        \
    ".balign 4\n"                                                     \
    ".4byte 992f-991f, 994f-993f, 3\n"                                \
    "991: .asciz \"stapsdt\"\n"                                       \
    "992: .balign 4\n"                                                \
    "993: .8byte 990b, tine_sdt_base, " semaphore "\n"                \
    ".asciz \"" provider "\", \"" name "\", \"" operands "\"\n"       \
    "994: .balign 4\n"                                                \
    ".popsection\n"

__attribute__((section(".probes"))) volatile unsigned short tine_guarded_semaphore;

int main(int argc, char **argv)
{
    int calls = argc > 1 ? atoi(argv[1]) : 0;
    char line[16];
    if (argc > 2 && !fgets(line, sizeof line, stdin))
        return 2;
    long fired = 0;
    for (int i = 0; i < calls; i++) {
        char label[16];
        snprintf(label, sizeof label, "call-%d", i % 2);
        int in_memory = i * 3;
        __asm__ __volatile__(NOTE("tine", "tick", "0", "-4@%0 8@%1 -4@%2 8@%3")
                             :: "r"(i), "r"(label), "m"(in_memory), "i"(7));
        if (i % 2 == 0)
            __asm__ __volatile__(NOTE("tine", "twice", "0", "-4@%0") :: "r"(i));
        else
            __asm__ __volatile__(NOTE("tine", "twice", "0", "-4@%0") :: "m"(i));
        if (tine_guarded_semaphore) {
            fired++;
            __asm__ __volatile__(NOTE("tine", "guarded", "tine_guarded_semaphore", "8@%0")
                                 :: "r"((long)i));
        }
    }
    printf("fired: %ld\n", fired);
    return 0;
}
"#;

fn program() -> Result<&'static str, String> {
    static BUILT: OnceLock<Result<String, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| common::built("usdt", SOURCE, &["-O2"]))
        .as_deref()
        .map_err(Clone::clone)
}

macro_rules! usdt_test {
    ($name:ident) => {{
        let test = stringify!($name);
        if !common::kernel_available(test) {
            return;
        }
        let path = match program() {
            Ok(path) => path,
            Err(reason) => return common::skip(test, reason),
        };
        let serial = SERIAL.lock().unwrap_or_else(|poison| poison.into_inner());
        (path, serial)
    }};
}

fn tine(arguments: &[&str], force: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tine"));
    command.args(arguments).env_remove("TINE_FORCE");
    if let Some(force) = force {
        command.env("TINE_FORCE", force);
    }
    command.output().expect("run tine")
}

/// tine's output, after checking that it succeeded.
fn traced(arguments: &[&str], force: Option<&str>) -> String {
    let output = tine(arguments, force);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{force:?}: {text} {output:?}"
    );
    text
}

/// The value printed for a keyless map, `@name: N`, or the program's `fired: N`.
fn scalar(text: &str, name: &str) -> Option<i64> {
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}: "))?.trim().parse().ok())
}

/// How often the program fired `tine:guarded` when run alone.
fn fired_alone(path: &str) -> Option<i64> {
    let output = Command::new(path)
        .arg("10")
        .output()
        .expect("run the program");
    scalar(&String::from_utf8_lossy(&output.stdout), "fired")
}

const CALLS: i64 = 1000;

/// 0 + 1 + ... + (CALLS - 1).
fn sum_below(calls: i64) -> i64 {
    calls * (calls - 1) / 2
}

#[test]
fn arguments_come_from_registers_memory_and_constants() {
    let (path, _serial) = usdt_test!(arguments_come_from_registers_memory_and_constants);
    let script = format!(
        "usdt:{path}:tine:tick {{ @n = count(); @i = sum(arg0); @m = sum(arg2); @k = sum(arg3); \
         @[str(arg1)] = count(); }}"
    );
    for force in [None, Some("tracefs")] {
        let text = traced(&["-c", &format!("{path} {CALLS}"), &script], force);
        assert_eq!(scalar(&text, "@n"), Some(CALLS), "{force:?}: {text}");
        assert_eq!(scalar(&text, "@i"), Some(sum_below(CALLS)), "{text}");
        assert_eq!(scalar(&text, "@m"), Some(3 * sum_below(CALLS)), "{text}");
        assert_eq!(scalar(&text, "@k"), Some(7 * CALLS), "{text}");
        for label in ["call-0", "call-1"] {
            let row = text
                .lines()
                .find(|line| line.starts_with(&format!("{{ {label} ")))
                .unwrap_or_else(|| panic!("no row for {label}: {text}"));
            assert!(row.ends_with(&format!("}}: {}", CALLS / 2)), "{row}");
        }
    }
}

/// A signed argument keeps its sign: -4@ of -i sums to the negative sum.
#[test]
fn signed_arguments_are_sign_extended() {
    let (path, _serial) = usdt_test!(signed_arguments_are_sign_extended);
    let text = traced(
        &[
            "-c",
            &format!("{path} {CALLS}"),
            &format!("usdt:{path}:tine:tick {{ @s = sum(0 - arg0); @neg = sum(arg0 * -1); }}"),
        ],
        None,
    );
    assert_eq!(scalar(&text, "@s"), Some(-sum_below(CALLS)), "{text}");
    assert_eq!(scalar(&text, "@neg"), Some(-sum_below(CALLS)), "{text}");
}

/// The kernel sets the semaphore while the probe is on, so the program fires it; not before,
/// and not after tine is gone.
#[test]
fn a_semaphore_is_set_while_its_probe_is_on() {
    let (path, _serial) = usdt_test!(a_semaphore_is_set_while_its_probe_is_on);
    assert_eq!(fired_alone(path), Some(0));
    let script = format!("usdt:{path}:tine:guarded {{ @n = count(); @i = sum(arg0); }}");
    for force in [None, Some("tracefs")] {
        let text = traced(&["-c", &format!("{path} {CALLS}"), &script], force);
        assert_eq!(scalar(&text, "fired"), Some(CALLS), "{force:?}: {text}");
        assert_eq!(scalar(&text, "@n"), Some(CALLS), "{force:?}: {text}");
        assert_eq!(scalar(&text, "@i"), Some(sum_below(CALLS)), "{text}");
        assert_eq!(
            fired_alone(path),
            Some(0),
            "{force:?}: the semaphore stayed set"
        );
    }
}

/// `tine:twice` is at two places, its argument in a register at one and in memory at the
/// other: each place gets its own program. `usdt:BINARY:NAME` takes any provider.
#[test]
fn a_probe_at_two_places_reads_each_place_arguments() {
    let (path, _serial) = usdt_test!(a_probe_at_two_places_reads_each_place_arguments);
    for spec in [format!("{path}:tine:twice"), format!("{path}:twice")] {
        let text = traced(
            &[
                "-c",
                &format!("{path} {CALLS}"),
                &format!("usdt:{spec} {{ @n = count(); @i = sum(arg0); }}"),
            ],
            None,
        );
        assert_eq!(scalar(&text, "@n"), Some(CALLS), "{spec}: {text}");
        assert_eq!(
            scalar(&text, "@i"),
            Some(sum_below(CALLS)),
            "{spec}: {text}"
        );
    }
    // `probe` names the probe, not the place, as bpftrace's does.
    let text = traced(
        &[
            "-c",
            &format!("{path} 10"),
            "-f",
            "bpftrace",
            &format!("usdt:{path}:tine:* {{ @[probe] = count(); }}"),
        ],
        None,
    );
    for name in ["tick", "twice", "guarded"] {
        let row = format!("@[usdt:{path}:tine:{name}]: 10\n");
        assert!(text.contains(&row), "{row} in {text}");
    }
}

/// `-p PID`: `usdt:NAME` is in that process's program, and only its events count.
#[test]
fn pid_limits_usdt_probes_to_one_process() {
    let (path, _serial) = usdt_test!(pid_limits_usdt_probes_to_one_process);
    let mut traced = Command::new(path)
        .args(["40", "wait"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start the traced program");
    let pid = traced.id().to_string();
    let mut tine = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args([
            "-p",
            &pid,
            "BEGIN { printf(\"ready\\n\"); } usdt:tick { @n = count(); @i = sum(arg0); }",
        ])
        .env_remove("TINE_FORCE")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tine");
    let mut out = BufReader::new(tine.stdout.take().expect("tine's stdout"));
    let mut line = String::new();
    out.read_line(&mut line).expect("read tine's first line");
    if line != "ready\n" {
        let mut errors = String::new();
        tine.stderr
            .take()
            .map(|mut stderr| stderr.read_to_string(&mut errors));
        panic!("tine did not get ready: {line:?} {errors}");
    }
    // Another process's calls are not counted.
    Command::new(path).arg("25").output().expect("run another");
    traced
        .stdin
        .take()
        .expect("the program's stdin")
        .write_all(b"go\n")
        .expect("release the program");
    assert!(traced.wait().expect("wait for the program").success());
    let killed = Command::new("kill")
        .args(["-INT", &tine.id().to_string()])
        .status();
    assert!(killed.expect("run kill").success());
    let mut text = String::new();
    out.read_to_string(&mut text).expect("read tine's output");
    assert!(tine.wait().expect("wait for tine").success(), "{text}");
    assert_eq!(scalar(&text, "@n"), Some(40), "{text}");
    assert_eq!(scalar(&text, "@i"), Some(sum_below(40)), "{text}");
}

/// A probe the binary lacks, a binary without notes, a spec of the wrong shape: clear errors.
#[test]
fn missing_probes_are_clear_errors() {
    let path = match program() {
        Ok(path) => path,
        Err(reason) => return common::skip("missing_probes_are_clear_errors", reason),
    };
    let tine_path = std::fs::canonicalize(env!("CARGO_BIN_EXE_tine")).unwrap();
    let tine_path = tine_path.display();
    let cases = [
        (
            format!("usdt:{path}:tine:nothing {{ }}"),
            format!("{path} has no USDT probe `tine:nothing`"),
        ),
        (
            format!("usdt:{tine_path}:tick {{ }}"),
            format!("{tine_path} has no USDT probes (no .note.stapsdt notes)"),
        ),
        (
            "usdt:tick { }".into(),
            "`usdt:tick`: a USDT probe is `usdt:/path/to/binary:provider:name` or \
             `usdt:/path:name` (`usdt:name` in -p's program)"
                .into(),
        ),
        (
            format!("usdt:{path}:tine:tick {{ @ = sum(arg4); }}"),
            "unknown name `arg4`".into(),
        ),
    ];
    for (script, message) in cases {
        let output = tine(&["-e", &script], None);
        let errors = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{script}: {errors}");
        assert!(errors.contains(&message), "{script}: {errors}");
    }
}

/// `-l` lists each probe the notes describe once, however many places it has, as
/// `usdt:PATH:PROVIDER:NAME` (the probes `readelf -n` finds); a glob over names takes its own.
#[test]
fn a_listing_names_each_probe_once() {
    let path = match program() {
        Ok(path) => path,
        Err(reason) => return common::skip("a_listing_names_each_probe_once", reason),
    };
    let notes = Command::new("readelf")
        .args(["-n", path])
        .output()
        .expect("run readelf");
    let notes = String::from_utf8_lossy(&notes.stdout).into_owned();
    let mut expected = Vec::new();
    let mut provider = "";
    for line in notes.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix("Provider: ") {
            provider = name;
        } else if let Some(name) = line.strip_prefix("Name: ") {
            expected.push(format!("usdt:{path}:{provider}:{name}\n"));
        }
    }
    // `twice` is at two places.
    assert_eq!(expected.len(), 4, "{notes}");
    expected.sort();
    expected.dedup();
    assert_eq!(
        traced(&["-l", &format!("usdt:{path}:*")], None),
        expected.concat()
    );
    let twice = expected.iter().filter(|line| line.ends_with(":twice\n"));
    let twice: String = twice.map(String::as_str).collect();
    for glob in [format!("U:{path}:tw*"), format!("*:{path}:tine:twice")] {
        assert_eq!(traced(&["-l", &glob], None), twice, "{glob}");
    }
}
