//! output: turns the bytes that come out of the kernel into the text ply prints — values,
//! histograms and map dumps — byte for byte. Knows no kernel and no language: the compiler
//! describes every value with a `wire::Layout`.

mod dump;
mod histogram;
mod printf;
mod value;

pub use dump::{write_map, PrintOptions, Shown};
pub use histogram::{write_linear_histogram, write_log2_histogram};
pub use printf::{Format, FormatError};
pub use value::{compare, write_time, write_value, NoSymbols, Symbols};
