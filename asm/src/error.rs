//! error: the one error type of tine-asm; every failure is a value, nothing here panics.

use core::fmt;

use crate::insn::Insn;

/// Everything that can go wrong in tine-asm: an instruction the ISA does not have, bytes that
/// are not an instruction, or a program whose labels do not resolve.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AsmError {
    /// A typed instruction whose combination of fields the ISA does not have.
    Invalid {
        /// The instruction.
        insn: Insn,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Bytes that are not an instruction.
    Decode {
        /// The instruction's first 8-byte slot, counted from the start of the bytes (from the
        /// slot given, for `Insn::from_raw`).
        slot: usize,
        /// What is wrong with them.
        reason: Malformed,
    },
    /// A jump or call to a label that was never bound.
    UnboundLabel {
        /// The position of the jump in the builder.
        index: usize,
    },
    /// `bind` placed this label twice.
    LabelBoundTwice {
        /// The label's number in its builder, in the order `label` made them.
        label: usize,
    },
    /// A label made by another builder, bound or jumped to here.
    ForeignLabel {
        /// The position of the jump, or of the instruction the label was bound before.
        index: usize,
    },
    /// A jump whose distance does not fit its offset field (16 bits for `goto`/`if`).
    OffsetOverflow {
        /// The position of the jump in the builder.
        index: usize,
        /// The distance in slots.
        distance: i64,
    },
}

/// Why bytes do not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// The program's length in bytes is not a multiple of 8.
    Length(usize),
    /// A register field above 10.
    Register(u8),
    /// A field this instruction does not use is not zero, as the verifier demands.
    Reserved {
        /// The field's name.
        field: &'static str,
        /// Its value.
        value: i64,
    },
    /// No instruction has this opcode.
    Opcode(u8),
    /// The opcode has no operation with this value in the field that selects one.
    Operation {
        /// The opcode.
        code: u8,
        /// The field that selects the operation (`imm`, `off` or `src`).
        field: &'static str,
        /// Its value.
        value: i64,
    },
    /// A 16-byte immediate load cut off after its first half.
    CutOff,
    /// The second half of a 16-byte immediate load has fields other than imm set.
    SecondHalf,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Malformed::Length(bytes) => {
                write!(f, "{bytes} bytes is not a whole number of 8-byte slots")
            }
            Malformed::Register(number) => write!(f, "no register r{number}"),
            Malformed::Reserved { field, value } => {
                write!(f, "reserved field {field} is {value}, not 0")
            }
            // Hex as a u64: one hex formatter for every width (binary size).
            Malformed::Opcode(code) => {
                write!(f, "no instruction has opcode {:#04x}", u64::from(code))
            }
            Malformed::Operation { code, field, value } => {
                let code = u64::from(code);
                write!(
                    f,
                    "opcode {code:#04x} has no operation with {field} {value}"
                )
            }
            Malformed::CutOff => {
                f.write_str("the 16-byte immediate load is cut off after its first half")
            }
            Malformed::SecondHalf => {
                f.write_str("the second half of a 16-byte immediate load must have only imm set")
            }
        }
    }
}

impl fmt::Display for AsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (index, problem) = match self {
            AsmError::Invalid { insn, reason } => {
                return write!(f, "invalid instruction `{insn}`: {reason}")
            }
            AsmError::Decode { slot, reason } => {
                return write!(f, "instruction {slot} does not decode: {reason}")
            }
            AsmError::LabelBoundTwice { label } => {
                return write!(f, "label {label} is bound twice")
            }
            AsmError::OffsetOverflow { index, distance } => {
                return write!(
                f,
                "instruction {index} jumps {distance} instructions, too far for its offset field"
            )
            }
            AsmError::UnboundLabel { index } => (index, "jumps to a label that was never bound"),
            AsmError::ForeignLabel { index } => (index, "uses a label made by another builder"),
        };
        write!(f, "instruction {index} {problem}")
    }
}

impl core::error::Error for AsmError {}
