//! The layouts checked against gcc for each target whose compiler is installed: sizes,
//! alignments and offsets as `_Static_assert`s, and each bitfield's bits as gcc stores them
//! (a struct with only that field set to all ones, read back from the object file).

use std::path::Path;
use std::process::Command;

use super::*;

/// Kernel structs as bpftrace's tools reach them (runqlen, dcsnoop, naptime, oomkill, the tcp
/// tools, biosnoop), and the corners of C layout.
const DEFINITIONS: &str = "
#define TASK_COMM_LEN 16
#define DISK_NAME_LEN 32
struct load_weight { unsigned long weight; u32 inv_weight; };
struct cfs_rq { struct load_weight load; unsigned long runnable_weight;
    unsigned int nr_running; unsigned int h_nr_running; };
struct path { struct vfsmount *mnt; struct dentry *dentry; };
struct qstr { union { struct { u32 hash; u32 len; }; u64 hash_len; };
    const unsigned char *name; };
struct nameidata { struct path path; struct qstr last; struct path root; unsigned int flags; };
struct timespec64 { s64 tv_sec; long tv_nsec; };
struct __kernel_timespec { long long tv_sec; long long tv_nsec; };
struct oom_control { struct zonelist *zonelist; void *nodemask; struct mem_cgroup *memcg;
    const unsigned int gfp_mask; const int order; unsigned long totalpages;
    struct task_struct *chosen; long chosen_points; int constraint; };
typedef struct { int counter; } atomic_t;
typedef u32 __portpair;
typedef u64 __addrpair;
struct hlist_node { struct hlist_node *next, **pprev; };
struct sock_common {
    union { __addrpair skc_addrpair; struct { __be32 skc_daddr; __be32 skc_rcv_saddr; }; };
    union { unsigned int skc_hash; u16 skc_u16hashes[2]; };
    union { __portpair skc_portpair; struct { __be16 skc_dport; u16 skc_num; }; };
    unsigned short skc_family;
    volatile unsigned char skc_state;
    unsigned char skc_reuse:4;
    unsigned char skc_reuseport:1;
    unsigned char skc_ipv6only:1;
    unsigned char skc_net_refcnt:1;
    int skc_bound_dev_if;
    union { struct hlist_node skc_bind_node; struct hlist_node skc_portaddr_node; };
    struct proto *skc_prot;
    struct { u32 s6_addr32[4]; } skc_v6_daddr;
    atomic_t skc_refcnt;
};
struct sock { struct sock_common __sk_common; int sk_rcvbuf; unsigned int sk_padding : 1,
    sk_kern_sock : 1, sk_no_check_tx : 1, sk_no_check_rx : 1, sk_userlocks : 4;
    u8 sk_protocol; u16 sk_type; u16 sk_gso_max_segs; u32 sk_max_ack_backlog; };
struct gendisk { int major; int first_minor; int minors; char disk_name[DISK_NAME_LEN]; };
struct request { struct request_queue *q; struct blk_mq_ctx *mq_ctx; unsigned int cmd_flags;
    unsigned int rq_flags; int tag; int internal_tag; unsigned int timeout;
    unsigned int __data_len; u64 __sector; struct gendisk *rq_disk; u64 start_time_ns;
    char comm[TASK_COMM_LEN]; };

enum small { SMALL_A, SMALL_B = 300 };
enum negative { NEGATIVE = -5 };
enum wide { WIDE = 0x123456789 };
struct enums { char c; enum small s; enum wide w; enum negative n : 4; };
struct bits {
    char a; unsigned int b : 3; unsigned int c : 30; unsigned long long d : 33;
    short e : 9; short f : 9; unsigned char : 0; char g; long long : 0; char h : 2;
    int i : 32; long j : 3; _Bool k : 1; u64 l : 64;
};
struct bits_after_long { long long a : 60; int b : 5; char c; };
struct straddle { char a[3]; int b : 16; short c : 9; };
struct unnamed_widths { char a; int : 7; char b; long long : 3; };
struct zero_width { char a; int : 0; char b; };
union bit_union { char c; int x : 3; long long y : 20; };
union mixed { char c[5]; short s; struct { char x; double d; } inner; };
struct arrays { char a; int grid[2][3]; char b; short s[3][1][2]; char tail[]; };
struct pointers { char c; void (*callback)(int, char *); const char *const *names;
    int (*rows)[4]; unsigned long (*table[3])(void); };
struct floats { char c; double d; float f; };
struct packed_inner { char c; int x; short y; } __attribute__((packed));
struct holds_packed { char c; struct packed_inner p; long long z; };
struct packed_bits { char a; unsigned int b : 7; unsigned int c : 30; } __packed;
struct aligned_member { char c; int x __attribute__((aligned(16))); char d; };
struct aligned_struct { char c; } __aligned(8);
struct __attribute__((aligned(4), packed)) both { char c; int x; };
struct nested { struct inner_named { char tag; long long value; } inner; char after;
    union { int u1; struct { char u2; char u3; }; }; };
struct rcu { struct sock __rcu *sk; struct oom_control *__user oc; };
typedef struct { char a; u16 b; } pair_t;
struct typedefs { pair_t pairs[3]; size_t length; ssize_t result; pid_t pid; bool flag;
    __le64 le; uintptr_t address; char c; __aligned_u64 aligned; };
";

/// For gcc, the built-in typedefs and the kernel's attribute macros.
fn prelude() -> String {
    let mut text = String::from(
        "#define __packed __attribute__((packed))\n\
         #define __aligned(x) __attribute__((aligned(x)))\n\
         #define __rcu\n#define __user\n",
    );
    for (names, target) in TYPEDEFS.lines().zip(TYPEDEF_TARGETS) {
        let target = SCALARS.lines().nth(target as usize - 1).unwrap();
        for name in names.split(' ') {
            text += &format!("typedef {target} {name};\n");
        }
    }
    text
}

/// A bitfield to check: the variable that holds only it set, and the bytes that must be.
struct Probe {
    section: String,
    bytes: Vec<u8>,
}

/// The checks for gcc: asserts, and one variable per bitfield.
fn checks(types: &Definitions, big_endian: bool) -> (String, Vec<Probe>) {
    let mut text = String::new();
    let mut probes = Vec::new();
    for id in types.builtins..types.types.len() as TypeId {
        let (tag, name) = match &types.types[id as usize] {
            CType::Struct(composite) => ("struct", &composite.name),
            CType::Union(composite) => ("union", &composite.name),
            CType::Enum(found) => ("enum", &found.name),
            _ => continue,
        };
        if name.is_empty() {
            continue;
        }
        let spelled = format!("{tag} {name}");
        let size = types.size_of(id).unwrap();
        let align = types.align_of(id).unwrap();
        text += &format!(
            "_Static_assert(sizeof({spelled}) == {size} && _Alignof({spelled}) == {align}, \
             \"{spelled}: tine says size {size}, align {align}\");\n"
        );
        let mut fields = Vec::new();
        walk(types, id, "", 0, &mut fields);
        for (path, field) in fields {
            if field.bitfield_size == 0 {
                let offset = field.byte_offset();
                text += &format!(
                    "_Static_assert(__builtin_offsetof({spelled}, {path}) == {offset}, \
                     \"{spelled}.{path}: tine says {offset}\");\n"
                );
                continue;
            }
            let section = format!(".tine_probe{}", probes.len());
            text += &format!(
                "{spelled} probe{} __attribute__((section(\"{section}\"))) = {{ .{path} = -1 }};\n",
                probes.len()
            );
            let mut bytes = vec![0u8; size as usize];
            for bit in field.bit_offset..field.bit_offset + u64::from(field.bitfield_size) {
                // Bit offsets count in memory order (see ctypes::MemberLocation::bitfield_read).
                let shift = if big_endian { 7 - bit % 8 } else { bit % 8 };
                bytes[(bit / 8) as usize] |= 1 << shift;
            }
            probes.push(Probe { section, bytes });
        }
    }
    (text, probes)
}

/// Every named member of a struct or union, through anonymous and nested ones, with its path.
fn walk(
    types: &Definitions,
    id: TypeId,
    prefix: &str,
    base: u64,
    out: &mut Vec<(String, MemberLocation)>,
) {
    let members = match types.resolve(id).unwrap().1.into_owned() {
        CType::Struct(composite) | CType::Union(composite) => composite.members,
        _ => return,
    };
    for member in members {
        let offset = base + u64::from(member.bit_offset);
        if member.name.is_empty() {
            walk(types, member.target, prefix, offset, out);
            continue;
        }
        let path = format!("{prefix}{}", member.name);
        out.push((
            path.clone(),
            MemberLocation {
                target: member.target,
                bit_offset: offset,
                bitfield_size: member.bitfield_size,
            },
        ));
        walk(types, member.target, &format!("{path}."), offset, out);
    }
}

#[test]
fn layouts_agree_with_gcc() {
    let directory = std::env::temp_dir().join(format!("tine-cdefs-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let mut checked = 0;
    for (compiler, flag, objcopy, abi, big_endian) in compilers() {
        if Command::new(compiler).arg("--version").output().is_err() {
            eprintln!("skipped {compiler}: not installed");
            continue;
        }
        agrees(compiler, flag, objcopy, abi, big_endian, &directory);
        checked += 1;
    }
    let _ = std::fs::remove_dir_all(&directory);
    if checked == 0 {
        eprintln!("skipped: no gcc for any target");
    }
}

/// The gccs to compare with, each with its flag, its objcopy, the ABI it compiles for and
/// whether that is big-endian: the host's for x86_64 and i386, then the cross compilers.
fn compilers() -> Vec<(&'static str, &'static str, &'static str, Abi, bool)> {
    // i386 is no target of tine's, but the one where 8-byte integers align to 4 in structs.
    let i386 = Abi {
        pointer_size: 4,
        long_size: 4,
        int64_align: 4,
        unnamed_bitfields_align: false,
    };
    let host = cfg!(target_arch = "x86_64").then_some([
        ("gcc", "", "objcopy", Abi::X86_64, false),
        ("gcc", "-m32", "objcopy", i386, false),
    ]);
    host.into_iter()
        .flatten()
        .chain([
            (
                "arm-linux-gnueabihf-gcc",
                "",
                "arm-linux-gnueabihf-objcopy",
                Abi::ARM,
                false,
            ),
            (
                "mipsel-linux-gnu-gcc",
                "",
                "mipsel-linux-gnu-objcopy",
                Abi::MIPS,
                false,
            ),
            (
                "mips-linux-gnu-gcc",
                "",
                "mips-linux-gnu-objcopy",
                Abi::MIPS,
                true,
            ),
            (
                "aarch64-linux-gnu-gcc",
                "",
                "aarch64-linux-gnu-objcopy",
                Abi::AARCH64,
                false,
            ),
            (
                "riscv64-linux-gnu-gcc",
                "",
                "riscv64-linux-gnu-objcopy",
                Abi::RISCV64,
                false,
            ),
        ])
        .collect()
}

/// Asserts that `compiler` lays `DEFINITIONS` out as tine does for `abi`: its static asserts
/// of sizes and offsets compile, and the bitfields it writes hold the bytes tine expects.
fn agrees(compiler: &str, flag: &str, objcopy: &str, abi: Abi, big_endian: bool, directory: &Path) {
    let label = format!("{compiler}{flag}");
    let types = Definitions::parse(DEFINITIONS, abi, &[]).unwrap();
    let (asserts, probes) = checks(&types, big_endian);
    let source = directory.join(format!("{label}.c"));
    let object = directory.join(format!("{label}.o"));
    std::fs::write(&source, format!("{}{DEFINITIONS}{asserts}", prelude())).unwrap();
    let compiled = Command::new(compiler)
        .args(
            [flag, "-c", "-ffreestanding", "-w", "-o"]
                .into_iter()
                .filter(|arg| !arg.is_empty()),
        )
        .args([&object, &source])
        .output()
        .unwrap();
    assert!(
        compiled.status.success(),
        "{label} disagrees:\n{}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    for probe in &probes {
        let mut bytes = copy_section(objcopy, &object, &probe.section, directory);
        // mips' assembler pads a section to its alignment.
        let padding = bytes.split_off(probe.bytes.len().min(bytes.len()));
        assert_eq!(bytes, probe.bytes, "{label}: {}", probe.section);
        assert!(padding.iter().all(|byte| *byte == 0));
    }
    eprintln!(
        "{label}: {} asserts and {} bitfields agree",
        asserts.lines().count() - probes.len(),
        probes.len()
    );
}

fn copy_section(objcopy: &str, object: &Path, section: &str, directory: &Path) -> Vec<u8> {
    let out = directory.join("section.bin");
    let copied = Command::new(objcopy)
        .args(["-O", "binary", "-j", section])
        .args([object, &out])
        .output()
        .unwrap();
    assert!(
        copied.status.success(),
        "{}",
        String::from_utf8_lossy(&copied.stderr)
    );
    std::fs::read(out).unwrap()
}
