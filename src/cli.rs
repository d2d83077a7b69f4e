//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use layerlint::output::Format;

#[derive(Debug, Parser)]
#[command(
    name = "layerlint",
    version,
    about = "A fast Dockerfile linter that finds what wastes the BuildKit build cache",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint Dockerfiles (files, directories, or `-` for stdin).
    Check(CheckArgs),
    /// List every rule.
    Rules(RulesArgs),
    /// Print the documentation of one rule (by code or name).
    Rule {
        /// A rule code such as LL101, or a name such as volatile-copy-before-install.
        rule: String,
    },
    /// Predict which instructions a change rebuilds, and why.
    Explain(ExplainArgs),
    /// List every CI image build with its cache imports and exports, and its findings.
    Ci(CiArgs),
    /// Inspect how layerlint reads a file.
    #[command(subcommand)]
    Debug(DebugCommand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailLevel {
    Error,
    Warning,
    Info,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to lint; `-` reads stdin. Defaults to the current directory.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Pretty)]
    pub format: Format,
    /// Only these rules (codes, names or prefixes such as LL2); replaces the config's `select`.
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules (codes, names or prefixes); added to the config's `ignore`.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum)]
    pub fail_level: Option<FailLevel>,
    /// Use this config file instead of looking for `.layerlint.toml`.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Ignore every config file.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Do not lint CI workflows (`.github/workflows/*.yml`) and bake files.
    #[arg(long)]
    pub no_ci: bool,
    /// The file name to report for stdin (`-`).
    #[arg(long)]
    pub stdin_filename: Option<String>,
    /// The build context folder (default: each Dockerfile's folder).
    #[arg(long)]
    pub context: Option<PathBuf>,
    /// Print the number of findings per rule after the findings.
    #[arg(long)]
    pub statistics: bool,
    /// When to use colours in pretty output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Apply the safe fixes in place, then report what is left.
    #[arg(long)]
    pub fix: bool,
    /// Also apply fixes that may change what the build does (with --fix or --diff).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print the fixes as a unified diff instead of writing them.
    #[arg(long)]
    pub diff: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The Dockerfile to explain.
    pub file: PathBuf,
    /// Changed paths, relative to the build context.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub changed: Vec<String>,
    /// Take the changed paths from `git diff --name-only REV` (and untracked files) in the context.
    #[arg(long, value_name = "REV")]
    pub git: Option<String>,
    /// The build context folder (default: the Dockerfile's folder).
    #[arg(long)]
    pub context: Option<PathBuf>,
    /// A build argument given a new value (`NAME=VALUE`); repeatable.
    #[arg(long = "build-arg", value_name = "NAME=VALUE")]
    pub build_args: Vec<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
    /// Also predict the rebuild after applying every available fix (safe and unsafe).
    #[arg(long)]
    pub compare_fix: bool,
}

#[derive(Debug, Args)]
pub struct CiArgs {
    /// Repository folders, workflow files or bake files. Defaults to the current directory.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ParseFormat {
    /// BuildKit's AST dump format.
    Buildkit,
    /// A debug view with spans.
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Print the syntax tree.
    Parse {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = ParseFormat::Buildkit)]
        format: ParseFormat,
    },
    /// Print the instruction graph.
    Graph {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
        format: GraphFormat,
    },
}
