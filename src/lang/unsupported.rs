//! lang::unsupported: what scripts written for bpftrace (or in C) reach for that tine does not
//! have yet, in one place, so each error names the construct, says it is not supported and
//! names what tine has instead. The parser asks about syntax, sema about names.

use std::fmt;

/// One line an entry: names (with their short forms) as a string of words, `|`, then what to
/// use instead, empty when tine has nothing alike. Lines of one string, not a table of pairs
/// of `&str`: the binary is smaller (see `crate::words`).
const PROVIDERS: &str = "\
asyncwatchpoint aw iter it|";

const FUNCTIONS: &str = "\
cgroupid path sizeof offsetof len override unwatch \
   skboutput percpu_kaddr|";

const VARIABLES: &str = "\
curtask sarg0 sarg1 sarg2|";

fn find(entries: &'static str, name: &str) -> Option<&'static str> {
    crate::words::split(entries, b'\n').find_map(|line| {
        let (names, instead) = crate::words::split_once(line, b'|')?;
        crate::words::word_index(names, name).map(|_| instead)
    })
}

/// `{what} {is} not supported yet`, then what to use instead when there is something.
pub fn message(what: fmt::Arguments, instead: &str) -> String {
    if instead.is_empty() {
        format!("{what} not supported yet")
    } else {
        format!("{what} not supported yet: {instead}")
    }
}

/// A provider tine has not got, as the script named it.
pub fn provider(name: &str) -> Option<String> {
    named(PROVIDERS, name, "` probes are")
}

/// A function tine has not got (bpftrace's, mostly).
pub fn function(name: &str) -> Option<String> {
    named(FUNCTIONS, name, "()` is")
}

/// A variable tine has not got.
pub fn variable(name: &str) -> Option<String> {
    named(VARIABLES, name, "` is")
}

/// The message for `name` when `entries` has it: `` `name`{what} not supported yet``.
fn named(entries: &'static str, name: &str, what: &str) -> Option<String> {
    find(entries, name).map(|instead| message(format_args!("`{name}{what}"), instead))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_names_its_constructs_and_what_to_use_instead() {
        for entries in [PROVIDERS, FUNCTIONS, VARIABLES] {
            for line in entries.split('\n') {
                assert!(line.contains('|'), "{line}");
            }
        }
        assert_eq!(
            provider("it").as_deref(),
            Some("`it` probes are not supported yet")
        );
        assert_eq!(provider("U"), None);
        // The last name of a line continued with `\`, and an entry with nothing instead.
        assert_eq!(
            function("percpu_kaddr").as_deref(),
            Some("`percpu_kaddr()` is not supported yet")
        );
        assert_eq!(
            variable("sarg0").as_deref(),
            Some("`sarg0` is not supported yet")
        );
        assert_eq!(function("printf"), None);
    }
}
