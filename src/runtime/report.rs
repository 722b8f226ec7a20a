//! runtime::report: what the kernel counted but tine could not show: skipped events, full maps,
//! failed reads, lost records.

use super::RunError;
use crate::compile::Compiled;
use crate::kernel::bpf::{BpfMap, LoadedProgram};
use crate::sema::Program;
use crate::wire;

/// Events the kernel counted but did not run a probe for: its counts and records miss them.
pub(super) fn report_misses(programs: &[(String, LoadedProgram)]) {
    for (probe, program) in programs {
        match program.recursion_misses() {
            Ok(0) => {}
            Ok(missed) => crate::tell(format_args!(
                "warning: {probe}: the kernel skipped {missed} events: another BPF program was running on that CPU at the time\n"
            )),
            Err(error) => crate::tell(format_args!("warning: {probe}: cannot tell whether the kernel skipped events: {error}\n")),
        }
    }
}

pub(super) fn lost_error(count: u64) -> i32 {
    crate::tell(format_args!(
        "error: lost {count} records: the output ring was full (raise TINE_RING_PAGES, or run with -k to go on regardless)\n"
    ));
    1
}

/// The count of error site `index`, summed over CPUs.
fn error_count(errors: &BpfMap, index: usize) -> Result<u64, RunError> {
    let entry = errors.lookup_entry(&wire::encode_int(index as u64, 4, wire::HOST))?;
    Ok(super::fold::summed(&entry, 0, None, wire::HOST)[0])
}

pub(super) fn dropped_records(compiled: &Compiled, errors: &BpfMap) -> Result<u64, RunError> {
    let mut dropped = 0;
    for (index, site) in compiled.error_sites.iter().enumerate() {
        if site.kind == crate::compile::ErrorKind::OutputFull {
            dropped += error_count(errors, index)?;
        }
    }
    Ok(dropped)
}

/// Warns about every failed map update and dropped record the programs counted.
pub(super) fn report_errors(
    compiled: &Compiled,
    errors: &BpfMap,
    script: &Program,
) -> Result<(), RunError> {
    for (index, site) in compiled.error_sites.iter().enumerate() {
        let count = error_count(errors, index)?;
        if count == 0 {
            continue;
        }
        let name = |map: usize| {
            script
                .maps
                .get(map)
                .map_or("a map", |map| map.name.as_str())
        };
        match site.kind {
            crate::compile::ErrorKind::MapFull { map } => crate::tell(format_args!(
                "warning: {count} updates of {} were dropped: the map is full (raise TINE_MAP_ENTRIES)\n",
                name(map)
            )),
            crate::compile::ErrorKind::MapRefused { map } => crate::tell(format_args!(
                "warning: the kernel refused {count} updates of {}: the map was busy (a probe fired inside another that held it) or out of memory\n",
                name(map)
            )),
            crate::compile::ErrorKind::OutputFull => crate::tell(format_args!(
                "warning: lost {count} records: the output ring was full (raise TINE_RING_PAGES)\n"
            )),
            crate::compile::ErrorKind::ReadFailed { string } => crate::tell(format_args!(
                "warning: {count} {} failed: the address was not readable (unmapped, paged out, or not that memory), and zeros were used\n",
                if string { "string reads" } else { "memory reads" }
            )),
        }
    }
    Ok(())
}
