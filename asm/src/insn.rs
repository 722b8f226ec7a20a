//! insn: the typed eBPF instruction. Every field is an enum or a sized integer, so a caller never
//! writes an opcode byte; `codec` is the one place that knows the bit layout.

/// A register. R10 is the read-only frame pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reg {
    R0,
    R1,
    R2,
    R3,
    R4,
    R5,
    R6,
    R7,
    R8,
    R9,
    R10,
}

impl Reg {
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

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn from_number(number: u8) -> Option<Reg> {
        Reg::ALL.get(usize::from(number)).copied()
    }
}

/// Operation width of ALU and conditional-jump instructions: the `ALU`/`JMP32` classes work on
/// the low 32 bits (`w` registers in the text), `ALU64`/`JMP` on all 64.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Width {
    W32,
    W64,
}

/// Size of a memory access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Size {
    U8,
    U16,
    U32,
    U64,
}

impl Size {
    pub const ALL: [Size; 4] = [Size::U8, Size::U16, Size::U32, Size::U64];

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
    Reg(Reg),
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
pub enum AluOp {
    Add,
    Sub,
    Mul,
    Div,
    SDiv,
    Or,
    And,
    Lsh,
    Rsh,
    Mod,
    SMod,
    Xor,
    Mov,
    Arsh,
}

impl AluOp {
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
pub enum JmpCond {
    Eq,
    Gt,
    Ge,
    Set,
    Ne,
    SGt,
    SGe,
    Lt,
    Le,
    SLt,
    SLe,
}

impl JmpCond {
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
pub enum AtomicOp {
    Add,
    Or,
    And,
    Xor,
    /// The `Fetch*` forms also load the old value into the source register.
    FetchAdd,
    FetchOr,
    FetchAnd,
    FetchXor,
    Xchg,
    /// Compares the memory with R0, stores src if equal; R0 gets the old value.
    CmpXchg,
}

impl AtomicOp {
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
    Le16,
    Le32,
    Le64,
    Be16,
    Be32,
    Be64,
    Bswap16,
    Bswap32,
    Bswap64,
}

impl Swap {
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
pub enum Imm64 {
    Value(u64),
    /// Address of the map with this fd.
    MapFd(i32),
    /// Address of a map's value (array maps) plus an offset.
    MapValue {
        fd: i32,
        offset: u32,
    },
    /// Address of a kernel variable by BTF id; `btf_fd` 0 means vmlinux.
    BtfId {
        id: i32,
        btf_fd: i32,
    },
    /// Address of a BPF subprogram, as an offset in slots from the next instruction.
    Func(i32),
    /// Like `MapFd` and `MapValue`, but indexing the `fd_array` passed at load time.
    MapIdx(i32),
    MapIdxValue {
        index: i32,
        offset: u32,
    },
}

/// What a call instruction calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallTarget {
    /// A helper function by its id (see `Helper`).
    Helper(i32),
    /// A BPF-to-BPF call, as an offset in slots from the next instruction.
    Local(i32),
    /// A kernel function by BTF id; `module` indexes the load-time `fd_array` (0 = vmlinux).
    Kfunc { btf_id: i32, module: i16 },
}

/// One eBPF instruction. `LoadImm64` occupies two 8-byte slots, all others one; jump and call
/// offsets count slots from the instruction after this one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Insn {
    /// `dst op= src`
    Alu {
        width: Width,
        op: AluOp,
        dst: Reg,
        src: Source,
    },
    /// `dst = -dst`
    Neg {
        width: Width,
        dst: Reg,
    },
    /// `dst = (s8|s16|s32) src`; `from` is U8, U16 or U32 (U32 only at 64 bits). ISA v4.
    MovSx {
        width: Width,
        dst: Reg,
        src: Reg,
        from: Size,
    },
    /// `dst = be16 dst` and friends.
    Endian {
        dst: Reg,
        swap: Swap,
    },
    /// `dst = *(size *)(src + off)`
    Load {
        size: Size,
        dst: Reg,
        src: Reg,
        off: i16,
    },
    /// `dst = *(s8|s16|s32 *)(src + off)`, sign-extended. ISA v4.
    LoadSx {
        size: Size,
        dst: Reg,
        src: Reg,
        off: i16,
    },
    /// `*(size *)(dst + off) = imm`
    Store {
        size: Size,
        dst: Reg,
        off: i16,
        imm: i32,
    },
    /// `*(size *)(dst + off) = src`
    StoreReg {
        size: Size,
        dst: Reg,
        off: i16,
        src: Reg,
    },
    /// Atomic operation on `*(size *)(dst + off)` with `src`; size is U32 or U64.
    Atomic {
        size: Size,
        op: AtomicOp,
        dst: Reg,
        off: i16,
        src: Reg,
    },
    /// `dst = imm64` (two slots).
    LoadImm64 {
        dst: Reg,
        imm: Imm64,
    },
    /// Legacy packet access: `r0 = *(size *)skb[imm]`.
    LoadAbs {
        size: Size,
        imm: i32,
    },
    /// Legacy packet access: `r0 = *(size *)skb[src + imm]`.
    LoadInd {
        size: Size,
        src: Reg,
        imm: i32,
    },
    /// `if dst cond src goto pc+off`
    Jump {
        width: Width,
        cond: JmpCond,
        dst: Reg,
        src: Source,
        off: i16,
    },
    /// `goto pc+off`
    Ja {
        off: i16,
    },
    /// `gotol pc+off`, the 32-bit-offset jump. ISA v4.
    JaLong {
        off: i32,
    },
    Call(CallTarget),
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
