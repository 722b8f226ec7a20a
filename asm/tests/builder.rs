//! The builder: labels resolve to slot offsets forwards and backwards, across 16-byte loads, and
//! every way a program can be wrong comes back as an error.

use tine_asm::Reg::*;
use tine_asm::{listing, AsmError, Builder, Helper, Insn, Size};

#[test]
fn forward_and_backward_jumps_count_slots() {
    let mut b = Builder::new();
    let (top, out) = (b.label(), b.label());
    b.mov64_imm(R6, 0)
        .bind(top)
        .load_imm64(R1, 1 << 40) // two slots between the jump and its target
        .add64(R6, R1)
        .jgt_imm(R6, 100, out)
        .ja(top)
        .bind(out)
        .mov64(R0, R6)
        .exit();
    assert_eq!(
        listing(&b.finish().unwrap()),
        "   0: (b7) r6 = 0\n\
         \x20  1: (18) r1 = 0x10000000000\n\
         \x20  3: (0f) r6 += r1\n\
         \x20  4: (25) if r6 > 0x64 goto pc+1\n\
         \x20  5: (05) goto pc-5\n\
         \x20  6: (bf) r0 = r6\n\
         \x20  7: (95) exit\n"
    );
}

#[test]
fn long_jumps_calls_and_function_addresses_take_labels() {
    let mut b = Builder::new();
    let (callee, end) = (b.label(), b.label());
    b.call_local(callee)
        .load_func(R2, callee)
        .ja_long(end)
        .bind(callee)
        .mov64_imm(R0, 1)
        .bind(end)
        .exit();
    let text: Vec<String> = b.finish().unwrap().iter().map(Insn::to_string).collect();
    assert_eq!(
        text,
        [
            "call pc+3",
            "r2 = subprog[+2]",
            "gotol pc+1",
            "r0 = 1",
            "exit"
        ]
    );
}

#[test]
fn a_program_reads_like_its_disassembly() {
    let mut b = Builder::new();
    let done = b.label();
    b.mov64(R1, R10)
        .add64_imm(R1, -16)
        .mov64_imm(R2, 16)
        .call(Helper::GetCurrentComm)
        .jne_imm(R0, 0, done)
        .load(Size::U64, R0, R10, -16)
        .bind(done)
        .exit();
    let text: Vec<String> = b.finish().unwrap().iter().map(Insn::to_string).collect();
    assert_eq!(
        text,
        [
            "r1 = r10",
            "r1 += -16",
            "r2 = 16",
            "call bpf_get_current_comm#16",
            "if r0 != 0x0 goto pc+1",
            "r0 = *(u64 *)(r10 -16)",
            "exit"
        ]
    );
}

#[test]
fn an_unbound_label_is_an_error() {
    let mut b = Builder::new();
    let nowhere = b.label();
    b.mov64_imm(R0, 0).ja(nowhere).exit();
    assert_eq!(b.finish(), Err(AsmError::UnboundLabel { index: 1 }));
}

#[test]
fn a_label_bound_twice_is_an_error() {
    let mut b = Builder::new();
    let here = b.label();
    b.bind(here).exit().bind(here).exit();
    assert!(matches!(b.finish(), Err(AsmError::LabelBoundTwice { .. })));
}

#[test]
fn a_jump_too_far_for_16_bits_is_an_error_but_gotol_reaches() {
    let mut b = Builder::new();
    let far = b.label();
    b.ja(far);
    for _ in 0..40_000 {
        b.mov64_imm(R0, 0);
    }
    b.bind(far).exit();
    assert_eq!(
        b.finish(),
        Err(AsmError::OffsetOverflow {
            index: 0,
            distance: 40_000
        })
    );

    let mut b = Builder::new();
    let far = b.label();
    b.ja_long(far);
    for _ in 0..40_000 {
        b.mov64_imm(R0, 0);
    }
    b.bind(far).exit();
    assert_eq!(b.finish().unwrap()[0], Insn::JaLong { off: 40_000 });
}

#[test]
fn an_instruction_the_isa_lacks_fails_the_program() {
    let mut b = Builder::new();
    b.load_sx(Size::U64, R0, R1, 0).exit();
    assert!(matches!(b.finish(), Err(AsmError::Invalid { .. })));
}

#[test]
fn a_label_of_another_builder_is_an_error_not_a_panic() {
    // Bound here: the other builder's label 3 is past this builder's labels (this used to index
    // out of bounds and panic).
    let mut other = Builder::new();
    let foreign = (0..4).map(|_| other.label()).last().unwrap();
    let mut b = Builder::new();
    b.mov64_imm(R0, 0).bind(foreign).exit();
    assert_eq!(b.finish(), Err(AsmError::ForeignLabel { index: 1 }));

    // Jumped to: the other builder's label 0 has the same number as this builder's own label 0,
    // which this used to resolve to silently.
    let mut other = Builder::new();
    let foreign = other.label();
    let mut b = Builder::new();
    let own = b.label();
    b.mov64_imm(R0, 0).jeq_imm(R0, 0, foreign).bind(own).exit();
    assert_eq!(b.finish(), Err(AsmError::ForeignLabel { index: 1 }));
}

#[test]
fn may_goto_takes_a_label() {
    let mut b = Builder::new();
    let top = b.label();
    let out = b.label();
    b.mov64_imm(R0, 0)
        .bind(top)
        .may_goto(out)
        .add64_imm(R0, 1)
        .ja(top)
        .bind(out)
        .exit();
    let insns = b.finish().unwrap();
    assert_eq!(insns[1], Insn::MayGoto { off: 2 });
    assert_eq!(insns[3], Insn::Ja { off: -3 });
    assert_eq!(insns[1].to_string(), "may_goto pc+2");
}
