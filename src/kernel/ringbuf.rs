//! kernel::ringbuf: the consumer side of a BPF ring buffer map (5.8+) — one ring shared by all
//! CPUs: a consumer page we write, a producer page and the data (mapped twice, back to back, so
//! no record wraps) that the kernel writes.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use libc::{c_long, c_ulong};

use crate::kernel::bpf::BpfMap;
use crate::kernel::error::KernelError;
use crate::kernel::mapping::{page_size, Mapping};
use crate::kernel::ring::RingItem;

/// Set in a record's length word while the producer is still writing it.
const BUSY: u32 = 1 << 31;
/// Set when the producer discarded the record (`bpf_ringbuf_discard`).
const DISCARD: u32 = 1 << 30;
const HEADER_SIZE: usize = 8;

#[derive(Debug)]
pub struct Ringbuf {
    /// The map's fd, duplicated: poll(2) on it says when records are ready.
    fd: OwnedFd,
    consumer: Mapping,
    /// The producer page followed by the data pages, twice.
    producer: Mapping,
    data_size: usize,
    page: usize,
}

impl Ringbuf {
    /// Maps the ring of a RINGBUF map (`Ring::open` has checked the kind); the map's
    /// `max_entries` is its size in bytes.
    pub(super) fn open(map: &BpfMap) -> Result<Ringbuf, KernelError> {
        let spec = map.spec();
        let what = format!("ring buffer `{}`", spec.name);
        let page = page_size();
        let data_size = spec.max_entries as usize;
        let consumer = Mapping::new(map.as_fd(), page, 0, true, &what)?;
        let producer = Mapping::new(map.as_fd(), page + 2 * data_size, page, false, &what)?;
        let fd = super::duplicate(map.as_fd())
            .map_err(|error| KernelError::io(format!("duplicate the fd of the {what}"), &error))?;
        Ok(Ringbuf {
            fd,
            consumer,
            producer,
            data_size,
            page,
        })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Hands every record committed when it was called to `handle`, skipping discarded ones,
    /// up to the first one still being written; returns how many were handed. Records that
    /// come meanwhile wait for the next call: probes that write as fast as this reads must not
    /// keep the caller from its signals.
    pub fn drain(&mut self, handle: &mut dyn FnMut(RingItem)) -> usize {
        // The positions are the kernel's `unsigned long`s: 32 bits on a 32-bit machine, where
        // they wrap after 4 GiB of records, so they are compared by their difference.
        let mask = self.data_size as c_ulong - 1;
        let mut consumed = self.consumer.load_acquire_ulong(0);
        let produced = self.producer.load_acquire_ulong(0);
        let mut count = 0;
        while (produced.wrapping_sub(consumed) as c_long) > 0 {
            let start = self.page + (consumed & mask) as usize;
            let length_word = self.producer.load_acquire_u32(start);
            if length_word & BUSY != 0 {
                break;
            }
            let length = (length_word & !(BUSY | DISCARD)) as usize;
            if length_word & DISCARD == 0 {
                handle(RingItem::Sample(
                    self.producer.bytes(start + HEADER_SIZE, length),
                ));
                count += 1;
            }
            consumed = consumed.wrapping_add((HEADER_SIZE + length).next_multiple_of(8) as c_ulong);
            // Give the space back record by record, so a busy producer can reuse it at once.
            self.consumer.store_release_ulong(0, consumed);
        }
        count
    }
}
