//! arch::riscv: the kernel's `struct pt_regs` on RISC-V, whose first 32 words are
//! `user_regs_struct` (pc in place of x0); eight arguments in a0..a7. Same layout at 32 and 64
//! bits, with the word size of each.

use super::Arch;

const REGISTERS: &str =
    "pc ra sp gp tp t0 t1 t2 s0 s1 a0 a1 a2 a3 a4 a5 a6 a7 s2 s3 s4 s5 s6 s7 s8 s9 s10 s11 t3 \
    t4 t5 t6 status badaddr cause orig_a0";
const ARGUMENTS: &str = "a0 a1 a2 a3 a4 a5 a6 a7";

pub const RISCV64: Arch = Arch {
    name: "riscv64",
    word: 8,
    registers: REGISTERS,
    arguments: ARGUMENTS,
    return_value: "a0",
    instruction_pointer: "pc",
    stack_pointer: "sp",
    numbered: 0,
};

pub const RISCV32: Arch = Arch {
    name: "riscv32",
    word: 4,
    ..RISCV64
};
