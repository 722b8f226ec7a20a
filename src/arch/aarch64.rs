//! arch::aarch64: `struct user_pt_regs` (the prefix of the kernel's pt_regs): x0..x30, sp, pc,
//! pstate; AAPCS64 passes eight arguments in x0..x7.

use super::Arch;

pub const AARCH64: Arch = Arch {
    name: "aarch64",
    word: 8,
    registers: "x0 x1 x2 x3 x4 x5 x6 x7 x8 x9 x10 x11 x12 x13 x14 x15 x16 x17 x18 x19 x20 x21 x22 \
        x23 x24 x25 x26 x27 x28 x29 x30 sp pc pstate",
    arguments: "x0 x1 x2 x3 x4 x5 x6 x7",
    return_value: "x0",
    instruction_pointer: "pc",
    stack_pointer: "sp",
    numbered: 31,
};
