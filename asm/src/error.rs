//! error: the one error type of tine-asm; every failure is a value, nothing here panics.

use std::fmt;

use crate::insn::Insn;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AsmError {
    /// A typed instruction whose combination of fields the ISA does not have.
    Invalid { insn: Insn, reason: &'static str },
    /// Bytes that are not an instruction; `slot` counts 8-byte slots from the start.
    Decode { slot: usize, reason: String },
    /// A jump or call to a label that was never bound; `index` is the instruction's position.
    UnboundLabel { index: usize },
    /// `bind` placed this label twice.
    LabelBoundTwice { label: usize },
    /// A jump whose distance does not fit its offset field (16 bits for `goto`/`if`).
    OffsetOverflow { index: usize, distance: i64 },
}

impl fmt::Display for AsmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AsmError::Invalid { insn, reason } => {
                write!(f, "invalid instruction {insn:?}: {reason}")
            }
            AsmError::Decode { slot, reason } => {
                write!(f, "instruction {slot} does not decode: {reason}")
            }
            AsmError::UnboundLabel { index } => {
                write!(
                    f,
                    "instruction {index} jumps to a label that was never bound"
                )
            }
            AsmError::LabelBoundTwice { label } => write!(f, "label {label} is bound twice"),
            AsmError::OffsetOverflow { index, distance } => write!(
                f,
                "instruction {index} jumps {distance} instructions, too far for its offset field"
            ),
        }
    }
}

impl std::error::Error for AsmError {}
