//! lang: the front end's first half — script text in, an untyped AST with spans out, or
//! diagnostics that point at the text.

pub mod ast;
pub mod diag;
pub mod parse;
pub mod suggest;
pub mod unsupported;

pub use diag::{Diag, Diagnostics, Span};
pub use parse::{parse, Syntax};
