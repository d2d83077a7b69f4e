//! `Settings`: the command line combined with a file's config, as the driver uses it.

mod settings_support;

use std::path::Path;

use layerlint::diagnostic::Severity;
use layerlint::settings::{CliOverrides, Config, FailLevel, Settings};
use layerlint::span::{LineIndex, Span};
use layerlint::syntax::{Comment, Dockerfile};
use settings_support::{codes, finding, rules, LL101, LL102, LL201, LL301};

fn config(text: &str) -> Config {
    Config::parse(text, Path::new(".layerlint.toml"), &rules()).expect("valid config")
}

fn cli(select: &[&str]) -> CliOverrides {
    CliOverrides {
        select: (!select.is_empty()).then(|| select.iter().map(|s| s.to_string()).collect()),
        ..CliOverrides::default()
    }
}

/// A file holding only comments, enough for global suppressions.
fn comments_only(source: &str) -> Dockerfile {
    let lines = LineIndex::new(source);
    let mut offset = 0;
    let mut comments = Vec::new();
    for line in source.split_inclusive('\n') {
        let text = line.trim_end();
        if text.starts_with('#') {
            comments.push(Comment {
                span: Span::new(offset, offset + text.len()),
            });
        }
        offset += line.len();
    }
    Dockerfile {
        source: source.to_string(),
        bom: false,
        escape: '\\',
        directives: Vec::new(),
        comments,
        instructions: Vec::new(),
        lines,
    }
}

#[test]
fn cli_errors_surface_once_when_building_from_the_command_line() {
    let err = Settings::from_cli_with_rules(&cli(&["LL999"]), rules()).expect_err("unknown");
    assert_eq!(err.option, "--select");
}

#[test]
fn with_config_layers_the_config_under_the_command_line() {
    let base = Settings::from_cli_with_rules(&cli(&["LL1"]), rules()).expect("valid");
    let settings = base.with_config(Some(&config(
        "select = [\"LL3\"]\nignore = [\"LL102\"]\nfail-level = \"none\"\n[rules.LL301]\nrequire = \"digest\"\nseverity = \"error\"\n",
    )));
    let here = Path::new("Dockerfile");
    assert!(settings.is_enabled("LL101", here));
    assert!(!settings.is_enabled("LL102", here));
    assert!(!settings.is_enabled("LL301", here));
    assert_eq!(settings.fail_level(), None);
    let options = settings.rule_options();
    assert_eq!(
        options
            .get("LL301")
            .and_then(|t| t.get("require"))
            .and_then(|v| v.as_str()),
        Some("digest")
    );
    assert!(options
        .get("LL301")
        .is_some_and(|t| !t.contains_key("severity")));
    // Without a config the command line alone decides.
    assert!(base.with_config(None).is_enabled("LL102", here));
}

#[test]
fn is_enabled_honours_per_file_ignores() {
    let settings = Settings::from_cli_with_rules(&CliOverrides::default(), rules())
        .expect("valid")
        .with_config(Some(&config(
            "[per-file-ignores]\n\"Dockerfile.dev\" = [\"LL2\"]\n",
        )));
    assert!(!settings.is_enabled("LL201", Path::new("svc/Dockerfile.dev")));
    assert!(settings.is_enabled("LL201", Path::new("svc/Dockerfile")));
}

#[test]
fn apply_runs_suppressions_then_selection_and_severities() {
    let settings = Settings::from_cli_with_rules(
        &CliOverrides {
            fail_level: Some(FailLevel::At(Severity::Error)),
            ..CliOverrides::default()
        },
        rules(),
    )
    .expect("valid")
    .with_config(Some(&config(
        "ignore = [\"LL102\"]\n[rules.LL201]\nseverity = \"style\"\n",
    )));
    let file = comments_only(
        "# layerlint global ignore=LL301 -- pinned elsewhere\n# layerlint global ignore=LL999\n",
    );
    let out = settings.apply_reporting(
        vec![
            finding(&LL101, 0),
            finding(&LL102, 1),
            finding(&LL201, 2),
            finding(&LL301, 3),
        ],
        &file,
    );
    assert_eq!(codes(&out.diagnostics), ["LL101", "LL201"]);
    assert_eq!(
        out.diagnostics.get(1).map(|d| d.severity()),
        Some(Severity::Style)
    );
    assert_eq!(out.invalid.len(), 1);
    assert_eq!(out.invalid[0].line, 2);
    assert_eq!(settings.fail_level(), Some(Severity::Error));
}
