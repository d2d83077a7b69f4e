//! Inline `# layerlint ignore=` comments.

mod settings_support;

use layerlint::diagnostic::Diagnostic;
use layerlint::settings::suppress::{apply, Suppressed};
use layerlint::span::{LineIndex, Span};
use settings_support::{codes, rules, LL101, LL201, LL301};

/// Runs suppression over `source`, treating `#` lines as comments and any other
/// non-blank line as a one-line instruction, except a trailing `\` continues it.
fn run(source: &str, findings: &[(&'static layerlint::rules::RuleMeta, &str)]) -> Suppressed {
    let lines = LineIndex::new(source);
    let mut comments = Vec::new();
    let mut instructions: Vec<(u32, u32)> = Vec::new();
    let mut continued = false;
    for (i, text) in source.lines().enumerate() {
        let line = i + 1;
        let trimmed = text.trim();
        if let Some(comment) = trimmed.strip_prefix('#') {
            comments.push((line, comment.trim()));
        } else if continued {
            if let Some(last) = instructions.last_mut() {
                last.1 = line as u32;
            }
        } else if !trimmed.is_empty() {
            instructions.push((line as u32, line as u32));
        }
        if !trimmed.starts_with('#') {
            continued = trimmed.ends_with('\\');
        }
    }
    let diagnostics: Vec<Diagnostic> = findings
        .iter()
        .map(|(meta, needle)| {
            let start = source.find(needle).expect("needle in source");
            Diagnostic::new(meta, Span::new(start, start + needle.len()), "finding")
        })
        .collect();
    apply(diagnostics, &comments, &instructions, &lines, &rules())
}

#[test]
fn silences_listed_codes_on_the_next_instruction_only() {
    let src = "FROM node:20\n# layerlint ignore=LL101\nCOPY . .\nCOPY src src\n";
    let out = run(
        src,
        &[
            (&LL101, "COPY . ."),
            (&LL201, "COPY . ."),
            (&LL101, "COPY src"),
        ],
    );
    assert_eq!(codes(&out.diagnostics), ["LL201", "LL101"]);
    assert!(out.invalid.is_empty());
}

#[test]
fn accepts_names_several_codes_and_a_reason() {
    let src = "# layerlint ignore=volatile-copy-before-install, LL201 -- tiny context, no cache needed\nCOPY . .\n";
    let out = run(src, &[(&LL101, "COPY"), (&LL201, "COPY"), (&LL301, ". .")]);
    assert_eq!(codes(&out.diagnostics), ["LL301"]);
}

#[test]
fn any_line_of_the_comment_run_above_counts() {
    let src = "# layerlint ignore=LL101\n# the context is filtered by .dockerignore\nCOPY . .\n";
    assert!(run(src, &[(&LL101, "COPY")]).diagnostics.is_empty());
}

#[test]
fn a_blank_line_detaches_the_comment() {
    let src = "# layerlint ignore=LL101\n\nCOPY . .\n";
    let out = run(src, &[(&LL101, "COPY")]);
    assert_eq!(codes(&out.diagnostics), ["LL101"]);
    assert_eq!(out.invalid.len(), 1);
    assert_eq!(out.invalid[0].line, 1);
}

#[test]
fn covers_findings_anywhere_in_a_continued_instruction() {
    let src = "# layerlint ignore=LL201\nRUN apt-get update && \\\n    apt-get install -y curl\nRUN pip install x\n";
    let out = run(src, &[(&LL201, "apt-get install"), (&LL201, "pip install")]);
    assert_eq!(out.diagnostics.len(), 1);
    assert_eq!(
        out.diagnostics.get(0).map(|d| d.span().start()),
        src.find("pip")
    );
}

#[test]
fn a_comment_after_the_instruction_does_not_silence_it() {
    let src = "COPY . .\n# layerlint ignore=LL101\n";
    let out = run(src, &[(&LL101, "COPY")]);
    assert_eq!(codes(&out.diagnostics), ["LL101"]);
    assert_eq!(out.invalid.len(), 1);
}

#[test]
fn global_ignore_silences_the_whole_file_from_anywhere() {
    let src =
        "FROM node:20\nCOPY . .\n\n# layerlint global ignore=LL301,LL1 -- pinned by renovate\n";
    let out = run(
        src,
        &[(&LL301, "node:20"), (&LL101, "COPY"), (&LL201, "COPY")],
    );
    assert_eq!(codes(&out.diagnostics), ["LL201"]);
}

#[test]
fn unknown_codes_are_reported_and_the_known_ones_still_apply() {
    let src = "# layerlint ignore=LL101,LL999,no-such-rule\nCOPY . .\n";
    let out = run(src, &[(&LL101, "COPY")]);
    assert!(out.diagnostics.is_empty());
    assert_eq!(out.invalid.len(), 2);
    assert!(out.invalid.iter().all(|i| i.line == 1));
    assert!(
        out.invalid[0].message.contains("LL999"),
        "{}",
        out.invalid[0].message
    );
}

#[test]
fn malformed_directives_are_reported_and_prose_is_left_alone() {
    let src = "# layerlint ignore LL101\n# layerlint global\n# layerlint ignore=\n# layerlint runs in CI\n# layerlintignore=LL101\nCOPY . .\n";
    let out = run(src, &[(&LL101, "COPY")]);
    assert_eq!(codes(&out.diagnostics), ["LL101"]);
    assert_eq!(
        out.invalid.iter().map(|i| i.line).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

#[test]
fn hadolint_pragmas_are_not_ours() {
    let src = "# hadolint ignore=LL101\nCOPY . .\n";
    assert_eq!(run(src, &[(&LL101, "COPY")]).diagnostics.len(), 1);
}
