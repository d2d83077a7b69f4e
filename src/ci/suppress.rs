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
//! [`crate::settings::suppress`]'s; this module only says which lines form a unit.

use super::yaml::comment_lines;
use super::CiFile;
use crate::diagnostic::Diagnostic;
use crate::rules::RuleMeta;
use crate::settings::suppress::Suppressions;

pub fn apply(
    mut diagnostics: Vec<Diagnostic>,
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
    let global = Suppressions::new(&comments, &[], rules);
    if global.silence_some() {
        diagnostics.retain(|d| !global.silences(d.code(), file.lines.line(d.span.start())));
    }
    let source_lines: Vec<&str> = file.source.lines().collect();
    let is_comment = |line: usize| {
        source_lines.get(line.wrapping_sub(1)).is_some_and(|l| {
            let t = l.trim_start();
            t.starts_with('#') || t.starts_with("//")
        })
    };
    // The end line of the smallest unit holding each line, painted from the largest unit
    // to the smallest (the first of equal units last, so it wins), so that each run of
    // directives finds its unit by lookup rather than by a scan of every unit.
    let mut units: Vec<(usize, usize, usize)> = file
        .units
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                file.lines.line(s.start()),
                file.lines.line(s.end().max(s.start() + 1) - 1),
                i,
            )
        })
        .collect();
    units.sort_by_key(|&(s, e, i)| (std::cmp::Reverse(e.saturating_sub(s)), std::cmp::Reverse(i)));
    let mut unit_end: Vec<Option<usize>> = vec![None; file.lines.line_count() + 2];
    for &(s, e, _) in &units {
        for slot in unit_end.iter_mut().take(e.saturating_add(1)).skip(s) {
            *slot = Some(e);
        }
    }
    // Findings by line, so each run looks only at the lines it may silence.
    diagnostics.sort_by_key(|d| file.lines.line(d.span.start()));
    let lines: Vec<usize> = diagnostics
        .iter()
        .map(|d| file.lines.line(d.span.start()))
        .collect();
    let mut silenced = vec![false; diagnostics.len()];
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
        let end = unit_end.get(below).copied().flatten().unwrap_or(below);
        let first = comments[i].0;
        let from = all_comments.partition_point(|(l, _)| *l < first);
        let to = all_comments.partition_point(|(l, _)| *l < below);
        let run = &all_comments[from..to.max(from)];
        let lo = lines.partition_point(|&l| l < below);
        let hi = lines.partition_point(|&l| l <= end);
        if lo < hi {
            let unit = (line_u32(below), line_u32(end));
            let local = Suppressions::new(run, &[unit], rules);
            for k in lo..hi {
                if !silenced[k] && local.silences(diagnostics[k].code(), lines[k]) {
                    silenced[k] = true;
                }
            }
        }
        i = j + 1;
    }
    let mut silenced = silenced.into_iter();
    diagnostics.retain(|_| !silenced.next().unwrap_or(false));
    diagnostics
}

/// A line number as the suppressions take it (a file of more than 4 G lines is not read).
fn line_u32(line: usize) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}
