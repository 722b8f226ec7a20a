//! provider::watchpoint: bpftrace's `watchpoint:ADDRESS:LENGTH:MODE` (`w:`): a hardware breakpoint
//! (perf_event_open(2), PERF_TYPE_BREAKPOINT) on LENGTH bytes at ADDRESS, running the program on
//! each access of MODE (`r`, `w`, `x` combined). With `-p PID` or `-c COMMAND` the address is
//! the process's and only its accesses count; without, every access on every CPU does (a kernel
//! address, as bpftrace takes it).

use std::rc::Rc;

use crate::compile::ProgramKind;
use crate::kernel::bpf::LoadedProgram;
use crate::kernel::cpu::online_cpus;
use crate::kernel::error::KernelError;
use crate::kernel::perf::PerfEvent;
use crate::lang::Syntax;
use crate::words::nth_item;

use super::error::ProviderError;
use super::location::parse_number;
use super::offline::OfflineProbe;
use super::{attach_each, Attachment, Provider, ResolvedProbe, Variable};

pub struct Watchpoint {
    address: u64,
    length: u64,
    /// HW_BREAKPOINT_R (1), _W (2), _X (4), or'ed.
    access: u32,
    /// `-p PID` or the `-c` command's pid: None watches every CPU.
    pid: Option<u32>,
}

/// The modes this CPU can watch: no CPU watches execution with reads or writes, and x86 has
/// no read-only watch (Intel SDM vol. 3, 17.2.4).
const MODES: &str = if cfg!(any(target_arch = "x86_64", target_arch = "x86")) {
    "w, rw or x"
} else {
    "r, w, rw or x"
};

impl Watchpoint {
    fn parse(spec: &str, pid: Option<u32>) -> Result<Watchpoint, ProviderError> {
        let refused = |reason: &str| ProviderError::spec("`watchpoint:", spec, reason);
        if spec.as_bytes().contains(&b'+') {
            return Err(refused(
                "`: watching a function's argument is not supported yet",
            ));
        }
        // By bytes: a `split` iterator costs the binary more.
        let part = |index| nth_item(spec, b':', index).unwrap_or_default();
        let address = parse_number(part(0)).filter(|&address| address != 0);
        let length = match part(1).as_bytes() {
            [digit @ (b'1' | b'2' | b'4' | b'8')] => Some(u64::from(digit - b'0')),
            _ => None,
        };
        let colons = spec.bytes().filter(|&byte| byte == b':').count();
        let (Some(address), Some(length), 2) = (address, length, colons) else {
            return Err(refused(
                "` is not ADDRESS:LENGTH:MODE, the address not 0 and the length 1, 2, 4 or 8 \
                 (watchpoint:0x601040:4:w)",
            ));
        };
        let mut access = 0;
        for byte in part(2).bytes() {
            let bit = match byte {
                b'r' => 1,
                b'w' => 2,
                b'x' => 4,
                _ => 8,
            };
            // A letter twice, or one that is no mode, makes no mode.
            access |= if access & bit == 0 { bit } else { 8 };
        }
        let valid = match access {
            1 => MODES.starts_with('r'),
            2..=4 => true,
            _ => false,
        };
        if !valid {
            return Err(ProviderError::Spec(
                crate::words::joined(&["`watchpoint:", spec, "`: the mode must be ", MODES], "")
                    .into(),
            ));
        }
        Ok(Watchpoint {
            address,
            length,
            access,
            pid,
        })
    }
}

/// One copy for both ways of resolving (binary size).
#[inline(never)]
fn resolved(spec: &str, pid: Option<u32>) -> Result<super::Resolved, ProviderError> {
    Ok(Rc::new(Watchpoint::parse(spec, pid)?))
}

/// `watchpoint:`, `w:`.
pub static WATCHPOINT: Provider = Provider {
    syntax: Syntax::named("watchpoint"),
    resolve: |spec, registry| resolved(spec, registry.pid().or(registry.command_pid)),
    offline: |spec, _| Ok(OfflineProbe::of(&*resolved(spec, None)?)),
    offline_points: None,
    respell: None,
    list: None,
};

impl ResolvedProbe for Watchpoint {
    fn kind(&self) -> ProgramKind {
        ProgramKind::PerfEvent
    }

    fn variables(&self) -> &[Variable] {
        &[]
    }

    fn attach(&self, program: &LoadedProgram) -> Result<Attachment, KernelError> {
        // A process's watchpoint follows it from CPU to CPU: CPU -1, which u32::MAX is as i32.
        let (pid, cpus) = match self.pid {
            Some(pid) => (pid as i32, vec![u32::MAX]),
            None => (-1, online_cpus()?),
        };
        let mut opened = cpus.iter().map(|&cpu| {
            PerfEvent::breakpoint(self.address, self.length, self.access, pid, cpu as i32)
        });
        attach_each(&mut opened, program)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_length_and_mode() {
        let parsed = |spec: &str| {
            Watchpoint::parse(spec, None).map(|watch| (watch.address, watch.length, watch.access))
        };
        assert_eq!(parsed("0x601040:4:w"), Ok((0x601040, 4, 2)));
        assert_eq!(parsed("4096:8:rw"), Ok((4096, 8, 3)));
        assert_eq!(parsed("0X10:1:wr"), Ok((16, 1, 3)));
        assert_eq!(parsed("0x10:8:x"), Ok((16, 8, 4)));
        for spec in [
            "0:4:w",
            "0x10:3:w",
            "0x10:16:w",
            "0x10:4:",
            "0x10:4:ww",
            "0x10:4:rx",
            "0x10:4:wx",
            "0x10:4:rwx",
            "0x10:4:q",
            "0x10:4",
            "0x10:4:w:1",
            "main+arg0:4:w",
            "zz:4:w",
        ] {
            assert!(parsed(spec).is_err(), "{spec}");
        }
        assert_eq!(parsed("0x10:4:r").is_ok(), MODES.starts_with('r'));
        assert_eq!(
            parsed("0x10:4:wx").err().unwrap().to_string(),
            format!("`watchpoint:0x10:4:wx`: the mode must be {MODES}")
        );
    }
}
