//! `.layerlint.toml`: what it accepts, and errors that point at the offending line.

mod settings_support;

use std::path::Path;

use layerlint::diagnostic::Severity;
use layerlint::settings::{discover, Config, FailLevel, Selector};
use settings_support::rules;

fn parse(text: &str) -> Result<Config, layerlint::settings::ConfigError> {
    Config::parse(text, Path::new("project/.layerlint.toml"), &rules())
}

#[test]
fn reads_every_documented_key() {
    let config = parse(
        r#"
select = ["LL1", "missing-cache-mount"]
extend-select = ["LL202"]
ignore = ["LL102"]
fail-level = "info"

[rules.LL301]
severity = "error"
require = "digest"

[rules.late-env-invalidation]
names = ["BUILD_DATE", "GIT_SHA"]

[per-file-ignores]
"legacy/**/Dockerfile" = ["LL1"]
"#,
    )
    .expect("valid config");
    assert_eq!(
        config.select,
        Some(vec![
            Selector::Prefix("LL1".into()),
            Selector::Rule("LL201")
        ])
    );
    assert_eq!(config.extend_select, vec![Selector::Rule("LL202")]);
    assert_eq!(config.ignore, vec![Selector::Rule("LL102")]);
    assert_eq!(config.fail_level, Some(FailLevel::At(Severity::Info)));
    assert_eq!(
        config.severity_overrides().collect::<Vec<_>>(),
        vec![("LL301", Severity::Error)]
    );
    assert_eq!(config.per_file_ignores.len(), 1);
    assert_eq!(config.base_dir(), Some(Path::new("project")));
}

#[test]
fn rule_options_are_typed_and_keyed_by_code_even_when_written_by_name() {
    let config = parse(
        "[rules.LL301]\nrequire = \"digest\"\n\n[rules.late-env-invalidation]\nnames = [\"BUILD_DATE\"]\n",
    )
    .expect("valid config");
    assert_eq!(
        config
            .rule_option::<String>("LL301", "require")
            .ok()
            .flatten()
            .as_deref(),
        Some("digest")
    );
    assert_eq!(
        config
            .rule_option::<Vec<String>>("LL102", "names")
            .ok()
            .flatten(),
        Some(vec!["BUILD_DATE".to_string()])
    );
    assert_eq!(
        config
            .rule_option::<String>("LL301", "absent")
            .ok()
            .flatten(),
        None
    );
    assert_eq!(
        config.rule_option_keys("LL301").collect::<Vec<_>>(),
        vec!["require"]
    );
}

#[test]
fn a_rule_option_of_the_wrong_type_names_file_and_line() {
    let config = parse("\n[rules.LL301]\nrequire = 3\n").expect("valid config");
    let err = config
        .rule_option::<String>("LL301", "require")
        .expect_err("wrong type");
    assert_eq!((err.line, err.column), (Some(3), Some(11)));
    assert!(
        err.message.contains("rules.LL301.require"),
        "{}",
        err.message
    );
}

#[test]
fn unknown_key_error_names_file_and_line() {
    let err = parse("select = [\"LL1\"]\n\nfail_level = \"error\"\n").expect_err("unknown key");
    assert_eq!(err.path, Path::new("project/.layerlint.toml"));
    assert_eq!(err.line, Some(3));
    assert!(err.message.contains("fail_level"), "{}", err.message);
    assert!(
        err.to_string().starts_with("project/.layerlint.toml:3:"),
        "{err}"
    );
}

#[test]
fn unknown_rule_in_a_list_points_at_the_entry() {
    let err = parse("ignore = [\n  \"LL101\",\n  \"LL999\",\n]\n").expect_err("unknown code");
    assert_eq!((err.line, err.column), (Some(3), Some(3)));
    assert!(err.message.contains("LL999"), "{}", err.message);
}

#[test]
fn unknown_rule_name_and_table_are_errors() {
    let err = parse("select = [\"no-such-rule\"]").expect_err("unknown name");
    assert_eq!(err.line, Some(1));
    let err = parse("\n\n[rules.LL999]\nseverity = \"info\"\n").expect_err("unknown rule table");
    assert_eq!(err.line, Some(3));
}

#[test]
fn rules_table_must_name_a_single_rule() {
    let err = parse("[rules.LL3]\nseverity = \"info\"\n").expect_err("prefix");
    assert!(err.message.contains("one rule"), "{}", err.message);
}

#[test]
fn the_same_rule_configured_by_code_and_name_is_an_error() {
    let err = parse(
        "[rules.LL301]\nrequire = \"tag\"\n[rules.unpinned-base-image]\nrequire = \"digest\"\n",
    )
    .expect_err("twice");
    assert!(err.message.contains("twice"), "{}", err.message);
}

#[test]
fn prefixes_and_all_are_accepted_even_for_empty_categories() {
    let config = parse("select = [\"ALL\", \"LL\", \"LL6\", \"ll2\"]").expect("valid");
    assert_eq!(
        config.select,
        Some(vec![
            Selector::All,
            Selector::Prefix("LL".into()),
            Selector::Prefix("LL6".into()),
            Selector::Prefix("LL2".into()),
        ])
    );
    assert!(parse("select = [\"LL7\"]").is_err());
}

#[test]
fn bad_severity_fail_level_and_glob_are_errors_with_lines() {
    let err = parse("[rules.LL101]\nseverity = \"fatal\"\n").expect_err("severity");
    assert_eq!(err.line, Some(2));
    let err = parse("fail-level = \"sometimes\"").expect_err("fail-level");
    assert_eq!(err.line, Some(1));
    let err = parse("[per-file-ignores]\n\"a/[b\" = [\"LL1\"]\n").expect_err("glob");
    assert_eq!(err.line, Some(2));
}

#[test]
fn fail_level_none_never_fails() {
    let config = parse("fail-level = \"none\"").expect("valid");
    assert_eq!(config.fail_level, Some(FailLevel::Never));
}

#[test]
fn toml_syntax_errors_have_a_position() {
    let err = parse("select = [\"LL1\"\nignore = []\n").expect_err("syntax");
    assert!(err.line.is_some() && err.column.is_some(), "{err:?}");
}

#[test]
fn discover_walks_up_to_the_nearest_config() {
    let dir = tempfile::tempdir().expect("temp dir");
    let nested = dir.path().join("a/b/c");
    std::fs::create_dir_all(&nested).expect("create dirs");
    std::fs::write(dir.path().join("a/.layerlint.toml"), "").expect("write config");
    assert_eq!(
        discover(&nested),
        Some(dir.path().join("a/.layerlint.toml"))
    );
    std::fs::write(dir.path().join("a/b/.layerlint.toml"), "").expect("write config");
    assert_eq!(
        discover(&nested),
        Some(dir.path().join("a/b/.layerlint.toml"))
    );
}

#[test]
fn load_reports_a_missing_file_without_position() {
    let err = Config::load(Path::new("definitely/missing/.layerlint.toml")).expect_err("missing");
    assert_eq!(err.line, None);
}
