//! bench btf: what a script that touches one struct pays for kernel types, from a cold start:
//! open the running kernel's BTF, find `struct task_struct`, resolve
//! `task_struct->real_parent->tgid`. Prints each phase's time and the process's peak memory;
//! btf.md beside it has the numbers and how they compare. Run as
//!
//!     cargo run --release --example btf_bench [-- task|read|hash]
//!
//! `task` stops after the task_struct chain; `read` copies the file instead of mapping it; `hash`
//! also builds a name -> id table of every type (the alternative to scanning for each name).

use std::collections::HashMap;
use std::rc::Rc;
use std::time::Instant;

use tine::ctypes::{NameKind, TypeSource};
use tine::kernel::btf::{Btf, VMLINUX};

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let started = Instant::now();
    let mut last = started;
    let mut phase = |what: &str| {
        let now = Instant::now();
        println!("{what:<44} {:>9.3} ms", (now - last).as_secs_f64() * 1e3);
        last = now;
    };
    let btf = if mode == "read" {
        let bytes = std::fs::read(VMLINUX).expect("read vmlinux BTF");
        Btf::parse(bytes, None).expect("parse")
    } else {
        Btf::vmlinux().expect("open vmlinux BTF")
    };
    phase(if mode == "read" {
        "read the file, check the header"
    } else {
        "map the file, check the header"
    });
    let task = btf
        .lookup(NameKind::Struct, "task_struct")
        .expect("struct task_struct");
    phase("find struct task_struct");
    let size = btf.size_of(task).expect("sizeof");
    phase("sizeof(struct task_struct)");
    let steps = btf.chain(task, &["real_parent", "tgid"]).expect("chain");
    phase("resolve task_struct->real_parent->tgid");
    println!(
        "{:<44} {:>9.3} ms",
        "  so far: the task_struct chain from cold",
        started.elapsed().as_secs_f64() * 1e3
    );
    if mode == "task" {
        println!(
            "real_parent at {}, tgid at {}, sizeof {size}",
            steps[0].field.byte_offset(),
            steps[1].field.byte_offset()
        );
        return;
    }
    let sock = btf.lookup(NameKind::Struct, "sock").expect("struct sock");
    let dport = btf
        .chain(sock, &["__sk_common", "skc_dport"])
        .expect("sock chain");
    phase("find struct sock, resolve __sk_common.skc_dport");
    let (_, prototype) = btf.function("vfs_read").expect("read").expect("vfs_read");
    phase("find vfs_read's prototype");
    let constant = btf.find_enumerator("BPF_MAP_TYPE_RINGBUF").expect("enum");
    phase("find enum constant BPF_MAP_TYPE_RINGBUF");
    if mode == "hash" {
        let btf = Rc::new(btf);
        let mut table: HashMap<&str, u32> = HashMap::new();
        for kind in [
            NameKind::Struct,
            NameKind::Union,
            NameKind::Enum,
            NameKind::Typedef,
            NameKind::Scalar,
            NameKind::Function,
            NameKind::Variable,
        ] {
            for (id, name) in btf.names(kind).expect("names") {
                table.entry(name).or_insert(id);
            }
        }
        phase(&format!("hash every name ({} names)", table.len()));
    }
    println!(
        "{:<44} {:>9.3} ms",
        "total",
        started.elapsed().as_secs_f64() * 1e3
    );
    println!(
        "sizeof(struct task_struct) = {size}; real_parent at {} (pointer: {}), tgid at {}; \
         __sk_common.skc_dport at {}; vfs_read has {} parameters; BPF_MAP_TYPE_RINGBUF = {:?}",
        steps[0].field.byte_offset(),
        steps[1].through_pointer,
        steps[1].field.byte_offset(),
        dport[0].field.byte_offset() + dport[1].field.byte_offset(),
        prototype.parameters.len(),
        constant.map(|(_, value)| value),
    );
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in status.lines() {
        if line.starts_with("VmHWM") || line.starts_with("VmRSS") {
            println!("{line}");
        }
    }
}
