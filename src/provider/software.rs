//! provider::software: bpftrace's `software:page-faults:100` (alias `s:faults:100`): one of the
//! kernel's software perf events (perf_event_open(2), PERF_TYPE_SOFTWARE) on every CPU, running
//! the program once every COUNT events.

use crate::compile::ProgramKind;
use crate::kernel::bpf::LoadedProgram;
use crate::kernel::cpu::online_cpus;
use crate::kernel::error::KernelError;
use crate::kernel::perf::Rate;

use std::rc::Rc;

use crate::lang::Syntax;
use crate::words::{nth_word, word_index};

use super::error::ProviderError;
use super::offline::OfflineProbe;
use super::{Attachment, Provider, ResolvedProbe, Variable};

/// The events by name, each word's place its PERF_COUNT_SW_* number; `ALIASES` has bpftrace's
/// alias of each (`-` for none) and `DEFAULT_COUNTS` the count bpftrace 0.17 uses when the spec
/// gives none (or 0). Strings of words (see `crate::words`), not a table of `&str`s.
const EVENTS: &str = "cpu-clock task-clock page-faults context-switches \
    cpu-migrations minor-faults major-faults alignment-faults emulation-faults dummy bpf-output";
const ALIASES: &str = "cpu - faults cs - - - - - - -";
const DEFAULT_COUNTS: [u32; 11] = [1_000_000, 1, 100, 1000, 1, 100, 1, 1, 1, 1, 1];

pub struct Software {
    /// The event's full name, for messages.
    pub name: &'static str,
    /// PERF_COUNT_SW_*.
    pub config: u64,
    /// The program runs once every `count` events.
    pub count: u64,
}

impl Software {
    /// `EVENT` or `EVENT:COUNT`.
    pub fn parse(spec: &str) -> Result<Software, ProviderError> {
        let (event, count) = match crate::words::split_once(spec, b':') {
            Some((event, count)) => (event, Some(count)),
            None => (spec, None),
        };
        let config = word_index(EVENTS, event)
            .or_else(|| word_index(ALIASES, event).filter(|_| event != "-"))
            .ok_or_else(|| no_event(spec))?;
        let count = match count.map(crate::words::decimal::<u64>) {
            // The kernel refuses a period with the top bit set.
            Some(Some(count)) if count < 1 << 63 => count,
            Some(_) => {
                return Err(ProviderError::spec(
                    "`software:",
                    spec,
                    "`: the count is not a number of events: write software:page-faults or \
                     software:page-faults:100",
                ))
            }
            None => 0,
        };
        Ok(Software {
            name: nth_word(EVENTS, config).unwrap_or_default(),
            config: config as u64,
            // As bpftrace: no count, or 0, is the event's default.
            count: if count == 0 {
                DEFAULT_COUNTS[config].into()
            } else {
                count
            },
        })
    }
}

/// `software:SPEC` that names no event: the message lists them, each with its alias.
fn no_event(spec: &str) -> ProviderError {
    let mut message = crate::words::joined(
        &[
            "`software:",
            spec,
            "` names no software event; the events are",
        ],
        "",
    );
    let mut separator = " ";
    let mut index = 0;
    while let Some(name) = nth_word(EVENTS, index) {
        message.push_str(separator);
        message.push_str(name);
        let alias = nth_word(ALIASES, index).unwrap_or_default();
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

/// `software:`, `s:`.
pub static SOFTWARE: Provider = Provider {
    syntax: Syntax::named("software"),
    resolve: |spec, _| Ok(Rc::new(Software::parse(spec)?)),
    offline: |spec, _| Ok(OfflineProbe::of(&Software::parse(spec)?)),
    offline_points: None,
    respell: None,
};

impl ResolvedProbe for Software {
    fn kind(&self) -> ProgramKind {
        ProgramKind::PerfEvent
    }

    fn variables(&self) -> &[Variable] {
        &[]
    }

    fn attach(&self, program: &LoadedProgram) -> Result<Attachment, KernelError> {
        let rate = Rate::Period(self.count);
        super::profile::software_events(self.config, self.name, &online_cpus()?, rate, program)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_aliases_and_default_counts() {
        let parsed = |spec: &str| {
            Software::parse(&(SOFTWARE.syntax.canonical)(spec))
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
        // Each name and alias once, and an alias and a count for each name.
        let names: Vec<&str> = EVENTS.split(' ').chain(ALIASES.split(' ')).collect();
        for (index, name) in names.iter().enumerate() {
            assert!(*name == "-" || !names[index + 1..].contains(name), "{name}");
        }
        assert_eq!(EVENTS.split(' ').count(), DEFAULT_COUNTS.len());
        assert_eq!(ALIASES.split(' ').count(), DEFAULT_COUNTS.len());
    }

    #[test]
    fn an_unknown_event_names_every_event() {
        let error = Software::parse("pagefaults:1").err().unwrap().to_string();
        assert_eq!(
            error,
            "`software:pagefaults:1` names no software event; the events are cpu-clock (cpu), \
             task-clock, page-faults (faults), context-switches (cs), cpu-migrations, \
             minor-faults, major-faults, alignment-faults, emulation-faults, dummy, bpf-output"
        );
    }
}
