//! The settings in force for one file: command line, plus the config that applies to it.

use std::collections::BTreeMap;
use std::path::Path;

use super::config::Config;
use super::selection::{CliOverrides, CliSelection, CliSelectorError, RuleSelection};
use super::suppress::{self, Suppressed};
use crate::diagnostic::{Diagnostics, Severity};
use crate::rules::{self, RuleMeta};
use crate::syntax::Dockerfile;

/// Everything the lint driver needs from the settings layer.
///
/// Build one from the command line with [`Settings::from_cli`] (this validates the
/// selectors once), then derive per-file settings with [`Settings::with_config`].
#[derive(Debug, Clone)]
pub struct Settings {
    rules: Vec<&'static RuleMeta>,
    cli: CliSelection,
    config: Option<Config>,
    selection: RuleSelection,
    rule_options: BTreeMap<String, toml::Table>,
}

impl Settings {
    /// Command-line settings over the registered rules, with no config file yet.
    pub fn from_cli(cli: &CliOverrides) -> Result<Settings, CliSelectorError> {
        let known: Vec<&'static RuleMeta> = rules::registry().iter().map(|r| r.meta()).collect();
        Settings::from_cli_with_rules(cli, known)
    }

    /// Like [`Settings::from_cli`] over an explicit rule list.
    pub fn from_cli_with_rules(
        cli: &CliOverrides,
        rules: Vec<&'static RuleMeta>,
    ) -> Result<Settings, CliSelectorError> {
        let cli = CliSelection::parse(cli, &rules)?;
        let selection = RuleSelection::from_parsed(&Config::default(), &cli, &rules);
        Ok(Settings {
            rules,
            cli,
            config: None,
            selection,
            rule_options: BTreeMap::new(),
        })
    }

    /// These command-line settings combined with `config` (the file's own config, if any).
    pub fn with_config(&self, config: Option<&Config>) -> Settings {
        let default = Config::default();
        let effective = config.unwrap_or(&default);
        Settings {
            rules: self.rules.clone(),
            cli: self.cli.clone(),
            config: config.cloned(),
            selection: RuleSelection::from_parsed(effective, &self.cli, &self.rules),
            rule_options: effective.rule_tables(),
        }
    }

    pub fn selection(&self) -> &RuleSelection {
        &self.selection
    }

    pub fn config(&self) -> Option<&Config> {
        self.config.as_ref()
    }

    /// Whether `code` runs on `path` (the path as given; relative to the working folder),
    /// taking select/ignore and per-file-ignores into account.
    pub fn is_enabled(&self, code: &str, path: &Path) -> bool {
        if !self.selection.is_enabled(code) {
            return false;
        }
        let cwd = std::env::current_dir().unwrap_or_default();
        !self
            .selection
            .ignored_for(path, &cwd)
            .iter()
            .any(|s| s.matches(code))
    }

    /// Each rule's options from the config, keyed by code (`severity` left out).
    pub fn rule_options(&self) -> &BTreeMap<String, toml::Table> {
        &self.rule_options
    }

    /// `None` means findings never fail the run.
    pub fn fail_level(&self) -> Option<Severity> {
        self.selection.fail_level()
    }

    /// Inline suppressions, then disabled rules and severity overrides.
    ///
    /// Per-file-ignores need the path and are applied through [`Settings::is_enabled`].
    pub fn apply(&self, diagnostics: impl Into<Diagnostics>, file: &Dockerfile) -> Diagnostics {
        self.apply_reporting(diagnostics, file).diagnostics
    }

    /// Like [`Settings::apply`], also returning the suppression comments that were not usable.
    pub fn apply_reporting(
        &self,
        diagnostics: impl Into<Diagnostics>,
        file: &Dockerfile,
    ) -> Suppressed {
        let comments: Vec<(usize, &str)> = file
            .comments
            .iter()
            .map(|c| (file.lines.line(c.span.start()), file.comment_text(c)))
            .collect();
        // Instruction lines only place `ignore=` comments: a file without comments needs none.
        let instructions: Vec<(u32, u32)> = if comments.is_empty() {
            Vec::new()
        } else {
            file.instructions
                .iter()
                .map(|i| (i.start_line(&file.lines), i.end_line(&file.lines)))
                .collect()
        };
        let mut out = suppress::apply(
            diagnostics,
            &comments,
            &instructions,
            &file.lines,
            &self.rules,
        );
        out.diagnostics
            .retain(|d| self.selection.is_enabled(d.code()));
        out.diagnostics
            .override_severity(|rule| self.selection.severity_override(rule.code));
        out
    }
}
