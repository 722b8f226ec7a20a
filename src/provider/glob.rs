//! provider::glob: shell-style wildcards for probe names (`sys_enter_open*`,
//! `vfs_*r[ei][at][de]`), as fnmatch(3) without flags: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`/`[^x]`,
//! and `\` to quote.

/// Whether `pattern` has a wildcard at all, so a plain name skips the listing of candidates.
pub fn is_glob(pattern: &str) -> bool {
    pattern
        .bytes()
        .any(|byte| matches!(byte, b'*' | b'?' | b'['))
}

/// Whether `name` matches `pattern` as a whole.
pub fn matches(pattern: &str, name: &str) -> bool {
    let (pattern, name) = (chars(pattern), chars(name));
    // Iterative matching with one backtrack point (the last `*`): linear in practice and never
    // exponential, whatever the pattern.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
                continue;
            }
            Some('?') => {
                p += 1;
                n += 1;
                continue;
            }
            Some('[') => {
                if let Some((matched, next)) = class(&pattern, p, name[n]) {
                    if matched {
                        p = next;
                        n += 1;
                        continue;
                    }
                } else if name[n] == '[' {
                    // An unclosed `[` is an ordinary character.
                    p += 1;
                    n += 1;
                    continue;
                }
            }
            Some('\\') if pattern.get(p + 1) == Some(&name[n]) => {
                p += 2;
                n += 1;
                continue;
            }
            Some(&c) if c != '\\' && c == name[n] => {
                p += 1;
                n += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((star_p, star_n)) => {
                p = star_p + 1;
                n = star_n + 1;
                star = Some((star_p, star_n + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// `-l`'s points: `before NAME after` for each of `names` that `pattern` matches. One copy
/// for every provider's listing.
#[inline(never)]
pub fn listed(
    pattern: &str,
    names: &mut dyn Iterator<Item = &str>,
    before: &str,
    after: &str,
) -> Vec<String> {
    let mut points = Vec::new();
    for name in names {
        if matches(pattern, name) {
            points.push(crate::words::joined(&[before, name, after], ""));
        }
    }
    points
}

/// The chars of `text`, pushed one by one: `collect` links a copy of its own for `Vec<char>`.
fn chars(text: &str) -> Vec<char> {
    let mut chars = Vec::with_capacity(text.len());
    for c in text.chars() {
        chars.push(c);
    }
    chars
}

/// Matches `c` against the bracket expression starting at `pattern[start] == '['`: whether it
/// matched and where the expression ends, or None if it is not closed.
fn class(pattern: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negated = matches!(pattern.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let &low = pattern.get(i)?;
        if low == ']' && !first {
            return Some((matched != negated, i + 1));
        }
        first = false;
        if pattern.get(i + 1) == Some(&'-') && pattern.get(i + 2).is_some_and(|&high| high != ']') {
            let high = pattern[i + 2];
            matched |= low <= c && c <= high;
            i += 3;
        } else {
            matched |= low == c;
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_as_fnmatch_does() {
        let cases = [
            ("sys_enter_open*", "sys_enter_openat", true),
            ("sys_enter_open*", "sys_enter_open", true),
            ("sys_enter_open*", "sys_exit_openat", false),
            ("vfs_*r[ei][at][de]", "vfs_read", true),
            ("vfs_*r[ei][at][de]", "vfs_write", true),
            ("vfs_*r[ei][at][de]", "vfs_readv", false),
            ("vfs_*r[ei][at][de]", "vfs_iter_read", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("[!a-c]x", "dx", true),
            ("[!a-c]x", "bx", false),
            ("[^a]", "b", true),
            ("[]]", "]", true),
            ("[a-]", "-", true),
            ("a[", "a[", true),
            ("\\*", "*", true),
            ("\\*", "x", false),
            ("*", "", true),
            ("", "", true),
            ("", "x", false),
            ("*a*b*c*", "xxaxxbxxcxx", true),
            ("*a*b*c*", "xxaxxcxxbxx", false),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(
                matches(pattern, name),
                expected,
                "{pattern:?} against {name:?}"
            );
        }
    }

    #[test]
    fn pathological_patterns_stay_fast() {
        let name = "a".repeat(2000);
        let pattern = format!("{}b", "*a".repeat(50));
        assert!(!matches(&pattern, &name));
    }

    #[test]
    fn plain_names_are_not_globs() {
        assert!(!is_glob("sys_enter_read"));
        assert!(is_glob("sys_enter_*"));
        assert!(is_glob("vfs_[rw]*"));
    }
}
