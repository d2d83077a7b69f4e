//! `.layerlint.toml`: parsing, validation and discovery.
//!
//! ```toml
//! select = ["LL1", "LL2", "unpinned-base-image"]  # replaces the default set
//! extend-select = ["LL301"]                       # adds to it
//! ignore = ["LL201"]
//! fail-level = "warning"                          # error | warning | info | style | none
//!
//! [rules.LL301]                                   # a code or a rule name
//! severity = "info"                               # overrides the rule's default severity
//! require = "digest"                              # any other key is an option of the rule
//!
//! [per-file-ignores]
//! "legacy/**/Dockerfile" = ["LL1"]               # relative to this file's folder
//! ```
//!
//! Unknown keys, unknown rules and malformed values are errors that name the
//! file, line and column.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use toml::Spanned;

use super::selection::{FailLevel, Selector};
use crate::diagnostic::Severity;
use crate::rules::{self, RuleMeta};
use crate::span::LineIndex;

pub const CONFIG_FILE_NAME: &str = ".layerlint.toml";

/// A config file that could not be read or is invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based; `None` when the file could not be read at all.
    pub line: Option<usize>,
    /// 1-based, in chars.
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The file as written; validated into [`Config`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    select: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    extend_select: Vec<Spanned<String>>,
    #[serde(default)]
    ignore: Vec<Spanned<String>>,
    fail_level: Option<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    #[serde(default)]
    per_file_ignores: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    /// `ci = false` turns off linting of CI workflows and bake files.
    ci: Option<bool>,
}

#[derive(Debug, Clone, Default)]
struct RuleSettings {
    severity: Option<Severity>,
    /// Every key except `severity`, for the rule to read with [`Config::rule_option`].
    options: BTreeMap<String, Spanned<toml::Value>>,
}

/// A validated configuration. [`Config::default`] is the configuration without a file.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it was read from.
    pub path: Option<PathBuf>,
    pub select: Option<Vec<Selector>>,
    pub extend_select: Vec<Selector>,
    pub ignore: Vec<Selector>,
    pub fail_level: Option<FailLevel>,
    /// Patterns relative to [`Config::base_dir`], with the rules they silence.
    pub per_file_ignores: Vec<(glob::Pattern, Vec<Selector>)>,
    /// Whether CI workflows and bake files are linted (`None`: not said, so yes).
    pub ci: Option<bool>,
    rules: BTreeMap<&'static str, RuleSettings>,
    /// Kept to turn option spans into line/column when a rule reads a bad option.
    source: String,
    lines: LineIndex,
}

impl Config {
    /// Reads and validates a config file against the registered rules.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|err| ConfigError {
            path: path.to_path_buf(),
            line: None,
            column: None,
            message: format!("cannot read the config file: {err}"),
        })?;
        let known: Vec<&'static RuleMeta> = rules::registry().iter().map(|r| r.meta()).collect();
        Config::parse(&text, path, &known)
    }

    /// Parses `text` (the contents of `path`), validating rule references against `rules`.
    pub fn parse(
        text: &str,
        path: &Path,
        rules: &[&'static RuleMeta],
    ) -> Result<Config, ConfigError> {
        let lines = LineIndex::new(text);
        let at = |span: Option<Range<usize>>, message: String| {
            let position = span.map(|s| lines.line_col(text, s.start));
            ConfigError {
                path: path.to_path_buf(),
                line: position.map(|p| p.line),
                column: position.map(|p| p.column),
                message,
            }
        };
        let raw: RawConfig = toml::from_str(text)
            .map_err(|err| at(err.span(), err.message().trim().replace('\n', ": ")))?;

        let selectors = |values: &[Spanned<String>]| {
            values
                .iter()
                .map(|v| Selector::parse(v.get_ref(), rules).map_err(|m| at(Some(v.span()), m)))
                .collect::<Result<Vec<_>, _>>()
        };

        let fail_level = raw
            .fail_level
            .map(|v| {
                FailLevel::parse(v.get_ref()).ok_or_else(|| {
                    at(
                        Some(v.span()),
                        format!(
                            "invalid fail-level `{}` (expected error, warning, info, style or none)",
                            v.get_ref()
                        ),
                    )
                })
            })
            .transpose()?;

        let mut rule_settings: BTreeMap<&'static str, RuleSettings> = BTreeMap::new();
        for (key, table) in raw.rules {
            let code = match Selector::parse(key.get_ref(), rules) {
                Ok(Selector::Rule(code)) => code,
                Ok(_) => {
                    return Err(at(
                        Some(key.span()),
                        format!(
                            "`[rules.{}]` must name one rule, not a group",
                            key.get_ref()
                        ),
                    ))
                }
                Err(message) => return Err(at(Some(key.span()), message)),
            };
            if rule_settings.contains_key(code) {
                return Err(at(
                    Some(key.span()),
                    format!("rule {code} is configured twice (by code and by name)"),
                ));
            }
            let mut settings = RuleSettings::default();
            for (option, value) in table {
                if option.get_ref() == "severity" {
                    let severity = value.get_ref().as_str().and_then(Severity::parse);
                    settings.severity = Some(severity.ok_or_else(|| {
                        at(
                            Some(value.span()),
                            "invalid severity (expected \"error\", \"warning\", \"info\" or \"style\")"
                                .to_string(),
                        )
                    })?);
                } else if rules::options_of(code).contains(&option.get_ref().as_str()) {
                    settings.options.insert(option.into_inner(), value);
                } else {
                    let known = rules::options_of(code);
                    return Err(at(
                        Some(option.span()),
                        if known.is_empty() {
                            format!("unknown option `{}`: rule {code} has no options besides `severity`", option.get_ref())
                        } else {
                            format!(
                                "unknown option `{}` for rule {code} (expected `severity` or {})",
                                option.get_ref(),
                                known
                                    .iter()
                                    .map(|k| format!("`{k}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        },
                    ));
                }
            }
            rule_settings.insert(code, settings);
        }

        let mut per_file_ignores = Vec::new();
        for (pattern, codes) in raw.per_file_ignores {
            let glob = glob::Pattern::new(pattern.get_ref()).map_err(|err| {
                at(
                    Some(pattern.span()),
                    format!("invalid glob `{}`: {}", pattern.get_ref(), err.msg),
                )
            })?;
            per_file_ignores.push((glob, selectors(&codes)?));
        }

        Ok(Config {
            path: Some(path.to_path_buf()),
            select: raw.select.as_deref().map(selectors).transpose()?,
            extend_select: selectors(&raw.extend_select)?,
            ignore: selectors(&raw.ignore)?,
            fail_level,
            per_file_ignores,
            ci: raw.ci,
            rules: rule_settings,
            source: text.to_string(),
            lines,
        })
    }

    /// The folder the config file is in; per-file-ignore patterns are relative to it.
    pub fn base_dir(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }

    /// `[rules.<code>] severity = …` for every rule that sets it.
    pub fn severity_overrides(&self) -> impl Iterator<Item = (&'static str, Severity)> + '_ {
        self.rules
            .iter()
            .filter_map(|(code, settings)| Some((*code, settings.severity?)))
    }

    /// A rule's own option `[rules.<code>] <key> = …`, deserialized as `T`.
    ///
    /// `code` is the rule's code (rules read their own options). A value of the wrong
    /// shape is an error pointing at the value in the file.
    pub fn rule_option<T: DeserializeOwned>(
        &self,
        code: &str,
        key: &str,
    ) -> Result<Option<T>, ConfigError> {
        let Some(value) = self.rules.get(code).and_then(|r| r.options.get(key)) else {
            return Ok(None);
        };
        T::deserialize(value.get_ref().clone())
            .map(Some)
            .map_err(|err| {
                let position = self.lines.line_col(&self.source, value.span().start);
                ConfigError {
                    path: self.path.clone().unwrap_or_default(),
                    line: Some(position.line),
                    column: Some(position.column),
                    message: format!(
                        "invalid value for `rules.{code}.{key}`: {}",
                        err.message().trim()
                    ),
                }
            })
    }

    /// Every rule's options as plain tables keyed by code, for rules that read values
    /// directly; [`Config::rule_option`] gives typed values with positioned errors.
    pub fn rule_tables(&self) -> BTreeMap<String, toml::Table> {
        self.rules
            .iter()
            .map(|(code, settings)| {
                let table = settings
                    .options
                    .iter()
                    .map(|(key, value)| (key.clone(), value.get_ref().clone()))
                    .collect();
                (code.to_string(), table)
            })
            .collect()
    }

    /// The option keys set for a rule (besides `severity`), so a rule can reject unknown ones.
    pub fn rule_option_keys(&self, code: &str) -> impl Iterator<Item = &str> + '_ {
        self.rules
            .get(code)
            .into_iter()
            .flat_map(|r| r.options.keys().map(String::as_str))
    }
}

/// The nearest `.layerlint.toml` in `start_dir` or one of its ancestors.
pub fn discover(start_dir: &Path) -> Option<PathBuf> {
    let start = if start_dir.is_absolute() {
        start_dir.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(start_dir)
    };
    start
        .ancestors()
        .map(|dir| dir.join(CONFIG_FILE_NAME))
        .find(|candidate| candidate.is_file())
}
