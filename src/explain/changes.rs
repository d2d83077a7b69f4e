//! Where the changed paths come from: the command line or git.

use std::path::{Component, Path};
use std::process::Command;

/// A changed path as the build context sees it: relative to `context`, `/`-separated,
/// without `./`. An absolute path (or one relative to the current folder that lies
/// inside the context) is made relative to the context; `None` when it lies outside.
pub fn normalize_changed_path(path: &str, context: &Path) -> Option<String> {
    let p = Path::new(path);
    let relative = if p.is_absolute() {
        let ctx = std::fs::canonicalize(context).unwrap_or_else(|_| context.to_path_buf());
        let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        abs.strip_prefix(&ctx).ok()?.to_path_buf()
    } else {
        p.to_path_buf()
    };
    let mut parts: Vec<String> = Vec::new();
    for c in relative.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Paths that differ from `rev` in the git work tree holding `context` (tracked changes,
/// staged or not, and untracked files that are not git-ignored), relative to `context`.
pub fn git_changed_paths(context: &Path, rev: &str) -> Result<Vec<String>, String> {
    if rev.starts_with('-') {
        return Err(format!("`{rev}` is not a git revision"));
    }
    let diff = run_git(context, &["diff", "--name-only", "--relative", rev, "--"])?;
    let untracked = run_git(context, &["ls-files", "--others", "--exclude-standard"])?;
    let mut paths: Vec<String> = diff
        .lines()
        .chain(untracked.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    paths.sort();
    paths.dedup();
    Ok(paths)
}

fn run_git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "`git {}` failed in {}: {}",
            args.join(" "),
            dir.display(),
            stderr.trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_cleaned() {
        let ctx = Path::new(".");
        assert_eq!(
            normalize_changed_path("./src//app.py", ctx).as_deref(),
            Some("src/app.py")
        );
        assert_eq!(
            normalize_changed_path("src/../lib/x", ctx).as_deref(),
            Some("lib/x")
        );
        assert_eq!(normalize_changed_path("../outside", ctx), None);
    }
}
