//! The command line as users drive it: subcommands, exit codes and CI files in one run.

use std::path::Path;
use std::process::{Command, Output};

fn layerlint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_layerlint"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run layerlint")
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

const WORKFLOW: &str = "on:\n  push:\n    branches: [main]\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          push: true\n          tags: ghcr.io/acme/web:1.0\n";

#[test]
fn check_lints_dockerfiles_and_ci_workflows_in_one_run() {
    let repo = tempfile::tempdir().expect("temp dir");
    write(
        repo.path(),
        "Dockerfile",
        "FROM node:22\nCOPY . .\nRUN npm ci\n",
    );
    write(repo.path(), ".github/workflows/build.yml", WORKFLOW);
    let out = layerlint(
        repo.path(),
        &["check", "--no-config", "--format", "json", "."],
    );
    assert_eq!(out.status.code(), Some(1));
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let codes: Vec<&str> = findings
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"LL101"), "{codes:?}");
    assert!(codes.contains(&"LL601"), "{codes:?}");

    let out = layerlint(
        repo.path(),
        &["check", "--no-config", "--no-ci", "--format", "json", "."],
    );
    let findings: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(findings
        .as_array()
        .expect("array")
        .iter()
        .all(|f| !f["code"].as_str().unwrap_or("").starts_with("LL6")));
}

#[test]
fn config_key_ci_false_turns_ci_linting_off() {
    let repo = tempfile::tempdir().expect("temp dir");
    write(repo.path(), "Dockerfile", "FROM scratch\nCOPY app /app\n");
    write(repo.path(), ".github/workflows/build.yml", WORKFLOW);
    write(repo.path(), ".layerlint.toml", "ci = false\n");
    let out = layerlint(repo.path(), &["check", "--format", "json", "."]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn unknown_rule_option_is_a_config_error_naming_file_and_line() {
    let repo = tempfile::tempdir().expect("temp dir");
    write(repo.path(), "Dockerfile", "FROM scratch\n");
    write(
        repo.path(),
        ".layerlint.toml",
        "[rules.LL301]\nrequire = \"tag\"\nbogus = 1\n",
    );
    let out = layerlint(repo.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(".layerlint.toml:3"), "{err}");
    assert!(err.contains("bogus"), "{err}");
}

#[test]
fn rules_lists_every_rule_and_rule_prints_a_doc_by_code_or_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = layerlint(dir.path(), &["rules"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for rule in layerlint::rules::registry() {
        assert!(
            text.contains(rule.meta().code),
            "{} missing",
            rule.meta().code
        );
    }
    let by_code = layerlint(dir.path(), &["rule", "LL101"]);
    let by_name = layerlint(dir.path(), &["rule", "volatile-copy-before-install"]);
    assert_eq!(by_code.stdout, by_name.stdout);
    assert!(String::from_utf8_lossy(&by_code.stdout).starts_with("# LL101"));
    assert_eq!(
        layerlint(dir.path(), &["rule", "LL999"]).status.code(),
        Some(2)
    );
}

#[test]
fn ci_subcommand_lists_builds() {
    let repo = tempfile::tempdir().expect("temp dir");
    write(repo.path(), "Dockerfile", "FROM scratch\n");
    write(repo.path(), ".github/workflows/build.yml", WORKFLOW);
    let out = layerlint(repo.path(), &["ci", "--format", "json", "."]);
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(
        report.to_string().contains("ghcr.io/acme/web:1.0"),
        "{report}"
    );
}
