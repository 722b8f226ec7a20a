//! Fuzz target: any text through the whole front end (parse, check, render the dump or the
//! errors) must return, never panic. Run with
//! `cargo +nightly fuzz run --fuzz-dir tests/fuzz front_end CORPUS tests/lang/accepted tests/lang/rejected`.
#![no_main]

#[path = "../../lang/fake.rs"]
mod fake;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn environment() -> &'static tine::sema::Environment {
    static ENVIRONMENT: OnceLock<tine::sema::Environment> = OnceLock::new();
    ENVIRONMENT.get_or_init(fake::environment)
}

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    let providers = fake::providers();
    let rendered = match tine::check(source, "<fuzz>", &providers, environment()) {
        Ok(program) => program.to_string(),
        Err(diagnostics) => diagnostics.to_string(),
    };
    assert!(!rendered.is_empty());
});
