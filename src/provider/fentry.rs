//! provider::fentry: `fentry:FUNCTION` and `fexit:FUNCTION` (bpftrace's `kfunc:` and
//! `kretfunc:`, `f:` and `fr:`): a tracing program on a kernel function's BPF trampoline, loaded
//! for the function's BTF id. The context is the function's arguments, one u64 each, then
//! (fexit) its return value: `args` (ply's `data`) and `retval` are typed from the function's
//! BTF prototype.

use std::rc::Rc;

use tine_asm::Size;

use crate::compile::{Access, ProgramKind};
use crate::ctypes::{self, CType, Enum, Int, TypeId, TypeSource};
use crate::kernel::bpf::{AttachTo, AttachType, Link, LoadedProgram};
use crate::kernel::error::KernelError;
use crate::lang::Syntax;
use crate::sema::types::{AddressSpace, StructField, StructType};
use crate::sema::Type;

use super::error::ProviderError;
use super::offline::OfflineProbe;
use super::{glob, Attachment, Points, Provider, Registry, ResolvedProbe, Variable};
use crate::ctypes::NameKind;

/// `fentry:`, and bpftrace's `kfunc:` (`f:` is an abbreviation of `fentry`).
pub static FENTRY: Provider = Provider {
    syntax: Syntax {
        aliases: "kfunc",
        ..Syntax::named("fentry")
    },
    resolve: |spec, kernel| resolved(spec, false, kernel.types.get()),
    offline: |spec, sources| offline(spec, false, sources.types.get()),
    offline_points: None,
    respell: None,
    list: Some(list),
};

/// `fexit:`, and bpftrace's `kretfunc:` and `fr:`.
pub static FEXIT: Provider = Provider {
    syntax: Syntax {
        aliases: "kretfunc fr",
        ..Syntax::named("fexit")
    },
    resolve: |spec, kernel| resolved(spec, true, kernel.types.get()),
    offline: |spec, sources| offline(spec, true, sources.types.get()),
    offline_points: None,
    respell: None,
    list: Some(list),
};

/// `-l`: the functions of the kernel's BTF that `spec` (`FUNCTION` or `vmlinux:FUNCTION`, globs)
/// matches, each `vmlinux:FUNCTION` as bpftrace 0.17 prints them.
fn list(spec: &str, kernel: &Registry, _: bool) -> Points {
    let (module, function) = crate::words::split_once(spec, b':').unwrap_or(("vmlinux", spec));
    let types = kernel
        .types
        .btf()
        .map_err(|error| ProviderError::Spec(error.into()))?;
    let Some(types) = types else {
        return Err(refused(&["this kernel has no BTF to list functions from"]));
    };
    if !glob::matches(module, "vmlinux") {
        return Ok(Vec::new());
    }
    let names = types.names(NameKind::Function).map_err(failed)?;
    let mut names = names.iter().map(|(_, name)| *name);
    Ok(glob::listed(function, &mut names, "vmlinux:", ""))
}

/// The kernel's types, as `KernelTypes::get` gives them.
type Types = Result<Option<Rc<dyn TypeSource>>, String>;

/// One copy, not one per provider and way of resolving (binary size).
#[inline(never)]
fn resolved(spec: &str, exit: bool, types: Types) -> Result<Rc<dyn ResolvedProbe>, ProviderError> {
    Ok(Rc::new(Fentry::resolve(spec, exit, types)?))
}

#[inline(never)]
fn offline(spec: &str, exit: bool, types: Types) -> Result<OfflineProbe, ProviderError> {
    Ok(OfflineProbe::of(&*resolved(spec, exit, types)?))
}

/// A resolved `fentry:`/`fexit:` probe.
pub struct Fentry {
    function: String,
    exit: bool,
    btf_id: TypeId,
    variables: Vec<Variable>,
}

/// A refusal whose message is `parts`, joined: one copy of the joining.
#[inline(never)]
fn refused(parts: &[&str]) -> ProviderError {
    ProviderError::Spec(crate::words::joined(parts, "").into())
}

#[inline(never)]
fn failed(error: ctypes::TypeError) -> ProviderError {
    ProviderError::Spec(error.to_string().into())
}

impl Fentry {
    /// The function `spec` names (`vfs_read`, or `vmlinux:vfs_read`), found in the kernel's
    /// BTF, with its arguments and (for fexit) its return value typed from its prototype.
    #[inline(never)]
    pub fn resolve(spec: &str, exit: bool, types: Types) -> Result<Fentry, ProviderError> {
        let kprobe = if exit { "kretprobe:" } else { "kprobe:" };
        let function = spec.strip_prefix("vmlinux:").unwrap_or(spec);
        if function.contains(':') || super::glob::is_glob(function) {
            return Err(refused(&[
                "`",
                spec,
                "`: fentry and fexit take one function of the kernel's, not a glob or a \
                 module's, yet",
            ]));
        }
        let Some(types) = types.map_err(|error| ProviderError::Spec(error.into()))? else {
            return Err(refused(&[
                "fentry and fexit need the kernel's BTF (/sys/kernel/btf/vmlinux), which this \
                 kernel lacks: use ",
                kprobe,
                function,
            ]));
        };
        let types = &*types;
        let Some((btf_id, prototype)) = ctypes::function(types, function).map_err(failed)? else {
            return Err(refused(&[
                "the kernel's BTF has no function `",
                function,
                "` (fentry and fexit reach the functions BTF describes): use ",
                kprobe,
                function,
            ]));
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
        let returns = argument(types, prototype.returns).map_err(failed)?.0;
        if let Some(ty) = returns.filter(|_| exit) {
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
        Ok(Fentry {
            function: function.to_string(),
            exit,
            btf_id,
            variables,
        })
    }
}

/// sema's type of an argument (or return value) of C type `id`, None for one tine does not
/// read (a struct passed by value, a float, `void`), and how many u64 slots it takes. A
/// pointer's target is a struct or union by its C name (sema finds it in the same BTF when a
/// member is read), a char (for `str()`), else void; `__user` ones point into user memory.
fn argument(
    types: &dyn TypeSource,
    id: TypeId,
) -> Result<(Option<Type>, usize), ctypes::TypeError> {
    let (_, resolved) = types.resolve(id)?;
    let ty = match &*resolved {
        CType::Int(Int { size, signed, .. }) | CType::Enum(Enum { size, signed, .. })
            if matches!(size, 1 | 2 | 4 | 8) =>
        {
            // A slot holds the register the argument came in. Loads are at multiples of 8
            // only, so a big-endian machine reads it whole, which its ABIs extend (s390x,
            // powerpc64); a little-endian one reads its low bytes.
            let bytes = if cfg!(target_endian = "big") {
                8
            } else {
                *size as u8
            };
            Type::Int {
                bytes,
                signed: *signed,
            }
        }
        CType::Pointer { target } => {
            let user =
                matches!(&*types.get(*target)?, CType::TypeTag { name, .. } if name == "user");
            let (target, pointed) = types.resolve(*target)?;
            let pointed = match &*pointed {
                CType::Struct(_) | CType::Union(_) | CType::Forward { .. } => {
                    Type::Named(types.name_of(target)?.into())
                }
                CType::Int(int) if int.size == 1 => Type::Int {
                    bytes: 1,
                    signed: int.signed,
                },
                _ => Type::Void,
            };
            // Kernels built by GCC carry no `__user` tags: a buffer not known to be the
            // kernel's is read as kernel memory, then as user memory if that fails.
            let space = match (user, &pointed) {
                (true, _) => AddressSpace::User,
                (false, Type::Named(_)) => AddressSpace::Kernel,
                (false, _) => AddressSpace::Unknown,
            };
            Type::pointer(pointed, space)
        }
        CType::Struct(composite) | CType::Union(composite) => {
            return Ok((None, (composite.size as usize).div_ceil(8).max(1)))
        }
        _ => return Ok((None, 1)),
    };
    Ok((Some(ty), 1))
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
        Ok(Attachment::Link(Link::tracing(program)?))
    }
}

#[cfg(test)]
mod tests;
