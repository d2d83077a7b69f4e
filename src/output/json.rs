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
use crate::diagnostic::{Applicability, Diagnostic};
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
        let mut items: Vec<Item<'_>> = Vec::new();
        for file in &report.files {
            if let Some(error) = &file.error {
                let code = error.kind.code();
                items.push(Item {
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
                });
            }
            items.extend(file.diagnostics.iter().map(|d| finding(file, d)));
        }
        items.sort_by(|a, b| {
            (a.file, a.line, a.column, a.code).cmp(&(b.file, b.line, b.column, b.code))
        });
        // serde_json writes a few bytes at a time: a local buffer keeps those writes off the
        // dynamic writer (it reaches it once per 64 KiB).
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut *w);
        serde_json::to_writer_pretty(&mut out, &items)?;
        writeln!(out)?;
        out.flush()
    }
}

fn finding<'a>(file: &'a FileReport, d: &'a Diagnostic) -> Item<'a> {
    let at = file.range(d.span);
    Item {
        code: d.code,
        name: d.name,
        severity: d.severity.as_str(),
        message: &d.message,
        file: &file.path,
        line: Some(at.start_line),
        column: Some(at.start_column),
        end_line: Some(at.end_line),
        end_column: Some(at.end_column),
        url: Some(rule_url(d.code)),
        help: d.help.as_deref(),
        labels: d
            .labels
            .iter()
            .map(|l| JsonLabel {
                message: &l.message,
                position: Position::from(file.range(l.span)),
            })
            .collect(),
        fix: d.fix.as_ref().map(|fix| JsonFix {
            title: &fix.title,
            applicability: fix.applicability,
            edits: fix
                .edits
                .iter()
                .map(|e| JsonEdit {
                    position: Position::from(file.range(e.span)),
                    content: &e.replacement,
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
