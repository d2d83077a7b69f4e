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

use std::collections::BTreeMap;

use super::selection::Selector;
use crate::diagnostic::Diagnostic;
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
    pub diagnostics: Vec<Diagnostic>,
    /// Malformed comments, unknown rules, and comments not above an instruction.
    pub invalid: Vec<InvalidSuppression>,
}

/// Drops the findings silenced by suppression comments.
///
/// - `comments`: every comment line as `(1-based line, text after '#', trimmed)`,
///   including comments inside continued instructions;
/// - `instruction_lines`: the first and last line (1-based, inclusive) of every
///   instruction;
/// - `lines`: the file's line index, to place each finding's primary span;
/// - `rules`: the known rules, to resolve names and reject unknown codes.
pub fn apply(
    diagnostics: Vec<Diagnostic>,
    comments: &[(usize, &str)],
    instruction_lines: &[(usize, usize)],
    lines: &LineIndex,
    rules: &[&'static RuleMeta],
) -> Suppressed {
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

    let mut instructions: Vec<(usize, usize)> = instruction_lines.to_vec();
    instructions.sort_unstable();
    // A sorted list, not a set: a file of comment lines holds one entry per line.
    let mut comment_lines: Vec<usize> = comments.iter().map(|c| c.0).collect();
    comment_lines.sort_unstable();
    comment_lines.dedup();
    // Instructions do not overlap, so the one that may hold `line` is the last to start at
    // or before it: a binary search, not a scan (a comment above each of 100,000
    // instructions made the scan quadratic).
    let inside_instruction = |line: usize| {
        let owner = instructions.partition_point(|&(s, _)| s <= line);
        owner
            .checked_sub(1)
            .is_some_and(|i| instructions[i].1 >= line)
    };

    // Selectors per instruction, gathered from the comment run directly above it.
    let mut per_instruction: Vec<Vec<Selector>> = vec![Vec::new(); instructions.len()];
    let mut attached = std::collections::BTreeSet::new();
    for (i, &(start, _)) in instructions.iter().enumerate() {
        let mut line = start;
        while line > 1 {
            line -= 1;
            if comment_lines.binary_search(&line).is_err() || inside_instruction(line) {
                break;
            }
            if let Some(selectors) = local.get(&line) {
                per_instruction[i].extend(selectors.iter().cloned());
                attached.insert(line);
            }
        }
    }
    for &line in local.keys().filter(|l| !attached.contains(*l)) {
        invalid.push(InvalidSuppression {
            line,
            message:
                "`layerlint ignore=` must be on the comment lines directly above an instruction"
                    .to_string(),
        });
    }
    invalid.sort_by_key(|i| i.line);

    let diagnostics = diagnostics
        .into_iter()
        .filter(|d| {
            if global.iter().any(|s| s.matches(d.code())) {
                return false;
            }
            let line = lines.line(d.span.start());
            let owner = instructions.partition_point(|&(start, _)| start <= line);
            let silenced = owner
                .checked_sub(1)
                .and_then(|i| Some((instructions.get(i)?, per_instruction.get(i)?)))
                .is_some_and(|(&(_, end), selectors)| {
                    line <= end && selectors.iter().any(|s| s.matches(d.code()))
                });
            !silenced
        })
        .collect();

    Suppressed {
        diagnostics,
        invalid,
    }
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
