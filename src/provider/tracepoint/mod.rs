//! provider::tracepoint: `tracepoint:group/event` (and bpftrace's `group:event`). The record a
//! tracepoint program sees is described by the event's tracefs `format` file; this reads it.

mod format;

use std::rc::Rc;

use crate::compile::{Access, ProgramKind};
use crate::kernel::bpf::LoadedProgram;
use crate::kernel::error::KernelError;
use crate::kernel::tracefs::Tracefs;
use crate::sema::types::{AddressSpace, StructField, StructType, Type};

use crate::lang::Syntax;

use super::error::{ProviderError, TracepointError};
use super::offline::{OfflineProbe, OfflineProviders};
use super::syscalls::Dispatch;
use super::{glob, Attachment, Points, Provider, Registry, ResolvedProbe, Variable};
pub use format::{parse_format, EventFormat, FieldKind, FormatField};

/// `tracepoint:group/event`: the events a spec names (a glob may name several) and `data`, the
/// record they share.
pub struct Tracepoint {
    /// `(group/event, perf event id)`.
    pub events: Vec<(String, u64)>,
    /// What `data` points to; None for a glob over events whose records differ.
    pub record: Option<Rc<StructType>>,
    variables: Vec<Variable>,
    space: AddressSpace,
    /// Attaches the points a syscall glob serves through raw_syscalls.
    syscalls: Rc<Dispatch>,
}

/// The memory the addresses in the records of events `names` (`group/event`, or a glob of them)
/// point into: the syscalls' arguments are the caller's (user) addresses; any other record
/// may hold either.
pub fn address_space(names: &mut dyn Iterator<Item = &str>) -> AddressSpace {
    for name in names {
        let end = name.bytes().position(|byte| byte == b'/' || byte == b':');
        let group = &name[..end.unwrap_or(name.len())];
        if group != "syscalls" && group != "raw_syscalls" {
            return AddressSpace::Unknown;
        }
    }
    AddressSpace::User
}

impl Tracepoint {
    pub fn resolve(tracefs: &Tracefs, spec: &str) -> Result<Tracepoint, ProviderError> {
        if !spec.as_bytes().contains(&b'/') {
            return Err(TracepointError::NoEvent(spec.to_string()).into());
        }
        let names = if glob::is_glob(spec) {
            matching(tracefs, spec)?
        } else {
            vec![spec.to_string()]
        };
        if names.is_empty() {
            return Err(TracepointError::NoMatch(spec.to_string()).into());
        }
        let mut events = Vec::with_capacity(names.len());
        let mut formats = Vec::with_capacity(names.len());
        for name in names {
            let (group, event) = crate::words::split_once(&name, b'/').unwrap_or((&name, ""));
            let read = || {
                Ok((
                    tracefs.event_id(group, event)?,
                    tracefs.event_format(group, event)?,
                ))
            };
            let (id, text) = read().map_err(|_: KernelError| TracepointError::Missing {
                name: name.clone(),
                events: tracefs.root().join("events"),
            })?;
            formats.push(parse_format(&text).map_err(TracepointError::BadFormat)?);
            events.push((name, id));
        }
        let space = address_space(&mut events.iter().map(|(name, _)| name.as_str()));
        let record = data_record(&formats, space).map(Rc::new);
        Ok(Tracepoint {
            events,
            variables: variables(record.clone()),
            record,
            space,
            syscalls: Rc::default(),
        })
    }
}

/// The events `pattern` matches, `group/event`, sorted.
fn matching(tracefs: &Tracefs, pattern: &str) -> Result<Vec<String>, ProviderError> {
    let events = tracefs.events()?;
    Ok(glob::listed(
        pattern,
        &mut events.iter().map(String::as_str),
        "",
        "",
    ))
}

/// `-l`: the events `spec` matches, bpftrace's `tracepoint:EVENT` in any group; `verbose`: each
/// with its own fields as its format file declares them, as bpftrace 0.17 prints them.
fn list(spec: &str, registry: &Registry, verbose: bool) -> Points {
    let tracefs = registry.tracefs()?;
    let any_group = if spec.contains('/') { "" } else { "*/" };
    let mut points = matching(&tracefs, &crate::words::joined(&[any_group, spec], ""))?;
    for point in points.iter_mut().filter(|_| verbose) {
        let (group, event) = crate::words::split_once(point, b'/').unwrap_or_default();
        // The common fields come first, and a blank line after them.
        let mut own = false;
        for line in crate::words::lines(&tracefs.event_format(group, event)?) {
            own |= line.is_empty();
            if let Some(field) = line.strip_prefix("\tfield:").filter(|_| own) {
                point.push_str("\n    ");
                point.push_str(crate::words::split(field, b';').next().unwrap_or_default());
            }
        }
    }
    Ok(points)
}

/// `data` when there is a record, else no variable.
fn variables(record: Option<Rc<StructType>>) -> Vec<Variable> {
    match record {
        Some(record) => vec![data(record)],
        None => Vec::new(),
    }
}

/// `data`, the variable that points to the record.
fn data(record: Rc<StructType>) -> Variable {
    Variable {
        name: "data".to_string(),
        ty: Type::Pointer {
            target: Box::new(Type::Struct(record)),
            // The context itself, loaded directly: no probe read goes through it.
            space: AddressSpace::Unknown,
        },
        access: Access::Context,
    }
}

/// `tracepoint:`.
pub static TRACEPOINT: Provider = Provider {
    syntax: Syntax {
        name: "tracepoint",
        bare: false,
        aliases: "",
        // bpftrace writes `group:event`.
        canonical: |spec| replace_first(spec, b':', "/"),
    },
    resolve: resolve_in,
    offline: offline_probe,
    // A glob's points decide its record, so its types.
    offline_points: Some(|spec, sources| {
        if glob::is_glob(spec) {
            (sources.tracepoint_events)(spec)
        } else {
            Ok(Vec::new())
        }
    }),
    // bpftrace's `group:event` when the script wrote it so.
    respell: Some(|point, written| {
        if written.as_bytes().contains(&b'/') {
            point.to_string()
        } else {
            replace_first(point, b'/', ":")
        }
    }),
    list: Some(list),
};

/// The tracepoint at `spec`, attaching through the run's syscall dispatch, which takes the
/// points of a syscall glob.
fn resolve_in(spec: &str, registry: &Registry) -> Result<super::Resolved, ProviderError> {
    let tracefs = registry.tracefs()?;
    let mut tracepoint = Tracepoint::resolve(&tracefs, spec)?;
    if glob::is_glob(spec) {
        registry
            .syscalls
            .admit(&tracepoint.events, registry, &tracefs);
    }
    tracepoint.syscalls = registry.syscalls.clone();
    Ok(Rc::new(tracepoint))
}

/// `text` with its first `from` made `to`: `str::replacen` is linked for these two alone.
fn replace_first(text: &str, from: u8, to: &str) -> String {
    match crate::words::split_once(text, from) {
        Some((head, tail)) => crate::words::joined(&[head, to, tail], ""),
        None => text.to_string(),
    }
}

/// A glob over events whose records differ has no `data`, as when tracing.
fn offline_probe(spec: &str, sources: &OfflineProviders) -> Result<OfflineProbe, ProviderError> {
    let variables = variables((sources.tracepoint_record)(spec)?);
    Ok(OfflineProbe {
        space: address_space(&mut std::iter::once(spec)),
        ..OfflineProbe::new(ProgramKind::Tracepoint, variables)
    })
}

impl ResolvedProbe for Tracepoint {
    fn kind(&self) -> ProgramKind {
        ProgramKind::Tracepoint
    }

    fn variables(&self) -> &[Variable] {
        &self.variables
    }

    fn address_space(&self) -> AddressSpace {
        self.space
    }

    fn interrupts_on(&self) -> bool {
        (self.events.iter())
            .all(|(name, _)| name.starts_with("syscalls/") || name.starts_with("raw_syscalls/"))
    }

    fn points(&self) -> Vec<String> {
        let mut points = Vec::with_capacity(self.events.len());
        for (name, _) in &self.events {
            points.push(name.clone());
        }
        points
    }

    fn attach(&self, program: &LoadedProgram) -> Result<Attachment, KernelError> {
        self.syscalls.attach(&self.events, program)
    }
}

/// The width and signedness of the C integer types tracepoint formats declare, where the
/// format's own `size`/`signed` can mislead: a syscall's arguments are kept as `unsigned long`
/// slots (`signed:0`, `size:8`) whatever the parameter's type, so kill(2)'s `pid_t pid` of -5
/// sits in its slot as 0xfffffffb. Read through the C type, it is -5, as the syscall saw it.
fn c_integer(c_type: &str) -> Option<(usize, bool)> {
    let mut name = c_type;
    for qualifier in ["const ", "volatile "] {
        while let Some(rest) = name.strip_prefix(qualifier) {
            name = rest;
        }
    }
    // Group `g` is `1 << g / 2` bytes wide, signed when `g` is even.
    let mut group = 0;
    for known in crate::words::split(C_INTEGERS, b'|') {
        if known == ";" {
            group += 1;
        } else if known == name {
            return Some((1 << (group / 2), group % 2 == 0));
        }
    }
    None
}

/// The C integer types of tracepoint formats, `|`-separated, in groups ended by `;` of 1, 2,
/// 4 and 8 bytes, signed then unsigned: one string, not a table of `&str`s.
const C_INTEGERS: &str = concat!(
    "signed char|s8|__s8|;|",
    "unsigned char|u8|__u8|bool|;|",
    "short|s16|__s16|;|",
    "unsigned short|u16|__u16|umode_t|;|",
    "int|s32|__s32|pid_t|key_t|mqd_t|clockid_t|timer_t|rwf_t|key_serial_t|;|",
    "unsigned int|unsigned|u32|__u32|uid_t|gid_t|qid_t|;|",
    "long|long long|s64|__s64|off_t|loff_t|ssize_t|;|",
    "unsigned long|unsigned long long|u64|__u64|size_t|aio_context_t",
);

fn integer(size: usize, signed: bool) -> Type {
    Type::Int {
        bytes: match size {
            1 | 2 | 4 => size as u8,
            _ => 8,
        },
        signed,
    }
}

/// Whether C type `c_type` names a char: by bytes, as a `&str` search would link a searcher
/// into the binary for this alone.
fn is_char(c_type: &str) -> bool {
    c_type.as_bytes().windows(4).any(|word| word == b"char")
}

/// What a pointer field of C type `c_type` points to: a char, a struct or union by name (which
/// sema may find in BTF), a pointer to one of those in `space` (`const char *const *argv`),
/// else void.
fn pointed(c_type: &str, space: AddressSpace) -> Type {
    let pointee = &c_type[..crate::words::rfind_byte(c_type, b'*').unwrap_or(0)];
    if pointee.as_bytes().contains(&b'*') {
        return Type::Pointer {
            target: Box::new(pointed(pointee, space)),
            space,
        };
    }
    if is_char(pointee) {
        return integer(1, false);
    }
    // The words between blanks, by bytes (the format is ASCII), qualifiers left out.
    let mut words = [""; 2];
    let mut count = 0;
    for word in pointee.split(|c: char| c.is_ascii_whitespace()) {
        if matches!(word, "" | "const" | "volatile" | "__user") {
            continue;
        }
        if let Some(slot) = words.get_mut(count) {
            *slot = word;
        }
        count += 1;
    }
    match words {
        [tag @ ("struct" | "union"), name] if count == 2 => {
            Type::Named(format!("{tag} {name}").into())
        }
        _ => Type::Void,
    }
}

/// The record `data` points to in events of these formats, whose pointers point into `space`.
/// One program serves every event of a glob, so there is one only when all records are laid
/// out alike.
pub fn data_record(formats: &[EventFormat], space: AddressSpace) -> Option<StructType> {
    let same = formats
        .windows(2)
        .all(|pair| pair[0].fields == pair[1].fields);
    let first = formats.first().filter(|_| same)?;
    Some(record_type(first, space))
}

/// The record type sema gives `data`: every field at its offset, typed from its size and
/// kind; an integer whose C type is known is read at that type's width (at most the size: a
/// 32-bit kernel's `long` is 4 bytes) and signedness, from the low bytes of its slot; its pointers
/// point into `space`. The `common_` header is left out: before a BPF program runs, the kernel
/// writes a pointer to the registers over it (`perf_trace_run_bpf_submit`).
#[inline(never)]
pub fn record_type(format: &EventFormat, space: AddressSpace) -> StructType {
    let mut size = 0;
    let mut fields = Vec::new();
    for field in format.own_fields() {
        let mut offset = field.offset;
        let ty = match field.kind {
            FieldKind::Integer => match c_integer(&field.c_type) {
                Some((width, signed)) => {
                    let width = width.min(field.size);
                    if cfg!(target_endian = "big") {
                        offset += field.size - width;
                    }
                    integer(width, signed)
                }
                _ => integer(field.size, field.signed),
            },
            FieldKind::DataLoc { relative } => Type::DataLoc {
                relative,
                string: is_char(&field.c_type),
            },
            // A 32-bit kernel's pointers are 4 bytes: read as the address they hold, which
            // str() and mem() read through as the probe's memory, as any address.
            FieldKind::Pointer if field.size < 8 => integer(field.size, false),
            FieldKind::Pointer => Type::Pointer {
                target: Box::new(pointed(&field.c_type, space)),
                space,
            },
            FieldKind::Array { count } if is_char(&field.c_type) => Type::Chars(count),
            FieldKind::Array { count } => Type::Array(
                Box::new(integer(field.size / count.max(1), field.signed)),
                count.try_into().unwrap_or(u32::MAX),
            ),
        };
        size = size.max(field.offset + field.size);
        fields.push(StructField {
            name: field.name.clone(),
            ty,
            offset,
        });
    }
    StructType {
        name: Some(format.name.clone()),
        fields,
        size,
        align: 8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pointer field names the struct it points to, for sema to find in BTF; a pointer to a
    /// pointer points to what the inner pointer is, in the record's space (`execve`'s
    /// `const char *const * argv`, so `*(args->argv + 1)` is the second argument's address);
    /// a pointer to a scalar stays `void *`.
    #[test]
    fn pointer_fields_keep_the_struct_they_point_to() {
        let named = |name: &str| Type::Named(name.into());
        let user = AddressSpace::User;
        let to = |target: Type| Type::Pointer {
            target: Box::new(target),
            space: user,
        };
        assert_eq!(
            pointed("struct __kernel_timespec *", user),
            named("struct __kernel_timespec")
        );
        assert_eq!(pointed("const union u __user *", user), named("union u"));
        assert_eq!(pointed("const char *", user), integer(1, false));
        assert_eq!(pointed("const char *const *", user), to(integer(1, false)));
        assert_eq!(pointed("struct s **", user), to(named("struct s")));
        assert_eq!(pointed("unsigned long *", user), Type::Void);
    }

    const SCHED_SWITCH: &str = "name: sched_switch\nID: 372\nformat:\n\
        \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\
        \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n\
        \tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n\
        \tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;\n\
        \tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;\n\n\
        print fmt: \"prev_comm=%s\", REC->prev_comm\n";

    #[test]
    fn reads_scalars_arrays_and_the_common_header() {
        let format = parse_format(SCHED_SWITCH).unwrap();
        assert_eq!((format.name.as_str(), format.id), ("sched_switch", 372));
        assert_eq!(format.fields.len(), 5);
        assert_eq!(
            format.field("prev_comm").unwrap(),
            &FormatField {
                name: "prev_comm".into(),
                c_type: "char".into(),
                offset: 8,
                size: 16,
                signed: false,
                kind: FieldKind::Array { count: 16 }
            }
        );
        let pid = format.field("prev_pid").unwrap();
        assert_eq!(
            (
                pid.c_type.as_str(),
                pid.offset,
                pid.size,
                pid.signed,
                pid.kind
            ),
            ("pid_t", 24, 4, true, FieldKind::Integer)
        );
        let own: Vec<&str> = format
            .own_fields()
            .map(|field| field.name.as_str())
            .collect();
        assert_eq!(own, ["prev_comm", "prev_pid", "prev_state"]);
    }

    #[test]
    fn reads_pointers_and_data_locations() {
        let text = "name: x\nID: 7\nformat:\n\
            \tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n\
            \tfield:__data_loc char[] name;\toffset:8;\tsize:4;\tsigned:0;\n\
            \tfield:__rel_loc char[] rel;\toffset:12;\tsize:4;\tsigned:0;\n\
            \tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;\n";
        let format = parse_format(text).unwrap();
        let filename = format.field("filename").unwrap();
        assert_eq!(
            (filename.c_type.as_str(), filename.kind),
            ("const char *", FieldKind::Pointer)
        );
        let name = format.field("name").unwrap();
        assert_eq!(
            (name.c_type.as_str(), name.kind),
            ("char", FieldKind::DataLoc { relative: false })
        );
        assert_eq!(
            format.field("rel").unwrap().kind,
            FieldKind::DataLoc { relative: true }
        );
        // A syscall argument declared int is 8 bytes in the record.
        assert_eq!(format.field("dfd").unwrap().size, 8);
    }

    /// A 32-bit kernel's record holds 4-byte pointers (armhf's sys_enter_read `buf`): read as
    /// the 4 bytes they are, not 8 that take the next field as a high half.
    #[test]
    fn pointers_of_32_bit_kernels_are_read_at_their_size() {
        let text = "name: sys_enter_read\nID: 7\nformat:\n\
            \tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n\
            \tfield:char * buf;\toffset:16;\tsize:4;\tsigned:0;\n\
            \tfield:size_t count;\toffset:20;\tsize:4;\tsigned:0;\n";
        let record = record_type(&parse_format(text).unwrap(), AddressSpace::User);
        let buf = record
            .fields
            .iter()
            .find(|field| field.name == "buf")
            .unwrap();
        assert_eq!((buf.offset, buf.ty.size()), (16, 4));
        assert!(buf.ty.is_integer());
        let wide = SCHED_SWITCH.replace("long prev_state", "char * prev_state");
        let record = record_type(&parse_format(&wide).unwrap(), AddressSpace::Kernel);
        let state = record
            .fields
            .iter()
            .find(|field| field.name == "prev_state");
        assert!(matches!(state.unwrap().ty, Type::Pointer { .. }));
    }

    /// Every group of C integer names gives its width and sign, qualifiers aside; a name the
    /// table lacks, or its group separator, gives none.
    #[test]
    fn c_integers_have_their_group_s_width_and_sign() {
        let cases = [
            ("signed char", Some((1, true))),
            ("bool", Some((1, false))),
            ("const volatile __s16", Some((2, true))),
            ("umode_t", Some((2, false))),
            ("key_serial_t", Some((4, true))),
            ("qid_t", Some((4, false))),
            ("long long", Some((8, true))),
            ("aio_context_t", Some((8, false))),
            ("cap_user_header_t", None),
            (";", None),
        ];
        for (name, wanted) in cases {
            assert_eq!(c_integer(name), wanted, "{name}");
        }
    }

    /// A syscall's arguments sit in unsigned 8-byte slots; each is read at its C type's width
    /// and signedness from the low bytes, so a negative `pid_t` is negative. A type the table
    /// does not know keeps the format's size and `signed:`.
    #[test]
    fn syscall_slots_are_read_as_their_c_types() {
        let text = "name: sys_enter_kill\nID: 7\nformat:\n\
            \tfield:pid_t pid;\toffset:16;\tsize:8;\tsigned:0;\n\
            \tfield:const unsigned int flags;\toffset:24;\tsize:8;\tsigned:0;\n\
            \tfield:long offset;\toffset:32;\tsize:8;\tsigned:0;\n\
            \tfield:cap_user_header_t header;\toffset:40;\tsize:8;\tsigned:0;\n";
        let record = record_type(&parse_format(text).unwrap(), AddressSpace::User);
        let fields: Vec<(usize, &Type)> = record
            .fields
            .iter()
            .map(|field| (field.offset, &field.ty))
            .collect();
        let low = |offset| {
            if cfg!(target_endian = "big") {
                offset + 4
            } else {
                offset
            }
        };
        let int = |bytes, signed| Type::Int { bytes, signed };
        assert_eq!(
            fields,
            [
                (low(16), &int(4, true)),
                (low(24), &int(4, false)),
                (32, &int(8, true)),
                (40, &int(8, false)),
            ]
        );
        assert_eq!(record.size, 48);
    }

    #[test]
    fn broken_formats_are_errors() {
        assert!(parse_format("ID: 1\n").unwrap_err().contains("name"));
        assert!(parse_format("name: x\nID: y\n")
            .unwrap_err()
            .contains("bad event id"));
        assert!(
            parse_format("name: x\nID: 1\n\tfield:int a;\toffset:z;\tsize:4;\n")
                .unwrap_err()
                .contains("bad offset")
        );
        assert!(parse_format("name: x\nID: 1\n\tfield:int a;\tsize:4;\n")
            .unwrap_err()
            .contains("no offset"));
    }

    /// Every event format on this machine parses, when tracefs is there to read.
    #[test]
    fn every_format_of_the_running_kernel_parses() {
        let Some(events) = [
            "/sys/kernel/tracing/events",
            "/sys/kernel/debug/tracing/events",
        ]
        .iter()
        .find_map(|path| std::fs::read_dir(path).ok()) else {
            crate::testing::skip(
                "every_format_of_the_running_kernel_parses",
                "tracefs is not mounted",
            );
            return;
        };
        let mut parsed = 0;
        for group in events.flatten() {
            for event in std::fs::read_dir(group.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let Ok(text) = crate::kernel::read_text(event.path().join("format")) else {
                    continue;
                };
                let format = parse_format(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", event.path().display()));
                assert!(
                    format.fields.iter().all(|field| field.size > 0
                        || matches!(field.kind, FieldKind::Array { count: 0 })),
                    "{}",
                    format.name
                );
                parsed += 1;
            }
        }
        assert!(parsed > 100, "only {parsed} formats");
    }
}
