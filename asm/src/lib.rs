//! tine-asm: the eBPF instruction set (RFC 9669 and the Linux additions it lists) as typed
//! values, a builder with labels, encoding and decoding in both byte orders, and disassembly in
//! the kernel verifier's notation. Knows no language and no kernel.
//!
//! ```
//! use tine_asm::{Builder, ByteOrder, Helper, Reg::*, Size};
//!
//! let mut b = Builder::new();
//! let done = b.label();
//! b.mov64(R1, R10)
//!     .add64_imm(R1, -16)
//!     .mov64_imm(R2, 16)
//!     .call(Helper::GetCurrentComm)
//!     .jeq_imm(R0, 0, done)
//!     .load(Size::U64, R0, R10, -16)
//!     .bind(done)
//!     .exit();
//! let insns = b.finish()?;
//! assert_eq!(insns[4].to_string(), "if r0 == 0x0 goto pc+1");
//! let bytes = tine_asm::encode(&insns, ByteOrder::Little)?;
//! assert_eq!(tine_asm::decode(&bytes, ByteOrder::Little)?, insns);
//! # Ok::<(), tine_asm::AsmError>(())
//! ```
//!
//! `no_std`: instructions, their encoding, decoding and text need only `core`. `alloc` is used
//! where a result grows with the program: the `Builder`'s instructions and labels, and the
//! vectors and text that `encode`, `decode` and `listing` return.

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

mod builder;
mod codec;
mod disasm;
mod error;
mod helper;
mod insn;

pub use builder::{Builder, Label};
pub use codec::{decode, encode, ByteOrder, RawInsn};
pub use disasm::{listing, listing_line};
pub use error::{AsmError, Malformed};
pub use helper::{helper_name, Helper};
pub use insn::{AluOp, AtomicOp, CallTarget, Imm64, Insn, JmpCond, Reg, Size, Source, Swap, Width};

/// Word `index` of `words`, each ended by `end` (the last may go unended). Lists of names are
/// kept so: a table of `&str`s costs 16 bytes of pointer and length a name beside its letters.
/// Public for tine's lists, which are kept so too.
pub fn nth_word(words: &str, end: u8, index: usize) -> Option<&str> {
    let word_end = |text: &str| text.bytes().position(|byte| byte == end);
    let mut rest = words;
    for _ in 0..index {
        rest = &rest[word_end(rest)? + 1..];
    }
    Some(&rest[..word_end(rest).unwrap_or(rest.len())])
}
