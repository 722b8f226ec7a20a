//! provider::offline: every provider's variables typed without asking the kernel — kprobes and
//! uprobes from the build architecture's pt_regs table (the same variables as when tracing),
//! tracepoints from a record source — for dry runs (`-e`) and the front end's tests.

use std::rc::Rc;

use crate::sema::types::{AddressSpace, U64};
use crate::sema::{ProbeContext, Providers, Record, Type};

use super::{regs, Listed, Variable};
use crate::compile::Access;

/// How a dry run learns a tracepoint's record: from the kernel's format file when the caller
/// can read it, from a table in tests. None: a glob over events whose records differ.
pub type RecordSource = dyn Fn(&str) -> Result<Option<Rc<Record>>, String>;

pub struct OfflineProviders {
    pub tracepoint_record: Box<RecordSource>,
}

impl Providers for OfflineProviders {
    fn context(&self, provider: &str, spec: &str) -> Result<Box<dyn ProbeContext>, String> {
        let space = match provider {
            "kprobe" | "kretprobe" => AddressSpace::Kernel,
            "uprobe" | "uretprobe" => AddressSpace::User,
            "tracepoint" => super::tracepoint::address_space(std::iter::once(spec)),
            _ => AddressSpace::Unknown,
        };
        let variables: Vec<Variable> = match provider {
            "kprobe" | "kretprobe" => {
                super::kprobe::variables(regs::current_arch()?, provider == "kretprobe")
            }
            "uprobe" | "uretprobe" => {
                regs::variables(regs::current_arch()?, provider == "uretprobe", U64)
            }
            // A glob over events whose records differ has no `data`, as when tracing.
            "tracepoint" => (self.tracepoint_record)(spec)?
                .into_iter()
                .map(|record| Variable {
                    name: "data".to_string(),
                    ty: Type::Pointer {
                        target: Box::new(Type::Struct(record)),
                        // The context itself, loaded directly: no probe read goes through it.
                        space: AddressSpace::Unknown,
                    },
                    access: Access::Context,
                })
                .collect(),
            "profile" | "interval" | "BEGIN" | "END" => Vec::new(),
            "kfunc" | "kretfunc" => {
                return Err(format!("`{provider}` probes are not supported yet"));
            }
            other => return Err(format!("no provider `{other}`")),
        };
        Ok(Box::new(Listed(variables, space)))
    }
}
