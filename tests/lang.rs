//! The front end's corpora: every accepted script type-checks and dumps as its golden `.dump`,
//! and compiles; every rejected script renders exactly its golden `.err` from a dry run (the
//! front end, then the compiler, as `-e`). `TINE_BLESS=1` rewrites the goldens.

#[path = "lang/fake.rs"]
mod fake;

use std::fs;
use std::path::{Path, PathBuf};

fn scripts(folder: &str) -> Vec<PathBuf> {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/lang")
        .join(folder);
    let mut paths: Vec<PathBuf> = fs::read_dir(&directory)
        .expect("the corpus folder")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "tine")
        })
        .collect();
    paths.sort();
    paths
}

fn bless() -> bool {
    std::env::var_os("TINE_BLESS").is_some()
}

/// Compares `actual` with the golden file, or writes it when blessing; returns a mismatch.
fn golden(path: &Path, actual: &str) -> Option<String> {
    if bless() {
        fs::write(path, actual).expect("writing a golden file");
        return None;
    }
    let expected = fs::read_to_string(path).unwrap_or_default();
    (expected != actual).then(|| {
        format!(
            "{}:\n--- expected\n{expected}--- actual\n{actual}",
            path.display()
        )
    })
}

fn display_name(path: &Path) -> String {
    format!(
        "{}.tine",
        path.file_stem().expect("a file name").to_string_lossy()
    )
}

#[test]
fn accepted_scripts_type_check_and_dump_as_their_goldens() {
    let providers = fake::providers();
    let environment = fake::environment();
    let paths = scripts("accepted");
    assert!(
        paths.len() >= 70,
        "the accepted corpus shrank to {}",
        paths.len()
    );
    let mut failures = Vec::new();
    for path in &paths {
        let source = fs::read_to_string(path).expect("a corpus script");
        match tine::check(&source, &display_name(path), &providers, &environment) {
            Ok(program) => {
                let dump = program.to_string();
                assert!(dump.starts_with("maps\n") || dump.starts_with("probe "));
                if let Some(mismatch) = golden(&path.with_extension("dump"), &dump) {
                    failures.push(mismatch);
                }
                if let Err(error) = fake::compile(&providers, &program) {
                    failures.push(format!("{} does not compile: {error:?}", path.display()));
                }
            }
            Err(diagnostics) => failures.push(format!("{}:\n{diagnostics}", path.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rejected_scripts_render_their_golden_errors() {
    let providers = fake::providers();
    let environment = fake::environment();
    let paths = scripts("rejected");
    assert!(
        paths.len() >= 40,
        "the rejected corpus shrank to {}",
        paths.len()
    );
    let mut failures = Vec::new();
    for path in &paths {
        let source = fs::read_to_string(path).expect("a corpus script");
        let name = display_name(path);
        match tine::dry_run(&source, &name, &providers, &environment, false, 1024) {
            Ok(()) => failures.push(format!("{} was accepted", path.display())),
            Err(diagnostics) => {
                let rendered = diagnostics.to_string();
                assert!(rendered.contains(": error: "), "{rendered}");
                if let Some(mismatch) = golden(&path.with_extension("err"), &rendered) {
                    failures.push(mismatch);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
