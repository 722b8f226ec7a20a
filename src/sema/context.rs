//! sema::context: what sema needs from outside — the variables each provider adds, the
//! environment (`$NAME`, `$1`, `-c`) — as small traits and values, so sema knows no kernel.

use std::rc::Rc;

use crate::ctypes::TypeSource;

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
    /// Where data object `name` of the probe's binary is, and its size (bpftrace's
    /// `uaddr("name")`); None for a probe in no binary (not a uprobe), an error when the
    /// binary cannot be read or has no such object.
    fn data_symbol(&self, name: &str) -> Option<Result<(u64, u64), String>> {
        let _ = name;
        None
    }
}

/// A probe as `Providers::resolve` resolved it: its place among what that resolver holds. The
/// compiler and the runtime take the probe from the same resolver by it, so a probe is looked up
/// once and fails (or not) once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeId(pub usize);

/// The registry of providers: resolves a canonical provider name and its spec into a probe, and
/// gives its context.
pub trait Providers {
    /// The error string becomes a diagnostic under the spec.
    fn resolve(&self, provider: &str, spec: &str) -> Result<ProbeId, String>;
    /// The variables of a probe this resolved.
    fn context(&self, probe: ProbeId) -> Box<dyn ProbeContext>;

    /// The specs of each point a glob `spec` matches (`sched/sched_switch`, ...), for probes
    /// that read `probe`, which must name the point that fired: each with its spelling in the
    /// style the script wrote the glob (`written`, `sched:sched_*`). Empty: not a glob, or a
    /// provider that cannot list its points here.
    fn expand(
        &self,
        provider: &str,
        spec: &str,
        written: &str,
    ) -> Result<Vec<(String, String)>, String> {
        let _ = (provider, spec, written);
        Ok(Vec::new())
    }

    /// Where kernel symbol `name` is (bpftrace's `kaddr("name")`), None when there is none.
    fn kernel_symbol(&self, name: &str) -> Result<Option<u64>, String> {
        let _ = name;
        Err("kernel symbols cannot be read here".into())
    }

    /// Whether the kernel has bpf_send_signal (`signal()`); a dry run assumes it has.
    fn sends_signals(&self) -> bool {
        true
    }

    /// The kernel's C types (its BTF), read the first time they are asked for; None when the
    /// kernel has none. For casts, `->` chains, `curtask`, `sizeof` and enum constants.
    fn kernel_types(&self) -> Result<Option<Rc<dyn TypeSource>>, String> {
        Ok(None)
    }
}

/// What the command line adds to a script: environment variables (`$NAME`), positional
/// arguments after the script (`$1`...), and whether `-c` gives a child whose pid is `$target`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    /// Names and values; a name given twice means its last value, as a map built from them
    /// would.
    pub variables: Vec<(String, String)>,
    pub positional: Vec<String>,
    pub target: bool,
    /// `--unsafe`: `system()` and `signal()` are allowed.
    pub unsafe_calls: bool,
}

impl Environment {
    /// The process environment, with the given positional arguments, `-c` and `--unsafe` flags.
    #[inline(never)]
    pub fn from_process(positional: Vec<String>, target: bool, unsafe_calls: bool) -> Environment {
        Environment {
            // Those whose name and value are text: `env::vars` aborts at any other.
            variables: crate::kernel::environment(),
            positional,
            target,
            unsafe_calls,
        }
    }
}
