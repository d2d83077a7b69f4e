//! The README is part of the interface: its rule table and its test command stay true.

use std::path::Path;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md")
}

#[test]
fn readme_lists_every_rule_with_its_name() {
    let text = readme();
    for rule in layerlint::rules::registry() {
        let m = rule.meta();
        assert!(
            text.contains(&format!("[{}](rules/{}.md) | `{}`", m.code, m.code, m.name)),
            "README's rule table lacks {} `{}`",
            m.code,
            m.name
        );
    }
}

#[test]
fn ci_runs_the_test_command_the_readme_gives() {
    let text = readme();
    let ci = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/run"))
        .expect(".ci/run");
    let after_heading = text
        .split("Run the tests:")
        .nth(1)
        .expect("README names the test command");
    let command = after_heading
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("cargo "))
        .expect("a cargo command under `Run the tests:`");
    assert!(
        ci.lines().any(|l| l.trim() == command),
        ".ci/run does not run `{command}`"
    );
}
