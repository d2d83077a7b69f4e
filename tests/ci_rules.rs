//! CI build-cache rules (LL6xx): every rule's documented examples, its fixture repositories,
//! suppression comments and the `layerlint ci` report.
//!
//! A rule doc's `## Example` and `## Use instead` sections each describe one small
//! repository: every fenced `yaml`, `hcl`, `json` or `dockerfile` block is a file, named by
//! its `title="…"` (a `yaml` block without a title is `.github/workflows/ci.yml`, an `hcl`
//! one `docker-bake.hcl`). Fixtures are folders `tests/fixtures/<CODE>/bad*` and `good*`,
//! each a repository with `.github/workflows/`, bake files and Dockerfiles.

use std::path::{Path, PathBuf};

use layerlint::ci::{self, report};
use layerlint::diagnostic::Diagnostic;
use layerlint::output::{Emitter, FileReport, PrettyEmitter, Report};
use layerlint::rules::{self, Category, RuleMeta};

fn ci_metas() -> Vec<&'static RuleMeta> {
    rules::registry()
        .iter()
        .map(|r| r.meta())
        .filter(|m| m.category == Category::CiCache)
        .collect()
}

/// `(relative path, source)` of the files of one doc section.
fn doc_files(doc: &str, heading: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_section = false;
    let mut block: Option<(String, String)> = None;
    for line in doc.lines() {
        if let Some((path, text)) = block.as_mut() {
            if line.starts_with("```") {
                out.push((std::mem::take(path), std::mem::take(text)));
                block = None;
            } else {
                text.push_str(line);
                text.push('\n');
            }
            continue;
        }
        if let Some(h) = line.strip_prefix("## ") {
            in_section = h.trim() == heading;
            continue;
        }
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        if !in_section {
            continue;
        }
        let mut parts = info.splitn(2, ' ');
        let lang = parts.next().unwrap_or("");
        let title = parts
            .next()
            .and_then(|rest| rest.trim().strip_prefix("title="))
            .map(|t| t.trim_matches('"').to_string());
        let default = match lang {
            "yaml" => ".github/workflows/ci.yml",
            "hcl" => "docker-bake.hcl",
            "json" => "docker-bake.json",
            "dockerfile" => "Dockerfile",
            _ => continue,
        };
        block = Some((title.unwrap_or_else(|| default.to_string()), String::new()));
    }
    out
}

fn write_repo(dir: &Path, files: &[(String, String)]) {
    for (rel, text) in files {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

/// Lints the CI files of the repository at `root` with only `code` enabled; paths in the
/// result are relative to `root`.
fn lint_root(root: &Path, code: &str) -> Vec<(String, String, Vec<Diagnostic>)> {
    let found = ci::discover_ci_files(&[root.to_path_buf()]);
    let files: Vec<(PathBuf, String)> = found
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            (p, text)
        })
        .collect();
    let only = |c: &str| c == code;
    ci::lint_repo(&files, Some(root), &only)
        .into_iter()
        .zip(files)
        .map(|((_, result), (path, source))| {
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let diags = result.unwrap_or_else(|e| panic!("{rel}: {e}"));
            (rel, source, diags)
        })
        .collect()
}

fn fires(results: &[(String, String, Vec<Diagnostic>)], code: &str) -> bool {
    results
        .iter()
        .any(|(_, _, d)| d.iter().any(|d| d.code() == code))
}

fn messages(results: &[(String, String, Vec<Diagnostic>)]) -> Vec<String> {
    results
        .iter()
        .flat_map(|(p, _, d)| d.iter().map(move |d| format!("{p}: {}", d.message)))
        .collect()
}

#[test]
fn documented_bad_examples_fire_and_good_examples_are_silent() {
    for m in ci_metas() {
        for (heading, should_fire) in [("Example", true), ("Use instead", false)] {
            let files = doc_files(m.doc, heading);
            assert!(
                files.iter().any(|(p, _)| !p.ends_with("Dockerfile")),
                "{}: no yaml/hcl/json block under ## {heading}",
                m.code
            );
            let dir = tempfile::tempdir().expect("tempdir");
            write_repo(dir.path(), &files);
            let results = lint_root(dir.path(), m.code);
            assert_eq!(
                fires(&results, m.code),
                should_fire,
                "{}: ## {heading} {}: {:?}",
                m.code,
                if should_fire {
                    "does not fire"
                } else {
                    "fires"
                },
                messages(&results)
            );
        }
    }
}

fn fixture_dirs(code: &str) -> Vec<(String, PathBuf)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(code);
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .filter(|e| e.path().is_dir())
                .map(|e| (e.file_name().to_string_lossy().to_string(), e.path()))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn render(results: &[(String, String, Vec<Diagnostic>)], metas: &[&'static RuleMeta]) -> String {
    let report = Report::new(
        results
            .iter()
            .map(|(p, s, d)| FileReport::new(p.clone(), s.clone(), d.clone()))
            .collect(),
    );
    let mut buf = Vec::new();
    PrettyEmitter { color: false }
        .emit(&report, metas, &mut buf)
        .expect("render");
    String::from_utf8_lossy(&buf).to_string()
}

#[test]
fn fixtures_fire_when_bad_and_stay_silent_when_good() {
    for m in ci_metas() {
        let fx = fixture_dirs(m.code);
        assert!(
            fx.iter().any(|(n, _)| n.starts_with("bad"))
                && fx.iter().any(|(n, _)| n.starts_with("good")),
            "{}: needs bad* and good* fixture folders in tests/fixtures/{}/",
            m.code,
            m.code
        );
        let mut rendered = String::new();
        for (name, dir) in fx {
            let results = lint_root(&dir, m.code);
            if name.starts_with("bad") {
                assert!(fires(&results, m.code), "{}: {name} should fire", m.code);
            } else {
                assert!(
                    !fires(&results, m.code),
                    "{}: {name} should be silent, got {:?}",
                    m.code,
                    messages(&results)
                );
            }
            rendered.push_str(&format!("===== {name} =====\n"));
            rendered.push_str(&render(&results, &[m]));
        }
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("ci_fixtures__{}", m.code), rendered);
        });
    }
}

/// Findings of every CI rule on one fixture repository.
fn lint_all(root: &Path) -> (report::CiReport, Vec<(String, String, Vec<Diagnostic>)>) {
    let found = ci::discover_ci_files(&[root.to_path_buf()]);
    let files: Vec<(PathBuf, String)> = found
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(root).unwrap_or(p).to_path_buf();
            (rel, std::fs::read_to_string(p).expect("readable"))
        })
        .collect();
    let (report, results) = with_cwd(root, || ci::lint_and_report(&files, None, &|_| true));
    let results = results
        .into_iter()
        .zip(files)
        .map(|((p, r), (_, s))| (p, s, r.expect("parses")))
        .collect();
    (report, results)
}

/// Relative display paths are read from the working folder, as the CLI does.
fn with_cwd<T>(dir: &Path, f: impl FnOnce() -> T) -> T {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let before = std::env::current_dir().expect("cwd");
    std::env::set_current_dir(dir).expect("chdir");
    let out = f();
    std::env::set_current_dir(before).expect("chdir back");
    out
}

fn report_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/LL60-report")
}

#[test]
fn report_lists_every_build_with_its_caches_and_findings() {
    let (report, results) = lint_all(&report_fixture());
    let text = report::render_text(&report);
    let json = report::render_json(&report);
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("ci_report_text", text);
        insta::assert_snapshot!("ci_report_json", json);
        insta::assert_snapshot!("ci_report_findings", render(&results, &ci_metas()));
    });
}

#[test]
fn suppression_comments_silence_a_step_and_a_file() {
    let wf = "on: [push]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      # layerlint ignore=build-without-cache -- smoke test\n      - name: one\n        uses: docker/build-push-action@v6\n      - uses: docker/build-push-action@v6\n        with:\n          tags: x/two\n";
    let files = vec![(PathBuf::from(".github/workflows/a.yml"), wf.to_string())];
    let out = ci::lint_repo(&files, Some(Path::new(".")), &|c| c == "LL601");
    let diags = out[0].1.as_ref().expect("parses");
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(
        wf[diags[0].span.start()..].starts_with("uses: docker/build-push-action@v6\n        with")
    );

    let global = format!("# layerlint global ignore=LL6\n{wf}");
    let files = vec![(PathBuf::from(".github/workflows/a.yml"), global)];
    let out = ci::lint_repo(&files, Some(Path::new(".")), &|c| c == "LL601");
    assert!(out[0].1.as_ref().expect("parses").is_empty());
}

#[test]
fn parse_errors_name_the_file_and_line() {
    let files = vec![(
        PathBuf::from(".github/workflows/broken.yml"),
        "on: [push\njobs: {}\n".to_string(),
    )];
    let out = ci::lint_repo(&files, None, &|_| true);
    let err = out[0].1.as_ref().expect_err("invalid YAML");
    assert_eq!(out[0].0, ".github/workflows/broken.yml");
    assert!(err.line >= 1 && err.message.contains("YAML"), "{err:?}");
}

#[test]
fn fixes_apply_to_the_written_values() {
    let dir = report_fixture();
    let (_, results) = lint_all(&dir);
    let (_, source, diags) = results
        .iter()
        .find(|(p, _, _)| p.ends_with("main.yml"))
        .expect("main.yml");
    let fix = diags
        .iter()
        .find(|d| d.code() == "LL603")
        .and_then(|d| d.fix.clone())
        .expect("LL603 fix");
    let mut fixed = source.clone();
    for e in fix.edits.iter().rev() {
        fixed.replace_range(e.span.range(), &e.replacement);
    }
    assert!(
        fixed.contains("cache-to: type=gha,scope=api,mode=max\n"),
        "{fixed}"
    );
}

#[test]
fn discovery_finds_workflows_and_bake_files_only() {
    let found = ci::discover_ci_files(&[report_fixture()]);
    let names: Vec<String> = found
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string()
        })
        .collect();
    assert_eq!(names, vec!["main.yml", "release.yml", "docker-bake.hcl"]);
    assert!(ci::is_ci_file(Path::new("x/.github/workflows/a.yaml")));
    assert!(!ci::is_ci_file(Path::new("api/Dockerfile")));
}
