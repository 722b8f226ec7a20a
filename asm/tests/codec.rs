//! Decoding is strict and total: any bytes give an instruction or an error naming the slot, never
//! a panic, and whatever decodes encodes back to the same bytes.

use tine_asm::Reg::*;
use tine_asm::{
    decode, encode, listing, AsmError, ByteOrder, Insn, Malformed, RawInsn, Size, Width,
};

fn decode_error(bytes: &[u8]) -> (usize, Malformed) {
    match decode(bytes, ByteOrder::Little) {
        Err(AsmError::Decode { slot, reason }) => (slot, reason),
        other => panic!("expected a decode error for {bytes:02x?}, got {other:?}"),
    }
}

#[test]
fn bytes_that_are_not_instructions_are_errors_naming_the_slot() {
    let exit = [0x95, 0, 0, 0, 0, 0, 0, 0];
    let operation = |code, field, value| Malformed::Operation { code, field, value };
    let reserved = |field, value| Malformed::Reserved { field, value };
    let cases: [(&[u8], Malformed); 16] = [
        (&[0x95, 0, 0], Malformed::Length(11)),
        (&[0x95, 0, 0, 0, 1, 0, 0, 0], reserved("imm", 1)),
        (&[0xbf, 0x1b, 0, 0, 0, 0, 0, 0], Malformed::Register(11)),
        (&[0x07, 0x21, 0, 0, 5, 0, 0, 0], reserved("src", 2)),
        (&[0xf7, 0x01, 0, 0, 0, 0, 0, 0], Malformed::Opcode(0xf7)),
        (&[0x37, 0x01, 2, 0, 0, 0, 0, 0], operation(0x37, "off", 2)),
        (&[0xd4, 0x01, 0, 0, 8, 0, 0, 0], operation(0xd4, "imm", 8)),
        (
            &[0xdb, 0x21, 0, 0, 0x02, 0, 0, 0],
            operation(0xdb, "imm", 2),
        ),
        // An 8-bit atomic is a load-acquire or a store-release, no read-modify-write.
        (
            &[0xd3, 0x21, 0, 0, 0x00, 0, 0, 0],
            operation(0xd3, "imm", 0),
        ),
        (
            &[0xdb, 0x21, 0, 0, 0x20, 1, 0, 0],
            operation(0xdb, "imm", 0x120),
        ),
        (&[0x18, 0x01, 0, 0, 1, 0, 0, 0], Malformed::CutOff),
        (&[0x85, 0x30, 0, 0, 1, 0, 0, 0], operation(0x85, "src", 3)),
        // may_goto is the only JCOND jump, and only in the JMP class.
        (&[0xe5, 0x10, 1, 0, 0, 0, 0, 0], operation(0xe5, "src", 1)),
        (&[0xe5, 0x01, 1, 0, 0, 0, 0, 0], reserved("dst", 1)),
        (&[0xe6, 0x00, 1, 0, 0, 0, 0, 0], Malformed::Opcode(0xe6)),
        // addr_space_cast is a 64-bit move.
        (&[0xbc, 0x21, 1, 0, 1, 0, 0, 0], operation(0xbc, "off", 1)),
    ];
    for (bytes, expected) in cases {
        let mut program = exit.to_vec();
        program.extend_from_slice(bytes);
        let (slot, reason) = decode_error(&program);
        assert_eq!((slot, reason), (1, expected), "{bytes:02x?}: {reason}");
    }
}

#[test]
fn from_raw_reports_the_same_error_type_as_decode() {
    let raw = RawInsn {
        code: 0x95,
        imm: 1,
        ..RawInsn::default()
    };
    assert_eq!(
        Insn::from_raw(raw, None),
        Err(AsmError::Decode {
            slot: 0,
            reason: Malformed::Reserved {
                field: "imm",
                value: 1
            }
        })
    );
    assert_eq!(
        AsmError::Decode {
            slot: 3,
            reason: Malformed::Opcode(0xe6)
        }
        .to_string(),
        "instruction 3 does not decode: no instruction has opcode 0xe6"
    );
}

#[test]
fn reserved_fields_must_be_zero() {
    let cases: [RawInsn; 7] = [
        RawInsn {
            code: 0x07,
            dst: 1,
            src: 2,
            off: 0,
            imm: 5,
        }, // r1 += 5 with a source register
        RawInsn {
            code: 0x0f,
            dst: 1,
            src: 2,
            off: 0,
            imm: 5,
        }, // r1 += r2 with an immediate
        RawInsn {
            code: 0x87,
            dst: 1,
            src: 0,
            off: 0,
            imm: 1,
        }, // neg with an immediate
        RawInsn {
            code: 0x05,
            dst: 1,
            src: 0,
            off: 3,
            imm: 0,
        }, // goto with a register
        RawInsn {
            code: 0x95,
            dst: 0,
            src: 0,
            off: 1,
            imm: 0,
        }, // exit with an offset
        RawInsn {
            code: 0x79,
            dst: 1,
            src: 10,
            off: -8,
            imm: 1,
        }, // load with an immediate
        RawInsn {
            code: 0x20,
            dst: 1,
            src: 0,
            off: 0,
            imm: 4,
        }, // packet load into r1
    ];
    for raw in cases {
        let bytes = raw.to_bytes(ByteOrder::Little);
        assert!(
            decode(&bytes, ByteOrder::Little).is_err(),
            "{raw:?} decoded"
        );
    }
}

#[test]
fn the_second_half_of_a_wide_load_carries_only_its_immediate() {
    let mut bytes = encode(
        &[Insn::LoadImm64 {
            dst: R1,
            imm: tine_asm::Imm64::Value(7),
        }],
        ByteOrder::Little,
    )
    .unwrap();
    bytes[9] = 0x01;
    assert_eq!(decode_error(&bytes), (0, Malformed::SecondHalf));
}

#[test]
fn combinations_the_isa_lacks_do_not_encode() {
    let invalid = [
        Insn::LoadSx {
            size: Size::U64,
            dst: R1,
            src: R2,
            off: 0,
        },
        Insn::Atomic {
            size: Size::U8,
            op: tine_asm::AtomicOp::Add,
            dst: R1,
            off: 0,
            src: R2,
        },
        Insn::MovSx {
            width: Width::W32,
            dst: R1,
            src: R2,
            from: Size::U32,
        },
        Insn::MovSx {
            width: Width::W64,
            dst: R1,
            src: R2,
            from: Size::U64,
        },
        Insn::LoadAbs {
            size: Size::U64,
            imm: 0,
        },
        Insn::LoadInd {
            size: Size::U64,
            src: R1,
            imm: 0,
        },
        Insn::Atomic {
            size: Size::U16,
            op: tine_asm::AtomicOp::Xchg,
            dst: R1,
            off: 0,
            src: R2,
        },
    ];
    for insn in invalid {
        match encode(&[insn], ByteOrder::Little) {
            Err(AsmError::Invalid { insn: reported, .. }) => assert_eq!(reported, insn),
            other => panic!("{insn:?} encoded: {other:?}"),
        }
    }
}

/// xorshift64*: a fixed-seed generator, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[test]
fn whatever_decodes_encodes_back_to_the_same_bytes() {
    let mut rng = Rng(0x7469_6e65);
    let mut decoded = 0;
    for round in 0..400_000 {
        // Random slots mostly find nothing, so keep the fields near the valid ones: small
        // registers, and offsets and immediates that are often zero.
        let word = rng.next();
        let pick = |shift: u32, mask: u64| (word >> shift) & mask;
        let raw = RawInsn {
            code: pick(0, 0xff) as u8,
            dst: pick(8, 0xf) as u8 % 12,
            src: pick(12, 0xf) as u8 % 12,
            off: if pick(16, 3) == 0 {
                pick(20, 0xffff) as i16
            } else {
                [0, 1, 8, 16, 32][pick(36, 7) as usize % 5]
            },
            imm: if pick(18, 3) == 0 {
                (word >> 32) as i32
            } else {
                [0, 1, 16, 32, 64, 0xe1, 0xf1, 0x100, 0x110, 0x1_0000][pick(40, 15) as usize % 10]
            },
        };
        let second = RawInsn {
            imm: if pick(44, 1) == 0 {
                0
            } else {
                rng.next() as i32
            },
            ..RawInsn::default()
        };
        let order = if round % 2 == 0 {
            ByteOrder::Little
        } else {
            ByteOrder::Big
        };
        let mut bytes = raw.to_bytes(order).to_vec();
        if raw.code == 0x18 {
            bytes.extend_from_slice(&second.to_bytes(order));
        }
        let Ok(insns) = decode(&bytes, order) else {
            continue;
        };
        decoded += 1;
        assert_eq!(
            encode(&insns, order).unwrap(),
            bytes,
            "{raw:?} {second:?} {order:?}"
        );
        assert!(!listing(&insns).is_empty());
    }
    assert!(decoded > 10_000, "only {decoded} random programs decoded");
}

#[test]
fn listing_numbers_slots_like_the_verifier() {
    let insns = [
        Insn::LoadImm64 {
            dst: R1,
            imm: tine_asm::Imm64::MapFd(3),
        },
        Insn::Alu {
            width: Width::W64,
            op: tine_asm::AluOp::Mov,
            dst: R0,
            src: 0.into(),
        },
        Insn::Exit,
    ];
    assert_eq!(
        listing(&insns),
        "   0: (18) r1 = map[fd:3]\n   2: (b7) r0 = 0\n   3: (95) exit\n"
    );
}

/// tine loads its programs in `ByteOrder::HOST`: the machine's, whose CPU reads an immediate's 4
/// bytes as the number the kernel's verifier and JIT see (tests/boards/bigendian runs this on
/// big-endian MIPS; here it is little-endian's).
#[test]
fn the_host_order_is_the_machines() {
    let insn = Insn::Alu {
        width: Width::W64,
        op: tine_asm::AluOp::Add,
        dst: R1,
        src: 0x0102_0304.into(),
    };
    let bytes = encode(&[insn], ByteOrder::HOST).unwrap();
    assert_eq!(bytes[4..8], 0x0102_0304u32.to_ne_bytes());
    // dst is the low nibble of the register byte little-endian, the high one big-endian.
    let registers = if cfg!(target_endian = "big") {
        0x10
    } else {
        0x01
    };
    assert_eq!(bytes[1], registers);
    assert_eq!(decode(&bytes, ByteOrder::HOST).unwrap(), vec![insn]);
}
