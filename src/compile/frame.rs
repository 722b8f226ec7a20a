//! compile::frame: the 512-byte BPF stack of one program, handed out in 8-byte-aligned slots
//! below r10 and taken back at the end of each statement.

/// The verifier's limit for one program's stack.
pub const STACK_LIMIT: usize = 512;

#[derive(Default)]
pub struct Frame {
    used: usize,
}

impl Frame {
    /// A slot of `size` bytes (rounded up to 8), as an offset from r10; None past the limit.
    pub fn alloc(&mut self, size: usize) -> Option<i16> {
        let used = self.used + size.max(1).div_ceil(8) * 8;
        if used > STACK_LIMIT {
            return None;
        }
        self.used = used;
        Some(-(used as i16))
    }

    /// Where the next slot would start; `release` to it frees everything allocated after.
    pub fn mark(&self) -> usize {
        self.used
    }

    pub fn release(&mut self, mark: usize) {
        self.used = mark;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_aligned_released_and_bounded() {
        let mut frame = Frame::default();
        assert_eq!(frame.alloc(16), Some(-16));
        let mark = frame.mark();
        assert_eq!(frame.alloc(3), Some(-24));
        frame.release(mark);
        assert_eq!(frame.alloc(8), Some(-24));
        assert_eq!(frame.alloc(488), Some(-512));
        assert_eq!(frame.alloc(1), None);
    }
}
