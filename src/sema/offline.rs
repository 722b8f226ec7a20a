//! sema::offline: provider variables typed without a kernel, for dry runs (`-e -S`) and tests
//! until the provider layer supplies the real contexts.

use std::rc::Rc;

use super::context::{ProbeContext, Providers};
use super::types::{Record, Type, I64, U64};
use crate::arch::Arch;

/// How a dry run learns a tracepoint's record: from the kernel's format file when the caller
/// can read it, from a table in tests.
pub type RecordSource = dyn Fn(&str) -> Result<Option<Rc<Record>>, String>;

/// Types what can be typed offline: `regs`, `caller` and the register-passed `argN` of
/// kprobes/uprobes, `retval` of the return probes (machine words of the architecture tine was
/// built for), and tracepoint `data` from `tracepoint_record`. Profile and interval probes add
/// no variables.
pub struct OfflineProviders {
    pub tracepoint_record: Box<RecordSource>,
}

struct Variables(Vec<(String, Type)>);

impl ProbeContext for Variables {
    fn variable(&self, name: &str) -> Option<Type> {
        self.0
            .iter()
            .find(|(known, _)| known == name)
            .map(|(_, ty)| ty.clone())
    }

    fn names(&self) -> Vec<String> {
        self.0.iter().map(|(name, _)| name.clone()).collect()
    }
}

/// `struct pt_regs` of the architecture tine was built for, one machine word a register.
fn registers(arch: &Arch) -> Type {
    let word = register_type(arch, false);
    let fields = arch
        .registers
        .iter()
        .map(|name| (name.to_string(), word.clone()))
        .collect();
    let record = Record::c_layout(Some("pt_regs".to_string()), fields);
    Type::Pointer {
        target: Box::new(Type::Struct(Rc::new(record))),
        user_space: false,
    }
}

fn register_type(arch: &Arch, signed: bool) -> Type {
    match arch.word {
        4 => Type::Int { bytes: 4, signed },
        _ if signed => I64,
        _ => U64,
    }
}

impl Providers for OfflineProviders {
    fn context(&self, provider: &str, spec: &str) -> Result<Box<dyn ProbeContext>, String> {
        let probe_variables = |arguments: bool| -> Result<Vec<(String, Type)>, String> {
            let arch = crate::arch::current()
                .ok_or_else(|| format!("`{provider}` probes need a known architecture"))?;
            let mut variables = vec![
                ("regs".to_string(), registers(arch)),
                ("caller".to_string(), Type::KernelAddress),
            ];
            if arguments {
                // Only register-passed arguments, as ply offers them.
                variables.extend(
                    (0..arch.arguments.len())
                        .map(|index| (format!("arg{index}"), register_type(arch, false))),
                );
            } else {
                variables.push(("retval".to_string(), register_type(arch, true)));
            }
            Ok(variables)
        };
        let variables: Vec<(String, Type)> = match provider {
            "kprobe" | "uprobe" => probe_variables(true)?,
            "kretprobe" | "uretprobe" => probe_variables(false)?,
            // A glob over events whose records differ has no `data`, as when tracing.
            "tracepoint" => (self.tracepoint_record)(spec)?
                .into_iter()
                .map(|record| {
                    (
                        "data".to_string(),
                        Type::Pointer {
                            target: Box::new(Type::Struct(record)),
                            user_space: false,
                        },
                    )
                })
                .collect(),
            "profile" | "interval" => Vec::new(),
            "kfunc" | "kretfunc" => {
                return Err(format!("`{provider}` probes are not supported yet"));
            }
            other => return Err(format!("no provider `{other}`")),
        };
        Ok(Box::new(Variables(variables)))
    }
}
