//! Unified diffs of fixed files, for `check --diff`.

use std::fmt::Write as _;

use similar::udiff::UnifiedHunkHeader;
use similar::{Algorithm, DiffOp, DiffableStr, TextDiff};

/// Lines of `before` and `after` beyond their common start and end up to which the whole
/// changed region is diffed at once. Myers' algorithm takes time proportional to the lines
/// times the number of differences, so a region where every line changed is quadratic
/// (a 0.5 MB file of 52,000 fixed lines took 15 s); past this size the region is diffed
/// in windows of [`WINDOW_LINES`] instead.
const WHOLE_REGION_LINES: usize = 4_000;
/// Lines of `before` per window of a large changed region (the matching part of `after`
/// is proportional), which bounds the work per line.
const WINDOW_LINES: usize = 256;

/// A unified diff (three lines of context) from `before` to `after`, with `a/` and `b/`
/// headers naming `path`; empty when the texts are equal. Line endings are kept, so a
/// CRLF file shows CRLF lines.
///
/// Files whose changed region is at most [`WHOLE_REGION_LINES`] lines get a minimal diff.
/// Larger ones are diffed window by window: the diff is still exact (it turns `before`
/// into `after`) and each window's part of it is minimal, so fixes, which change lines in
/// place or move one a few lines, show as they would in a whole diff.
pub fn unified_diff(path: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    // Split as `TextDiff::from_lines` splits, line endings kept.
    let old = before.tokenize_lines();
    let new = after.tokenize_lines();
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (old_end, new_end) = (old.len() - suffix, new.len() - suffix);
    if (old_end - prefix) + (new_end - prefix) <= WHOLE_REGION_LINES {
        return TextDiff::from_lines(before, after)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{path}"), &format!("b/{path}"))
            .to_string();
    }
    let mut ops = Vec::new();
    if prefix > 0 {
        ops.push(DiffOp::Equal {
            old_index: 0,
            new_index: 0,
            len: prefix,
        });
    }
    let (n, m) = (old_end - prefix, new_end - prefix);
    let windows = n.max(m).div_ceil(WINDOW_LINES).max(1);
    for w in 0..windows {
        let old_range = prefix + n * w / windows..prefix + n * (w + 1) / windows;
        let new_range = prefix + m * w / windows..prefix + m * (w + 1) / windows;
        // Ops of a range carry indexes into the whole lists.
        ops.extend(similar::capture_diff(
            Algorithm::Myers,
            &old[..],
            old_range,
            &new[..],
            new_range,
        ));
    }
    if suffix > 0 {
        ops.push(DiffOp::Equal {
            old_index: old_end,
            new_index: new_end,
            len: suffix,
        });
    }
    format_unified(path, &old, &new, merge_equal(ops))
}

/// Joins runs of equal lines split across windows, so that hunks are grouped as in a
/// whole diff (a hunk never consists of context alone).
fn merge_equal(ops: Vec<DiffOp>) -> Vec<DiffOp> {
    let mut out: Vec<DiffOp> = Vec::with_capacity(ops.len());
    for op in ops {
        if let (Some(DiffOp::Equal { len, .. }), DiffOp::Equal { len: more, .. }) =
            (out.last_mut(), op)
        {
            *len += more;
            continue;
        }
        if matches!(op, DiffOp::Equal { len: 0, .. }) {
            continue;
        }
        out.push(op);
    }
    out
}

/// The unified diff of `ops`, written as `TextDiff`'s unified diff writes it.
fn format_unified(path: &str, old: &[&str], new: &[&str], ops: Vec<DiffOp>) -> String {
    let mut out = String::new();
    let groups = similar::group_diff_ops(ops, 3);
    if groups.is_empty() {
        return out;
    }
    let _ = writeln!(out, "--- a/{path}");
    let _ = writeln!(out, "+++ b/{path}");
    for group in groups {
        let _ = writeln!(out, "{}", UnifiedHunkHeader::new(&group));
        for op in &group {
            for change in op.iter_changes(old, new) {
                out.push_str(&change.tag().to_string());
                out.push_str(change.value());
                if !change.value().ends_with(['\r', '\n']) {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_only_the_changed_lines_with_context() {
        let d = unified_diff("Dockerfile", "FROM a\nRUN x\n", "FROM a\nRUN --m x\n");
        assert_eq!(
            d,
            "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,2 +1,2 @@\n FROM a\n-RUN x\n+RUN --m x\n"
        );
        assert_eq!(unified_diff("D", "x\n", "x\n"), "");
    }

    /// Applies a unified diff made by [`unified_diff`] to `before`.
    fn apply(before: &str, diff: &str) -> String {
        let old = before.tokenize_lines();
        let mut out = String::new();
        let mut next_old = 0;
        let diff_lines = diff.tokenize_lines();
        let mut i = 2;
        while i < diff_lines.len() {
            let header = diff_lines[i];
            assert!(
                header.starts_with("@@ -"),
                "hunk header expected: {header:?}"
            );
            let old_start: usize = header[4..]
                .split([',', ' '])
                .next()
                .unwrap()
                .parse()
                .unwrap();
            let old_len: usize = header[4..]
                .split(' ')
                .next()
                .unwrap()
                .split_once(',')
                .map_or(1, |(_, l)| l.parse().unwrap());
            let start = if old_len == 0 {
                old_start
            } else {
                old_start - 1
            };
            for line in &old[next_old..start] {
                out.push_str(line);
            }
            next_old = start;
            i += 1;
            while i < diff_lines.len() && !diff_lines[i].starts_with("@@ -") {
                let line = diff_lines[i];
                let mut text = &line[1..];
                let no_newline = diff_lines
                    .get(i + 1)
                    .is_some_and(|l| l.starts_with("\\ No newline"));
                if no_newline {
                    text = text.trim_end_matches(['\r', '\n']);
                }
                match &line[..1] {
                    " " => {
                        out.push_str(text);
                        next_old += 1;
                    }
                    "-" => next_old += 1,
                    "+" => out.push_str(text),
                    other => panic!("unexpected line {other:?}"),
                }
                i += if no_newline { 2 } else { 1 };
            }
        }
        for line in &old[next_old..] {
            out.push_str(line);
        }
        out
    }

    #[test]
    fn a_large_changed_region_is_diffed_in_windows_and_still_exact() {
        // Every line changes, as when a fix adds a cache mount to each of 20,000 RUNs.
        let before: String = (0..20_000).map(|i| format!("RUN npm i {i}\n")).collect();
        let after: String = (0..20_000)
            .map(|i| match i % 3 {
                0 => format!("RUN --mount=type=cache,target=/root/.npm npm i {i}\n"),
                1 => format!("RUN npm i {i}\n"),
                _ => format!("RUN npm i {i}\n# moved\n"),
            })
            .collect();
        let diff = unified_diff("Dockerfile", &before, &after);
        assert!(diff.starts_with("--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,"));
        assert_eq!(apply(&before, &diff), after);
        // Unchanged lines stay context: the changed third shows, and a line at a window
        // boundary at most now and then (the windows do not know where lines moved).
        let removed = diff.lines().filter(|l| l.starts_with('-')).count() - 1;
        let changed = (0..20_000).filter(|i| i % 3 == 0).count();
        assert!(
            (changed..=changed + changed / 50).contains(&removed),
            "{removed} lines removed for {changed} changed"
        );
    }

    #[test]
    fn windowed_diffs_are_exact_whatever_the_shape() {
        let mut cases: Vec<(String, String)> = Vec::new();
        let base: String = (0..6_000).map(|i| format!("line {}\n", i % 7)).collect();
        // Lines removed, added, a file without a final newline, CRLF, a shorter file.
        cases.push((base.clone(), base.replace("line 3\n", "")));
        cases.push((base.clone(), base.replace("line 3\n", "line 3\nnew\nnew\n")));
        cases.push((
            base.clone(),
            base.replace("line 5\n", "x\n").trim_end().to_string(),
        ));
        cases.push((
            base.replace('\n', "\r\n"),
            base.replace("line 1\n", "l\r\n"),
        ));
        cases.push((base.clone(), base[..base.len() / 3].to_string()));
        cases.push((
            base[..base.len() / 2].to_string(),
            base.replace("line 2", "two"),
        ));
        for (before, after) in cases {
            let diff = unified_diff("D", &before, &after);
            assert_eq!(apply(&before, &diff), after);
        }
    }

    #[test]
    fn small_regions_match_text_diff() {
        // Below the window size the whole-region path is the same as TextDiff's.
        let before: String = (0..1_500).map(|i| format!("RUN a {i}\n")).collect();
        let after = before.replace("RUN a 1", "RUN b 1");
        let expected = TextDiff::from_lines(before.as_str(), after.as_str())
            .unified_diff()
            .context_radius(3)
            .header("a/D", "b/D")
            .to_string();
        assert_eq!(unified_diff("D", &before, &after), expected);
    }
}
