//! A JSON array of findings, for scripts and editor integrations.
//!
//! Each element describes one finding:
//!
//! ```json
//! {
//!   "code": "LL101",
//!   "name": "volatile-copy-before-install",
//!   "severity": "warning",
//!   "message": "…",
//!   "file": "app/Dockerfile",
//!   "line": 4, "column": 1, "end_line": 4, "end_column": 9,
//!   "url": "https://github.com/layerlint/layerlint/blob/main/rules/LL101.md",
//!   "help": "…",
//!   "labels": [{ "message": "…", "line": 6, "column": 1, "end_line": 6, "end_column": 12 }],
//!   "fix": { "title": "…", "applicability": "safe",
//!            "edits": [{ "line": 4, "column": 1, "end_line": 4, "end_column": 9, "content": "…" }] }
//! }
//! ```
//!
//! Positions are 1-based, columns count Unicode scalar values, and `end_column`
//! is exclusive. `severity` is one of `error`, `warning`, `info`, `style`;
//! `help` and `fix` are `null` when absent; `applicability` is `safe`, `unsafe`
//! or `display-only`.
//!
//! A file that could not be linted appears as one element with `code` set to
//! `io-error` (unreadable) or `parse-error` (not a valid Dockerfile), `name`
//! equal to `code`, `severity` `error`, `url` `null`, empty `labels`, `fix`
//! `null`, and `line`/`column` set where the error has a position (otherwise
//! `null`; `end_line`/`end_column` then repeat `line`/`column`).
//!
//! Elements are sorted by file, line, column, then code.

use std::io::Write;

use serde::Serialize;

use super::{rule_url, Emitter, FileReport, Range, Report};
use crate::diagnostic::{Applicability, Finding};
use crate::rules::RuleMeta;

#[derive(Debug, Clone, Copy, Default)]
pub struct JsonEmitter;

impl Emitter for JsonEmitter {
    fn emit(
        &self,
        report: &Report,
        _rules: &[&'static RuleMeta],
        w: &mut dyn Write,
    ) -> std::io::Result<()> {
        // serde_json writes a few bytes at a time: a local buffer keeps those writes off the
        // dynamic writer (it reaches it once per 64 KiB).
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut *w);
        if in_item_order(report) {
            // Written one element at a time: a file with a finding every few bytes would
            // otherwise hold all the elements at once, several times the input's size.
            super::indent::write_pretty(&mut out, &Items(report))?;
        } else {
            let mut items: Vec<Item<'_>> = report_items(report).collect();
            items.sort_by(|a, b| item_key(a).cmp(&item_key(b)));
            super::indent::write_pretty(&mut out, &items)?;
        }
        writeln!(out)?;
        out.flush()
    }
}

/// Every element of the report, in report order: per file, its error, then its findings.
fn report_items(report: &Report) -> impl Iterator<Item = Item<'_>> + '_ {
    report.files.iter().flat_map(|file| {
        let error = file.error.as_ref().map(|error| {
            let code = error.kind.code();
            Item {
                code,
                name: code,
                severity: "error",
                message: &error.message,
                file: &file.path,
                line: error.line,
                column: error.column,
                end_line: error.line,
                end_column: error.column,
                url: None,
                help: None,
                labels: Vec::new(),
                fix: None,
            }
        });
        error
            .into_iter()
            .chain(file.diagnostics.iter().map(move |d| finding(file, d)))
    })
}

/// The documented order of the elements: file, line, column, then code (ties keep report order).
fn item_key<'a>(item: &Item<'a>) -> (&'a str, Option<usize>, Option<usize>, &'a str) {
    (item.file, item.line, item.column, item.code)
}

/// Whether report order already is the documented order: files by strictly increasing path,
/// each either an error or findings sorted by position then code (as [`Report::new`] leaves
/// them), so that sorting the elements would change nothing.
fn in_item_order(report: &Report) -> bool {
    report.files.windows(2).all(|w| w[0].path < w[1].path)
        && report.files.iter().all(|f| {
            (f.error.is_none() || f.diagnostics.is_empty())
                && f.diagnostics
                    .iter()
                    .is_sorted_by_key(|d| (d.span().start(), d.code()))
        })
}

/// The elements of a report already in order, serialized as one array without collecting them.
struct Items<'a>(&'a Report);

impl Serialize for Items<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(report_items(self.0))
    }
}

fn finding<'a>(file: &'a FileReport, d: Finding<'a>) -> Item<'a> {
    let at = file.range(d.span());
    Item {
        code: d.code(),
        name: d.name(),
        severity: d.severity().as_str(),
        message: d.message(),
        file: &file.path,
        line: Some(at.start_line),
        column: Some(at.start_column),
        end_line: Some(at.end_line),
        end_column: Some(at.end_column),
        url: Some(rule_url(d.code())),
        help: d.help(),
        labels: d
            .labels()
            .map(|l| JsonLabel {
                message: l.message,
                position: Position::from(file.range(l.span)),
            })
            .collect(),
        fix: d.fix().map(|fix| JsonFix {
            title: fix.title,
            applicability: fix.applicability,
            edits: fix
                .edits()
                .map(|e| JsonEdit {
                    position: Position::from(file.range(e.span)),
                    content: e.replacement,
                })
                .collect(),
        }),
    }
}

#[derive(Serialize)]
struct Item<'a> {
    code: &'a str,
    name: &'a str,
    severity: &'a str,
    message: &'a str,
    file: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    url: Option<String>,
    help: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

impl From<Range> for Position {
    fn from(r: Range) -> Position {
        Position {
            line: r.start_line,
            column: r.start_column,
            end_line: r.end_line,
            end_column: r.end_column,
        }
    }
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    message: &'a str,
    #[serde(flatten)]
    position: Position,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    applicability: Applicability,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    #[serde(flatten)]
    position: Position,
    content: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;
    use crate::span::Span;

    fn diagnostic(code: &str, start: usize) -> Diagnostic {
        let meta = crate::rules::find(code).expect("rule exists").meta();
        Diagnostic::new(meta, Span::new(start, start + 1), "m")
    }

    fn emit(report: &Report) -> Vec<(String, u64, String)> {
        let mut out = Vec::new();
        JsonEmitter.emit(report, &[], &mut out).expect("writes");
        let value: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
        value
            .as_array()
            .expect("an array")
            .iter()
            .map(|i| {
                (
                    i["file"].as_str().unwrap_or_default().to_string(),
                    i["line"].as_u64().unwrap_or_default(),
                    i["code"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn elements_come_in_file_line_code_order_however_the_report_is_built() {
        let source = "FROM a\nRUN b\nRUN c\n";
        let b = FileReport {
            path: "b/Dockerfile".into(),
            source: source.into(),
            lines: crate::span::LineIndex::new(source),
            diagnostics: vec![diagnostic("LL201", 7), diagnostic("LL101", 13)].into(),
            error: None,
        };
        let mut a = b.clone();
        a.path = "a/Dockerfile".into();
        a.diagnostics = vec![diagnostic("LL201", 13), diagnostic("LL101", 13)].into();
        let expected = [
            ("a/Dockerfile", 3, "LL101"),
            ("a/Dockerfile", 3, "LL201"),
            ("b/Dockerfile", 2, "LL201"),
            ("b/Dockerfile", 3, "LL101"),
        ]
        .map(|(f, l, c)| (f.to_string(), l, c.to_string()));

        // Out of order: files reversed and findings unsorted, so the elements are sorted.
        let unordered = Report {
            files: vec![b.clone(), a.clone()],
        };
        assert!(!in_item_order(&unordered));
        assert_eq!(emit(&unordered), expected);

        // In order (as Report::new leaves it): written as they come, with the same result.
        let ordered = Report::new(vec![b, a]);
        assert!(in_item_order(&ordered));
        assert_eq!(emit(&ordered), expected);
    }
}
