//! provider::rawtracepoint: bpftrace's `rawtracepoint:sched_switch` (alias `rt:`; bpftrace has it
//! from 0.21): a BPF_PROG_TYPE_RAW_TRACEPOINT program attached to a kernel tracepoint by name
//! with BPF_RAW_TRACEPOINT_OPEN. The context is the tracepoint's arguments as the kernel passes
//! them, one u64 each: `arg0`, `arg1`, ... (no record is built, no tracefs is read).

use std::rc::Rc;

use tine_asm::Size;

use crate::compile::{Access, ProgramKind};
use crate::kernel::bpf::{Link, LoadedProgram};
use crate::kernel::error::KernelError;
use crate::lang::Syntax;
use crate::sema::Type;

use super::error::ProviderError;
use super::offline::OfflineProbe;
use super::{Attachment, Provider, ResolvedProbe, Variable};

/// The kernel passes a BPF program at most this many arguments (MAX_BPF_FUNC_ARGS).
const ARGUMENTS: usize = 12;

pub struct RawTracepoint {
    /// The tracepoint's name, without its group (`sched_switch`).
    name: String,
    variables: Vec<Variable>,
}

impl RawTracepoint {
    /// `NAME`, or `GROUP:NAME` / `GROUP/NAME` (a tracepoint's group, or a module as newer
    /// bpftrace writes it), which the kernel does not need: it finds tracepoints by name.
    fn parse(spec: &str) -> Result<RawTracepoint, ProviderError> {
        // By bytes: `rfind` of chars would link a searcher into the binary.
        let start = spec
            .bytes()
            .rposition(|byte| byte == b':' || byte == b'/')
            .map_or(0, |at| at + 1);
        let name = &spec[start..];
        if name.is_empty() || super::glob::is_glob(spec) {
            return Err(ProviderError::spec(
                "`rawtracepoint:",
                spec,
                "`: name one tracepoint, without a glob: rawtracepoint:sched_switch",
            ));
        }
        let mut variables = Vec::with_capacity(ARGUMENTS);
        for index in 0..ARGUMENTS {
            variables.push(Variable {
                name: format!("arg{index}"),
                ty: Type::Int {
                    bytes: 8,
                    signed: false,
                },
                access: Access::ContextLoad {
                    offset: index as i16 * 8,
                    size: Size::U64,
                },
            });
        }
        Ok(RawTracepoint {
            name: name.to_string(),
            variables,
        })
    }
}

/// One copy for both ways of resolving (binary size).
#[inline(never)]
fn resolved(spec: &str) -> Result<super::Resolved, ProviderError> {
    Ok(Rc::new(RawTracepoint::parse(spec)?))
}

/// `rawtracepoint:`, `rt:`.
pub static RAWTRACEPOINT: Provider = Provider {
    syntax: Syntax {
        aliases: "rt",
        ..Syntax::named("rawtracepoint")
    },
    resolve: |spec, _| resolved(spec),
    offline: |spec, _| Ok(OfflineProbe::of(&*resolved(spec)?)),
    offline_points: None,
    respell: None,
    list: None,
};

impl ResolvedProbe for RawTracepoint {
    fn kind(&self) -> ProgramKind {
        ProgramKind::RawTracepoint
    }

    fn variables(&self) -> &[Variable] {
        &self.variables
    }

    fn attach(&self, program: &LoadedProgram) -> Result<Attachment, KernelError> {
        Ok(Attachment::Link(Link::raw_tracepoint(program, &self.name)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_or_without_its_group_and_twelve_arguments() {
        let name = |spec: &str| RawTracepoint::parse(spec).map(|probe| probe.name);
        assert_eq!(name("sched_switch"), Ok("sched_switch".into()));
        assert_eq!(name("sched:sched_switch"), Ok("sched_switch".into()));
        assert_eq!(name("raw_syscalls/sys_enter"), Ok("sys_enter".into()));
        assert!(name("sched_*").is_err());
        assert!(name("sched:").is_err());
        let probe = RawTracepoint::parse("sys_enter").unwrap();
        let arg11 = &probe.variables[11];
        assert_eq!(arg11.name, "arg11");
        assert_eq!(
            arg11.access,
            Access::ContextLoad {
                offset: 88,
                size: Size::U64
            }
        );
        assert_eq!(probe.variables.len(), 12);
    }
}
