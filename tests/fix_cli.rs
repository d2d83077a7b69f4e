//! `layerlint check --fix / --unsafe-fixes / --diff` from the command line.

use std::path::Path;
use std::process::{Command, Output};

const NPM: &str = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";

fn layerlint(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_layerlint"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

fn project(dockerfile: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).expect("write");
    std::fs::write(dir.path().join("package.json"), "{}").expect("write");
    std::fs::write(dir.path().join("package-lock.json"), "{}").expect("write");
    dir
}

fn read(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("Dockerfile")).expect("read")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn fix_applies_safe_fixes_and_exits_on_what_remains() {
    let dir = project(NPM);
    let out = layerlint(
        &[
            "check",
            "--no-config",
            "--select",
            "LL101,LL201",
            "--fix",
            "Dockerfile",
        ],
        dir.path(),
    );
    assert_eq!(
        read(dir.path()),
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN --mount=type=cache,target=/root/.npm npm ci\n"
    );
    // LL101's fix is unsafe: the finding remains, so the exit code is 1.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("Dockerfile: fixed 1 finding (LL201)"), "{err}");
    assert!(
        err.contains("1 more fix available with --unsafe-fixes"),
        "{err}"
    );
}

#[test]
fn unsafe_fixes_reorder_and_leave_nothing_to_report() {
    let dir = project(NPM);
    let out = layerlint(
        &[
            "check",
            "--no-config",
            "--select",
            "LL101,LL201",
            "--fix",
            "--unsafe-fixes",
            "Dockerfile",
        ],
        dir.path(),
    );
    assert_eq!(
        read(dir.path()),
        "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN --mount=type=cache,target=/root/.npm npm ci\nCOPY . .\n"
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let again = layerlint(
        &[
            "check",
            "--no-config",
            "--select",
            "LL101,LL201",
            "--fix",
            "--unsafe-fixes",
            "Dockerfile",
        ],
        dir.path(),
    );
    assert_eq!(again.status.code(), Some(0));
    assert!(!stderr(&again).contains("fixed"), "{}", stderr(&again));
}

#[test]
fn diff_prints_a_patch_and_writes_nothing() {
    let dir = project(NPM);
    let out = layerlint(
        &[
            "check",
            "--no-config",
            "--select",
            "LL201",
            "--diff",
            "Dockerfile",
        ],
        dir.path(),
    );
    assert_eq!(read(dir.path()), NPM);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,4 +1,4 @@\n FROM node:20\n WORKDIR /app\n COPY . .\n-RUN npm ci\n+RUN --mount=type=cache,target=/root/.npm npm ci\n"
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("would fix 1 finding in 1 file"));
}

#[test]
fn diff_of_a_clean_file_is_empty_and_succeeds() {
    let dir = project("FROM scratch\nCOPY x /x\n");
    let out = layerlint(
        &["check", "--no-config", "--diff", "Dockerfile"],
        dir.path(),
    );
    assert!(out.stdout.is_empty());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn fix_writes_atomically_and_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project(NPM);
    let path = dir.path().join("Dockerfile");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let out = layerlint(
        &[
            "check",
            "--no-config",
            "--select",
            "LL201",
            "--fix",
            "Dockerfile",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[cfg(unix)]
#[test]
fn fix_follows_a_symlink_and_keeps_it() {
    let dir = project(NPM);
    std::fs::rename(
        dir.path().join("Dockerfile"),
        dir.path().join("real.Dockerfile"),
    )
    .expect("mv");
    std::os::unix::fs::symlink("real.Dockerfile", dir.path().join("Dockerfile")).expect("ln");
    layerlint(
        &[
            "check",
            "--no-config",
            "--select",
            "LL201",
            "--fix",
            "Dockerfile",
        ],
        dir.path(),
    );
    assert!(std::fs::symlink_metadata(dir.path().join("Dockerfile"))
        .expect("meta")
        .file_type()
        .is_symlink());
    assert!(std::fs::read_to_string(dir.path().join("real.Dockerfile"))
        .expect("read")
        .contains("--mount=type=cache"));
}

#[test]
fn crlf_files_get_crlf_lines() {
    let src = "FROM debian:12\r\nRUN apt-get update && apt-get install -y curl\r\n";
    let dir = project(src);
    layerlint(
        &[
            "check",
            "--no-config",
            "--select",
            "LL201",
            "--fix",
            "Dockerfile",
        ],
        dir.path(),
    );
    let fixed = read(dir.path());
    assert_eq!(
        fixed.matches('\n').count(),
        fixed.matches("\r\n").count(),
        "{fixed:?}"
    );
    assert_eq!(fixed.lines().count(), 3);
}

#[test]
fn unsafe_fixes_alone_is_a_usage_error() {
    let dir = project(NPM);
    let out = layerlint(&["check", "--unsafe-fixes", "Dockerfile"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--unsafe-fixes only matters with --fix or --diff"));
}

#[test]
fn fix_refuses_stdin() {
    let dir = project(NPM);
    let out = layerlint(&["check", "--fix", "-"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--fix cannot write back to stdin"));
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_left_alone() {
    let src = "FROM a\nRUN <<EOF\nnever ends\n";
    let dir = project(src);
    let out = layerlint(&["check", "--no-config", "--fix", "Dockerfile"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(read(dir.path()), src);
}

#[test]
fn suppressed_findings_are_not_fixed() {
    let src = "FROM node:20\nCOPY package.json package-lock.json ./\n# layerlint ignore=LL201\nRUN npm ci\n";
    let dir = project(src);
    let out = layerlint(
        &[
            "check",
            "--no-config",
            "--fix",
            "--select",
            "LL201",
            "Dockerfile",
        ],
        dir.path(),
    );
    assert_eq!(read(dir.path()), src);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
