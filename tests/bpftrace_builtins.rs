//! bpftrace's built-ins on this kernel: `time()`, `strftime()` and `elapsed` printed for real
//! events, and `func` in uprobes, checked against the workload and the test's own clock.

mod common;

use std::process::{Command, Output};
use std::time::{SystemTime, UNIX_EPOCH};

fn tine(environment: &[(&str, &str)], arguments: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(arguments)
        .envs(environment.iter().copied())
        .output()
        .expect("run tine");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

/// `YYYY-MM-DD HH:MM:SS` as seconds since the epoch (the proleptic Gregorian calendar).
fn seconds_of(text: &str) -> i64 {
    let number = |range: std::ops::Range<usize>| -> i64 {
        text.get(range)
            .and_then(|digits| digits.parse().ok())
            .unwrap_or_else(|| panic!("not a date and time: {text:?}"))
    };
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let (hour, minute, second) = (number(11..13), number(14..16), number(17..19));
    // Days from the civil date (H. Hinnant's algorithm).
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    days * 86_400 + hour * 3600 + minute * 60 + second
}

/// Each of five one-byte reads prints one line: `time()`'s clock when user space printed it,
/// `strftime()` of the event's `nsecs` with microseconds, and `elapsed`. Both times are the
/// wall clock of the run in the zone TZ names (UTC, then three hours east of it), and
/// `elapsed` grows and stays within the run.
#[test]
fn time_strftime_and_elapsed_print_the_clock_of_each_event() {
    if !common::kernel_available("time_strftime_and_elapsed_print_the_clock_of_each_event") {
        return;
    }
    let reader = common::unique_copy("dd", "tinetime");
    let workload = format!(
        "{} bs=1 count=5 status=none </dev/zero >/dev/null",
        reader.display()
    );
    let script = "tracepoint:syscalls/sys_enter_read / comm == \"tinetime\" && data->fd == 0 / { \
                  time(\"%Y-%m-%d %H:%M:%S \"); \
                  printf(\"%s %u\\n\", strftime(\"%Y-%m-%d %H:%M:%S.%f\", nsecs), elapsed); }";
    // The second run through perf buffers, the output of kernels before 5.8.
    for (zone, east, force) in [("UTC0", 0, ""), ("TST-3", 3 * 3600, "perfbuf")] {
        let before = now();
        let environment = [("TZ", zone), ("TINE_FORCE", force)];
        let output = tine(&environment, &["-c", &workload, script]);
        let after = now();
        let text = stdout(&output);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        let mut last_elapsed = 0;
        for line in lines {
            let fields: Vec<&str> = line.split(' ').collect();
            assert_eq!(fields.len(), 5, "{line}");
            let printed = seconds_of(&format!("{} {}", fields[0], fields[1])) - east;
            let event = seconds_of(&format!("{} {}", fields[2], fields[3])) - east;
            for seconds in [printed, event] {
                assert!(
                    (before..=after).contains(&seconds),
                    "{line}: not in {before}..={after} ({zone})"
                );
            }
            let micros = fields[3].split_once('.').map(|(_, micros)| micros);
            assert!(
                micros.is_some_and(
                    |micros| micros.len() == 6 && micros.bytes().all(|b| b.is_ascii_digit())
                ),
                "%f is six digits of microseconds: {line}"
            );
            let elapsed: u64 = fields[4].parse().expect("elapsed is a number");
            assert!(elapsed >= last_elapsed, "elapsed went back: {text}");
            assert!(
                elapsed <= (after - before + 1) as u64 * 1_000_000_000,
                "{line}"
            );
            last_elapsed = elapsed;
        }
        assert!(last_elapsed > 0, "{text}");
    }
}

/// `func` in a uprobe glob and a uretprobe names the function each event came from: `id`
/// calls getuid and getgid, each counted under its own name on entry and on return.
#[test]
fn func_names_each_uprobes_function_on_entry_and_return() {
    if !common::kernel_available("func_names_each_uprobes_function_on_entry_and_return") {
        return;
    }
    let script = "uprobe:libc:get[ug]id / pid == $target / { @entry[func] = count(); } \
                  uretprobe:libc:get[ug]id / pid == $target / { @exit[func] = count(); }";
    let output = tine(&[], &["-c", "/usr/bin/id", script]);
    let text = stdout(&output);
    for map in ["@entry:", "@exit:"] {
        let rows: Vec<&str> = text
            .split(map)
            .nth(1)
            .unwrap_or_else(|| panic!("no {map}: {text}"))
            .lines()
            .skip(1)
            .take_while(|line| !line.is_empty())
            .collect();
        let mut names: Vec<&str> = rows
            .iter()
            .map(|row| {
                row.trim_start_matches("{ ")
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
            })
            .collect();
        names.sort_unstable();
        assert_eq!(names, ["getgid", "getuid"], "{text}");
        for row in rows {
            let count: u64 = row
                .rsplit(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            assert!(count >= 1, "{row}");
        }
    }
}

/// `kaddr("vfs_read")` is where /proc/kallsyms says vfs_read is; a symbol the kernel has not
/// got is an error before anything is loaded.
#[test]
fn kaddr_is_the_address_kallsyms_lists() {
    if !common::kernel_available("kaddr_is_the_address_kallsyms_lists") {
        return;
    }
    let kallsyms = std::fs::read_to_string("/proc/kallsyms").expect("read kallsyms");
    let listed = kallsyms
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields.len() == 3 && fields[2] == "vfs_read").then(|| fields[0].to_string())
        })
        .expect("vfs_read in kallsyms");
    let output = tine(
        &[],
        &["BEGIN { printf(\"%016x\\n\", kaddr(\"vfs_read\")); exit(); }"],
    );
    assert_eq!(stdout(&output).trim(), listed);
    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .arg("BEGIN { printf(\"%x\\n\", kaddr(\"tine_no_such_symbol\")); }")
        .output()
        .expect("run tine");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let message = String::from_utf8_lossy(&output.stderr);
    // A kallsyms without data symbols may miss a symbol the kernel has: the message says so.
    let lists_data = kallsyms
        .lines()
        .any(|line| matches!(line.split_whitespace().nth(1), Some("d" | "b")));
    let expected = if lists_data {
        "the kernel has no symbol `tine_no_such_symbol`"
    } else {
        "cannot find `tine_no_such_symbol` in /proc/kallsyms: it lists no data symbols (CONFIG_KALLSYMS_ALL is off)"
    };
    assert!(message.contains(expected), "{message}");
}

/// `join(args->argv)` prints the arguments execve was given, `join(argv, sep)` with `sep`
/// between, with bpftrace 0.17's limits: the first 16 arguments, each cut to 1023 bytes.
/// The record (16 KiB) is built in a map, and goes out through ring and perf buffers alike.
#[test]
fn join_prints_the_arguments_of_execve() {
    if !common::kernel_available("join_prints_the_arguments_of_execve") {
        return;
    }
    let program = common::unique_copy("true", "tinejoin");
    let long = "y".repeat(1500);
    let short: Vec<String> = (1..=20).map(|number| format!("a{number}")).collect();
    let workload = format!(
        "{program} {long} two; {program} {}",
        short.join(" "),
        program = program.display()
    );
    let script = format!(
        "tracepoint:syscalls:sys_enter_execve / str(args->filename) == \"{}\" / {{ \
         join(args->argv); join(args->argv, \",\"); }}",
        program.display()
    );
    let mut first = vec![program.display().to_string()];
    first.extend(short.iter().take(15).cloned());
    let expected = format!(
        "{program} {cut} two\n{program},{cut},two\n{}\n{}\n",
        first.join(" "),
        first.join(","),
        program = program.display(),
        cut = &long[..1023],
    );
    // Per-CPU perf buffers keep each exec's two lines together but may give the second exec's
    // first when it ran on an earlier CPU, so under perfbuf the pairs are compared sorted.
    let pairs = |text: &str| {
        let lines: Vec<&str> = text.lines().collect();
        let mut pairs: Vec<String> = lines.chunks(2).map(|pair| pair.join("\n")).collect();
        pairs.sort();
        pairs
    };
    for force in ["", "perfbuf"] {
        let output = tine(&[("TINE_FORCE", force)], &["-c", &workload, &script]);
        let printed = stdout(&output);
        if force.is_empty() {
            assert_eq!(printed, expected);
        } else {
            assert!(printed.ends_with('\n'), "{printed}");
            assert_eq!(pairs(&printed), pairs(&expected), "TINE_FORCE={force}");
        }
    }
}

/// A glob over tracepoints whose records differ (execve's and execveat's: `argv` at other
/// offsets) types each point with its own record, as bpftrace does: execsnoop's probe.
#[test]
fn a_glob_over_tracepoints_with_different_records_reads_each_ones_args() {
    if !common::kernel_available(
        "a_glob_over_tracepoints_with_different_records_reads_each_ones_args",
    ) {
        return;
    }
    let program = common::unique_copy("true", "tineexecglob");
    let script = format!(
        "tracepoint:syscalls:sys_enter_exec* / str(args->filename) == \"{}\" / {{ \
         printf(\"%s \", probe); join(args->argv); }}",
        program.display()
    );
    let listing = stdout(&tine(&[], &["-e", "-S", &script]));
    for event in ["sys_enter_execve", "sys_enter_execveat"] {
        let typed = format!("provider data  : struct {event} *");
        assert!(listing.contains(&typed), "{typed}:\n{listing}");
    }
    let workload = format!(
        "{program} one; {program} two three",
        program = program.display()
    );
    let output = tine(&[], &["-c", &workload, &script]);
    assert_eq!(
        stdout(&output),
        format!(
            "tracepoint:syscalls:sys_enter_execve {program} one\n\
             tracepoint:syscalls:sys_enter_execve {program} two three\n",
            program = program.display()
        ),
        "{output:?}"
    );
}

/// `cat("format", values...)` prints the file the format names as user space reads the record,
/// in the text layout and as bpftrace's JSON `cat` line; a file it cannot read is a warning
/// that names it, and the script goes on.
#[test]
fn cat_prints_the_file_its_format_names() {
    if !common::kernel_available("cat_prints_the_file_its_format_names") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("tine-cat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("file-1"), "first line\nsecond line\n").unwrap();
    let script = format!(
        "BEGIN {{ cat(\"{dir}/file-%d\", 1); cat(\"{dir}/file-%d\", 2); printf(\"after\\n\"); exit(); }}",
        dir = dir.display()
    );
    let output = tine(&[], &[&script]);
    assert_eq!(stdout(&output), "first line\nsecond line\nafter\n");
    let warning = format!(
        "warning: cannot cat {}/file-2: No such file or directory",
        dir.display()
    );
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(&warning),
        "{output:?}"
    );
    let json = stdout(&tine(&[], &["-f", "json", &script]));
    assert!(
        json.contains("{\"type\": \"cat\", \"data\": \"first line\\nsecond line\\n\"}\n"),
        "{json}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `rand`, `cgroup`, `numaid` and `jiffies` at two execs of the workload: `cgroup` is the id
/// (the inode) of the cgroup v2 directory the workload runs in, `numaid` the node of the CPU the
/// probe ran on (0 without NUMA), `jiffies` counts up, and the two `rand`s differ.
#[test]
fn rand_cgroup_numaid_and_jiffies_are_the_kernels() {
    if !common::kernel_available("rand_cgroup_numaid_and_jiffies_are_the_kernels") {
        return;
    }
    let program = common::unique_copy("true", "tinebuiltins");
    let script = format!(
        "tracepoint:syscalls:sys_enter_execve / str(args->filename) == \"{}\" / {{ \
         printf(\"%u %u %u %u %u\\n\", rand, cgroup, numaid, jiffies, cpu); }}",
        program.display()
    );
    let workload = format!(
        "{program}; sleep 0.1; {program}",
        program = program.display()
    );
    let text = stdout(&tine(&[], &["-c", &workload, &script]));
    let rows: Vec<Vec<u64>> = text
        .lines()
        .map(|line| line.split(' ').map(|word| word.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert_ne!(rows[0][0], rows[1][0], "rand:\n{text}");
    if let Some(directory) = cgroup2_directory() {
        let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&directory).unwrap());
        assert_eq!(rows[0][1], inode, "cgroup of {directory}:\n{text}");
    }
    for row in &rows {
        let cpus =
            std::fs::read_to_string(format!("/sys/devices/system/node/node{}/cpulist", row[2]));
        match cpus {
            Ok(list) => assert!(
                in_cpu_list(&list, row[4]),
                "cpu {} not in node {}: {list}",
                row[4],
                row[2]
            ),
            Err(_) => assert_eq!(row[2], 0, "{text}"),
        }
    }
    assert!(
        rows[0][3] > 0 && rows[1][3] >= rows[0][3],
        "jiffies:\n{text}"
    );
}

/// The directory of this process's cgroup in the mounted cgroup v2 hierarchy, if there is one.
fn cgroup2_directory() -> Option<String> {
    let membership = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let path = membership
        .lines()
        .find_map(|line| line.strip_prefix("0::"))?;
    let mounts = std::fs::read_to_string("/proc/self/mounts").ok()?;
    let mount = mounts.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(' ').collect();
        (fields.get(2) == Some(&"cgroup2")).then(|| fields[1].to_string())
    })?;
    Some(format!("{mount}{}", path.trim_end_matches('/')))
}

/// Whether `cpu` is in a sysfs CPU list (`0-3,8`).
fn in_cpu_list(list: &str, cpu: u64) -> bool {
    list.trim().split(',').any(|range| {
        let (low, high) = range.split_once('-').unwrap_or((range, range));
        (low.parse::<u64>().unwrap()..=high.parse().unwrap()).contains(&cpu)
    })
}

/// bpftrace's `strncmp(a, b, n)`: 0 when the first n bytes agree, else 1; as a filter it
/// counts exactly the execs of the workload's program whose name starts with the prefix.
#[test]
fn strncmp_compares_the_first_bytes() {
    if !common::kernel_available("strncmp_compares_the_first_bytes") {
        return;
    }
    let program = common::unique_copy("true", "tinestrncmp");
    let script = "BEGIN { printf(\"%d %d %d\\n\", strncmp(\"hello\", \"help\", 3), \
                  strncmp(\"hello\", \"help\", 4), strncmp(\"a\", \"b\", 1)); } \
                  tracepoint:sched:sched_process_exec / strncmp(comm, \"tinestrn\", 8) == 0 / { @ = count(); }";
    let workload = format!(
        "{program}; /bin/true; {program}",
        program = program.display()
    );
    let output = tine(&[], &["-c", &workload, "-f", "bpftrace", script]);
    // bpftrace 0.17 prints the same bytes.
    assert_eq!(
        stdout(&output),
        "Attaching 2 probes...\n0 1 1\n\n\n@: 2\n",
        "{output:?}"
    );
}

/// A statement that is only a value (a string, a record field read) is computed and dropped, as
/// in bpftrace, and the probe goes on: the map still counts the workload's two opens.
#[test]
fn a_value_alone_as_a_statement_is_computed_and_dropped() {
    if !common::kernel_available("a_value_alone_as_a_statement_is_computed_and_dropped") {
        return;
    }
    let program = common::unique_copy("cat", "tinedrop");
    let workload = format!("{} /etc/hostname /etc/hostname", program.display());
    let script = "tracepoint:syscalls:sys_enter_openat / comm == \"tinedrop\" / \
                  { comm; str(args->filename); args->flags; @[str(args->filename)] = count(); }";
    let output = tine(&[], &["-c", &workload, "-f", "bpftrace", script]);
    assert!(
        stdout(&output).contains("\n@[/etc/hostname]: 2\n"),
        "{output:?}"
    );
}

/// `ntop()` of the addresses of two TCP connections this test makes, to its own listeners on
/// 127.0.0.2 and ::1: the tracepoint's `u8[4]` and `u8[16]` fields (an IPv4 socket's IPv6
/// fields hold its addresses v4-mapped) and the socket's own `__be32` and `u8[16]` through
/// BTF, in printf, a key and a value. `bswap()` of the socket's network-order port is the port; of the
/// record's host-order one, the port with its bytes swapped here, at 16 and 32 bits.
#[test]
fn ntop_and_bswap_print_the_addresses_and_ports_of_real_connections() {
    if !common::kernel_available("ntop_and_bswap_print_the_addresses_and_ports_of_real_connections")
    {
        return;
    }
    let ipv4 = std::net::TcpListener::bind("127.0.0.2:0").expect("listen on 127.0.0.2");
    let ipv6 = std::net::TcpListener::bind("[::1]:0").expect("listen on ::1");
    let port = |listener: &std::net::TcpListener| listener.local_addr().expect("a port").port();
    let (port4, port6) = (port(&ipv4), port(&ipv6));
    // The kernel completes each handshake in the listener's backlog: no accept is needed.
    let workload =
        format!("bash -c 'exec 3<>/dev/tcp/127.0.0.2/{port4}; exec 4<>/dev/tcp/::1/{port6}'");
    let script = format!(
        "tracepoint:sock:inet_sock_set_state / args->newstate == 1 && \
         (args->dport == {port4} || args->dport == {port6}) / {{ \
         $sk = (struct sock *)args->skaddr; \
         printf(\"%d %s %s %s %s %s %d %d %u\\n\", args->family, ntop(args->saddr), \
         ntop(args->daddr), ntop(args->saddr_v6), ntop(args->daddr_v6), \
         ntop($sk->__sk_common.skc_daddr), bswap($sk->__sk_common.skc_dport), \
         bswap(args->dport), bswap((uint32)args->dport)); \
         if (args->family == 10) {{ printf(\"v6 %s %s\\n\", \
         ntop($sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8), \
         ntop(10, $sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8)); }} \
         @conn[ntop(args->daddr_v6), bswap(args->dport)] = count(); \
         @to[args->family] = ntop(args->daddr_v6); }}"
    );
    // Then through perf buffers and the legacy probe_read helper, as kernels before 5.5 have.
    for force in ["", "perfbuf,probe_read"] {
        let output = tine(
            &[("TINE_FORCE", force)],
            &["-f", "bpftrace", "-c", &workload, &script],
        );
        connections_printed(&stdout(&output), port4, port6);
    }
    drop((ipv4, ipv6));
}

/// What the script of `ntop_and_bswap_print_the_addresses_and_ports_of_real_connections`
/// prints for connections to 127.0.0.2:`port4` and [::1]:`port6`.
fn connections_printed(text: &str, port4: u16, port6: u16) {
    let lines: Vec<&str> = text.lines().collect();
    let swapped = |port: u16| (port.swap_bytes(), u32::from(port).swap_bytes());
    let (short4, long4) = swapped(port4);
    let (short6, long6) = swapped(port6);
    assert!(
        lines.contains(&&*format!(
            "2 127.0.0.1 127.0.0.2 ::ffff:127.0.0.1 ::ffff:127.0.0.2 127.0.0.2 {port4} {short4} {long4}"
        )),
        "{text}"
    );
    // An IPv6 socket's IPv4 fields are zeros; its `skc_daddr` is not asserted.
    let ipv6_line = "10 0.0.0.0 0.0.0.0 ::1 ::1 ";
    let ipv6_end = format!(" {port6} {short6} {long6}");
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with(ipv6_line) && line.ends_with(&ipv6_end)),
        "{text}"
    );
    for row in [
        format!("@conn[::ffff:127.0.0.2, {short4}]: 1"),
        format!("@conn[::1, {short6}]: 1"),
        "@to[2]: ::ffff:127.0.0.2".to_string(),
        "@to[10]: ::1".to_string(),
        // The IPv6 socket's own addresses, `u8[16]` read through BTF.
        "v6 ::1 ::1".to_string(),
    ] {
        assert!(lines.contains(&row.as_str()), "no {row}: {text}");
    }
}

/// `buf()` with `%r`: a write's bytes as the process wrote them, the printable ASCII ones as
/// they are and the others `\xNN` (bpftrace 0.17 prints these lines), as a map key too (which
/// bpftrace prints with its 64-byte buffer's trailing `\x00`s; tine prints the length it
/// read); a literal's bytes up to a length computed as the probe runs, and none for 0; `%rx`
/// and `%rh` print every byte in hex (before, tine printed `%r` and then the letter).
#[test]
fn buf_prints_the_bytes_read_escaped() {
    if !common::kernel_available("buf_prints_the_bytes_read_escaped") {
        return;
    }
    let script = "tracepoint:syscalls:sys_enter_write / pid == $target / {
                      printf(\"%r|\\n\", buf(args->buf, args->count));
                      @[buf(args->buf, args->count)] = count();
                  }
                  END { $n = 2; printf(\"%r|%r|%r|\\n\", buf(\"ab\\tc\\\\d\", 6), buf(\"abcd\", $n), buf(\"x\", 0));
                        printf(\"%rx|%rh|%rhx|\\n\", buf(\"Hi\\0\", 3), buf(\"Hi\\0\", 3), buf(\"A\", 1)); }";
    let workload = r"exec printf 'hi\001\377x\\y\n' >/dev/null";
    let output = tine(&[], &["-f", "bpftrace", "-c", workload, script]);
    assert_eq!(
        stdout(&output),
        "Attaching 2 probes...\nhi\\x01\\xffx\\y\\x0a|\nab\\x09c\\d|ab||\n\\x48\\x69\\x00|48 69 00|41x|\n\n\n@[hi\\x01\\xffx\\y\\x0a]: 1\n",
        "{output:?}"
    );
}

/// bpftrace's `cpid`, and ply's `$target`, are the `-c` command's own pid, even where /bin/sh
/// (dash) would fork a last command: the shell and then the command itself exec under it.
#[test]
fn cpid_and_target_are_the_commands_own_pid() {
    if !common::kernel_available("cpid_and_target_are_the_commands_own_pid") {
        return;
    }
    let script = "tracepoint:sched:sched_process_exec / pid == cpid && pid == $target / {
                      printf(\"%s\\n\", comm);
                  }";
    let output = tine(&[], &["-c", "/bin/true", script]);
    assert_eq!(stdout(&output), "sh\ntrue\n", "{output:?}");
}

/// bpftrace's `str(p, n)` with n known only as the probe runs: n characters, at most 63
/// (bpftrace's 64 bytes with the NUL); the lines bpftrace 0.17 prints for the same write.
#[test]
fn str_reads_a_length_computed_as_the_probe_runs() {
    if !common::kernel_available("str_reads_a_length_computed_as_the_probe_runs") {
        return;
    }
    let text = "abcdefghij".repeat(8);
    let script = "tracepoint:syscalls:sys_enter_write / pid == $target / {
                      $three = 3; $none = 0;
                      printf(\"<%s><%s><%s>\\n\", str(args->buf, args->count),
                             str(args->buf, $three), str(args->buf, $none));
                  }";
    let workload = format!("exec printf '{text}' >/dev/null");
    let output = tine(&[], &["-c", &workload, script]);
    assert_eq!(
        stdout(&output),
        format!("<{}><abc><>\n", &text[..63]),
        "{output:?}"
    );
}

/// `signal()` with `--unsafe`: of three copies of dd reading standard input, the one the first
/// probe's filter names is killed by SIGKILL (by name) and the one the second names by SIGTERM
/// (by number), at their first read, as their wait statuses show; the third, which no probe
/// names, reads all it was asked to and exits 0. Without the helper, a caret error and exit 1.
#[test]
fn signal_kills_the_task_its_probe_fired_in_and_no_other() {
    if !common::kernel_available("signal_kills_the_task_its_probe_fired_in_and_no_other") {
        return;
    }
    let dd = |name| {
        let path = common::unique_copy("dd", name);
        format!("{} bs=1 status=none </dev/zero >/dev/null", path.display())
    };
    // The shell's `$?` after `wait` is 128 + the signal for a task a signal ended.
    let workload = format!(
        "{} count=100000 & killed=$!; {} count=100000 & termed=$!; {} count=1000; echo spared $?; \
         wait $killed; echo killed $(kill -l $?); wait $termed; echo termed $(kill -l $?)",
        dd("tinesigkilled"),
        dd("tinesigtermed"),
        dd("tinesigspared"),
    );
    let script = "tracepoint:syscalls/sys_enter_read / comm == \"tinesigkilled\" && data->fd == 0 / \
                  { signal(\"KILL\"); } \
                  tracepoint:syscalls/sys_enter_read / comm == \"tinesigtermed\" && data->fd == 0 / \
                  { signal(15); }";
    let output = tine(&[], &["--unsafe", "-c", &workload, script]);
    assert_eq!(stdout(&output), "spared 0\nkilled KILL\ntermed TERM\n");

    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(["--unsafe", script])
        .env("TINE_FORCE", "no_signal")
        .output()
        .expect("run tine");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.starts_with(
            "<script>:1:83: error: signal() needs bpf_send_signal (Linux 5.3); this kernel \
             lacks it\n"
        ),
        "{error}"
    );
}

/// `system()` with `--unsafe`: each read of three runs of dd prints a printf line and then
/// the line the command it ran wrote, in that order, in the text layout and as bpftrace's JSON
/// `syscall` lines; what the command writes to its standard error is not in the output.
/// Without `--unsafe` the script is refused before tracing, exit 1.
#[test]
fn system_runs_its_command_in_order_with_printf() {
    if !common::kernel_available("system_runs_its_command_in_order_with_printf") {
        return;
    }
    let dd = common::unique_copy("dd", "tinesystem");
    let workload: Vec<String> = (1..=3)
        .map(|bytes| {
            format!(
                "{} bs={bytes} count=1 status=none </dev/zero >/dev/null",
                dd.display()
            )
        })
        .collect();
    let workload = workload.join("; ");
    let script =
        "tracepoint:syscalls/sys_enter_read / comm == \"tinesystem\" && data->fd == 0 / { \
                  printf(\"printf %d\\n\", data->count); \
                  system(\"echo system %d %s; echo stderr >&2\", data->count, comm); }";
    let output = tine(&[], &["--unsafe", "-c", &workload, script]);
    assert_eq!(
        stdout(&output),
        "printf 1\nsystem 1 tinesystem\nprintf 2\nsystem 2 tinesystem\n\
         printf 3\nsystem 3 tinesystem\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stderr)
            .matches("stderr\n")
            .count(),
        3,
        "{output:?}"
    );
    let json = stdout(&tine(
        &[],
        &["--unsafe", "-f", "json", "-c", &workload, script],
    ));
    let mut lines = Vec::new();
    for bytes in 1..=3 {
        lines.push(format!(
            "{{\"type\": \"printf\", \"data\": \"printf {bytes}\\n\"}}"
        ));
        lines.push(format!(
            "{{\"type\": \"syscall\", \"data\": \"system {bytes} tinesystem\\n\"}}"
        ));
    }
    assert!(json.contains(&(lines.join("\n") + "\n")), "{json}");

    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .args(["-c", &workload, script])
        .output()
        .expect("run tine");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("error: `system()` runs a command: it needs --unsafe"),
        "{output:?}"
    );
}

/// bpftrace's `delete(@)` of a map without keys empties it, as `clear(@)` does: a count prints
/// 0 at the end, a value or a sum nothing (bpftrace 0.17 prints these lines); a map that has
/// keys elsewhere is told so.
#[test]
fn delete_of_a_map_without_keys_empties_it() {
    if !common::kernel_available("delete_of_a_map_without_keys_empties_it") {
        return;
    }
    let script = "BEGIN { @c = count(); @v = 5; @s = sum(3); @k[1] = 2; @kept = 7;
                          delete(@c); delete(@v); delete @s; delete(@k[1]); exit(); }";
    let output = tine(&[], &["-f", "bpftrace", script]);
    assert_eq!(
        stdout(&output),
        "Attaching 1 probe...\n\n\n@c: 0\n\n@kept: 7\n\n\n",
        "{output:?}"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_tine"))
        .arg("BEGIN { @k[1] = 2; delete(@k); exit(); }")
        .output()
        .expect("run tine");
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let message = String::from_utf8_lossy(&output.stderr);
    assert!(
        message.contains("`@k` is used without a key here"),
        "{message}"
    );
}

/// Pointer arithmetic is C's, as bpftrace 0.17 has it (these are the lines it prints): an
/// integer added to or taken from a pointer counts its targets — a 36-byte struct, a pointer,
/// an int — and `@p += 1`, `@p++` and `@p--` on a map of pointers move by one target. (tine
/// added bytes, silently: `$a - 5` was 1019 for 844.)
#[test]
fn pointer_arithmetic_moves_by_whole_targets() {
    if !common::kernel_available("pointer_arithmetic_moves_by_whole_targets") {
        return;
    }
    let script = "struct A { int a; int b; char c[28]; };
        BEGIN { $a = (struct A *)1024; @m = (int32 *)32; @m += 1; @n = (int64 *)32; @n--;
                @b = (int8 *)32; @b++;
                printf(\"%lu %lu %lu %lu\\n\", $a - 5, $a + 1, 2 + (int16 *)10, (uint64 **)10 + 3);
                exit(); }";
    let output = tine(&[], &["-f", "bpftrace", script]);
    assert_eq!(
        stdout(&output),
        "Attaching 1 probe...\n844 1060 14 34\n\n\n@b: 33\n@m: 36\n@n: 24\n",
        "{output:?}"
    );
}

/// The program of the tests of `strerror()`, `username`, `macaddr()` and `uaddr()`: three
/// opens that fail each its own way, then a call of `station()` with a MAC address it holds and
/// a frame whose source is another; data objects of each size. Linked statically, so that no
/// dynamic loader's opens fail, and not position-independent, so that `uaddr()`'s addresses are
/// the process's.
const NAMED_SOURCE: &str = r#"
#include <fcntl.h>

char greeting[] = "hello from tine";
long counter = -42;
int small = -7;
short tiny = -3;
unsigned char byte = 200;

struct frame { unsigned char destination[6]; unsigned char source[6]; };
struct frame frame = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, { 0x52, 0x54, 0x00, 0x9a, 0x0b, 0xcd } };
unsigned char station_address[6] = { 0x02, 0x1a, 0xb3, 0x4c, 0xd5, 0xef };

__attribute__((noinline)) int station(const unsigned char *address, const struct frame *frame) {
    __asm__ volatile("" : : "r"(address), "r"(frame) : "memory");
    return address[0] + frame->source[0];
}

int main(void) {
    counter++;
    open("/nonexistent/tine", O_RDONLY);
    open("/etc/passwd/tine", O_RDONLY);
    open("/", O_WRONLY);
    return station(station_address, &frame) == 0x54 ? 0 : 1;
}
"#;

fn named_program() -> Option<&'static str> {
    static BUILT: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    let built = BUILT
        .get_or_init(|| common::built("tinenamed", NAMED_SOURCE, &["-O2", "-static", "-no-pie"]));
    match built {
        Ok(path) => Some(path),
        Err(reason) => {
            common::skip("named_program", format_args!("{reason}"));
            None
        }
    }
}

/// `strerror()` of each failed open's errno and `username` of the user it ran as (root, nobody,
/// and a uid /etc/passwd has not: nothing), in printf and a value; `macaddr()` through an
/// address and of a struct's 6-byte array. bpftrace 0.17 prints these lines for the same runs.
#[test]
fn strerror_username_and_macaddr_print_what_they_name() {
    if !common::kernel_available("strerror_username_and_macaddr_print_what_they_name") {
        return;
    }
    let Some(program) = named_program() else {
        return;
    };
    let script = format!(
        "struct frame {{ unsigned char destination[6]; unsigned char source[6]; }}
         tracepoint:syscalls:sys_exit_openat / pid == cpid && comm == \"tinenamed\" && args->ret < 0 / {{
             printf(\"%d %s|%s %d\\n\", -args->ret, strerror(-args->ret), username, uid);
             @last = strerror(-args->ret); @user = username; }}
         uprobe:{program}:station / pid == cpid / {{
             printf(\"%s %s\\n\", macaddr(arg0), macaddr(((struct frame *)arg1)->source));
             @mac = macaddr(arg0); }}"
    );
    for (user, name) in [(0, "root"), (65534, "nobody"), (4242, "")] {
        let workload = format!("setpriv --reuid {user} --regid {user} --clear-groups {program}");
        let output = tine(&[], &["-f", "bpftrace", "-c", &workload, &script]);
        let expected = format!(
            "Attaching 2 probes...\n\
             2 No such file or directory|{name} {user}\n\
             20 Not a directory|{name} {user}\n\
             21 Is a directory|{name} {user}\n\
             02:1A:B3:4C:D5:EF 52:54:00:9A:0B:CD\n\n\n\
             @last: Is a directory\n@mac: 02:1A:B3:4C:D5:EF\n@user: {name}\n"
        );
        assert_eq!(stdout(&output), expected, "{output:?}");
    }
}

/// `strcontains()` as a filter on the file each exec runs and on the task's name, with a literal
/// needle and with needles known only as the probe runs: only the three execs of the copy named
/// `tinecontains` pass, not `/bin/true`'s. bpftrace 0.17 prints these rows but the last key's
/// third element, 0 there: its unrolled search starts only where the needle's whole 16-byte
/// buffer fits in the haystack's, which misses `tinecontains` at byte 5 of an 18-byte literal
/// (later bpftrace searches every start, as tine does).
#[test]
fn strcontains_finds_needles_in_names_and_paths() {
    if !common::kernel_available("strcontains_finds_needles_in_names_and_paths") {
        return;
    }
    let program = common::unique_copy("true", "tinecontains");
    let script = format!(
        "tracepoint:sched:sched_process_exec / strcontains(str(args->filename), \"necont\") / {{
             @files[str(args->filename)] = count(); }}
         tracepoint:sched:sched_process_exec / strcontains(comm, \"contain\") / {{
             $needle = \"true\"; $empty = \"\";
             @comms[comm, strcontains(comm, $needle), strcontains(\"{}\", comm),
                    strcontains(comm, $empty), strcontains(\"tine\", comm)] = count(); }}",
        program.display()
    );
    let workload = format!(
        "{program}; /bin/true; {program}; {program}",
        program = program.display()
    );
    let output = tine(&[], &["-f", "bpftrace", "-c", &workload, &script]);
    assert_eq!(
        stdout(&output),
        format!(
            "Attaching 2 probes...\n\n\n@comms[tinecontains, 0, 1, 1, 0]: 3\n@files[{}]: 3\n",
            program.display()
        ),
        "{output:?}"
    );
}

/// `pton()`'s bytes compared by `==` and `!=` with the address fields of two TCP connections
/// this test makes, to its own listeners on 127.0.0.2 and ::1 (an IPv4 socket's IPv6 fields
/// hold its addresses v4-mapped), given to `ntop()` and indexed. bpftrace 0.17 prints the same
/// lines and rows (its rows of equal counts in another order).
#[test]
fn pton_addresses_compare_with_the_fields_of_real_connections() {
    if !common::kernel_available("pton_addresses_compare_with_the_fields_of_real_connections") {
        return;
    }
    let ipv4 = std::net::TcpListener::bind("127.0.0.2:0").expect("listen on 127.0.0.2");
    let ipv6 = std::net::TcpListener::bind("[::1]:0").expect("listen on ::1");
    let port = |listener: &std::net::TcpListener| listener.local_addr().expect("a port").port();
    let (port4, port6) = (port(&ipv4), port(&ipv6));
    let workload =
        format!("bash -c 'exec 3<>/dev/tcp/127.0.0.2/{port4}; exec 4<>/dev/tcp/::1/{port6}'");
    let script = format!(
        "tracepoint:sock:inet_sock_set_state / args->newstate == 1 && \
         (args->dport == {port4} || args->dport == {port6}) / {{ \
         @[args->family, args->daddr == pton(\"127.0.0.2\"), args->daddr_v6 == pton(\"::1\"), \
           args->daddr_v6 == pton(\"::ffff:7f00:2\"), args->saddr != pton(\"127.0.0.1\")] = count(); \
         printf(\"%s %s %d\\n\", ntop(pton(\"127.0.0.2\")), ntop(pton(\"::ffff:7f00:2\")), \
                pton(\"fe80::1\")[0]); }}"
    );
    let output = tine(&[], &["-f", "bpftrace", "-c", &workload, &script]);
    let text = stdout(&output);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        [
            "",
            "",
            "127.0.0.2 ::ffff:127.0.0.2 254",
            "127.0.0.2 ::ffff:127.0.0.2 254",
            "@[10, 0, 1, 0, 1]: 1",
            "@[2, 1, 0, 1, 0]: 1",
            "Attaching 1 probe...",
        ],
        "{text}"
    );
    drop((ipv4, ipv6));
}

/// `uaddr()` of the program's data objects of each size, read through in its uprobe: a string,
/// signed integers of 8, 4 and 2 bytes and an unsigned byte (typed signed, as bpftrace types
/// them all: 200 is -56), and the 6-byte array `macaddr()` prints. bpftrace 0.17 prints these
/// lines; a name the binary has no object of, or a probe in no binary, is an error.
#[test]
fn uaddr_reads_the_binarys_data_objects() {
    if !common::kernel_available("uaddr_reads_the_binarys_data_objects") {
        return;
    }
    let Some(program) = named_program() else {
        return;
    };
    let script = format!(
        "uprobe:{program}:station {{
             printf(\"%s %d %d %d %d %s\\n\", str(uaddr(\"greeting\")), *uaddr(\"counter\"),
                    *uaddr(\"small\"), *uaddr(\"tiny\"), *uaddr(\"byte\"),
                    macaddr(uaddr(\"station_address\")));
             @[*uaddr(\"counter\")] = count(); }}"
    );
    let output = tine(&[], &["-f", "bpftrace", "-c", program, &script]);
    assert_eq!(
        stdout(&output),
        "Attaching 1 probe...\nhello from tine -41 -7 -3 -56 02:1A:B3:4C:D5:EF\n\n\n@[-41]: 1\n",
        "{output:?}"
    );
    for (script, message) in [
        (
            format!("uprobe:{program}:station {{ @ = *uaddr(\"nothing\"); }}"),
            format!("{program} has no data object `nothing`"),
        ),
        (
            "tracepoint:syscalls:sys_enter_read { @ = *uaddr(\"counter\"); }".to_string(),
            "uaddr() reads the symbols of a uprobe's binary: this probe has none".to_string(),
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_tine"))
            .arg(&script)
            .output()
            .expect("run tine");
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        let errors = String::from_utf8_lossy(&output.stderr);
        assert!(errors.contains(&message), "{errors}");
    }
}

/// `cgroup_path()` of the cgroup v2 directory this test makes and runs the workload in:
/// `unified:/` and the directory's name first, then, as in bpftrace, each cgroup v1 hierarchy
/// with an entry of that inode number (by chance: v1 numbers its own), named by its mount point,
/// in order, each entry's inode the id. bpftrace 0.17 prints the same line for the same run.
#[test]
fn cgroup_path_names_the_cgroup_the_workload_runs_in() {
    let test = "cgroup_path_names_the_cgroup_the_workload_runs_in";
    if !common::kernel_available(test) {
        return;
    }
    let mounts = std::fs::read_to_string("/proc/self/mounts").expect("read /proc/self/mounts");
    // (hierarchy name, mount point) of each cgroup hierarchy, as bpftrace names them.
    let hierarchies: Vec<(String, String)> = mounts
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(' ').collect();
            let name = match *fields.get(2)? {
                "cgroup2" => "unified",
                "cgroup" => fields[1].rsplit('/').next()?,
                _ => return None,
            };
            Some((name.to_string(), fields[1].to_string()))
        })
        .collect();
    let Some((_, unified)) = hierarchies.iter().find(|(name, _)| name == "unified") else {
        common::skip(test, "no cgroup v2 hierarchy is mounted");
        return;
    };
    let name = format!("tine-cgroup-{}", std::process::id());
    let directory = format!("{unified}/{name}");
    if let Err(error) = std::fs::create_dir(&directory) {
        common::skip(test, format_args!("cannot make {directory}: {error}"));
        return;
    }
    let id = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&directory).unwrap());
    let program = common::unique_copy("true", "tinecgroup");
    let workload = format!(
        "echo $$ > {directory}/cgroup.procs && exec {}",
        program.display()
    );
    let script = "tracepoint:sched:sched_process_exec / comm == \"tinecgroup\" / { \
                  printf(\"%d %s\\n\", cgroup, cgroup_path(cgroup)); @ = cgroup_path(cgroup); }";
    let output = tine(&[], &["-f", "bpftrace", "-c", &workload, script]);
    std::fs::remove_dir(&directory).expect("remove the test's cgroup");
    let text = stdout(&output);
    let line = text.lines().nth(1).unwrap_or_default();
    let (printed_id, paths) = line.split_once(' ').unwrap_or_default();
    assert_eq!(printed_id, id.to_string(), "{text}");
    assert!(text.ends_with(&format!("\n\n\n@: {paths}\n")), "{text}");
    let paths: Vec<&str> = paths.split(',').collect();
    assert_eq!(paths[0], format!("unified:/{name}"), "{text}");
    let mut names = Vec::new();
    for path in &paths[1..] {
        let (hierarchy, below) = path.split_once(':').expect("hierarchy:path");
        let (_, mount) = hierarchies
            .iter()
            .find(|(name, _)| name == hierarchy)
            .unwrap_or_else(|| panic!("{hierarchy} is no hierarchy: {text}"));
        let entry = std::fs::metadata(format!("{mount}{below}")).expect("the entry printed");
        assert_eq!(std::os::unix::fs::MetadataExt::ino(&entry), id, "{path}");
        names.push(hierarchy);
    }
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "{text}");
}
