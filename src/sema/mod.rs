//! sema: resolves names and infers a type for every expression of the AST.
//! Knows no kernel; provider variables come in through `ProbeContext`.

pub mod check;
pub mod context;
pub mod dump;
pub mod program;
pub mod types;

pub use check::check_script;
pub use context::{Environment, ProbeContext, ProbeId, Providers};
pub use program::{Builtin, Function, Map, MapId, MapKind, Program};
pub use types::{StructType, Type};
