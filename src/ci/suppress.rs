//! Suppression comments in workflows and bake files, with the Dockerfile syntax:
//!
//! ```yaml
//! # layerlint global ignore=LL604 -- one image per repository
//! steps:
//!   # layerlint ignore=LL601 -- a smoke test of the Dockerfile, cold on purpose
//!   - uses: docker/build-push-action@v6
//! ```
//!
//! A `# layerlint ignore=…` run of comment lines silences findings from the line right
//! below it to the end of the step (or bake block) that line belongs to; anywhere else it
//! covers that one line. The directive parsing and the silencing are
//! [`crate::settings::suppress::apply`]'s; this module only says which lines form a unit.

use super::yaml::comment_lines;
use super::CiFile;
use crate::diagnostic::Diagnostic;
use crate::rules::RuleMeta;
use crate::settings::suppress;

pub fn apply(
    diagnostics: Vec<Diagnostic>,
    file: &CiFile,
    rules: &[&'static RuleMeta],
) -> Vec<Diagnostic> {
    if diagnostics.is_empty() {
        return diagnostics;
    }
    let all_comments = comment_lines(&file.source);
    let comments: Vec<(usize, &str)> = all_comments
        .iter()
        .copied()
        .filter(|(_, text)| text.to_ascii_lowercase().starts_with("layerlint"))
        .collect();
    if comments.is_empty() {
        return diagnostics;
    }
    // Global directives (the local ones are not attached to anything in this pass).
    let mut diagnostics =
        suppress::apply(diagnostics, &comments, &[], &file.lines, rules).diagnostics;
    let source_lines: Vec<&str> = file.source.lines().collect();
    let is_comment = |line: usize| {
        source_lines.get(line.wrapping_sub(1)).is_some_and(|l| {
            let t = l.trim_start();
            t.starts_with('#') || t.starts_with("//")
        })
    };
    let units: Vec<(usize, usize)> = file
        .units
        .iter()
        .map(|s| {
            (
                file.lines.line(s.start),
                file.lines.line(s.end.max(s.start + 1) - 1),
            )
        })
        .collect();
    let mut i = 0;
    while i < comments.len() {
        // A run of directive comments on consecutive lines.
        let mut j = i;
        while j + 1 < comments.len() && comments[j + 1].0 == comments[j].0 + 1 {
            j += 1;
        }
        let mut below = comments[j].0 + 1;
        while is_comment(below) {
            below += 1;
        }
        let end = units
            .iter()
            .filter(|(s, e)| *s <= below && below <= *e)
            .min_by_key(|(s, e)| e - s)
            .map_or(below, |&(_, e)| e);
        let first = comments[i].0;
        let run: Vec<(usize, &str)> = all_comments
            .iter()
            .copied()
            .filter(|(l, _)| first <= *l && *l < below)
            .collect();
        diagnostics =
            suppress::apply(diagnostics, &run, &[(below, end)], &file.lines, rules).diagnostics;
        i = j + 1;
    }
    diagnostics
}
