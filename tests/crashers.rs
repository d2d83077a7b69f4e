//! Every input a fuzz target ever crashed on, replayed through the same checks.
//!
//! A crasher is kept as `tests/crashers/<target>-<n>.bin`, where `<target>` is the fuzz
//! target that found it (`parse`, `shell` or `lint`); this test runs it through that
//! target's invariants (`fuzz/invariants.rs`), so it fails until the crash is fixed and
//! keeps it fixed afterwards.

use std::fs;
use std::panic;
use std::path::{Path, PathBuf};

#[allow(dead_code)] // only the target entry points are used here
#[path = "../fuzz/invariants.rs"]
mod invariants;

fn crashers() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crashers");
    let Ok(entries) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    files.sort();
    files
}

fn replay(target: &str, data: &[u8]) {
    let text = invariants::text(data);
    match target {
        "parse" => invariants::parse(&text),
        "shell" => invariants::shell(&text),
        "lint" => {
            invariants::lint(&text);
            invariants::fix(&text);
        }
        other => panic!("unknown fuzz target `{other}`"),
    }
}

#[test]
fn fuzz_crashers_no_longer_crash() {
    let mut failures = Vec::new();
    for path in crashers() {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let target = name.split('-').next().unwrap_or_default().to_string();
        let data = fs::read(&path).expect("readable crasher");
        if let Err(e) = panic::catch_unwind(|| replay(&target, &data)) {
            let message = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{name}: {message}"));
        }
    }
    assert!(
        failures.is_empty(),
        "crashers still crash:\n{}",
        failures.join("\n")
    );
}

/// The fix invariants (`--fix --unsafe-fixes` keeps every file parseable and loses no
/// comment) on every real Dockerfile of the corpus, when it is present.
#[test]
fn fixing_the_corpus_keeps_every_file_intact() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("skipped: no corpus at {}", corpus.display());
        return;
    }
    let mut files = Vec::new();
    let mut stack = vec![corpus];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("readable corpus").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| {
                n.to_string_lossy()
                    .to_ascii_lowercase()
                    .contains("dockerfile")
            }) {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 1000, "only {} corpus files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let Ok(text) = fs::read_to_string(path) else {
            continue;
        };
        if let Err(e) = panic::catch_unwind(|| invariants::fix(&text)) {
            let message = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}: {message}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
