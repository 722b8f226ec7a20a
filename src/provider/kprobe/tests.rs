//! provider::kprobe's tests: spec parsing, glob expansion over listings, the attach methods.

use super::*;
use crate::provider::location::tests::symbol;

fn parsed(spec: &str) -> Result<KprobeSpec, Failed> {
    KprobeSpec::parse(spec, false)
}

#[test]
fn parses_the_location_and_the_return_flag() {
    let spec = KprobeSpec::parse("vfs_read", true).unwrap();
    assert_eq!(
        (spec.location, spec.retprobe),
        (symbol("vfs_read", 0), true)
    );
    let spec = parsed("vfs_read+16").unwrap();
    assert_eq!(
        (spec.location, spec.retprobe),
        (symbol("vfs_read", 16), false)
    );
    assert_eq!(
        KprobeSpec::parse("vfs_read+16", true),
        Err(Box::new(KprobeError::Location(
            LocationError::OffsetOnReturn {
                spec: "vfs_read+16".into()
            }
        )))
    );
    assert_eq!(
        parsed("").unwrap_err().to_string(),
        "a kprobe needs a function: `kprobe:vfs_read`"
    );
}

const FILTER_FUNCTIONS: &str = "\
__traceiter_initcall_level
vfs_read
vfs_readv
vfs_write
vfs_read
__ftrace_invalid_address___64
vfs_iter_read.part.0
intel_pmu_hw_config.isra.0
ext4_file_read_iter [ext4]
kprobe_ftrace_handler
";

const BLACKLIST: &str = "\
0xffffffffa8600990-0xffffffffa86009b0\tasm_exc_divide_error
0x0000000000000000-0x0000000000000000\tkprobe_ftrace_handler
0xffffffffc0000000-0xffffffffc0000040\tmodule_helper [some_module]
";

#[test]
fn filter_functions_are_deduplicated_and_cleaned() {
    let functions = KernelFunctions::from_filter_functions(FILTER_FUNCTIONS);
    assert_eq!(
        functions.names().collect::<Vec<_>>(),
        [
            "__traceiter_initcall_level",
            "ext4_file_read_iter",
            "kprobe_ftrace_handler",
            "vfs_read",
            "vfs_readv",
            "vfs_write"
        ]
    );
    let functions = functions.without_blacklisted(BLACKLIST);
    assert!(!functions
        .names()
        .any(|name| name == "kprobe_ftrace_handler"));
    assert_eq!(functions.names().count(), 5);
}

#[test]
fn kallsyms_gives_functions_without_init_code_padding_or_clones() {
    let symbols = KernelSymbols::parse(
        "ffffffff81000000 T _stext\n\
         ffffffff81000ff0 t __pfx_vfs_read\n\
         ffffffff81001000 T vfs_read\n\
         ffffffff81001100 t vfs_read.cold\n\
         ffffffff81001200 T vfs_write\n\
         ffffffff81001300 D some_data\n\
         ffffffff81001400 t helper\n\
         ffffffff81001500 t helper\n\
         ffffffff83000000 T _sinittext\n\
         ffffffff83000010 t vfs_caches_init\n\
         ffffffff83000020 T start_kernel\n\
         ffffffff83100000 T _einittext\n\
         ffffffffc0001000 t ext4_helper\t[ext4]\n",
    );
    let functions = KernelFunctions::from_kallsyms(&symbols);
    assert_eq!(functions.source, "/proc/kallsyms");
    assert_eq!(
        functions.names().collect::<Vec<_>>(),
        [
            "_einittext",
            "_stext",
            "ext4_helper",
            "helper",
            "vfs_read",
            "vfs_write"
        ]
    );
}

#[test]
fn globs_expand_and_plain_names_read_no_listing() {
    let listing = || Ok(KernelFunctions::from_filter_functions(FILTER_FUNCTIONS));
    let spec = KprobeSpec::parse("vfs_read*", true).unwrap();
    assert_eq!(
        spec.locations(listing).unwrap(),
        [symbol("vfs_read", 0), symbol("vfs_readv", 0)]
    );
    let spec = parsed("vfs_[rw][er][ai][dt]e").unwrap();
    assert_eq!(spec.locations(listing).unwrap(), [symbol("vfs_write", 0)]);

    let unreadable = || -> Result<KernelFunctions, Failed> {
        panic!("a plain name must not read the symbol table")
    };
    assert_eq!(
        parsed("vfs_read+4").unwrap().locations(unreadable).unwrap(),
        [symbol("vfs_read", 4)]
    );
    assert_eq!(
        parsed("0xffffffff81000000")
            .unwrap()
            .locations(unreadable)
            .unwrap(),
        [Location::Address(0xffffffff81000000)]
    );
}

#[test]
fn a_glob_matching_nothing_is_an_error() {
    let listing = || Ok(KernelFunctions::from_filter_functions(FILTER_FUNCTIONS));
    // Only clones match: they were dropped, so nothing is left.
    let error = parsed("*.isra.*").unwrap().locations(listing).unwrap_err();
    assert_eq!(
        *error,
        KprobeError::NoMatch {
            pattern: "*.isra.*".into(),
            source: "available_filter_functions"
        }
    );
    assert_eq!(
        error.to_string(),
        "`*.isra.*` matches no kernel function that can be probed (searched available_filter_functions)"
    );
    let failing = || {
        Err(Box::new(KprobeError::NoListing {
            reason: "no tracefs".into(),
        }))
    };
    assert_eq!(
        parsed("vfs_*").unwrap().locations(failing),
        Err(Box::new(KprobeError::NoListing {
            reason: "no tracefs".into()
        }))
    );
}

fn method(
    glob: bool,
    present: &[Feature],
    force: &str,
    tracefs: Option<&std::path::Path>,
) -> Result<String, String> {
    let mut features = Features::from_present(present);
    features.force(force).unwrap();
    let tracefs = || match tracefs {
        Some(root) => Ok(Rc::new(Tracefs::at(root))),
        None => Err(KernelError::message("find tracefs", "none here").into()),
    };
    KprobeMethod::choose(glob, &features, &tracefs)
        .map(|method| match method {
            KprobeMethod::Multi => "multi".into(),
            KprobeMethod::Pmu => "pmu".into(),
            KprobeMethod::Tracefs(tracefs) => format!("tracefs {}", tracefs.root().display()),
        })
        .map_err(|error| error.to_string())
}

#[test]
fn the_attach_path_is_the_best_the_kernel_has_unless_forced() {
    let all = [Feature::KprobeMulti, Feature::KprobePmu];
    assert_eq!(method(true, &all, "", None), Ok("multi".into()));
    assert_eq!(method(false, &all, "", None), Ok("pmu".into()));
    assert_eq!(method(true, &all, "single_kprobes", None), Ok("pmu".into()));
    let root = std::env::temp_dir().join(format!("tine-kprobe-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    let without_events = method(true, &all, "tracefs,single_kprobes", Some(&root));
    std::fs::write(root.join("kprobe_events"), "").unwrap();
    let with_events = method(true, &[Feature::KprobeMulti], "single_kprobes", Some(&root));
    let no_tracefs = method(false, &[], "", None);
    std::fs::remove_dir_all(&root).unwrap();
    assert_eq!(
        without_events,
        Err(format!(
            "this kernel has no kprobes: no kprobe PMU, and no kprobe_events in {}",
            root.display()
        ))
    );
    assert_eq!(with_events, Ok(format!("tracefs {}", root.display())));
    assert_eq!(no_tracefs, Err("cannot find tracefs: none here".into()));
}

#[test]
fn only_kprobe_multi_needs_its_attach_type_at_load() {
    let probe = |method| Kprobe {
        locations: vec![symbol("vfs_read", 0)],
        retprobe: false,
        method,
        variables: Vec::new(),
    };
    assert_eq!(
        probe(KprobeMethod::Multi).attach_type(),
        Some(AttachType::TraceKprobeMulti.into())
    );
    assert_eq!(probe(KprobeMethod::Pmu).attach_type(), None);
    assert_eq!(probe(KprobeMethod::Pmu).kind(), ProgramKind::Kprobe);
}

/// The real listing of this machine's kernel: the read path is in it, under root, from the
/// best listing readable, without blacklisted functions.
#[test]
fn the_running_kernel_lists_its_read_path() {
    let functions = match KernelFunctions::read(None) {
        Ok(functions) => functions,
        Err(error) => {
            crate::testing::skip("the_running_kernel_lists_its_read_path", error);
            return;
        }
    };
    let spec = parsed("vfs_rea[d]").unwrap();
    assert_eq!(
        spec.locations(|| Ok(functions.clone())).unwrap(),
        [symbol("vfs_read", 0)]
    );
    assert!(!functions.names().any(|name| name.starts_with("__pfx_")));
    let filter_functions_readable =
        std::fs::File::open("/sys/kernel/tracing/available_filter_functions").is_ok();
    assert_eq!(
        functions.source,
        if filter_functions_readable {
            "available_filter_functions"
        } else {
            "/proc/kallsyms"
        }
    );
    if let Ok(blacklist) = std::fs::read_to_string("/sys/kernel/debug/kprobes/blacklist") {
        let names: Vec<&str> = functions.names().collect();
        for line in blacklist.lines() {
            let name = line.split_whitespace().nth(1).unwrap_or_default();
            assert!(names.binary_search(&name).is_err(), "{name} is blacklisted");
        }
        eprintln!(
            "{} functions from {}, blacklist applied",
            names.len(),
            functions.source
        );
    }
}
