//! sema::offline: provider variables typed without a kernel, for dry runs (`-e -S`) and tests
//! until the provider layer supplies the real contexts.

use std::rc::Rc;

use super::context::{ProbeContext, Providers};
use super::types::{Record, Type, I64, U64};

/// How a dry run learns a tracepoint's record: from the kernel's format file when the caller
/// can read it, from a table in tests.
pub type RecordSource = dyn Fn(&str) -> Result<Rc<Record>, String>;

/// Types what can be typed offline: `arg0`..`arg9` and `caller` of kprobes/uprobes, `retval` of
/// the return probes (all 64-bit, as on every 64-bit architecture), and tracepoint `data` from
/// `tracepoint_record`. Profile and interval probes add no variables.
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

impl Providers for OfflineProviders {
    fn context(&self, provider: &str, spec: &str) -> Result<Box<dyn ProbeContext>, String> {
        let arguments = || (0..10).map(|index| (format!("arg{index}"), U64));
        let variables: Vec<(String, Type)> = match provider {
            "kprobe" | "uprobe" => arguments()
                .chain([("caller".to_string(), Type::KernelAddress)])
                .collect(),
            "kretprobe" | "uretprobe" => vec![
                ("retval".to_string(), I64),
                ("caller".to_string(), Type::KernelAddress),
            ],
            "tracepoint" => {
                let record = (self.tracepoint_record)(spec)?;
                vec![(
                    "data".to_string(),
                    Type::Pointer {
                        target: Box::new(Type::Struct(record)),
                        user_space: false,
                    },
                )]
            }
            "profile" | "interval" => Vec::new(),
            "kfunc" | "kretfunc" => {
                return Err(format!("`{provider}` probes are not supported yet"));
            }
            other => return Err(format!("no provider `{other}`")),
        };
        Ok(Box::new(Variables(variables)))
    }
}
