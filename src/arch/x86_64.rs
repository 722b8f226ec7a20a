//! arch::x86_64: `struct pt_regs` of arch/x86/include/asm/ptrace.h (64-bit); arguments in the
//! System V order (the kernel's own functions take the 4th in cx, not r10 as syscalls do).

use super::Arch;

pub const X86_64: Arch = Arch {
    name: "x86_64",
    word: 8,
    registers: "r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp ss",
    arguments: "di si dx cx r8 r9",
    return_value: "ax",
    instruction_pointer: "ip",
    stack_pointer: "sp",
    numbered: 0,
};
