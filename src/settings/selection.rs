//! Which rules run, at which severity, and which severity fails the run.
//!
//! # Precedence
//!
//! The starting set is the config's `select` if given, else every rule that is
//! enabled by default. A `--select` on the command line replaces both the
//! config's `select` and its `extend-select`; `--extend-select` and
//! `extend-select` add to the starting set. Ignores from the config and from
//! `--ignore` are combined.
//!
//! Selectors are resolved by specificity, like ruff: `ALL` < `LL` < `LL2` <
//! `LL20` < `LL201` (a rule name counts as a full code). A rule is enabled when
//! its most specific matching selector selects it; on a tie, ignore wins. So
//! `select = ["ALL"]` with `ignore = ["LL2"]` drops every `LL2xx` rule, while
//! `select = ["LL201"]` with `ignore = ["LL2"]` keeps `LL201`.
//!
//! `--fail-level` replaces the config's `fail-level`; the default is
//! [`DEFAULT_FAIL_LEVEL`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostics, Severity};
use crate::rules::RuleMeta;

use super::config::Config;

/// Findings at or above this severity make the run fail unless configured otherwise.
pub const DEFAULT_FAIL_LEVEL: Severity = Severity::Warning;

/// A rule selector: `ALL`, a code prefix (`LL`, `LL2`, `LL20`), a code or a rule name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Selector {
    All,
    /// Upper-case code prefix, `LL` followed by at most two digits.
    Prefix(String),
    /// A known rule, by its code.
    Rule(&'static str),
}

impl Selector {
    /// Parses a selector, checking codes and names against `rules`.
    ///
    /// Category prefixes (`LL1`…`LL6`, and two-digit ones inside them) are valid even
    /// when no rule of that category exists yet, so configs stay valid across versions.
    pub fn parse(text: &str, rules: &[&'static RuleMeta]) -> Result<Selector, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("ALL") {
            return Ok(Selector::All);
        }
        if let Some(rule) = rules
            .iter()
            .find(|r| r.code.eq_ignore_ascii_case(text) || r.name.eq_ignore_ascii_case(text))
        {
            return Ok(Selector::Rule(rule.code));
        }
        let upper = text.to_ascii_uppercase();
        if let Some(digits) = upper.strip_prefix("LL") {
            if digits.bytes().all(|b| b.is_ascii_digit()) {
                let category_ok = digits
                    .bytes()
                    .next()
                    .is_none_or(|b| (b'1'..=b'6').contains(&b));
                return match digits.len() {
                    0..=2 if category_ok => Ok(Selector::Prefix(upper)),
                    3 => Err(format!("unknown rule code `{text}`")),
                    _ => Err(format!("`{text}` is not a rule category (LL1 to LL6)")),
                };
            }
        }
        Err(format!(
            "unknown rule `{text}` (expected a code like LL101, a prefix like LL1, a rule name, or ALL)"
        ))
    }

    pub fn matches(&self, code: &str) -> bool {
        match self {
            Selector::All => true,
            Selector::Prefix(prefix) => code.starts_with(prefix.as_str()),
            Selector::Rule(rule) => *rule == code,
        }
    }

    /// Higher is more specific.
    fn specificity(&self) -> usize {
        match self {
            Selector::All => 0,
            Selector::Prefix(prefix) => prefix.len(),
            Selector::Rule(_) => usize::MAX,
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::All => f.write_str("ALL"),
            Selector::Prefix(p) => f.write_str(p),
            Selector::Rule(code) => f.write_str(code),
        }
    }
}

/// `fail-level` / `--fail-level`: a severity, or `none` to never fail on findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailLevel {
    At(Severity),
    Never,
}

impl FailLevel {
    pub fn parse(text: &str) -> Option<FailLevel> {
        if text.eq_ignore_ascii_case("none") {
            Some(FailLevel::Never)
        } else {
            Severity::parse(text).map(FailLevel::At)
        }
    }

    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailLevel::At(s) => Some(s),
            FailLevel::Never => None,
        }
    }
}

/// Rule choices given on the command line; strings are parsed by [`RuleSelection::resolve`].
#[derive(Debug, Clone, Default)]
pub struct CliOverrides {
    /// `--select`: replaces the config's `select` and `extend-select`.
    pub select: Option<Vec<String>>,
    /// `--extend-select`: adds to the selection.
    pub extend_select: Vec<String>,
    /// `--ignore`: adds to the config's `ignore`.
    pub ignore: Vec<String>,
    /// `--fail-level`: replaces the config's `fail-level`.
    pub fail_level: Option<FailLevel>,
}

/// A bad selector given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliSelectorError {
    /// The option, e.g. `--select`.
    pub option: &'static str,
    pub value: String,
    pub message: String,
}

impl fmt::Display for CliSelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid value `{}` for {}: {}",
            self.value, self.option, self.message
        )
    }
}

impl std::error::Error for CliSelectorError {}

/// The resolved settings that filter and adjust findings after the rules ran.
#[derive(Debug, Clone)]
pub struct RuleSelection {
    enabled: BTreeSet<&'static str>,
    severities: BTreeMap<&'static str, Severity>,
    fail_level: Option<Severity>,
    per_file_ignores: Vec<(glob::Pattern, Vec<Selector>)>,
    /// The folder per-file-ignore patterns are relative to (the config file's folder).
    base_dir: Option<PathBuf>,
}

/// Command-line selectors, parsed and checked against the known rules.
#[derive(Debug, Clone, Default)]
pub struct CliSelection {
    select: Option<Vec<Selector>>,
    extend_select: Vec<Selector>,
    ignore: Vec<Selector>,
    fail_level: Option<FailLevel>,
}

impl CliSelection {
    pub fn parse(
        cli: &CliOverrides,
        rules: &[&'static RuleMeta],
    ) -> Result<CliSelection, CliSelectorError> {
        let parse_all = |option: &'static str, values: &[String]| {
            values
                .iter()
                .map(|v| {
                    Selector::parse(v, rules).map_err(|message| CliSelectorError {
                        option,
                        value: v.clone(),
                        message,
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(CliSelection {
            select: cli
                .select
                .as_deref()
                .map(|s| parse_all("--select", s))
                .transpose()?,
            extend_select: parse_all("--extend-select", &cli.extend_select)?,
            ignore: parse_all("--ignore", &cli.ignore)?,
            fail_level: cli.fail_level,
        })
    }
}

impl RuleSelection {
    /// Combines `config` and `cli` over the known `rules` (see the module docs for precedence).
    pub fn resolve(
        config: &Config,
        cli: &CliOverrides,
        rules: &[&'static RuleMeta],
    ) -> Result<RuleSelection, CliSelectorError> {
        Ok(RuleSelection::from_parsed(
            config,
            &CliSelection::parse(cli, rules)?,
            rules,
        ))
    }

    /// Like [`RuleSelection::resolve`], with the command line already parsed.
    pub fn from_parsed(
        config: &Config,
        cli: &CliSelection,
        rules: &[&'static RuleMeta],
    ) -> RuleSelection {
        let (base, extend): (Option<&[Selector]>, Vec<&Selector>) = match &cli.select {
            Some(select) => (Some(select), cli.extend_select.iter().collect()),
            None => (
                config.select.as_deref(),
                config
                    .extend_select
                    .iter()
                    .chain(&cli.extend_select)
                    .collect(),
            ),
        };
        let ignore: Vec<Selector> = config.ignore.iter().chain(&cli.ignore).cloned().collect();

        let enabled = rules
            .iter()
            .filter(|rule| {
                let default = base.is_none() && rule.default_enabled;
                let select = base.into_iter().flatten().chain(extend.iter().copied());
                is_selected(rule.code, select, &ignore, default)
            })
            .map(|rule| rule.code)
            .collect();

        let fail_level = cli
            .fail_level
            .or(config.fail_level)
            .map_or(Some(DEFAULT_FAIL_LEVEL), FailLevel::threshold);

        RuleSelection {
            enabled,
            severities: config.severity_overrides().collect(),
            fail_level,
            per_file_ignores: config.per_file_ignores.clone(),
            base_dir: config.base_dir().map(Path::to_path_buf),
        }
    }

    pub fn is_enabled(&self, code: &str) -> bool {
        self.enabled.contains(code)
    }

    /// Enabled rule codes, in code order.
    pub fn enabled(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.enabled.iter().copied()
    }

    /// The configured severity of a rule, if the config overrides its default.
    pub fn severity_override(&self, code: &str) -> Option<Severity> {
        self.severities.get(code).copied()
    }

    /// `None` means findings never fail the run.
    pub fn fail_level(&self) -> Option<Severity> {
        self.fail_level
    }

    /// Whether these (already filtered) findings should fail the run.
    pub fn fails(&self, diagnostics: &Diagnostics) -> bool {
        self.fail_level
            .is_some_and(|level| diagnostics.iter().any(|d| d.severity() >= level))
    }

    /// Drops findings of disabled rules and of rules ignored for this file, and applies
    /// severity overrides.
    ///
    /// `file` is the path as given; relative paths are taken from `cwd`. Per-file-ignore
    /// patterns are matched against the path relative to the config file's folder, and
    /// patterns without a `/` also against the file name alone.
    pub fn apply(
        &self,
        diagnostics: impl Into<Diagnostics>,
        file: &Path,
        cwd: &Path,
    ) -> Diagnostics {
        let ignored = self.ignored_for(file, cwd);
        let mut diagnostics = diagnostics.into();
        diagnostics
            .retain(|d| self.is_enabled(d.code()) && !ignored.iter().any(|s| s.matches(d.code())));
        diagnostics.override_severity(|rule| self.severity_override(rule.code));
        diagnostics
    }

    /// The per-file-ignore selectors whose pattern matches `file`.
    pub fn ignored_for(&self, file: &Path, cwd: &Path) -> Vec<&Selector> {
        if self.per_file_ignores.is_empty() {
            return Vec::new();
        }
        let absolute = normalise(&cwd.join(file));
        let relative = match &self.base_dir {
            Some(base) => {
                let base = normalise(&cwd.join(base));
                absolute
                    .strip_prefix(&base)
                    .map(Path::to_path_buf)
                    .unwrap_or(absolute)
            }
            None => absolute,
        };
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        let file_name = relative.file_name().map(Path::new);
        self.per_file_ignores
            .iter()
            .filter(|(pattern, _)| {
                pattern.matches_path_with(&relative, options)
                    || (!pattern.as_str().contains('/')
                        && file_name.is_some_and(|n| pattern.matches_path_with(n, options)))
            })
            .flat_map(|(_, selectors)| selectors)
            .collect()
    }
}

/// Whether the most specific matching selector selects `code`; ignore wins ties.
fn is_selected<'a>(
    code: &str,
    select: impl Iterator<Item = &'a Selector>,
    ignore: &[Selector],
    default: bool,
) -> bool {
    let best_select = select
        .filter(|s| s.matches(code))
        .map(Selector::specificity)
        .max();
    let best_ignore = ignore
        .iter()
        .filter(|s| s.matches(code))
        .map(Selector::specificity)
        .max();
    match (best_select, best_ignore) {
        (Some(s), Some(i)) => s > i,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (None, None) => default,
    }
}

/// Resolves `.` and `..` without touching the file system (the file may not exist).
fn normalise(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
