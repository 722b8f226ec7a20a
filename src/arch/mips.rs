//! arch::mips: the kernel's `struct pt_regs` on MIPS (arch/mips/include/asm/ptrace.h, not the
//! uapi one): 32-bit kernels start with eight words of argument save space; then r0..r31 by
//! their ABI names, status, hi, lo, badvaddr, cause, epc. o32 passes four arguments in a0..a3,
//! n64 eight, naming r8..r11 a4..a7 instead of t0..t3.

use super::Arch;

pub const MIPS_O32: Arch = Arch {
    name: "mips",
    word: 4,
    registers:
        "pad0 pad1 pad2 pad3 pad4 pad5 pad6 pad7 zero at v0 v1 a0 a1 a2 a3 t0 t1 t2 t3 t4 t5 \
        t6 t7 s0 s1 s2 s3 s4 s5 s6 s7 t8 t9 k0 k1 gp sp fp ra cp0_status hi lo cp0_badvaddr \
        cp0_cause cp0_epc",
    arguments: "a0 a1 a2 a3",
    return_value: "v0",
    instruction_pointer: "cp0_epc",
    stack_pointer: "sp",
    numbered: 0,
};

pub const MIPS_N64: Arch = Arch {
    name: "mips64",
    word: 8,
    registers:
        "zero at v0 v1 a0 a1 a2 a3 a4 a5 a6 a7 t0 t1 t2 t3 s0 s1 s2 s3 s4 s5 s6 s7 t8 t9 k0 \
        k1 gp sp fp ra cp0_status hi lo cp0_badvaddr cp0_cause cp0_epc",
    arguments: "a0 a1 a2 a3 a4 a5 a6 a7",
    return_value: "v0",
    instruction_pointer: "cp0_epc",
    stack_pointer: "sp",
    numbered: 0,
};
