//! BuildKit's own parser test files: every positive case must parse and dump
//! exactly like BuildKit; every negative case must be rejected.

use std::fs;
use std::path::{Path, PathBuf};

use layerlint::syntax::{buildkit_dump, parse};

fn data_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/buildkit-parser");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipping: {} not found", dir.display());
        None
    }
}

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.join("Dockerfile").is_file())
        .collect();
    cases.sort();
    cases
}

#[test]
fn positive_cases_dump_like_buildkit() {
    let Some(dir) = data_dir() else { return };
    let cases = cases(&dir.join("testfiles"));
    assert_eq!(cases.len(), 33, "expected BuildKit's 33 positive cases");
    let mut failures = Vec::new();
    for case in &cases {
        let source = fs::read_to_string(case.join("Dockerfile")).expect("readable Dockerfile");
        let expected = fs::read_to_string(case.join("result")).expect("readable result");
        match parse(&source) {
            Ok(df) => {
                let dump = buildkit_dump(&df);
                if dump != expected {
                    failures.push(format!(
                        "{}:\n--- expected\n{expected}--- got\n{dump}",
                        case.display()
                    ));
                }
            }
            Err(e) => failures.push(format!("{}: unexpected error {e}", case.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn negative_cases_are_rejected() {
    let Some(dir) = data_dir() else { return };
    let cases = cases(&dir.join("testfiles-negative"));
    assert_eq!(cases.len(), 4, "expected BuildKit's 4 negative cases");
    for case in &cases {
        let source = fs::read_to_string(case.join("Dockerfile")).expect("readable Dockerfile");
        assert!(
            parse(&source).is_err(),
            "{} should not parse",
            case.display()
        );
    }
}
