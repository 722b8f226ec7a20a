//! kernel::cpu: which CPUs exist (/sys/devices/system/cpu/{possible,online}); per-CPU map
//! values come one per possible CPU, perf events open on online ones.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::kernel::error::KernelError;
use crate::words::{decimal, quoted};

/// CPU numbers of a kernel CPU list such as `0-3,8,10-11`; None when malformed.
pub fn parse_cpu_list(text: &str) -> Option<Vec<u32>> {
    let mut cpus = Vec::new();
    for part in crate::words::split(crate::words::trim(text), b',').filter(|part| !part.is_empty())
    {
        match crate::words::split_once(part, b'-') {
            Some((first, last)) => {
                let (first, last) = (decimal::<u32>(first)?, decimal::<u32>(last)?);
                if first > last {
                    return None;
                }
                // A loop, not `extend` of a range (binary size).
                let mut cpu = first;
                loop {
                    cpus.push(cpu);
                    if cpu == last {
                        break;
                    }
                    cpu += 1;
                }
            }
            None => cpus.push(decimal(part)?),
        }
    }
    Some(cpus)
}

fn read_cpu_list(path: &str) -> Result<Vec<u32>, KernelError> {
    let action = format!("read {path}");
    let text = super::read_text(path).map_err(|error| KernelError::io(&action, &error))?;
    match parse_cpu_list(&text) {
        Some(cpus) if !cpus.is_empty() => Ok(cpus),
        _ => Err(KernelError::message(
            action,
            format!(
                "not a CPU list: {}",
                quoted(crate::words::trim(&text).as_bytes())
            ),
        )),
    }
}

/// How many CPUs could ever come online; per-CPU maps hold one value for each. Fixed at boot,
/// so it is read once, into an atomic rather than a `OnceLock` (whose `Once` costs the binary
/// 300 bytes).
pub fn possible_cpu_count() -> Result<usize, KernelError> {
    static POSSIBLE: AtomicUsize = AtomicUsize::new(0);
    let mut count = POSSIBLE.load(Ordering::Relaxed);
    if count == 0 {
        count = read_cpu_list("/sys/devices/system/cpu/possible")?.len();
        POSSIBLE.store(count, Ordering::Relaxed);
    }
    Ok(count)
}

/// The CPUs online now; perf events can open only on these.
pub fn online_cpus() -> Result<Vec<u32>, KernelError> {
    read_cpu_list("/sys/devices/system/cpu/online")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_parse_ranges_and_singles() {
        assert_eq!(parse_cpu_list("0\n"), Some(vec![0]));
        assert_eq!(parse_cpu_list("0-3"), Some(vec![0, 1, 2, 3]));
        assert_eq!(parse_cpu_list("0,2-3,7\n"), Some(vec![0, 2, 3, 7]));
        assert_eq!(parse_cpu_list("3-1"), None);
        assert_eq!(parse_cpu_list("x"), None);
    }

    #[test]
    fn this_machine_has_a_possible_cpu() {
        let count = possible_cpu_count().expect("every Linux has the possible list");
        assert!(count > 0);
        assert!(online_cpus().expect("and the online list").len() <= count);
    }
}
