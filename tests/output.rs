//! ply's output layout, byte for byte: each expected string is worked out from the printf formats
//! ply uses (`%-*s`, `%5u`, `\t%8u `, `\t[%4d, %4d]`, ...), documented in ply-compat.md.

use tine::output::{
    compare, write_log2_histogram, write_map, write_styled, write_time, write_value, MapShape,
    NoSymbols, PrintOptions, Shown, Style, Symbols,
};
use tine::wire::{self, ByteOrder, Field, Layout};

fn u64_layout() -> Layout {
    Layout::Int {
        bytes: 8,
        signed: false,
    }
}

fn comm(name: &str) -> Vec<u8> {
    let mut bytes = name.as_bytes().to_vec();
    bytes.resize(16, 0);
    bytes
}

fn printed(layout: &Layout, data: &[u8]) -> String {
    let mut out = String::new();
    write_value(&mut out, layout, data, &NoSymbols);
    out
}

#[test]
fn scalars_pids_and_pointers() {
    assert_eq!(
        printed(&u64_layout(), &u64::MAX.to_ne_bytes()),
        "18446744073709551615"
    );
    assert_eq!(
        printed(
            &Layout::Int {
                bytes: 4,
                signed: true
            },
            &(-5i32).to_ne_bytes()
        ),
        "-5"
    );
    assert_eq!(
        printed(
            &Layout::Int {
                bytes: 1,
                signed: true
            },
            &[0xff]
        ),
        "-1"
    );
    assert_eq!(
        printed(
            &Layout::Int {
                bytes: 2,
                signed: false
            },
            &0xfffeu16.to_ne_bytes()
        ),
        "65534"
    );
    assert_eq!(
        printed(&Layout::Id { width: 5 }, &42u32.to_ne_bytes()),
        "   42"
    );
    assert_eq!(
        printed(&Layout::Id { width: 5 }, &1234567u32.to_ne_bytes()),
        "1234567"
    );
    // uid and gid in 4 columns, cpu in 2, as ply's proc.c prints them.
    assert_eq!(
        printed(&Layout::Id { width: 4 }, &0u32.to_ne_bytes()),
        "   0"
    );
    assert_eq!(printed(&Layout::Id { width: 2 }, &1u32.to_ne_bytes()), " 1");
    assert_eq!(
        printed(&Layout::Pointer, &0xffff_8880_1234_0000u64.to_ne_bytes()),
        "<ffff888012340000>"
    );
}

#[test]
fn strings_pad_to_their_array_and_binary_data_is_dumped() {
    assert_eq!(printed(&Layout::Chars(16), &comm("dd")), "dd             ");
    // A literal like "rdsz" is char[8]: ply pads it to 7.
    assert_eq!(printed(&Layout::Chars(8), b"rdsz\0\0\0\0"), "rdsz   ");
    assert_eq!(
        printed(&Layout::Chars(4), &[0x01, b'A', 0, 0]),
        format!("\n000:  01 41 00 00{}.A..\n", " ".repeat(40))
    );
    // Bytes after the terminating NUL make it binary too.
    let mut data = comm("ab");
    data[10] = b'x';
    let dump = printed(&Layout::Chars(16), &data);
    assert_eq!(
        dump,
        "\n000:  61 62 00 00 00 00 00 00  00 00 78 00 00 00 00 00   ab...... ..x.....\n"
    );
}

#[test]
fn arrays_and_structs() {
    let array = Layout::Array(
        Box::new(Layout::Int {
            bytes: 4,
            signed: false,
        }),
        3,
    );
    let data: Vec<u8> = [1u32, 2, 3].iter().flat_map(|v| v.to_ne_bytes()).collect();
    assert_eq!(printed(&array, &data), "[1, 2, 3]");

    let fields = vec![
        Field {
            name: "comm".into(),
            offset: 0,
            layout: Layout::Chars(16),
        },
        Field {
            name: "pid".into(),
            offset: 16,
            layout: Layout::Id { width: 5 },
        },
    ];
    let mut data = comm("dd");
    data.extend_from_slice(&7u32.to_ne_bytes());
    let key = Layout::Struct {
        fields: fields.clone(),
        anonymous: true,
    };
    assert_eq!(printed(&key, &data), "{ dd             ,     7 }");
    let named = Layout::Struct {
        fields,
        anonymous: false,
    };
    assert_eq!(
        printed(&named, &data),
        "{\n\tcomm = dd             ,\n\tpid =     7\n}"
    );
}

/// bpftrace's value layouts: strings unpadded (quoted and escaped in JSON), ids unaligned,
/// pointers signed, tuples `(a, b)` / `[a,b]`, arrays `[a,b]`, structs `{ .a = 1 }` /
/// `{ "a": 1 }` (as bpftrace 0.17's runtime tests expect).
#[test]
fn values_in_bpftrace_layouts() {
    let styled = |layout: &Layout, data: &[u8], style: Style| {
        let mut out = String::new();
        write_styled(&mut out, layout, data, &NoSymbols, style);
        out
    };
    let fields = vec![
        Field {
            name: "comm".into(),
            offset: 0,
            layout: Layout::Chars(16),
        },
        Field {
            name: "pid".into(),
            offset: 16,
            layout: Layout::Id { width: 5 },
        },
    ];
    let mut data = comm("a\"b\n\u{1}");
    data.extend_from_slice(&7u32.to_ne_bytes());
    let tuple = Layout::Struct {
        fields: fields.clone(),
        anonymous: true,
    };
    assert_eq!(styled(&tuple, &data, Style::Bpftrace), "(a\"b\n\u{1}, 7)");
    assert_eq!(
        styled(&tuple, &data, Style::Json),
        "[\"a\\\"b\\n\\u0001\",7]"
    );
    let named = Layout::Struct {
        fields,
        anonymous: false,
    };
    assert_eq!(
        styled(&named, &data, Style::Bpftrace),
        "{ .comm = a\"b\n\u{1}, .pid = 7 }"
    );
    assert_eq!(
        styled(&named, &data, Style::Json),
        "{ \"comm\": \"a\\\"b\\n\\u0001\", \"pid\": 7 }"
    );
    let array = Layout::Array(
        Box::new(Layout::Int {
            bytes: 4,
            signed: true,
        }),
        2,
    );
    let data: Vec<u8> = [1i32, -2].iter().flat_map(|v| v.to_ne_bytes()).collect();
    assert_eq!(styled(&array, &data, Style::Bpftrace), "[1,-2]");
    assert_eq!(styled(&array, &data, Style::Json), "[1,-2]");
    let pointer = 0xffff_8880_0000_0000u64.to_ne_bytes();
    assert_eq!(
        styled(&Layout::Pointer, &pointer, Style::Bpftrace),
        "-131391639519232"
    );
    // ply's layout is untouched.
    assert_eq!(
        styled(&Layout::Pointer, &pointer, Style::Ply),
        "<ffff888000000000>"
    );
}

/// `ntop()` values print as glibc's inet_ntop prints them (each expected text is what it gave
/// for these bytes, through Python's socket.inet_ntop): dotted IPv4, IPv6 with the first
/// longest run of two or more zero groups as `::`, IPv4-mapped and IPv4-compatible addresses
/// with their last 32 bits dotted; another family prints nothing, as in bpftrace.
#[test]
fn ntop_values_print_as_inet_ntop() {
    let hex = |text: &str| -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(&text[at..at + 2], 16).expect("hex"))
            .collect()
    };
    let ipv6 = [
        ("00000000000000000000000000000000", "::"),
        ("00000000000000000000000000000001", "::1"),
        ("00000000000000000000000000000002", "::2"),
        ("00000000000000000000000000000100", "::100"),
        ("00000000000000000000000001020304", "::1.2.3.4"),
        ("00000000000000000000000000010000", "::0.1.0.0"),
        ("00000000000000000000ffff7f000001", "::ffff:127.0.0.1"),
        ("00000000000000000000ffff00000000", "::ffff:0.0.0.0"),
        ("00000000000000000000fffe01020304", "::fffe:102:304"),
        ("00010000000000000000ffff01020304", "1::ffff:102:304"),
        ("20010db8000000000001000000000001", "2001:db8::1:0:0:1"),
        ("20010db8000000010000000000000001", "2001:db8:0:1::1"),
        ("20010000000000000001000000000000", "2001::1:0:0:0"),
        ("fe800000000000000000000000000000", "fe80::"),
        ("01000000000000000000000000000000", "100::"),
        ("20010001000000010000000100000001", "2001:1:0:1:0:1:0:1"),
        ("00000001000000000000000000000000", "0:1::"),
        (
            "fe80000000000000abcdef0123456789",
            "fe80::abcd:ef01:2345:6789",
        ),
    ];
    for order in ORDERS {
        let inet = |family, address: &[u8]| {
            let mut out = String::new();
            let value = wire::encode_inet(family, address, order);
            write_value(&mut out, &Layout::Inet, &value, &Kernel(order));
            out
        };
        for (address, expected) in ipv6 {
            assert_eq!(inet(wire::AF_INET6, &hex(address)), expected, "{order:?}");
        }
        assert_eq!(inet(wire::AF_INET, &[127, 0, 0, 1]), "127.0.0.1");
        assert_eq!(inet(wire::AF_INET, &[0, 0, 0, 0]), "0.0.0.0");
        assert_eq!(inet(wire::AF_INET, &[255, 255, 10, 200]), "255.255.10.200");
        // IPv4 of the first 4 bytes, IPv6 of 4 bytes and zeros, as bpftrace's ntop(af, x).
        assert_eq!(inet(wire::AF_INET, &hex("0a000001ffffffff")), "10.0.0.1");
        assert_eq!(inet(wire::AF_INET6, &[0x7f, 0, 0, 1]), "7f00:1::");
        assert_eq!(inet(7, &[127, 0, 0, 1]), "");
    }
    // In bpftrace's layouts: text, quoted in JSON; sorted by family, then address.
    let value = wire::encode_inet(wire::AF_INET, &[10, 1, 2, 3], wire::HOST);
    for (style, expected) in [(Style::Bpftrace, "10.1.2.3"), (Style::Json, "\"10.1.2.3\"")] {
        let mut out = String::new();
        write_styled(&mut out, &Layout::Inet, &value, &NoSymbols, style);
        assert_eq!(out, expected);
    }
    let higher = wire::encode_inet(wire::AF_INET, &[10, 1, 2, 4], wire::HOST);
    let ipv6 = wire::encode_inet(wire::AF_INET6, &[0; 16], wire::HOST);
    assert!(compare(&Layout::Inet, &value, &higher, (wire::HOST, true)).is_lt());
    assert!(compare(&Layout::Inet, &higher, &ipv6, (wire::HOST, true)).is_lt());
    assert_eq!(
        rendered(
            "[%-16s] [%s]",
            &[(&Layout::Inet, &value), (&Layout::Inet, &ipv6)]
        ),
        "[10.1.2.3        ] [::]"
    );
}

#[test]
fn durations_scale_to_four_digits() {
    let cases = [
        (0, "   0ns"),
        (42, "  42ns"),
        (999, " 999ns"),
        (1_000, "1.00us"),
        (1_234, "1.23us"),
        (12_345, "12.3us"),
        (123_456, " 123us"),
        (1_500_000, "1.50ms"),
        (2_000_000_000, "2.00 s"),
        (90_000_000_000, "90.0 s"),
        (2_000_000_000_000, "  33 M"),
        (86_400_000_000_000 * 3, "  72 H"),
    ];
    for (ns, text) in cases {
        let mut out = String::new();
        write_time(&mut out, ns);
        assert_eq!(out, text, "{ns} ns");
    }
}

fn histogram(buckets: &[(usize, u64)], argument: &Layout) -> String {
    let mut counts = vec![0u64; 64];
    for &(index, count) in buckets {
        counts[index] = count;
    }
    let mut out = String::new();
    write_log2_histogram(&mut out, &counts, argument);
    out
}

#[test]
fn one_full_bucket_gets_a_full_bar() {
    // ply's quantize test: 10 reads of 10240 bytes.
    assert_eq!(
        histogram(&[(13, 10)], &u64_layout()),
        format!("\n\t[  8k,  16k)\t      10 ┤{}│\n", "█".repeat(32))
    );
}

#[test]
fn bars_are_eighths_of_the_total_and_gaps_are_marked() {
    let expected = format!(
        "\n\t[   0,    1]\t       1 ┤██▉{}│\n\t...\n\t[  8k,  16k)\t      10 ┤{}▏  │\n",
        " ".repeat(29),
        "█".repeat(29)
    );
    assert_eq!(histogram(&[(0, 1), (13, 10)], &u64_layout()), expected);
}

#[test]
fn bucket_labels_switch_to_suffixes_at_1k() {
    let text = histogram(
        &[(1, 1), (2, 1), (9, 1), (10, 1), (20, 1), (63, 1)],
        &u64_layout(),
    );
    let labels: Vec<&str> = text
        .lines()
        .filter_map(|line| line.split('\t').nth(1))
        .collect();
    assert_eq!(
        labels,
        [
            "[   2,    3]",
            "[   4,    7]",
            "...",
            "[ 512,   1k)",
            "[  1k,   2k)",
            "...",
            "[  1M,   2M)",
            "...",
            "[  8Z,  16Z)"
        ]
    );
}

#[test]
fn negative_values_of_a_signed_argument_come_first() {
    let text = histogram(
        &[(63, 2), (3, 2)],
        &Layout::Int {
            bytes: 8,
            signed: true,
        },
    );
    let half = format!("┤{}{}│", "█".repeat(16), " ".repeat(16));
    assert_eq!(
        text,
        format!("\n\t         < 0\t       2 {half}\n\t...\n\t[   8,   15]\t       2 {half}\n")
    );
}

#[test]
fn durations_label_their_buckets_with_times() {
    let text = histogram(&[(10, 4)], &Layout::Time);
    assert!(
        text.starts_with("\n\t[1.02us, 2.04us]\t       4 ┤"),
        "{text:?}"
    );
}

#[test]
fn maps_sort_by_value_then_key_and_empty_maps_print_nothing() {
    let key = Layout::Struct {
        fields: vec![Field {
            name: "comm".into(),
            offset: 0,
            layout: Layout::Chars(16),
        }],
        anonymous: true,
    };
    let entries = vec![
        (comm("dd"), 100u64.to_ne_bytes().to_vec()),
        (comm("bash"), 3u64.to_ne_bytes().to_vec()),
        (comm("awk"), 100u64.to_ne_bytes().to_vec()),
        (comm("sshd"), 5_000_000_000u64.to_ne_bytes().to_vec()),
    ];
    let mut out = String::new();
    write_map(
        &mut out,
        &MapShape {
            name: "@",
            key: Some(&key),
            shown: &Shown::Plain(u64_layout()),
            style: Style::Ply,
        },
        entries,
        PrintOptions::WHOLE,
        &NoSymbols,
    );
    assert_eq!(
        out,
        "\n@:\n{ bash            }: 3\n{ awk             }: 100\n{ dd              }: 100\n{ sshd            }: 5000000000\n"
    );
    let mut out = String::new();
    write_map(
        &mut out,
        &MapShape {
            name: "@",
            key: Some(&key),
            shown: &Shown::Plain(u64_layout()),
            style: Style::Ply,
        },
        Vec::new(),
        PrintOptions::WHOLE,
        &NoSymbols,
    );
    assert_eq!(out, "");
}

#[test]
fn a_histogram_map_puts_each_histogram_under_its_key() {
    let key = Layout::Struct {
        fields: vec![Field {
            name: "0".into(),
            offset: 0,
            layout: Layout::Chars(8),
        }],
        anonymous: true,
    };
    let mut buckets = vec![0u8; 64 * 8];
    buckets[13 * 8..14 * 8].copy_from_slice(&10u64.to_ne_bytes());
    let mut out = String::new();
    write_map(
        &mut out,
        &MapShape {
            name: "@",
            key: Some(&key),
            shown: &Shown::Log2Histogram(Layout::Int {
                bytes: 8,
                signed: true,
            }),
            style: Style::Ply,
        },
        vec![(b"rdsz\0\0\0\0".to_vec(), buckets)],
        PrintOptions::WHOLE,
        &NoSymbols,
    );
    assert_eq!(
        out,
        format!(
            "\n@:\n{{ rdsz    }}: \n\t[  8k,  16k)\t      10 ┤{}│\n\n",
            "█".repeat(32)
        )
    );
}

#[test]
fn a_keyless_map_prints_its_value_after_its_name() {
    let mut out = String::new();
    write_map(
        &mut out,
        &MapShape {
            name: "@",
            key: None,
            shown: &Shown::Plain(u64_layout()),
            style: Style::Ply,
        },
        vec![(0u32.to_ne_bytes().to_vec(), 42u64.to_ne_bytes().to_vec())],
        PrintOptions::WHOLE,
        &NoSymbols,
    );
    assert_eq!(out, "\n@: 42\n");
}

fn words(values: &[u64]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|value| value.to_ne_bytes())
        .collect()
}

#[test]
fn linear_histograms_mark_under_and_overflow() {
    let key = Layout::Struct {
        fields: vec![Field {
            name: "0".into(),
            offset: 0,
            layout: u64_layout(),
        }],
        anonymous: true,
    };
    // lhist(v, 0, 30, 10): below 0, [0,10), [10,20), [20,30), 30 and up.
    let mut out = String::new();
    write_map(
        &mut out,
        &MapShape {
            name: "@l",
            key: Some(&key),
            shown: &Shown::LinearHistogram { min: 0, step: 10 },
            style: Style::Ply,
        },
        vec![(words(&[1]), words(&[2, 2, 0, 0, 4]))],
        PrintOptions::WHOLE,
        &NoSymbols,
    );
    let bar = |eighths: usize| {
        format!(
            "{}{}",
            "█".repeat(eighths / 8),
            " ".repeat(32 - eighths / 8)
        )
    };
    assert_eq!(
        out,
        format!(
            "\n@l:\n{{ 1 }}: \n\t         < 0\t       2 ┤{}│\n\t[   0,   10)\t       2 ┤{}│\n\t...\n\t       >= 30\t       4 ┤{}│\n\n",
            bar(64),
            bar(64),
            bar(128)
        )
    );
}

#[test]
fn averages_and_stats_print_as_bpftrace_does_and_sort_by_mean() {
    let key = Layout::Struct {
        fields: vec![Field {
            name: "0".into(),
            offset: 0,
            layout: u64_layout(),
        }],
        anonymous: true,
    };
    let entries = || {
        vec![
            (words(&[1]), words(&[4, 100])),
            (words(&[2]), words(&[3, (-9i64) as u64])),
            (words(&[3]), words(&[0, 0])),
        ]
    };
    let mut out = String::new();
    write_map(
        &mut out,
        &MapShape {
            name: "@a",
            key: Some(&key),
            shown: &Shown::Average,
            style: Style::Ply,
        },
        entries(),
        PrintOptions::WHOLE,
        &NoSymbols,
    );
    assert_eq!(out, "\n@a:\n{ 2 }: -3\n{ 3 }: 0\n{ 1 }: 25\n");
    let mut out = String::new();
    write_map(
        &mut out,
        &MapShape {
            name: "@s",
            key: Some(&key),
            shown: &Shown::Stats,
            style: Style::Ply,
        },
        entries(),
        PrintOptions::WHOLE,
        &NoSymbols,
    );
    assert_eq!(
        out,
        "\n@s:\n{ 2 }: count 3, average -3, total -9\n{ 3 }: count 0, average 0, total 0\n{ 1 }: count 4, average 25, total 100\n"
    );
}

/// bpftrace's `print(@m, top, divisor)`: the largest `top` after the ascending sort; signed
/// values, means and histogram counts divided as C divides (toward zero).
#[test]
fn print_options_keep_the_top_and_divide() {
    let key = Layout::Struct {
        fields: vec![Field {
            name: "0".into(),
            offset: 0,
            layout: u64_layout(),
        }],
        anonymous: true,
    };
    let signed = Layout::Int {
        bytes: 4,
        signed: true,
    };
    let entries = vec![
        (words(&[1]), (-2500i32).to_ne_bytes().to_vec()),
        (words(&[2]), 7999i32.to_ne_bytes().to_vec()),
        (words(&[3]), 1000i32.to_ne_bytes().to_vec()),
    ];
    let dumped = |shown: &Shown, entries: Vec<(Vec<u8>, Vec<u8>)>, top: u64, divisor: u64| {
        let mut out = String::new();
        let options = PrintOptions { top, divisor };
        write_map(
            &mut out,
            &MapShape {
                name: "@",
                key: Some(&key),
                shown,
                style: Style::Ply,
            },
            entries,
            options,
            &NoSymbols,
        );
        out
    };
    let plain = Shown::Plain(signed);
    assert_eq!(
        dumped(&plain, entries.clone(), 2, 1000),
        "\n@:\n{ 3 }: 1\n{ 2 }: 7\n"
    );
    assert_eq!(
        dumped(&plain, entries.clone(), 0, 1000),
        "\n@:\n{ 1 }: -2\n{ 3 }: 1\n{ 2 }: 7\n"
    );
    // A top beyond the map's size shows it all.
    assert_eq!(
        dumped(&plain, entries, 10, 1),
        "\n@:\n{ 1 }: -2500\n{ 3 }: 1000\n{ 2 }: 7999\n"
    );
    let means = vec![
        (words(&[1]), words(&[2, (-9000i64) as u64])),
        (words(&[2]), words(&[3, 9000])),
    ];
    assert_eq!(
        dumped(&Shown::Average, means, 0, 1000),
        "\n@:\n{ 1 }: -4\n{ 2 }: 3\n"
    );
    let mut buckets = vec![0u64; 64];
    buckets[13] = 2500;
    let histogram = Shown::Log2Histogram(u64_layout());
    let mut expected = String::new();
    write_log2_histogram(
        &mut expected,
        &{
            let mut divided = vec![0u64; 64];
            divided[13] = 2;
            divided
        },
        &u64_layout(),
    );
    assert_eq!(
        dumped(&histogram, vec![(words(&[1]), words(&buckets))], 1, 1000),
        format!("\n@:\n{{ 1 }}: {expected}\n")
    );
}

fn rendered(format: &str, values: &[(&Layout, &[u8])]) -> String {
    let format = tine::output::Format::parse(format).unwrap_or_else(|e| panic!("{format}: {e}"));
    assert_eq!(format.arguments(), values.len(), "{format:?}");
    let mut out = String::new();
    format.write(&mut out, values, &NoSymbols);
    out
}

#[test]
fn printf_follows_c_conversions() {
    let int = Layout::Int {
        bytes: 4,
        signed: true,
    };
    let u64_bytes = 0x1_0000_0005u64.to_ne_bytes();
    let minus_five = (-5i32).to_ne_bytes();
    let name = comm("bash");
    assert_eq!(
        rendered("%d|%5d|%-5d|%05d|%+d|% d", &[(&int, &minus_five[..]); 6]),
        "-5|   -5|-5   |-0005|-5|-5"
    );
    assert_eq!(
        rendered(
            "%u %x %X %#x %o %#o",
            &[(&u64_layout(), &255u64.to_ne_bytes()[..]); 6]
        ),
        "255 ff FF 0xff 377 0377"
    );
    // Without a length modifier a 64-bit value prints whole; `%hhu` narrows as C does.
    assert_eq!(
        rendered("%u %hhu %lu", &[(&u64_layout(), &u64_bytes[..]); 3]),
        "4294967301 5 4294967301"
    );
    // An unsigned short or char is promoted to an int: `%d` never makes it negative.
    let u16_layout = Layout::Int {
        bytes: 2,
        signed: false,
    };
    let s16_layout = Layout::Int {
        bytes: 2,
        signed: true,
    };
    let u8_layout = Layout::Int {
        bytes: 1,
        signed: false,
    };
    let fffe = 0xfffeu16.to_ne_bytes();
    assert_eq!(
        rendered(
            "%d %i %d %d %hd %x",
            &[
                (&u16_layout, &fffe[..]),
                (&u16_layout, &fffe),
                (&u8_layout, &[0xfe]),
                (&s16_layout, &fffe),
                (&u16_layout, &fffe),
                (&u16_layout, &fffe)
            ]
        ),
        "65534 65534 254 -2 -2 fffe"
    );
    assert_eq!(
        rendered(
            "%.3d|%8.3x|%.0d",
            &[
                (&int, &7i32.to_ne_bytes()[..]),
                (&int, &7i32.to_ne_bytes()),
                (&int, &0i32.to_ne_bytes())
            ]
        ),
        "007|     007|"
    );
    assert_eq!(
        rendered(
            "[%s] [%10s] [%-6s] [%.2s]",
            &[(&Layout::Chars(16), &name[..]); 4]
        ),
        "[bash] [      bash] [bash  ] [ba]"
    );
    // `%s` of a value that is not text prints it as `%v` does (bpftrace's `%s` of a ksym(),
    // a strftime(), a kprobe's func), padded and cut like text.
    let address = 0xffff_ffff_8100_0000u64.to_ne_bytes();
    assert_eq!(
        rendered(
            "[%s] [%-20s] [%.5s] [%s]",
            &[
                (&Layout::KernelAddress, &address[..]),
                (&Layout::KernelAddress, &address),
                (&Layout::KernelAddress, &address),
                (&u64_layout(), &42u64.to_ne_bytes())
            ]
        ),
        "[<ffffffff81000000>] [<ffffffff81000000>  ] [<ffff] [42]"
    );
    assert_eq!(
        rendered(
            "%s",
            &[(&Layout::Strftime("%H".into()), &7u64.to_ne_bytes()[..])]
        ),
        "7",
        "without a clock, a strftime() value prints its nanoseconds"
    );
    assert_eq!(
        rendered(
            "%c%c",
            &[
                (
                    &Layout::Int {
                        bytes: 1,
                        signed: false
                    },
                    &b"h"[..]
                ),
                (
                    &Layout::Int {
                        bytes: 1,
                        signed: false
                    },
                    b"i"
                )
            ]
        ),
        "hi"
    );
    assert_eq!(
        rendered(
            "%p %p",
            &[
                (&Layout::Pointer, &0xffffu64.to_ne_bytes()[..]),
                (&Layout::Pointer, &0u64.to_ne_bytes())
            ]
        ),
        "0xffff (nil)"
    );
    assert_eq!(rendered("100%% done\n", &[]), "100% done\n");
}

#[test]
fn printf_v_prints_like_print() {
    let text = rendered(
        "%v %v %v\n",
        &[
            (&Layout::Id { width: 5 }, &42u32.to_ne_bytes()[..]),
            (&Layout::Chars(16), &comm("dd")),
            (&Layout::Time, &1_234u64.to_ne_bytes()),
        ],
    );
    assert_eq!(text, "   42 dd              1.23us\n");
}

/// A format is shared by its copies; the empty text parses to the empty format.
#[test]
fn copied_formats_are_the_same_format() {
    use tine::output::Format;
    assert_eq!(Format::parse("").unwrap(), Format::EMPTY);
    assert_eq!(Format::EMPTY.text(), "");
    assert_eq!(Format::EMPTY.arguments(), 0);
    let format = Format::parse("%d-%s\n").unwrap();
    let copy = format.clone();
    assert_eq!(copy, format);
    assert_ne!(copy, Format::EMPTY);
    assert_eq!((copy.text(), copy.arguments()), ("%d-%s\n", 2));
}

#[test]
fn bad_formats_say_what_is_wrong() {
    let error = |format: &str| tine::output::Format::parse(format).unwrap_err();
    assert_eq!(error("x %y").message, "unknown conversion `%y`");
    assert_eq!(error("x %y").offset, 2);
    assert_eq!(
        error("%f").message,
        "`%f` prints a floating-point value, and BPF has none"
    );
    assert_eq!(error("%l").message, "the format ends inside a conversion");
    assert_eq!(error("%lhd").message, "unknown length modifier `lh`");
}

/// ply 2.4's output for `tracepoint:syscalls/sys_exit_read { @["rdsz"] = quantize(data->ret); }`
/// under `dd bs=10240 count=10`, as recorded from ply itself on this kernel.
#[test]
fn a_recorded_ply_histogram_is_reproduced_byte_for_byte() {
    let key = Layout::Struct {
        fields: vec![Field {
            name: "0".into(),
            offset: 0,
            layout: Layout::Chars(8),
        }],
        anonymous: true,
    };
    let mut buckets = vec![0u8; 64 * 8];
    for (bucket, count) in [(0, 1u64), (2, 1), (7, 1), (9, 2), (11, 1), (13, 10)] {
        buckets[bucket * 8..bucket * 8 + 8].copy_from_slice(&count.to_ne_bytes());
    }
    let mut out = String::new();
    write_map(
        &mut out,
        &MapShape {
            name: "@",
            key: Some(&key),
            shown: &Shown::Log2Histogram(Layout::Int {
                bytes: 8,
                signed: true,
            }),
            style: Style::Ply,
        },
        vec![(b"rdsz\0\0\0\0".to_vec(), buckets)],
        PrintOptions::WHOLE,
        &NoSymbols,
    );
    let bar = |blocks: usize| format!("┤{}{}│", "█".repeat(blocks), " ".repeat(32 - blocks));
    let expected = format!(
        "\n@:\n{{ rdsz    }}: \n\
         \t[   0,    1]\t       1 {two}\n\t...\n\
         \t[   4,    7]\t       1 {two}\n\t...\n\
         \t[ 128,  255]\t       1 {two}\n\t...\n\
         \t[ 512,   1k)\t       2 {four}\n\t...\n\
         \t[  2k,   4k)\t       1 {two}\n\t...\n\
         \t[  8k,  16k)\t      10 {twenty}\n\n",
        two = bar(2),
        four = bar(4),
        twenty = bar(20)
    );
    assert_eq!(out, expected);
}

fn stack(user: bool, perf: bool) -> wire::Stack {
    wire::Stack {
        user,
        perf,
        depth: wire::STACK_DEPTH,
    }
}

/// Two frames of any stack, as the runtime writes them in each mode.
struct TwoFrames;

impl Symbols for TwoFrames {
    fn write_stack(&self, out: &mut String, _id: u64, stack: wire::Stack) {
        out.push_str(match stack.perf {
            true => "\n\tffffffff81000010 schedule+16\n\tffffffff81000200 do_syscall_64+0\n",
            false => "\n\tschedule+16\n\tdo_syscall_64\n",
        });
    }
}

/// bpftrace indents a stack's frames by 4 columns in a key and by 8 as a value, but keeps perf's
/// layout (`kstack(perf)`) as it is, tabs and all, in both places.
#[test]
fn perf_stacks_keep_their_tabs_in_bpftrace_layouts() {
    let dump = |perf: bool, style: Style| {
        let stack = Layout::Stack(stack(false, perf));
        let key = Layout::Struct {
            fields: vec![Field {
                name: "0".into(),
                offset: 0,
                layout: stack.clone(),
            }],
            anonymous: true,
        };
        let mut out = String::new();
        let entries = vec![(7u64.to_ne_bytes().to_vec(), 5u64.to_ne_bytes().to_vec())];
        let shape = MapShape {
            name: "@",
            key: Some(&key),
            shown: &Shown::Plain(u64_layout()),
            style,
        };
        write_map(&mut out, &shape, entries, PrintOptions::WHOLE, &TwoFrames);
        out.push('|');
        write_styled(&mut out, &stack, &7u64.to_ne_bytes(), &TwoFrames, style);
        out
    };
    assert_eq!(
        dump(false, Style::Bpftrace),
        "@[\n    schedule+16\n    do_syscall_64\n]: 5\n|\n        schedule+16\n        do_syscall_64\n"
    );
    let perf = "\n\tffffffff81000010 schedule+16\n\tffffffff81000200 do_syscall_64+0\n";
    assert_eq!(
        dump(true, Style::Bpftrace),
        format!("@[{perf}]: 5\n|{perf}")
    );
    // bpftrace 0.17's JSON: `{"type": "map", "data": {"@s": "\n        schedule+16\n..."}}`.
    let mut json = String::new();
    let stack = Layout::Stack(stack(false, false));
    write_styled(
        &mut json,
        &stack,
        &7u64.to_ne_bytes(),
        &TwoFrames,
        Style::Json,
    );
    assert_eq!(
        json,
        "\"\\n        schedule+16\\n        do_syscall_64\\n\""
    );
    assert_eq!(
        dump(true, Style::Ply),
        format!("\n@:\n{{ {perf} }}: 5\n|{perf}")
    );
}

/// Prints raw, as `NoSymbols` does, values a kernel of this byte order wrote.
struct Kernel(ByteOrder);

impl Symbols for Kernel {
    fn byte_order(&self) -> ByteOrder {
        self.0
    }
}

const ORDERS: [ByteOrder; 2] = [ByteOrder::Little, ByteOrder::Big];

/// A big-endian board's values print as a little-endian one's: every layout, encoded by `wire`
/// in each order and printed from that order.
#[test]
fn every_value_kind_prints_alike_from_either_byte_order() {
    let int = |bytes, signed| Layout::Int { bytes, signed };
    // Each layout, its value's bytes as a kernel of an order writes them, and how it prints.
    type Encoded = fn(ByteOrder) -> Vec<u8>;
    let cases: Vec<(Layout, Encoded, &str)> = vec![
        (int(1, false), |o| wire::encode_int(200, 1, o), "200"),
        (int(2, true), |o| wire::encode_int(-2i64 as u64, 2, o), "-2"),
        (
            int(4, false),
            |o| wire::encode_int(4_000_000_000, 4, o),
            "4000000000",
        ),
        (int(8, true), |o| wire::encode_int(-5i64 as u64, 8, o), "-5"),
        (
            Layout::Pointer,
            |o| wire::encode_int(0xffff_8880_1234_0000, 8, o),
            "<ffff888012340000>",
        ),
        (
            Layout::Id { width: 5 },
            |o| wire::encode_int(42, 4, o),
            "   42",
        ),
        (
            Layout::Time,
            |o| wire::encode_int(1_234_567, 8, o),
            "1.23ms",
        ),
        (
            Layout::WallTime,
            |o| wire::encode_int(3_723_000_000_005, 8, o),
            "01:02:03.000000005",
        ),
        (
            Layout::KernelAddress,
            |o| wire::encode_int(0xffff_ffff_8100_0010, 8, o),
            "<ffffffff81000010>",
        ),
        (
            Layout::Stack(stack(false, false)),
            |o| wire::encode_int(7, 8, o),
            "<STACKID7>",
        ),
        (
            Layout::Stack(stack(true, false)),
            |o| wire::encode_int(wire::encode_user_stack(7, 1), 8, o),
            "<STACKID4294967303>",
        ),
        (
            Layout::UserAddress,
            |o| wire::encode_user_address(0x5555_0000_1234, 42, o),
            "<0000555500001234>",
        ),
        (Layout::Chars(4), |_| b"cat\0".to_vec(), "cat"),
        (
            Layout::Array(Box::new(int(2, false)), 3),
            |o| {
                [1, 2, 3]
                    .iter()
                    .flat_map(|&v| wire::encode_int(v, 2, o))
                    .collect()
            },
            "[1, 2, 3]",
        ),
        (
            Layout::Struct {
                fields: vec![
                    Field {
                        name: "a".into(),
                        offset: 0,
                        layout: int(4, true),
                    },
                    Field {
                        name: "b".into(),
                        offset: 8,
                        layout: u64_layout(),
                    },
                ],
                anonymous: true,
            },
            |o| {
                [
                    wire::encode_int(-1i64 as u64, 4, o),
                    vec![0; 4],
                    wire::encode_int(9, 8, o),
                ]
                .concat()
            },
            "{ -1, 9 }",
        ),
    ];
    for (layout, bytes, expected) in &cases {
        for order in ORDERS {
            let mut out = String::new();
            write_value(&mut out, layout, &bytes(order), &Kernel(order));
            assert_eq!(out, *expected, "{layout:?} {order:?}");
        }
    }
    // The order is read, not assumed: a big-endian 1 read as little-endian is 2^24.
    let mut out = String::new();
    let big_one = wire::encode_int(1, 4, ByteOrder::Big);
    write_value(
        &mut out,
        &int(4, false),
        &big_one,
        &Kernel(ByteOrder::Little),
    );
    assert_eq!(out, "16777216");
}

/// Map dumps (sorting, averages, stats, histograms, divided values) and printf's integer
/// conversions read values in the kernel's byte order too.
#[test]
fn map_dumps_and_printf_read_either_byte_order() {
    let key = Layout::Struct {
        fields: vec![Field {
            name: "0".into(),
            offset: 0,
            layout: u64_layout(),
        }],
        anonymous: true,
    };
    for order in ORDERS {
        let words = |values: &[u64]| wire::encode_words(values, order);
        let dumped = |shown: &Shown, entries: Vec<(Vec<u8>, Vec<u8>)>, divisor: u64| {
            let mut out = String::new();
            let options = PrintOptions { top: 0, divisor };
            write_map(
                &mut out,
                &MapShape {
                    name: "@",
                    key: Some(&key),
                    shown,
                    style: Style::Ply,
                },
                entries,
                options,
                &Kernel(order),
            );
            out
        };
        let averages = || {
            vec![
                (words(&[1]), wire::encode_average(4, 100, order)),
                (words(&[2]), wire::encode_average(3, -9, order)),
            ]
        };
        assert_eq!(
            dumped(&Shown::Average, averages(), 1),
            "\n@:\n{ 2 }: -3\n{ 1 }: 25\n"
        );
        assert_eq!(
            dumped(&Shown::Average, averages(), 2),
            "\n@:\n{ 2 }: -1\n{ 1 }: 12\n"
        );
        assert_eq!(
            dumped(&Shown::Stats, averages(), 1),
            "\n@:\n{ 2 }: count 3, average -3, total -9\n{ 1 }: count 4, average 25, total 100\n"
        );
        let plain = Shown::Plain(u64_layout());
        let counts = vec![(words(&[1]), words(&[300])), (words(&[2]), words(&[2]))];
        assert_eq!(dumped(&plain, counts, 1), "\n@:\n{ 2 }: 2\n{ 1 }: 300\n");
        let mut buckets = vec![0u64; 64];
        buckets[3] = 5;
        let histogram = Shown::Log2Histogram(u64_layout());
        let histogram = dumped(&histogram, vec![(words(&[1]), words(&buckets))], 1);
        assert!(
            histogram.contains("[   8,   15]\t       5 "),
            "{order:?}: {histogram}"
        );

        let format = tine::output::Format::parse("%d %x %p %v\n").expect("a format");
        let minus_five = wire::encode_int(-5i64 as u64, 4, order);
        let word = wire::encode_int(0xff, 8, order);
        let mut out = String::new();
        let signed = Layout::Int {
            bytes: 4,
            signed: true,
        };
        let values: [(&Layout, &[u8]); 4] = [
            (&signed, &minus_five),
            (&u64_layout(), &word),
            (&Layout::Pointer, &word),
            (&signed, &minus_five),
        ];
        format.write(&mut out, &values, &Kernel(order));
        assert_eq!(out, "-5 ff 0xff -5\n", "{order:?}");
    }
}
