//! How config and command line combine into the enabled rules, severities and fail level.

mod settings_support;

use std::path::Path;

use layerlint::diagnostic::Severity;
use layerlint::settings::{CliOverrides, Config, FailLevel, RuleSelection, DEFAULT_FAIL_LEVEL};
use settings_support::{codes, finding, rules, LL101, LL102, LL201, LL301};

fn config(text: &str) -> Config {
    Config::parse(text, Path::new("repo/.layerlint.toml"), &rules()).expect("valid config")
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| s.to_string()).collect()
}

fn enabled(config: &Config, cli: &CliOverrides) -> Vec<&'static str> {
    RuleSelection::resolve(config, cli, &rules())
        .expect("valid selection")
        .enabled()
        .collect()
}

#[test]
fn without_config_default_enabled_rules_run() {
    assert_eq!(
        enabled(&Config::default(), &CliOverrides::default()),
        ["LL101", "LL102", "LL201", "LL301"]
    );
}

#[test]
fn config_select_replaces_the_default_set_and_extend_select_adds() {
    let c = config("select = [\"LL1\"]\nextend-select = [\"LL202\"]");
    assert_eq!(
        enabled(&c, &CliOverrides::default()),
        ["LL101", "LL102", "LL202"]
    );
}

#[test]
fn cli_select_replaces_config_select_and_extend_select() {
    let c = config("select = [\"LL1\"]\nextend-select = [\"LL202\"]");
    let cli = CliOverrides {
        select: Some(strings(&["LL3"])),
        ..CliOverrides::default()
    };
    assert_eq!(enabled(&c, &cli), ["LL301"]);
}

#[test]
fn cli_ignore_adds_to_config_ignore() {
    let c = config("ignore = [\"LL101\"]");
    let cli = CliOverrides {
        ignore: strings(&["unpinned-base-image"]),
        ..CliOverrides::default()
    };
    assert_eq!(enabled(&c, &cli), ["LL102", "LL201"]);
}

#[test]
fn config_ignore_still_applies_to_a_cli_select() {
    let c = config("ignore = [\"LL102\"]");
    let cli = CliOverrides {
        select: Some(strings(&["LL1"])),
        ..CliOverrides::default()
    };
    assert_eq!(enabled(&c, &cli), ["LL101"]);
}

#[test]
fn the_more_specific_selector_wins_and_ignore_wins_ties() {
    assert_eq!(
        enabled(
            &config("select = [\"ALL\"]\nignore = [\"LL2\"]"),
            &CliOverrides::default()
        ),
        ["LL101", "LL102", "LL301"]
    );
    assert_eq!(
        enabled(
            &config("select = [\"LL201\"]\nignore = [\"LL2\"]"),
            &CliOverrides::default()
        ),
        ["LL201"]
    );
    assert_eq!(
        enabled(
            &config("select = [\"LL2\"]\nignore = [\"LL2\"]"),
            &CliOverrides::default()
        ),
        Vec::<&str>::new()
    );
    assert_eq!(
        enabled(
            &config("select = [\"LL\"]\nignore = [\"ALL\"]"),
            &CliOverrides::default()
        )
        .len(),
        5
    );
}

#[test]
fn unknown_cli_selector_is_an_error_naming_the_option() {
    let cli = CliOverrides {
        ignore: strings(&["LL999"]),
        ..CliOverrides::default()
    };
    let err = RuleSelection::resolve(&Config::default(), &cli, &rules()).expect_err("unknown");
    assert_eq!(err.option, "--ignore");
    assert_eq!(err.value, "LL999");
}

#[test]
fn fail_level_comes_from_cli_then_config_then_default() {
    let resolve = |c: &Config, cli: &CliOverrides| {
        RuleSelection::resolve(c, cli, &rules())
            .expect("valid")
            .fail_level()
    };
    assert_eq!(
        resolve(&Config::default(), &CliOverrides::default()),
        Some(DEFAULT_FAIL_LEVEL)
    );
    let c = config("fail-level = \"error\"");
    assert_eq!(resolve(&c, &CliOverrides::default()), Some(Severity::Error));
    let cli = CliOverrides {
        fail_level: Some(FailLevel::Never),
        ..CliOverrides::default()
    };
    assert_eq!(resolve(&c, &cli), None);
}

#[test]
fn apply_filters_disabled_rules_and_overrides_severity() {
    let c = config("ignore = [\"LL102\"]\n[rules.missing-cache-mount]\nseverity = \"error\"\n");
    let selection = RuleSelection::resolve(&c, &CliOverrides::default(), &rules()).expect("valid");
    let kept = selection.apply(
        vec![finding(&LL101, 0), finding(&LL102, 5), finding(&LL201, 9)],
        Path::new("repo/Dockerfile"),
        Path::new("/srv/checkout"),
    );
    assert_eq!(codes(&kept), ["LL101", "LL201"]);
    assert_eq!(kept.get(1).map(|d| d.severity()), Some(Severity::Error));
    assert!(selection.fails(&kept));
}

#[test]
fn fails_only_at_or_above_the_fail_level() {
    let selection = RuleSelection::resolve(
        &config("fail-level = \"warning\""),
        &CliOverrides::default(),
        &rules(),
    )
    .expect("valid");
    assert!(!selection.fails(&vec![finding(&LL102, 0)].into()));
    assert!(selection.fails(&vec![finding(&LL101, 0)].into()));
}

#[test]
fn per_file_ignores_match_paths_relative_to_the_config_folder() {
    let c = config(
        "[per-file-ignores]\n\"legacy/**/Dockerfile\" = [\"LL1\"]\n\"Dockerfile.dev\" = [\"unpinned-base-image\"]\n",
    );
    let selection = RuleSelection::resolve(&c, &CliOverrides::default(), &rules()).expect("valid");
    let all = || vec![finding(&LL101, 0), finding(&LL201, 3), finding(&LL301, 6)];
    let cwd = Path::new("/srv/checkout");
    // The config is in /srv/checkout/repo; paths are given relative to /srv/checkout.
    assert_eq!(
        codes(&selection.apply(all(), Path::new("repo/legacy/api/Dockerfile"), cwd)),
        ["LL201", "LL301"]
    );
    assert_eq!(
        codes(&selection.apply(all(), Path::new("./repo/legacy/Dockerfile"), cwd)),
        ["LL201", "LL301"]
    );
    assert_eq!(
        codes(&selection.apply(all(), Path::new("repo/app/Dockerfile"), cwd)),
        ["LL101", "LL201", "LL301"]
    );
    // Outside the config folder the pattern does not apply.
    assert_eq!(
        codes(&selection.apply(all(), Path::new("legacy/Dockerfile"), cwd)),
        ["LL101", "LL201", "LL301"]
    );
    // A pattern without `/` also matches the file name anywhere below.
    assert_eq!(
        codes(&selection.apply(
            all(),
            Path::new("/srv/checkout/repo/svc/Dockerfile.dev"),
            cwd
        )),
        ["LL101", "LL201"]
    );
}
