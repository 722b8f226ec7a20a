//! compile::records: what each output record a probe sends means, so user space can decode it;
//! the bytes are `wire`'s record, whose id indexes `Compiled::records`.

use std::rc::Rc;

use crate::lang::diag::Span;
use crate::output::{Format, PrintOptions};
use crate::wire::Layout;

/// One kind of record, with where its payload's values sit (byte offsets from the record start).
#[derive(Clone, Debug, PartialEq)]
pub enum RecordKind {
    Printf {
        format: Rc<Format>,
        arguments: Vec<(Layout, usize)>,
    },
    /// `print(a, b)`: each value printed as `%v` would, `", "` between.
    Print { arguments: Vec<(Layout, usize)> },
    /// `print(@m)`, `print(@m, top, divisor)`: dump the map now.
    PrintMap { map: usize, options: PrintOptions },
    /// `clear(@m)`: delete every key now; `zero(@m)`: set every value to 0 and keep the keys.
    Clear { map: usize, zero: bool },
    /// `print(@m)` and a `clear(@m)` right after it: read and delete in one pass.
    PrintAndClear { map: usize, options: PrintOptions },
    /// `exit(code)`: the code is the one value (`wire::exit_code`).
    Exit,
    /// bpftrace's `time(format)`: the time of day when user space reads the record, as C's
    /// strftime formats it.
    Time { format: Rc<str> },
    /// bpftrace's `join(argv, separator)`: `wire::joined` strings, `separator` between.
    Join { separator: Rc<str> },
    /// bpftrace's `cat(format, ...)`: the file the formatted values name, printed as it is.
    Cat {
        format: Rc<Format>,
        arguments: Vec<(Layout, usize)>,
    },
    /// bpftrace's `system(format, ...)`: the formatted text run with `sh -c`, what it writes
    /// printed.
    System {
        format: Rc<Format>,
        arguments: Vec<(Layout, usize)>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub kind: RecordKind,
    /// Bytes, id included.
    pub size: usize,
    pub span: Span,
}

/// What a counter of the error map counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// An update of this map failed: it is full.
    MapFull { map: usize },
    /// The kernel refused an update of this map for another reason than room: its bucket
    /// was locked by a probe this one interrupted, or an entry could not be allocated.
    MapRefused { map: usize },
    /// A record was dropped: the output ring was full.
    OutputFull,
    /// A probe read (of a string when `string`) failed from every memory it was tried in.
    ReadFailed { string: bool },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorSite {
    pub span: Span,
    pub kind: ErrorKind,
}
