//! Configuration files, CLI overrides and inline suppressions.
//!
//! Applied in one place after the rules ran: [`Settings`] combines the command
//! line with the config file that applies to a Dockerfile, tells the driver
//! which rules run on it, and filters their findings ([`suppress::apply`] for
//! inline comments, then disabled rules and severity overrides).

pub mod config;
mod effective;
pub mod selection;
pub mod suppress;

use std::path::Path;

pub use config::{discover, Config, ConfigError, CONFIG_FILE_NAME};
pub use effective::Settings;
pub use selection::{
    CliOverrides, CliSelection, CliSelectorError, FailLevel, RuleSelection, Selector,
    DEFAULT_FAIL_LEVEL,
};
pub use suppress::{InvalidSuppression, Suppressed};

/// Reads and validates a config file against the registered rules.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    Config::load(path)
}
