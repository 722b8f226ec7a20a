//! provider::software: bpftrace's `software:page-faults:100` (alias `s:faults:100`): one of the
//! kernel's software perf events (perf_event_open(2), PERF_TYPE_SOFTWARE) on every CPU, running
//! the program once every COUNT events. The shape of every counter provider: `hardware:` is
//! the same with its own table of events (`Counters`).

use crate::compile::ProgramKind;
use crate::kernel::bpf::LoadedProgram;
use crate::kernel::cpu::online_cpus;
use crate::kernel::error::KernelError;
use crate::kernel::perf::{Rate, TYPE_SOFTWARE};

use std::rc::Rc;

use crate::lang::Syntax;
use crate::words::{nth_word, word_index};

use super::error::ProviderError;
use super::offline::OfflineProbe;
use super::{glob, Attachment, Points, Provider, ResolvedProbe, Variable};

/// A perf type's events, as bpftrace names them: `names` by name, each word's place its
/// config number (PERF_COUNT_SW_*, PERF_COUNT_HW_*); `aliases` bpftrace's alias of each (`-`
/// for none) and `counts` the count bpftrace 0.17 uses when the spec gives none (or 0), as
/// a power of ten.
/// Strings of words (see `crate::words`), not a table of `&str`s.
pub struct Counters {
    /// The provider's name, for messages.
    pub provider: &'static str,
    /// PERF_TYPE_*.
    pub kind: u32,
    pub names: &'static str,
    pub aliases: &'static str,
    pub counts: &'static [u8],
}

pub static SOFTWARE_EVENTS: Counters = Counters {
    provider: "software",
    kind: TYPE_SOFTWARE,
    names: "cpu-clock task-clock page-faults context-switches cpu-migrations minor-faults \
        major-faults alignment-faults emulation-faults dummy bpf-output",
    aliases: "cpu - faults cs - - - - - - -",
    counts: &[6, 0, 2, 3, 0, 2, 0, 0, 0, 0, 0],
};

pub struct Counter {
    pub events: &'static Counters,
    /// The event's full name, for messages.
    pub name: &'static str,
    /// PERF_COUNT_*.
    pub config: u64,
    /// The program runs once every `count` events.
    pub count: u64,
}

impl Counter {
    /// `EVENT` or `EVENT:COUNT`, one of `events`.
    pub fn parse(events: &'static Counters, spec: &str) -> Result<Counter, ProviderError> {
        let (event, count) = match crate::words::split_once(spec, b':') {
            Some((event, count)) => (event, Some(count)),
            None => (spec, None),
        };
        let config = word_index(events.names, event)
            .or_else(|| word_index(events.aliases, event).filter(|_| event != "-"))
            .ok_or_else(|| no_event(events, spec))?;
        let count = match count.map(crate::words::decimal::<u64>) {
            // The kernel refuses a period with the top bit set.
            Some(Some(count)) if count < 1 << 63 => count,
            Some(_) => {
                let message = refused(events, spec, "`: the count is not a number of events: ");
                return Err(ProviderError::Spec(
                    (message + "write EVENT or EVENT:COUNT").into(),
                ));
            }
            None => 0,
        };
        Ok(Counter {
            events,
            name: nth_word(events.names, config).unwrap_or_default(),
            config: config as u64,
            // As bpftrace: no count, or 0, is the event's default.
            count: if count == 0 {
                10u64.pow(events.counts[config].into())
            } else {
                count
            },
        })
    }
}

/// `` `PROVIDER:SPEC`{reason}``.
fn refused(events: &Counters, spec: &str, reason: &str) -> String {
    crate::words::joined(&["`", events.provider, ":", spec, reason], "")
}

/// `PROVIDER:SPEC` that names no event: the message lists them, each with its alias.
fn no_event(events: &Counters, spec: &str) -> ProviderError {
    let mut message = refused(events, spec, "` names no such event; the events are");
    let mut separator = " ";
    let mut index = 0;
    while let Some(name) = nth_word(events.names, index) {
        message.push_str(separator);
        message.push_str(name);
        let alias = nth_word(events.aliases, index).unwrap_or_default();
        if alias != "-" {
            message.push_str(" (");
            message.push_str(alias);
            message.push(')');
        }
        separator = ", ";
        index += 1;
    }
    ProviderError::Spec(message.into())
}

/// The counter at `spec` of `events`: one copy for every counter provider and both ways of
/// resolving.
#[inline(never)]
pub(super) fn resolved(
    events: &'static Counters,
    spec: &str,
) -> Result<Rc<dyn ResolvedProbe>, ProviderError> {
    Ok(Rc::new(Counter::parse(events, spec)?))
}

/// `-l`: the events of `events` whose names `spec` (`EVENT` or `EVENT:COUNT`) matches, each
/// `EVENT:` as bpftrace prints them.
pub(super) fn list(events: &Counters, spec: &str) -> Points {
    let pattern = crate::words::split(spec, b':').next().unwrap_or_default();
    Ok(glob::listed(
        pattern,
        &mut crate::words::split(events.names, b' '),
        "",
        ":",
    ))
}

/// `software:`, `s:`.
pub static SOFTWARE: Provider = Provider {
    syntax: Syntax::named("software"),
    resolve: |spec, _| resolved(&SOFTWARE_EVENTS, spec),
    offline: |spec, _| Ok(OfflineProbe::of(&*resolved(&SOFTWARE_EVENTS, spec)?)),
    offline_points: None,
    respell: None,
    list: Some(|spec, _, _| list(&SOFTWARE_EVENTS, spec)),
};

impl ResolvedProbe for Counter {
    fn kind(&self) -> ProgramKind {
        ProgramKind::PerfEvent
    }

    fn variables(&self) -> &[Variable] {
        &[]
    }

    fn attach(&self, program: &LoadedProgram) -> Result<Attachment, KernelError> {
        let rate = Rate::Period(self.count);
        let cpus = online_cpus()?;
        super::profile::counters(
            self.events.kind,
            self.config,
            self.name,
            &cpus,
            rate,
            program,
        )
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn names_aliases_and_default_counts() {
        let parsed = |spec: &str| {
            Counter::parse(&SOFTWARE_EVENTS, &(SOFTWARE.syntax.canonical)(spec))
                .map(|event| (event.name, event.config, event.count))
        };
        assert_eq!(parsed("page-faults:1"), Ok(("page-faults", 2, 1)));
        assert_eq!(parsed("faults"), Ok(("page-faults", 2, 100)));
        assert_eq!(parsed("cs:0"), Ok(("context-switches", 3, 1000)));
        assert_eq!(parsed("cpu"), Ok(("cpu-clock", 0, 1_000_000)));
        assert_eq!(parsed("bpf-output:7"), Ok(("bpf-output", 10, 7)));
        assert_eq!(parsed("major-faults"), Ok(("major-faults", 6, 1)));
        // No alias is the empty name.
        assert!(parsed(":5").is_err());
        assert!(parsed("").is_err());
        assert!(parsed("faults:").is_err());
        assert!(parsed("faults:-1").is_err());
        assert!(parsed("faults:1x").is_err());
        assert!(parsed("faults:1:2").is_err());
        assert!(parsed("faults:9223372036854775808").is_err());
        assert!(parsed("*:1").is_err());
        assert!(parsed("-").is_err());
        well_formed(&SOFTWARE_EVENTS);
    }

    /// Each name and alias once, and an alias and a count for each name.
    pub(in crate::provider) fn well_formed(events: &Counters) {
        let names: Vec<&str> = events
            .names
            .split(' ')
            .chain(events.aliases.split(' '))
            .collect();
        for (index, name) in names.iter().enumerate() {
            assert!(*name == "-" || !names[index + 1..].contains(name), "{name}");
        }
        assert_eq!(events.names.split(' ').count(), events.counts.len());
        assert_eq!(events.aliases.split(' ').count(), events.counts.len());
    }

    #[test]
    fn an_unknown_event_names_every_event() {
        let error = Counter::parse(&SOFTWARE_EVENTS, "pagefaults:1")
            .err()
            .unwrap()
            .to_string();
        assert_eq!(
            error,
            "`software:pagefaults:1` names no such event; the events are cpu-clock (cpu), \
             task-clock, page-faults (faults), context-switches (cs), cpu-migrations, \
             minor-faults, major-faults, alignment-faults, emulation-faults, dummy, bpf-output"
        );
    }
}
