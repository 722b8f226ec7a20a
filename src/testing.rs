//! testing: what a kernel test does when it cannot run. The unit tests use it as `crate::testing`
//! and tests/common includes this very file, so `TINE_REQUIRE_KERNEL` means one thing everywhere:
//! unset (or `0`) → the test skips and says why; `1` → a skip is a failure (CI sets it).

use std::fmt::Display;
use std::io::Write;

/// Starts every skip line, so a run's skips can be counted (`.ci/run` prints the total).
pub const SKIPPED: &str = "tine: skipped kernel test";

/// Reports that `test` cannot run because of `reason`, then returns so the caller can return;
/// under `TINE_REQUIRE_KERNEL=1` panics instead, and on any other value than unset, `0` or `1`
/// panics too, so a mistyped setting cannot pass for either.
pub fn skip(test: &str, reason: impl Display) {
    match std::env::var("TINE_REQUIRE_KERNEL") {
        Ok(value) if value == "1" => {
            panic!("{test}: kernel test required (TINE_REQUIRE_KERNEL=1) but {reason}")
        }
        Ok(value) if value == "0" => {}
        Err(std::env::VarError::NotPresent) => {}
        Ok(value) => panic!(
            "TINE_REQUIRE_KERNEL={value:?}: set it to 1 (a skipped kernel test fails) or leave it \
             unset (skips are reported)"
        ),
        Err(error) => panic!("TINE_REQUIRE_KERNEL: {error}"),
    }
    // libtest captures `eprintln!` of a passing test; a write to the stderr handle itself is not
    // captured, so the skip is seen in a plain `cargo test`.
    let _ = writeln!(std::io::stderr(), "{SKIPPED} {test}: {reason}");
}
