//! arch::loongarch64: `struct pt_regs` of arch/loongarch/include/asm/ptrace.h: r0..r31 by ABI
//! name, orig_a0, csr_era (the pc), csr_badvaddr; eight arguments in a0..a7 (r4..r11).

use super::Arch;

pub const LOONGARCH64: Arch = Arch {
    name: "loongarch64",
    word: 8,
    registers:
        "zero ra tp sp a0 a1 a2 a3 a4 a5 a6 a7 t0 t1 t2 t3 t4 t5 t6 t7 t8 r21 fp s0 s1 s2 s3 \
        s4 s5 s6 s7 s8 orig_a0 csr_era csr_badvaddr",
    arguments: "a0 a1 a2 a3 a4 a5 a6 a7",
    return_value: "a0",
    instruction_pointer: "csr_era",
    stack_pointer: "sp",
    numbered: 32,
};
