//! kernel::trigger: the two functions of tine's own that BEGIN's and END's programs sit on as
//! uprobes where the kernel cannot test-run them (before 5.10): calling one runs its programs.
//! On 32-bit ARM they are ARM code, written in assembly: tine may be built as Thumb-2, and the
//! kernel's ARM uprobes take only ARM code.

/// One of the two functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    Begin,
    End,
}

impl Trigger {
    /// Where its code is in tine's memory, for a uprobe there.
    pub fn address(self) -> u64 {
        let code: usize = match self {
            Trigger::Begin => code::begin as *const () as usize,
            Trigger::End => code::end as *const () as usize,
        };
        code as u64
    }

    /// Calls it, so that the uprobe on it fires.
    pub fn fire(self) {
        match self {
            Trigger::Begin => code::call_begin(),
            Trigger::End => code::call_end(),
        }
    }
}

#[cfg(not(target_arch = "arm"))]
mod code {
    use std::hint::black_box;

    // Their bodies differ so that no optimisation folds them into one function, which would
    // fire BEGIN's programs at the end too.
    #[inline(never)]
    pub extern "C" fn begin() {
        black_box(1u8);
    }

    #[inline(never)]
    pub extern "C" fn end() {
        black_box(2u8);
    }

    pub fn call_begin() {
        begin();
    }

    pub fn call_end() {
        end();
    }
}

#[cfg(target_arch = "arm")]
mod code {
    // Two ARM functions, each its own address, that return at once. The assembler is told
    // their mode; the compiler marks the mode of each function of its own after them.
    core::arch::global_asm!(
        ".pushsection .text.tine_trigger,\"ax\",%progbits",
        ".arm",
        ".p2align 2",
        ".global tine_begin_trigger",
        ".type tine_begin_trigger,%function",
        "tine_begin_trigger:",
        "mov r0, #1",
        "bx lr",
        ".global tine_end_trigger",
        ".type tine_end_trigger,%function",
        "tine_end_trigger:",
        "mov r0, #2",
        "bx lr",
        ".popsection",
    );

    extern "C" {
        #[link_name = "tine_begin_trigger"]
        pub fn begin();
        #[link_name = "tine_end_trigger"]
        pub fn end();
    }

    pub fn call_begin() {
        // SAFETY: tine_begin_trigger above takes nothing, touches no memory but r0 (a
        // caller-saved register) and returns.
        unsafe { begin() }
    }

    pub fn call_end() {
        // SAFETY: as call_begin, for tine_end_trigger.
        unsafe { end() }
    }
}
