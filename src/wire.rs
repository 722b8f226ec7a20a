//! wire: the bytes probes and user space hand each other, defined once: each value's `Layout`,
//! the records probes write to the output ring, the state word, the values they pack (user
//! stacks, user addresses) and the aggregation values they keep in maps. compile lays records
//! out and emits its stores at these offsets; the runtime and output decode with the functions
//! here. Each encoder sits beside its decoder, and both take the byte order, so a big-endian
//! board's bytes are tested on any host.

pub use tine_asm::ByteOrder;

/// What the kernel writes: tine runs on the kernel it traces, so the host's order.
pub const HOST: ByteOrder = ByteOrder::HOST;

// ---- Integers, in either byte order

/// An unsigned integer of `bytes` bytes (1 to 8); input cut short reads as zeros.
/// Not inlined: its two copies cost more at each of its dozens of callers (binary size).
#[inline(never)]
pub fn unsigned(data: &[u8], bytes: usize, order: ByteOrder) -> u64 {
    let mut buffer = [0u8; 8];
    let bytes = bytes.min(8).min(data.len());
    match order {
        ByteOrder::Little => {
            buffer[..bytes].copy_from_slice(&data[..bytes]);
            u64::from_le_bytes(buffer)
        }
        ByteOrder::Big => {
            buffer[8 - bytes..].copy_from_slice(&data[..bytes]);
            u64::from_be_bytes(buffer)
        }
    }
}

/// A signed integer of `bytes` bytes (1 to 8), sign-extended.
pub fn signed(data: &[u8], bytes: usize, order: ByteOrder) -> i64 {
    let shift = 64 - 8 * bytes.clamp(1, 8) as u32;
    ((unsigned(data, bytes, order) << shift) as i64) >> shift
}

/// `value` as an integer of `bytes` bytes (1 to 8), truncated.
pub fn encode_int(value: u64, bytes: usize, order: ByteOrder) -> Vec<u8> {
    let bytes = bytes.clamp(1, 8);
    match order {
        ByteOrder::Little => value.to_le_bytes()[..bytes].to_vec(),
        ByteOrder::Big => value.to_be_bytes()[8 - bytes..].to_vec(),
    }
}

/// u64 number `index` of `data`; 0 past its end.
pub fn word(data: &[u8], index: usize, order: ByteOrder) -> u64 {
    data.get(index * 8..index * 8 + 8)
        .map_or(0, |bytes| unsigned(bytes, 8, order))
}

/// Every whole u64 of `data`: histogram buckets, summed words.
pub fn words(data: &[u8], order: ByteOrder) -> Vec<u64> {
    let mut words = Vec::new();
    for index in 0..data.len() / 8 {
        words.push(word(data, index, order));
    }
    words
}

pub fn encode_words(words: &[u64], order: ByteOrder) -> Vec<u8> {
    // A loop: a flat_map's iterator costs the binary a few hundred bytes more.
    let mut bytes = Vec::new();
    for &word in words {
        bytes.extend_from_slice(&encode_int(word, 8, order));
    }
    bytes
}

// ---- Layouts: what each value's bytes are

/// How a value is laid out in the bytes a probe sends (the schema compile writes and output
/// reads), and how it prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Layout {
    /// An integer of 1, 2, 4 or 8 bytes: `%u` / `%d`.
    Int { bytes: usize, signed: bool },
    /// A 64-bit address: `<ffff8880...>`.
    Pointer,
    /// `char[N]`: left-justified in N-1 columns when printable, else a hex dump.
    Chars(usize),
    /// Any other array: `[a, b, c]`.
    Array(Box<Layout>, usize),
    /// A struct. Anonymous ones (every map key) print on one line, `{ a, b }`; named ones one
    /// field a line.
    Struct { fields: Vec<Field>, anonymous: bool },
    /// An id (u32: pid, uid, gid, cpu), right-aligned in `width` columns: `%5u`.
    Id { width: usize },
    /// A duration in nanoseconds (u64), scaled to fit four digits: `  1.23ms`.
    Time,
    /// Wall-clock nanoseconds since the epoch (u64): local `HH:MM:SS.nnnnnnnnn`.
    WallTime,
    /// Monotonic nanoseconds (u64) printed as local time by C's strftime with this format.
    Strftime(String),
    /// A kernel code address (u64): `sym+off` once resolved, else `<%016x>`.
    KernelAddress,
    /// A stack id (u64) of the stack map of its depth, a user one with its pid
    /// (`encode_user_stack`): one frame a line once resolved.
    Stack(Stack),
    /// A user code address and its process's pid (`encode_user_address`): `function+offset`
    /// once resolved, else `<%016x>`.
    UserAddress,
    /// An address family and an address (`encode_inet`): `127.0.0.1`, `::1`.
    Inet,
    /// bpftrace's `buf()` of this capacity (`BUFFER_DATA`): its bytes, `\xNN` for those that
    /// are not printable ASCII.
    Buffer(usize),
    /// A number (or a MAC address's bytes) printed as the text user space finds for it.
    Resolved(Resolve),
}

/// What a `Layout::Resolved` value names, as bpftrace's `strerror()`, `username`,
/// `cgroup_path()` and `macaddr()` print it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolve {
    /// An errno (u64; C's `int` of its low half): the text of the C library tine is linked
    /// with, as bpftrace prints its own's: musl's (the boards') differs from glibc's for some
    /// (EIO is `I/O error`, not `Input/output error`).
    ErrorText,
    /// A uid (u64): its name in /etc/passwd, empty when it has none.
    UserName,
    /// A cgroup id (u64): `hierarchy:/path` in each cgroup hierarchy mounted, `,` between.
    CgroupPath,
    /// 6 bytes: `AA:BB:CC:DD:EE:FF`.
    MacAddress,
}

impl Resolve {
    pub fn size(self) -> usize {
        if self == Resolve::MacAddress {
            6
        } else {
            8
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: String,
    pub offset: usize,
    pub layout: Layout,
}

impl Layout {
    pub fn size(&self) -> usize {
        match self {
            Layout::Int { bytes, .. } => *bytes,
            Layout::Pointer
            | Layout::Time
            | Layout::WallTime
            | Layout::Strftime(_)
            | Layout::KernelAddress
            | Layout::Stack(_) => 8,
            Layout::Id { .. } => 4,
            Layout::UserAddress => USER_ADDRESS_SIZE,
            Layout::Inet => INET_SIZE,
            Layout::Buffer(capacity) => BUFFER_DATA + capacity,
            Layout::Resolved(resolve) => resolve.size(),
            Layout::Chars(len) => *len,
            Layout::Array(element, count) => element.size() * count,
            Layout::Struct { fields, .. } => {
                let mut end = 0;
                for field in fields {
                    end = end.max(field.offset + field.layout.size());
                }
                end
            }
        }
    }
}

// ---- Records on the output ring: `{ u64 id; values... }`

/// Bytes of a record's id, which indexes `Compiled::records`.
pub const ID_SIZE: usize = 8;
/// Byte offset of a record's first value.
pub const PAYLOAD: usize = ID_SIZE;
/// Every value in a record starts at a multiple of this, and a record's size is one.
pub const ALIGN: usize = 8;

/// Where each value of these sizes goes in a record, and the record's size, id included.
pub fn record_layout(sizes: impl IntoIterator<Item = usize>) -> (Vec<usize>, usize) {
    let mut offsets = Vec::new();
    let mut end = PAYLOAD;
    for size in sizes {
        let offset = end.next_multiple_of(ALIGN);
        offsets.push(offset);
        end = offset + size;
    }
    (offsets, end.next_multiple_of(ALIGN))
}

/// bpftrace's `join()` record: the id, then `JOIN_ARGUMENTS` slots of `JOIN_ARGUMENT_BYTES`,
/// each a NUL-terminated string (bpftrace 0.17's limits: 16 arguments of 1023 bytes). It is
/// built in a per-CPU map value, as it is far bigger than a BPF stack.
pub const JOIN_ARGUMENTS: usize = 16;
pub const JOIN_ARGUMENT_BYTES: usize = 1024;
pub const JOIN_SIZE: usize = PAYLOAD + JOIN_ARGUMENTS * JOIN_ARGUMENT_BYTES;

/// Where `join()`'s string number `index` starts in its record.
pub const fn join_slot(index: usize) -> usize {
    PAYLOAD + index * JOIN_ARGUMENT_BYTES
}

/// The strings of a `join()` record, up to the first empty slot (the probe stops at argv's
/// null, leaving the slots after it empty).
pub fn joined(record: &[u8]) -> Vec<&[u8]> {
    let mut strings = Vec::new();
    for index in 0..JOIN_ARGUMENTS {
        let Some(slot) = record.get(join_slot(index)..join_slot(index + 1).min(record.len()))
        else {
            break;
        };
        let end = slot.iter().position(|&byte| byte == 0);
        let text = &slot[..end.unwrap_or(slot.len())];
        if text.is_empty() {
            break;
        }
        strings.push(text);
    }
    strings
}

/// A `join()` record of `strings` as a probe writes it (each cut to its slot, NUL included).
pub fn encode_join(id: u64, strings: &[&[u8]], order: ByteOrder) -> Vec<u8> {
    let mut record = vec![0u8; JOIN_SIZE];
    record[..ID_SIZE].copy_from_slice(&encode_int(id, ID_SIZE, order));
    for (index, string) in strings.iter().take(JOIN_ARGUMENTS).enumerate() {
        let length = string.len().min(JOIN_ARGUMENT_BYTES - 1);
        record[join_slot(index)..][..length].copy_from_slice(&string[..length]);
    }
    record
}

/// A record as a probe writes it (padding zeroed): what `compile`'s stores build on the stack.
pub fn encode_record(id: u64, values: &[&[u8]], order: ByteOrder) -> Vec<u8> {
    let (offsets, size) = record_layout(values.iter().map(|value| value.len()));
    let mut record = vec![0u8; size];
    record[..ID_SIZE].copy_from_slice(&encode_int(id, ID_SIZE, order));
    for (value, offset) in values.iter().zip(offsets) {
        record[offset..offset + value.len()].copy_from_slice(value);
    }
    record
}

/// A record's id; None when the record is shorter than one.
pub fn record_id(record: &[u8], order: ByteOrder) -> Option<u64> {
    record.get(..ID_SIZE).map(|id| unsigned(id, ID_SIZE, order))
}

/// The bytes of the value of `size` at `offset`; a record cut short gives a short value.
pub fn record_value(record: &[u8], offset: usize, size: usize) -> &[u8] {
    let end = (offset + size).min(record.len());
    &record[offset.min(end)..end]
}

/// `exit(code)`'s record carries one value, the code as an i64; a record cut short exits 0.
pub fn exit_code(record: &[u8], order: ByteOrder) -> i64 {
    signed(record_value(record, PAYLOAD, 8), 8, order)
}

// ---- The state word: one integer, the one entry of tine's state map

/// Probes that run while tracing do nothing unless the word says `TRACING`; user space sets it
/// once BEGIN has run and every probe is attached, and `exit()` (or user space, on any other
/// stop) sets `STOPPED`, so nothing is recorded after the stop.
pub const SETTING_UP: i32 = 0;
pub const TRACING: i32 = 1;
pub const STOPPED: i32 = 2;
pub const STATE_SIZE: usize = 8;
/// The state map's entries, each `STATE_SIZE` bytes: the state word, and the monotonic
/// nanoseconds (`bpf_ktime_get_ns`) at which user space started the script, which `elapsed`
/// counts from.
pub const STATE_WORD_KEY: u32 = 0;
pub const STATE_START_KEY: u32 = 1;
pub const STATE_ENTRIES: u32 = 2;

pub fn encode_state(state: i32, order: ByteOrder) -> Vec<u8> {
    encode_int(state as u64, STATE_SIZE, order)
}

pub fn decode_state(word: &[u8], order: ByteOrder) -> i32 {
    signed(word, STATE_SIZE, order) as i32
}

// ---- Values a probe packs

/// What a stack value is: which stack, at most how many frames (each depth has a stack map of
/// its own, so the kernel merges stacks that share those frames, as bpftrace's maps do), and
/// whether it prints in perf's layout (`kstack(perf)`: address, `sym+off`, module).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stack {
    pub user: bool,
    pub perf: bool,
    pub depth: u16,
}

/// The frames of a `kstack`: the kernel's default `perf_event_max_stack`, and bpftrace's.
pub const STACK_DEPTH: u16 = 127;

/// A user stack's value: the stack id (a u32, or the negative errno `bpf_get_stackid`
/// returned) in the lower half, and the pid of its process, in which alone user addresses mean
/// something, in the upper half.
pub const USER_STACK_PID_SHIFT: i32 = 32;

/// What a probe computes from `bpf_get_stackid`'s return and the current process's pid.
pub fn encode_user_stack(stack_id: i64, pid: u32) -> u64 {
    u64::from(stack_id as u32) | u64::from(pid) << USER_STACK_PID_SHIFT
}

/// (stack id or negative errno, pid) of a user stack's value.
pub fn decode_user_stack(value: u64) -> (i64, u32) {
    (
        i64::from(value as u32 as i32),
        (value >> USER_STACK_PID_SHIFT) as u32,
    )
}

/// A stack map's value as the kernel writes it: code addresses, innermost first, the first
/// zero ending them.
pub fn stack_frames(value: &[u8], order: ByteOrder) -> Vec<u64> {
    let mut frames = words(value, order);
    let end = frames.iter().position(|&address| address == 0);
    frames.truncate(end.unwrap_or(frames.len()));
    frames
}

/// `usym(address)`: `{ u64 address; u32 pid; u32 zero }`, the pid of the process the
/// address belongs to.
pub const USER_ADDRESS_PID: usize = 8;
pub const USER_ADDRESS_SIZE: usize = 16;

pub fn encode_user_address(address: u64, pid: u32, order: ByteOrder) -> Vec<u8> {
    let mut value = encode_int(address, 8, order);
    value.extend(encode_int(u64::from(pid), 4, order));
    value.resize(USER_ADDRESS_SIZE, 0);
    value
}

/// (address, pid) of a `usym()` value.
pub fn decode_user_address(value: &[u8], order: ByteOrder) -> (u64, u32) {
    let pid = value.get(USER_ADDRESS_PID..).unwrap_or_default();
    (unsigned(value, 8, order), unsigned(pid, 4, order) as u32)
}

/// `ntop()`: `{ u32 family; u8 address[16] }`, an IPv4 address in the first 4 bytes of the
/// address and zeros after it; the families are Linux's on every architecture.
pub const INET_ADDRESS: usize = 4;
pub const INET_SIZE: usize = INET_ADDRESS + 16;
pub const AF_INET: u32 = 2;

/// `buf()`: `{ u64 length; u8 data[capacity] }`, zeros after the length's bytes.
pub const BUFFER_DATA: usize = 8;
pub const AF_INET6: u32 = 10;

pub fn encode_inet(family: u32, address: &[u8], order: ByteOrder) -> Vec<u8> {
    let mut value = encode_int(u64::from(family), 4, order);
    value.extend_from_slice(address);
    value.resize(INET_SIZE, 0);
    value
}

/// (family, the 16 bytes of address) of an `ntop()` value.
pub fn decode_inet(value: &[u8], order: ByteOrder) -> (u32, [u8; 16]) {
    let mut address = [0; 16];
    let bytes = value.get(INET_ADDRESS..).unwrap_or_default();
    let length = bytes.len().min(16);
    address[..length].copy_from_slice(&bytes[..length]);
    (unsigned(value, 4, order) as u32, address)
}

// ---- Aggregation values, one per CPU, as probes keep them in maps

/// `min()`/`max()`: `{ u64 value; u64 seen }`; `seen` is nonzero once this CPU stored a value
/// (its value 0 before that must not count).
pub const EXTREME_SEEN: usize = 8;
pub const EXTREME_SIZE: usize = 16;

pub fn encode_extreme(value: Option<u64>, order: ByteOrder) -> Vec<u8> {
    encode_words(&[value.unwrap_or(0), u64::from(value.is_some())], order)
}

/// The value this CPU stored, if it stored one.
pub fn decode_extreme(data: &[u8], order: ByteOrder) -> Option<u64> {
    (word(data, EXTREME_SEEN / 8, order) != 0).then(|| word(data, 0, order))
}

/// `avg()`/`stats()`: `{ u64 count; i64 sum }`.
pub const AVERAGE_SUM: usize = 8;

/// The log2 histogram's bucket for the value 1 when it is counted apart from 0 (after the 64
/// buckets of `compile::Options::ones_apart`).
pub const ONES_BUCKET: usize = 64;
pub const AVERAGE_SIZE: usize = 16;

pub fn encode_average(count: u64, sum: i64, order: ByteOrder) -> Vec<u8> {
    encode_words(&[count, sum as u64], order)
}

/// (count, sum) of an average.
pub fn decode_average(data: &[u8], order: ByteOrder) -> (u64, i64) {
    (
        word(data, 0, order),
        word(data, AVERAGE_SUM / 8, order) as i64,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDERS: [ByteOrder; 2] = [ByteOrder::Little, ByteOrder::Big];

    /// A `join()` record holds 16 strings of at most 1023 bytes; decoding stops at the first
    /// empty slot, where the probe met argv's null.
    #[test]
    fn join_records_hold_sixteen_cut_strings() {
        let long = vec![b'x'; 2000];
        let many: Vec<&[u8]> = std::iter::repeat_n(&b"a"[..], 20).collect();
        for order in ORDERS {
            let record = encode_join(3, &[b"ls", &long, b"-l"], order);
            assert_eq!(record.len(), JOIN_SIZE);
            assert_eq!(unsigned(&record, ID_SIZE, order), 3);
            assert_eq!(joined(&record), [&b"ls"[..], &long[..1023], b"-l"]);
            assert_eq!(joined(&encode_join(3, &many, order)).len(), 16);
            assert!(joined(&encode_join(3, &[], order)).is_empty());
        }
    }

    #[test]
    fn integers_of_every_width_round_trip_in_both_orders() {
        for order in ORDERS {
            for bytes in [1, 2, 4, 8] {
                let top = u64::MAX >> (64 - 8 * bytes);
                for value in [0, 1, 0x7f, top / 2, top] {
                    let encoded = encode_int(value, bytes, order);
                    assert_eq!(encoded.len(), bytes);
                    assert_eq!(unsigned(&encoded, bytes, order), value, "{order:?} {bytes}");
                }
                let minus_two = encode_int(-2i64 as u64, bytes, order);
                assert_eq!(signed(&minus_two, bytes, order), -2, "{order:?} {bytes}");
            }
        }
        // The orders really differ: the high byte comes last, or first.
        assert_eq!(encode_int(0x0102, 2, ByteOrder::Little), [2, 1]);
        assert_eq!(encode_int(0x0102, 2, ByteOrder::Big), [1, 2]);
        assert_eq!(unsigned(&[1, 2], 2, ByteOrder::Big), 0x0102);
        // Cut short: the missing bytes are zeros.
        assert_eq!(unsigned(&[5], 8, ByteOrder::Little), 5);
        assert_eq!(word(&[0; 12], 1, ByteOrder::Big), 0);
    }

    #[test]
    fn words_round_trip_in_both_orders() {
        let values = [0, 1, u64::MAX, 0x0102_0304_0506_0708];
        for order in ORDERS {
            assert_eq!(words(&encode_words(&values, order), order), values);
        }
    }

    #[test]
    fn records_lay_each_value_out_after_the_id_on_eight_bytes() {
        assert_eq!(record_layout([]), (vec![], 8));
        // u32, char[3], u64, u8: each value 8-aligned, the whole a multiple of 8.
        assert_eq!(record_layout([4, 3, 8, 1]), (vec![8, 16, 24, 32], 40));
        assert_eq!(record_layout([16, 12]), (vec![8, 24], 40));
    }

    #[test]
    fn every_record_kind_round_trips_in_both_orders() {
        for order in ORDERS {
            // exit(-3): one i64.
            let exit = encode_record(5, &[&encode_int(-3i64 as u64, 8, order)], order);
            assert_eq!(record_id(&exit, order), Some(5));
            assert_eq!(exit_code(&exit, order), -3);
            // printf and print: values of several sizes at the offsets the layout gives.
            let pid = encode_int(4242, 4, order);
            let comm = b"cat\0".to_vec();
            let address = encode_user_address(0xffff_1234, 77, order);
            let values: [&[u8]; 3] = [&pid, &comm, &address];
            let record = encode_record(u64::from(u32::MAX) + 1, &values, order);
            assert_eq!(record_id(&record, order), Some(u64::from(u32::MAX) + 1));
            let (offsets, size) = record_layout(values.iter().map(|value| value.len()));
            assert_eq!(record.len(), size);
            for (value, offset) in values.iter().zip(&offsets) {
                assert_eq!(record_value(&record, *offset, value.len()), *value);
            }
            let at = |index: usize| record_value(&record, offsets[index], values[index].len());
            assert_eq!(unsigned(at(0), 4, order), 4242);
            assert_eq!(decode_user_address(at(2), order), (0xffff_1234, 77));
            // print(@m), clear(@m): the id alone.
            let bare = encode_record(9, &[], order);
            assert_eq!((bare.len(), record_id(&bare, order)), (8, Some(9)));
        }
        // Cut short: no id; a value reads short.
        assert_eq!(record_id(&[1, 2, 3], ByteOrder::Little), None);
        assert_eq!(record_value(&[0; 12], 8, 8).len(), 4);
        assert_eq!(exit_code(&[0; 8], ByteOrder::Little), 0);
    }

    #[test]
    fn the_state_word_round_trips_in_both_orders() {
        for order in ORDERS {
            for state in [SETTING_UP, TRACING, STOPPED] {
                let word = encode_state(state, order);
                assert_eq!(word.len(), STATE_SIZE);
                assert_eq!(decode_state(&word, order), state);
            }
        }
        assert_eq!(
            encode_state(TRACING, ByteOrder::Big),
            [0, 0, 0, 0, 0, 0, 0, 1]
        );
    }

    #[test]
    fn a_user_stack_carries_its_pid_beside_the_id_or_errno() {
        for (stack_id, pid) in [(0, 0), (17, 4242), (i64::from(u32::MAX >> 1), u32::MAX)] {
            assert_eq!(
                decode_user_stack(encode_user_stack(stack_id, pid)),
                (stack_id, pid)
            );
        }
        // bpf_get_stackid failed with -EFAULT: the errno survives, negative.
        assert_eq!(decode_user_stack(encode_user_stack(-14, 9)), (-14, 9));
        assert_eq!(encode_user_stack(3, 2), 0x0000_0002_0000_0003);
    }

    #[test]
    fn stack_frames_end_at_the_first_zero() {
        for order in ORDERS {
            let value = encode_words(&[0xffff_0001, 0x4000_1000, 0, 0xdead], order);
            assert_eq!(stack_frames(&value, order), [0xffff_0001, 0x4000_1000]);
        }
    }

    #[test]
    fn user_addresses_and_aggregation_values_round_trip_in_both_orders() {
        for order in ORDERS {
            let address = encode_user_address(0x5555_0000_1234, 31337, order);
            assert_eq!(address.len(), USER_ADDRESS_SIZE);
            assert_eq!(
                decode_user_address(&address, order),
                (0x5555_0000_1234, 31337)
            );
            for value in [None, Some(0), Some(-5i64 as u64)] {
                let extreme = encode_extreme(value, order);
                assert_eq!(extreme.len(), EXTREME_SIZE);
                assert_eq!(decode_extreme(&extreme, order), value);
            }
            let inet = encode_inet(AF_INET6, &[0xfe, 0x80, 15, 1], order);
            assert_eq!(inet.len(), INET_SIZE);
            let mut address = [0; 16];
            address[..4].copy_from_slice(&[0xfe, 0x80, 15, 1]);
            assert_eq!(decode_inet(&inet, order), (AF_INET6, address));
            let average = encode_average(3, -300, order);
            assert_eq!(average.len(), AVERAGE_SIZE);
            assert_eq!(decode_average(&average, order), (3, -300));
        }
        // A big-endian board's `{ count = 1, sum = 2 }`, byte for byte.
        let board = [[0, 0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0, 2]].concat();
        assert_eq!(decode_average(&board, ByteOrder::Big), (1, 2));
        assert_eq!(decode_average(&board, ByteOrder::Little).0, 1 << 56);
    }
}
