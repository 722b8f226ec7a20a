//! What a kernel test that cannot run does: a child of this very test binary runs the ignored
//! `a_kernel_test_that_cannot_run` under each setting of TINE_REQUIRE_KERNEL, with libtest's
//! output capture on, as in a plain `cargo test`.

mod common;

use std::process::Output;

/// Set in the child's environment, so `--include-ignored` alone does not run the child's skip.
const CHILD: &str = "TINE_KERNEL_SKIP_CHILD";

/// The child: a kernel test that finds the kernel unusable. Ignored, so it runs only when the
/// tests below ask for it.
#[test]
#[ignore = "run by the other tests of this file, in a child"]
fn a_kernel_test_that_cannot_run() {
    if std::env::var_os(CHILD).is_some() {
        common::skip("a_kernel_test_that_cannot_run", "the reason it cannot");
    }
}

fn child(require: Option<&str>) -> Output {
    let mut command = std::process::Command::new(std::env::current_exe().expect("test binary"));
    command
        .args(["--ignored", "--exact", "a_kernel_test_that_cannot_run"])
        .env(CHILD, "1")
        .env_remove("TINE_REQUIRE_KERNEL");
    if let Some(value) = require {
        command.env("TINE_REQUIRE_KERNEL", value);
    }
    command.output().expect("running the test binary")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn unset_the_test_passes_and_says_why_past_the_capture() {
    for require in [None, Some("0")] {
        let output = child(require);
        assert!(output.status.success(), "{require:?}: {output:?}");
        let stdout = text(&output.stdout);
        assert!(stdout.contains("1 passed"), "{stdout}");
        let line = format!(
            "{} a_kernel_test_that_cannot_run: the reason it cannot\n",
            common::testing::SKIPPED
        );
        assert_eq!(text(&output.stderr).matches(&line).count(), 1, "{output:?}");
    }
}

#[test]
fn required_a_skip_is_a_failure_with_its_reason() {
    let output = child(Some("1"));
    assert_eq!(output.status.code(), Some(101), "{output:?}");
    let all = text(&output.stdout) + &text(&output.stderr);
    assert!(all.contains("1 failed"), "{all}");
    assert!(
        all.contains("kernel test required (TINE_REQUIRE_KERNEL=1) but the reason it cannot"),
        "{all}"
    );
    assert!(!all.contains(common::testing::SKIPPED), "{all}");
}

#[test]
fn any_other_setting_is_refused_not_guessed() {
    for value in ["yes", "true", "2"] {
        let output = child(Some(value));
        assert_eq!(output.status.code(), Some(101), "{value}: {output:?}");
        let all = text(&output.stdout) + &text(&output.stderr);
        assert!(all.contains("set it to 1"), "{all}");
    }
}
