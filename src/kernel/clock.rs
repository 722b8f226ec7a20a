//! kernel::clock: the offset from the monotonic clock probes read (`bpf_ktime_get_ns`) to local
//! wall-clock time, measured once, so `walltime` prints as the user's clock reads.

use crate::words::nth_word;

// time_t and long are 32 bits on some 32-bit targets: the casts are not no-ops there.
#[allow(clippy::unnecessary_cast)]
fn now(clock: libc::clockid_t) -> i64 {
    let mut time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // On 64-bit targets the system call itself: libc's clock_gettime links its vDSO lookup
    // (~900 bytes) for calls made a few times a wakeup. On 32-bit ones libc's, which makes the
    // 64-bit-time call where the kernel has it.
    // SAFETY: clock_gettime writes one timespec, which lives on this stack frame.
    #[cfg(target_pointer_width = "64")]
    unsafe {
        libc::syscall(libc::SYS_clock_gettime, clock, &mut time)
    };
    // SAFETY: as above.
    #[cfg(not(target_pointer_width = "64"))]
    unsafe {
        libc::clock_gettime(clock, &mut time)
    };
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

/// `realtime` (nanoseconds since the epoch) as local time (TZ, else /etc/localtime, as libc
/// reads them) formatted as C's strftime does in the C locale, with bpftrace's `%f` for the
/// microseconds; None when libc cannot convert the time. Formatted here rather than by libc's
/// strftime, which links musl's whole printf (~8 KB) into the board binary. As musl's strftime,
/// a conversion it does not know (or width and `+` flags) prints nothing at all.
#[allow(clippy::unnecessary_cast)]
pub fn strftime(format: &str, realtime: i64) -> Option<String> {
    let seconds = realtime.div_euclid(1_000_000_000);
    let time = seconds as _;
    // SAFETY: tm is plain data; all-zero is a valid value for it.
    let mut local: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: localtime_r reads `time` and writes only `local`, both on this stack frame.
    if unsafe { libc::localtime_r(&time, &mut local) }.is_null() {
        return None;
    }
    let zone = if local.tm_zone.is_null() {
        String::new()
    } else {
        // SAFETY: a non-null tm_zone from localtime_r is a NUL-ended string libc keeps alive.
        unsafe { std::ffi::CStr::from_ptr(local.tm_zone) }
            .to_string_lossy()
            .into_owned()
    };
    let fields = Fields {
        year: local.tm_year as i64 + 1900,
        month: local.tm_mon as usize,
        day: local.tm_mday as i64,
        hour: local.tm_hour as i64,
        minute: local.tm_min as i64,
        second: local.tm_sec as i64,
        weekday: local.tm_wday as i64,
        yearday: local.tm_yday as i64,
        offset: local.tm_gmtoff as i64,
        zone,
        seconds,
        microseconds: realtime.rem_euclid(1_000_000_000) / 1000,
    };
    let mut out = String::with_capacity(format.len() + 16);
    Some(if fields.write(&mut out, format) {
        out
    } else {
        String::new()
    })
}

/// A broken-down local time, as struct tm holds it, for `strftime`.
struct Fields {
    year: i64,
    /// 0 to 11.
    month: usize,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    /// 0 (Sunday) to 6.
    weekday: i64,
    /// 0 to 365.
    yearday: i64,
    /// Seconds east of UTC.
    offset: i64,
    zone: String,
    seconds: i64,
    microseconds: i64,
}

// Lists of words (see `crate::words`).
const DAYS: &str = "Sunday Monday Tuesday Wednesday Thursday Friday Saturday";
const MONTHS: &str =
    "January February March April May June July August September October November December";

/// The conversions that are others in one: `%c`, `%D` ... as the C locale spells them, each
/// its letter then what it stands for, `|`-separated (one string, not a table of `&str`s).
const SHORTHANDS: &str =
    "c%a %b %e %T %Y|D%m/%d/%y|x%m/%d/%y|F%Y-%m-%d|R%H:%M|T%H:%M:%S|X%H:%M:%S|r%I:%M:%S %p";

/// The conversions that print a number, and the width each is padded to.
const NUMERIC: &str = "fCdeGgHIjmMsSuUVwWyY";
const NUMERIC_WIDTHS: [u8; 20] = [6, 2, 2, 2, 4, 2, 2, 2, 3, 2, 2, 1, 2, 1, 2, 2, 1, 2, 2, 4];

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

impl Fields {
    /// Appends `format` expanded; false at a conversion C's strftime (musl's) refuses.
    fn write(&self, out: &mut String, format: &str) -> bool {
        let mut chars = format.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let mut conversion = chars.next();
            // musl's padding flags: `-` none, `_` spaces, `0` zeros.
            let pad = match conversion {
                Some(flag @ ('-' | '_' | '0')) => {
                    conversion = chars.next();
                    Some(flag)
                }
                _ => None,
            };
            // The E and O modifiers change nothing in the C locale.
            if let Some('E' | 'O') = conversion {
                conversion = chars.next();
            }
            let Some(conversion) = conversion else {
                return false;
            };
            if !self.conversion(out, conversion, pad) {
                return false;
            }
        }
        true
    }

    fn conversion(&self, out: &mut String, conversion: char, pad: Option<char>) -> bool {
        for shorthand in crate::words::split(SHORTHANDS, b'|') {
            if let Some(expansion) = shorthand.strip_prefix(conversion) {
                return self.write(out, expansion);
            }
        }
        let day = nth_word(DAYS, self.weekday as usize).unwrap_or_default();
        let month = nth_word(MONTHS, self.month).unwrap_or_default();
        let text = match conversion {
            'a' => &day[..3],
            'A' => day,
            'b' | 'h' => &month[..3],
            'B' => month,
            'p' => ["AM", "PM"][usize::from(self.hour >= 12)],
            'n' => "\n",
            't' => "\t",
            '%' => "%",
            'Z' => &self.zone,
            _ => return self.numeric(out, conversion, pad),
        };
        out.push_str(text);
        true
    }

    /// The conversions that print a number (`%z` among them).
    fn numeric(&self, out: &mut String, conversion: char, pad: Option<char>) -> bool {
        if conversion == 'z' {
            let minutes = self.offset / 60;
            out.push(if minutes < 0 { '-' } else { '+' });
            let minutes = minutes.abs();
            number(out, minutes / 60 * 100 + minutes % 60, 4, '0');
            return true;
        }
        let Some(index) = NUMERIC
            .bytes()
            .position(|letter| char::from(letter) == conversion)
        else {
            return false;
        };
        let (iso_year, iso_week) = self.iso_week();
        // In the order of `NUMERIC`.
        let values = [
            self.microseconds,
            self.year.div_euclid(100),
            self.day,
            self.day,
            iso_year,
            iso_year.rem_euclid(100),
            self.hour,
            (self.hour + 11) % 12 + 1,
            self.yearday + 1,
            self.month as i64 + 1,
            self.minute,
            self.seconds,
            self.second,
            (self.weekday + 6) % 7 + 1,
            (self.yearday + 7 - self.weekday) / 7,
            iso_week,
            self.weekday,
            (self.yearday + 7 - (self.weekday + 6) % 7) / 7,
            self.year.rem_euclid(100),
            self.year,
        ];
        let width = usize::from(NUMERIC_WIDTHS[index]);
        let (width, fill) = match pad {
            Some('-') => (1, '0'),
            Some('_') => (width, ' '),
            Some(_) => (width, '0'),
            // `%e` is the one padded with spaces unless told otherwise.
            None if conversion == 'e' => (width, ' '),
            None => (width, '0'),
        };
        number(out, values[index], width, fill);
        true
    }

    /// The ISO 8601 week-based year and week (1 to 53): weeks start on Monday, and week 1
    /// holds the year's first Thursday.
    fn iso_week(&self) -> (i64, i64) {
        let monday_based = (self.weekday + 6) % 7;
        let week = (self.yearday - monday_based + 10) / 7;
        // Weekday (Monday 0) of January 1st of this year, and the weeks a year has: 53 when
        // it starts on a Thursday, or on a Wednesday in a leap year.
        let january_first = (monday_based - self.yearday).rem_euclid(7);
        let weeks = |january_first: i64, year: i64| {
            if january_first == 3 || (january_first == 2 && is_leap(year)) {
                53
            } else {
                52
            }
        };
        if week < 1 {
            let last_year = self.year - 1;
            let days = if is_leap(last_year) { 366 } else { 365 };
            let first = (january_first - days).rem_euclid(7);
            (last_year, weeks(first, last_year))
        } else if week > weeks(january_first, self.year) {
            (self.year + 1, 1)
        } else {
            (self.year, week)
        }
    }
}

/// `value` in decimal, padded with `pad` to `width` characters (after a minus sign).
fn number(out: &mut String, value: i64, width: usize, pad: char) {
    if value < 0 {
        out.push('-');
    }
    let digits = value.unsigned_abs().to_string();
    for _ in digits.len()..width {
        out.push(pad);
    }
    out.push_str(&digits);
}

/// Nanoseconds to add to a monotonic timestamp to get local time since the epoch.
pub fn wall_clock_offset() -> i64 {
    let real = now(libc::CLOCK_REALTIME);
    let monotonic = now(libc::CLOCK_MONOTONIC);
    real - monotonic + local_offset_seconds(real / 1_000_000_000) * 1_000_000_000
}

#[cfg(test)]
mod tests {
    /// libc's strftime of `seconds` as local time.
    #[allow(clippy::unnecessary_cast)]
    fn libc_strftime(format: &str, seconds: i64) -> String {
        let format = std::ffi::CString::new(format).unwrap();
        let time = seconds as _;
        // SAFETY: tm is plain data; all-zero is a valid value for it.
        let mut local: libc::tm = unsafe { std::mem::zeroed() };
        // SAFETY: localtime_r reads `time` and writes only `local`, both on this stack frame.
        assert!(!unsafe { libc::localtime_r(&time, &mut local) }.is_null());
        let mut buffer = [0u8; 256];
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
        String::from_utf8(buffer[..written].to_vec()).unwrap()
    }

    #[test]
    fn strftime_prints_every_conversion_as_libc_does() {
        let conversions = "aAbBcCdDeFgGhHIjmMnprRsStTuUVwWxXyYzZ%";
        let mut formats: Vec<String> = conversions.chars().map(|c| format!("<%{c}>")).collect();
        formats.extend(["%-d %_m %0e %-j", "%Ey %OH", "at %H:%M:%S on %Y-%m-%d"].map(String::from));
        // Every 13 days and 7 hours from 1969 to 2045: each weekday on each side of every
        // New Year (ISO weeks 52, 53 and 1), leap years, AM and PM.
        // (To 2038 only where the libc crate's time_t is 32 bits: 32-bit musl targets.)
        let end = if std::mem::size_of::<libc::time_t>() < 8 {
            i64::from(i32::MAX) - 14 * 86_400
        } else {
            2_400_000_000
        };
        let mut seconds = -86_400 * 400;
        while seconds < end {
            for format in &formats {
                assert_eq!(
                    super::strftime(format, seconds * 1_000_000_000).unwrap(),
                    libc_strftime(format, seconds),
                    "{format} at {seconds}"
                );
            }
            seconds += 13 * 86_400 + 7 * 3600 + 59;
        }
    }

    #[test]
    fn strftime_reads_percent_f_as_the_microseconds() {
        // 1_500_000_007 s and 123_456_789 ns: seconds and microseconds read alike in any zone.
        let realtime = 1_500_000_007 * 1_000_000_000 + 123_456_789;
        assert_eq!(
            super::strftime("%S.%f %%f", realtime).unwrap(),
            "07.123456 %f"
        );
        assert_eq!(super::strftime("%f", 999).unwrap(), "000000");
        assert_eq!(super::strftime("", 0).unwrap(), "");
    }

    #[test]
    fn strftime_prints_nothing_for_a_conversion_musl_refuses() {
        assert_eq!(super::strftime("a %Q b", 0).unwrap(), "");
        assert_eq!(super::strftime("a %", 0).unwrap(), "");
        assert_eq!(super::strftime("a %4Y", 0).unwrap(), "");
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
