//! Real-world Dockerfiles: the parser must never panic, and must accept and
//! reject exactly the files the official BuildKit parser accepts and rejects.

use std::collections::BTreeSet;
use std::fs;
use std::panic;
use std::path::{Path, PathBuf};

use layerlint::syntax::parse;

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.join("MANIFEST.tsv").is_file() {
        Some(dir)
    } else {
        eprintln!("skipping: {} not found", dir.join("MANIFEST.tsv").display());
        None
    }
}

/// The Dockerfiles listed in the manifest (its first column), leaving out the
/// `.dockerignore` files that sit beside them.
fn dockerfiles(dir: &Path) -> Vec<String> {
    let manifest = fs::read_to_string(dir.join("MANIFEST.tsv")).expect("readable manifest");
    manifest
        .lines()
        .skip(1)
        .filter_map(|line| line.split('\t').next())
        .filter(|file| !file.is_empty() && !file.ends_with(".dockerignore"))
        .map(str::to_string)
        .collect()
}

#[test]
fn corpus_parses_like_buildkit() {
    let Some(dir) = corpus_dir() else { return };
    let expected_rejected: BTreeSet<String> = fs::read_to_string(dir.join("buildkit-rejected.txt"))
        .expect("readable buildkit-rejected.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let files = dockerfiles(&dir);
    assert_eq!(files.len(), 2949, "manifest should list 2949 Dockerfiles");

    let mut panicked = Vec::new();
    let mut rejected = BTreeSet::new();
    for file in &files {
        let bytes = fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        // The official parser reads bytes; invalid UTF-8 is not expected in the corpus.
        let source = String::from_utf8_lossy(&bytes);
        match panic::catch_unwind(|| parse(&source).map(|_| ())) {
            Ok(Ok(())) => {}
            Ok(Err(_)) => {
                rejected.insert(file.clone());
            }
            Err(_) => panicked.push(file.clone()),
        }
    }
    assert!(panicked.is_empty(), "parser panicked on {panicked:?}");
    let wrongly_rejected: Vec<_> = rejected.difference(&expected_rejected).collect();
    let wrongly_accepted: Vec<_> = expected_rejected.difference(&rejected).collect();
    assert!(
        wrongly_rejected.is_empty() && wrongly_accepted.is_empty(),
        "rejected but BuildKit accepts: {wrongly_rejected:?}\naccepted but BuildKit rejects: {wrongly_accepted:?}"
    );
    assert_eq!(files.len() - rejected.len(), 2943);
}
