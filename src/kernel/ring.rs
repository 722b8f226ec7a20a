//! kernel::ring: one way for the runtime to read what programs output, whichever transport the
//! kernel has — a BPF ring buffer, or per-CPU perf buffers behind a perf event array — and to
//! wait for it beside other fds (the signalfd).

use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::time::Duration;

use crate::kernel::bpf::{BpfMap, MapType};
use crate::kernel::cpu::online_cpus;
use crate::kernel::error::{last_errno, KernelError};
use crate::kernel::perf::PerfBuffer;
use crate::kernel::ringbuf::Ringbuf;

/// What a ring delivers: a record's payload, or a count of records the kernel had to drop
/// because the ring was full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RingItem<'a> {
    Sample(&'a [u8]),
    Lost(u64),
}

#[derive(Debug)]
pub enum Ring {
    Ringbuf(Ringbuf),
    PerfBuffers(Vec<PerfBuffer>),
}

impl Ring {
    /// The reader for an output map: a RINGBUF map is read directly; a PERF_EVENT_ARRAY map
    /// gets a BPF-output event with `data_pages` pages of ring on every online CPU.
    #[inline(never)]
    pub fn open(map: &BpfMap, data_pages: usize) -> Result<Ring, KernelError> {
        match map.spec().kind {
            MapType::Ringbuf => Ok(Ring::Ringbuf(Ringbuf::open(map)?)),
            MapType::PerfEventArray => {
                let mut buffers = Vec::new();
                for cpu in online_cpus()? {
                    buffers.push(PerfBuffer::open(map, cpu, data_pages)?);
                }
                Ok(Ring::PerfBuffers(buffers))
            }
            kind => Err(KernelError::message(
                format!("read output map `{}`", map.spec().name),
                format!("a {kind:?} map is not an output ring"),
            )),
        }
    }

    /// The fds that become readable when records arrive.
    pub fn fds(&self) -> Vec<BorrowedFd<'_>> {
        match self {
            Ring::Ringbuf(ring) => vec![ring.fd()],
            Ring::PerfBuffers(buffers) => {
                let mut fds = Vec::with_capacity(buffers.len());
                for buffer in buffers {
                    fds.push(buffer.event().as_fd());
                }
                fds
            }
        }
    }

    /// Hands every record ready now to `handle`, in order per CPU; returns how many.
    pub fn drain(&mut self, mut handle: impl FnMut(RingItem)) -> usize {
        match self {
            Ring::Ringbuf(ring) => ring.drain(&mut handle),
            Ring::PerfBuffers(buffers) => buffers
                .iter_mut()
                .map(|buffer| buffer.drain(&mut handle))
                .sum(),
        }
    }
}

/// Waits until one of `fds` is readable or `timeout` passes (None: forever); returns which are
/// readable. EINTR returns all false, so a caught signal is noticed by the caller's loop.
pub fn wait_readable(
    fds: &[BorrowedFd],
    timeout: Option<Duration>,
) -> Result<Vec<bool>, KernelError> {
    let (readable, _) = wait(fds, &[], timeout)?;
    Ok(readable)
}

/// Waits until one of `readable` is readable, one of `watched` reports an error or a hang-up
/// (a pipe whose reader has gone), or `timeout` passes (None: forever). Returns which of
/// `readable` are readable and whether one of `watched` hung up.
pub fn wait(
    readable: &[BorrowedFd],
    watched: &[BorrowedFd],
    timeout: Option<Duration>,
) -> Result<(Vec<bool>, bool), KernelError> {
    let entry = |fd: &BorrowedFd, events| libc::pollfd {
        fd: fd.as_raw_fd(),
        events,
        revents: 0,
    };
    let mut polls = Vec::with_capacity(readable.len() + watched.len());
    for fd in readable {
        polls.push(entry(fd, libc::POLLIN));
    }
    for fd in watched {
        polls.push(entry(fd, 0));
    }
    let milliseconds = timeout.map_or(-1, |timeout| {
        timeout.as_millis().min(i32::MAX as u128) as i32
    });
    // SAFETY: `polls` is a live array of exactly `polls.len()` pollfds.
    let result = unsafe {
        libc::poll(
            polls.as_mut_ptr(),
            polls.len() as libc::nfds_t,
            milliseconds,
        )
    };
    if result < 0 {
        let errno = last_errno();
        if errno == libc::EINTR {
            return Ok((vec![false; readable.len()], false));
        }
        return Err(KernelError::errno("wait for output", errno));
    }
    let (ready, hung_up) = polls.split_at(readable.len());
    Ok((
        ready
            .iter()
            .map(|poll| poll.revents & (libc::POLLIN | libc::POLLHUP) != 0)
            .collect(),
        hung_up
            .iter()
            .any(|poll| poll.revents & (libc::POLLERR | libc::POLLHUP) != 0),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::net::UnixStream;

    #[test]
    fn a_closed_peer_is_reported_as_a_hang_up() {
        let (ours, theirs) = UnixStream::pair().unwrap();
        let (ready, hung_up) = wait(&[], &[ours.as_fd()], Some(Duration::ZERO)).unwrap();
        assert!(ready.is_empty() && !hung_up);
        drop(theirs);
        // No timeout: the hang-up alone must end the wait.
        let (_, hung_up) = wait(&[], &[ours.as_fd()], None).unwrap();
        assert!(hung_up);
    }
}
