//! Output formats.
//!
//! Every format renders the same [`Report`] through the [`Emitter`] trait, and
//! every emitter is a pure function of its input: the same report always gives
//! the same bytes, so the output can be snapshot-tested and diffed in CI.

mod indent;
mod json;
mod pretty;
mod sarif;

use std::fmt;
use std::str::FromStr;

use crate::diagnostic::{Diagnostic, Diagnostics, Finding, Severity};
use crate::rules::RuleMeta;
use crate::span::{LineIndex, Span};

pub use json::JsonEmitter;
pub use pretty::PrettyEmitter;
pub use sarif::SarifEmitter;

/// Where the user-facing doc of every rule lives; a rule's page is `<base>/<CODE>.md`.
pub const RULE_DOCS_BASE_URL: &str = "https://github.com/layerlint/layerlint/blob/main/rules";

/// The project home page, used as the SARIF `informationUri`.
pub const HOMEPAGE_URL: &str = "https://github.com/layerlint/layerlint";

/// The doc URL of the rule with this code.
pub fn rule_url(code: &str) -> String {
    format!("{RULE_DOCS_BASE_URL}/{code}.md")
}

/// The findings of one run, ready to render.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Sorted by path (see [`Report::new`]).
    pub files: Vec<FileReport>,
}

impl Report {
    /// Builds a report in the canonical order: files by path, findings by position then code.
    pub fn new(mut files: Vec<FileReport>) -> Report {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        for file in &mut files {
            sort_diagnostics(&mut file.diagnostics);
        }
        Report { files }
    }

    pub fn finding_count(&self) -> usize {
        self.files.iter().map(|f| f.diagnostics.len()).sum()
    }

    pub fn error_count(&self) -> usize {
        self.files.iter().filter(|f| f.error.is_some()).count()
    }

    /// The highest severity among all findings, if there is any finding.
    pub fn max_severity(&self) -> Option<Severity> {
        self.files
            .iter()
            .flat_map(|f| f.diagnostics.iter().map(|d| d.severity()))
            .max()
    }
}

/// Sorts findings by start position, then code; the remaining keys only make ties deterministic.
pub fn sort_diagnostics(diagnostics: &mut Diagnostics) {
    fn key(d: Finding<'_>) -> (usize, &'static str, usize, &str) {
        report_order(d.span(), d.code(), d.message())
    }
    diagnostics.sort_by(|a, b| key(a).cmp(&key(b)));
}

/// [`sort_diagnostics`] for findings held one by one (the CI rules report a few).
pub fn sort_diagnostic_list(diagnostics: &mut [Diagnostic]) {
    fn key(d: &Diagnostic) -> (usize, &'static str, usize, &str) {
        report_order(d.span, d.code(), &d.message)
    }
    // Usually sorted already: checking first spares the sort's scratch buffer.
    if !diagnostics.is_sorted_by(|a, b| key(a) <= key(b)) {
        diagnostics.sort_by(|a, b| key(a).cmp(&key(b)));
    }
}

/// The order of findings in a report, as a key to compare.
fn report_order<'a>(
    span: Span,
    code: &'static str,
    message: &'a str,
) -> (usize, &'static str, usize, &'a str) {
    (span.start(), code, span.end(), message)
}

/// One linted (or unlintable) file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The path as given on the command line, or the `--stdin-filename`.
    pub path: String,
    pub source: String,
    pub lines: LineIndex,
    /// Sorted by position, then code.
    pub diagnostics: Diagnostics,
    /// Set when the file could not be read or parsed; its findings are then empty.
    pub error: Option<FileError>,
}

impl FileReport {
    /// A linted file; the findings are sorted here.
    pub fn new(
        path: impl Into<String>,
        source: impl Into<String>,
        diagnostics: impl Into<Diagnostics>,
    ) -> FileReport {
        let source = source.into();
        let mut diagnostics = diagnostics.into();
        sort_diagnostics(&mut diagnostics);
        FileReport {
            path: path.into(),
            lines: LineIndex::new(&source),
            source,
            diagnostics,
            error: None,
        }
    }

    /// Like [`FileReport::new`], with the line index of `source` already built.
    pub fn with_lines(
        path: impl Into<String>,
        source: impl Into<String>,
        lines: LineIndex,
        diagnostics: impl Into<Diagnostics>,
    ) -> FileReport {
        let mut diagnostics = diagnostics.into();
        sort_diagnostics(&mut diagnostics);
        FileReport {
            path: path.into(),
            lines,
            source: source.into(),
            diagnostics,
            error: None,
        }
    }

    /// A file that could not be linted. `source` may be empty (e.g. unreadable files).
    pub fn failed(
        path: impl Into<String>,
        source: impl Into<String>,
        error: FileError,
    ) -> FileReport {
        let source = source.into();
        FileReport {
            path: path.into(),
            lines: LineIndex::new(&source),
            source,
            diagnostics: Diagnostics::default(),
            error: Some(error),
        }
    }

    /// 1-based start and exclusive end position of `span`, columns counted in chars.
    pub fn range(&self, span: Span) -> Range {
        let start = self.lines.line_col(&self.source, span.start());
        let end = self
            .lines
            .line_col(&self.source, span.end().max(span.start()));
        Range {
            start_line: start.line,
            start_column: start.column,
            end_line: end.line,
            end_column: end.column,
        }
    }
}

/// A region in line/column terms: 1-based, end column exclusive, columns in chars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// Why a file produced no findings: it could not be read or could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub kind: FileErrorKind,
    pub message: String,
    /// 1-based position of a parse error, when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl FileError {
    pub fn io(message: impl Into<String>) -> FileError {
        FileError {
            kind: FileErrorKind::Io,
            message: message.into(),
            line: None,
            column: None,
        }
    }

    pub fn parse(
        message: impl Into<String>,
        line: Option<usize>,
        column: Option<usize>,
    ) -> FileError {
        FileError {
            kind: FileErrorKind::Parse,
            message: message.into(),
            line,
            column,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileErrorKind {
    /// The file could not be read (missing, not UTF-8, permissions…).
    Io,
    /// The file was read but is not a Dockerfile the parser accepts.
    Parse,
}

impl FileErrorKind {
    /// The identifier used in place of a rule code by the machine-readable formats.
    pub fn code(self) -> &'static str {
        match self {
            FileErrorKind::Io => "io-error",
            FileErrorKind::Parse => "parse-error",
        }
    }
}

/// Renders a whole report.
pub trait Emitter {
    /// `rules` is every rule that could have reported (SARIF lists them as the tool's rules).
    fn emit(
        &self,
        report: &Report,
        rules: &[&'static RuleMeta],
        w: &mut dyn std::io::Write,
    ) -> std::io::Result<()>;
}

/// The output formats the CLI offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum Format {
    /// Human-readable diagnostics with source snippets.
    #[default]
    Pretty,
    /// A JSON array of findings.
    Json,
    /// SARIF 2.1.0, e.g. for GitHub code scanning.
    Sarif,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Pretty, Format::Json, Format::Sarif];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pretty => "pretty",
            Format::Json => "json",
            Format::Sarif => "sarif",
        }
    }

    /// The emitter for this format; `color` only matters to `pretty`.
    pub fn emitter(self, color: bool) -> Box<dyn Emitter> {
        match self {
            Format::Pretty => Box::new(PrettyEmitter { color }),
            Format::Json => Box::new(JsonEmitter),
            Format::Sarif => Box::new(SarifEmitter),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown output format `{s}` (expected pretty, json or sarif)"))
    }
}
