//! tine-asm: the eBPF instruction set. Knows no language and no kernel.
