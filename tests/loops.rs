//! bpftrace's control flow on this kernel: `while` with `break` and `continue`, `unroll`, and a
//! conditional expression run as a statement for its arms' effects; loops counted
//! by what a real run prints (the same lines bpftrace 0.17 prints for these scripts), and the
//! error for a loop the verifier cannot see end. (A kernel before 5.3, which refuses every loop,
//! is told so at the loop: runtime::load's unit test, from such a kernel's verifier log.)

mod common;

use std::process::{Command, Output};

fn tine(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(arguments)
        .output()
        .expect("run tine")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Each read of fd 0 counts its bytes up to 64 in a `while` bounded by the read's own size,
/// sums the odd numbers up to 7 of 1..10 with `continue` and `break`, and adds 3 five times in
/// an `unroll`: three 7-byte reads and two 100-byte reads, each printed with its numbers.
#[test]
fn while_and_unroll_run_the_right_number_of_times_for_each_read() {
    if !common::kernel_available("while_and_unroll_run_the_right_number_of_times_for_each_read") {
        return;
    }
    let reader = common::unique_copy("dd", "tineloops");
    let reader = reader.display();
    let workload = format!(
        "{reader} bs=7 count=3 status=none </dev/zero >/dev/null; \
         {reader} bs=100 count=2 status=none </dev/zero >/dev/null"
    );
    let script = r#"tracepoint:syscalls:sys_enter_read /args->fd == 0 && comm == "tineloops"/ {
        $i = 0;
        while ($i < args->count) { $i++; if ($i > 64) { break; } }
        $j = 0; $odd = 0;
        while ($j < 10) { $j++; if ($j % 2 == 0) { continue; } if ($j > 7) { break; } $odd += $j; }
        $u = 0;
        unroll(5) { $u += 3; }
        printf("read %d: while %d, odd %d, unroll %d\n", args->count, $i, $odd, $u);
    }"#;
    let output = tine(&["-c", &workload, script]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let printed: Vec<String> = text(&output.stdout)
        .lines()
        .filter(|line| line.starts_with("read "))
        .map(str::to_string)
        .collect();
    let small = "read 7: while 7, odd 16, unroll 15";
    let large = "read 100: while 65, odd 16, unroll 15";
    assert_eq!(printed, [small, small, small, large, large], "{output:?}");
}

/// `continue` skips the rest of one pass, `break` ends the loop, an `unroll` body runs its
/// count of times, and a scratch variable first assigned in a loop is the probe's (as in
/// bpftrace, whose output for this script is the same).
#[test]
fn break_continue_and_unroll_in_begin() {
    if !common::kernel_available("break_continue_and_unroll_in_begin") {
        return;
    }
    let script = r#"BEGIN {
        $i = 0;
        while ($i < 5) {
            $i++;
            if ($i == 2) { continue; }
            if ($i == 4) { break; }
            printf("%d\n", $i);
            $last = $i;
        }
        unroll(3) { printf("u\n"); $n = 7; @unrolled = count(); }
        printf("i %d last %d n %d\n", $i, $last, $n);
        exit();
    }"#;
    let output = tine(&[script]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let out = text(&output.stdout);
    assert!(out.starts_with("1\n3\nu\nu\nu\ni 4 last 3 n 7\n"), "{out}");
    assert!(out.contains("@unrolled: 3"), "{out}");
}

/// A loop the verifier never sees end (`$i` never changes) gets tine's error at the loop, not
/// the verifier's log; `-d` adds the log.
#[test]
fn a_loop_the_verifier_cannot_bound_is_named() {
    if !common::kernel_available("a_loop_the_verifier_cannot_bound_is_named") {
        return;
    }
    let script = "BEGIN { $i = 0;\n  while ($i < 3) { @passes = count(); }\n  exit(); }";
    let clear = "<script>:2:3: error: the kernel's verifier cannot tell that this loop ends: \
                 bound it, as `$i < 100` with `$i++` in the body\n";
    let output = tine(&[script]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let error = text(&output.stderr);
    assert!(error.starts_with(clear), "{error}");
    assert!(
        !error.contains("processed") && !error.contains("goto"),
        "{error}"
    );
    let output = tine(&["-d", script]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let error = text(&output.stderr);
    assert!(error.contains(clear.trim_end()), "{error}");
    assert!(error.contains("infinite loop detected"), "{error}");
}

/// `c ? printf(..) : printf(..);` runs one arm per event (bpftrace's reference guide writes
/// it so), as an `if`: two 7-byte reads print "odd", a 100-byte one "even", nested arms too.
#[test]
fn a_conditional_statement_runs_the_arm_its_condition_picks() {
    if !common::kernel_available("a_conditional_statement_runs_the_arm_its_condition_picks") {
        return;
    }
    let reader = common::unique_copy("dd", "tineternary");
    let reader = reader.display();
    let workload = format!(
        "{reader} bs=7 count=2 status=none </dev/zero >/dev/null; \
         {reader} bs=100 count=1 status=none </dev/zero >/dev/null"
    );
    let script = r#"tracepoint:syscalls:sys_enter_read /args->fd == 0 && comm == "tineternary"/ {
        args->count & 1 ? printf("odd %d\n", args->count)
            : (args->count > 50 ? printf("even, large %d\n", args->count) : printf("even\n"));
    }"#;
    let output = tine(&["-c", &workload, script]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let printed: Vec<String> = text(&output.stdout)
        .lines()
        .filter(|line| line.starts_with("odd") || line.starts_with("even"))
        .map(str::to_string)
        .collect();
    assert_eq!(printed, ["odd 7", "odd 7", "even, large 100"], "{output:?}");
}

/// `m[k] op= v` and `m[k]++` read and write one element: the key is evaluated once. A key of
/// `rand` loses no count (before, the read's key and the store's were two draws, and 100
/// increments left ~78), and a key that steps a variable steps it once per statement (bpftrace
/// 0.17 evaluates the key of `+=` twice: `$i` ends at 3 there, and `@m[2]` holds the 5).
#[test]
fn a_compound_assignment_evaluates_its_key_once() {
    if !common::kernel_available("a_compound_assignment_evaluates_its_key_once") {
        return;
    }
    let script = "BEGIN { $n = 0; while ($n < 100) { @r[rand % 4]++; @s[rand % 4] += 2; $n++; }
                   $i = 0; @m[$i++]++; @m[$i++] += 5; printf(\"i=%d\\n\", $i);
                   @total = sum(@r[0] + @r[1] + @r[2] + @r[3]);
                   @twice = sum(@s[0] + @s[1] + @s[2] + @s[3]); exit(); }";
    let output = tine(&["-f", "bpftrace", script]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let printed = text(&output.stdout);
    assert!(printed.contains("i=2\n"), "{printed}");
    assert!(printed.contains("@m[0]: 1\n@m[1]: 5\n"), "{printed}");
    assert!(printed.contains("@total: 100\n"), "{printed}");
    assert!(printed.contains("@twice: 200\n"), "{printed}");
}
