//! kernel_tracefs: the real tracefs is found (or mounted), lists its events, and an event's id
//! agrees with the `ID:` line of its format.

mod common;

use tine::kernel::tracefs::Tracefs;

#[test]
fn events_ids_and_formats_agree() {
    if !common::kernel_available("events_ids_and_formats_agree") {
        return;
    }
    let tracefs = Tracefs::find().expect("tracefs");
    assert!(
        tracefs.root().join("events").is_dir(),
        "{}",
        tracefs.root().display()
    );
    let events = tracefs.events().unwrap();
    for expected in ["syscalls/sys_enter_getppid", "sched/sched_switch"] {
        assert!(
            events.binary_search(&expected.to_string()).is_ok(),
            "{expected} in {} events",
            events.len()
        );
    }
    let id = tracefs.event_id("sched", "sched_switch").unwrap();
    let format = tracefs.event_format("sched", "sched_switch").unwrap();
    assert!(format.starts_with("name: sched_switch\n"), "{format}");
    assert!(format.contains(&format!("\nID: {id}\n")), "{format}");
    let missing = tracefs.event_id("sched", "no_such_event").unwrap_err();
    assert_eq!(missing.raw_errno(), Some(libc::ENOENT));
}
