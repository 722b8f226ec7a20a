//! kernel_tracefs: the real tracefs is found (or mounted), lists its events, and an event's id
//! agrees with the `ID:` line of its format.

mod common;
#[path = "lang/fake.rs"]
mod fake;

use tine::kernel::tracefs::Tracefs;
use tine::provider::tracepoint::Tracepoint;
use tine::provider::ResolvedProbe;
use tine::sema::types::AddressSpace;
use tine::sema::Type;

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

/// Every event listed has an id and a format, so a glob over all of them resolves: tracefs'
/// `events/ftrace/` holds ftrace's own records, which have neither an id nor a place in
/// `available_events`.
#[test]
fn every_listed_event_resolves() {
    if !common::kernel_available("every_listed_event_resolves") {
        return;
    }
    let tracefs = Tracefs::find().expect("tracefs");
    let events = tracefs.events().unwrap();
    let tracepoint = Tracepoint::resolve(&tracefs, "*/*").unwrap();
    assert_eq!(tracepoint.points(), events);
    let available = std::fs::read_to_string(tracefs.root().join("available_events")).unwrap();
    assert_eq!(events.len(), available.lines().count());
}

/// The events the front-end and compiler tests read are the kernel's they were written from:
/// each record as the provider types it from tracefs, field for field.
#[test]
fn the_test_records_are_the_kernels() {
    if !common::kernel_available("the_test_records_are_the_kernels") {
        return;
    }
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    if !release.starts_with(fake::RECORDS_KERNEL) {
        let reason = format_args!(
            "the records are {}'s, this is {release}",
            fake::RECORDS_KERNEL
        );
        common::skip("the_test_records_are_the_kernels", reason);
        return;
    }
    let tracefs = Tracefs::find().expect("tracefs");
    for event in fake::events() {
        let real = Tracepoint::resolve(&tracefs, event).unwrap_or_else(|error| panic!("{error}"));
        let data = real
            .variables()
            .iter()
            .find(|variable| variable.name == "data");
        let table = fake::record(event).unwrap().map(|record| Type::Pointer {
            target: Box::new(Type::Struct(record)),
            space: AddressSpace::Unknown,
        });
        assert_eq!(table.as_ref(), data.map(|variable| &variable.ty), "{event}");
    }
}
