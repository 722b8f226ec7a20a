//! disasm: instructions as text in the kernel verifier's and bpftool's notation
//! (`r1 = *(u64 *)(r10 -8)`, `if r1 > 0x5 goto pc+3`, `call bpf_map_lookup_elem#1`), so `tine -S`
//! and a verifier log read the same.

use alloc::string::String;
use core::fmt::{self, Write as _};

use crate::helper::helper_name;
use crate::insn::{AtomicOp, CallTarget, Imm64, Insn, Reg, Size, Source, Width};

impl fmt::Display for Reg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Sized(Width::W64, *self).fmt(f)
    }
}

/// A register as the operation width names it: `w1` for 32-bit operations, `r1` for 64-bit.
struct Sized(Width, Reg);

impl fmt::Display for Sized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.0 {
            Width::W32 => 'w',
            Width::W64 => 'r',
        };
        write!(f, "{prefix}{}", self.1.number())
    }
}

/// A size's C type name, `u8` to `u64`; `s8` to `s64` for a sign-extending access.
struct SizeName(Size, bool);

impl fmt::Display for SizeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char(if self.1 { 's' } else { 'u' })?;
        f.write_str(symbol("8 16 32 64", self.0 as usize))
    }
}

/// ALU operations' symbols, in `AluOp` order (each list a string of words: see `nth_word`).
const ALU_SYMBOLS: &str = "+= -= *= /= s/= |= &= <<= >>= %= s%= ^= = s>>=";

/// Jump conditions' symbols, in `JmpCond` order.
const JMP_SYMBOLS: &str = "== > >= & != s> s>= < <= s< s<=";

/// Byte swaps' mnemonics, in `Swap` order.
const SWAPS: &str = "le16 le32 le64 be16 be32 be64 bswap16 bswap32 bswap64";

/// Word `index` of the space-separated `words`.
fn symbol(words: &str, index: usize) -> &str {
    crate::nth_word(words, b' ', index).unwrap_or_default()
}

/// `(u64 *)(r10 -8)`: a memory operand with its size (signed for a sign-extending load); the
/// kernel prints the offset with its sign and no space after it.
struct Pointer(Size, bool, Reg, i16);

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "({} *)({} {:+})",
            SizeName(self.0, self.1),
            self.2,
            self.3
        )
    }
}

/// The second operand of an ALU operation, a jump or a store: a register as the width names
/// it, or the immediate; the kernel prints jump immediates in hex, the others in decimal.
struct Operand(Width, Source, bool);

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Source::Reg(reg) => Sized(self.0, reg).fmt(f),
            // Hex as a u64: one hex formatter for every width (binary size).
            Source::Imm(imm) if self.2 => write!(f, "{:#x}", u64::from(imm as u32)),
            Source::Imm(imm) => write!(f, "{imm}"),
        }
    }
}

impl fmt::Display for Insn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Insn::Alu {
                width,
                op,
                dst,
                src,
            } => write!(
                f,
                "{} {} {}",
                Sized(width, dst),
                symbol(ALU_SYMBOLS, op as usize),
                Operand(width, src, false)
            ),
            Insn::Neg { width, dst } => write!(f, "{} = -{0}", Sized(width, dst)),
            Insn::MovSx {
                width,
                dst,
                src,
                from,
            } => {
                write!(
                    f,
                    "{} = ({}){}",
                    Sized(width, dst),
                    SizeName(from, true),
                    Sized(width, src)
                )
            }
            Insn::Endian { dst, swap } => {
                write!(f, "{dst} = {} {dst}", symbol(SWAPS, swap as usize))
            }
            Insn::Load {
                size,
                dst,
                src,
                off,
            }
            | Insn::LoadSx {
                size,
                dst,
                src,
                off,
            } => {
                let signed = matches!(self, Insn::LoadSx { .. });
                write!(f, "{dst} = *{}", Pointer(size, signed, src, off))
            }
            Insn::Store {
                size,
                dst,
                off,
                imm,
            } => write!(f, "*{} = {imm}", Pointer(size, false, dst, off)),
            Insn::StoreReg {
                size,
                dst,
                off,
                src,
            } => write!(f, "*{} = {src}", Pointer(size, false, dst, off)),
            Insn::Atomic {
                size,
                op,
                dst,
                off,
                src,
            } => atomic(f, op, Pointer(size, false, dst, off), src),
            Insn::LoadAcquire {
                size,
                dst,
                src,
                off,
            } => write!(
                f,
                "{dst} = load_acquire({})",
                Pointer(size, false, src, off)
            ),
            Insn::StoreRelease {
                size,
                dst,
                off,
                src,
            } => write!(
                f,
                "store_release({}, {src})",
                Pointer(size, false, dst, off)
            ),
            Insn::AddrSpaceCast {
                dst,
                src,
                dst_space,
                src_space,
            } => {
                // As u32: u16's formatting code would be in every binary for this alone.
                let (to, from) = (u32::from(dst_space), u32::from(src_space));
                write!(f, "{dst} = addr_space_cast({src}, {to}, {from})")
            }
            Insn::LoadImm64 { dst, imm } => load_imm64(f, dst, imm),
            Insn::LoadAbs { size, imm } => {
                write!(f, "r0 = *({} *)skb[{imm}]", SizeName(size, false))
            }
            Insn::LoadInd { size, src, imm } => {
                write!(f, "r0 = *({} *)skb[{src} + {imm}]", SizeName(size, false))
            }
            Insn::Jump {
                width,
                cond,
                dst,
                src,
                off,
            } => write!(
                f,
                "if {} {} {} goto pc{off:+}",
                Sized(width, dst),
                symbol(JMP_SYMBOLS, cond as usize),
                Operand(width, src, true)
            ),
            Insn::Ja { off } => relative(f, "goto", off.into()),
            Insn::JaLong { off } => relative(f, "gotol", off),
            Insn::MayGoto { off } => relative(f, "may_goto", off.into()),
            Insn::Call(CallTarget::Local(offset)) => relative(f, "call", offset),
            Insn::Call(CallTarget::Helper(id)) => match helper_name(id) {
                Some(name) => write!(f, "call bpf_{name}#{id}"),
                None => write!(f, "call unknown#{id}"),
            },
            Insn::Call(CallTarget::Kfunc { btf_id, .. }) => {
                write!(f, "call kernel-function#{btf_id}")
            }
            Insn::Exit => f.write_str("exit"),
        }
    }
}

/// `goto pc+3` and the other instructions with an offset from the next one.
fn relative(f: &mut fmt::Formatter<'_>, mnemonic: &str, offset: i32) -> fmt::Result {
    write!(f, "{mnemonic} pc{offset:+}")
}

/// `lock *(u64 *)(r1 +0) += r2`, `r2 = atomic64_fetch_add((u64 *)(r1 +0), r2)` and the like.
fn atomic(f: &mut fmt::Formatter<'_>, op: AtomicOp, mem: Pointer, src: Reg) -> fmt::Result {
    let bits = if mem.0 == Size::U64 { "64" } else { "" };
    // In `AtomicOp` order, up to `CmpXchg`.
    let name = symbol(
        "+= |= &= ^= fetch_add fetch_or fetch_and fetch_xor xchg ",
        op as usize,
    );
    match op {
        AtomicOp::Add | AtomicOp::Or | AtomicOp::And | AtomicOp::Xor => {
            write!(f, "lock *{mem} {name} {src}")
        }
        AtomicOp::CmpXchg => write!(f, "r0 = atomic{bits}_cmpxchg({mem}, r0, {src})"),
        _ => write!(f, "{src} = atomic{bits}_{name}({mem}, {src})"),
    }
}

/// `r1 = 0x10`, `r1 = map[fd:3]` and the other 16-byte loads.
fn load_imm64(f: &mut fmt::Formatter<'_>, dst: Reg, imm: Imm64) -> fmt::Result {
    match imm {
        Imm64::Value(value) => write!(f, "{dst} = {value:#x}"),
        Imm64::MapFd(fd) => write!(f, "{dst} = map[fd:{fd}]"),
        Imm64::MapValue { fd, offset } => write!(f, "{dst} = map[fd:{fd}][0]+{offset}"),
        Imm64::BtfId { id, btf_fd } => write!(f, "{dst} = btf_id[{id}] btf_fd[{btf_fd}]"),
        Imm64::Func(offset) => write!(f, "{dst} = subprog[{offset:+}]"),
        Imm64::MapIdx(index) => write!(f, "{dst} = map[idx:{index}]"),
        Imm64::MapIdxValue { index, offset } => write!(f, "{dst} = map[idx:{index}]+{offset}"),
    }
}

/// A program as the verifier log lists it: `slot: (opcode) text`, one instruction a line.
pub fn listing(insns: &[Insn]) -> String {
    let mut text = String::new();
    let mut slot = 0;
    for insn in insns {
        listing_line(&mut text, slot, insn);
        slot += insn.slots();
    }
    text
}

/// One line of `listing`: `insn`, the instruction at 8-byte slot `slot`, added to `text`.
pub fn listing_line(text: &mut String, slot: usize, insn: &Insn) {
    // Writing to a String cannot fail.
    let _ = match insn.to_raw() {
        Ok((raw, _)) => writeln!(text, "{slot:4}: ({:02x}) {insn}", u64::from(raw.code)),
        Err(_) => writeln!(text, "{slot:4}: (..) {insn}"),
    };
}
