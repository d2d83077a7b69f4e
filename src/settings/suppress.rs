//! Inline suppressions written as Dockerfile comments.
//!
//! ```dockerfile
//! # layerlint global ignore=LL301 -- base images are pinned by the release job
//!
//! # layerlint ignore=LL101,missing-cache-mount -- the context is tiny here
//! COPY . .
//! ```
//!
//! `# layerlint ignore=<list>` silences the listed rules for findings whose
//! primary span starts inside the instruction right below it: the comment must
//! belong to the run of comment lines directly above the instruction's first
//! line (a blank line ends the run). `# layerlint global ignore=<list>`
//! silences them for the whole file wherever it appears. The list holds codes,
//! rule names, prefixes (`LL2`) or `ALL`, separated by commas; anything after
//! ` -- ` is a free-form reason.
//!
//! The function works on plain line numbers and comment texts rather than on
//! the syntax tree, so it does not depend on the parser's types: the caller
//! passes every comment line and every instruction's line range.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::selection::Selector;
use crate::diagnostic::Diagnostics;
use crate::rules::RuleMeta;
use crate::span::LineIndex;

/// A suppression comment that could not be used; worth reporting to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidSuppression {
    /// 1-based line of the comment.
    pub line: usize,
    pub message: String,
}

/// The result of [`apply`].
#[derive(Debug, Clone, Default)]
pub struct Suppressed {
    /// The findings that remain, in their original order.
    pub diagnostics: Diagnostics,
    /// Malformed comments, unknown rules, and comments not above an instruction.
    pub invalid: Vec<InvalidSuppression>,
}

/// Drops the findings silenced by suppression comments.
///
/// - `comments`: every comment line as `(1-based line, text after '#', trimmed)`,
///   including comments inside continued instructions;
/// - `instruction_lines`: the first and last line (1-based, inclusive) of every
///   instruction, best in source order (other orders are sorted into a copy); only
///   `ignore=` comments need them;
/// - `lines`: the file's line index, to place each finding's primary span;
/// - `rules`: the known rules, to resolve names and reject unknown codes.
pub fn apply(
    diagnostics: impl Into<Diagnostics>,
    comments: &[(usize, &str)],
    instruction_lines: &[(u32, u32)],
    lines: &LineIndex,
    rules: &[&'static RuleMeta],
) -> Suppressed {
    let suppressions = Suppressions::new(comments, instruction_lines, rules);
    let mut diagnostics = diagnostics.into();
    if suppressions.silence_some() {
        diagnostics.retain(|d| !suppressions.silences(d.code(), lines.line(d.span().start())));
    }
    Suppressed {
        diagnostics,
        invalid: suppressions.invalid,
    }
}

/// The suppression comments of a file, read once, then asked about each finding.
#[derive(Debug, Clone, Default)]
pub struct Suppressions {
    global: Vec<Selector>,
    /// The instructions with `ignore=` comments above them, in line order. Most
    /// instructions have none, so only these are kept.
    attached: Vec<Attached>,
    /// Malformed comments, unknown rules, and comments not above an instruction, by line.
    pub invalid: Vec<InvalidSuppression>,
}

/// An instruction's lines (1-based, inclusive) and the selectors of the comments above it.
#[derive(Debug, Clone)]
struct Attached {
    start: u32,
    end: u32,
    selectors: Vec<Selector>,
}

impl Suppressions {
    /// Reads the directives of `comments` and attaches each `ignore=` to the instruction
    /// below it. The arguments are those of [`apply`].
    pub fn new(
        comments: &[(usize, &str)],
        instruction_lines: &[(u32, u32)],
        rules: &[&'static RuleMeta],
    ) -> Suppressions {
        let mut invalid = Vec::new();
        let mut global: Vec<Selector> = Vec::new();
        let mut local: BTreeMap<usize, Vec<Selector>> = BTreeMap::new();
        for &(line, text) in comments {
            match parse(text, rules) {
                Directive::None => {}
                Directive::Invalid(message) => invalid.push(InvalidSuppression { line, message }),
                Directive::Ignore {
                    global: true,
                    selectors,
                    unknown,
                } => {
                    report_unknown(&mut invalid, line, unknown);
                    global.extend(selectors);
                }
                Directive::Ignore {
                    global: false,
                    selectors,
                    unknown,
                } => {
                    report_unknown(&mut invalid, line, unknown);
                    local.entry(line).or_default().extend(selectors);
                }
            }
        }
        let attached = if local.is_empty() {
            Vec::new()
        } else {
            attach(local, comments, instruction_lines, &mut invalid)
        };
        invalid.sort_by_key(|i| i.line);
        Suppressions {
            global,
            attached,
            invalid,
        }
    }

    /// Whether any finding can be silenced at all.
    pub fn silence_some(&self) -> bool {
        !self.global.is_empty() || !self.attached.is_empty()
    }

    /// Whether a finding of rule `code` whose primary span starts on `line` (1-based) is
    /// silenced.
    pub fn silences(&self, code: &str, line: usize) -> bool {
        if self.global.iter().any(|s| s.matches(code)) {
            return true;
        }
        // Instructions do not overlap: of those with selectors, only the last to start at
        // or before `line` can hold it.
        let after = self.attached.partition_point(|a| a.start as usize <= line);
        after
            .checked_sub(1)
            .and_then(|i| self.attached.get(i))
            .is_some_and(|a| line <= a.end as usize && a.selectors.iter().any(|s| s.matches(code)))
    }
}

/// Attaches each `ignore=` comment of `local` (selectors by line) to the instruction it
/// belongs to: the one starting right below the run of comment lines that holds it. The
/// others are reported in `invalid`.
fn attach(
    local: BTreeMap<usize, Vec<Selector>>,
    comments: &[(usize, &str)],
    instruction_lines: &[(u32, u32)],
    invalid: &mut Vec<InvalidSuppression>,
) -> Vec<Attached> {
    // Instructions come in source order from the parser: sorted already, not copied.
    let instructions: Cow<'_, [(u32, u32)]> = if instruction_lines.is_sorted() {
        Cow::Borrowed(instruction_lines)
    } else {
        let mut sorted = instruction_lines.to_vec();
        sorted.sort_unstable();
        Cow::Owned(sorted)
    };
    // A sorted list, not a set: a file of comment lines holds one entry per line.
    let mut comment_lines: Vec<usize> = comments.iter().map(|c| c.0).collect();
    comment_lines.sort_unstable();
    comment_lines.dedup();
    // Instructions do not overlap, so the one that may hold `line` is the last to start at
    // or before it: a binary search, not a scan (a comment above each of 100,000
    // instructions made the scan quadratic).
    let inside_instruction = |line: usize| {
        let owner = instructions.partition_point(|&(s, _)| s as usize <= line);
        owner
            .checked_sub(1)
            .is_some_and(|i| instructions[i].1 as usize >= line)
    };
    let mut attached: Vec<Attached> = Vec::new();
    // The line after the run of comment lines below the last comment handled, and that
    // comment's line: comments are handled bottom up, so a comment of the same run stops
    // its walk there and each comment line is walked over once (a run of 100,000
    // `ignore=` lines is not walked 100,000 times).
    let mut run_end: Option<(usize, usize)> = None;
    for (line, selectors) in local.into_iter().rev() {
        // A comment inside an instruction belongs to none; the others, down the run of
        // comment lines, to the instruction starting on the line the run ends on.
        let owner = (!inside_instruction(line))
            .then(|| {
                let mut below = line + 1;
                while comment_lines.binary_search(&below).is_ok() && !inside_instruction(below) {
                    if let Some((_, end)) = run_end.filter(|&(from, _)| from == below) {
                        below = end;
                        break;
                    }
                    below += 1;
                }
                run_end = Some((line, below));
                below
            })
            .and_then(|below| {
                instructions
                    .binary_search_by(|&(start, _)| (start as usize).cmp(&below))
                    .ok()
            })
            .map(|i| instructions[i]);
        match owner {
            Some((start, end)) => match attached.last_mut() {
                // Lines come in order, so the comments above one instruction come together
                // (the order of its selectors does not matter: any one silences).
                Some(last) if last.start == start => last.selectors.extend(selectors),
                _ => attached.push(Attached {
                    start,
                    end,
                    selectors,
                }),
            },
            None => invalid.push(InvalidSuppression {
                line,
                message:
                    "`layerlint ignore=` must be on the comment lines directly above an instruction"
                        .to_string(),
            }),
        }
    }
    attached.reverse();
    attached
}

fn report_unknown(invalid: &mut Vec<InvalidSuppression>, line: usize, unknown: Vec<String>) {
    invalid.extend(
        unknown
            .into_iter()
            .map(|message| InvalidSuppression { line, message }),
    );
}

#[derive(Debug, PartialEq)]
enum Directive {
    /// Not a layerlint directive at all.
    None,
    Invalid(String),
    Ignore {
        global: bool,
        selectors: Vec<Selector>,
        /// Messages for list entries that name no rule; the others still apply.
        unknown: Vec<String>,
    },
}

fn parse(comment: &str, rules: &[&'static RuleMeta]) -> Directive {
    let Some(rest) = strip_word(comment.trim(), "layerlint") else {
        return Directive::None;
    };
    // Only text that looks like an attempt at a directive is checked, so that prose
    // such as "# layerlint is run in CI" stays an ordinary comment.
    let (global, rest) = match strip_word(rest, "global") {
        Some(after) => (true, after),
        None => (false, rest),
    };
    let Some(list) = rest.strip_prefix("ignore") else {
        return if global {
            Directive::Invalid("expected `ignore=` after `layerlint global`".to_string())
        } else {
            Directive::None
        };
    };
    let Some(list) = list.trim_start().strip_prefix('=') else {
        return Directive::Invalid("expected `=` after `ignore`".to_string());
    };
    let list = match list.split_once("--") {
        Some((list, _reason)) => list,
        None => list,
    };
    let entries: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    if entries.is_empty() {
        return Directive::Invalid("`ignore=` lists no rule".to_string());
    }
    let mut selectors = Vec::new();
    let mut unknown = Vec::new();
    for entry in entries {
        match Selector::parse(entry, rules) {
            Ok(selector) => selectors.push(selector),
            Err(message) => unknown.push(message),
        }
    }
    Directive::Ignore {
        global,
        selectors,
        unknown,
    }
}

/// `text` without a leading `word` (any case, ending at whitespace or the end) and the
/// whitespace after it.
fn strip_word<'a>(text: &'a str, word: &str) -> Option<&'a str> {
    let head = text.get(..word.len())?;
    let rest = text.get(word.len()..)?;
    let ends = rest.is_empty() || rest.starts_with(char::is_whitespace);
    (head.eq_ignore_ascii_case(word) && ends).then(|| rest.trim_start())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;
    use crate::span::Span;

    /// Silenced findings (by index) and invalid comment lines, found the way suppressions
    /// were first written: every instruction looks up its comment run, and every finding
    /// is placed among all the instructions.
    fn reference(
        findings: &[(&str, usize)],
        comments: &[(usize, &str)],
        instructions: &[(u32, u32)],
        rules: &[&'static RuleMeta],
    ) -> (Vec<bool>, Vec<usize>) {
        let mut invalid = Vec::new();
        let mut global = Vec::new();
        let mut local: BTreeMap<usize, Vec<Selector>> = BTreeMap::new();
        for &(line, text) in comments {
            match parse(text, rules) {
                Directive::None => {}
                Directive::Invalid(_) => invalid.push(line),
                Directive::Ignore {
                    global: g,
                    selectors,
                    unknown,
                } => {
                    invalid.extend(unknown.iter().map(|_| line));
                    if g {
                        global.extend(selectors);
                    } else {
                        local.entry(line).or_default().extend(selectors);
                    }
                }
            }
        }
        let mut instructions: Vec<(usize, usize)> = instructions
            .iter()
            .map(|&(s, e)| (s as usize, e as usize))
            .collect();
        instructions.sort_unstable();
        let comment_lines: Vec<usize> = comments.iter().map(|c| c.0).collect();
        let inside = |line: usize| instructions.iter().any(|&(s, e)| s <= line && line <= e);
        let mut per_instruction: Vec<Vec<Selector>> = vec![Vec::new(); instructions.len()];
        let mut attached = std::collections::BTreeSet::new();
        for (i, &(start, _)) in instructions.iter().enumerate() {
            let mut line = start;
            while line > 1 {
                line -= 1;
                if !comment_lines.contains(&line) || inside(line) {
                    break;
                }
                if let Some(selectors) = local.get(&line) {
                    per_instruction[i].extend(selectors.iter().cloned());
                    attached.insert(line);
                }
            }
        }
        invalid.extend(local.keys().filter(|l| !attached.contains(*l)));
        invalid.sort_unstable();
        let silenced = findings
            .iter()
            .map(|&(code, line)| {
                global.iter().any(|s| s.matches(code))
                    || instructions
                        .iter()
                        .zip(&per_instruction)
                        .any(|(&(s, e), sel)| {
                            s <= line && line <= e && sel.iter().any(|s| s.matches(code))
                        })
            })
            .collect();
        (silenced, invalid)
    }

    #[test]
    fn silences_what_a_search_of_every_instruction_silences() {
        let rules: Vec<&'static RuleMeta> =
            crate::rules::registry().iter().map(|r| r.meta()).collect();
        let codes = ["LL101", "LL201", "LL301"];
        let texts = [
            "layerlint ignore=LL101",
            "layerlint ignore=LL201,LL301 -- why",
            "layerlint global ignore=LL301",
            "layerlint ignore=LL999",
            "layerlint ignore",
            "a plain comment",
        ];
        let mut seed = 99u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) % n as u64) as usize
        };
        for _ in 0..500 {
            let line_count = 1 + next(30);
            let mut comments: Vec<(usize, &str)> = Vec::new();
            let mut instructions: Vec<(u32, u32)> = Vec::new();
            let mut line = 1;
            while line <= line_count {
                match next(3) {
                    0 => {
                        let end = (line + next(3)).min(line_count);
                        // A comment line within a continued instruction, now and then.
                        if end > line && next(2) == 0 {
                            comments.push((line + 1, texts[next(texts.len())]));
                        }
                        instructions.push((line as u32, end as u32));
                        line = end + 1;
                    }
                    1 => {
                        comments.push((line, texts[next(texts.len())]));
                        line += 1;
                    }
                    _ => line += 1,
                }
            }
            let source = "x\n".repeat(line_count);
            let lines = LineIndex::new(&source);
            let findings: Vec<(&str, usize)> = (0..next(12))
                .map(|_| (codes[next(codes.len())], 1 + next(line_count)))
                .collect();
            let diagnostics: Vec<Diagnostic> = findings
                .iter()
                .map(|&(code, line)| {
                    let meta = rules.iter().find(|r| r.code == code).copied();
                    let at = (line - 1) * 2;
                    Diagnostic::new(meta.expect("a known rule"), Span::new(at, at + 1), "m")
                })
                .collect();
            let (silenced, invalid) = reference(&findings, &comments, &instructions, &rules);
            let expected: Vec<(&str, usize)> = findings
                .iter()
                .zip(&silenced)
                .filter(|(_, &s)| !s)
                .map(|(&f, _)| f)
                .collect();
            // Instructions out of order give the same result.
            let reversed: Vec<(u32, u32)> = instructions.iter().rev().copied().collect();
            let out_of_order = apply(diagnostics.clone(), &comments, &reversed, &lines, &rules);
            let out = apply(diagnostics, &comments, &instructions, &lines, &rules);
            assert_eq!(out.diagnostics, out_of_order.diagnostics);
            assert_eq!(out.invalid, out_of_order.invalid);
            let kept: Vec<(&str, usize)> = out
                .diagnostics
                .iter()
                .map(|d| (d.code(), lines.line(d.span().start())))
                .collect();
            assert_eq!(kept, expected, "{comments:?} {instructions:?}");
            let invalid_lines: Vec<usize> = out.invalid.iter().map(|i| i.line).collect();
            assert_eq!(invalid_lines, invalid, "{comments:?} {instructions:?}");
        }
    }
}
