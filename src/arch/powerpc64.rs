//! arch::powerpc64: `struct pt_regs` of arch/powerpc/include/uapi/asm/ptrace.h: gpr0..gpr31,
//! then nip, msr and the rest; arguments in r3..r10, the result in r3, the stack in r1. The
//! 32-bit kernel has the same fields at 4 bytes (its `mq` sits where 64-bit has `softe`).

use super::Arch;

pub const POWERPC64: Arch = Arch {
    name: "powerpc64",
    word: 8,
    registers: "gpr0 gpr1 gpr2 gpr3 gpr4 gpr5 gpr6 gpr7 gpr8 gpr9 gpr10 gpr11 gpr12 gpr13 gpr14 \
        gpr15 gpr16 gpr17 gpr18 gpr19 gpr20 gpr21 gpr22 gpr23 gpr24 gpr25 gpr26 gpr27 gpr28 \
        gpr29 gpr30 gpr31 nip msr orig_gpr3 ctr link xer ccr softe trap dar dsisr result",
    arguments: "gpr3 gpr4 gpr5 gpr6 gpr7 gpr8 gpr9 gpr10",
    return_value: "gpr3",
    instruction_pointer: "nip",
    stack_pointer: "gpr1",
    numbered: 32,
};

pub const POWERPC32: Arch = Arch {
    name: "powerpc",
    word: 4,
    ..POWERPC64
};
