//! kernel::zone: the local time zone, read as musl's localtime reads it (TZ, else
//! /etc/localtime): a TZif file's transitions, a POSIX TZ rule (`EST5EDT,M3.2.0,M11.1.0`)
//! alone or after a file's last transition, and the calendar arithmetic they need. tine's own,
//! giving musl's results (its quirks kept), where musl's tzset, TZif and rule parsing and
//! broken-down time weighed ~6 KB of the board binary.

/// Where a zone named by TZ (`Europe/Moscow`) is looked for, in musl's order.
const SEARCH: [&str; 3] = ["/usr/share/zoneinfo/", "/share/zoneinfo/", "/etc/zoneinfo/"];

/// A time zone: a TZif file's transitions, and the rule for times after the last (or the rule
/// alone, when `file` is empty).
#[derive(Default)]
pub struct Zone {
    file: Vec<u8>,
    /// Where in `file` the transition times start (each `width` bytes, then a type index
    /// byte each), and where the types (6 bytes each) and their abbreviations start.
    transitions: u64,
    count: u64,
    width: u64,
    types: u64,
    type_count: u64,
    abbreviations: u64,
    rule: Rule,
}

/// A POSIX TZ rule: standard time, then daylight time.
#[derive(Default)]
struct Rule {
    /// Abbreviations, at most 6 bytes as musl keeps them.
    names: [Vec<u8>; 2],
    /// Seconds west of UTC, as TZ writes them.
    west: [i64; 2],
    daylight: bool,
    /// When daylight time starts, then ends: the kind (`J`, `M` or 0), its one or three
    /// numbers, and the time of day in seconds.
    changes: [[i64; 5]; 2],
}

impl Zone {
    /// The zone TZ names, else /etc/localtime's.
    pub fn local() -> Zone {
        Zone::new(&super::env_bytes("TZ").unwrap_or_else(|| b"/etc/localtime".to_vec()))
    }

    /// The zone a value of TZ names: a POSIX rule (`UTC0`, `<+03>-3`, `JST-9`), else a TZif
    /// file (`:path`, a path, or a name under the zoneinfo folders); UTC when no file reads as
    /// one. (Set-user-ID, musl reads only the zoneinfo folders; tine is not run so.)
    pub fn new(tz: &[u8]) -> Zone {
        let mut zone = Zone::default();
        let mut rule: &[u8] = if tz.is_empty() || tz.len() > 4097 {
            b"UTC"
        } else {
            tz
        };
        let mut text = rule;
        let name = name(&mut text);
        let is_rule = text.len() < rule.len()
            && (matches!(peek(text), b'+' | b'-' | b'0'..=b'9')
                || name == b"UTC"
                || name == b"GMT");
        if !is_rule {
            let path = rule.strip_prefix(b":").unwrap_or(rule);
            let read = |folder: &str| {
                use std::os::unix::ffi::OsStrExt;
                let mut full = folder.as_bytes().to_vec();
                full.extend_from_slice(path);
                super::read_file(std::ffi::OsStr::from_bytes(&full)).ok()
            };
            let file = if let Some(b'/' | b'.') = path.first() {
                read("")
            } else if path.len() <= 255 && !path.contains(&b'.') {
                SEARCH.iter().find_map(|folder| read(folder))
            } else {
                None
            };
            zone.file = file.unwrap_or_default();
            rule = b"UTC";
        }
        if let Some(footer) = zone.read_file() {
            zone.rule = rule_of(&zone.file[footer..]);
        } else {
            zone.file.clear();
            zone.rule = rule_of(rule);
        }
        zone
    }

    /// Where the transitions and types are in `file`, and where its footer starts; None
    /// when it is no TZif file, or one without the footer of version 2 (a file of version 1
    /// alone, which musl misreads as one of version 2).
    fn read_file(&mut self) -> Option<usize> {
        if self.file.len() < 44 || !self.file.starts_with(b"TZif") {
            return None;
        }
        self.width = 4;
        self.transitions = 44;
        // As musl: a version byte other than '1' means 64-bit data after the 32-bit block,
        // which the header's counts size.
        if self.file[4] != b'1' {
            self.width = 8;
            self.transitions = [1, 1, 8, 5, 6, 1]
                .iter()
                .zip(0..)
                .map(|(size, field)| size * self.count_at(20 + 4 * field))
                .sum::<u64>()
                + 88;
        }
        self.count = self.count_at(self.transitions - 12);
        self.type_count = self.count_at(self.transitions - 8);
        self.types = self.transitions + self.count * (self.width + 1);
        self.abbreviations = self.types + 6 * self.type_count;
        let (b'\n', body) = self.file.split_last()? else {
            return None;
        };
        if self.abbreviations + self.count_at(self.transitions - 4) > body.len() as u64 {
            return None;
        }
        Some(
            body.iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |at| at + 1),
        )
    }

    /// Seconds east of UTC and the zone's abbreviation at `seconds` since the epoch.
    pub fn at(&self, seconds: i64) -> (i64, &[u8]) {
        match self.type_at(seconds) {
            Some(index) => (self.offset(index), self.abbreviation(index)),
            None => {
                let kind = usize::from(self.rule.is_daylight(seconds));
                (-self.rule.west[kind], &self.rule.names[kind])
            }
        }
    }

    /// The local time type at `seconds` by the file's transitions; None when the rule says
    /// (no file, or after the last transition).
    fn type_at(&self, seconds: i64) -> Option<u64> {
        if self.file.is_empty() {
            return None;
        }
        if self.count == 0 {
            return Some(0);
        }
        let time = |index: u64| self.signed(self.transitions + index * self.width, self.width);
        // musl's binary search for the last transition at or before `seconds`.
        let (mut last, mut left) = (0, self.count);
        while left > 1 {
            let middle = last + left / 2;
            if seconds < time(middle) {
                left /= 2;
            } else {
                last = middle;
                left -= left / 2;
            }
        }
        if last == self.count - 1 {
            return None;
        }
        if last == 0 && seconds < time(0) {
            // Before the first transition: the first standard type, else the first.
            return Some(
                (0..self.type_count)
                    .find(|&index| !self.is_daylight(index))
                    .unwrap_or(0),
            );
        }
        Some(self.byte(self.transitions + self.count * self.width + last))
    }

    fn byte(&self, at: u64) -> u64 {
        let byte = usize::try_from(at).ok().and_then(|at| self.file.get(at));
        byte.map_or(0, |&byte| u64::from(byte))
    }

    /// The big-endian signed number of `width` bytes at `at` (0 past the end).
    fn signed(&self, at: u64, width: u64) -> i64 {
        let unsigned = (at..at + width).fold(0, |value, at| value << 8 | self.byte(at));
        let unused = 64 - 8 * width;
        (unsigned << unused) as i64 >> unused
    }

    fn count_at(&self, at: u64) -> u64 {
        self.signed(at, 4) as u32 as u64
    }

    fn offset(&self, index: u64) -> i64 {
        self.signed(self.types + 6 * index, 4)
    }

    fn is_daylight(&self, index: u64) -> bool {
        self.byte(self.types + 6 * index + 4) != 0
    }

    fn abbreviation(&self, index: u64) -> &[u8] {
        let at = self.abbreviations + self.byte(self.types + 6 * index + 5);
        let rest = usize::try_from(at)
            .ok()
            .and_then(|at| self.file.get(at..))
            .unwrap_or_default();
        rest.split(|&c| c == 0).next().unwrap_or_default()
    }
}

impl Rule {
    fn is_daylight(&self, seconds: i64) -> bool {
        if !self.daylight {
            return false;
        }
        // As musl finds the year: at its first second, the year before may be taken.
        let mut year = seconds / 31_556_952 + 1970;
        while days_before(year, 1) * 86_400 > seconds {
            year -= 1;
        }
        while days_before(year + 1, 1) * 86_400 < seconds {
            year += 1;
        }
        let start = change(&self.changes[0], year) + self.west[0];
        let end = change(&self.changes[1], year) + self.west[1];
        if start < end {
            start <= seconds && seconds < end
        } else {
            !(end <= seconds && seconds < start)
        }
    }
}

/// The byte `text` starts with, 0 at its end (as at C's NUL).
fn peek(text: &[u8]) -> u8 {
    text.first().copied().unwrap_or(0)
}

fn skip(text: &mut &[u8]) {
    *text = text.get(1..).unwrap_or_default();
}

/// Decimal digits, as musl reads them into a C int.
fn number(text: &mut &[u8]) -> i64 {
    let mut value = 0u32;
    while let digit @ 0..=9 = peek(text).wrapping_sub(b'0') {
        value = value.wrapping_mul(10).wrapping_add(u32::from(digit));
        skip(text);
    }
    i64::from(value as i32)
}

/// `[+-]hh[:mm[:ss]]` in seconds.
fn offset(text: &mut &[u8]) -> i64 {
    let sign = match peek(text) {
        b'-' => -1,
        b'+' => 1,
        _ => 0,
    };
    if sign != 0 {
        skip(text);
    }
    let mut seconds = 3600 * number(text);
    if peek(text) == b':' {
        skip(text);
        seconds += 60 * number(text);
        if peek(text) == b':' {
            skip(text);
            seconds += number(text);
        }
    }
    if sign < 0 {
        -seconds
    } else {
        seconds
    }
}

/// A zone's abbreviation: letters, or anything between `<` and `>`; musl keeps 6 bytes.
fn name(text: &mut &[u8]) -> Vec<u8> {
    let quoted = peek(text) == b'<';
    if quoted {
        skip(text);
    }
    let length = text
        .iter()
        .position(|&c| {
            if quoted {
                c == 0 || c == b'>'
            } else {
                !c.is_ascii_alphabetic()
            }
        })
        .unwrap_or(text.len());
    let name = text[..length.min(6)].to_vec();
    *text = &text[length..];
    if quoted && peek(text) != 0 {
        skip(text);
    }
    name
}

/// A POSIX TZ rule: `std offset [dst [offset] [,start[/time],end[/time]]]`.
fn rule_of(mut text: &[u8]) -> Rule {
    let mut rule = Rule::default();
    rule.names[0] = name(&mut text);
    rule.west[0] = offset(&mut text);
    rule.names[1] = name(&mut text);
    rule.daylight = !rule.names[1].is_empty();
    rule.west[1] = if matches!(peek(text), b'+' | b'-' | b'0'..=b'9') {
        offset(&mut text)
    } else {
        rule.west[0] - 3600
    };
    for change in &mut rule.changes {
        if peek(text) == b',' {
            skip(&mut text);
            // `Jn` (1 to 365, no February 29th), `n` (0 to 365), or `Mm.w.d`.
            change[0] = i64::from(peek(text));
            if change[0] == i64::from(b'M') {
                for field in &mut change[1..4] {
                    skip(&mut text);
                    *field = number(&mut text);
                }
            } else {
                if change[0] == i64::from(b'J') {
                    skip(&mut text);
                } else {
                    change[0] = 0;
                }
                change[1] = number(&mut text);
            }
            change[4] = if peek(text) == b'/' {
                skip(&mut text);
                offset(&mut text)
            } else {
                7200
            };
        }
    }
    rule
}

/// When a rule's change happens in `year`, in seconds since the epoch (local time of the
/// zone it changes from).
fn change(rule: &[i64; 5], year: i64) -> i64 {
    let leap = is_leap(year);
    let day = if rule[0] == i64::from(b'M') {
        let [_, month, mut week, weekday, _] = *rule;
        let first = days_before(year, month);
        // C's remainder, as musl: negative before 1970, which puts the day a week late there.
        let mut days = weekday - (first + 4) % 7;
        if days < 0 {
            days += 7;
        }
        if week == 5 && days + 28 >= days_before(year, month + 1) - first {
            week = 4;
        }
        first + days + 7 * (week - 1)
    } else {
        let mut day = rule[1];
        if rule[0] == i64::from(b'J') && (day < 60 || !leap) {
            day -= 1;
        }
        days_before(year, 1) + day
    };
    day * 86_400 + rule[4]
}

pub fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days from 1970-01-01 to the first of `month` (1 to 12; 13 is January of the next year) of
/// `year`, in the proleptic Gregorian calendar.
pub fn days_before(year: i64, month: i64) -> i64 {
    // Years that start in March, so that February 29th ends one.
    let year = year - i64::from(month <= 2);
    let month = (month + 9) % 12;
    let of_era = year.rem_euclid(400);
    year.div_euclid(400) * 146_097 + of_era * 365 + of_era / 4 - of_era / 100
        + (153 * month + 2) / 5
        - 719_468
}

/// The year, month (0 to 11) and day of the month of `days` since 1970-01-01.
pub fn civil(days: i64) -> (i64, i64, i64) {
    let days = days + 719_468;
    let of_era = days.rem_euclid(146_097);
    let year_of_era = (of_era - of_era / 1460 + of_era / 36_524 - of_era / 146_096) / 365;
    // Days since March 1st, and months since March.
    let of_year = of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month = (5 * of_year + 2) / 153;
    let year = days.div_euclid(146_097) * 400 + year_of_era + i64::from(month >= 10);
    (year, (month + 2) % 12, of_year - (153 * month + 2) / 5 + 1)
}

#[cfg(test)]
mod tests {
    use super::Zone;

    /// The times a zone is compared at, within what the libc crate's time_t holds (32 bits
    /// on 32-bit targets): every 13 days and 7 hours from `first`, and each second on
    /// either side of every change of offset or abbreviation `zone` finds between two of them.
    fn times(zone: &Zone, first: i64) -> Vec<i64> {
        let end = if cfg!(target_pointer_width = "32") {
            i64::from(i32::MAX) - 14 * 86_400
        } else {
            2_400_000_000
        };
        let mut times = Vec::new();
        let mut time = first;
        while time < end {
            let next = time + 13 * 86_400 + 7 * 3600 + 59;
            times.push(time);
            let (mut before, mut after) = (time, next);
            if zone.at(before) != zone.at(after) {
                while after - before > 1 {
                    let middle = before + (after - before) / 2;
                    if zone.at(middle) == zone.at(before) {
                        before = middle;
                    } else {
                        after = middle;
                    }
                }
                times.extend([before, after]);
            }
            time = next;
        }
        times
    }

    /// Run by `zones_are_read_as_libc_reads_them` as a child, with TZ set: libc's offset and
    /// abbreviation at each time of TINE_LIBC_TIMES. Alone (the variable unset), nothing.
    #[test]
    #[allow(clippy::unnecessary_cast)]
    fn libc_zones() {
        let Ok(times) = std::env::var("TINE_LIBC_TIMES") else {
            return;
        };
        for time in times.split(' ') {
            let seconds = time.parse::<i64>().unwrap() as _;
            // SAFETY: tm is plain data; all-zero is a valid value for it.
            let mut local: libc::tm = unsafe { std::mem::zeroed() };
            // SAFETY: localtime_r reads `seconds` and writes only `local`, both on this stack
            // frame.
            assert!(!unsafe { libc::localtime_r(&seconds, &mut local) }.is_null());
            // SAFETY: localtime_r's tm_zone is a NUL-ended string libc keeps alive.
            let name = unsafe { std::ffi::CStr::from_ptr(local.tm_zone) };
            println!("libc {time} {} {}", local.tm_gmtoff, name.to_string_lossy());
        }
    }

    /// `tz` (None: unset) read by tine and by libc, in a child process (setting TZ here would
    /// race the other tests' reads of the environment), from `first` on.
    fn compare(tz: Option<&str>, first: i64) {
        let zone = Zone::new(tz.unwrap_or("/etc/localtime").as_bytes());
        let times = times(&zone, first);
        let list: Vec<String> = times.iter().map(i64::to_string).collect();
        let mut child = std::process::Command::new(std::env::current_exe().unwrap());
        child
            .args(["--exact", "kernel::zone::tests::libc_zones", "--nocapture"])
            .env("TINE_LIBC_TIMES", list.join(" "));
        match tz {
            Some(tz) => child.env("TZ", tz),
            None => child.env_remove("TZ"),
        };
        let output = child.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let libc: Vec<&str> = stdout
            .lines()
            .filter_map(|line| line.strip_prefix("libc "))
            .collect();
        assert_eq!(libc.len(), times.len(), "TZ={tz:?}: {stdout}");
        for (libc, time) in libc.iter().zip(times) {
            let (offset, name) = zone.at(time);
            let ours = format!("{time} {offset} {}", String::from_utf8_lossy(name));
            assert_eq!(*libc, ours, "TZ={tz:?}");
        }
    }

    #[test]
    fn zones_are_read_as_libc_reads_them() {
        // Where glibc and musl agree: rules with their dates, and Debian's zoneinfo files
        // (Dublin's winter is its daylight time; Casablanca's file lists changes to 2087).
        let tz = [
            "UTC0",
            "JST-9",
            "<+03>-3",
            "IST-5:30",
            "<-0330>3:30",
            "EST5EDT,M3.2.0,M11.1.0",
            "CET-1CEST,M3.5.0,M10.5.0/3",
            "NZST-12NZDT,M9.5.0,M4.1.0/3",
            "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
            "AAA3BBB,J60/1:30,J300/4",
            "AAA-2BBB-4:15,59,305/0",
            "America/New_York",
            ":Europe/Moscow",
            "/usr/share/zoneinfo/Australia/Sydney",
            "Europe/Dublin",
            "Africa/Casablanca",
            "America/Sao_Paulo",
        ];
        for tz in tz {
            compare(Some(tz), 0);
        }
        compare(None, 0);
        // musl's own readings, where glibc's differ: daylight time without dates, empty or
        // unknown names, abbreviations cut at 6 bytes, rules' dates before 1970, and times
        // before a file's first change.
        #[cfg(target_env = "musl")]
        for tz in [
            "EST5EDT",
            "",
            ":",
            "NoSuchZone",
            "No/Such/Zone",
            "UTC",
            "GMT",
            "LONGNAME5LONGERNAME",
            "<A B>5<>",
            "EST5EDT,M3.2.0,M11.1.0",
            "NZST-12NZDT,M9.5.0,M4.1.0/3",
            "America/New_York",
            "Europe/Moscow",
            "/etc/passwd",
            "./no",
        ] {
            compare(Some(tz), -2_100_000_000);
        }
    }

    #[test]
    fn a_zoneinfo_file_is_read() {
        let path = "/usr/share/zoneinfo/America/New_York";
        if !std::path::Path::new(path).exists() {
            eprintln!("tine: no {path} (Debian's tzdata): not checked");
            return;
        }
        let zone = Zone::new(b"America/New_York");
        assert_eq!(zone.at(1_700_000_000), (-18_000, &b"EST"[..]));
        assert_eq!(zone.at(1_690_000_000), (-14_400, &b"EDT"[..]));
        // After the file's last change, by its footer's rule.
        assert_eq!(
            zone.at(4_102_444_800 + 180 * 86_400),
            (-14_400, &b"EDT"[..])
        );
    }

    #[test]
    fn civil_dates_and_days_before_agree() {
        for days in -800_000..800_000 {
            let (year, month, day) = super::civil(days);
            assert_eq!(
                super::days_before(year, month + 1) + day - 1,
                days,
                "{days}"
            );
        }
    }
}
