//! lang::diag: spans into the script text, and errors rendered as `file:line:col`, the source
//! line and a caret under the span. Every error of lang and sema is one of these values.

use std::fmt::{self, Write as _};

/// A byte range `start..end` of the script text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One error: a message at a span, an optional label written after the caret, and notes that
/// point at other places (`first used as a string here`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diag {
    pub span: Span,
    pub message: String,
    pub label: Option<String>,
    pub notes: Vec<(Span, String)>,
}

impl Diag {
    // Not inlined: errors are built at a hundred places, and rarely.
    #[inline(never)]
    pub fn new(span: Span, message: impl Into<String>) -> Diag {
        Diag {
            span,
            message: message.into(),
            label: None,
            notes: Vec::new(),
        }
    }

    /// `new`, boxed, as the parser and the compiler return their errors: built in one place,
    /// not at every error site.
    #[inline(never)]
    pub fn boxed(span: Span, message: impl Into<String>) -> Box<Diag> {
        Box::new(Diag::new(span, message))
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diag {
        self.label = Some(label.into());
        self
    }

    pub fn with_note(mut self, span: Span, note: impl Into<String>) -> Diag {
        self.notes.push((span, note.into()));
        self
    }
}

/// The errors of one run, with the text they point into, ready to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics {
    pub file_name: String,
    pub source: String,
    pub errors: Vec<Diag>,
    /// Errors past `MAX_SHOWN`, counted but not kept: a flood helps no one.
    pub omitted: usize,
}

/// More errors than this are summarised in one line.
pub const MAX_SHOWN: usize = 20;

impl Diagnostics {
    pub fn new(file_name: &str, source: &str, mut errors: Vec<Diag>) -> Diagnostics {
        let omitted = errors.len().saturating_sub(MAX_SHOWN);
        errors.truncate(MAX_SHOWN);
        Diagnostics {
            file_name: file_name.to_string(),
            source: source.to_string(),
            errors,
            omitted,
        }
    }
}

/// Sorts errors by where they start, keeping the order of those that start together: an
/// insertion sort, smaller than the standard library's for the few errors a run keeps.
pub fn in_source_order(errors: &mut [Diag]) {
    for sorted in 1..errors.len() {
        let mut at = sorted;
        while at > 0 && errors[at - 1].span.start > errors[at].span.start {
            errors.swap(at - 1, at);
            at -= 1;
        }
    }
}

/// 1-based line and column (in characters) of a byte offset, plus the line's byte range.
fn locate(source: &str, offset: usize) -> (usize, usize, usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let (mut line, mut line_start) = (1, 0);
    for (at, byte) in source.as_bytes()[..offset].iter().enumerate() {
        if *byte == b'\n' {
            line += 1;
            line_start = at + 1;
        }
    }
    let line_end =
        crate::words::find_byte(&source[offset..], b'\n').map_or(source.len(), |at| offset + at);
    let column = source[line_start..offset].chars().count() + 1;
    (line, column, line_start, line_end)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn write_one(
    f: &mut fmt::Formatter<'_>,
    file_name: &str,
    source: &str,
    severity: &str,
    span: Span,
    message: &str,
    label: Option<&str>,
) -> fmt::Result {
    let (line, column, line_start, line_end) = locate(source, span.start);
    writeln!(f, "{file_name}:{line}:{column}: {severity}: {message}")?;
    let text = &source[line_start..line_end];
    let text = text.strip_suffix('\r').unwrap_or(text);
    f.write_str(text)?;
    f.write_char('\n')?;
    let start = floor_char_boundary(source, span.start.min(source.len()));
    // Tabs are repeated so the caret lines up whatever the terminal's tab width.
    for c in source[line_start..start].chars() {
        f.write_char(if c == '\t' { '\t' } else { ' ' })?;
    }
    // The caret stops at the end of the line; a span starting on the line's trailing `\r` (cut
    // from the printed text) still gets its one caret.
    let line_limit = (line_start + text.len()).max(start);
    let end = floor_char_boundary(source, span.end.clamp(start, line_limit)).max(start);
    let width = source[start..end].chars().count().max(1);
    f.write_char('^')?;
    for _ in 1..width {
        f.write_char('~')?;
    }
    if let Some(label) = label {
        f.write_char(' ')?;
        f.write_str(label)?;
    }
    f.write_char('\n')
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for error in &self.errors {
            write_one(
                f,
                &self.file_name,
                &self.source,
                "error",
                error.span,
                &error.message,
                error.label.as_deref(),
            )?;
            for (span, note) in &error.notes {
                write_one(f, &self.file_name, &self.source, "note", *span, note, None)?;
            }
        }
        if self.omitted > 0 {
            writeln!(
                f,
                "{}: {} more errors not shown",
                self.file_name, self.omitted
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_sort_by_start_and_ties_keep_their_order() {
        let at = |start, message| Diag::new(Span::new(start, start + 1), message);
        let mut errors = vec![at(9, "a"), at(2, "b"), at(9, "c"), at(0, "d"), at(2, "e")];
        in_source_order(&mut errors);
        let order: Vec<&str> = errors.iter().map(|error| error.message.as_str()).collect();
        assert_eq!(order, ["d", "b", "e", "a", "c"]);
    }

    #[test]
    fn caret_under_the_span_on_the_right_line() {
        let source = "BEGIN {\n\tprint(nope);\n}\n";
        let at = source.find("nope").unwrap();
        let diagnostics = Diagnostics::new(
            "x.tine",
            source,
            vec![Diag::new(Span::new(at, at + 4), "unknown name `nope`")
                .with_label("did you mean `pid`?")],
        );
        assert_eq!(
            diagnostics.to_string(),
            "x.tine:2:8: error: unknown name `nope`\n\tprint(nope);\n\t      ^~~~ did you mean `pid`?\n"
        );
    }

    #[test]
    fn span_at_end_of_text_gets_one_caret() {
        let source = "BEGIN {";
        let diagnostics = Diagnostics::new(
            "<script>",
            source,
            vec![Diag::new(Span::new(7, 7), "expected `}`")],
        );
        assert_eq!(
            diagnostics.to_string(),
            "<script>:1:8: error: expected `}`\nBEGIN {\n       ^\n"
        );
    }

    #[test]
    fn span_on_a_trailing_carriage_return_gets_one_caret() {
        // Found by the fuzzer: the printed line drops its `\r`, the span starts on it.
        let source = "kprobe:vfs_read,\r\r";
        let diagnostics = Diagnostics::new(
            "f",
            source,
            vec![Diag::new(Span::new(18, 18), "expected a probe")],
        );
        assert_eq!(
            diagnostics.to_string(),
            "f:1:19: error: expected a probe\nkprobe:vfs_read,\r\n                  ^\n"
        );
    }

    #[test]
    fn multi_line_span_is_cut_at_the_line_end() {
        let source = "ab\ncd";
        let diagnostics = Diagnostics::new(
            "f",
            source,
            vec![Diag::new(Span::new(1, 5), "m").with_note(Span::new(3, 4), "here")],
        );
        assert_eq!(
            diagnostics.to_string(),
            "f:1:2: error: m\nab\n ^\nf:2:1: note: here\ncd\n^\n"
        );
    }
}
