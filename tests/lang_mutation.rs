//! Randomized robustness of the front end on the stable toolchain: the corpus scripts mutated
//! with a fixed seed (so a failure reproduces), plus pathological shapes. No input may panic,
//! and none may take long (a generous bound that only a hang or a blow-up would cross).

#[path = "lang/fake.rs"]
mod fake;

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

use tine::provider::offline::OfflineProviders;
use tine::sema::Environment;

const SEED: u64 = 0x7469_6e65_6675_7a7a;
const MUTANTS: usize = 30_000;
/// A bound for blow-ups (exponential backtracking takes hours on these shapes), not a timing: a
/// loaded 2-core machine took 2.3 s on a debug build for what takes 0.1 s idle.
const SLOWEST_ALLOWED: Duration = Duration::from_secs(30);

/// xorshift64*: tiny, deterministic, good enough to pick mutations.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

/// Fragments that stress the grammar's corners: brackets, comments, escapes, operators.
const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "/",
    "/ {",
    "\"",
    "'",
    "\\",
    "@",
    "$",
    "$1",
    "$target",
    ",",
    ";",
    "->",
    ".",
    "++",
    "--",
    "+=",
    "=",
    "==",
    "?",
    ":",
    "/*",
    "*/",
    "//",
    "#",
    "\n",
    "0x",
    "0b",
    "1_000",
    "99999999999999999999",
    "(u32)",
    "(char*)",
    "count()",
    "quantize(",
    "printf(\"%d\\n\"",
    "\"%s %v\"",
    "data->",
    "args.",
    "arg0",
    "retval",
    "comm",
    "if (",
    "else",
    "return;",
    "delete ",
    "BEGIN",
    "END",
    "kprobe:",
    "k:a,",
    "tracepoint:sched:sched_switch",
    "interval:s:1",
    "é",
    "\u{0}",
    "\u{2524}",
    "\r",
    "\r\n",
    "\t",
    " ",
    "lhist(x, 0, 10, 1)",
    "str(",
    "mem(arg0, 600)",
    "@x[",
    "-",
    "!",
    "~",
    "*",
];

fn mutate(random: &mut Random, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + random.below(4) {
        let length = chars.len();
        let at = random.below(length + 1);
        match random.below(6) {
            0 if length > 0 => {
                let end = (at + 1 + random.below(8)).min(length);
                chars.drain(at.min(end)..end);
            }
            1 => {
                let fragment = FRAGMENTS[random.below(FRAGMENTS.len())];
                chars.splice(at..at, fragment.chars());
            }
            2 if length > 0 => {
                let start = random.below(length);
                let end = (start + 1 + random.below(16)).min(length);
                let copy: Vec<char> = chars[start..end].to_vec();
                chars.splice(at..at, copy);
            }
            3 => chars.truncate(at),
            4 if length > 0 => {
                let other = random.below(length);
                chars.swap(at.min(length - 1), other);
            }
            _ if length > 0 => {
                chars[at.min(length - 1)] = char::from(random.below(128) as u8);
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lang");
    let mut scripts = Vec::new();
    for folder in ["accepted", "rejected"] {
        for entry in fs::read_dir(root.join(folder)).expect("the corpus") {
            let path = entry.expect("an entry").path();
            if path
                .extension()
                .is_some_and(|extension| extension == "tine")
            {
                scripts.push(fs::read_to_string(&path).expect("a script"));
            }
        }
    }
    scripts.sort();
    scripts
}

/// Runs the whole front end and its renderers on `input`; returns whether it was accepted.
fn run(input: &str, providers: &OfflineProviders, environment: &Environment) -> bool {
    let start = Instant::now();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        match tine::check(input, "<fuzz>", providers, environment) {
            Ok(program) => {
                // The compiler takes every program sema accepts: an error is a value.
                let _ = fake::compile(providers, &program);
                !program.to_string().is_empty()
            }
            Err(diagnostics) => {
                assert!(diagnostics.to_string().contains("error: "));
                false
            }
        }
    }));
    let elapsed = start.elapsed();
    let Ok(accepted) = outcome else {
        panic!("the front end or the compiler panicked on {input:?}");
    };
    assert!(
        elapsed < SLOWEST_ALLOWED,
        "the front end took {elapsed:?} on {input:?}"
    );
    accepted
}

#[test]
fn mutated_corpus_never_panics_nor_hangs() {
    let scripts = corpus();
    assert!(scripts.len() > 100);
    let (providers, environment) = (fake::providers(), fake::environment());
    let mut random = Random(SEED);
    let mut accepted = 0;
    for _ in 0..MUTANTS {
        let base = &scripts[random.below(scripts.len())];
        let mutant = mutate(&mut random, base);
        if run(&mutant, &providers, &environment) {
            accepted += 1;
        }
    }
    // Mutants must exercise both outcomes, or the mutations are not reaching the type checker.
    assert!(
        accepted > 0 && accepted < MUTANTS,
        "{accepted} of {MUTANTS} accepted"
    );
}

#[test]
fn pathological_shapes_are_errors_not_crashes() {
    let deep = 100_000;
    let shapes = [
        format!(
            "BEGIN {{ print({}1{}); }}",
            "(".repeat(deep),
            ")".repeat(deep)
        ),
        format!("BEGIN {{ print({}1); }}", "-".repeat(deep)),
        format!("BEGIN {{ print({}1); }}", "!~".repeat(deep)),
        format!("BEGIN {}", "{".repeat(deep)),
        format!("BEGIN {{ {} }}", "if (1) ".repeat(deep)),
        format!("BEGIN {{ print(1{}); }}", " + 1".repeat(deep)),
        format!("BEGIN {{ print(data{}); }}", "->x".repeat(deep)),
        format!("BEGIN {{ print(1 ? {} 1 : 2); }}", "1 ? ".repeat(deep)),
        "\"".repeat(deep),
        "/*".repeat(deep),
        format!("BEGIN {{ {} }}", "a b; ".repeat(deep / 10)),
        format!("BEGIN {{ printf(\"{}\"); }}", "%".repeat(deep + 1)),
        String::new(),
        "\u{0}".to_string(),
        "k:".to_string(),
        // Found by cargo-fuzz: an error on a line's trailing carriage returns.
        "kprobe:vfs_read,\r\r\r\r\r\r\r\r\r\r".to_string(),
    ];
    let (providers, environment) = (fake::providers(), fake::environment());
    for shape in &shapes {
        assert!(
            !run(shape, &providers, &environment),
            "accepted a pathological script starting {:?}",
            &shape[..shape.len().min(40)]
        );
    }
}

#[test]
fn nesting_up_to_the_limit_is_accepted() {
    // Deep but sane scripts parse, so the limit refuses only the absurd.
    let providers = fake::providers();
    let script = format!("BEGIN {{ print({}1{}); }}", "(".repeat(30), ")".repeat(30));
    assert!(tine::check(&script, "<t>", &providers, &fake::environment()).is_ok());
    let chain = format!("BEGIN {{ print(1{}); }}", " + 1".repeat(40));
    assert!(tine::check(&chain, "<t>", &providers, &fake::environment()).is_ok());
}
