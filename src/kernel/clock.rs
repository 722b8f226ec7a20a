//! kernel::clock: the offset from the monotonic clock probes read (`bpf_ktime_get_ns`) to local
//! wall-clock time, measured once, so `walltime` prints as the user's clock reads.

// time_t and long are 32 bits on some 32-bit targets: the casts are not no-ops there.
#[allow(clippy::unnecessary_cast)]
fn now(clock: libc::clockid_t) -> i64 {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec, which lives on this stack frame.
    unsafe { libc::clock_gettime(clock, &mut time) };
    time.tv_sec as i64 * 1_000_000_000 + time.tv_nsec as i64
}

/// The local zone's offset from UTC now, in seconds (0 when it cannot be read).
#[allow(clippy::unnecessary_cast)]
fn local_offset_seconds(seconds_since_epoch: i64) -> i64 {
    // `as _`: time_t is the type localtime_r takes (libc deprecates naming it on musl).
    let time = seconds_since_epoch as _;
    // SAFETY: tm is plain data; all-zero is a valid value for it.
    let mut local: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: localtime_r reads `time` and writes only `local`, both on this stack frame.
    let converted = unsafe { libc::localtime_r(&time, &mut local) };
    if converted.is_null() {
        0
    } else {
        local.tm_gmtoff as i64
    }
}

/// Nanoseconds to add to a monotonic timestamp to get local time since the epoch.
pub fn wall_clock_offset() -> i64 {
    let real = now(libc::CLOCK_REALTIME);
    let monotonic = now(libc::CLOCK_MONOTONIC);
    real - monotonic + local_offset_seconds(real / 1_000_000_000) * 1_000_000_000
}

#[cfg(test)]
mod tests {
    #[test]
    fn monotonic_plus_offset_is_close_to_the_wall_clock() {
        let offset = super::wall_clock_offset();
        let utc = super::now(libc::CLOCK_REALTIME);
        let local = super::now(libc::CLOCK_MONOTONIC) + offset;
        let zone = super::local_offset_seconds(utc / 1_000_000_000) * 1_000_000_000;
        assert!(
            (local - zone - utc).abs() < 100_000_000,
            "{local} {zone} {utc}"
        );
    }
}
