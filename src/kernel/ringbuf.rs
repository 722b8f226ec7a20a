//! kernel::ringbuf: the consumer side of a BPF ring buffer map (5.8+) — one ring shared by all
//! CPUs: a consumer page we write, a producer page and the data (mapped twice, back to back, so
//! no record wraps) that the kernel writes.

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use crate::kernel::bpf::{Map, MapKind};
use crate::kernel::error::KernelError;
use crate::kernel::mapping::{page_size, Mapping};
use crate::kernel::ring::Record;

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
    /// Maps the ring of a RINGBUF map; the map's `max_entries` is its size in bytes.
    pub fn open(map: &Map) -> Result<Ringbuf, KernelError> {
        let spec = map.spec();
        let what = format!("ring buffer `{}`", spec.name);
        if spec.kind != MapKind::Ringbuf {
            return Err(KernelError::message(
                format!("map the {what}"),
                "the map is not a ring buffer",
            ));
        }
        Ringbuf::map(map.as_fd(), spec.max_entries as usize, &what)
    }

    /// Maps a ring of `data_size` bytes laid out as the kernel's: the consumer page, then the
    /// producer page and the data.
    fn map(fd: BorrowedFd, data_size: usize, what: &str) -> Result<Ringbuf, KernelError> {
        let page = page_size();
        let consumer = Mapping::new(fd, page, 0, true, what)?;
        let producer = Mapping::new(fd, page + 2 * data_size, page, false, what)?;
        let fd = fd
            .try_clone_to_owned()
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

    /// Hands every committed record to `handle`, skipping discarded ones, up to the first one
    /// still being written; returns how many were handed.
    pub fn drain(&mut self, handle: &mut dyn FnMut(Record)) -> usize {
        // The positions are the kernel's `unsigned long`s, wrapping: on 32-bit, reading 8 bytes
        // took the word after producer_pos (pending_pos, since 6.10 and in 6.1's stable
        // updates) for its high half, and the loop below re-read the ring forever.
        let mask = self.data_size - 1;
        let mut consumed = self.consumer.load_acquire_usize(0);
        let mut count = 0;
        loop {
            let produced = self.producer.load_acquire_usize(0);
            if produced.wrapping_sub(consumed) as isize <= 0 {
                break;
            }
            let start = self.page + (consumed & mask);
            let length_word = self.producer.load_acquire_u32(start);
            if length_word & BUSY != 0 {
                break;
            }
            let length = (length_word & !(BUSY | DISCARD)) as usize;
            if length_word & DISCARD == 0 {
                handle(Record::Sample(
                    self.producer.bytes(start + HEADER_SIZE, length),
                ));
                count += 1;
            }
            consumed = consumed.wrapping_add((HEADER_SIZE + length).next_multiple_of(8));
            // Give the space back record by record, so a busy producer can reuse it at once.
            self.consumer.store_release_usize(0, consumed);
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileExt;

    /// A ring laid out as the kernel's in a file: one record committed, and the word after
    /// producer_pos (the kernel's pending_pos) set as the kernel leaves it. Read as part of
    /// the position, as 32-bit builds once did, it made the ring look endless.
    #[test]
    fn positions_are_unsigned_longs_and_the_next_word_is_not_read() {
        let page = page_size();
        let data_size = page;
        let path = std::env::temp_dir().join(format!("tine-ringbuf-test-{}", std::process::id()));
        let file = std::fs::File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .expect("create the ring file");
        std::fs::remove_file(&path).ok();
        file.set_len((2 * page + 2 * data_size) as u64)
            .expect("size the ring file");
        let word = size_of::<usize>();
        let record_end: usize = HEADER_SIZE + 8;
        let write = |offset: usize, bytes: &[u8]| {
            file.write_all_at(bytes, offset as u64)
                .expect("write the ring file")
        };
        // producer_pos, then pending_pos; the record: length 5, page offset, payload.
        write(page, &record_end.to_ne_bytes());
        write(page + word, &record_end.to_ne_bytes());
        write(2 * page, &5u32.to_ne_bytes());
        write(2 * page + 8, b"tine!");
        let mut ring = Ringbuf::map(file.as_fd(), data_size, "test ring").expect("map the ring");
        let mut samples = Vec::new();
        let count = ring.drain(&mut |record| match record {
            Record::Sample(bytes) => samples.push(bytes.to_vec()),
            Record::Lost(count) => panic!("lost {count}"),
        });
        assert_eq!(count, 1);
        assert_eq!(samples, [b"tine!".to_vec()]);
        let mut consumed = [0u8; size_of::<usize>()];
        file.read_exact_at(&mut consumed, 0)
            .expect("read consumer_pos");
        assert_eq!(usize::from_ne_bytes(consumed), record_end);
        // Nothing more until the producer moves on.
        assert_eq!(
            ring.drain(&mut |_| panic!("a record that was not written")),
            0
        );
    }
}
