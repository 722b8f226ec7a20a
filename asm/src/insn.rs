//! insn: the typed eBPF instruction. Every field is an enum or a sized integer, so a caller never
//! writes an opcode byte; `codec` is the one place that knows the bit layout.

/// A register. R10 is the read-only frame pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reg {
    /// Return value of calls and of the program.
    R0,
    /// First argument of a call; the context pointer when the program starts.
    R1,
    /// Second argument of a call.
    R2,
    /// Third argument of a call.
    R3,
    /// Fourth argument of a call.
    R4,
    /// Fifth argument of a call.
    R5,
    /// Callee-saved: kept across calls.
    R6,
    /// Callee-saved.
    R7,
    /// Callee-saved.
    R8,
    /// Callee-saved.
    R9,
    /// The frame pointer: read-only, the top of the program's 512-byte stack.
    R10,
}

impl Reg {
    /// Every register, in number order.
    pub const ALL: [Reg; 11] = [
        Reg::R0,
        Reg::R1,
        Reg::R2,
        Reg::R3,
        Reg::R4,
        Reg::R5,
        Reg::R6,
        Reg::R7,
        Reg::R8,
        Reg::R9,
        Reg::R10,
    ];

    /// The register's number, 0 to 10.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The register with this number, if there is one.
    pub fn from_number(number: u8) -> Option<Reg> {
        Reg::ALL.get(usize::from(number)).copied()
    }
}

/// Operation width of ALU and conditional-jump instructions: the `ALU`/`JMP32` classes work on
/// the low 32 bits (`w` registers in the text), `ALU64`/`JMP` on all 64.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    /// The low 32 bits; the result is zero-extended into the 64-bit register.
    W32,
    /// All 64 bits.
    W64,
}

/// Size of a memory access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Size {
    /// One byte.
    U8,
    /// Two bytes.
    U16,
    /// Four bytes.
    U32,
    /// Eight bytes.
    U64,
}

impl Size {
    /// Every size, smallest first.
    pub const ALL: [Size; 4] = [Size::U8, Size::U16, Size::U32, Size::U64];

    /// The size in bytes.
    pub fn bytes(self) -> usize {
        match self {
            Size::U8 => 1,
            Size::U16 => 2,
            Size::U32 => 4,
            Size::U64 => 8,
        }
    }
}

/// The second operand of ALU and jump instructions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// A register (the `X` source bit of the opcode).
    Reg(Reg),
    /// The instruction's 32-bit immediate, sign-extended at 64 bits.
    Imm(i32),
}

impl From<Reg> for Source {
    fn from(reg: Reg) -> Source {
        Source::Reg(reg)
    }
}

impl From<i32> for Source {
    fn from(imm: i32) -> Source {
        Source::Imm(imm)
    }
}

/// Two-operand ALU operations, `dst op= src`. Negation, sign-extending moves and byte swaps have
/// their own instructions because their operands differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AluOp {
    /// `+=`
    Add,
    /// `-=`
    Sub,
    /// `*=`
    Mul,
    /// `/=`, unsigned; division by zero gives 0.
    Div,
    /// `s/=`, signed (ISA v4).
    SDiv,
    /// `|=`
    Or,
    /// `&=`
    And,
    /// `<<=`
    Lsh,
    /// `>>=`, logical.
    Rsh,
    /// `%=`, unsigned; modulo zero leaves dst unchanged.
    Mod,
    /// `s%=`, signed (ISA v4).
    SMod,
    /// `^=`
    Xor,
    /// `=`
    Mov,
    /// `s>>=`, arithmetic.
    Arsh,
}

impl AluOp {
    /// Every operation, in opcode order.
    pub const ALL: [AluOp; 14] = [
        AluOp::Add,
        AluOp::Sub,
        AluOp::Mul,
        AluOp::Div,
        AluOp::SDiv,
        AluOp::Or,
        AluOp::And,
        AluOp::Lsh,
        AluOp::Rsh,
        AluOp::Mod,
        AluOp::SMod,
        AluOp::Xor,
        AluOp::Mov,
        AluOp::Arsh,
    ];
}

/// Conditions of conditional jumps, `if dst cond src goto`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JmpCond {
    /// `==`
    Eq,
    /// `>`, unsigned.
    Gt,
    /// `>=`, unsigned.
    Ge,
    /// `&`: any bit in common.
    Set,
    /// `!=`
    Ne,
    /// `s>`, signed.
    SGt,
    /// `s>=`, signed.
    SGe,
    /// `<`, unsigned.
    Lt,
    /// `<=`, unsigned.
    Le,
    /// `s<`, signed.
    SLt,
    /// `s<=`, signed.
    SLe,
}

impl JmpCond {
    /// Every condition, in opcode order.
    pub const ALL: [JmpCond; 11] = [
        JmpCond::Eq,
        JmpCond::Gt,
        JmpCond::Ge,
        JmpCond::Set,
        JmpCond::Ne,
        JmpCond::SGt,
        JmpCond::SGe,
        JmpCond::Lt,
        JmpCond::Le,
        JmpCond::SLt,
        JmpCond::SLe,
    ];
}

/// Atomic read-modify-write operations on memory (`STX | ATOMIC`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AtomicOp {
    /// `lock *(dst + off) += src`
    Add,
    /// `lock *(dst + off) |= src`
    Or,
    /// `lock *(dst + off) &= src`
    And,
    /// `lock *(dst + off) ^= src`
    Xor,
    /// Like `Add`, and the old value is loaded into the source register.
    FetchAdd,
    /// Like `Or`, and the old value is loaded into the source register.
    FetchOr,
    /// Like `And`, and the old value is loaded into the source register.
    FetchAnd,
    /// Like `Xor`, and the old value is loaded into the source register.
    FetchXor,
    /// Stores src; the source register gets the old value.
    Xchg,
    /// Compares the memory with R0, stores src if equal; R0 gets the old value.
    CmpXchg,
}

impl AtomicOp {
    /// Every read-modify-write operation.
    pub const ALL: [AtomicOp; 10] = [
        AtomicOp::Add,
        AtomicOp::Or,
        AtomicOp::And,
        AtomicOp::Xor,
        AtomicOp::FetchAdd,
        AtomicOp::FetchOr,
        AtomicOp::FetchAnd,
        AtomicOp::FetchXor,
        AtomicOp::Xchg,
        AtomicOp::CmpXchg,
    ];
}

/// Byte-order conversions: `ToLe`/`ToBe` convert from host order (a no-op or a swap depending on
/// the host, truncating to the width), `Bswap` swaps unconditionally (ISA v4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Swap {
    /// `le16`: host order to little-endian, truncated to 16 bits.
    Le16,
    /// `le32`: host order to little-endian, truncated to 32 bits.
    Le32,
    /// `le64`: host order to little-endian.
    Le64,
    /// `be16`: host order to big-endian, truncated to 16 bits.
    Be16,
    /// `be32`: host order to big-endian, truncated to 32 bits.
    Be32,
    /// `be64`: host order to big-endian.
    Be64,
    /// `bswap16`: swaps the low 2 bytes, clearing the rest.
    Bswap16,
    /// `bswap32`: swaps the low 4 bytes, clearing the rest.
    Bswap32,
    /// `bswap64`: swaps all 8 bytes.
    Bswap64,
}

impl Swap {
    /// Every conversion.
    pub const ALL: [Swap; 9] = [
        Swap::Le16,
        Swap::Le32,
        Swap::Le64,
        Swap::Be16,
        Swap::Be32,
        Swap::Be64,
        Swap::Bswap16,
        Swap::Bswap32,
        Swap::Bswap64,
    ];
}

/// The value a 16-byte immediate load puts in its register; the pseudo forms are rewritten by
/// the kernel at load time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Imm64 {
    /// A plain 64-bit value.
    Value(u64),
    /// Address of the map with this fd.
    MapFd(i32),
    /// Address of a map's value (array maps) plus an offset.
    MapValue {
        /// The map's fd.
        fd: i32,
        /// Bytes into the value.
        offset: u32,
    },
    /// Address of a kernel variable by BTF id; `btf_fd` 0 means vmlinux.
    BtfId {
        /// The variable's BTF type id.
        id: i32,
        /// The fd of the BTF object (a module's) that has it, 0 for vmlinux.
        btf_fd: i32,
    },
    /// Address of a BPF subprogram, as an offset in slots from the next instruction.
    Func(i32),
    /// Like `MapFd` and `MapValue`, but indexing the `fd_array` passed at load time.
    MapIdx(i32),
    /// Address of a map's value plus an offset, the map indexing `fd_array`.
    MapIdxValue {
        /// The map's index in `fd_array`.
        index: i32,
        /// Bytes into the value.
        offset: u32,
    },
}

/// What a call instruction calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallTarget {
    /// A helper function by its id (see `Helper`).
    Helper(i32),
    /// A BPF-to-BPF call, as an offset in slots from the next instruction.
    Local(i32),
    /// A kernel function by BTF id; `module` indexes the load-time `fd_array` (0 = vmlinux).
    Kfunc {
        /// The function's BTF id.
        btf_id: i32,
        /// Index in `fd_array` of the module's BTF, 0 for vmlinux.
        module: i16,
    },
}

/// One eBPF instruction. `LoadImm64` occupies two 8-byte slots, all others one; jump and call
/// offsets count slots from the instruction after this one. Field names follow the encoding:
/// `dst` and `src` are the instruction's register fields, whichever way the data moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Insn {
    /// `dst op= src`
    Alu {
        /// 32 or 64 bits.
        width: Width,
        /// The operation.
        op: AluOp,
        /// Operand and result.
        dst: Reg,
        /// The second operand.
        src: Source,
    },
    /// `dst = -dst`
    Neg {
        /// 32 or 64 bits.
        width: Width,
        /// Operand and result.
        dst: Reg,
    },
    /// `dst = (s8|s16|s32) src`, sign-extending. ISA v4.
    MovSx {
        /// 32 or 64 bits.
        width: Width,
        /// The result.
        dst: Reg,
        /// The value extended.
        src: Reg,
        /// The bits extended: U8, U16 or U32 (U32 only at 64 bits).
        from: Size,
    },
    /// `dst = be16 dst` and friends.
    Endian {
        /// Operand and result.
        dst: Reg,
        /// The conversion.
        swap: Swap,
    },
    /// `dst = *(size *)(src + off)`
    Load {
        /// Bytes loaded, zero-extended.
        size: Size,
        /// The result.
        dst: Reg,
        /// The base address.
        src: Reg,
        /// Bytes from the base address.
        off: i16,
    },
    /// `dst = *(s8|s16|s32 *)(src + off)`, sign-extending. ISA v4.
    LoadSx {
        /// Bytes loaded: U8, U16 or U32.
        size: Size,
        /// The result.
        dst: Reg,
        /// The base address.
        src: Reg,
        /// Bytes from the base address.
        off: i16,
    },
    /// `*(size *)(dst + off) = imm`
    Store {
        /// Bytes stored.
        size: Size,
        /// The base address.
        dst: Reg,
        /// Bytes from the base address.
        off: i16,
        /// The value, truncated to `size`.
        imm: i32,
    },
    /// `*(size *)(dst + off) = src`
    StoreReg {
        /// Bytes stored.
        size: Size,
        /// The base address.
        dst: Reg,
        /// Bytes from the base address.
        off: i16,
        /// The value, truncated to `size`.
        src: Reg,
    },
    /// An atomic read-modify-write of `*(size *)(dst + off)` with `src`.
    Atomic {
        /// U32 or U64.
        size: Size,
        /// The operation.
        op: AtomicOp,
        /// The base address.
        dst: Reg,
        /// Bytes from the base address.
        off: i16,
        /// The operand; the `Fetch*` operations and `Xchg` also write the old value here.
        src: Reg,
    },
    /// `dst = load_acquire((size *)(src + off))`: no later memory access of this CPU is seen
    /// before it. Linux 6.15.
    LoadAcquire {
        /// Bytes loaded, zero-extended.
        size: Size,
        /// The result.
        dst: Reg,
        /// The base address.
        src: Reg,
        /// Bytes from the base address.
        off: i16,
    },
    /// `store_release((size *)(dst + off), src)`: no earlier memory access of this CPU is seen
    /// after it. Linux 6.15.
    StoreRelease {
        /// Bytes stored.
        size: Size,
        /// The base address.
        dst: Reg,
        /// Bytes from the base address.
        off: i16,
        /// The value, truncated to `size`.
        src: Reg,
    },
    /// `dst = imm64` (two slots).
    LoadImm64 {
        /// The result.
        dst: Reg,
        /// The value, or what the kernel replaces with an address.
        imm: Imm64,
    },
    /// Legacy packet access: `r0 = *(size *)skb[imm]`.
    LoadAbs {
        /// Bytes loaded: U8, U16 or U32.
        size: Size,
        /// Offset into the packet.
        imm: i32,
    },
    /// Legacy packet access: `r0 = *(size *)skb[src + imm]`.
    LoadInd {
        /// Bytes loaded: U8, U16 or U32.
        size: Size,
        /// Offset into the packet.
        src: Reg,
        /// Added to the offset.
        imm: i32,
    },
    /// `if dst cond src goto pc+off`
    Jump {
        /// 32 (`JMP32`) or 64 bits.
        width: Width,
        /// The comparison.
        cond: JmpCond,
        /// The first operand.
        dst: Reg,
        /// The second operand.
        src: Source,
        /// Slots to skip when the condition holds.
        off: i16,
    },
    /// `goto pc+off`
    Ja {
        /// Slots to skip.
        off: i16,
    },
    /// `gotol pc+off`, the 32-bit-offset jump. ISA v4.
    JaLong {
        /// Slots to skip.
        off: i32,
    },
    /// `may_goto pc+off`: falls through while the kernel's loop budget for this program run
    /// lasts and jumps once it is spent, so the verifier accepts a loop it cannot bound.
    /// Linux 6.9.
    MayGoto {
        /// Slots to skip once the budget is spent.
        off: i16,
    },
    /// `dst = addr_space_cast(src, dst_space, src_space)`: converts a pointer into a BPF arena
    /// between the user's address space (1) and the kernel's (0). Linux 6.9; the verifier
    /// wants an arena map in the program.
    AddrSpaceCast {
        /// The result.
        dst: Reg,
        /// The pointer converted.
        src: Reg,
        /// The address space converted to.
        dst_space: u16,
        /// The address space converted from.
        src_space: u16,
    },
    /// A call of a helper, a kernel function or a subprogram.
    Call(CallTarget),
    /// Returns r0 from the program or subprogram.
    Exit,
}

impl Insn {
    /// Number of 8-byte slots the instruction occupies.
    pub fn slots(&self) -> usize {
        match self {
            Insn::LoadImm64 { .. } => 2,
            _ => 1,
        }
    }
}
