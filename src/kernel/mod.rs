//! kernel: every conversation with the kernel — bpf(2), perf events and their rings, tracefs,
//! kallsyms, ELF files, feature probes. The only place with `unsafe`.

pub mod child;
pub mod elf;
pub mod kallsyms;
pub mod signal;
