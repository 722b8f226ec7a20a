//! output: turns the bytes that come out of the kernel into the text ply prints — values,
//! histograms and map dumps — byte for byte, or into bpftrace's text or JSON (`Style`). Knows
//! no kernel and no language: the compiler describes every value with a `wire::Layout`.
//!
//! The larger steps are `#[inline(never)]`: inlined into their one caller they made the
//! binary bigger (measured).

mod dump;
mod histogram;
mod printf;
mod value;

pub use dump::{write_map, MapShape, PrintOptions, Shown};
pub use histogram::{write_linear_histogram, write_log2_histogram};
pub use printf::{Format, FormatError};
pub use value::{
    compare, write_json_type, write_styled, write_text, write_time, write_unsigned, write_value,
    NoSymbols, Symbols,
};

/// Whose layout maps, histograms and values print in (`-f`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Style {
    /// ply's, the default.
    #[default]
    Ply,
    /// bpftrace 0.17's text: `@m[key]: value`, `[4K, 8K)  218 |@@@@  |`.
    Bpftrace,
    /// bpftrace 0.17's JSON: one object a line, `{"type": "map", "data": {...}}`.
    Json,
}
