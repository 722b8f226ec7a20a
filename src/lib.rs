//! tine: a ply-style dynamic tracer. The pipeline, as a few plain calls:
//! script text -> lang -> sema -> compile -> kernel -> provider -> runtime -> output.
pub mod arch;
pub mod compile;
pub mod kernel;
pub mod lang;
pub mod output;
pub mod provider;
pub mod sema;

use lang::Diagnostics;
use sema::{Environment, Program, Providers};

/// Front end: script text to a typed program, or every error found, rendered against the text.
/// `file_name` names the script in messages (`<script>` for one given on the command line).
pub fn check(
    source: &str,
    file_name: &str,
    providers: &dyn Providers,
    environment: &Environment,
) -> Result<Program, Diagnostics> {
    let script =
        lang::parse(source).map_err(|errors| Diagnostics::new(file_name, source, errors))?;
    sema::check_script(&script, providers, environment)
        .map_err(|errors| Diagnostics::new(file_name, source, errors))
}
