//! kernel::bpf::link: BPF links (kprobe.multi, fentry/fexit, raw tracepoints), detached when
//! dropped.

use super::*;

#[repr(C)]
#[derive(Default)]
pub(super) struct KprobeMultiLinkAttr {
    pub(super) prog_fd: u32,
    pub(super) target_fd: u32,
    pub(super) attach_type: u32,
    pub(super) flags: u32,
    pub(super) multi_flags: u32,
    pub(super) count: u32,
    pub(super) symbols: u64,
    pub(super) addresses: u64,
    pub(super) cookies: u64,
}

/// A BPF link (an attachment made by bpf(2) rather than a perf event), detached on drop.
#[derive(Debug)]
pub struct Link {
    fd: OwnedFd,
}

impl Link {
    /// One kprobe.multi link (5.18) attaching `program` (loaded with
    /// `AttachType::TraceKprobeMulti`) to every function in `symbols` at once.
    pub fn kprobe_multi(
        program: &LoadedProgram,
        symbols: &[&str],
        retprobe: bool,
    ) -> Result<Link, KernelError> {
        const RETURN_PROBE: u32 = 1;
        let mut names = Vec::with_capacity(symbols.len());
        for symbol in symbols {
            match std::ffi::CString::new(symbol.as_bytes()) {
                Ok(name) => names.push(name),
                Err(_) => break,
            }
        }
        let mut pointers = Vec::with_capacity(names.len());
        for name in &names {
            pointers.push(name.as_ptr() as u64);
        }
        let mut attr = KprobeMultiLinkAttr {
            prog_fd: program.raw_fd() as u32,
            attach_type: AttachType::TraceKprobeMulti as u32,
            multi_flags: if retprobe { RETURN_PROBE } else { 0 },
            count: pointers.len() as u32,
            symbols: address(&pointers),
            ..KprobeMultiLinkAttr::default()
        };
        // A name with a NUL stopped the list short: no call then.
        let errno = match names.len() == symbols.len() {
            true => match bpf_fd(LINK_CREATE, &mut attr) {
                Ok(fd) => return Ok(Link { fd }),
                Err(errno) => errno,
            },
            false => 0,
        };
        let action = format!(
            "attach program `{}` to {} functions with kprobe.multi",
            program.name(),
            symbols.len()
        );
        Err(match errno {
            0 => KernelError::message(action, "NUL in a function name"),
            errno => KernelError::errno(action, errno),
        })
    }
}

impl Link {
    /// Attaches a tracing program (fentry/fexit, loaded with its function's BTF id) with
    /// BPF_RAW_TRACEPOINT_OPEN and no name: every kernel with trampolines (5.5) takes it, where
    /// BPF_LINK_CREATE takes tracing programs only from 5.10 on. ENOTSUPP: no trampolines.
    pub fn tracing(program: &LoadedProgram) -> Result<Link, KernelError> {
        Link::raw_tracepoint(program, "")
    }

    /// Attaches a raw tracepoint program to the tracepoint `name` (4.17), or (`name` empty) a
    /// tracing program to its function, with BPF_RAW_TRACEPOINT_OPEN.
    pub fn raw_tracepoint(program: &LoadedProgram, name: &str) -> Result<Link, KernelError> {
        #[repr(C)]
        struct RawTracepointAttr {
            name: u64,
            prog_fd: u32,
            _pad: u32,
        }
        let action = format!("attach program `{}`", program.name());
        let text = std::ffi::CString::new(name)
            .map_err(|_| KernelError::message(&action, "a NUL in the name"))?;
        let mut attr = RawTracepointAttr {
            name: if name.is_empty() {
                0
            } else {
                text.as_ptr() as u64
            },
            prog_fd: program.raw_fd() as u32,
            _pad: 0,
        };
        let errno = match bpf_fd(RAW_TRACEPOINT_OPEN, &mut attr) {
            Ok(fd) => return Ok(Link { fd }),
            Err(errno) => errno,
        };
        Err(match (errno, name) {
            (ENOTSUPP, "") => KernelError::message(
                action,
                "this kernel has no BPF trampolines for this architecture, which fentry and \
                 fexit need; kprobes reach the same functions",
            ),
            (libc::ENOENT, _) if !name.is_empty() => {
                KernelError::message(action, format!("this kernel has no tracepoint `{name}`"))
            }
            // The kernel checks the context the program reads against the tracepoint's
            // arguments when it attaches (bpf_probe_register).
            (libc::EINVAL, _) if !name.is_empty() => KernelError::message(
                action,
                format!("the probe reads an argN past the arguments of tracepoint `{name}`"),
            ),
            (errno, _) => KernelError::errno(action, errno),
        })
    }
}

impl AsFd for Link {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}
