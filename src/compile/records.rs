//! compile::records: what each output record a probe sends means, so user space can decode it:
//! `{ u64 id; payload }` where `id` indexes `Compiled::records`.

use crate::lang::diag::Span;
use crate::output::{Format, Layout, PrintOptions};

/// One kind of record, with where its payload's values sit (byte offsets from the record start).
#[derive(Clone, Debug, PartialEq)]
pub enum RecordKind {
    Printf {
        format: Format,
        arguments: Vec<(Layout, usize)>,
    },
    /// `print(a, b)`: each value printed as `%v` would, `", "` between.
    Print { arguments: Vec<(Layout, usize)> },
    /// `print(@m)`, `print(@m, top, divisor)`: dump the map now.
    PrintMap { map: usize, options: PrintOptions },
    /// `clear(@m)`: delete every key now.
    Clear { map: usize },
    /// `print(@m)` and a `clear(@m)` right after it: read and delete in one pass.
    PrintAndClear { map: usize, options: PrintOptions },
    /// `exit(code)`: the code is an i64 at offset 8.
    Exit,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub kind: RecordKind,
    /// Bytes, id included.
    pub size: usize,
    pub span: Span,
}

/// The one word of the state map: probes that run while tracing do nothing unless it says
/// `TRACING`; user space sets it once BEGIN has run and every probe is attached, and `exit()`
/// (or user space, on any other stop) sets `STOPPED`, so nothing is recorded after the stop.
pub const SETTING_UP: i32 = 0;
pub const TRACING: i32 = 1;
pub const STOPPED: i32 = 2;

/// Byte offset of the first payload value.
pub const PAYLOAD: usize = 8;

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
