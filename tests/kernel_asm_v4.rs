//! kernel_asm_v4: proof that tine-asm's ISA v4 instructions (signed division and modulo,
//! sign-extending moves and loads, the 32-bit-offset jump, unconditional byte swaps) and the
//! later additions (may_goto and addr_space_cast of 6.9, load-acquire and store-release of 6.15)
//! are encoded as this kernel understands them — run with BPF_PROG_TEST_RUN and their results
//! checked — and that tine-asm's disassembly reads exactly like the verifier's log of the same
//! program.

mod common;

use std::collections::BTreeMap;

use tine::kernel::bpf::{
    kernel_version_code, running_kernel_version, BpfMap, LoadedProgram, ProgramSpec, ProgramType,
};
use tine_asm::{encode, listing, Builder, ByteOrder, Insn, Reg::*, Size, Swap};

/// A socket filter's test run needs at least an Ethernet header of packet data.
const PACKET: [u8; 64] = [0; 64];

fn load(insns: &[Insn], name: &str) -> LoadedProgram {
    let bytes = encode(insns, ByteOrder::HOST).expect("the test programs encode");
    let spec = ProgramSpec {
        kind: ProgramType::SocketFilter,
        insns: &bytes,
        name,
        expected_attach_type: None,
    };
    LoadedProgram::load(&spec).unwrap_or_else(|error| panic!("{error}\n{}", error.verifier_log))
}

/// Runs `body` (which leaves its result in r0) and returns all 64 bits of r0: the test run's
/// return value has 32, so a second program returns the high half.
fn run(name: &str, body: impl Fn(&mut Builder)) -> u64 {
    run_on(&PACKET, name, body)
}

/// `run` with this packet.
fn run_on(packet: &[u8], name: &str, body: impl Fn(&mut Builder)) -> u64 {
    let low = run_once(packet, name, &body, false);
    let high = run_once(packet, name, &body, true);
    u64::from(low) | (u64::from(high) << 32)
}

/// Runs `body` once and returns the low half of r0, or the high half if `high`.
fn run_once(packet: &[u8], name: &str, body: &impl Fn(&mut Builder), high: bool) -> u32 {
    let mut b = Builder::new();
    body(&mut b);
    if high {
        b.rsh64_imm(R0, 32);
    }
    b.exit();
    let insns = b.finish().expect("the test programs assemble");
    let program = load(&insns, name);
    program.test_run(packet, &[]).expect("test run")
}

#[test]
fn signed_division_and_modulo_compute_like_c() {
    if !common::kernel_available("signed_division_and_modulo_compute_like_c") {
        return;
    }
    let sdiv64 = run("sdiv64", |b| {
        b.mov64_imm(R0, -7).sdiv64_imm(R0, 2);
    });
    assert_eq!(sdiv64 as i64, -3);
    let sdiv64_reg = run("sdiv64_reg", |b| {
        b.mov64_imm(R0, 7).mov64_imm(R1, -2).sdiv64(R0, R1);
    });
    assert_eq!(sdiv64_reg as i64, -3);
    let smod64 = run("smod64", |b| {
        b.mov64_imm(R0, -7).smod64_imm(R0, 2);
    });
    assert_eq!(smod64 as i64, -1);
    let smod64_reg = run("smod64_reg", |b| {
        b.mov64_imm(R0, 7).mov64_imm(R1, -2).smod64(R0, R1);
    });
    assert_eq!(smod64_reg as i64, 1);
    // 32-bit results are zero-extended into the 64-bit register.
    let sdiv32 = run("sdiv32", |b| {
        b.mov32_imm(R0, -7).sdiv32_imm(R0, 2);
    });
    assert_eq!(sdiv32, u64::from(-3i32 as u32));
    let smod32 = run("smod32", |b| {
        b.mov32_imm(R0, -7).mov32_imm(R1, 2).smod32(R0, R1);
    });
    assert_eq!(smod32, u64::from(-1i32 as u32));
    // Unsigned division of the same bits differs, so the signed opcodes really are distinct.
    let div64 = run("div64", |b| {
        b.mov64_imm(R0, -7).div64_imm(R0, 2);
    });
    assert_eq!(div64, (-7i64 as u64) / 2);
}

#[test]
fn sign_extending_moves_extend_the_sign_bit() {
    if !common::kernel_available("sign_extending_moves_extend_the_sign_bit") {
        return;
    }
    let cases: [(&str, u64, bool, Size, u64); 6] = [
        ("movsx64_8", 0x80, true, Size::U8, -128i64 as u64),
        ("movsx64_8_pos", 0x17f, true, Size::U8, 0x7f),
        ("movsx64_16", 0x8000, true, Size::U16, -32768i64 as u64),
        (
            "movsx64_32",
            0x8000_0000,
            true,
            Size::U32,
            i64::from(i32::MIN) as u64,
        ),
        ("movsx32_8", 0x80, false, Size::U8, 0xffff_ff80),
        ("movsx32_16", 0x1_8000, false, Size::U16, 0xffff_8000),
    ];
    for (name, input, wide, from, expected) in cases {
        let result = run(name, |b| {
            b.load_imm64(R1, input).mov64_imm(R0, -1);
            if wide {
                b.movsx64(R0, R1, from);
            } else {
                b.movsx32(R0, R1, from);
            }
        });
        assert_eq!(result, expected, "{name} of {input:#x}");
    }
}

#[test]
fn sign_extending_loads_extend_the_sign_bit() {
    if !common::kernel_available("sign_extending_loads_extend_the_sign_bit") {
        return;
    }
    // Little- or big-endian, the low byte/half/word of the stored u64 is at the same address only
    // on little-endian hosts; load from the address of the low part in either order.
    let value = 0x7172_7374_8586_8788u64;
    for (size, expected) in [
        (Size::U8, 0x88u8 as i8 as i64),
        (Size::U16, 0x8788u16 as i16 as i64),
        (Size::U32, 0x8586_8788u32 as i32 as i64),
    ] {
        let offset = if cfg!(target_endian = "little") {
            -8
        } else {
            -(size.bytes() as i16)
        };
        let result = run("ldsx", |b| {
            b.load_imm64(R1, value)
                .store(Size::U64, R10, -8, R1)
                .load_sx(size, R0, R10, offset);
        });
        assert_eq!(result as i64, expected, "ldsx {size:?}");
    }
}

#[test]
fn the_long_jump_and_byte_swaps_run_as_encoded() {
    if !common::kernel_available("the_long_jump_and_byte_swaps_run_as_encoded") {
        return;
    }
    // The verifier refuses unreachable code, so the jumped-over instruction is the target of a
    // branch on the packet's length (64, never 0) as well.
    let jumped = run("gotol", |b| {
        let other = b.label();
        let over = b.label();
        b.load(Size::U32, R2, R1, 0)
            .jeq_imm(R2, 0, other)
            .mov64_imm(R0, 1)
            .ja_long(over)
            .bind(other)
            .mov64_imm(R0, 2)
            .bind(over);
    });
    assert_eq!(jumped, 1);
    let input = 0x0102_0304_0506_0708u64;
    for (swap, expected) in [
        (Swap::Bswap16, 0x0807u64),
        (Swap::Bswap32, 0x0807_0605),
        (Swap::Bswap64, 0x0807_0605_0403_0201),
    ] {
        let result = run("bswap", |b| {
            b.load_imm64(R0, input).endian(R0, swap);
        });
        assert_eq!(result, expected, "{swap:?}");
    }
}

/// `slot -> text` of every instruction line (`12: (bf) r1 = r10 ; R1_w=fp0`) in a verifier log,
/// without the register state the verifier appends after `;`.
fn verifier_lines(log: &str) -> BTreeMap<usize, String> {
    let mut lines = BTreeMap::new();
    for line in log.lines() {
        let Some((slot, rest)) = line.split_once(": (") else {
            continue;
        };
        let (Ok(slot), Some((_code, text))) = (slot.trim().parse::<usize>(), rest.split_once(") "))
        else {
            continue;
        };
        let text = text.split(';').next().unwrap_or("").trim_end();
        lines.insert(slot, text.to_string());
    }
    lines
}

/// The same map from tine-asm's `listing`.
fn listing_lines(insns: &[Insn]) -> BTreeMap<usize, String> {
    verifier_lines(&listing(insns))
}

/// Loads `insns` with the level-2 verifier log and checks every instruction the verifier printed
/// against tine-asm's text; returns how many were compared.
fn compare_with_verifier(insns: &[Insn], name: &str) -> usize {
    let bytes = encode(insns, ByteOrder::HOST).expect("encodes");
    let spec = ProgramSpec {
        kind: ProgramType::SocketFilter,
        insns: &bytes,
        name,
        expected_attach_type: None,
    };
    let (_program, log) = LoadedProgram::load_logged(&spec, 2)
        .unwrap_or_else(|error| panic!("{error}\n{}", error.verifier_log));
    let kernel = verifier_lines(&log);
    let ours = listing_lines(insns);
    let mut mismatches = Vec::new();
    for (slot, text) in &kernel {
        match ours.get(slot) {
            Some(our_text) if our_text == text => {}
            // The kernel prints the map's address, which tine-asm cannot know.
            Some(our_text) if our_text.contains(" = map[fd:") => {}
            other => mismatches.push(format!("{slot}: kernel `{text}`, tine-asm `{other:?}`")),
        }
    }
    assert!(
        mismatches.is_empty(),
        "disassembly differs from the verifier:\n{}\nlog:\n{log}",
        mismatches.join("\n")
    );
    kernel.len()
}

#[test]
fn v4_disassembly_matches_the_verifier_log() {
    if !common::kernel_available("v4_disassembly_matches_the_verifier_log") {
        return;
    }
    let mut b = Builder::new();
    let other = b.label();
    let over = b.label();
    b.load(Size::U32, R4, R1, 0)
        .mov64_imm(R0, -7)
        .mov64_imm(R1, 2)
        .sdiv64_imm(R0, 2)
        .sdiv64(R0, R1)
        .smod64_imm(R0, 3)
        .smod64(R0, R1)
        .sdiv32_imm(R0, 2)
        .sdiv32(R0, R1)
        .smod32_imm(R0, 3)
        .smod32(R0, R1)
        .movsx64(R2, R0, Size::U8)
        .movsx64(R2, R0, Size::U16)
        .movsx64(R2, R0, Size::U32)
        .movsx32(R2, R0, Size::U8)
        .movsx32(R2, R0, Size::U16)
        .store(Size::U64, R10, -8, R0)
        .load_sx(Size::U8, R3, R10, -8)
        .load_sx(Size::U16, R3, R10, -8)
        .load_sx(Size::U32, R3, R10, -8)
        .endian(R3, Swap::Bswap16)
        .endian(R3, Swap::Bswap32)
        .endian(R3, Swap::Bswap64)
        .endian(R3, Swap::Le16)
        .endian(R3, Swap::Be32)
        .jeq_imm(R4, 0, other)
        .ja_long(over)
        .bind(other)
        .mov64_imm(R0, 2)
        .bind(over)
        .exit();
    let insns = b.finish().expect("assembles");
    let compared = compare_with_verifier(&insns, "v4_listing");
    assert_eq!(compared, insns.len(), "every instruction is visited");
}

#[test]
fn classic_disassembly_matches_the_verifier_log() {
    if !common::kernel_available("classic_disassembly_matches_the_verifier_log") {
        return;
    }
    use tine_asm::{AtomicOp, Helper};
    let mut b = Builder::new();
    let skip = b.label();
    let end = b.label();
    b.mov64(R6, R1)
        .mov64_imm(R0, 0)
        .mov32_imm(R1, 5)
        .add64_imm(R1, -3)
        .sub32_imm(R1, 1)
        .mul64_imm(R1, 3)
        .div64_imm(R1, 2)
        .mod32_imm(R1, 7)
        .or64_imm(R1, 0x10)
        .and32_imm(R1, 0xff)
        .lsh64_imm(R1, 4)
        .rsh32_imm(R1, 2)
        .arsh64_imm(R1, 1)
        .xor64(R1, R1)
        .neg64(R1)
        .neg32(R1)
        .load_imm64(R2, 0x1234_5678_9abc)
        .store_imm(Size::U32, R10, -4, 7)
        .store_imm(Size::U64, R10, -16, -1)
        .store(Size::U8, R10, -24, R1)
        .store(Size::U64, R10, -32, R2)
        .load(Size::U16, R3, R10, -4)
        .load(Size::U64, R4, R10, -32)
        .atomic(Size::U64, AtomicOp::Add, R10, -32, R3)
        .atomic(Size::U64, AtomicOp::FetchAdd, R10, -32, R3)
        .atomic(Size::U32, AtomicOp::Xchg, R10, -4, R3)
        // Branch on values the verifier cannot know, so it walks both sides of every jump.
        .call(Helper::GetPrandomU32)
        .mov64(R3, R0)
        .rsh64_imm(R0, 8)
        .mov64(R4, R0)
        .jgt_imm(R4, 5, skip)
        .jsle32(R3, R4, skip)
        .jset_imm(R3, -2, skip)
        .bind(skip)
        .call(Helper::GetPrandomU32)
        .jne_imm(R0, 0, end)
        .mov64_imm(R0, 0)
        .bind(end)
        .mov64_imm(R0, 0)
        .exit();
    let insns = b.finish().expect("assembles");
    let compared = compare_with_verifier(&insns, "classic_listing");
    assert_eq!(compared, insns.len(), "every instruction is visited");
}

/// True when the running kernel is `release` or later; otherwise skips `test` (see `skip`).
fn kernel_at_least(test: &str, release: &str, what: &str) -> bool {
    if !common::kernel_available(test) {
        return false;
    }
    if running_kernel_version() >= kernel_version_code(release) {
        return true;
    }
    common::skip(test, format_args!("{what} needs Linux {release}"));
    false
}

/// The offset from r10 of the low `size` bytes of a u64 stored at r10 -8, in host byte order.
fn low_part(size: Size) -> i16 {
    if cfg!(target_endian = "little") {
        -8
    } else {
        -(size.bytes() as i16)
    }
}

fn low_mask(size: Size) -> u64 {
    u64::MAX >> (64 - 8 * size.bytes())
}

#[test]
fn load_acquire_and_store_release_move_every_size() {
    let test = "load_acquire_and_store_release_move_every_size";
    if !kernel_at_least(test, "6.15", "load-acquire") {
        return;
    }
    let value = 0x8877_6655_4433_2211u64;
    for size in Size::ALL {
        let loaded = run("load_acquire", |b| {
            b.load_imm64(R1, value)
                .store(Size::U64, R10, -8, R1)
                .load_acquire(size, R0, R10, low_part(size));
        });
        assert_eq!(loaded, value & low_mask(size), "load_acquire {size:?}");
        // Released into a u64 of all ones: only the low `size` bytes change.
        let stored = run("store_release", |b| {
            b.mov64_imm(R1, -1)
                .store(Size::U64, R10, -8, R1)
                .load_imm64(R2, value)
                .store_release(size, R10, low_part(size), R2)
                .load(Size::U64, R0, R10, -8);
        });
        assert_eq!(
            stored,
            !low_mask(size) | (value & low_mask(size)),
            "store_release {size:?}"
        );
    }
}

#[test]
fn may_goto_bounds_a_loop_the_verifier_cannot() {
    let test = "may_goto_bounds_a_loop_the_verifier_cannot";
    if !kernel_at_least(test, "6.9", "may_goto") {
        return;
    }
    // Counts up to the packet's length, unknown to the verifier: without may_goto this 6.18
    // verifier gives up on the loop ("the sequence of 8193 jumps is too complex"); with it the
    // loop is accepted and, well inside the budget, runs to its own end. The test run pulls the 14-byte Ethernet header
    // before the program sees the packet, so skb->len is 14 short of the data.
    for length in [64usize, 200] {
        let counted = run_on(&vec![0; length], "may_goto", |b| {
            let top = b.label();
            let out = b.label();
            b.load(Size::U32, R6, R1, 0)
                .mov64_imm(R0, 0)
                .bind(top)
                .may_goto(out)
                .jge(R0, R6, out)
                .add64_imm(R0, 1)
                .ja(top)
                .bind(out);
        });
        assert_eq!(counted, length as u64 - 14);
    }
}

/// The arena's user address: 4 GiB, so a pointer's upper half in user space is 1.
const ARENA_USER_ADDRESS: u64 = 1 << 32;

#[test]
fn arena_pointers_cast_between_address_spaces() {
    let test = "arena_pointers_cast_between_address_spaces";
    if !kernel_at_least(test, "6.9", "addr_space_cast") {
        return;
    }
    let arena = BpfMap::create_arena("tine_test_arena", 1, ARENA_USER_ADDRESS)
        .unwrap_or_else(|error| panic!("{error}"));
    // The verifier takes addr_space_cast only in a program that uses an arena. To the user's
    // space (1 from 0) keeps the low 32 bits under the arena's upper half, and a pointer whose
    // low half is 0 stays NULL.
    let arena_fd = arena.raw_fd();
    let cast = |pointer: u64, to: u16, from: u16| {
        move |b: &mut Builder| {
            b.load_map_fd(R1, arena_fd)
                .load_imm64(R2, pointer)
                .addr_space_cast(R0, R2, to, from);
        }
    };
    let pointer = 0x1234_5678_9abc_def0;
    assert_eq!(
        run("cast_user", cast(pointer, 1, 0)),
        ARENA_USER_ADDRESS | 0x9abc_def0
    );
    assert_eq!(run("cast_user", cast(0x5_0000_0000, 1, 0)), 0);
    // To the kernel's (0 from 1) gives an arena pointer, which is 32 bits: the verifier makes
    // every operation on it 32-bit (so `>>= 32` shifts by nothing), and only the low half can
    // be returned.
    assert_eq!(
        run_once(&PACKET, "cast_kern", &cast(pointer, 0, 1), false),
        0x9abc_def0
    );
}

#[test]
fn later_additions_read_like_the_verifier_log() {
    let test = "later_additions_read_like_the_verifier_log";
    if !kernel_at_least(test, "6.15", "load-acquire") {
        return;
    }
    let arena = BpfMap::create_arena("tine_test_arena", 1, ARENA_USER_ADDRESS)
        .unwrap_or_else(|error| panic!("{error}"));
    let mut b = Builder::new();
    let top = b.label();
    let out = b.label();
    b.load_map_fd(R1, arena.raw_fd())
        .mov64_imm(R2, 7)
        .addr_space_cast(R3, R2, 1, 0)
        .addr_space_cast(R3, R2, 0, 1)
        .store(Size::U64, R10, -8, R2);
    for size in Size::ALL {
        b.store_release(size, R10, low_part(size), R2)
            .load_acquire(size, R4, R10, low_part(size));
    }
    b.mov64_imm(R0, 0)
        .bind(top)
        .may_goto(out)
        .add64_imm(R0, 1)
        .ja(top)
        .bind(out)
        .mov64_imm(R0, 0)
        .exit();
    let insns = b.finish().expect("assembles");
    let compared = compare_with_verifier(&insns, "later_listing");
    assert_eq!(compared, insns.len(), "every instruction is visited");
}
