//! arch::arm: 32-bit ARM's `struct pt_regs`, `uregs[18]`; AAPCS passes four arguments in r0..r3.

use super::Arch;

pub const ARM: Arch = Arch {
    name: "arm",
    word: 4,
    registers: "r0 r1 r2 r3 r4 r5 r6 r7 r8 r9 r10 fp ip sp lr pc cpsr orig_r0",
    arguments: "r0 r1 r2 r3",
    return_value: "r0",
    instruction_pointer: "pc",
    stack_pointer: "sp",
    numbered: 0,
};
