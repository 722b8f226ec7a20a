//! kernel::entry: the binary's start, C's `main`, in place of std's runtime. Part of the `tine`
//! binary only (main.rs includes it by path), so the library and its tests keep their own
//! `main`. std's start and exit cost a board binary 2 KB (an argument store, a stack-overflow
//! handler, a flush at exit of a stdout tine never uses) for what tine needs of them, done here:
//! the arguments, SIGPIPE ignored, and fds 0-2 open.

use std::ffi::{c_char, c_int, CStr};

/// # Safety
/// Called by libc's start code, with the arguments the kernel gave the process.
#[no_mangle]
unsafe extern "C" fn main(argc: c_int, argv: *const *const c_char) -> c_int {
    // A closed standard fd would be the number of the next file tine opens: output would go
    // into a perf event. Held open on /dev/null instead, as std does (poll marks a closed fd
    // POLLNVAL).
    let mut standard = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: poll reads and writes the three entries of `standard`, and waits for nothing.
    if unsafe { libc::poll(standard.as_mut_ptr(), 3, 0) } >= 0 {
        for entry in standard {
            if entry.revents & libc::POLLNVAL != 0 {
                // The lowest fd free, the one that was closed.
                tine::kernel::open_raw(c"/dev/null", libc::O_RDWR, 0);
            }
        }
    }
    // A write to a closed pipe is an EPIPE error, which tine answers (as std's runtime sets up).
    tine::kernel::signal::set_action(libc::SIGPIPE, libc::SIG_IGN);
    let mut arguments = Vec::new();
    for index in 1..usize::try_from(argc).unwrap_or(0) {
        // SAFETY: argv holds argc pointers to NUL-terminated strings, alive for the process.
        let argument = unsafe { CStr::from_ptr(*argv.add(index)) };
        arguments.push(argument.to_bytes().to_vec());
    }
    c_int::from(crate::run(arguments))
}
