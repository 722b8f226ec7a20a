//! arch: each architecture's `struct pt_regs` as a kprobe or uprobe program sees it (the kernel's
//! own layout, from arch/*/include/asm/ptrace.h), and which registers carry the arguments, the
//! return value, the instruction and the stack pointer. One table per architecture; the running
//! one is chosen at compile time.

use crate::words::{nth_word, word_index};

mod aarch64;
mod arm;
mod loongarch64;
mod mips;
mod powerpc64;
mod riscv;
mod x86_64;

/// An architecture's register file as the probe context lays it out: `registers` are the
/// struct's fields in order, each one machine word. Lists of registers are strings of words
/// (see `crate::words`).
#[derive(Debug)]
pub struct Arch {
    pub name: &'static str,
    /// Bytes in a register.
    pub word: usize,
    pub registers: &'static str,
    /// The registers that carry a function's arguments, first to last (the kernel's calling
    /// convention; arguments past these are on the stack).
    pub arguments: &'static str,
    pub return_value: &'static str,
    pub instruction_pointer: &'static str,
    pub stack_pointer: &'static str,
    /// How many of the first registers bpftrace also names `r0`, `r1`... by their place
    /// (aarch64's x0..x30 are its r0..r30); 0 where none is.
    pub numbered: usize,
}

impl Arch {
    /// Byte offset of a register in the context.
    pub fn offset(&self, register: &str) -> Option<usize> {
        let numbered = || {
            let digits = register.strip_prefix('r')?;
            if !digits.bytes().all(|byte| byte.is_ascii_digit()) {
                return None;
            }
            let number: usize = crate::words::decimal(digits)?;
            (number < self.numbered).then_some(number)
        };
        word_index(self.registers, register)
            .or_else(numbered)
            .map(|index| index * self.word)
    }

    /// Byte offset of argument `index` (0-based), if a register carries it.
    pub fn argument_offset(&self, index: usize) -> Option<usize> {
        self.offset(nth_word(self.arguments, index)?)
    }

    pub fn return_value_offset(&self) -> usize {
        self.offset(self.return_value).unwrap_or(0)
    }

    pub fn instruction_pointer_offset(&self) -> usize {
        self.offset(self.instruction_pointer).unwrap_or(0)
    }

    pub fn stack_pointer_offset(&self) -> usize {
        self.offset(self.stack_pointer).unwrap_or(0)
    }

    /// Size of the whole context struct.
    pub fn size(&self) -> usize {
        (self.registers.bytes().filter(|&byte| byte == b' ').count() + 1) * self.word
    }
}

/// Every architecture tine knows, whichever it runs on.
pub const ALL: [&Arch; 10] = [
    &x86_64::X86_64,
    &aarch64::AARCH64,
    &arm::ARM,
    &riscv::RISCV64,
    &riscv::RISCV32,
    &mips::MIPS_O32,
    &mips::MIPS_N64,
    &powerpc64::POWERPC64,
    &loongarch64::LOONGARCH64,
    &powerpc64::POWERPC32,
];

/// The architecture this binary was built for; only its table is in the binary.
pub fn current() -> Option<&'static Arch> {
    Some(match () {
        _ if cfg!(target_arch = "x86_64") => &x86_64::X86_64,
        _ if cfg!(target_arch = "aarch64") => &aarch64::AARCH64,
        _ if cfg!(target_arch = "arm") => &arm::ARM,
        _ if cfg!(target_arch = "riscv64") => &riscv::RISCV64,
        _ if cfg!(target_arch = "riscv32") => &riscv::RISCV32,
        _ if cfg!(target_arch = "mips") => &mips::MIPS_O32,
        _ if cfg!(target_arch = "mips64") => &mips::MIPS_N64,
        _ if cfg!(target_arch = "powerpc64") => &powerpc64::POWERPC64,
        _ if cfg!(target_arch = "powerpc") => &powerpc64::POWERPC32,
        _ if cfg!(target_arch = "loongarch64") => &loongarch64::LOONGARCH64,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arch(name: &str) -> &'static Arch {
        ALL.into_iter().find(|arch| arch.name == name).unwrap()
    }

    /// Offsets read off the kernel headers (arch/*/include/asm/ptrace.h and the uapi ptrace.h
    /// where the two agree): (arch, register, byte offset).
    #[test]
    fn offsets_match_the_kernel_headers() {
        let cases = [
            ("x86_64", "di", 112),
            ("x86_64", "ax", 80),
            ("x86_64", "ip", 128),
            ("x86_64", "sp", 152),
            ("aarch64", "x0", 0),
            ("aarch64", "x30", 240),
            ("aarch64", "sp", 248),
            ("aarch64", "pc", 256),
            ("arm", "r0", 0),
            ("arm", "sp", 52),
            ("arm", "pc", 60),
            ("arm", "orig_r0", 68),
            ("riscv64", "pc", 0),
            ("riscv64", "sp", 16),
            ("riscv64", "a0", 80),
            ("riscv32", "a0", 40),
            ("mips", "a0", 48),
            ("mips", "cp0_epc", 180),
            ("mips64", "a0", 32),
            ("mips64", "cp0_epc", 296),
            ("powerpc64", "gpr3", 24),
            ("powerpc64", "nip", 256),
            ("powerpc", "nip", 128),
            ("loongarch64", "a0", 32),
            ("loongarch64", "csr_era", 264),
            // bpftrace's names by number.
            ("aarch64", "r0", 0),
            ("aarch64", "r30", 240),
            ("loongarch64", "r4", 32),
            ("loongarch64", "r31", 248),
            ("powerpc64", "r3", 24),
            ("powerpc", "r1", 4),
        ];
        for (name, register, offset) in cases {
            assert_eq!(
                arch(name).offset(register),
                Some(offset),
                "{name} {register}"
            );
        }
    }

    /// Past the numbered registers, and where bpftrace numbers none, `rN` is no register.
    #[test]
    fn numbers_name_only_the_numbered_registers() {
        for (name, register) in [
            ("aarch64", "r31"),
            ("aarch64", "r"),
            ("aarch64", "r+1"),
            ("loongarch64", "r32"),
            ("x86_64", "r0"),
            ("riscv64", "r1"),
        ] {
            assert_eq!(arch(name).offset(register), None, "{name} {register}");
        }
    }

    #[test]
    fn every_named_register_exists_and_names_are_unique() {
        for arch in ALL {
            let named = arch.arguments.split(' ').chain([
                arch.return_value,
                arch.instruction_pointer,
                arch.stack_pointer,
            ]);
            for register in named {
                assert!(
                    arch.offset(register).is_some(),
                    "{}: no register {register}",
                    arch.name
                );
            }
            let registers: Vec<&str> = arch.registers.split(' ').collect();
            for (index, register) in registers.iter().enumerate() {
                assert!(!register.is_empty(), "{}: an empty name", arch.name);
                assert!(
                    !registers[..index].contains(register),
                    "{}: {register} twice",
                    arch.name
                );
            }
        }
    }

    #[test]
    fn arguments_follow_each_calling_convention() {
        let first_four =
            |name: &str| -> Vec<&str> { arch(name).arguments.split(' ').take(4).collect() };
        assert_eq!(first_four("x86_64"), ["di", "si", "dx", "cx"]);
        let count = |name: &str| arch(name).arguments.split(' ').count();
        assert_eq!(count("x86_64"), 6);
        assert_eq!(count("aarch64"), 8);
        assert_eq!(first_four("arm"), ["r0", "r1", "r2", "r3"]);
        assert_eq!(count("mips"), 4);
        assert_eq!(arch("mips64").arguments, "a0 a1 a2 a3 a4 a5 a6 a7");
        assert_eq!(first_four("powerpc64"), ["gpr3", "gpr4", "gpr5", "gpr6"]);
        assert_eq!(arch("aarch64").argument_offset(8), None);
        // The whole struct: x86_64's 21 registers, arm64's 34 and arm's 18 `uregs`.
        assert_eq!(arch("x86_64").size(), 168);
        assert_eq!(arch("aarch64").size(), 272);
        assert_eq!(arch("arm").size(), 72);
    }

    /// The build architecture's table, by the name Rust gives the architecture.
    #[test]
    fn this_machine_has_a_table() {
        assert_eq!(current().unwrap().name, std::env::consts::ARCH);
    }
}
