//! codec: the bit layout of eBPF instructions (RFC 9669), in both byte orders. The one place that
//! knows opcode bytes: `Insn` <-> `RawInsn` <-> bytes.

use alloc::vec::Vec;

use crate::error::{AsmError, Malformed};
use crate::insn::{
    AluOp, AtomicOp, CallTarget, Imm64, Insn, JmpCond, Reg, Size, Source, Swap, Width,
};

/// Byte order of the target. Multi-byte fields follow it, and so does the register byte: on
/// little-endian targets dst is the low nibble, on big-endian targets the high one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// x86, arm64, riscv, mipsel, most arm.
    Little,
    /// mips, powerpc, s390x.
    Big,
}

impl ByteOrder {
    /// The order of the machine this code runs on, which is the order `bpf(2)` wants.
    #[cfg(target_endian = "little")]
    pub const HOST: ByteOrder = ByteOrder::Little;
    /// The order of the machine this code runs on, which is the order `bpf(2)` wants.
    #[cfg(target_endian = "big")]
    pub const HOST: ByteOrder = ByteOrder::Big;
}

impl Default for ByteOrder {
    fn default() -> ByteOrder {
        ByteOrder::HOST
    }
}

/// One 8-byte slot with its fields unpacked but not interpreted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct RawInsn {
    /// The opcode: class, and operation or size and mode.
    pub code: u8,
    /// The destination register field (4 bits).
    pub dst: u8,
    /// The source register field (4 bits).
    pub src: u8,
    /// The signed 16-bit offset.
    pub off: i16,
    /// The signed 32-bit immediate.
    pub imm: i32,
}

impl RawInsn {
    /// The slot's 8 bytes in `order`. Register fields above 15 lose their high bits.
    pub fn to_bytes(self, order: ByteOrder) -> [u8; 8] {
        let (regs, off, imm) = match order {
            ByteOrder::Little => (
                self.src << 4 | self.dst,
                self.off.to_le_bytes(),
                self.imm.to_le_bytes(),
            ),
            ByteOrder::Big => (
                self.dst << 4 | self.src,
                self.off.to_be_bytes(),
                self.imm.to_be_bytes(),
            ),
        };
        [
            self.code, regs, off[0], off[1], imm[0], imm[1], imm[2], imm[3],
        ]
    }

    /// The fields of 8 bytes in `order`.
    pub fn from_bytes(bytes: [u8; 8], order: ByteOrder) -> RawInsn {
        let [code, regs, o0, o1, i0, i1, i2, i3] = bytes;
        let (hi, lo) = (regs >> 4, regs & 0xf);
        match order {
            ByteOrder::Little => RawInsn {
                code,
                dst: lo,
                src: hi,
                off: i16::from_le_bytes([o0, o1]),
                imm: i32::from_le_bytes([i0, i1, i2, i3]),
            },
            ByteOrder::Big => RawInsn {
                code,
                dst: hi,
                src: lo,
                off: i16::from_be_bytes([o0, o1]),
                imm: i32::from_be_bytes([i0, i1, i2, i3]),
            },
        }
    }
}

// Instruction classes (low 3 bits of the opcode).
const LD: u8 = 0x00;
const LDX: u8 = 0x01;
const ST: u8 = 0x02;
const STX: u8 = 0x03;
const ALU: u8 = 0x04;
const JMP: u8 = 0x05;
const JMP32: u8 = 0x06;
const ALU64: u8 = 0x07;

// Operand source bit of ALU and jump opcodes; for END it selects to-big-endian.
const SRC_X: u8 = 0x08;

// Load/store modes (high 3 bits).
const MODE_IMM: u8 = 0x00;
const MODE_ABS: u8 = 0x20;
const MODE_IND: u8 = 0x40;
const MODE_MEM: u8 = 0x60;
const MODE_MEMSX: u8 = 0x80;
const MODE_ATOMIC: u8 = 0xc0;
const MODE_MASK: u8 = 0xe0;

// ALU and jump operation codes (high 4 bits) that are not in the tables below.
const OP_NEG: u8 = 0x80;
const OP_END: u8 = 0xd0;
const OP_MOV: u8 = 0xb0;
const OP_JA: u8 = 0x00;
const OP_CALL: u8 = 0x80;
const OP_EXIT: u8 = 0x90;
const OP_JCOND: u8 = 0xe0;
const OP_MASK: u8 = 0xf0;

/// `BPF_MAY_GOTO`, the source register of the one `JCOND` jump (uapi bpf.h, 6.9).
const MAY_GOTO: u8 = 0;
/// `BPF_ADDR_SPACE_CAST`, the offset of a 64-bit register move that casts (uapi bpf.h, 6.9).
const ADDR_SPACE_CAST: i16 = 1;
/// `BPF_LOAD_ACQ` and `BPF_STORE_REL`, immediates of `STX | ATOMIC` (uapi bpf.h, 6.15).
const LOAD_ACQ: i32 = 0x100;
const STORE_REL: i32 = 0x110;

/// ALU operation -> (opcode bits, offset field): the signed forms share the unsigned opcode and
/// set offset 1 (ISA v4).
fn alu_bits(op: AluOp) -> (u8, i16) {
    match op {
        AluOp::Add => (0x00, 0),
        AluOp::Sub => (0x10, 0),
        AluOp::Mul => (0x20, 0),
        AluOp::Div => (0x30, 0),
        AluOp::SDiv => (0x30, 1),
        AluOp::Or => (0x40, 0),
        AluOp::And => (0x50, 0),
        AluOp::Lsh => (0x60, 0),
        AluOp::Rsh => (0x70, 0),
        AluOp::Mod => (0x90, 0),
        AluOp::SMod => (0x90, 1),
        AluOp::Xor => (0xa0, 0),
        AluOp::Mov => (OP_MOV, 0),
        AluOp::Arsh => (0xc0, 0),
    }
}

fn cond_bits(cond: JmpCond) -> u8 {
    match cond {
        JmpCond::Eq => 0x10,
        JmpCond::Gt => 0x20,
        JmpCond::Ge => 0x30,
        JmpCond::Set => 0x40,
        JmpCond::Ne => 0x50,
        JmpCond::SGt => 0x60,
        JmpCond::SGe => 0x70,
        JmpCond::Lt => 0xa0,
        JmpCond::Le => 0xb0,
        JmpCond::SLt => 0xc0,
        JmpCond::SLe => 0xd0,
    }
}

/// Atomic operation -> immediate; bit 0 (FETCH) loads the old value.
fn atomic_imm(op: AtomicOp) -> i32 {
    match op {
        AtomicOp::Add => 0x00,
        AtomicOp::Or => 0x40,
        AtomicOp::And => 0x50,
        AtomicOp::Xor => 0xa0,
        AtomicOp::FetchAdd => 0x01,
        AtomicOp::FetchOr => 0x41,
        AtomicOp::FetchAnd => 0x51,
        AtomicOp::FetchXor => 0xa1,
        AtomicOp::Xchg => 0xe1,
        AtomicOp::CmpXchg => 0xf1,
    }
}

/// Byte swap -> (class, source bit, width in bits): `ALU` converts to little (source bit clear)
/// or big endian, `ALU64` swaps unconditionally.
fn swap_fields(swap: Swap) -> (u8, u8, i32) {
    match swap {
        Swap::Le16 => (ALU, 0, 16),
        Swap::Le32 => (ALU, 0, 32),
        Swap::Le64 => (ALU, 0, 64),
        Swap::Be16 => (ALU, SRC_X, 16),
        Swap::Be32 => (ALU, SRC_X, 32),
        Swap::Be64 => (ALU, SRC_X, 64),
        Swap::Bswap16 => (ALU64, 0, 16),
        Swap::Bswap32 => (ALU64, 0, 32),
        Swap::Bswap64 => (ALU64, 0, 64),
    }
}

fn size_bits(size: Size) -> u8 {
    match size {
        Size::U32 => 0x00,
        Size::U16 => 0x08,
        Size::U8 => 0x10,
        Size::U64 => 0x18,
    }
}

/// `ld_imm64` pseudo source registers.
const PSEUDO_MAP_FD: u8 = 1;
const PSEUDO_MAP_VALUE: u8 = 2;
const PSEUDO_BTF_ID: u8 = 3;
const PSEUDO_FUNC: u8 = 4;
const PSEUDO_MAP_IDX: u8 = 5;
const PSEUDO_MAP_IDX_VALUE: u8 = 6;

/// Call source registers.
const PSEUDO_CALL: u8 = 1;
const PSEUDO_KFUNC_CALL: u8 = 2;

fn alu_class(width: Width) -> u8 {
    match width {
        Width::W32 => ALU,
        Width::W64 => ALU64,
    }
}

fn jmp_class(width: Width) -> u8 {
    match width {
        Width::W32 => JMP32,
        Width::W64 => JMP,
    }
}

fn source_fields(src: Source) -> (u8, u8, i32) {
    match src {
        Source::Reg(reg) => (SRC_X, reg.number(), 0),
        Source::Imm(imm) => (0, 0, imm),
    }
}

fn slot(code: u8, dst: Reg, src: u8, off: i16, imm: i32) -> RawInsn {
    RawInsn {
        code,
        dst: dst.number(),
        src,
        off,
        imm,
    }
}

impl Insn {
    /// The instruction's slots: the second is present for `LoadImm64` only. Fails for
    /// combinations the ISA does not have (a sign-extending 64-bit load, an 8-bit atomic, ...).
    pub fn to_raw(&self) -> Result<(RawInsn, Option<RawInsn>), AsmError> {
        let invalid = |reason: &'static str| AsmError::Invalid {
            insn: *self,
            reason,
        };
        let one = |raw: RawInsn| Ok((raw, None));
        match *self {
            Insn::Alu {
                width,
                op,
                dst,
                src,
            } => {
                let (bits, off) = alu_bits(op);
                let (x, src_reg, imm) = source_fields(src);
                one(slot(alu_class(width) | bits | x, dst, src_reg, off, imm))
            }
            Insn::Neg { width, dst } => one(slot(alu_class(width) | OP_NEG, dst, 0, 0, 0)),
            Insn::MovSx {
                width,
                dst,
                src,
                from,
            } => {
                let off = match (from, width) {
                    (Size::U8, _) => 8,
                    (Size::U16, _) => 16,
                    (Size::U32, Width::W64) => 32,
                    _ => {
                        return Err(invalid(
                            "sign extension is from 8 or 16 bits (or 32 at 64 bits)",
                        ))
                    }
                };
                one(slot(
                    alu_class(width) | OP_MOV | SRC_X,
                    dst,
                    src.number(),
                    off,
                    0,
                ))
            }
            Insn::Endian { dst, swap } => {
                let (class, x, bits) = swap_fields(swap);
                one(slot(class | OP_END | x, dst, 0, 0, bits))
            }
            Insn::Load {
                size,
                dst,
                src,
                off,
            } => one(slot(
                LDX | MODE_MEM | size_bits(size),
                dst,
                src.number(),
                off,
                0,
            )),
            Insn::LoadSx {
                size,
                dst,
                src,
                off,
            } => {
                if size == Size::U64 {
                    return Err(invalid("sign-extending loads are 8, 16 or 32 bits"));
                }
                one(slot(
                    LDX | MODE_MEMSX | size_bits(size),
                    dst,
                    src.number(),
                    off,
                    0,
                ))
            }
            Insn::Store {
                size,
                dst,
                off,
                imm,
            } => one(slot(ST | MODE_MEM | size_bits(size), dst, 0, off, imm)),
            Insn::StoreReg {
                size,
                dst,
                off,
                src,
            } => one(slot(
                STX | MODE_MEM | size_bits(size),
                dst,
                src.number(),
                off,
                0,
            )),
            Insn::Atomic {
                size,
                op,
                dst,
                off,
                src,
            } => {
                if !matches!(size, Size::U32 | Size::U64) {
                    return Err(invalid("atomic operations are 32 or 64 bits"));
                }
                one(slot(
                    STX | MODE_ATOMIC | size_bits(size),
                    dst,
                    src.number(),
                    off,
                    atomic_imm(op),
                ))
            }
            Insn::LoadAcquire {
                size,
                dst,
                src,
                off,
            } => one(slot(
                STX | MODE_ATOMIC | size_bits(size),
                dst,
                src.number(),
                off,
                LOAD_ACQ,
            )),
            Insn::StoreRelease {
                size,
                dst,
                off,
                src,
            } => one(slot(
                STX | MODE_ATOMIC | size_bits(size),
                dst,
                src.number(),
                off,
                STORE_REL,
            )),
            Insn::AddrSpaceCast {
                dst,
                src,
                dst_space,
                src_space,
            } => one(slot(
                ALU64 | OP_MOV | SRC_X,
                dst,
                src.number(),
                ADDR_SPACE_CAST,
                (u32::from(dst_space) << 16 | u32::from(src_space)) as i32,
            )),
            Insn::LoadImm64 { dst, imm } => {
                let (pseudo, low, high) = match imm {
                    Imm64::Value(value) => (0, value as i32, (value >> 32) as i32),
                    Imm64::MapFd(fd) => (PSEUDO_MAP_FD, fd, 0),
                    Imm64::MapValue { fd, offset } => (PSEUDO_MAP_VALUE, fd, offset as i32),
                    Imm64::BtfId { id, btf_fd } => (PSEUDO_BTF_ID, id, btf_fd),
                    Imm64::Func(offset) => (PSEUDO_FUNC, offset, 0),
                    Imm64::MapIdx(index) => (PSEUDO_MAP_IDX, index, 0),
                    Imm64::MapIdxValue { index, offset } => {
                        (PSEUDO_MAP_IDX_VALUE, index, offset as i32)
                    }
                };
                let second = RawInsn {
                    imm: high,
                    ..RawInsn::default()
                };
                Ok((
                    slot(LD | MODE_IMM | size_bits(Size::U64), dst, pseudo, 0, low),
                    Some(second),
                ))
            }
            Insn::LoadAbs { size, imm } => {
                if size == Size::U64 {
                    return Err(invalid("packet loads are 8, 16 or 32 bits"));
                }
                one(slot(LD | MODE_ABS | size_bits(size), Reg::R0, 0, 0, imm))
            }
            Insn::LoadInd { size, src, imm } => {
                if size == Size::U64 {
                    return Err(invalid("packet loads are 8, 16 or 32 bits"));
                }
                one(slot(
                    LD | MODE_IND | size_bits(size),
                    Reg::R0,
                    src.number(),
                    0,
                    imm,
                ))
            }
            Insn::Jump {
                width,
                cond,
                dst,
                src,
                off,
            } => {
                let (x, src_reg, imm) = source_fields(src);
                one(slot(
                    jmp_class(width) | cond_bits(cond) | x,
                    dst,
                    src_reg,
                    off,
                    imm,
                ))
            }
            Insn::Ja { off } => one(slot(JMP | OP_JA, Reg::R0, 0, off, 0)),
            Insn::JaLong { off } => one(slot(JMP32 | OP_JA, Reg::R0, 0, 0, off)),
            Insn::MayGoto { off } => one(slot(JMP | OP_JCOND, Reg::R0, MAY_GOTO, off, 0)),
            Insn::Call(target) => {
                let (src, off, imm) = match target {
                    CallTarget::Helper(id) => (0, 0, id),
                    CallTarget::Local(offset) => (PSEUDO_CALL, 0, offset),
                    CallTarget::Kfunc { btf_id, module } => (PSEUDO_KFUNC_CALL, module, btf_id),
                };
                one(slot(JMP | OP_CALL, Reg::R0, src, off, imm))
            }
            Insn::Exit => one(slot(JMP | OP_EXIT, Reg::R0, 0, 0, 0)),
        }
    }

    /// Reads one instruction from its first slot and, for `LoadImm64`, the slot after it.
    /// Reserved fields must be zero, as the verifier demands, so decoding is the exact inverse
    /// of `to_raw`. The error's slot is 0: the instruction given.
    pub fn from_raw(raw: RawInsn, next: Option<RawInsn>) -> Result<Insn, AsmError> {
        Insn::parse(raw, next).map_err(|reason| AsmError::Decode { slot: 0, reason })
    }

    fn parse(raw: RawInsn, next: Option<RawInsn>) -> Result<Insn, Malformed> {
        match raw.code & 0x07 {
            ALU | ALU64 => parse_alu(raw),
            JMP | JMP32 => parse_jump(raw),
            LDX => parse_load(raw),
            ST => parse_store(raw),
            STX => parse_store_reg(raw),
            _ => parse_ld(raw, next),
        }
    }
}

fn reg(number: u8) -> Result<Reg, Malformed> {
    Reg::from_number(number).ok_or(Malformed::Register(number))
}

/// Fails on the first of `fields` (name, value) that is not zero.
fn zero(fields: &[(&'static str, i64)]) -> Result<(), Malformed> {
    match fields.iter().find(|(_, value)| *value != 0) {
        Some(&(field, value)) => Err(Malformed::Reserved { field, value }),
        None => Ok(()),
    }
}

/// The size bits of a load or store's opcode.
fn size_of_code(code: u8) -> Size {
    Size::ALL
        .into_iter()
        .find(|&size| size_bits(size) == code & 0x18)
        .unwrap_or(Size::U64)
}

fn parse_alu(raw: RawInsn) -> Result<Insn, Malformed> {
    let RawInsn {
        code,
        dst,
        src,
        off,
        imm,
    } = raw;
    let no_operation =
        |field: &'static str, value: i64| Malformed::Operation { code, field, value };
    let class = code & 0x07;
    let width = if class == ALU { Width::W32 } else { Width::W64 };
    let x = code & SRC_X != 0;
    let op_bits = code & OP_MASK;
    let dst = reg(dst)?;
    match op_bits {
        OP_NEG => {
            zero(&[
                ("source bit", i64::from(x)),
                ("src", src.into()),
                ("off", off.into()),
                ("imm", imm.into()),
            ])?;
            Ok(Insn::Neg { width, dst })
        }
        OP_END => {
            zero(&[("src", src.into()), ("off", off.into())])?;
            let swap = Swap::ALL
                .into_iter()
                .find(|&swap| swap_fields(swap) == (class, code & SRC_X, imm))
                .ok_or(no_operation("imm", imm.into()))?;
            Ok(Insn::Endian { dst, swap })
        }
        OP_MOV if x && off == ADDR_SPACE_CAST && width == Width::W64 => Ok(Insn::AddrSpaceCast {
            dst,
            src: reg(src)?,
            dst_space: (imm as u32 >> 16) as u16,
            src_space: imm as u16,
        }),
        OP_MOV if x && off != 0 => {
            let from = match (off, width) {
                (8, _) => Size::U8,
                (16, _) => Size::U16,
                (32, Width::W64) => Size::U32,
                _ => return Err(no_operation("off", off.into())),
            };
            zero(&[("imm", imm.into())])?;
            Ok(Insn::MovSx {
                width,
                dst,
                src: reg(src)?,
                from,
            })
        }
        _ => {
            let op = AluOp::ALL
                .into_iter()
                .find(|&op| alu_bits(op) == (op_bits, off))
                .ok_or_else(|| {
                    if AluOp::ALL.iter().any(|&op| alu_bits(op).0 == op_bits) {
                        no_operation("off", off.into())
                    } else {
                        Malformed::Opcode(code)
                    }
                })?;
            let src = if x {
                zero(&[("imm", imm.into())])?;
                Source::Reg(reg(src)?)
            } else {
                zero(&[("src", src.into())])?;
                Source::Imm(imm)
            };
            Ok(Insn::Alu {
                width,
                op,
                dst,
                src,
            })
        }
    }
}

fn parse_jump(raw: RawInsn) -> Result<Insn, Malformed> {
    let RawInsn {
        code,
        dst,
        src,
        off,
        imm,
    } = raw;
    let no_operation =
        |field: &'static str, value: i64| Malformed::Operation { code, field, value };
    let class = code & 0x07;
    let width = if class == JMP32 {
        Width::W32
    } else {
        Width::W64
    };
    let x = code & SRC_X != 0;
    match (code & OP_MASK, class) {
        (OP_JA, JMP) => {
            zero(&[
                ("source bit", x.into()),
                ("dst", dst.into()),
                ("src", src.into()),
                ("imm", imm.into()),
            ])?;
            Ok(Insn::Ja { off })
        }
        (OP_JA, JMP32) => {
            zero(&[
                ("source bit", x.into()),
                ("dst", dst.into()),
                ("src", src.into()),
                ("off", off.into()),
            ])?;
            Ok(Insn::JaLong { off: imm })
        }
        (OP_CALL, JMP) => parse_call(raw, x),
        (OP_JCOND, JMP) => {
            if src != MAY_GOTO {
                return Err(no_operation("src", src.into()));
            }
            zero(&[
                ("source bit", x.into()),
                ("dst", dst.into()),
                ("imm", imm.into()),
            ])?;
            Ok(Insn::MayGoto { off })
        }
        (OP_EXIT, JMP) => {
            zero(&[
                ("source bit", x.into()),
                ("dst", dst.into()),
                ("src", src.into()),
                ("off", off.into()),
                ("imm", imm.into()),
            ])?;
            Ok(Insn::Exit)
        }
        (bits, _) => {
            let cond = JmpCond::ALL
                .into_iter()
                .find(|&cond| cond_bits(cond) == bits)
                .ok_or(Malformed::Opcode(code))?;
            let src = if x {
                zero(&[("imm", imm.into())])?;
                Source::Reg(reg(src)?)
            } else {
                zero(&[("src", src.into())])?;
                Source::Imm(imm)
            };
            Ok(Insn::Jump {
                width,
                cond,
                dst: reg(dst)?,
                src,
                off,
            })
        }
    }
}

/// `call`: a helper, a function of the program, or a kernel function.
fn parse_call(raw: RawInsn, x: bool) -> Result<Insn, Malformed> {
    let RawInsn {
        code,
        dst,
        src,
        off,
        imm,
    } = raw;
    let no_operation =
        |field: &'static str, value: i64| Malformed::Operation { code, field, value };
    zero(&[("source bit", x.into()), ("dst", dst.into())])?;
    let target = match src {
        0 => {
            zero(&[("off", off.into())])?;
            CallTarget::Helper(imm)
        }
        PSEUDO_CALL => {
            zero(&[("off", off.into())])?;
            CallTarget::Local(imm)
        }
        PSEUDO_KFUNC_CALL => CallTarget::Kfunc {
            btf_id: imm,
            module: off,
        },
        _ => return Err(no_operation("src", src.into())),
    };
    Ok(Insn::Call(target))
}

fn parse_load(raw: RawInsn) -> Result<Insn, Malformed> {
    let RawInsn {
        code,
        dst,
        src,
        off,
        imm,
    } = raw;
    let size = size_of_code(code);
    let (dst, src) = (reg(dst)?, reg(src)?);
    zero(&[("imm", imm.into())])?;
    match code & MODE_MASK {
        MODE_MEM => Ok(Insn::Load {
            size,
            dst,
            src,
            off,
        }),
        MODE_MEMSX if size != Size::U64 => Ok(Insn::LoadSx {
            size,
            dst,
            src,
            off,
        }),
        _ => Err(Malformed::Opcode(code)),
    }
}

fn parse_store(raw: RawInsn) -> Result<Insn, Malformed> {
    let RawInsn {
        code,
        dst,
        src,
        off,
        imm,
    } = raw;
    let size = size_of_code(code);
    if code & MODE_MASK != MODE_MEM {
        return Err(Malformed::Opcode(code));
    }
    zero(&[("src", src.into())])?;
    Ok(Insn::Store {
        size,
        dst: reg(dst)?,
        off,
        imm,
    })
}

fn parse_store_reg(raw: RawInsn) -> Result<Insn, Malformed> {
    let RawInsn {
        code,
        dst,
        src,
        off,
        imm,
    } = raw;
    let size = size_of_code(code);
    let no_operation =
        |field: &'static str, value: i64| Malformed::Operation { code, field, value };
    let (dst, src) = (reg(dst)?, reg(src)?);
    match code & MODE_MASK {
        MODE_MEM => {
            zero(&[("imm", imm.into())])?;
            Ok(Insn::StoreReg {
                size,
                dst,
                off,
                src,
            })
        }
        MODE_ATOMIC => match imm {
            LOAD_ACQ => Ok(Insn::LoadAcquire {
                size,
                dst,
                src,
                off,
            }),
            STORE_REL => Ok(Insn::StoreRelease {
                size,
                dst,
                off,
                src,
            }),
            // Read-modify-write operations are 32 or 64 bits wide.
            _ => AtomicOp::ALL
                .into_iter()
                .find(|&op| atomic_imm(op) == imm)
                .filter(|_| matches!(size, Size::U32 | Size::U64))
                .map(|op| Insn::Atomic {
                    size,
                    op,
                    dst,
                    off,
                    src,
                })
                .ok_or(no_operation("imm", imm.into())),
        },
        _ => Err(Malformed::Opcode(code)),
    }
}

/// Class LD: the 16-byte immediate load, and the packet loads.
fn parse_ld(raw: RawInsn, next: Option<RawInsn>) -> Result<Insn, Malformed> {
    let RawInsn {
        code,
        dst,
        src,
        off,
        imm,
    } = raw;
    let size = size_of_code(code);
    let no_operation =
        |field: &'static str, value: i64| Malformed::Operation { code, field, value };
    match code & MODE_MASK {
        MODE_IMM if size == Size::U64 => {
            let dst = reg(dst)?;
            zero(&[("off", off.into())])?;
            let next = next.ok_or(Malformed::CutOff)?;
            if (next.code, next.dst, next.src, next.off) != (0, 0, 0, 0) {
                return Err(Malformed::SecondHalf);
            }
            let high = next.imm;
            let need_zero_high =
                |imm: Imm64| zero(&[("imm of the second half", high.into())]).map(|_| imm);
            let imm = match src {
                0 => Imm64::Value(u64::from(imm as u32) | u64::from(high as u32) << 32),
                PSEUDO_MAP_FD => need_zero_high(Imm64::MapFd(imm))?,
                PSEUDO_MAP_VALUE => Imm64::MapValue {
                    fd: imm,
                    offset: high as u32,
                },
                PSEUDO_BTF_ID => Imm64::BtfId {
                    id: imm,
                    btf_fd: high,
                },
                PSEUDO_FUNC => need_zero_high(Imm64::Func(imm))?,
                PSEUDO_MAP_IDX => need_zero_high(Imm64::MapIdx(imm))?,
                PSEUDO_MAP_IDX_VALUE => Imm64::MapIdxValue {
                    index: imm,
                    offset: high as u32,
                },
                _ => return Err(no_operation("src", src.into())),
            };
            Ok(Insn::LoadImm64 { dst, imm })
        }
        MODE_ABS if size != Size::U64 => {
            zero(&[
                ("dst", dst.into()),
                ("src", src.into()),
                ("off", off.into()),
            ])?;
            Ok(Insn::LoadAbs { size, imm })
        }
        MODE_IND if size != Size::U64 => {
            zero(&[("dst", dst.into()), ("off", off.into())])?;
            Ok(Insn::LoadInd {
                size,
                src: reg(src)?,
                imm,
            })
        }
        _ => Err(Malformed::Opcode(code)),
    }
}

/// Encodes a program for a target of the given byte order.
pub fn encode(insns: &[Insn], order: ByteOrder) -> Result<Vec<u8>, AsmError> {
    let mut bytes = Vec::with_capacity(insns.len() * 8);
    for insn in insns {
        let (first, second) = insn.to_raw()?;
        bytes.extend_from_slice(&first.to_bytes(order));
        if let Some(second) = second {
            bytes.extend_from_slice(&second.to_bytes(order));
        }
    }
    Ok(bytes)
}

/// Decodes a program; the error names the slot that does not decode.
pub fn decode(bytes: &[u8], order: ByteOrder) -> Result<Vec<Insn>, AsmError> {
    if bytes.len() % 8 != 0 {
        return Err(AsmError::Decode {
            slot: bytes.len() / 8,
            reason: Malformed::Length(bytes.len()),
        });
    }
    let raws: Vec<RawInsn> = bytes
        .chunks_exact(8)
        .map(|chunk| {
            let mut slot = [0; 8];
            slot.copy_from_slice(chunk);
            RawInsn::from_bytes(slot, order)
        })
        .collect();
    let mut insns = Vec::with_capacity(raws.len());
    let mut slot = 0;
    while slot < raws.len() {
        let insn = Insn::parse(raws[slot], raws.get(slot + 1).copied())
            .map_err(|reason| AsmError::Decode { slot, reason })?;
        slot += insn.slots();
        insns.push(insn);
    }
    Ok(insns)
}
