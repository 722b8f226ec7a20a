//! sema::context: what sema needs from outside — the variables each provider adds, the
//! environment (`$NAME`, `$1`, `-c`) — as small traits and values, so sema knows no kernel.

use std::collections::HashMap;

use super::types::{AddressSpace, Type};

/// The variables one probe's provider adds (`data`/`args`, `argN`, `retval`, `caller`, ...).
pub trait ProbeContext {
    /// The type of provider variable `name`, or None when this provider has no such variable.
    fn variable(&self, name: &str) -> Option<Type>;
    /// Every variable name this context knows, for "did you mean" suggestions.
    fn names(&self) -> Vec<String>;
    /// The memory the addresses this probe's values hold point into (a uprobe's `arg0`, a
    /// syscall's `filename`), unless `uptr()`/`kptr()` say otherwise.
    fn address_space(&self) -> AddressSpace {
        AddressSpace::Unknown
    }
    /// The function the probe is in, by name, when the spec names one: what `func` reads
    /// where the provider has no variable of that name (uprobes).
    fn function(&self) -> Option<String> {
        None
    }
}

/// The registry of providers: turns a canonical provider name and its spec into the context of
/// that probe. The error string becomes a diagnostic under the spec.
pub trait Providers {
    fn context(&self, provider: &str, spec: &str) -> Result<Box<dyn ProbeContext>, String>;

    /// The specs of each point a glob `spec` matches (`sched/sched_switch`, ...), for probes
    /// that read `probe`, which must name the point that fired. Empty: not a glob, or a
    /// provider that cannot list its points here.
    fn expand(&self, provider: &str, spec: &str) -> Result<Vec<String>, String> {
        let _ = (provider, spec);
        Ok(Vec::new())
    }

    /// Where kernel symbol `name` is (bpftrace's `kaddr("name")`), None when there is none.
    fn kernel_symbol(&self, name: &str) -> Result<Option<u64>, String> {
        let _ = name;
        Err("kernel symbols cannot be read here".into())
    }
}

/// What the command line adds to a script: environment variables (`$NAME`), positional
/// arguments after the script (`$1`...), and whether `-c` gives a child whose pid is `$target`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    pub variables: HashMap<String, String>,
    pub positional: Vec<String>,
    pub target: bool,
}

impl Environment {
    /// The process environment, with the given positional arguments and `-c` flag.
    pub fn from_process(positional: Vec<String>, target: bool) -> Environment {
        Environment {
            variables: std::env::vars().collect(),
            positional,
            target,
        }
    }
}
