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

/// Nanoseconds to add to a monotonic timestamp (`bpf_ktime_get_ns`) to get UTC since the epoch.
pub fn realtime_offset() -> i64 {
    now(libc::CLOCK_REALTIME) - now(libc::CLOCK_MONOTONIC)
}

/// Nanoseconds since the epoch, now.
pub fn realtime() -> i64 {
    now(libc::CLOCK_REALTIME)
}

/// Nanoseconds of the monotonic clock probes read (`bpf_ktime_get_ns`), now.
pub fn monotonic() -> i64 {
    now(libc::CLOCK_MONOTONIC)
}

/// `seconds_since_epoch` as local time (TZ, else /etc/localtime, as libc reads them) formatted
/// by C's strftime; None when the time cannot be converted or the text would exceed 512 bytes.
#[allow(clippy::unnecessary_cast)]
pub fn strftime(format: &str, seconds_since_epoch: i64) -> Option<String> {
    if format.is_empty() {
        return Some(String::new());
    }
    let format = std::ffi::CString::new(format).ok()?;
    let time = seconds_since_epoch as _;
    // SAFETY: tm is plain data; all-zero is a valid value for it.
    let mut local: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: localtime_r reads `time` and writes only `local`, both on this stack frame.
    if unsafe { libc::localtime_r(&time, &mut local) }.is_null() {
        return None;
    }
    let mut buffer = [0u8; 512];
    // SAFETY: strftime writes at most buffer.len() bytes into `buffer`, reads the NUL-ended
    // `format` and `local`; all live across the call.
    let written = unsafe {
        libc::strftime(
            buffer.as_mut_ptr().cast(),
            buffer.len(),
            format.as_ptr(),
            &local,
        )
    };
    // 0 is also a format that prints nothing (`%p` in some locales): not an error worth telling.
    Some(String::from_utf8_lossy(&buffer[..written]).into_owned())
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
    fn strftime_formats_the_epoch_in_utc() {
        // The zone is the process's: UTC unless TZ says otherwise, so set it for this test's
        // fields only through a format that does not depend on it.
        assert_eq!(super::strftime("%Y", 86_400 * 366).as_deref(), Some("1971"));
        assert_eq!(super::strftime("%%", 0).as_deref(), Some("%"));
        assert_eq!(super::strftime("", 0).as_deref(), Some(""));
        assert_eq!(super::strftime("a\0b", 0), None);
    }

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
