//! Rule specifications: every rule's documented examples, and its fixture files.
//!
//! Fixtures live in `tests/fixtures/<CODE>/`: files named `bad*` must make the rule fire,
//! files named `good*` must not. A fixture may be a folder holding a `Dockerfile` and its
//! build context (e.g. a `.dockerignore`). The rendered findings of every fixture are
//! snapshot-tested in `snapshots/`.

use std::path::{Path, PathBuf};

use layerlint::lint::{lint_source, RuleOptions};
use layerlint::output::{Emitter, FileReport, PrettyEmitter, Report};
use layerlint::rules::{self, RuleMeta};

fn lint_with(
    code: &str,
    path: &Path,
    source: &str,
    context: Option<&Path>,
) -> Vec<layerlint::diagnostic::Diagnostic> {
    let only = |c: &'static str| c == code;
    let linted = lint_source(path, source, context, Some(&only), &RuleOptions::new())
        .unwrap_or_else(|e| panic!("{}: parse error: {e}", path.display()));
    linted.diagnostics.into_vec()
}

/// The ```dockerfile blocks under a `## <heading>` of a rule doc, each with the
/// ```dockerignore block written before it in that section, if any.
fn doc_blocks(doc: &str, heading: &str) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let mut in_section = false;
    let mut block: Option<String> = None;
    let mut is_ignore = false;
    let mut ignore: Option<String> = None;
    for line in doc.lines() {
        if let Some(b) = block.as_mut() {
            if line.starts_with("```") {
                if is_ignore {
                    ignore = Some(std::mem::take(b));
                } else {
                    out.push((std::mem::take(b), ignore.take()));
                }
                block = None;
            } else {
                b.push_str(line);
                b.push('\n');
            }
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            in_section = h.trim() == heading;
            continue;
        }
        let fence = line.trim_start();
        if in_section && (fence == "```dockerfile" || fence == "```dockerignore") {
            is_ignore = fence == "```dockerignore";
            block = Some(String::new());
        }
    }
    out
}

/// An empty build context for a doc example, holding the example's `.dockerignore` if it has one.
fn example_context(dockerignore: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary context folder");
    if let Some(text) = dockerignore {
        std::fs::write(dir.path().join(".dockerignore"), text).expect("write .dockerignore");
    }
    dir
}

fn metas() -> Vec<&'static RuleMeta> {
    rules::registry().iter().map(|r| r.meta()).collect()
}

/// Rules that lint Dockerfiles; the CI rules (LL6xx) have their own harness in `tests/ci_rules.rs`.
fn dockerfile_metas() -> Vec<&'static RuleMeta> {
    metas()
        .into_iter()
        .filter(|m| m.category != rules::Category::CiCache)
        .collect()
}

#[test]
fn every_rule_has_a_doc_and_every_doc_a_rule() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs: Vec<String> = std::fs::read_dir(root.join("rules"))
        .expect("rules/ folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".md"))
        .map(|n| n.trim_end_matches(".md").to_string())
        .collect();
    docs.sort();
    let mut codes: Vec<String> = metas().iter().map(|m| m.code.to_string()).collect();
    codes.sort();
    assert_eq!(docs, codes, "rules/*.md and the registry differ");
    for m in metas() {
        for heading in [
            "What it flags",
            "Why it costs build time",
            "Example",
            "Use instead",
            "Options",
        ] {
            assert!(
                m.doc.contains(&format!("## {heading}")),
                "{} doc lacks the `## {heading}` section",
                m.code
            );
        }
        assert!(
            m.doc.starts_with(&format!("# {} `{}`", m.code, m.name)),
            "{} doc title",
            m.code
        );
    }
}

#[test]
fn codes_and_names_are_unique() {
    let ms = metas();
    for (i, a) in ms.iter().enumerate() {
        for b in &ms[i + 1..] {
            assert_ne!(a.code, b.code);
            assert_ne!(a.name, b.name);
        }
        assert!(a.code.len() == 5 && a.code.starts_with("LL"), "{}", a.code);
    }
}

#[test]
fn documented_bad_examples_fire_and_good_examples_are_silent() {
    for m in dockerfile_metas() {
        let bad = doc_blocks(m.doc, "Example");
        assert!(
            !bad.is_empty(),
            "{}: no dockerfile block under ## Example",
            m.code
        );
        for (i, (src, ignore)) in bad.iter().enumerate() {
            let context = example_context(ignore.as_deref());
            let dockerfile = context.path().join("Dockerfile");
            let diags = lint_with(m.code, &dockerfile, src, Some(context.path()));
            assert!(
                diags.iter().any(|d| d.code() == m.code),
                "{}: bad example #{i} does not fire:\n{src}",
                m.code
            );
        }
        let good = doc_blocks(m.doc, "Use instead");
        assert!(
            !good.is_empty(),
            "{}: no dockerfile block under ## Use instead",
            m.code
        );
        for (i, (src, ignore)) in good.iter().enumerate() {
            let context = example_context(ignore.as_deref());
            let dockerfile = context.path().join("Dockerfile");
            let diags = lint_with(m.code, &dockerfile, src, Some(context.path()));
            assert!(
                diags.iter().all(|d| d.code() != m.code),
                "{}: good example #{i} fires: {:?}\n{src}",
                m.code,
                diags.iter().map(|d| &d.message).collect::<Vec<_>>()
            );
        }
    }
}

struct Fixture {
    name: String,
    dockerfile: PathBuf,
    context: PathBuf,
}

fn fixtures(code: &str) -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(code);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<Fixture> = entries
        .filter_map(|e| e.ok())
        .map(|e| {
            let path = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if path.is_dir() {
                Fixture {
                    name,
                    dockerfile: path.join("Dockerfile"),
                    context: path,
                }
            } else {
                Fixture {
                    name,
                    context: dir.clone(),
                    dockerfile: path,
                }
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[test]
fn fixtures_fire_when_bad_and_stay_silent_when_good() {
    for m in dockerfile_metas() {
        let fx = fixtures(m.code);
        assert!(
            fx.iter().any(|f| f.name.starts_with("bad"))
                && fx.iter().any(|f| f.name.starts_with("good")),
            "{}: needs bad* and good* fixtures in tests/fixtures/{}/",
            m.code,
            m.code
        );
        let mut rendered = String::new();
        for f in fx {
            let source = std::fs::read_to_string(&f.dockerfile).expect("fixture readable");
            let diags = lint_with(m.code, &f.dockerfile, &source, Some(&f.context));
            let fires = diags.iter().any(|d| d.code() == m.code);
            if f.name.starts_with("bad") {
                assert!(fires, "{}: fixture {} should fire", m.code, f.name);
            } else if f.name.starts_with("good") {
                assert!(
                    !fires,
                    "{}: fixture {} should be silent, got {:?}",
                    m.code,
                    f.name,
                    diags.iter().map(|d| &d.message).collect::<Vec<_>>()
                );
            }
            let report = Report::new(vec![FileReport::new(f.name.clone(), source, diags)]);
            let mut buf = Vec::new();
            PrettyEmitter { color: false }
                .emit(&report, &[m], &mut buf)
                .expect("render");
            rendered.push_str(&format!("===== {} =====\n", f.name));
            rendered.push_str(&String::from_utf8_lossy(&buf));
        }
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("fixtures__{}", m.code), rendered);
        });
    }
}
