//! provider::special: `BEGIN` and `END`, run once in the kernel (a test run of a raw-tracepoint
//! program) before tracing starts and after it stops, so their maps and printf work as anywhere.

use crate::compile::ProgramKind;
use crate::kernel::bpf::Program;
use crate::kernel::error::KernelError;

use super::{Attachment, Probe, Variable};

pub struct Special {
    pub at_start: bool,
}

impl Probe for Special {
    fn kind(&self) -> ProgramKind {
        ProgramKind::RawTracepoint
    }

    fn variables(&self) -> &[Variable] {
        &[]
    }

    fn attach(&self, _program: &Program) -> Result<Attachment, KernelError> {
        Ok(Attachment::Run {
            at_start: self.at_start,
        })
    }
}
