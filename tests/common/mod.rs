//! tests/common: the one check every kernel test makes first — can this process use BPF? When it
//! cannot, the test skips through `skip` (src/testing.rs, shared with the unit tests): it prints
//! why, unless TINE_REQUIRE_KERNEL=1 makes the skip a failure.

// Each test file compiles this module on its own and uses only some of it.
#![allow(dead_code)]

#[path = "../../src/testing.rs"]
pub mod testing;
pub use testing::skip;

use tine::kernel::bpf::{raise_memlock, BpfMap, MapSpec, MapType};

/// True when the test may talk to the kernel. Otherwise skips `test` (see `skip`) and returns false.
pub fn kernel_available(test: &str) -> bool {
    let reason = if effective_uid() != 0 {
        Some("not root".to_string())
    } else {
        let _ = raise_memlock();
        let probe = MapSpec {
            kind: MapType::Array,
            name: "tine_test_probe".into(),
            key_size: 4,
            value_size: 8,
            max_entries: 1,
            flags: 0,
        };
        BpfMap::create(&probe).err().map(|error| error.to_string())
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

/// A copy of `command` under a name no other process on the machine has, so a probe can pick
/// out what it does by `comm` alone.
pub fn unique_copy(command: &str, name: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(name);
    if !path.exists() {
        // A PATH search of our own: `command -v true` names the shell's builtin.
        let path_list = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
        let original = std::env::split_paths(&path_list)
            .map(|directory| directory.join(command))
            .find(|candidate| candidate.is_file())
            .expect("the command is on PATH");
        // Copied aside, then renamed: a half-copied file is never run.
        let partial = path.with_extension(format!("partial{}", std::process::id()));
        std::fs::copy(&original, &partial).expect("copy the command");
        std::fs::rename(&partial, &path).expect("rename the copy");
    }
    path
}

/// Two readers at once, one per CPU, each doing exactly `reads` one-byte reads of fd 0.
pub fn readers(reads: u32) -> String {
    let reader = unique_copy("dd", "tinereader");
    let reader = reader.display();
    format!(
        "taskset -c 0 {reader} bs=1 count={reads} status=none </dev/zero >/dev/null & \
         taskset -c 1 {reader} bs=1 count={reads} status=none </dev/zero >/dev/null & wait"
    )
}

/// `source` compiled by gcc with `flags` into a program `name` in a folder of this test run.
pub fn built(name: &str, source: &str, flags: &[&str]) -> Result<String, String> {
    let directory = std::env::temp_dir().join(format!("tine-test-{}", std::process::id()));
    std::fs::create_dir_all(&directory).map_err(|error| error.to_string())?;
    let source_path = directory.join(format!("{name}.c"));
    let binary: std::path::PathBuf = directory.join(name);
    std::fs::write(&source_path, source).map_err(|error| error.to_string())?;
    let output = std::process::Command::new("gcc")
        .args(flags)
        .arg("-o")
        .arg(&binary)
        .arg(&source_path)
        .output()
        .map_err(|error| format!("cannot run gcc: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "gcc failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(binary.to_string_lossy().into_owned())
}
