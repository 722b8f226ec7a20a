//! lang::suggest: the nearest known name to a misspelt one, for "did you mean" labels.

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo
/// (at most a third of the word's length, and at least one edit allowed).
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    nearest_of(word, &mut candidates.into_iter())
}

/// `nearest`'s work, written once rather than once per kind of candidate list.
fn nearest_of<'a>(word: &str, candidates: &mut dyn Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.len() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let distance = distance(word, candidate);
        if distance <= limit && best.map_or(true, |(least, _)| distance < least) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Edit distance where swapping two neighbours counts as one edit (the most common typo:
/// `strat` for `start`). Over bytes: the names compared are C and script identifiers, ASCII.
fn distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    // rows[i * width + j]: distance between a[..i] and b[..j].
    let width = b.len() + 1;
    let mut rows = vec![0usize; (a.len() + 1) * width];
    for (j, cell) in rows[..width].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[i * width] = i;
        for j in 1..width {
            let at = i * width + j;
            let substitution = rows[at - width - 1] + usize::from(a[i - 1] != b[j - 1]);
            let mut best = substitution.min(rows[at - width] + 1).min(rows[at - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[at - 2 * width - 2] + 1);
            }
            rows[at] = best;
        }
    }
    rows[rows.len() - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_are_suggested_and_far_ones_not() {
        let known = ["comm", "pid", "kpid", "retval"];
        assert_eq!(nearest("com", known), Some("comm"));
        assert_eq!(nearest("retvl", known), Some("retval"));
        assert_eq!(nearest("xyzzy", known), None);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(nearest("strat", ["start", "stats"]), Some("start"));
        assert_eq!(nearest("prinft", ["printf", "print"]), Some("printf"));
    }
}
