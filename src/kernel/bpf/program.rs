//! kernel::bpf::program: loading BPF programs, the verifier log, test runs and program info.

use super::*;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProgramType {
    SocketFilter = 1,
    /// kprobes and uprobes.
    Kprobe = 2,
    Tracepoint = 5,
    PerfEvent = 7,
    RawTracepoint = 17,
    /// fentry and fexit, on a kernel function's BPF trampoline.
    Tracing = 26,
}

/// The variant's name, as a derived Debug writes it (`load Kprobe program ...`), from one
/// string of names rather than a derive's table of them.
impl std::fmt::Debug for ProgramType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const NAMES: &str = "SocketFilter Kprobe Tracepoint PerfEvent RawTracepoint Tracing";
        let index = match self {
            ProgramType::SocketFilter => 0,
            ProgramType::Kprobe => 1,
            ProgramType::Tracepoint => 2,
            ProgramType::PerfEvent => 3,
            ProgramType::RawTracepoint => 4,
            ProgramType::Tracing => 5,
        };
        f.write_str(crate::words::nth_word(NAMES, index).unwrap_or_default())
    }
}

/// `enum bpf_attach_type` values a load may need to name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttachType {
    TraceFentry = 24,
    TraceFexit = 25,
    TraceKprobeMulti = 42,
}

/// What a program is loaded for: its attach type and, for a tracing program, the BTF id of its
/// function, in the BTF object `btf_object` (a module's fd; 0: the kernel's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttachTo {
    pub kind: AttachType,
    pub btf_id: u32,
    pub btf_object: u32,
}

impl From<AttachType> for AttachTo {
    fn from(kind: AttachType) -> AttachTo {
        AttachTo {
            kind,
            btf_id: 0,
            btf_object: 0,
        }
    }
}

/// What a program is: everything `Program::load` needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramSpec<'a> {
    pub kind: ProgramType,
    /// Encoded instructions in the host's byte order (`tine_asm::encode`).
    pub insns: &'a [u8],
    pub name: &'a str,
    pub expected_attach_type: Option<AttachTo>,
}

#[repr(C)]
#[derive(Default)]
pub(super) struct ProgramLoadAttr {
    pub(super) prog_type: u32,
    pub(super) insn_cnt: u32,
    pub(super) insns: u64,
    pub(super) license: u64,
    pub(super) log_level: u32,
    pub(super) log_size: u32,
    pub(super) log_buf: u64,
    pub(super) kern_version: u32,
    pub(super) prog_flags: u32,
    pub(super) prog_name: [u8; OBJECT_NAME_LENGTH],
    pub(super) prog_ifindex: u32,
    pub(super) expected_attach_type: u32,
    /// prog_btf_fd up to line_info_cnt: nothing tine sets.
    pub(super) _btf_info: [u32; 9],
    pub(super) attach_btf_id: u32,
    pub(super) attach_btf_obj_fd: u32,
}

#[repr(C)]
#[derive(Default)]
pub(super) struct TestRunAttr {
    pub(super) prog_fd: u32,
    pub(super) retval: u32,
    pub(super) data_size_in: u32,
    pub(super) data_size_out: u32,
    pub(super) data_in: u64,
    pub(super) data_out: u64,
    pub(super) repeat: u32,
    pub(super) duration: u32,
    pub(super) ctx_size_in: u32,
    pub(super) ctx_size_out: u32,
    pub(super) ctx_in: u64,
    pub(super) ctx_out: u64,
    pub(super) flags: u32,
    pub(super) cpu: u32,
}

/// The head of `struct bpf_prog_info`: the kernel fills only as much as `info_len` asks for.
#[repr(C)]
#[derive(Default)]
pub(super) struct ProgramInfoHead {
    pub(super) kind: u32,
    pub(super) id: u32,
    pub(super) tag: [u8; 8],
    pub(super) jited_prog_len: u32,
    pub(super) xlated_prog_len: u32,
    pub(super) jited_prog_insns: u64,
    pub(super) xlated_prog_insns: u64,
    pub(super) load_time: u64,
    pub(super) created_by_uid: u32,
    pub(super) nr_map_ids: u32,
    pub(super) map_ids: u64,
    pub(super) name: [u8; OBJECT_NAME_LENGTH],
    /// ifindex up to run_cnt: nothing tine reads.
    pub(super) _middle: [u64; 16],
    /// Runs the kernel skipped because a BPF program was already running on that CPU (5.12;
    /// older kernels leave it zero).
    pub(super) recursion_misses: u64,
}

/// The outcome of BPF_PROG_TEST_RUN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TestRun {
    pub retval: u32,
    /// The kernel's mean duration of one run.
    pub nanoseconds_per_run: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramInfo {
    pub id: u32,
    pub name: String,
    pub tag: [u8; 8],
    /// The instructions as the verifier rewrote them (host byte order).
    pub xlated: Vec<u8>,
}

/// GPL: the tracing helpers (probe_read, perf_event_output, ...) are GPL-only.
const LICENSE: &[u8] = b"GPL\0";
const LOG_START: usize = 64 << 10;
const LOG_LIMIT: usize = 4 << 20;
const LOG_LEVEL_STATES: u32 = 1;

/// A loaded BPF program, unloaded when the last fd to it (ours, or an attachment's) closes.
#[derive(Debug)]
pub struct LoadedProgram {
    fd: OwnedFd,
    name: String,
}

impl LoadedProgram {
    /// "ACTION program `NAME`" failed with `errno`: one place formats it.
    fn failed(&self, action: &str, errno: i32) -> KernelError {
        KernelError::errno(format!("{action} program `{}`", self.name), errno)
    }

    /// Loads without a verifier log; only when the kernel refuses is the load repeated with a
    /// log (64 KiB, growing to 4 MiB while it does not fit), whose text the error carries.
    pub fn load(spec: &ProgramSpec) -> Result<LoadedProgram, KernelError> {
        match LoadedProgram::load_once(spec, 0, &mut []) {
            Ok(program) => Ok(program),
            Err(errno) => Err(LoadedProgram::explain_rejection(spec, errno)),
        }
    }

    /// Loads with the verifier log at `level` (1: rejection details, 2: every instruction with
    /// its register state) and returns the log too; for `-S`-style output and tests.
    pub fn load_logged(
        spec: &ProgramSpec,
        level: u32,
    ) -> Result<(LoadedProgram, String), KernelError> {
        let mut size = LOG_START;
        loop {
            let mut log = vec![0u8; size];
            match LoadedProgram::load_once(spec, level, &mut log) {
                Ok(program) => return Ok((program, log_text(&log))),
                Err(libc::ENOSPC) if size < LOG_LIMIT => size *= 4,
                Err(errno) => {
                    let mut error = KernelError::errno(spec_action(spec), errno);
                    error.verifier_log = log_text(&log);
                    return Err(error);
                }
            }
        }
    }

    fn explain_rejection(spec: &ProgramSpec, errno: i32) -> KernelError {
        // A tracing program the verifier passed and the kernel still refuses (with maps made
        // already, so not for want of privilege): its function cannot be traced here.
        let mut error = if spec.kind == ProgramType::Tracing && errno == libc::EPERM {
            KernelError::message(
                spec_action(spec),
                "the kernel refuses to trace this function (EPERM: ftrace locked down or \
                 disabled); kprobes reach the same functions",
            )
        } else {
            KernelError::errno(spec_action(spec), errno)
        };
        let mut size = LOG_START;
        loop {
            let mut log = vec![0u8; size];
            match LoadedProgram::load_once(spec, LOG_LEVEL_STATES, &mut log) {
                // Loading with a log should not change the verdict; if it does, keep the first.
                Ok(_) => return error,
                Err(libc::ENOSPC) if size < LOG_LIMIT => size *= 4,
                Err(_) => {
                    error.verifier_log = log_text(&log);
                    return error;
                }
            }
        }
    }

    fn load_once(spec: &ProgramSpec, log_level: u32, log: &mut [u8]) -> Result<LoadedProgram, i32> {
        const INSN_SIZE: usize = 8;
        if spec.insns.len() % INSN_SIZE != 0 {
            return Err(libc::EINVAL);
        }
        let attach = spec.expected_attach_type;
        let mut attr = ProgramLoadAttr {
            prog_type: spec.kind as u32,
            insn_cnt: (spec.insns.len() / INSN_SIZE) as u32,
            insns: address(spec.insns),
            license: address(LICENSE),
            log_level,
            log_size: log.len() as u32,
            log_buf: if log.is_empty() {
                0
            } else {
                log.as_mut_ptr() as u64
            },
            // Kernels before 5.0 refuse kprobe programs whose version is not the running one.
            kern_version: if spec.kind == ProgramType::Kprobe {
                running_kernel_version()
            } else {
                0
            },
            prog_name: object_name(spec.name),
            expected_attach_type: attach.map_or(0, |to| to.kind as u32),
            attach_btf_id: attach.map_or(0, |to| to.btf_id),
            attach_btf_obj_fd: attach.map_or(0, |to| to.btf_object),
            ..ProgramLoadAttr::default()
        };
        let fd = match bpf_fd(PROG_LOAD, &mut attr) {
            // Kernels before 4.15 know no names (see BpfMap::create).
            Err(libc::E2BIG) if attr.prog_name[0] != 0 => {
                attr.prog_name = [0; OBJECT_NAME_LENGTH];
                bpf_fd(PROG_LOAD, &mut attr)
            }
            other => other,
        }?;
        Ok(LoadedProgram {
            fd,
            name: spec.name.to_string(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn raw_fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }

    /// Runs the program once on `data` (packet programs) or `context` (raw tracepoints) with
    /// BPF_PROG_TEST_RUN and returns its return value.
    pub fn test_run(&self, data: &[u8], context: &[u8]) -> Result<u32, KernelError> {
        Ok(self.test_run_repeated(data, context, 0)?.retval)
    }

    /// Runs the program `repeat` times in the kernel (packet programs; raw tracepoints take 0)
    /// and returns the last return value and the mean time of one run, for benchmarks.
    pub fn test_run_repeated(
        &self,
        data: &[u8],
        context: &[u8],
        repeat: u32,
    ) -> Result<TestRun, KernelError> {
        let mut attr = TestRunAttr {
            prog_fd: self.fd.as_raw_fd() as u32,
            data_size_in: data.len() as u32,
            data_in: if data.is_empty() { 0 } else { address(data) },
            ctx_size_in: context.len() as u32,
            ctx_in: if context.is_empty() {
                0
            } else {
                address(context)
            },
            repeat,
            ..TestRunAttr::default()
        };
        bpf(PROG_TEST_RUN, &mut attr).map_err(|errno| self.failed("test-run", errno))?;
        Ok(TestRun {
            retval: attr.retval,
            nanoseconds_per_run: attr.duration,
        })
    }

    /// Runs a raw tracepoint program once on `cpu` (BPF_F_TEST_RUN_ON_CPU, 5.10), so what
    /// it writes to per-CPU maps or perf buffers lands on that CPU's copy.
    pub fn test_run_on_cpu(&self, context: &[u8], cpu: u32) -> Result<u32, KernelError> {
        const RUN_ON_CPU: u32 = 1;
        let mut attr = TestRunAttr {
            prog_fd: self.fd.as_raw_fd() as u32,
            ctx_size_in: context.len() as u32,
            ctx_in: if context.is_empty() {
                0
            } else {
                address(context)
            },
            flags: RUN_ON_CPU,
            cpu,
            ..TestRunAttr::default()
        };
        bpf(PROG_TEST_RUN, &mut attr).map_err(|errno| {
            KernelError::errno(
                format!("test-run program `{}` on CPU {cpu}", self.name),
                errno,
            )
        })?;
        Ok(attr.retval)
    }

    /// How many times the kernel skipped this program because a BPF program was already
    /// running on that CPU (`recursion_misses`); 0 where the kernel does not count them.
    pub fn recursion_misses(&self) -> Result<u64, KernelError> {
        let mut head = ProgramInfoHead::default();
        program_info(self.fd.as_raw_fd(), &mut head)
            .map_err(|errno| self.failed(READ_INFO, errno))?;
        Ok(head.recursion_misses)
    }

    /// The kernel's id, tag, name and translated instructions of this program.
    pub fn info(&self) -> Result<ProgramInfo, KernelError> {
        let mut head = ProgramInfoHead::default();
        program_info(self.fd.as_raw_fd(), &mut head)
            .map_err(|errno| self.failed(READ_INFO, errno))?;
        let mut xlated = vec![0u8; head.xlated_prog_len as usize];
        let mut second = ProgramInfoHead {
            xlated_prog_len: xlated.len() as u32,
            xlated_prog_insns: xlated.as_mut_ptr() as u64,
            ..ProgramInfoHead::default()
        };
        program_info(self.fd.as_raw_fd(), &mut second)
            .map_err(|errno| self.failed(READ_INFO, errno))?;
        xlated.truncate(second.xlated_prog_len as usize);
        let name_end = head
            .name
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(head.name.len());
        Ok(ProgramInfo {
            id: head.id,
            name: String::from_utf8_lossy(&head.name[..name_end]).into_owned(),
            tag: head.tag,
            xlated,
        })
    }
}

impl AsFd for LoadedProgram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// What `recursion_misses` and `info` do, in their errors.
const READ_INFO: &str = "read the info of";

fn program_info(fd: i32, head: &mut ProgramInfoHead) -> Result<(), i32> {
    let mut attr = InfoAttr {
        bpf_fd: fd as u32,
        info_len: size_of::<ProgramInfoHead>() as u32,
        info: (head as *mut ProgramInfoHead) as u64,
    };
    bpf(OBJ_GET_INFO_BY_FD, &mut attr).map(drop)
}

fn spec_action(spec: &ProgramSpec) -> String {
    format!("load {:?} program `{}`", spec.kind, spec.name)
}

/// The log's text up to its NUL.
pub(super) fn log_text(log: &[u8]) -> String {
    let end = log.iter().position(|&b| b == 0).unwrap_or(log.len());
    String::from_utf8_lossy(&log[..end]).into_owned()
}
