//! tests/common: the one check every kernel test makes first — can this process use BPF? When it
//! cannot, the test skips through `skip` (src/testing.rs, shared with the unit tests): it prints
//! why, unless TINE_REQUIRE_KERNEL=1 makes the skip a failure.

// Each test file compiles this module on its own and uses only some of it.
#![allow(dead_code)]

#[path = "../../src/testing.rs"]
pub mod testing;
pub use testing::skip;

use tine::kernel::bpf::{raise_memlock, Map, MapKind, MapSpec};

/// True when the test may talk to the kernel. Otherwise skips `test` (see `skip`) and returns false.
pub fn kernel_available(test: &str) -> bool {
    let reason = if effective_uid() != 0 {
        Some("not root".to_string())
    } else {
        let _ = raise_memlock();
        let probe = MapSpec {
            kind: MapKind::Array,
            name: "tine_test_probe".into(),
            key_size: 4,
            value_size: 8,
            max_entries: 1,
            flags: 0,
        };
        Map::create(&probe).err().map(|error| error.to_string())
    };
    match reason {
        None => true,
        Some(reason) => {
            skip(test, format_args!("BPF is unusable here: {reason}"));
            false
        }
    }
}

/// The effective uid, read from /proc so tests need no unsafe of their own.
fn effective_uid() -> u32 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("Uid:"))?;
            line.split_whitespace().nth(2)?.parse().ok()
        })
        .unwrap_or(u32::MAX)
}

/// Waits until none of `ids` is listed by `list`: an id is freed when the last reference to its
/// object goes, which for an attached program may lag the closing of its fds a little.
pub fn wait_until_gone(ids: &[u32], list: fn() -> Result<Vec<u32>, tine::kernel::KernelError>) {
    for _ in 0..200 {
        let live = list().expect("list object ids");
        if ids.iter().all(|id| !live.contains(id)) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    panic!("objects {ids:?} are still loaded after their owners were dropped");
}
