//! Finding Dockerfiles under the paths given on the command line.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Whether a file name looks like a Dockerfile: `Dockerfile`, `Containerfile`,
/// `Dockerfile.*`, `Containerfile.*`, `*.Dockerfile`, `*.dockerfile`.
pub fn is_dockerfile_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.starts_with("containerfile.")
        || lower.ends_with(".dockerfile")
        || lower.ends_with(".containerfile")
}

/// Folders never worth descending into while looking for Dockerfiles.
const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    ".venv",
    "__pycache__",
    ".hg",
    ".svn",
];

/// A path that could not be walked, with the reason.
#[derive(Debug)]
pub struct DiscoveryError {
    pub path: PathBuf,
    pub error: io::Error,
}

/// Expand each path: files are taken as given (whatever their name), directories are walked
/// for Dockerfile names. Symlinked directories are followed once (loops are cut).
/// Results keep the order of `paths`; files found in a directory are sorted.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<DiscoveryError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut seen_dirs = HashSet::new();
    for path in paths {
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                let mut found = Vec::new();
                walk(path, &mut found, &mut errors, &mut seen_dirs, 0);
                found.sort();
                files.extend(found);
            }
            Ok(_) => files.push(path.clone()),
            Err(error) => errors.push(DiscoveryError {
                path: path.clone(),
                error,
            }),
        }
    }
    (files, errors)
}

fn walk(
    dir: &Path,
    found: &mut Vec<PathBuf>,
    errors: &mut Vec<DiscoveryError>,
    seen: &mut HashSet<PathBuf>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    // Canonical paths cut symlink loops.
    let Ok(canonical) = fs::canonicalize(dir) else {
        return;
    };
    if !seen.insert(canonical) {
        return;
    }
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(error) => {
            errors.push(DiscoveryError {
                path: dir.to_path_buf(),
                error,
            });
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let meta = match fs::metadata(&path) {
            Ok(meta) => meta,
            // A Dockerfile that cannot be opened (a symlink loop, a dangling link) is
            // reported rather than skipped.
            Err(error) => {
                if is_dockerfile_name(&name) {
                    errors.push(DiscoveryError { path, error });
                }
                continue;
            }
        };
        if meta.is_dir() {
            if SKIPPED_DIRS.contains(&name.as_ref()) {
                continue;
            }
            walk(&path, found, errors, seen, depth + 1);
        } else if is_dockerfile_name(&name) {
            found.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_dockerfile_names() {
        for n in [
            "Dockerfile",
            "dockerfile",
            "Containerfile",
            "Dockerfile.dev",
            "api.Dockerfile",
            "x.dockerfile",
        ] {
            assert!(is_dockerfile_name(n), "{n}");
        }
        for n in [
            "Dockerfile-old.md",
            "docker-compose.yml",
            "README",
            "Dockerfiles",
        ] {
            assert!(!is_dockerfile_name(n), "{n}");
        }
    }
}
