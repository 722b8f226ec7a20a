//! kernel::tracefs: the tracing filesystem wherever it is mounted (mounted by us when missing and
//! we are root) — event ids and formats for tracepoints, the list of all events for globs, and
//! legacy kprobe/uprobe events, created for kernels without the perf PMUs and removed on drop.

use crate::words::quoted;
use std::ffi::CStr;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::kernel::error::KernelError;
use crate::kernel::process::Watched;

/// NUL-terminated for mount(2).
const TRACEFS_MOUNT_POINT: &CStr = c"/sys/kernel/tracing";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tracefs {
    root: PathBuf,
}

/// `\040`-style escapes in /proc/mounts fields (a space in a mount point) decoded.
fn unescape_mount_field(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let octal = bytes.get(index + 1..index + 4).filter(|digits| {
            bytes[index] == b'\\' && digits.iter().all(|digit| (b'0'..=b'7').contains(digit))
        });
        match octal {
            Some(digits) => {
                out.push(
                    digits
                        .iter()
                        .fold(0u8, |value, digit| (value << 3) | (digit - b'0')),
                );
                index += 4;
            }
            None => {
                out.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The tracing directory named by a /proc/mounts text: a tracefs mount, else `tracing` in a
/// debugfs mount (kernels before 4.1 have only that).
pub fn tracing_root_in_mounts(mounts: &str) -> Option<PathBuf> {
    let mut debugfs = None;
    for line in crate::words::lines(mounts) {
        let mut fields = [""; 3];
        if crate::words::fields(line, &mut fields) < 3 {
            continue;
        }
        let [_device, mount_point, kind] = fields;
        let mount_point = PathBuf::from(unescape_mount_field(mount_point));
        match kind {
            "tracefs" => return Some(mount_point),
            "debugfs" if debugfs.is_none() => debugfs = Some(mount_point.join("tracing")),
            _ => {}
        }
    }
    debugfs
}

impl Tracefs {
    /// Finds tracefs through /proc/mounts; when it is not mounted, mounts it at
    /// /sys/kernel/tracing (which needs root), as a user would expect a tracer to.
    pub fn find() -> Result<Tracefs, KernelError> {
        match Tracefs::mounted()? {
            Some(tracefs) => Ok(tracefs),
            None => Tracefs::mount(),
        }
    }

    /// Tracefs where /proc/mounts says it is, or None when it is not mounted.
    pub fn mounted() -> Result<Option<Tracefs>, KernelError> {
        let mounts = super::read_text("/proc/mounts")
            .map_err(|error| KernelError::io("read /proc/mounts", &error))?;
        Ok(tracing_root_in_mounts(&mounts)
            .filter(|root| super::status(root.join("events"), true).is_some_and(|s| s.is_dir()))
            .map(|root| Tracefs { root }))
    }

    fn mount() -> Result<Tracefs, KernelError> {
        let mount_point = TRACEFS_MOUNT_POINT.to_string_lossy();
        // Formatted before the call, so no allocation comes between it and errno.
        let action = format!("mount tracefs at {mount_point}");
        // SAFETY: the strings are static and NUL-terminated; no data argument.
        let result = unsafe {
            libc::mount(
                c"nodev".as_ptr(),
                TRACEFS_MOUNT_POINT.as_ptr(),
                c"tracefs".as_ptr(),
                0,
                std::ptr::null(),
            )
        };
        if result != 0 {
            return Err(KernelError::last(action));
        }
        Ok(Tracefs {
            root: PathBuf::from(&*mount_point),
        })
    }

    /// A tracefs at a known directory (tests use a fake one).
    pub fn at(root: impl Into<PathBuf>) -> Tracefs {
        Tracefs { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn read(&self, relative: &str) -> Result<String, KernelError> {
        let path = self.root.join(relative);
        super::read_text(&path).map_err(|error| io_error("read", &path, &error))
    }

    /// The perf event id of tracepoint `group/event`.
    pub fn event_id(&self, group: &str, event: &str) -> Result<u64, KernelError> {
        let relative = format!("events/{group}/{event}/id");
        let text = self.read(&relative)?;
        crate::words::decimal(crate::words::trim(&text)).ok_or_else(|| {
            KernelError::message(
                format!("read {relative}"),
                format!(
                    "not a number: {}",
                    quoted(crate::words::trim(&text).as_bytes())
                ),
            )
        })
    }

    /// The `format` file of `group/event`, for `provider::tracepoint` to parse.
    pub fn event_format(&self, group: &str, event: &str) -> Result<String, KernelError> {
        self.read(&format!("events/{group}/{event}/format"))
    }

    /// Every tracepoint as `group/event`, sorted; what probe-name globs are matched against.
    /// `available_events` lists the events a program can attach to: `events/ftrace/` holds
    /// ftrace's own records, which have no id.
    #[inline(never)]
    pub fn events(&self) -> Result<Vec<String>, KernelError> {
        let text = self.read("available_events")?;
        let mut events = Vec::new();
        for line in text.lines() {
            if let Some((group, event)) = line.split_once(':') {
                events.push(crate::words::joined(&[group, "/", event], ""));
            }
        }
        events.sort_unstable();
        Ok(events)
    }

    /// Creates a legacy probe event through `kprobe_events`/`uprobe_events`: `target` is
    /// `symbol[+offset]` for kprobes and `/path:0xoffset` for uprobes. The event is in group
    /// `tine_<pid>` so that leftovers are recognisably ours, and is removed when dropped.
    #[inline(never)]
    pub fn add_probe(
        &self,
        kind: ProbeKind,
        retprobe: bool,
        target: &str,
    ) -> Result<ProbeEvent, KernelError> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let group = format!("tine_{}", std::process::id());
        let kind_letter = if retprobe { 'r' } else { 'p' };
        let name = format!("{kind_letter}{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let command = format!("{kind_letter}:{group}/{name} {target}\n");
        let event = ProbeEvent {
            control: self.root.join(kind.control_file()),
            group,
            name,
        };
        event.write(&command, &format!("add {} probe on {target}", kind.word()))?;
        Ok(event)
    }

    /// Removes the probe events that a tine which is no longer running left behind (SIGKILL
    /// gives it no chance to): those of groups `tine_<pid>` where no process `pid` runs. A live
    /// tine's are kept; the kernel refuses to remove an event a perf event is open on anyway.
    #[inline(never)]
    pub fn remove_stale_probes(&self) {
        self.remove_probes_of_dead(|pid| match Watched::open(pid) {
            Ok(process) => !process.exited(),
            // No such process; any other error counts as alive, so nothing of it is touched.
            Err(error) => error.raw_os_error() != Some(libc::ESRCH),
        });
    }

    fn remove_probes_of_dead(&self, alive: impl Fn(u32) -> bool) {
        for kind in [ProbeKind::Kprobe, ProbeKind::Uprobe] {
            let control = self.root.join(kind.control_file());
            // Without the file there are no events of that kind to remove.
            let Ok(text) = super::read_text(&control) else {
                continue;
            };
            for line in crate::words::lines(&text) {
                let Some((pid, group, name)) = tine_event(line) else {
                    continue;
                };
                if pid != std::process::id() && !alive(pid) {
                    // Dropping the event removes it.
                    drop(ProbeEvent {
                        control: control.clone(),
                        group: group.to_string(),
                        name: name.to_string(),
                    });
                }
            }
        }
    }
}

/// "VERB PATH" failed with `error`: one place formats it for every file tracefs reads or lists.
fn io_error(verb: &str, path: &Path, error: &std::io::Error) -> KernelError {
    KernelError::io(format!("{verb} {}", path.to_string_lossy()), error)
}

/// The pid, group and name of a line of kprobe_events or uprobe_events when a tine made it
/// (`p:tine_123/p0 vfs_read+0`, `r16:tine_123/r1 …`); None for any other event.
fn tine_event(line: &str) -> Option<(u32, &str, &str)> {
    let mut first = [""];
    crate::words::fields(line, &mut first);
    let (_, event) = crate::words::split_once(first[0], b':')?;
    let (group, name) = crate::words::split_once(event, b'/')?;
    let pid = group.strip_prefix("tine_")?;
    if !pid.bytes().all(|digit| digit.is_ascii_digit()) {
        return None;
    }
    Some((crate::words::decimal(pid)?, group, name))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProbeKind {
    Kprobe,
    Uprobe,
}

impl ProbeKind {
    fn control_file(self) -> &'static str {
        match self {
            ProbeKind::Kprobe => "kprobe_events",
            ProbeKind::Uprobe => "uprobe_events",
        }
    }

    fn word(self) -> &'static str {
        match self {
            ProbeKind::Kprobe => "kprobe",
            ProbeKind::Uprobe => "uprobe",
        }
    }
}

/// A probe event created through tracefs text; `Drop` writes `-:group/name` to remove it, so
/// close the perf events opened on it first (the kernel refuses to remove a busy event).
#[derive(Debug)]
pub struct ProbeEvent {
    control: PathBuf,
    group: String,
    name: String,
}

impl ProbeEvent {
    pub fn group(&self) -> &str {
        &self.group
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Writes `command`, a line, to the control file.
    fn write(&self, command: &str, action: &str) -> Result<(), KernelError> {
        // Appending: truncating the control file would remove every probe event on the system.
        let file =
            super::open(&self.control, libc::O_WRONLY | libc::O_APPEND).map_err(|error| {
                KernelError::io(
                    format!("{action} (open {})", self.control.to_string_lossy()),
                    &error,
                )
            })?;
        super::write_all(file.as_raw_fd(), command.as_bytes())
            .map_err(|error| KernelError::io(action.to_string(), &error))
    }
}

impl Drop for ProbeEvent {
    fn drop(&mut self) {
        let command = format!("-:{}/{}\n", self.group, self.name);
        // Nothing useful can be done with a failure in a destructor; the group name says whose
        // a leftover is.
        let _ = self.write(&command, "remove a probe event");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn tracefs_is_found_in_mounts_before_debugfs() {
        let mounts = "sysfs /sys sysfs rw 0 0\n\
                      debugfs /sys/kernel/debug debugfs rw 0 0\n\
                      tracefs /sys/kernel/tracing tracefs rw 0 0\n";
        assert_eq!(
            tracing_root_in_mounts(mounts),
            Some(PathBuf::from("/sys/kernel/tracing"))
        );
        let old = "debugfs /sys/kernel/debug debugfs rw 0 0\n";
        assert_eq!(
            tracing_root_in_mounts(old),
            Some(PathBuf::from("/sys/kernel/debug/tracing"))
        );
        assert_eq!(tracing_root_in_mounts("proc /proc proc rw 0 0\n"), None);
        let spaced = "tracefs /mnt/my\\040trace tracefs rw 0 0\n";
        assert_eq!(
            tracing_root_in_mounts(spaced),
            Some(PathBuf::from("/mnt/my trace"))
        );
    }

    fn fake_tracefs() -> (PathBuf, Tracefs) {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let root = std::env::temp_dir().join(format!(
            "tine-tracefs-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        for (event, id) in [
            ("sched/sched_switch", "316\n"),
            ("syscalls/sys_enter_read", "x\n"),
        ] {
            fs::create_dir_all(root.join("events").join(event)).unwrap();
            fs::write(root.join("events").join(event).join("id"), id).unwrap();
        }
        fs::write(root.join("events/sched/enable"), "0").unwrap();
        fs::write(
            root.join("available_events"),
            "syscalls:sys_enter_read\nsched:sched_switch\n",
        )
        .unwrap();
        fs::write(root.join("uprobe_events"), "").unwrap();
        (root.clone(), Tracefs::at(root))
    }

    #[test]
    fn events_ids_and_errors_from_a_tracefs_tree() {
        let (root, tracefs) = fake_tracefs();
        assert_eq!(
            tracefs.events().unwrap(),
            ["sched/sched_switch", "syscalls/sys_enter_read"]
        );
        assert_eq!(tracefs.event_id("sched", "sched_switch").unwrap(), 316);
        let bad = tracefs.event_id("syscalls", "sys_enter_read").unwrap_err();
        assert!(bad.to_string().contains("not a number"), "{bad}");
        let missing = tracefs.event_id("nope", "nope").unwrap_err();
        assert_eq!(missing.raw_errno(), Some(libc::ENOENT));
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_probe_event_is_written_and_removed_on_drop() {
        let (root, tracefs) = fake_tracefs();
        let event = tracefs
            .add_probe(ProbeKind::Uprobe, true, "/bin/true:0x1040")
            .unwrap();
        let group = format!("tine_{}", std::process::id());
        assert_eq!(event.group(), group);
        let name = event.name().to_string();
        assert!(name.starts_with('r'), "{name}");
        drop(event);
        let written = fs::read_to_string(root.join("uprobe_events")).unwrap();
        assert_eq!(
            written,
            format!("r:{group}/{name} /bin/true:0x1040\n-:{group}/{name}\n")
        );
        fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn only_the_probe_events_of_dead_tines_are_removed() {
        let (root, tracefs) = fake_tracefs();
        let own = std::process::id();
        let events = format!(
            "p:tine_100/p0 vfs_read+0\nr16:tine_200/r1 vfs_read+0\np:kprobes/p_x vfs_read+0\n\
             p:tine_1x/p0 vfs_read+0\np:tine_{own}/p2 vfs_read+0\n"
        );
        fs::write(root.join("kprobe_events"), &events).unwrap();
        fs::write(
            root.join("uprobe_events"),
            "p:tine_300/p0 /bin/true:0x1040\n",
        )
        .unwrap();
        // 200 runs; 100 and 300 do not, nor (as far as the test says) this process.
        tracefs.remove_probes_of_dead(|pid| pid == 200);
        assert_eq!(
            fs::read_to_string(root.join("kprobe_events")).unwrap(),
            format!("{events}-:tine_100/p0\n")
        );
        assert_eq!(
            fs::read_to_string(root.join("uprobe_events")).unwrap(),
            "p:tine_300/p0 /bin/true:0x1040\n-:tine_300/p0\n"
        );
        fs::remove_dir_all(root).unwrap();
    }
}
