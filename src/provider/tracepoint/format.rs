//! provider::tracepoint::format: the `format` file tracefs keeps for each event — its name, id
//! and fields with their C declarations, offsets and sizes — read into an `EventFormat`.
use crate::words::decimal;

/// One field of a tracepoint record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatField {
    pub name: String,
    /// The C type as the format file declares it, without the array suffix: `const char *`,
    /// `pid_t`, `char`, `__data_loc char[]` becomes `char`.
    pub c_type: String,
    pub offset: usize,
    /// Bytes in the record. Syscall arguments are declared `int` but stored as 8-byte slots.
    pub size: usize,
    pub signed: bool,
    pub kind: FieldKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// An integer of `size` bytes.
    Integer,
    /// A pointer to `c_type` minus its last `*` (a user or kernel address).
    Pointer,
    /// `count` elements in place; `char name[16]` is a string.
    Array { count: usize },
    /// A u32 locating variable-length data in the record: offset in the low 16 bits, length in
    /// the high 16; read with `dyn()`. `relative` (`__rel_loc`, 5.19+) counts the offset from the
    /// end of this field rather than from the start of the record.
    DataLoc { relative: bool },
}

/// An event's format: its id and its fields, common ones (`common_pid` ...) included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFormat {
    pub name: String,
    pub id: u32,
    pub fields: Vec<FormatField>,
}

impl EventFormat {
    pub fn field(&self, name: &str) -> Option<&FormatField> {
        self.fields.iter().find(|field| field.name == name)
    }

    /// The fields a script reads, without the `common_` header every event shares.
    pub fn own_fields(&self) -> impl Iterator<Item = &FormatField> {
        self.fields
            .iter()
            .filter(|field| !field.name.starts_with("common_"))
    }
}

/// Parses the text of `events/GROUP/EVENT/format`.
#[inline(never)]
pub fn parse_format(text: &str) -> Result<EventFormat, String> {
    let mut name = None;
    let mut id = None;
    let mut fields = Vec::new();
    for line in crate::words::lines(text) {
        let line = crate::words::trim(line);
        if let Some(value) = line.strip_prefix("name:") {
            name = Some(crate::words::trim(value).to_string());
        } else if let Some(value) = line.strip_prefix("ID:") {
            id = Some(
                decimal::<u32>(crate::words::trim(value))
                    .ok_or_else(|| format!("bad event id `{}`", crate::words::trim(value)))?,
            );
        } else if line.starts_with("field:") {
            fields.push(parse_field(line)?);
        }
    }
    Ok(EventFormat {
        name: name.ok_or("the format has no `name:` line")?,
        id: id.ok_or("the format has no `ID:` line")?,
        fields,
    })
}

/// A line like `field:char prev_comm[16]; offset:8; size:16; signed:0;` (tab-separated).
#[inline(never)]
fn parse_field(line: &str) -> Result<FormatField, String> {
    let (declaration, offset, size, signed) = field_parts(line)?;
    let (name, c_type, kind) = declared(declaration)?;
    Ok(FormatField {
        name: name.to_string(),
        c_type,
        offset,
        size,
        signed,
        kind,
    })
}

/// A field line's declaration, offset, size and signedness.
fn field_parts(line: &str) -> Result<(&str, usize, usize, bool), String> {
    let mut declaration = None;
    let (mut offset, mut size, mut signed) = (None, None, None);
    for part in crate::words::split(line, b';') {
        let part = crate::words::trim(part);
        if part.is_empty() {
            continue;
        }
        let (key, value) = crate::words::split_once(part, b':')
            .ok_or_else(|| format!("bad field part `{part}`"))?;
        let number = match key {
            "field" => {
                declaration = Some(crate::words::trim(value));
                continue;
            }
            "offset" => &mut offset,
            "size" => &mut size,
            "signed" => &mut signed,
            _ => continue, // later kernels may add keys; they do not change the layout
        };
        let parsed = decimal::<usize>(crate::words::trim(value));
        *number = Some(parsed.ok_or_else(|| format!("bad {key} `{value}` in `{line}`"))?);
    }
    let missing = |what: &str| format!("no {what} in `{line}`");
    let declaration = declaration.ok_or_else(|| missing("declaration"))?;
    let (offset, size) = (
        offset.ok_or_else(|| missing("offset"))?,
        size.ok_or_else(|| missing("size"))?,
    );
    let signed = signed.is_some_and(|signed| signed != 0);
    Ok((declaration, offset, size, signed))
}

/// A field's declaration read: its name, its C type (without the array suffix) and its kind.
fn declared(declaration: &str) -> Result<(&str, String, FieldKind), String> {
    let (loc, declaration) = if let Some(rest) = declaration.strip_prefix("__data_loc ") {
        (Some(false), rest)
    } else if let Some(rest) = declaration.strip_prefix("__rel_loc ") {
        (Some(true), rest)
    } else {
        (None, declaration)
    };
    // Split `TYPE NAME[N]` at the last identifier; the array suffix may be on either side
    // (`char comm[16]`, `__data_loc char[] name`).
    let (declaration, array) = match crate::words::rfind_byte(declaration, b'[') {
        Some(open) if declaration.ends_with("]") => (
            // `trim`: the declaration starts trimmed, and one trim is linked already.
            crate::words::trim(&declaration[..open]),
            Some(&declaration[open + 1..declaration.len() - 1]),
        ),
        _ => (declaration, None),
    };
    let name_start = declaration
        .bytes()
        .rposition(|byte| !(byte.is_ascii_alphanumeric() || byte == b'_'))
        .map_or(0, |position| position + 1);
    let name = &declaration[name_start..];
    let mut c_type = crate::words::trim(&declaration[..name_start]).to_string();
    if name.is_empty() || c_type.is_empty() {
        return Err(format!("cannot read the declaration `{declaration}`"));
    }
    let kind = match (loc, array) {
        (Some(relative), _) => {
            // `strip_suffix` in a loop: `trim_end_matches` with a string pattern is far larger.
            let mut element = c_type.as_str();
            while let Some(rest) = element.strip_suffix("[]") {
                element = rest;
            }
            c_type = crate::words::trim(element).to_string();
            FieldKind::DataLoc { relative }
        }
        (None, Some(count)) => {
            let count = decimal(crate::words::trim(count)).unwrap_or(0);
            FieldKind::Array { count }
        }
        (None, None) if c_type.ends_with("*") => FieldKind::Pointer,
        (None, None) => FieldKind::Integer,
    };
    Ok((name, c_type, kind))
}
