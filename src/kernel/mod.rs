//! kernel: every conversation with the kernel — bpf(2), perf events and their rings, tracefs,
//! kallsyms, ELF files, BTF, feature probes. The only place with `unsafe`.

pub mod bpf;
pub mod btf;
pub mod child;
pub mod clock;
pub mod cpu;
pub mod elf;
pub mod error;
pub mod features;
pub mod heap;
pub mod kallsyms;
pub mod mapping;
pub mod memory_map;
pub mod options;
pub mod perf;
pub mod process;
pub mod ring;
pub mod ringbuf;
pub mod signal;
pub mod tracefs;
pub mod trigger;

pub use error::KernelError;
