//! provider::fentry: `fentry:FUNCTION` and `fexit:FUNCTION` (bpftrace's `kfunc:` and
//! `kretfunc:`, `f:` and `fr:`): a tracing program on a kernel function's BPF trampoline, loaded
//! for the function's BTF id. The context is the function's arguments, one u64 each, then
//! (fexit) its return value: `args` (ply's `data`) and `retval` are typed from the function's
//! BTF prototype.

use std::rc::Rc;

use tine_asm::Size;

use crate::compile::{Access, ProgramKind};
use crate::ctypes::{self, CType, TypeId, TypeSource};
use crate::kernel::bpf::{AttachTo, AttachType, Link, LoadedProgram, ENOTSUPP};
use crate::kernel::error::KernelError;
use crate::lang::Syntax;
use crate::sema::types::{AddressSpace, StructField, StructType};
use crate::sema::Type;

use super::error::ProviderError;
use super::offline::OfflineProbe;
use super::{Attachment, Provider, ResolvedProbe, Variable};

/// `fentry:`, and bpftrace's `kfunc:` (`f:` is an abbreviation of `fentry`).
pub static FENTRY: Provider = Provider {
    syntax: Syntax {
        aliases: "kfunc",
        ..Syntax::named("fentry")
    },
    resolve: |spec, kernel| Ok(Rc::new(Fentry::resolve(spec, false, kernel.types.get())?)),
    offline: |spec, sources| {
        Ok(OfflineProbe::of(&Fentry::resolve(
            spec,
            false,
            sources.types.get(),
        )?))
    },
    offline_points: None,
    respell: None,
};

/// `fexit:`, and bpftrace's `kretfunc:` and `fr:`.
pub static FEXIT: Provider = Provider {
    syntax: Syntax {
        aliases: "kretfunc fr",
        ..Syntax::named("fexit")
    },
    resolve: |spec, kernel| Ok(Rc::new(Fentry::resolve(spec, true, kernel.types.get())?)),
    offline: |spec, sources| {
        Ok(OfflineProbe::of(&Fentry::resolve(
            spec,
            true,
            sources.types.get(),
        )?))
    },
    offline_points: None,
    respell: None,
};

/// The kernel's types, as `KernelTypes::get` gives them.
type Types = Result<Option<Rc<dyn TypeSource>>, String>;

/// A resolved `fentry:`/`fexit:` probe.
pub struct Fentry {
    function: String,
    exit: bool,
    btf_id: TypeId,
    variables: Vec<Variable>,
}

impl Fentry {
    /// The function `spec` names (`vfs_read`, or `vmlinux:vfs_read`), found in the kernel's
    /// BTF, with its arguments and (for fexit) its return value typed from its prototype.
    #[inline(never)]
    pub fn resolve(spec: &str, exit: bool, types: Types) -> Result<Fentry, ProviderError> {
        let kprobe = if exit { "kretprobe:" } else { "kprobe:" };
        let function = spec.strip_prefix("vmlinux:").unwrap_or(spec);
        if function.contains(':') {
            return Err(ProviderError::spec(
                "`",
                spec,
                "`: functions of modules are not supported yet; write fentry:FUNCTION",
            ));
        }
        if super::glob::is_glob(function) {
            return Err(ProviderError::spec(
                "`",
                spec,
                "`: fentry and fexit take one function, not a glob, yet",
            ));
        }
        let types = types.map_err(|error| ProviderError::Spec(error.into()))?;
        let Some(types) = types else {
            return Err(ProviderError::Spec(
                [
                    "fentry and fexit need the kernel's BTF (/sys/kernel/btf/vmlinux), which this \
                     kernel lacks: use ",
                    kprobe,
                    function,
                ]
                .concat()
                .into(),
            ));
        };
        let types = &*types;
        let failed = |error: ctypes::TypeError| ProviderError::Spec(error.to_string().into());
        let Some((btf_id, prototype)) = ctypes::function(types, function).map_err(failed)? else {
            return Err(ProviderError::Spec(
                [
                    "the kernel's BTF has no function `",
                    function,
                    "` (fentry and fexit reach the functions BTF describes): use ",
                    kprobe,
                    function,
                ]
                .concat()
                .into(),
            ));
        };
        // Each argument takes one u64 of the context; a struct passed by value up to 16 bytes
        // takes two (6.1+) and is left out of `args`.
        let mut fields = Vec::with_capacity(prototype.parameters.len());
        let mut slots = 0;
        for parameter in &prototype.parameters {
            let (ty, taken) = argument(types, parameter.target).map_err(failed)?;
            if let Some(ty) = ty.filter(|_| !parameter.name.is_empty()) {
                fields.push(StructField {
                    name: parameter.name.clone(),
                    ty,
                    offset: slots * 8,
                });
            }
            slots += taken;
        }
        let record = StructType {
            name: Some(function.to_string()),
            fields,
            size: slots * 8,
            align: 8,
        };
        let mut variables = vec![Variable {
            name: "data".into(),
            ty: Type::pointer(Type::Struct(Rc::new(record)), AddressSpace::Unknown),
            // The context itself, loaded directly.
            access: Access::Context,
        }];
        if exit {
            if let (Some(ty), _) = argument(types, prototype.returns).map_err(failed)? {
                variables.push(Variable {
                    name: "retval".into(),
                    ty,
                    // All 8 bytes: the verifier takes loads at multiples of 8 only, and the
                    // compiler narrows the value to its type.
                    access: Access::ContextLoad {
                        offset: (slots * 8) as i16,
                        size: Size::U64,
                    },
                });
            }
        }
        Ok(Fentry {
            function: function.to_string(),
            exit,
            btf_id,
            variables,
        })
    }
}

/// sema's type of an argument (or return value) of C type `id`, None for one tine does not
/// read (a struct passed by value, a float, `void`), and how many u64 slots it takes.
fn argument(
    types: &dyn TypeSource,
    id: TypeId,
) -> Result<(Option<Type>, usize), ctypes::TypeError> {
    let (_, resolved) = types.resolve(id)?;
    let integer = |size: u32, signed| Type::Int {
        bytes: size as u8,
        signed,
    };
    Ok(match &*resolved {
        CType::Int(int) if matches!(int.size, 1 | 2 | 4 | 8) => {
            (Some(integer(int.size, int.signed)), 1)
        }
        CType::Enum(found) if matches!(found.size, 1 | 2 | 4 | 8) => {
            (Some(integer(found.size, found.signed)), 1)
        }
        CType::Pointer { target } => {
            let user =
                matches!(&*types.get(*target)?, CType::TypeTag { name, .. } if name == "user");
            let space = if user {
                AddressSpace::User
            } else {
                AddressSpace::Kernel
            };
            (Some(Type::pointer(pointed(types, *target)?, space)), 1)
        }
        CType::Struct(composite) | CType::Union(composite) => {
            (None, (composite.size as usize).div_ceil(8).max(1))
        }
        _ => (None, 1),
    })
}

/// What a pointer argument points to: a struct or union by name (sema finds it in the same
/// BTF when a member is read), a char (for `str()`), else void.
fn pointed(types: &dyn TypeSource, target: TypeId) -> Result<Type, ctypes::TypeError> {
    let (_, resolved) = types.resolve(target)?;
    Ok(match &*resolved {
        CType::Struct(composite) if !composite.name.is_empty() => {
            Type::Named(["struct ", &composite.name].concat().into())
        }
        CType::Union(composite) if !composite.name.is_empty() => {
            Type::Named(["union ", &composite.name].concat().into())
        }
        CType::Forward { name, union } => {
            let tag = if *union { "union " } else { "struct " };
            Type::Named([tag, name].concat().into())
        }
        CType::Int(int) if int.size == 1 => Type::Int {
            bytes: 1,
            signed: int.signed,
        },
        _ => Type::Void,
    })
}

impl ResolvedProbe for Fentry {
    fn kind(&self) -> ProgramKind {
        ProgramKind::Tracing
    }

    fn variables(&self) -> &[Variable] {
        &self.variables
    }

    fn address_space(&self) -> AddressSpace {
        AddressSpace::Kernel
    }

    fn attach_type(&self) -> Option<AttachTo> {
        Some(AttachTo {
            kind: if self.exit {
                AttachType::TraceFexit
            } else {
                AttachType::TraceFentry
            },
            btf_id: self.btf_id,
            btf_object: 0,
        })
    }

    /// `func` is the function's name, known here.
    fn function(&self) -> Option<String> {
        Some(self.function.clone())
    }

    fn attach(&self, program: &LoadedProgram) -> Result<Attachment, KernelError> {
        match Link::tracing(program) {
            Ok(link) => Ok(Attachment::Link(link)),
            // The kernel has no BPF trampolines for this architecture.
            Err(error) if error.raw_errno() == Some(ENOTSUPP) => Err(KernelError::message(
                error.action.clone(),
                [
                    "this kernel has no BPF trampolines here, which fentry and fexit need: use ",
                    if self.exit { "kretprobe:" } else { "kprobe:" },
                    &self.function,
                ]
                .concat(),
            )),
            Err(error) => Err(error),
        }
    }
}

#[cfg(test)]
mod tests;
