//! Every rule fix, checked on its fixtures (`tests/fixtures/fix/<CODE>-<case>/`):
//! a before/after snapshot, idempotence (a second pass changes nothing), a round trip
//! (re-linting shows no finding of the rule), and byte preservation (CRLF, the escape
//! character, comments). Cases whose name contains `unsafe` apply unsafe fixes; cases
//! named `nofix-<CODE>-…` are findings for which no fix must be offered.

use std::path::{Path, PathBuf};

use layerlint::diagnostic::{Diagnostic, Diagnostics};
use layerlint::fix::{self, FixOptions, FixOutcome};
use layerlint::lint::{lint_source, RuleOptions};
use layerlint::syntax::{self, ParseError};

struct Case {
    name: String,
    code: String,
    dir: PathBuf,
    options: FixOptions,
}

fn cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fix");
    let mut out: Vec<Case> = std::fs::read_dir(&root)
        .expect("tests/fixtures/fix")
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().starts_with("nofix-"))
        .map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            Case {
                code: name.split('-').next().unwrap_or_default().to_string(),
                options: FixOptions {
                    unsafe_fixes: name.contains("unsafe"),
                },
                dir: e.path(),
                name,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn lint<'a>(
    code: &'a str,
    dockerfile: &'a Path,
    context: &'a Path,
) -> impl Fn(&str) -> Result<Diagnostics, ParseError> + 'a {
    move |text: &str| {
        let only = |c: &'static str| c == code;
        lint_source(
            dockerfile,
            text,
            Some(context),
            Some(&only),
            &RuleOptions::new(),
        )
        .map(|l| l.diagnostics)
    }
}

fn fix_case(case: &Case) -> (String, FixOutcome) {
    let dockerfile = case.dir.join("Dockerfile");
    let source = std::fs::read_to_string(&dockerfile).expect("fixture readable");
    let lint = lint(&case.code, &dockerfile, &case.dir);
    let outcome = fix::fix_source(&source, &lint, case.options).expect("fixture parses");
    (source, outcome)
}

fn visible(text: &str) -> String {
    text.replace("\r\n", "␍\n")
}

#[test]
fn fixes_match_their_snapshots() {
    for case in cases() {
        let (source, outcome) = fix_case(&case);
        assert!(
            outcome.rejected.is_none(),
            "{}: {:?}",
            case.name,
            outcome.rejected
        );
        let mut shown = String::new();
        for a in &outcome.applied {
            shown.push_str(&format!(
                "applied {} (line {}): {}\n",
                a.code, a.line, a.title
            ));
        }
        shown.push_str("--- diff ---\n");
        shown.push_str(&visible(&fix::unified_diff(
            "Dockerfile",
            &source,
            &outcome.fixed,
        )));
        shown.push_str("--- after ---\n");
        shown.push_str(&visible(&outcome.fixed));
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("fix_{}", case.name), shown);
        });
    }
}

#[test]
fn fixing_twice_changes_nothing() {
    for case in cases() {
        let (_, first) = fix_case(&case);
        let dockerfile = case.dir.join("Dockerfile");
        let lint = lint(&case.code, &dockerfile, &case.dir);
        let second = fix::fix_source(&first.fixed, &lint, case.options).expect("parses");
        assert!(
            second.applied.is_empty(),
            "{}: {:?}",
            case.name,
            second.applied
        );
        assert_eq!(second.fixed, first.fixed, "{}", case.name);
    }
}

#[test]
fn fixed_files_lint_clean_for_the_fixed_rule() {
    for case in cases() {
        let (source, outcome) = fix_case(&case);
        let dockerfile = case.dir.join("Dockerfile");
        let lint = lint(&case.code, &dockerfile, &case.dir);
        let before = lint(&source).expect("parses");
        let after = lint(&outcome.fixed).expect("fixed text parses");
        let fixable_before = before
            .iter()
            .filter(|d| {
                d.fix()
                    .is_some_and(|f| case.options.applies(f.applicability))
            })
            .count();
        assert!(fixable_before > 0, "{}: nothing to fix", case.name);
        assert!(
            after.iter().all(|d| d.code() != case.code),
            "{}: still reports {:?}",
            case.name,
            after.iter().map(|d| d.message()).collect::<Vec<_>>()
        );
    }
}

#[test]
fn untouched_bytes_stay_identical() {
    for case in cases() {
        let (source, outcome) = fix_case(&case);
        let before = syntax::parse(&source).expect("parses");
        let after = syntax::parse(&outcome.fixed).expect("fixed text parses");
        assert_eq!(after.escape, before.escape, "{}", case.name);
        assert_eq!(after.directives, before.directives, "{}", case.name);
        for c in &before.comments {
            let text = before.comment_text(c);
            assert!(
                after.comments.iter().any(|a| after.comment_text(a) == text),
                "{}: lost comment {:?}",
                case.name,
                text
            );
        }
        if source.contains("\r\n") {
            let bare_lf = outcome
                .fixed
                .match_indices('\n')
                .filter(|(i, _)| !outcome.fixed[..*i].ends_with('\r'))
                .count();
            assert_eq!(bare_lf, 0, "{}: a line lost its CRLF", case.name);
        }
        // Each original line is still there, possibly with flags inserted after its keyword
        // or with one stretch cut out of it (a removed cleanup command or flag).
        for line in source.lines() {
            let kept = outcome.fixed.lines().any(|l| {
                l == line
                    || {
                        let (kw, rest) = line.trim_start().split_once(' ').unwrap_or((line, ""));
                        l.trim_start().starts_with(kw) && l.ends_with(rest)
                    }
                    || is_line_with_one_cut(line, l)
            });
            assert!(
                kept,
                "{}: line {:?} changed beyond a flag insertion",
                case.name, line
            );
        }
    }
}

/// Whether `after` is `before` with one contiguous piece removed.
fn is_line_with_one_cut(before: &str, after: &str) -> bool {
    if after.len() >= before.len() || after.trim().is_empty() {
        return false;
    }
    let prefix = before
        .bytes()
        .zip(after.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = before
        .bytes()
        .rev()
        .zip(after.bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    prefix + suffix >= after.len()
}

#[test]
fn backtick_escape_keeps_its_continuation() {
    let case = cases()
        .into_iter()
        .find(|c| c.name == "LL201-backtick-escape")
        .expect("case");
    let (_, outcome) = fix_case(&case);
    assert!(outcome
        .fixed
        .contains("pip install `\n      -r requirements.txt"));
    assert!(outcome.fixed.contains("  run --mount=type=cache"));
}

#[test]
fn unsafe_fixes_need_the_option() {
    for case in cases().into_iter().filter(|c| c.name.contains("unsafe")) {
        let dockerfile = case.dir.join("Dockerfile");
        let source = std::fs::read_to_string(&dockerfile).expect("readable");
        let lint = lint(&case.code, &dockerfile, &case.dir);
        let outcome = fix::fix_source(&source, &lint, FixOptions::default()).expect("parses");
        assert!(
            outcome.applied.iter().all(|a| a.code != case.code) || case.code == "LL201",
            "{}: applied without --unsafe-fixes",
            case.name
        );
    }
}

#[test]
fn a_fix_that_would_not_parse_leaves_the_text_untouched() {
    use layerlint::diagnostic::{Applicability, Edit, Fix};
    use layerlint::span::Span;
    let meta = layerlint::rules::find("LL201").expect("rule").meta();
    let lint = |text: &str| -> Result<Diagnostics, ParseError> {
        syntax::parse(text)?;
        Ok(
            vec![Diagnostic::new(meta, Span::new(7, 10), "x").with_fix(Fix {
                title: "break it".into(),
                applicability: Applicability::Safe,
                edits: vec![Edit {
                    span: Span::new(7, 10),
                    replacement: "RUN <<EOF".into(),
                }],
            })]
            .into(),
        )
    };
    let src = "FROM a\nRUN x\n";
    let out = fix::fix_source(src, &lint, FixOptions::default()).expect("ok");
    assert_eq!(out.fixed, src);
    let why = out.rejected.expect("rejected").to_string();
    assert!(
        why.contains("would not parse") && why.contains("line 2"),
        "{why}"
    );
}

#[test]
fn no_fix_is_offered_when_it_cannot_be_made_safe_enough() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fix");
    let mut seen = 0;
    for entry in std::fs::read_dir(&root)
        .expect("fixtures")
        .filter_map(|e| e.ok())
    {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(rest) = name.strip_prefix("nofix-") else {
            continue;
        };
        seen += 1;
        let code = rest.split('-').next().unwrap_or_default();
        let dockerfile = entry.path().join("Dockerfile");
        let source = std::fs::read_to_string(&dockerfile).expect("readable");
        let found = lint(code, &dockerfile, &entry.path())(&source).expect("parses");
        assert!(
            found.iter().any(|d| d.code() == code),
            "{name}: should fire"
        );
        assert!(
            found.iter().all(|d| d.code() != code || d.fix().is_none()),
            "{name}: offers a fix"
        );
    }
    assert!(seen > 0);
}
