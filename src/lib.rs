//! tine: a ply-style dynamic tracer. The pipeline, as a few plain calls:
//! script text -> lang -> sema -> compile -> kernel -> provider -> runtime -> output.
pub mod arch;
pub mod compile;
pub mod kernel;
pub mod lang;
pub mod output;
pub mod provider;
pub mod sema;
