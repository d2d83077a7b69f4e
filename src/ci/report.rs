//! `layerlint ci`: every CI image build with its trigger, cache sources and exports, and
//! the findings about it — as a text table or as JSON.

use serde::Serialize;

use super::model::{CacheSpec, CiBuild};
use super::CiRepo;
use crate::diagnostic::Diagnostic;

/// One row of the report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BuildRow {
    pub file: String,
    pub line: usize,
    pub kind: &'static str,
    pub job: Option<String>,
    pub trigger: String,
    pub image: String,
    pub context: Option<String>,
    pub dockerfile: Option<String>,
    /// In the order buildx tries them.
    pub cache_from: Vec<CacheRow>,
    pub cache_to: Vec<CacheRow>,
    /// Codes of the findings about this build, sorted and unique.
    pub findings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CacheRow {
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `scope` for gha, `ref` for registry, `src`/`dest` for local.
    pub target: Option<String>,
    /// Exports only: `min` or `max` (`None` when an expression).
    pub mode: Option<String>,
    pub raw: String,
    /// Holds an expression, known only when the workflow runs.
    pub unknown: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct CiReport {
    pub builds: Vec<BuildRow>,
}

/// Builds the report from a repository and its findings per file (as [`super::check`] gives).
pub fn report(repo: &CiRepo, findings: &[Vec<Diagnostic>]) -> CiReport {
    let mut rows: Vec<BuildRow> = repo.builds.iter().map(|b| row(repo, b, findings)).collect();
    rows.sort_by(|a, b| (&a.file, a.line, &a.image).cmp(&(&b.file, b.line, &b.image)));
    rows.dedup();
    CiReport { builds: rows }
}

fn row(repo: &CiRepo, b: &CiBuild, findings: &[Vec<Diagnostic>]) -> BuildRow {
    let file = repo.files.get(b.loc.file);
    let mut codes: Vec<String> = Vec::new();
    let mut owned_spans = vec![b.loc, b.unit];
    owned_spans.extend(b.cache_from.iter().chain(&b.cache_to).map(|s| s.loc));
    owned_spans.extend(b.cache_from_key.iter().chain(&b.cache_to_key).copied());
    for loc in owned_spans {
        let Some(diags) = findings.get(loc.file) else {
            continue;
        };
        for d in diags {
            let inside = loc.span.start() <= d.span.start()
                && d.span.end() <= loc.span.end().max(loc.span.start() + 1);
            if inside && !codes.iter().any(|c| c == d.code()) {
                codes.push(d.code().to_string());
            }
        }
    }
    codes.sort();
    BuildRow {
        file: file.map_or_else(String::new, |f| f.path.clone()),
        line: file.map_or(0, |f| f.lines.line(b.loc.span.start())),
        kind: b.kind.as_str(),
        job: b.job.clone(),
        trigger: b.events.describe(),
        image: b.image_label(),
        context: b.context.as_ref().map(|c| c.raw.clone()),
        dockerfile: b.dockerfile_path.clone(),
        cache_from: b.cache_from.iter().map(|s| cache_row(s, false)).collect(),
        cache_to: b.cache_to.iter().map(|s| cache_row(s, true)).collect(),
        findings: codes,
    }
}

fn cache_row(s: &CacheSpec, export: bool) -> CacheRow {
    let target_key = match s.kind {
        super::CacheKind::Gha => "scope",
        super::CacheKind::Local => {
            if export {
                "dest"
            } else {
                "src"
            }
        }
        super::CacheKind::S3 | super::CacheKind::Azblob => "name",
        _ => "ref",
    };
    let target = match s.kind {
        super::CacheKind::Gha => Some(
            s.attr("scope")
                .map_or_else(|| "buildkit (default)".to_string(), str::to_string),
        ),
        super::CacheKind::Inline => None,
        _ => s.attr(target_key).map(str::to_string),
    };
    CacheRow {
        kind: s.kind.as_str(),
        target,
        mode: if export && s.kind != super::CacheKind::Inline {
            s.mode().map(str::to_string)
        } else {
            None
        },
        raw: s.raw.clone(),
        unknown: s.has_expression,
    }
}

/// The report as JSON (pretty-printed, stable field order).
pub fn render_json(report: &CiReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|_| "{\"builds\":[]}".to_string())
}

/// The report as an aligned text table, one block of lines per build.
pub fn render_text(report: &CiReport) -> String {
    const HEADERS: [&str; 6] = [
        "LOCATION",
        "TRIGGER",
        "IMAGE",
        "CACHE FROM",
        "CACHE TO",
        "FINDINGS",
    ];
    let cells: Vec<[Vec<String>; 6]> = report
        .builds
        .iter()
        .map(|b| {
            let from: Vec<String> = b
                .cache_from
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{}. {}", i + 1, describe(c, false)))
                .collect();
            let to: Vec<String> = b.cache_to.iter().map(|c| describe(c, true)).collect();
            let mut image = vec![b.image.clone()];
            if let Some(job) = &b.job {
                image.push(format!("job {job} ({})", b.kind));
            } else {
                image.push(format!("({})", b.kind));
            }
            [
                vec![format!("{}:{}", b.file, b.line)],
                vec![b.trigger.clone()],
                image,
                or_dash(from),
                or_dash(to),
                or_dash(if b.findings.is_empty() {
                    Vec::new()
                } else {
                    vec![b.findings.join(", ")]
                }),
            ]
        })
        .collect();
    let mut widths = HEADERS.map(str::len);
    for row in &cells {
        for (i, cell) in row.iter().enumerate() {
            for line in cell {
                widths[i] = widths[i].max(line.chars().count());
            }
        }
    }
    let mut out = String::new();
    push_line(&mut out, &HEADERS.map(str::to_string), &widths);
    for row in &cells {
        let height = row.iter().map(Vec::len).max().unwrap_or(1);
        for l in 0..height {
            let line: [String; 6] =
                std::array::from_fn(|i| row[i].get(l).cloned().unwrap_or_default());
            push_line(&mut out, &line, &widths);
        }
    }
    let total = report.builds.len();
    let with_findings = report
        .builds
        .iter()
        .filter(|b| !b.findings.is_empty())
        .count();
    let uncached = report
        .builds
        .iter()
        .filter(|b| b.cache_from.is_empty() && b.cache_to.is_empty())
        .count();
    out.push_str(&format!(
        "{total} CI image build{} ({uncached} without any cache, {with_findings} with findings)\n",
        if total == 1 { "" } else { "s" }
    ));
    out
}

fn or_dash(v: Vec<String>) -> Vec<String> {
    if v.is_empty() {
        vec!["-".to_string()]
    } else {
        v
    }
}

fn describe(c: &CacheRow, export: bool) -> String {
    let mut s = c.kind.to_string();
    if let Some(t) = &c.target {
        s.push(' ');
        s.push_str(t);
    }
    if export {
        if let Some(m) = &c.mode {
            s.push_str(&format!(" mode={m}"));
        }
    }
    if c.unknown {
        s.push_str(" (expression)");
    }
    s
}

fn push_line(out: &mut String, cells: &[String; 6], widths: &[usize; 6]) {
    let mut line = String::new();
    for (i, cell) in cells.iter().enumerate() {
        if i + 1 == cells.len() {
            line.push_str(cell);
        } else {
            line.push_str(cell);
            let pad = widths[i].saturating_sub(cell.chars().count()) + 2;
            line.extend(std::iter::repeat_n(' ', pad));
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
}
