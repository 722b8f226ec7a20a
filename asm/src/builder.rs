//! builder: writes a program as calls that read like its disassembly, with labels as values;
//! jump offsets are resolved when the program is finished.

use crate::error::AsmError;
use crate::helper::Helper;
use crate::insn::{
    AluOp, AtomicOp, CallTarget, Imm64, Insn, JmpCond, Reg, Size, Source, Swap, Width,
};

/// A position in the program, made by `Builder::label` and placed by `Builder::bind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Label(usize);

#[derive(Default)]
pub struct Builder {
    insns: Vec<Insn>,
    /// Per label, the index of the instruction it is bound before.
    labels: Vec<Option<usize>>,
    /// Instructions whose offset is a label's position, by instruction index.
    fixups: Vec<(usize, Label)>,
    /// The first label bound twice, reported by `finish`.
    rebound: Option<usize>,
}

macro_rules! alu_methods {
    ($($op:ident: $reg64:ident $imm64:ident $reg32:ident $imm32:ident;)*) => {$(
        pub fn $reg64(&mut self, dst: Reg, src: Reg) -> &mut Self {
            self.alu(Width::W64, AluOp::$op, dst, src.into())
        }
        pub fn $imm64(&mut self, dst: Reg, imm: i32) -> &mut Self {
            self.alu(Width::W64, AluOp::$op, dst, imm.into())
        }
        pub fn $reg32(&mut self, dst: Reg, src: Reg) -> &mut Self {
            self.alu(Width::W32, AluOp::$op, dst, src.into())
        }
        pub fn $imm32(&mut self, dst: Reg, imm: i32) -> &mut Self {
            self.alu(Width::W32, AluOp::$op, dst, imm.into())
        }
    )*};
}

macro_rules! jump_methods {
    ($($cond:ident: $reg64:ident $imm64:ident $reg32:ident $imm32:ident;)*) => {$(
        pub fn $reg64(&mut self, dst: Reg, src: Reg, target: Label) -> &mut Self {
            self.jump(Width::W64, JmpCond::$cond, dst, src.into(), target)
        }
        pub fn $imm64(&mut self, dst: Reg, imm: i32, target: Label) -> &mut Self {
            self.jump(Width::W64, JmpCond::$cond, dst, imm.into(), target)
        }
        pub fn $reg32(&mut self, dst: Reg, src: Reg, target: Label) -> &mut Self {
            self.jump(Width::W32, JmpCond::$cond, dst, src.into(), target)
        }
        pub fn $imm32(&mut self, dst: Reg, imm: i32, target: Label) -> &mut Self {
            self.jump(Width::W32, JmpCond::$cond, dst, imm.into(), target)
        }
    )*};
}

impl Builder {
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Number of instructions so far (a `LoadImm64` counts once).
    pub fn len(&self) -> usize {
        self.insns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.insns.is_empty()
    }

    /// Appends an instruction as it is; jump offsets in it are taken literally.
    pub fn push(&mut self, insn: Insn) -> &mut Self {
        self.insns.push(insn);
        self
    }

    pub fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    /// Places `label` before the next instruction pushed.
    pub fn bind(&mut self, label: Label) -> &mut Self {
        let position = &mut self.labels[label.0];
        if position.is_some() {
            self.rebound.get_or_insert(label.0);
        }
        *position = Some(self.insns.len());
        self
    }

    fn push_to(&mut self, insn: Insn, target: Label) -> &mut Self {
        self.fixups.push((self.insns.len(), target));
        self.push(insn)
    }

    pub fn alu(&mut self, width: Width, op: AluOp, dst: Reg, src: Source) -> &mut Self {
        self.push(Insn::Alu {
            width,
            op,
            dst,
            src,
        })
    }

    alu_methods! {
        Add: add64 add64_imm add32 add32_imm;
        Sub: sub64 sub64_imm sub32 sub32_imm;
        Mul: mul64 mul64_imm mul32 mul32_imm;
        Div: div64 div64_imm div32 div32_imm;
        SDiv: sdiv64 sdiv64_imm sdiv32 sdiv32_imm;
        Or: or64 or64_imm or32 or32_imm;
        And: and64 and64_imm and32 and32_imm;
        Lsh: lsh64 lsh64_imm lsh32 lsh32_imm;
        Rsh: rsh64 rsh64_imm rsh32 rsh32_imm;
        Mod: mod64 mod64_imm mod32 mod32_imm;
        SMod: smod64 smod64_imm smod32 smod32_imm;
        Xor: xor64 xor64_imm xor32 xor32_imm;
        Mov: mov64 mov64_imm mov32 mov32_imm;
        Arsh: arsh64 arsh64_imm arsh32 arsh32_imm;
    }

    pub fn neg64(&mut self, dst: Reg) -> &mut Self {
        self.push(Insn::Neg {
            width: Width::W64,
            dst,
        })
    }

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

    pub fn atomic(&mut self, size: Size, op: AtomicOp, dst: Reg, off: i16, src: Reg) -> &mut Self {
        self.push(Insn::Atomic {
            size,
            op,
            dst,
            off,
            src,
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
        Eq: jeq jeq_imm jeq32 jeq32_imm;
        Gt: jgt jgt_imm jgt32 jgt32_imm;
        Ge: jge jge_imm jge32 jge32_imm;
        Set: jset jset_imm jset32 jset32_imm;
        Ne: jne jne_imm jne32 jne32_imm;
        SGt: jsgt jsgt_imm jsgt32 jsgt32_imm;
        SGe: jsge jsge_imm jsge32 jsge32_imm;
        Lt: jlt jlt_imm jlt32 jlt32_imm;
        Le: jle jle_imm jle32 jle32_imm;
        SLt: jslt jslt_imm jslt32 jslt32_imm;
        SLe: jsle jsle_imm jsle32 jsle32_imm;
    }

    /// `goto label` (16-bit offset).
    pub fn ja(&mut self, target: Label) -> &mut Self {
        self.push_to(Insn::Ja { off: 0 }, target)
    }

    /// `gotol label` (32-bit offset, ISA v4).
    pub fn ja_long(&mut self, target: Label) -> &mut Self {
        self.push_to(Insn::JaLong { off: 0 }, target)
    }

    pub fn call(&mut self, helper: Helper) -> &mut Self {
        self.push(Insn::Call(CallTarget::Helper(helper.id())))
    }

    /// A BPF-to-BPF call of the subprogram at `target`.
    pub fn call_local(&mut self, target: Label) -> &mut Self {
        self.push_to(Insn::Call(CallTarget::Local(0)), target)
    }

    pub fn exit(&mut self) -> &mut Self {
        self.push(Insn::Exit)
    }

    /// The program with every label resolved. Fails on a label that was never bound or bound
    /// twice, an offset that does not fit its field, or an instruction the ISA does not have.
    pub fn finish(&self) -> Result<Vec<Insn>, AsmError> {
        if let Some(label) = self.rebound {
            return Err(AsmError::LabelBoundTwice { label });
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
            let target = self.labels[label.0].ok_or(AsmError::UnboundLabel { index })?;
            let distance = slot_of[target] - (slot_of[index] + 1);
            let overflow = || AsmError::OffsetOverflow { index, distance };
            let short = || i16::try_from(distance).map_err(|_| overflow());
            let long = || i32::try_from(distance).map_err(|_| overflow());
            match &mut insns[index] {
                Insn::Jump { off, .. } | Insn::Ja { off } => *off = short()?,
                Insn::JaLong { off } => *off = long()?,
                Insn::Call(CallTarget::Local(off)) => *off = long()?,
                Insn::LoadImm64 {
                    imm: Imm64::Func(off),
                    ..
                } => *off = long()?,
                _ => unreachable!("only jumps, local calls and function loads take labels"),
            }
        }
        for insn in &insns {
            insn.to_raw()?;
        }
        Ok(insns)
    }
}
