//! What must hold for every input, whatever it is: the bodies of the fuzz targets.
//!
//! The fuzz targets call these functions, and the crasher regression tests and the
//! property tests include this file too, so a minimised crasher is replayed through
//! exactly the checks that found it.

use std::ops::Range;
use std::path::Path;

use layerlint::fix::{self, FixOptions};
use layerlint::lint::{self, RuleOptions};
use layerlint::output::{FileError, FileReport, Format, Report};
use layerlint::rules::{self, RuleMeta};
use layerlint::settings::{CliOverrides, Settings};
use layerlint::shell::{self, Script, ShellWord};
use layerlint::span::Span;
use layerlint::syntax::{self, Args, Dockerfile, Instruction};

/// Fuzzer bytes as text. Dockerfiles are UTF-8 and the CLI rejects anything else before
/// parsing, so invalid sequences are replaced rather than discarded: every input still
/// reaches the parser.
pub fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// The parser never panics; when it accepts the input, the tree reproduces it byte for
/// byte and every span lies inside it on char boundaries. When it rejects the input,
/// the error points inside it.
pub fn parse(source: &str) {
    match syntax::parse(source) {
        Ok(df) => {
            assert_eq!(
                df.reconstruct(),
                source,
                "the tree does not reproduce the input"
            );
            for (what, span) in dockerfile_spans(&df) {
                assert_span_in(source, what, span);
            }
            for instruction in &df.instructions {
                for mount in instruction.mounts() {
                    assert_span_in(source, "mount", mount.span);
                }
            }
            let _ = syntax::buildkit_dump(&df);
        }
        Err(e) => {
            assert_span_in(source, "parse error", e.span);
            assert!(
                e.line >= 1 && e.column >= 1,
                "parse error at {}:{}",
                e.line,
                e.column
            );
        }
    }
}

/// Shell analysis never panics and every range it reports lies inside the script on
/// char boundaries.
pub fn shell(script: &str) {
    let analysed = shell::analyze(script);
    for (what, range) in script_ranges(&analysed) {
        assert_range_in(script, what, range);
    }
    let _ = shell::is_posix_shell(script);
    let _ = shell::is_windows_shell(script);
}

/// The whole pipeline: parse, graph, every rule, inline suppressions, then every output
/// format. Findings point inside the file; JSON and SARIF output is always valid JSON.
/// Returns the codes found (empty when the file does not parse).
pub fn lint(source: &str) -> Vec<&'static str> {
    let path = Path::new("Dockerfile");
    let (file_report, codes) =
        match lint::lint_source(path, source, None, None, &RuleOptions::new()) {
            Ok(linted) => {
                let diagnostics = default_settings().apply(linted.diagnostics, &linted.file);
                for d in &diagnostics {
                    assert_span_in(source, d.code(), d.span());
                    for label in d.labels() {
                        assert_span_in(source, "label", label.span);
                    }
                    for edit in d.fix().into_iter().flat_map(|f| f.edits()) {
                        assert_span_in(source, "fix edit", edit.span);
                    }
                }
                let codes = diagnostics.iter().map(|d| d.code()).collect();
                (FileReport::new("Dockerfile", source, diagnostics), codes)
            }
            Err(e) => {
                assert_span_in(source, "parse error", e.span);
                let error = FileError::parse(e.message, Some(e.line), Some(e.column));
                (FileReport::failed("Dockerfile", source, error), Vec::new())
            }
        };
    emit_every_format(&Report::new(vec![file_report]));
    codes
}

/// `--fix --unsafe-fixes` never panics and never corrupts or loses the file: a fix that
/// changes nothing leaves the text byte for byte, the fixed text parses, and every
/// comment of the input is still there.
pub fn fix(source: &str) {
    let settings = default_settings();
    let lint_text = |text: &str| {
        lint::lint_source(
            Path::new("Dockerfile"),
            text,
            None,
            None,
            &RuleOptions::new(),
        )
        .map(|l| settings.apply(l.diagnostics, &l.file))
    };
    let options = FixOptions { unsafe_fixes: true };
    let Ok(outcome) = fix::fix_source(source, &lint_text, options) else {
        return; // the input does not parse: nothing to fix
    };
    if !outcome.changed() {
        assert_eq!(outcome.fixed, source, "an unapplied fix changed the text");
        return;
    }
    let before = syntax::parse(source).expect("the input was linted, so it parses");
    let after = match syntax::parse(&outcome.fixed) {
        Ok(df) => df,
        Err(e) => panic!(
            "the fixed text does not parse ({} at {}:{}):\n{}",
            e.message, e.line, e.column, outcome.fixed
        ),
    };
    for comment in &before.comments {
        let text = before.comment_text(comment);
        assert!(
            after.comments.iter().any(|c| after.comment_text(c) == text),
            "the fix lost the comment {text:?}:\n{}",
            outcome.fixed
        );
    }
}

/// Renders `report` in every format; JSON and SARIF must parse back as JSON.
pub fn emit_every_format(report: &Report) {
    let metas: Vec<&'static RuleMeta> = rules::registry().iter().map(|r| r.meta()).collect();
    for format in Format::ALL {
        for color in [false, true] {
            let mut out = Vec::new();
            format
                .emitter(color)
                .emit(report, &metas, &mut out)
                .expect("writing to a Vec cannot fail");
            if format != Format::Pretty {
                if let Err(e) = serde_json::from_slice::<serde_json::Value>(&out) {
                    panic!(
                        "{format} output is not valid JSON ({e}):\n{}",
                        String::from_utf8_lossy(&out)
                    );
                }
            }
        }
    }
}

fn default_settings() -> Settings {
    Settings::from_cli(&CliOverrides::default()).expect("no selectors, so nothing to reject")
}

/// Every span the syntax tree holds, named by what it is.
pub fn dockerfile_spans(df: &Dockerfile) -> Vec<(&'static str, Span)> {
    let mut spans = Vec::new();
    for d in &df.directives {
        spans.push(("directive", d.span));
        spans.push(("directive value", d.value_span));
    }
    for c in &df.comments {
        spans.push(("comment", c.span));
    }
    for instruction in &df.instructions {
        instruction_spans(instruction, &mut spans);
    }
    spans
}

fn instruction_spans(i: &Instruction, spans: &mut Vec<(&'static str, Span)>) {
    spans.push(("instruction", i.span));
    spans.push(("instruction args", i.args_span()));
    spans.push(("keyword", i.keyword_span()));
    for f in i.flags() {
        spans.push(("flag", f.span));
        spans.push(("flag name", f.name_span));
        if let Some(v) = f.value_span {
            spans.push(("flag value", v));
        }
    }
    for h in i.heredocs() {
        spans.push(("heredoc marker", h.marker_span));
        spans.push(("heredoc body", h.body_span));
        spans.push(("heredoc end", h.end_span));
    }
    args_spans(&i.args, spans);
}

fn args_spans(args: &Args, spans: &mut Vec<(&'static str, Span)>) {
    match args {
        Args::Empty => {}
        Args::Shell(joined) => {
            spans.push(("shell text", joined.span()));
            for (_, piece) in joined.pieces() {
                spans.push(("shell text piece", piece));
            }
        }
        Args::Exec(words) | Args::Words(words) => {
            spans.extend(words.iter().map(|w| ("word", w.span)));
        }
        Args::Word(w) => spans.push(("word", w.span)),
        Args::KeyValues(pairs) => {
            for kv in pairs {
                spans.push(("key", kv.key.span));
                spans.push(("value", kv.value.span));
            }
        }
        Args::Onbuild(inner) => instruction_spans(inner, spans),
        Args::Healthcheck { kind, command } => {
            spans.push(("healthcheck kind", kind.span));
            args_spans(command, spans);
        }
    }
}

/// Every range a shell analysis reports, named by what it is.
pub fn script_ranges(script: &Script) -> Vec<(&'static str, Range<usize>)> {
    let mut ranges = Vec::new();
    let word = |w: &ShellWord| ("word", w.range.range());
    for c in &script.commands {
        ranges.push(("command", c.range.range()));
        ranges.extend(c.words.iter().map(word));
        ranges.extend(c.prefixes.iter().map(word));
        ranges.extend(
            c.assignments
                .iter()
                .map(|a| ("assignment", a.range.clone())),
        );
        for r in &c.redirects {
            ranges.push(("redirect", r.range.clone()));
            ranges.extend(r.target.iter().map(word));
        }
    }
    ranges
}

pub fn assert_span_in(source: &str, what: &str, span: Span) {
    assert_range_in(source, what, span.range());
}

pub fn assert_range_in(text: &str, what: &str, range: Range<usize>) {
    assert!(
        range.start <= range.end && range.end <= text.len(),
        "{what} {range:?} is outside the {} bytes of the input",
        text.len()
    );
    assert!(
        text.is_char_boundary(range.start) && text.is_char_boundary(range.end),
        "{what} {range:?} splits a character"
    );
}
