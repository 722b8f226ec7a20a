//! builder: writes a program as calls that read like its disassembly, with labels as values;
//! jump offsets are resolved when the program is finished.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use crate::error::AsmError;
use crate::helper::Helper;
use crate::insn::{
    AluOp, AtomicOp, CallTarget, Imm64, Insn, JmpCond, Reg, Size, Source, Swap, Width,
};

/// A position in the program, made by `Builder::label` and placed by `Builder::bind`. It
/// belongs to the builder that made it: using it in another is an error `finish` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label {
    builder: u32,
    // u32 keeps a label 8 bytes on 64-bit hosts, as small as the bare index it was.
    index: u32,
}

/// Numbers builders, so a label knows which one it belongs to. Wraps after 2^32 builders; two
/// that share a number then only lose the check between them.
static BUILDERS: AtomicU32 = AtomicU32::new(0);

/// Writes a program one instruction at a time, with jumps to labels; `finish` resolves them.
pub struct Builder {
    /// This builder's number, carried by its labels.
    id: u32,
    insns: Vec<Insn>,
    /// Per label, the index of the instruction it is bound before.
    labels: Vec<Option<usize>>,
    /// Instructions whose offset is a label's position, by instruction index.
    fixups: Vec<(usize, Label)>,
    /// The first label bound twice, reported by `finish`.
    rebound: Option<usize>,
    /// Where the first label of another builder was bound, reported by `finish`.
    foreign: Option<usize>,
}

impl Default for Builder {
    // Not inlined: the compiler and the feature probes each make builders.
    #[inline(never)]
    fn default() -> Builder {
        Builder {
            id: BUILDERS.fetch_add(1, Ordering::Relaxed),
            insns: Vec::new(),
            labels: Vec::new(),
            fixups: Vec::new(),
            rebound: None,
            foreign: None,
        }
    }
}

macro_rules! alu_methods {
    ($($op:ident $text:literal: $reg64:ident $imm64:ident $reg32:ident $imm32:ident;)*) => {$(
        #[doc = concat!("`dst ", $text, " src` at 64 bits.")]
        pub fn $reg64(&mut self, dst: Reg, src: Reg) -> &mut Self {
            self.alu(Width::W64, AluOp::$op, dst, src.into())
        }
        #[doc = concat!("`dst ", $text, " imm` at 64 bits.")]
        pub fn $imm64(&mut self, dst: Reg, imm: i32) -> &mut Self {
            self.alu(Width::W64, AluOp::$op, dst, imm.into())
        }
        #[doc = concat!("`dst ", $text, " src` at 32 bits.")]
        pub fn $reg32(&mut self, dst: Reg, src: Reg) -> &mut Self {
            self.alu(Width::W32, AluOp::$op, dst, src.into())
        }
        #[doc = concat!("`dst ", $text, " imm` at 32 bits.")]
        pub fn $imm32(&mut self, dst: Reg, imm: i32) -> &mut Self {
            self.alu(Width::W32, AluOp::$op, dst, imm.into())
        }
    )*};
}

macro_rules! jump_methods {
    ($($cond:ident $text:literal: $reg64:ident $imm64:ident $reg32:ident $imm32:ident;)*) => {$(
        #[doc = concat!("`if dst ", $text, " src goto target`, comparing 64 bits.")]
        pub fn $reg64(&mut self, dst: Reg, src: Reg, target: Label) -> &mut Self {
            self.jump(Width::W64, JmpCond::$cond, dst, src.into(), target)
        }
        #[doc = concat!("`if dst ", $text, " imm goto target`, comparing 64 bits.")]
        // Not inlined: the emitter writes these at dozens of places.
        #[inline(never)]
        pub fn $imm64(&mut self, dst: Reg, imm: i32, target: Label) -> &mut Self {
            self.jump(Width::W64, JmpCond::$cond, dst, imm.into(), target)
        }
        #[doc = concat!("`if dst ", $text, " src goto target`, comparing 32 bits.")]
        pub fn $reg32(&mut self, dst: Reg, src: Reg, target: Label) -> &mut Self {
            self.jump(Width::W32, JmpCond::$cond, dst, src.into(), target)
        }
        #[doc = concat!("`if dst ", $text, " imm goto target`, comparing 32 bits.")]
        pub fn $imm32(&mut self, dst: Reg, imm: i32, target: Label) -> &mut Self {
            self.jump(Width::W32, JmpCond::$cond, dst, imm.into(), target)
        }
    )*};
}

impl Builder {
    /// An empty program.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Number of instructions so far (a `LoadImm64` counts once).
    pub fn len(&self) -> usize {
        self.insns.len()
    }

    /// True before the first instruction.
    pub fn is_empty(&self) -> bool {
        self.insns.is_empty()
    }

    /// Appends an instruction as it is; jump offsets in it are taken literally.
    pub fn push(&mut self, insn: Insn) -> &mut Self {
        self.insns.push(insn);
        self
    }

    /// A new label, to jump to and to `bind` once.
    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label {
            builder: self.id,
            index: (self.labels.len() - 1) as u32,
        }
    }

    /// Places `label` before the next instruction pushed.
    pub fn bind(&mut self, label: Label) -> &mut Self {
        let here = self.insns.len();
        match self.labels.get_mut(label.index as usize) {
            Some(position) if label.builder == self.id => {
                if position.is_some() {
                    self.rebound.get_or_insert(label.index as usize);
                }
                *position = Some(here);
            }
            _ => {
                self.foreign.get_or_insert(here);
            }
        }
        self
    }

    fn push_to(&mut self, insn: Insn, target: Label) -> &mut Self {
        self.fixups.push((self.insns.len(), target));
        self.push(insn)
    }

    /// `dst op= src`, any operation and width.
    pub fn alu(&mut self, width: Width, op: AluOp, dst: Reg, src: Source) -> &mut Self {
        self.push(Insn::Alu {
            width,
            op,
            dst,
            src,
        })
    }

    alu_methods! {
        Add "+=": add64 add64_imm add32 add32_imm;
        Sub "-=": sub64 sub64_imm sub32 sub32_imm;
        Mul "*=": mul64 mul64_imm mul32 mul32_imm;
        Div "/=": div64 div64_imm div32 div32_imm;
        SDiv "s/=": sdiv64 sdiv64_imm sdiv32 sdiv32_imm;
        Or "|=": or64 or64_imm or32 or32_imm;
        And "&=": and64 and64_imm and32 and32_imm;
        Lsh "<<=": lsh64 lsh64_imm lsh32 lsh32_imm;
        Rsh ">>=": rsh64 rsh64_imm rsh32 rsh32_imm;
        Mod "%=": mod64 mod64_imm mod32 mod32_imm;
        SMod "s%=": smod64 smod64_imm smod32 smod32_imm;
        Xor "^=": xor64 xor64_imm xor32 xor32_imm;
        Mov "=": mov64 mov64_imm mov32 mov32_imm;
        Arsh "s>>=": arsh64 arsh64_imm arsh32 arsh32_imm;
    }

    /// `dst = -dst` at 64 bits.
    pub fn neg64(&mut self, dst: Reg) -> &mut Self {
        self.push(Insn::Neg {
            width: Width::W64,
            dst,
        })
    }

    /// `dst = -dst` at 32 bits.
    pub fn neg32(&mut self, dst: Reg) -> &mut Self {
        self.push(Insn::Neg {
            width: Width::W32,
            dst,
        })
    }

    /// `dst = (s8|s16|s32)src` at 64 bits.
    pub fn movsx64(&mut self, dst: Reg, src: Reg, from: Size) -> &mut Self {
        self.push(Insn::MovSx {
            width: Width::W64,
            dst,
            src,
            from,
        })
    }

    /// `dst = (s8|s16)src` at 32 bits.
    pub fn movsx32(&mut self, dst: Reg, src: Reg, from: Size) -> &mut Self {
        self.push(Insn::MovSx {
            width: Width::W32,
            dst,
            src,
            from,
        })
    }

    /// `dst = be16 dst` and the other byte-order conversions.
    pub fn endian(&mut self, dst: Reg, swap: Swap) -> &mut Self {
        self.push(Insn::Endian { dst, swap })
    }

    /// `dst = *(size *)(src + off)`
    pub fn load(&mut self, size: Size, dst: Reg, src: Reg, off: i16) -> &mut Self {
        self.push(Insn::Load {
            size,
            dst,
            src,
            off,
        })
    }

    /// `dst = *(s8|s16|s32 *)(src + off)`
    pub fn load_sx(&mut self, size: Size, dst: Reg, src: Reg, off: i16) -> &mut Self {
        self.push(Insn::LoadSx {
            size,
            dst,
            src,
            off,
        })
    }

    /// `*(size *)(dst + off) = src`
    pub fn store(&mut self, size: Size, dst: Reg, off: i16, src: Reg) -> &mut Self {
        self.push(Insn::StoreReg {
            size,
            dst,
            off,
            src,
        })
    }

    /// `*(size *)(dst + off) = imm`
    pub fn store_imm(&mut self, size: Size, dst: Reg, off: i16, imm: i32) -> &mut Self {
        self.push(Insn::Store {
            size,
            dst,
            off,
            imm,
        })
    }

    /// An atomic read-modify-write of `*(size *)(dst + off)` with `src`.
    pub fn atomic(&mut self, size: Size, op: AtomicOp, dst: Reg, off: i16, src: Reg) -> &mut Self {
        self.push(Insn::Atomic {
            size,
            op,
            dst,
            off,
            src,
        })
    }

    /// `dst = load_acquire((size *)(src + off))` (Linux 6.15).
    pub fn load_acquire(&mut self, size: Size, dst: Reg, src: Reg, off: i16) -> &mut Self {
        self.push(Insn::LoadAcquire {
            size,
            dst,
            src,
            off,
        })
    }

    /// `store_release((size *)(dst + off), src)` (Linux 6.15).
    pub fn store_release(&mut self, size: Size, dst: Reg, off: i16, src: Reg) -> &mut Self {
        self.push(Insn::StoreRelease {
            size,
            dst,
            off,
            src,
        })
    }

    /// `dst = addr_space_cast(src, dst_space, src_space)`: an arena pointer converted between
    /// the user's address space (1) and the kernel's (0) (Linux 6.9).
    pub fn addr_space_cast(
        &mut self,
        dst: Reg,
        src: Reg,
        dst_space: u16,
        src_space: u16,
    ) -> &mut Self {
        self.push(Insn::AddrSpaceCast {
            dst,
            src,
            dst_space,
            src_space,
        })
    }

    /// `dst = imm` for any 64-bit value (two slots).
    pub fn load_imm64(&mut self, dst: Reg, value: u64) -> &mut Self {
        self.push(Insn::LoadImm64 {
            dst,
            imm: Imm64::Value(value),
        })
    }

    /// `dst = map[fd]`: the map's address, patched in by the kernel at load.
    pub fn load_map_fd(&mut self, dst: Reg, fd: i32) -> &mut Self {
        self.push(Insn::LoadImm64 {
            dst,
            imm: Imm64::MapFd(fd),
        })
    }

    /// `dst = map[idx]`: the address of the map at `index` of the `fd_array` given at load
    /// (5.14+), or of the map a loader relocates the index to.
    pub fn load_map_idx(&mut self, dst: Reg, index: i32) -> &mut Self {
        self.push(Insn::LoadImm64 {
            dst,
            imm: Imm64::MapIdx(index),
        })
    }

    /// `dst = &subprogram`, for helpers that take a callback.
    pub fn load_func(&mut self, dst: Reg, target: Label) -> &mut Self {
        self.push_to(
            Insn::LoadImm64 {
                dst,
                imm: Imm64::Func(0),
            },
            target,
        )
    }

    /// `if dst cond src goto target`, any condition and width.
    pub fn jump(
        &mut self,
        width: Width,
        cond: JmpCond,
        dst: Reg,
        src: Source,
        target: Label,
    ) -> &mut Self {
        self.push_to(
            Insn::Jump {
                width,
                cond,
                dst,
                src,
                off: 0,
            },
            target,
        )
    }

    jump_methods! {
        Eq "==": jeq jeq_imm jeq32 jeq32_imm;
        Gt ">": jgt jgt_imm jgt32 jgt32_imm;
        Ge ">=": jge jge_imm jge32 jge32_imm;
        Set "&": jset jset_imm jset32 jset32_imm;
        Ne "!=": jne jne_imm jne32 jne32_imm;
        SGt "s>": jsgt jsgt_imm jsgt32 jsgt32_imm;
        SGe "s>=": jsge jsge_imm jsge32 jsge32_imm;
        Lt "<": jlt jlt_imm jlt32 jlt32_imm;
        Le "<=": jle jle_imm jle32 jle32_imm;
        SLt "s<": jslt jslt_imm jslt32 jslt32_imm;
        SLe "s<=": jsle jsle_imm jsle32 jsle32_imm;
    }

    /// `goto label` (16-bit offset).
    pub fn ja(&mut self, target: Label) -> &mut Self {
        self.push_to(Insn::Ja { off: 0 }, target)
    }

    /// `gotol label` (32-bit offset, ISA v4).
    pub fn ja_long(&mut self, target: Label) -> &mut Self {
        self.push_to(Insn::JaLong { off: 0 }, target)
    }

    /// `may_goto target`: jumps once the kernel's loop budget is spent (Linux 6.9).
    pub fn may_goto(&mut self, target: Label) -> &mut Self {
        self.push_to(Insn::MayGoto { off: 0 }, target)
    }

    /// `call bpf_name#id`: a helper function.
    pub fn call(&mut self, helper: Helper) -> &mut Self {
        self.push(Insn::Call(CallTarget::Helper(helper.id())))
    }

    /// A BPF-to-BPF call of the subprogram at `target`.
    pub fn call_local(&mut self, target: Label) -> &mut Self {
        self.push_to(Insn::Call(CallTarget::Local(0)), target)
    }

    /// `exit`: returns r0.
    pub fn exit(&mut self) -> &mut Self {
        self.push(Insn::Exit)
    }

    /// The program with every label resolved. Fails on a label that was never bound or bound
    /// twice, a label of another builder, an offset that does not fit its field, or an
    /// instruction the ISA does not have.
    pub fn finish(&self) -> Result<Vec<Insn>, AsmError> {
        if let Some(label) = self.rebound {
            return Err(AsmError::LabelBoundTwice { label });
        }
        if let Some(index) = self.foreign {
            return Err(AsmError::ForeignLabel { index });
        }
        // Offsets count 8-byte slots, and a LoadImm64 takes two.
        let mut slot_of = Vec::with_capacity(self.insns.len() + 1);
        let mut slot = 0i64;
        for insn in &self.insns {
            slot_of.push(slot);
            slot += insn.slots() as i64;
        }
        slot_of.push(slot);

        let mut insns = self.insns.clone();
        for &(index, label) in &self.fixups {
            let target = match self.labels.get(label.index as usize) {
                Some(&position) if label.builder == self.id => {
                    position.ok_or(AsmError::UnboundLabel { index })?
                }
                _ => return Err(AsmError::ForeignLabel { index }),
            };
            let distance = slot_of[target] - (slot_of[index] + 1);
            let overflow = || AsmError::OffsetOverflow { index, distance };
            let short = || i16::try_from(distance).map_err(|_| overflow());
            let long = || i32::try_from(distance).map_err(|_| overflow());
            match &mut insns[index] {
                Insn::Jump { off, .. } | Insn::Ja { off } | Insn::MayGoto { off } => {
                    *off = short()?
                }
                Insn::JaLong { off } => *off = long()?,
                Insn::Call(CallTarget::Local(off)) => *off = long()?,
                Insn::LoadImm64 {
                    imm: Imm64::Func(off),
                    ..
                } => *off = long()?,
                // push_to is called for the kinds above only.
                _ => unreachable!("only jumps, local calls and function loads take labels"),
            }
        }
        for insn in &insns {
            insn.to_raw()?;
        }
        Ok(insns)
    }
}
