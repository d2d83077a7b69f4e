//! Applying the fixes rules attach to their findings.
//!
//! Rules compute [`Fix`]es from the lossless syntax tree (see [`edits`] for the helpers);
//! this module applies them: non-overlapping fixes at once, over several rounds until
//! none is left, and only keeps the result when every round re-parses and removed the
//! findings it fixed without adding one of the same rule, and no comment was lost.
//! Otherwise the text stays as it was and [`FixOutcome::rejected`] says why. A fix that
//! would rewrite a comment inside an instruction (a comment line within a continuation)
//! is not offered for application at all.

pub mod apply;
pub mod diff;
pub mod edits;
pub mod write;

use std::collections::BTreeMap;

use crate::diagnostic::{Applicability, Diagnostics, EditRef, Finding};
use crate::span::{LineIndex, Span};
use crate::syntax::ParseError;

pub use apply::{apply_edits, EditError};
pub use diff::unified_diff;
pub use write::write_atomic;

/// Rounds of fixing before giving up on fixes that keep overlapping.
pub const MAX_ROUNDS: usize = 10;

/// Which fixes to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FixOptions {
    /// Also apply fixes marked [`Applicability::Unsafe`].
    pub unsafe_fixes: bool,
}

impl FixOptions {
    /// Whether a fix of this applicability is applied.
    pub fn applies(&self, applicability: Applicability) -> bool {
        match applicability {
            Applicability::Safe => true,
            Applicability::Unsafe => self.unsafe_fixes,
            Applicability::DisplayOnly => false,
        }
    }
}

/// A fix that was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedFix {
    pub code: &'static str,
    pub title: String,
    /// 1-based line of the finding, in the text the fix was applied to.
    pub line: usize,
}

/// Why the file was left untouched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixRejection {
    /// The rule whose fix failed, when one can be named.
    pub code: Option<&'static str>,
    /// 1-based line of the finding or of the problem.
    pub line: Option<usize>,
    pub reason: String,
}

impl std::fmt::Display for FixRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.code, self.line) {
            (Some(code), Some(line)) => write!(f, "{code} fix at line {line}: {}", self.reason),
            (Some(code), None) => write!(f, "{code} fix: {}", self.reason),
            (None, Some(line)) => write!(f, "line {line}: {}", self.reason),
            (None, None) => f.write_str(&self.reason),
        }
    }
}

/// The result of fixing one text.
#[derive(Debug, Clone)]
pub struct FixOutcome {
    /// The fixed text; equal to the input when nothing was applied or a check failed.
    pub fixed: String,
    /// Fixes applied, in order (empty when rejected).
    pub applied: Vec<AppliedFix>,
    /// Set when a check failed: the text was left untouched.
    pub rejected: Option<FixRejection>,
    /// Findings of the final text with a fix `options` would not apply because it is unsafe.
    pub unsafe_available: usize,
    /// Fixes still applicable after the last round (they kept overlapping others).
    pub left_over: usize,
    /// The findings of `fixed` as the lint function gave them, so that the caller need not
    /// lint it again; `None` when a check failed (`fixed` is then the input, which the last
    /// round did not lint).
    pub findings: Option<Diagnostics>,
}

impl FixOutcome {
    pub fn changed(&self) -> bool {
        !self.applied.is_empty() && self.rejected.is_none()
    }
}

/// Lints a source text and returns the findings that count (after suppressions and
/// rule selection), so only fixes of reported findings are applied.
pub type LintFn<'a> = dyn Fn(&str) -> Result<Diagnostics, ParseError> + 'a;

/// Fix `source` as far as `options` allow. Fails only when `source` itself does not parse.
pub fn fix_source(
    source: &str,
    lint: &LintFn<'_>,
    options: FixOptions,
) -> Result<FixOutcome, ParseError> {
    let mut text = source.to_string();
    let mut diagnostics = lint(&text)?;
    let mut applied = Vec::new();
    let untouched = |rejection: FixRejection, diagnostics: &Diagnostics| FixOutcome {
        fixed: source.to_string(),
        applied: Vec::new(),
        rejected: Some(rejection),
        unsafe_available: count_unsafe(diagnostics, options),
        left_over: 0,
        findings: None,
    };
    // The comments of `text`, carried from one round to the next.
    let mut comments = Comments::of(&text);
    for _ in 0..MAX_ROUNDS {
        let lines = LineIndex::new(&text);
        let chosen = choose(&diagnostics, options, &comments.inside_instructions);
        if chosen.is_empty() {
            break;
        }
        let edits: Vec<EditRef<'_>> = chosen
            .iter()
            .flat_map(|d| d.fix().into_iter().flat_map(|f| f.edits()))
            .collect();
        let next = match apply::apply_edit_refs(&text, edits) {
            Ok(t) => t,
            Err(e) => {
                let culprit = chosen.first().copied();
                return Ok(untouched(
                    FixRejection {
                        code: culprit.map(|d| d.code()),
                        line: culprit.map(|d| lines.line(d.span().start())),
                        reason: format!("the fix's edits cannot be applied: {e}"),
                    },
                    &diagnostics,
                ));
            }
        };
        let after = match lint(&next) {
            Ok(d) => d,
            Err(e) => {
                let titles: Vec<String> = chosen
                    .iter()
                    .map(|d| format!("{} at line {}", d.code(), lines.line(d.span().start())))
                    .collect();
                return Ok(untouched(
                    FixRejection {
                        code: (chosen.len() == 1).then(|| chosen[0].code()),
                        line: Some(e.line),
                        reason: format!(
                            "the fixed text would not parse ({}; fixes: {})",
                            e.message,
                            titles.join(", ")
                        ),
                    },
                    &diagnostics,
                ));
            }
        };
        let next_comments = Comments::of(&next);
        if let Some(lost) = comments.first_missing_from(&next_comments) {
            let culprit = chosen.first().copied();
            return Ok(untouched(
                FixRejection {
                    code: (chosen.len() == 1).then(|| chosen[0].code()),
                    line: culprit.map(|d| lines.line(d.span().start())),
                    reason: format!("the fixes would delete the comment `# {lost}`"),
                },
                &diagnostics,
            ));
        }
        if let Some(rejection) = verify(
            &diagnostics,
            &chosen,
            &after,
            &lines,
            &LineIndex::new(&next),
        ) {
            return Ok(untouched(rejection, &diagnostics));
        }
        applied.extend(chosen.iter().map(|d| AppliedFix {
            code: d.code(),
            title: d.fix().map(|f| f.title.to_string()).unwrap_or_default(),
            line: lines.line(d.span().start()),
        }));
        text = next;
        comments = next_comments;
        diagnostics = after;
    }
    let left_over = choose(&diagnostics, options, &comments.inside_instructions).len();
    Ok(FixOutcome {
        fixed: text,
        applied,
        rejected: None,
        unsafe_available: count_unsafe(&diagnostics, options),
        left_over,
        findings: Some(diagnostics),
    })
}

/// The comments of a text, to check that fixes keep them.
struct Comments {
    /// Each comment's text after `#`, with how many times it occurs.
    texts: BTreeMap<String, usize>,
    /// Comment lines within an instruction's continuation lines.
    inside_instructions: Vec<Span>,
}

impl Comments {
    fn of(text: &str) -> Comments {
        let Ok(df) = crate::syntax::parse(text) else {
            return Comments {
                texts: BTreeMap::new(),
                inside_instructions: Vec::new(),
            };
        };
        let mut texts = BTreeMap::new();
        let mut inside_instructions = Vec::new();
        for c in &df.comments {
            *texts.entry(df.comment_text(c).to_string()).or_insert(0) += 1;
            // Instructions are in file order and do not overlap.
            let next = df
                .instructions
                .partition_point(|i| i.span.start() <= c.span.start());
            let inside = next
                .checked_sub(1)
                .and_then(|i| df.instructions.get(i))
                .is_some_and(|i| c.span.start() < i.span.end());
            if inside {
                inside_instructions.push(c.span);
            }
        }
        Comments {
            texts,
            inside_instructions,
        }
    }

    /// A comment of this text that the fixed text has fewer of, if any.
    fn first_missing_from(&self, fixed: &Comments) -> Option<String> {
        self.texts
            .iter()
            .find(|(text, count)| fixed.texts.get(*text).copied().unwrap_or(0) < **count)
            .map(|(text, _)| text.clone())
    }
}

fn count_unsafe(diagnostics: &Diagnostics, options: FixOptions) -> usize {
    diagnostics
        .iter()
        .filter_map(|d| d.fix())
        .filter(|f| f.applicability == Applicability::Unsafe && !options.unsafe_fixes)
        .count()
}

/// The applicable fixes of one round: in order of position, skipping any fix that has
/// an edit conflicting with one already chosen (it gets its turn next round).
/// Fixes whose edits replace text overlapping one of `protected` (comments inside
/// instructions) are left out.
fn choose<'d>(
    diagnostics: &'d Diagnostics,
    options: FixOptions,
    protected: &[Span],
) -> Vec<Finding<'d>> {
    // Sorted spans, searched by position: a file of many fixes and many comments took
    // time proportional to their product. Protected spans (comments) do not overlap, nor
    // do the edits of fixes chosen so far, so among the spans that start before an edit
    // ends, the last one is the only one that can reach into it.
    let mut protected: Vec<(usize, usize)> =
        protected.iter().map(|c| (c.start(), c.end())).collect();
    protected.sort_unstable();
    let touches_protected = |e: EditRef<'_>| {
        let before_end = protected.partition_point(|&(start, _)| start < e.span.end());
        !e.span.is_empty()
            && before_end
                .checked_sub(1)
                .is_some_and(|i| e.span.start() < protected[i].1)
    };
    let mut candidates: Vec<Finding<'d>> = diagnostics
        .iter()
        .filter(|d| {
            d.fix().is_some_and(|f| {
                options.applies(f.applicability)
                    && f.edits().len() > 0
                    && !f.edits().any(touches_protected)
            })
        })
        .collect();
    candidates.sort_by_key(|d| {
        let first = d
            .fix()
            .and_then(|f| f.edits().map(|e| e.span.start()).min())
            .unwrap_or(0);
        (first, d.code(), d.span().start())
    });
    let mut taken = Taken::default();
    let mut chosen = Vec::new();
    for d in candidates {
        let Some(fix) = d.fix() else { continue };
        if fix.edits().any(|e| taken.clashes(e.span)) {
            continue;
        }
        for e in fix.edits() {
            taken.add(e.span);
        }
        chosen.push(d);
    }
    chosen
}

/// The spans of the edits chosen in a round, sorted. Edits of different fixes never
/// conflict ([`apply::conflicts`]) and a fix's own edits do not overlap, so among the
/// spans that start before an edit ends, the last one is the only one that can overlap
/// it: a clash is found in logarithmic time, not by a scan of every chosen edit.
#[derive(Default)]
struct Taken(std::collections::BTreeSet<(usize, usize)>);

impl Taken {
    fn add(&mut self, span: Span) {
        self.0.insert((span.start(), span.end()));
    }

    /// Whether an edit of `span` conflicts with a chosen one.
    fn clashes(&self, span: Span) -> bool {
        let same_start = self
            .0
            .range((span.start(), 0)..=(span.start(), usize::MAX))
            .next()
            .is_some();
        same_start
            || self
                .0
                .range(..(span.end(), 0))
                .next_back()
                .is_some_and(|&(start, end)| apply::conflicts(Span::new(start, end), span))
    }
}

fn count_by_message<'a>(
    diagnostics: impl Iterator<Item = Finding<'a>>,
) -> BTreeMap<(&'static str, &'a str), usize> {
    let mut m = BTreeMap::new();
    for d in diagnostics {
        *m.entry((d.code(), d.message())).or_default() += 1;
    }
    m
}

/// Each rule whose fixes were applied must have lost at least that many findings, and
/// each fixed finding (by its message) must be gone.
fn verify(
    before: &Diagnostics,
    chosen: &[Finding<'_>],
    after: &Diagnostics,
    lines: &LineIndex,
    after_lines: &LineIndex,
) -> Option<FixRejection> {
    let before_by_message = count_by_message(before.iter());
    let after_by_message = count_by_message(after.iter());
    let fixed_by_message = count_by_message(chosen.iter().copied());
    for d in chosen {
        let key = (d.code(), d.message());
        let was = before_by_message.get(&key).copied().unwrap_or(0);
        let now = after_by_message.get(&key).copied().unwrap_or(0);
        let fixed = fixed_by_message.get(&key).copied().unwrap_or(0);
        if now + fixed > was {
            return Some(FixRejection {
                code: Some(d.code()),
                line: Some(lines.line(d.span().start())),
                reason: format!(
                    "after the fix “{}” the finding is still reported: {}",
                    d.fix().map(|f| f.title).unwrap_or(""),
                    d.message()
                ),
            });
        }
    }
    let mut codes: Vec<&str> = chosen.iter().map(|d| d.code()).collect();
    codes.dedup();
    for code in codes {
        let was = before.iter().filter(|d| d.code() == code).count();
        let now = after.iter().filter(|d| d.code() == code).count();
        let fixed = chosen.iter().filter(|d| d.code() == code).count();
        if now + fixed > was {
            let new = after
                .iter()
                .find(|d| d.code() == code && !before.iter().any(|b| b.message() == d.message()));
            return Some(FixRejection {
                code: Some(code),
                line: new.map(|d| after_lines.line(d.span().start())),
                reason: match new {
                    Some(d) => format!("the fixes would add a new {code} finding: {}", d.message()),
                    None => format!("the fixes would add a new {code} finding"),
                },
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taken_spans_clash_exactly_as_a_scan_of_every_chosen_edit() {
        // Random edits (insertions and replacements) chosen the way a round chooses them,
        // checked against the pairwise test with every edit chosen before.
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n) as usize
        };
        for _ in 0..200 {
            let mut taken = Taken::default();
            let mut chosen: Vec<Span> = Vec::new();
            for _ in 0..60 {
                let start = next(200);
                let len = if next(3) == 0 { 0 } else { next(8) };
                let span = Span::new(start, start + len);
                let expected = chosen.iter().any(|t| apply::conflicts(*t, span));
                assert_eq!(taken.clashes(span), expected, "{span:?} after {chosen:?}");
                if !expected {
                    taken.add(span);
                    chosen.push(span);
                }
            }
        }
    }
    use crate::diagnostic::{Diagnostic, Edit, Fix};
    use crate::rules::pinning::unpinned_base_image::META;

    /// A fake rule: every `RUN x` line is a finding whose fix turns it into `replacement`.
    fn lint_with(replacement: &'static str) -> impl Fn(&str) -> Result<Diagnostics, ParseError> {
        move |text: &str| {
            crate::syntax::parse(text)?;
            let mut out = Vec::new();
            let mut at = 0;
            for line in text.split_inclusive('\n') {
                if line.trim_end() == "RUN x" {
                    let span = Span::new(at, at + 5);
                    out.push(Diagnostic::new(&META, span, "x").with_fix(Fix {
                        title: "replace x".into(),
                        applicability: Applicability::Safe,
                        edits: vec![Edit {
                            span,
                            replacement: replacement.into(),
                        }],
                    }));
                }
                at += line.len();
            }
            Ok(out.into())
        }
    }

    /// The real rules on one text, as the CLI runs them.
    fn lint_real(text: &str) -> Result<Diagnostics, ParseError> {
        crate::lint::lint_source(
            std::path::Path::new("Dockerfile"),
            text,
            None,
            None,
            &crate::lint::RuleOptions::new(),
        )
        .map(|l| l.diagnostics)
    }

    #[test]
    fn fixes_that_would_delete_a_comment_inside_an_instruction_are_not_applied() {
        // The comment line sits inside the RUN's continuation: removing the cleanup
        // command (`apt-get clean echo done`) would take the comment with it.
        let source = "FROM debian:12\n\
            RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\\n\
            \x20   --mount=type=cache,target=/var/lib/apt,sharing=locked \\\n\
            \x20   apt-get update && apt-get install -y curl \\\n\
            \x20   && apt-get clean \\\n\
            \n\
            # keep me\n\
            \x20   echo done\n";
        let before = lint_real(source).expect("parses");
        assert!(
            before
                .iter()
                .any(|d| d.fix().is_some() && d.code() == "LL202"),
            "{before:#?}"
        );
        let outcome =
            fix_source(source, &lint_real, FixOptions { unsafe_fixes: true }).expect("parses");
        assert!(outcome.fixed.contains("# keep me"), "{}", outcome.fixed);
        assert!(outcome.applied.iter().all(|a| a.code != "LL202"));
    }

    #[test]
    fn applies_every_fix_and_is_idempotent() {
        let lint = lint_with("RUN y");
        let out = fix_source("FROM a\nRUN x\nRUN x\n", &lint, FixOptions::default()).expect("ok");
        assert_eq!(out.fixed, "FROM a\nRUN y\nRUN y\n");
        assert_eq!(out.applied.len(), 2);
        let again = fix_source(&out.fixed, &lint, FixOptions::default()).expect("ok");
        assert!(!again.changed());
        assert_eq!(again.fixed, out.fixed);
    }

    #[test]
    fn leaves_the_text_untouched_when_the_fix_would_not_parse() {
        let lint = lint_with("RUN <<EOF");
        let src = "FROM a\nRUN x\n";
        let out = fix_source(src, &lint, FixOptions::default()).expect("ok");
        assert_eq!(out.fixed, src);
        let why = out.rejected.expect("rejected").to_string();
        assert!(why.contains("would not parse"), "{why}");
        assert!(why.contains("unterminated heredoc"), "{why}");
    }

    #[test]
    fn leaves_the_text_untouched_when_the_finding_stays() {
        let lint = lint_with("RUN x");
        let src = "FROM a\nRUN x\n";
        let out = fix_source(src, &lint, FixOptions::default()).expect("ok");
        assert_eq!(out.fixed, src);
        assert!(out
            .rejected
            .expect("rejected")
            .to_string()
            .contains("still reported"));
    }

    #[test]
    fn unsafe_fixes_wait_for_the_option() {
        let lint = |text: &str| {
            let mut d = lint_with("RUN y")(text)?.into_vec();
            for x in &mut d {
                if let Some(f) = x.fix.as_mut() {
                    f.applicability = Applicability::Unsafe;
                }
            }
            Ok(Diagnostics::from(d))
        };
        let src = "FROM a\nRUN x\n";
        let out = fix_source(src, &lint, FixOptions::default()).expect("ok");
        assert_eq!(out.fixed, src);
        assert_eq!(out.unsafe_available, 1);
        let out = fix_source(src, &lint, FixOptions { unsafe_fixes: true }).expect("ok");
        assert_eq!(out.fixed, "FROM a\nRUN y\n");
    }
}
