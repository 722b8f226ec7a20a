//! provider::regs: the variables a `struct pt_regs` context gives kprobes and uprobes — `argN`,
//! `retval`, `caller`, `regs` — laid out by the build architecture's table in src/arch.

use std::rc::Rc;

use tine_asm::Size;

use crate::arch::Arch;
use crate::compile::Access;
use crate::sema::types::{AddressSpace, StructField, StructType, Type};

use super::error::ProviderError;
use super::Variable;

/// How many `argN` sema knows of (`arg0`..`arg9`); an architecture passes fewer in registers,
/// and only those exist.
const ARGUMENT_NAMES: usize = 10;

/// An unsigned or signed integer of one machine word.
fn word(arch: &Arch, signed: bool) -> Type {
    Type::Int {
        bytes: arch.word as u8,
        signed,
    }
}

fn load(arch: &Arch, offset: usize) -> Access {
    Access::ContextLoad {
        offset: offset as i16,
        size: if arch.word == 4 { Size::U32 } else { Size::U64 },
    }
}

/// `struct pt_regs` as a record whose fields are the architecture's registers, for `regs->ip`.
pub fn pt_regs(arch: &Arch) -> StructType {
    let mut fields = Vec::new();
    let mut index = 0;
    while let Some(register) = crate::words::nth_word(arch.registers, index) {
        fields.push(StructField {
            name: register.into(),
            ty: word(arch, false),
            offset: index * arch.word,
        });
        index += 1;
    }
    StructType {
        name: Some("pt_regs".into()),
        fields,
        size: arch.size(),
        align: arch.word,
    }
}

/// The variables of a probe whose context is `arch`'s pt_regs. An entry probe reads the
/// argument registers; a return probe has `retval` instead, the arguments being clobbered by
/// then. `caller` is the instruction pointer: the probed address at entry, the address returned
/// to in a return probe — typed `caller_type` (a kernel symbol, or a plain number in user space).
pub fn variables(arch: &Arch, retprobe: bool, caller_type: Type) -> Vec<Variable> {
    let mut variables = Vec::new();
    if retprobe {
        variables.push(Variable {
            name: "retval".into(),
            ty: word(arch, true),
            access: load(arch, arch.return_value_offset()),
        });
    } else {
        for index in 0..ARGUMENT_NAMES {
            let Some(offset) = arch.argument_offset(index) else {
                break;
            };
            variables.push(Variable {
                name: format!("arg{index}"),
                ty: word(arch, false),
                access: load(arch, offset),
            });
        }
    }
    variables.push(Variable {
        name: "caller".into(),
        ty: caller_type,
        access: load(arch, arch.instruction_pointer_offset()),
    });
    variables.push(registers(arch));
    variables
}

/// `regs`: the context as `arch`'s pt_regs (a perf event's context starts with them too).
pub fn registers(arch: &Arch) -> Variable {
    Variable {
        name: "regs".into(),
        ty: Type::Pointer {
            target: Box::new(Type::Struct(Rc::new(pt_regs(arch)))),
            // The context itself, loaded directly: no probe read goes through it.
            space: AddressSpace::Unknown,
        },
        access: Access::Context,
    }
}

/// The build architecture, or why there are no register variables for it.
pub fn current_arch() -> Result<&'static Arch, ProviderError> {
    crate::arch::current().ok_or(ProviderError::NoRegisters)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::ALL;

    fn arch(name: &str) -> &'static Arch {
        ALL.into_iter().find(|arch| arch.name == name).unwrap()
    }

    fn find<'a>(variables: &'a [Variable], name: &str) -> Option<&'a Variable> {
        variables.iter().find(|variable| variable.name == name)
    }

    #[test]
    fn x86_64_arguments_are_the_six_register_arguments() {
        let variables = variables(arch("x86_64"), false, Type::KernelAddress);
        let names: Vec<&str> = variables.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(
            names,
            ["arg0", "arg1", "arg2", "arg3", "arg4", "arg5", "caller", "regs"]
        );
        let arg0 = find(&variables, "arg0").unwrap();
        assert_eq!(
            arg0.access,
            Access::ContextLoad {
                offset: 112,
                size: Size::U64
            }
        );
        assert_eq!(
            arg0.ty,
            Type::Int {
                bytes: 8,
                signed: false
            }
        );
        // The kernel's 4th argument is in cx (r10 is the syscall convention's).
        assert_eq!(
            find(&variables, "arg3").unwrap().access,
            Access::ContextLoad {
                offset: 88,
                size: Size::U64
            }
        );
        let caller = find(&variables, "caller").unwrap();
        assert_eq!(caller.ty, Type::KernelAddress);
        assert_eq!(
            caller.access,
            Access::ContextLoad {
                offset: 128,
                size: Size::U64
            }
        );
        assert!(find(&variables, "retval").is_none());
    }

    #[test]
    fn return_probes_have_a_signed_retval_and_no_arguments() {
        let variables = variables(arch("aarch64"), true, Type::KernelAddress);
        let retval = find(&variables, "retval").unwrap();
        assert_eq!(
            (retval.ty.clone(), retval.access),
            (
                Type::Int {
                    bytes: 8,
                    signed: true
                },
                Access::ContextLoad {
                    offset: 0,
                    size: Size::U64
                }
            )
        );
        assert!(find(&variables, "arg0").is_none());
        assert_eq!(
            find(&variables, "caller").unwrap().access,
            Access::ContextLoad {
                offset: 256,
                size: Size::U64
            }
        );
    }

    #[test]
    fn thirty_two_bit_machines_read_words_of_four_bytes() {
        let variables = variables(
            arch("arm"),
            false,
            Type::Int {
                bytes: 8,
                signed: false,
            },
        );
        assert_eq!(
            find(&variables, "arg1").unwrap().access,
            Access::ContextLoad {
                offset: 4,
                size: Size::U32
            }
        );
        assert!(find(&variables, "arg4").is_none());
        assert_eq!(
            find(&variables, "arg1").unwrap().ty,
            Type::Int {
                bytes: 4,
                signed: false
            }
        );
    }

    #[test]
    fn regs_is_a_pointer_to_the_context_laid_out_as_pt_regs() {
        let variables = variables(arch("x86_64"), false, Type::KernelAddress);
        let regs = find(&variables, "regs").unwrap();
        assert_eq!(regs.access, Access::Context);
        let Type::Pointer { target, .. } = &regs.ty else {
            panic!("regs is {:?}", regs.ty);
        };
        let Type::Struct(record) = &**target else {
            panic!("regs points to {target:?}");
        };
        assert_eq!(record.size, 168);
        let ip = record
            .fields
            .iter()
            .find(|field| field.name == "ip")
            .unwrap();
        assert_eq!(ip.offset, 128);
    }
}
