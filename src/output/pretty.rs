//! Human-readable output rendered by codespan-reporting.

use std::io::Write;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::termcolor::{Ansi, NoColor, WriteColor};
use codespan_reporting::term::{self, Config};

use super::{rule_url, Emitter, FileReport, Report};
use crate::diagnostic::{Finding, Severity};
use crate::rules::RuleMeta;
use crate::span::Span;

/// Renders each finding with its source snippet, then a one-line summary.
///
/// Colour is an input (the CLI decides from the terminal and `NO_COLOR`), never
/// detected here, so the same report always renders the same bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct PrettyEmitter {
    pub color: bool,
}

impl Emitter for PrettyEmitter {
    fn emit(
        &self,
        report: &Report,
        _rules: &[&'static RuleMeta],
        w: &mut dyn Write,
    ) -> std::io::Result<()> {
        if self.color {
            render(report, &mut Ansi::new(w))
        } else {
            render(report, &mut NoColor::new(w))
        }
    }
}

fn render(report: &Report, out: &mut dyn WriteColor) -> std::io::Result<()> {
    let files = ReportFiles(report);
    let config = Config::default();
    for (id, file) in report.files.iter().enumerate() {
        if let Some(error) = &file.error {
            let diagnostic = file_error(id, file, error);
            emit_one(out, &config, &files, &diagnostic)?;
        }
        for finding in file.diagnostics.iter() {
            emit_one(out, &config, &files, &convert(id, file, finding))?;
        }
    }
    writeln!(out, "{}", summary(report))
}

fn emit_one(
    out: &mut dyn WriteColor,
    config: &Config,
    files: &ReportFiles<'_>,
    diagnostic: &CsDiagnostic<usize>,
) -> std::io::Result<()> {
    match term::emit(out, config, files, diagnostic) {
        Ok(()) => Ok(()),
        Err(FilesError::Io(err)) => Err(err),
        // Spans are clamped beforehand, so this is unreachable in practice; still
        // show the message rather than lose the finding.
        Err(other) => writeln!(
            out,
            "{}: {} ({other})",
            severity_word(diagnostic.severity),
            diagnostic.message
        ),
    }
}

/// Lines longer than this are not shown: a file of one megabyte-long line with a finding
/// every few dozen bytes would print the whole line once per finding. The finding's place is
/// given in a note instead.
const MAX_SHOWN_LINE: usize = 1024;

fn convert(id: usize, file: &FileReport, finding: Finding<'_>) -> CsDiagnostic<usize> {
    let mut labels = Vec::new();
    let mut notes = Vec::new();
    let mut place = |span: Span, label: Label<usize>, what: &str| {
        if shown(file, span) {
            labels.push(label);
        } else {
            let at = file.range(span);
            notes.push(format!(
                "{what}: {}:{}:{} (a line of more than {MAX_SHOWN_LINE} bytes, not shown)",
                file.path, at.start_line, at.start_column
            ));
        }
    };
    place(
        finding.span(),
        Label::primary(id, clamp(file, finding.span())),
        "at",
    );
    for l in finding.labels() {
        place(
            l.span,
            Label::secondary(id, clamp(file, l.span)).with_message(l.message.to_string()),
            l.message,
        );
    }
    if let Some(help) = finding.help() {
        notes.push(format!("help: {help}"));
    }
    if let Some(fix) = finding.fix() {
        notes.push(format!("fix: {}", fix.title));
    }
    notes.push(format!("docs: {}", rule_url(finding.code())));
    CsDiagnostic::new(severity(finding.severity()))
        .with_message(finding.message().to_string())
        .with_code(format!("{} {}", finding.code(), finding.name()))
        .with_labels(labels)
        .with_notes(notes)
}

fn file_error(id: usize, file: &FileReport, error: &super::FileError) -> CsDiagnostic<usize> {
    let diagnostic = CsDiagnostic::error().with_code(error.kind.code());
    // With the source at hand the snippet names file:line:col itself; otherwise the message must.
    match error_offset(file, error.line, error.column) {
        Some(offset) => diagnostic
            .with_message(error.message.clone())
            .with_labels(vec![Label::primary(id, offset..offset)]),
        None => {
            let location = match (error.line, error.column) {
                (Some(line), Some(column)) => format!("{}:{line}:{column}", file.path),
                (Some(line), None) => format!("{}:{line}", file.path),
                _ => file.path.clone(),
            };
            diagnostic.with_message(format!("{location}: {}", error.message))
        }
    }
}

/// The byte offset of a 1-based line/column, if it lies inside the source.
fn error_offset(file: &FileReport, line: Option<usize>, column: Option<usize>) -> Option<usize> {
    let line = line.filter(|&l| l >= 1 && l <= file.lines.line_count())?;
    if file.source.is_empty() {
        return None;
    }
    let start = file.lines.line_start(line);
    let end = file.lines.line_start(line + 1).max(start);
    let text = file.source.get(start..end)?;
    let skip = column.unwrap_or(1).saturating_sub(1);
    Some(
        text.char_indices()
            .nth(skip)
            .map_or(end, |(i, _)| start + i)
            .min(file.source.len()),
    )
}

/// Whether the first and last lines of `span` are short enough to print.
fn shown(file: &FileReport, span: Span) -> bool {
    let short = |offset: usize| {
        let line = file.lines.line(offset);
        let start = file.lines.line_start(line);
        let end = file.lines.line_start(line + 1).max(start);
        end - start <= MAX_SHOWN_LINE
    };
    short(span.start()) && short(span.end().max(span.start()))
}

/// Keeps a span inside the source and on char boundaries, as codespan requires.
fn clamp(file: &FileReport, span: Span) -> Range<usize> {
    let src = &file.source;
    let floor = |mut i: usize| {
        i = i.min(src.len());
        while i > 0 && !src.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(span.start());
    start..floor(span.end()).max(start)
}

fn severity(s: Severity) -> CsSeverity {
    // codespan has no "info"/"style": note and help read closest.
    match s {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Info => CsSeverity::Note,
        Severity::Style => CsSeverity::Help,
    }
}

fn severity_word(s: CsSeverity) -> &'static str {
    match s {
        CsSeverity::Bug => "bug",
        CsSeverity::Error => "error",
        CsSeverity::Warning => "warning",
        CsSeverity::Note => "note",
        CsSeverity::Help => "help",
    }
}

/// "3 findings (1 warning, 2 info) in 2 files", or "No findings in 2 files".
pub(crate) fn summary(report: &Report) -> String {
    let files = report.files.len() - report.error_count();
    let files_text = plural(files, "file", "files");
    let total = report.finding_count();
    let mut text = if total == 0 {
        format!("No findings in {files_text}")
    } else {
        let counts: Vec<String> = [
            (Severity::Error, "error", "errors"),
            (Severity::Warning, "warning", "warnings"),
            (Severity::Info, "info", "info"),
            (Severity::Style, "style", "style"),
        ]
        .into_iter()
        .filter_map(|(sev, one, many)| {
            let n = report
                .files
                .iter()
                .flat_map(|f| &f.diagnostics)
                .filter(|d| d.severity() == sev)
                .count();
            (n > 0).then(|| plural(n, one, many))
        })
        .collect();
        format!(
            "{} ({}) in {files_text}",
            plural(total, "finding", "findings"),
            counts.join(", ")
        )
    };
    let failed = report.error_count();
    if failed > 0 {
        text.push_str(&format!(
            "; {} could not be checked",
            plural(failed, "file", "files")
        ));
    }
    text
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Lets codespan read sources straight from the report, reusing its line index.
struct ReportFiles<'r>(&'r Report);

impl<'r> ReportFiles<'r> {
    fn file(&self, id: usize) -> Result<&'r FileReport, FilesError> {
        self.0.files.get(id).ok_or(FilesError::FileMissing)
    }
}

impl<'a> Files<'a> for ReportFiles<'a> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, FilesError> {
        Ok(&self.file(id)?.path)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, FilesError> {
        Ok(&self.file(id)?.source)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self.file(id)?.lines.line(byte_index).saturating_sub(1))
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = self.file(id)?;
        let count = file.lines.line_count();
        if line_index >= count {
            return Err(FilesError::LineTooLarge {
                given: line_index,
                max: count.saturating_sub(1),
            });
        }
        let start = file.lines.line_start(line_index + 1);
        let end = if line_index + 1 < count {
            file.lines.line_start(line_index + 2)
        } else {
            file.source.len()
        };
        Ok(start..end)
    }
}
