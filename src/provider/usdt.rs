//! provider::usdt: bpftrace's `usdt:BINARY:PROVIDER:NAME`, `usdt:BINARY:NAME` (any provider)
//! and, with `-p PID`, `usdt:NAME` in that process's program: the USDT probes the binary's
//! `.note.stapsdt` notes describe, put on as uprobes (with the semaphore the kernel counts up
//! while they are on), `argN` decoded from each note's assembler operands (`-4@%edi`,
//! `8@-16(%rbp)`, `8@$5`; aarch64's `-4@x0`, `8@[sp, 16]`). Provider and name may be globs.

use std::rc::Rc;

use tine_asm::Size;

use crate::arch::Arch;
use crate::compile::{Access, ProgramKind};
use crate::lang::Syntax;
use crate::sema::types::{AddressSpace, Type};

use super::error::ProviderError;
use super::glob;
use super::location::parse_number;
use super::offline::OfflineProbe;
use super::uprobe::{read_binary, specs, Uprobe, UprobeError, UprobePoint};
use super::{regs, Points, Provider, Registry, Variable};
use crate::words::rfind_byte;

/// `usdt:`, `U:`.
pub static USDT: Provider = Provider {
    syntax: Syntax {
        aliases: "U",
        ..Syntax::named("usdt")
    },
    resolve: |spec, kernel| {
        let (points, variables) = probes(spec, kernel.pid())?;
        let tracefs = &|| kernel.tracefs();
        let features = kernel.features();
        let probe = Uprobe::at(
            points,
            false,
            features,
            kernel.pid(),
            tracefs,
            variables,
            None,
        )?;
        Ok(Rc::new(probe))
    },
    offline: |spec, _| {
        let (_, variables) = probes(spec, None)?;
        Ok(OfflineProbe {
            space: AddressSpace::User,
            binary: Some(String::new()),
            ..OfflineProbe::new(ProgramKind::Kprobe, variables)
        })
    },
    offline_points: Some(|spec, _| Ok(specs(&probes(spec, None)?.0))),
    // A probe at many places is listed once per place, as `NAME#N`; `probe` names the probe,
    // in the binary as the script wrote it, as bpftrace's does.
    respell: Some(|point, written| {
        let (path, provider, name) = parts(point);
        let name = split(name, b'#').map_or(name, |(name, _)| name);
        let binary = match parts(written).0 {
            "" => path,
            binary => binary,
        };
        crate::words::joined(&[binary, ":", provider, ":", name], "")
    }),
    list: Some(list),
};

/// `-l`: `PATH:PROVIDER:NAME` of each probe `spec` matches, once however many places it has.
fn list(spec: &str, _: &Registry, _: bool) -> Points {
    let (binary, provider, name) = parts(spec);
    let (path, elf) = read_binary(binary)?;
    let mut points = Vec::new();
    for note in &elf.notes {
        if glob::matches(provider, &note.provider) && glob::matches(name, &note.name) {
            let point = [&*path, ":", &note.provider, ":", &note.name];
            points.push(crate::words::joined(&point, ""));
        }
    }
    Ok(points)
}

/// The places of the probes `spec` names, and the arguments read alike at every one of them;
/// `pid` is `-p`'s, whose program `usdt:NAME` names.
#[inline(never)]
fn probes(
    spec: &str,
    pid: Option<u32>,
) -> Result<(Vec<UprobePoint>, Vec<Variable>), ProviderError> {
    let arch = regs::current_arch()?;
    let (binary, provider, name) = parts(spec);
    let binary = match binary {
        "" => pid.map_or(String::new(), |pid| format!("/proc/{pid}/exe")),
        binary => binary.into(),
    };
    if binary.is_empty() || name.is_empty() {
        return Err(ProviderError::spec(
            "`usdt:",
            spec,
            "`: a USDT probe is `usdt:/path/to/binary:provider:name` or `usdt:/path:name` \
             (`usdt:name` in -p's program)",
        ));
    }
    // `NAME#N`: the probe's Nth place alone.
    let (name, place) = match split(name, b'#') {
        Some((name, place)) => (name, parse_number(place)),
        None => (name, None),
    };
    let (path, elf) = read_binary(&binary)?;
    let mut points = Vec::new();
    // Where a probe is at many places, each may keep an argument elsewhere: one program reads
    // those written alike at every place ("" where they differ; sema splits the probe into its
    // places when the script reads the others).
    let mut common: Option<Vec<&str>> = None;
    for (index, note) in elf.notes.iter().enumerate() {
        if !glob::matches(provider, &note.provider) || !glob::matches(name, &note.name) {
            continue;
        }
        let (mut nth, mut places) = (0, 0);
        for (other_index, other) in elf.notes.iter().enumerate() {
            if other.provider == note.provider && other.name == note.name {
                nth += u64::from(other_index < index);
                places += 1;
            }
        }
        if place.is_some_and(|place| place != nth) {
            continue;
        }
        let mut label = crate::words::joined(&[&note.provider, ":", &note.name], "");
        if places > 1 {
            label = format!("{label}#{nth}");
        }
        let offset = |address| {
            elf.file_offset(address)
                .ok_or_else(|| UprobeError::NotMapped {
                    path: path.clone(),
                    what: crate::words::joined(&["USDT probe ", &label], ""),
                })
        };
        let semaphore = match note.semaphore {
            0 => 0,
            address => offset(address)?,
        };
        points.push(UprobePoint {
            path: path.clone(),
            offset: offset(note.address)?,
            name: label,
            semaphore,
        });
        let mut operands = Vec::new();
        operands.extend(crate::words::split_spaces(&note.arguments));
        match &mut common {
            None => common = Some(operands),
            Some(common) => {
                for (index, operand) in common.iter_mut().enumerate() {
                    if operands.get(index) != Some(operand) {
                        *operand = "";
                    }
                }
            }
        }
    }
    let Some(common) = common else {
        let what = if elf.notes.is_empty() {
            "has no USDT probes (no .note.stapsdt notes)".into()
        } else {
            format!("has no USDT probe `{provider}:{name}`")
        };
        return Err(ProviderError::Spec(format!("{path} {what}").into()));
    };
    let mut variables = Vec::new();
    for (index, operand) in common.into_iter().enumerate() {
        if operand.is_empty() {
            continue;
        }
        let Some(variable) = argument(arch, index, operand) else {
            return Err(ProviderError::Spec(
                format!(
                    "{path}: argument {index} of USDT probe {spec} is `{operand}`, which tine \
                     cannot read (it reads registers, constants and memory at a register and \
                     offset, on x86_64 and aarch64)"
                )
                .into(),
            ));
        };
        variables.push(variable);
    }
    variables.push(regs::registers(arch));
    Ok((points, variables))
}

/// The binary, provider (`*`, any, when left out) and name of a spec.
fn parts(spec: &str) -> (&str, &str, &str) {
    match split(spec, b':') {
        None => ("", "*", spec),
        Some((rest, name)) => match split(rest, b':') {
            Some((binary, provider)) => (binary, provider, name),
            None => (rest, "*", name),
        },
    }
}

/// `text` before and after its last `byte`.
fn split(text: &str, byte: u8) -> Option<(&str, &str)> {
    rfind_byte(text, byte).map(|at| (&text[..at], &text[at + 1..]))
}

/// Whether `arch` writes x86's operands, else aarch64's. tine's binary holds the syntax of
/// the architecture it is built for alone (as it holds its pt_regs table alone); the unit
/// tests hold both.
fn is_x86(arch: &Arch) -> bool {
    match cfg!(test) {
        true => arch.name == "x86_64",
        false => cfg!(target_arch = "x86_64"),
    }
}

/// `argN` of a note's operand: `SIZE@PLACE`, SIZE the bytes, negative when signed.
#[inline(never)]
fn argument(arch: &Arch, index: usize, operand: &str) -> Option<Variable> {
    let (size, place) = match crate::words::split_once(operand, b'@') {
        Some((size, place)) => (signed(size)?, place),
        None => (8, operand),
    };
    let bytes = size.unsigned_abs() as u8;
    if !matches!(size.unsigned_abs(), 1 | 2 | 4 | 8) {
        return None;
    }
    let x86 = is_x86(arch);
    let known = match cfg!(test) {
        true => matches!(arch.name, "x86_64" | "aarch64"),
        false => cfg!(any(target_arch = "x86_64", target_arch = "aarch64")),
    };
    if !known {
        return None;
    }
    let register = |name: &str| register(arch, name);
    // x86: `$5`, `%edi`, `-16(%rbp)`; aarch64: `5`, `x0`, `[sp, 16]`, `[sp, #16]`.
    let memory = if x86 {
        let memory = crate::words::split_once(place, b'(');
        memory.map(|(displacement, base)| (base.strip_suffix(")").unwrap_or("?"), displacement))
    } else {
        let inside = place
            .strip_prefix("[")
            .and_then(|place| place.strip_suffix("]"));
        inside.map(|inside| crate::words::split_once(inside, b',').unwrap_or((inside, "")))
    };
    let access = if let Some((base, displacement)) = memory {
        Access::UserLoad {
            offset: register(base)?.0,
            displacement: match crate::words::trim(displacement) {
                "" => 0,
                text => i32::try_from(signed(text)?).ok()?,
            },
        }
    } else if let Some((offset, high)) = register(place) {
        Access::ContextLoad {
            offset,
            size: if high { Size::U8 } else { Size::U64 },
        }
    } else {
        // x86's bare number is an absolute address, no constant.
        let constant = if x86 { place.strip_prefix("$")? } else { place };
        Access::Constant(signed(constant)?)
    };
    Some(Variable {
        name: format!("arg{index}"),
        ty: Type::Int {
            bytes,
            signed: size < 0,
        },
        access,
    })
}

/// Where register `name` (as the assembler spells it, any width) is in pt_regs, and whether it
/// is x86's second byte (`%ah`), which is one past.
fn register(arch: &Arch, name: &str) -> Option<(i16, bool)> {
    let name = crate::words::trim(name);
    let mut high = false;
    let name = if is_x86(arch) {
        let name = name.strip_prefix("%")?;
        match name.as_bytes() {
            // %r8, %r8d, %r8w, %r8b.
            [b'r', b'0'..=b'9', ..] => {
                let digits = name[1..].bytes().take_while(u8::is_ascii_digit).count();
                name[..1 + digits].into()
            }
            // %rax, %eax, %ax, %al, %ah; %rsi, %esi, %si, %sil; %rip.
            [b'r' | b'e', _, _] => name[1..].into(),
            [_, b'l' | b'h'] => {
                high = name.ends_with("h");
                crate::words::joined(&[&name[..1], "x"], "")
            }
            [_, _, b'l'] => name[..2].into(),
            _ => name.to_string(),
        }
    } else if name == "sp" {
        name.into()
    } else {
        // x0..x30, and w0..w30, their lower halves.
        let number = name.strip_prefix("w").or_else(|| name.strip_prefix("x"))?;
        crate::words::joined(&["x", number], "")
    };
    let offset = arch.offset(&name)? + usize::from(high);
    Some((offset as i16, high))
}

/// `16`, `-16`, `0x10`, `-0x10`, `#16` (aarch64's immediates).
fn signed(text: &str) -> Option<i64> {
    let text = crate::words::trim(text);
    let text = text.strip_prefix("#").unwrap_or(text);
    match text.strip_prefix("-") {
        Some(digits) => Some((parse_number(digits)? as i64).wrapping_neg()),
        None => Some(parse_number(text)? as i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::ALL;

    fn arch(name: &str) -> &'static Arch {
        ALL.into_iter().find(|arch| arch.name == name).unwrap()
    }

    fn access(arch_name: &str, operand: &str) -> Option<(Access, Type)> {
        argument(arch(arch_name), 3, operand).map(|variable| {
            assert_eq!(variable.name, "arg3");
            (variable.access, variable.ty)
        })
    }

    fn int(bytes: u8, signed: bool) -> Type {
        Type::Int { bytes, signed }
    }

    fn context(offset: i16, size: Size) -> Access {
        Access::ContextLoad { offset, size }
    }

    /// Operands as GCC writes them; pt_regs offsets from src/arch (di 112, bp 32, ax 80, r8 72,
    /// sp 152 on x86_64; x0 0, x29 232, sp 248 on aarch64).
    #[test]
    fn operands_become_register_memory_and_constant_reads() {
        let user = |offset, displacement| Access::UserLoad {
            offset,
            displacement,
        };
        let cases = [
            ("x86_64", "-4@%edi", context(112, Size::U64), int(4, true)),
            ("x86_64", "8@%rdi", context(112, Size::U64), int(8, false)),
            ("x86_64", "2@%di", context(112, Size::U64), int(2, false)),
            ("x86_64", "1@%dil", context(112, Size::U64), int(1, false)),
            ("x86_64", "-1@%al", context(80, Size::U64), int(1, true)),
            ("x86_64", "1@%ah", context(81, Size::U8), int(1, false)),
            ("x86_64", "4@%r8d", context(72, Size::U64), int(4, false)),
            ("x86_64", "8@%r8", context(72, Size::U64), int(8, false)),
            ("x86_64", "-8@-16(%rbp)", user(32, -16), int(8, true)),
            ("x86_64", "4@(%rsp)", user(152, 0), int(4, false)),
            ("x86_64", "8@0x18(%rax)", user(80, 0x18), int(8, false)),
            ("x86_64", "8@$5", Access::Constant(5), int(8, false)),
            ("x86_64", "-4@$-1", Access::Constant(-1), int(4, true)),
            ("x86_64", "%rsi", context(104, Size::U64), int(8, false)),
            ("aarch64", "-4@x0", context(0, Size::U64), int(4, true)),
            ("aarch64", "4@w1", context(8, Size::U64), int(4, false)),
            ("aarch64", "8@[sp, 16]", user(248, 16), int(8, false)),
            ("aarch64", "8@[x29, -8]", user(232, -8), int(8, false)),
            ("aarch64", "4@[x0]", user(0, 0), int(4, false)),
            ("aarch64", "-8@[sp,#24]", user(248, 24), int(8, true)),
            ("aarch64", "4@5", Access::Constant(5), int(4, false)),
            ("aarch64", "-4@-3", Access::Constant(-3), int(4, true)),
        ];
        for (arch_name, operand, expected, ty) in cases {
            assert_eq!(
                access(arch_name, operand),
                Some((expected, ty)),
                "{arch_name} {operand}"
            );
        }
    }

    /// What tine cannot read is refused, not guessed at.
    #[test]
    fn unreadable_operands_are_refused() {
        let cases = [
            ("x86_64", "8@counter(%rip)"),
            ("x86_64", "8@(%rax,%rbx,8)"),
            ("x86_64", "3@%edi"),
            ("x86_64", "4@%xmm0"),
            ("x86_64", "x@%edi"),
            ("x86_64", "8@0x601040"),
            ("aarch64", "8@[x0, x1]"),
            ("aarch64", "4@v0"),
            ("arm", "4@r0"),
            ("mips", "4@$4"),
        ];
        for (arch_name, operand) in cases {
            assert_eq!(access(arch_name, operand), None, "{arch_name} {operand}");
        }
    }

    fn error(spec: &str) -> String {
        probes(spec, None)
            .err()
            .map(|error| error.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn specs_name_a_binary_and_a_probe() {
        assert_eq!(
            error("name"),
            "`usdt:name`: a USDT probe is `usdt:/path/to/binary:provider:name` or \
             `usdt:/path:name` (`usdt:name` in -p's program)"
        );
        assert!(error(":tick").starts_with("`usdt::tick`: a USDT probe is"));
        assert!(error("/bin/sh:").starts_with("`usdt:/bin/sh:`: a USDT probe is"));
        let exe = std::env::current_exe().unwrap();
        let exe = std::fs::canonicalize(exe).unwrap().display().to_string();
        assert_eq!(
            error(&format!("{exe}:tine:nothing")),
            format!("{exe} has no USDT probes (no .note.stapsdt notes)")
        );
    }
}
