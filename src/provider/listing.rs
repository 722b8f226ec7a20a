//! provider::listing: `tine -l [GLOB]`, bpftrace's listing of probes: the points of each
//! provider a glob names that its spec matches, `provider:point` a line, sorted, as bpftrace 0.17
//! prints them; with `-v`, each followed by its arguments (a tracepoint's fields).

use std::rc::Rc;

use crate::kernel::features::Features;

use super::{find, glob, Points, Provider, Registry};

/// The providers a glob over provider names lists (all of them for `-l` alone, or a GLOB
/// without `:`), by bpftrace's names: the kernel's, or a binary's when the spec names a path.
/// kfunc is listed when named: bpftrace lists it only where the kernel attaches fentry.
const KERNEL: &str = "hardware kprobe software tracepoint";
const USER: &str = "uprobe usdt";

/// The listing of `query` (`PROVIDER:SPEC`, `PROVIDER_GLOB:SPEC`, or a glob of names in any
/// kernel provider), `provider:point` lines. A glob or a name that matches nothing lists
/// nothing, as bpftrace's does; a provider a glob names that cannot be listed is warned of on
/// standard error, there and then.
#[inline(never)]
pub fn list(query: &str, verbose: bool) -> Result<String, String> {
    // TINE_FORCE changes how probes attach, not what there is to list.
    let features = Features::probe_unforced();
    let registry = Registry::new(Rc::new(features), None, None);
    let query = match query {
        "" | "*" => "*:*",
        _ => query,
    };
    let (name, spec) = crate::words::split_once(query, b':').unwrap_or(("*", query));
    let named = !glob::is_glob(name);
    // The providers listed (a string of words), the glob that picks them, and the name one
    // named is printed under.
    let (known, pattern, called) = if named {
        let syntax = crate::lang::parse::provider(&super::syntax(), name)
            .filter(|_| !name.is_empty())
            .ok_or_else(|| format!("unknown provider `{name}`"))?;
        (syntax.name, syntax.name, syntax.called(name))
    } else {
        (if spec.contains('/') { USER } else { KERNEL }, name, "")
    };
    let mut listing = String::new();
    for name in crate::words::split(known, b' ').filter(|known| glob::matches(pattern, known)) {
        // A provider this build does not have is not listed.
        let Ok(provider) = find(name) else {
            continue;
        };
        let called = if named { called } else { name };
        match points(provider, spec, verbose, &registry) {
            Ok(points) => add(&mut listing, called, provider, spec, points),
            Err(error) if named => return Err(error.to_string()),
            Err(error) => crate::tell(format_args!("warning: {name}: {error}\n")),
        }
    }
    Ok(listing)
}

/// The points of `provider` that `spec` matches. A provider whose probes the system does not
/// name (profile, interval, watchpoint) lists the spec as written.
fn points(provider: &Provider, spec: &str, verbose: bool, registry: &Registry) -> Points {
    let Some(list) = provider.list else {
        return Ok(vec![spec.to_string()]);
    };
    list(&(provider.syntax.canonical)(spec), registry, verbose)
}

/// `called:point` lines, each point spelled as `written`, sorted (bytewise, as bpftrace's sets
/// are) and each once.
fn add(text: &mut String, called: &str, provider: &Provider, written: &str, points: Vec<String>) {
    let mut lines = Vec::with_capacity(points.len());
    for point in points {
        let point = match provider.respell {
            Some(respell) => respell(&point, written),
            None => point,
        };
        lines.push(crate::words::joined(&[called, ":", &point, "\n"], ""));
    }
    lines.sort_unstable();
    let mut last = "";
    for line in &lines {
        if line != last {
            text.push_str(line);
        }
        last = line;
    }
}
