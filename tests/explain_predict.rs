//! Hand-checked rebuild predictions: multi-stage files and `COPY --from` chains,
//! `.dockerignore` exceptions, build-argument changes, and what cannot be known.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use layerlint::context::BuildContext;
use layerlint::explain::{self, Change, Prediction, Status};
use layerlint::{graph, syntax};

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/explain")
        .join(name)
}

fn predict(name: &str, paths: &[&str], args: &[(&str, &str)]) -> Prediction {
    let dir = case(name);
    let dockerfile = dir.join("Dockerfile");
    let source = std::fs::read_to_string(&dockerfile).expect("fixture");
    let file = syntax::parse(&source).expect("parses");
    let g = graph::build(&file);
    let context = BuildContext::load(&dir, Some(&dockerfile));
    let change = Change {
        paths: paths.iter().map(|p| p.to_string()).collect(),
        build_args: args
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
    };
    explain::predict(&file, &g, context.as_ref(), &change)
}

/// `(line, status)` of every instruction, in file order.
fn statuses(p: &Prediction) -> Vec<(usize, Status)> {
    p.stages
        .iter()
        .flat_map(|s| s.instructions.iter().map(|i| (i.line, i.status)))
        .collect()
}

fn reason(p: &Prediction, line: usize) -> String {
    p.stages
        .iter()
        .flat_map(|s| s.instructions.iter())
        .find(|i| i.line == line)
        .and_then(|i| i.reason.clone())
        .unwrap_or_default()
}

use Status::{Cached as C, NotBuilt as N, Rebuilds as R, Unknown as U};

#[test]
fn a_source_change_rebuilds_the_build_stage_and_what_copies_from_it() {
    let p = predict("multi-stage", &["cmd/app/main.go"], &[]);
    assert_eq!(
        statuses(&p),
        vec![
            (1, C),
            (2, C),
            (3, C),
            (4, C),
            (6, C),
            (7, R),
            (8, R),
            (10, C),
            (11, C),
            (13, N),
            (14, N),
            (16, C),
            (17, C),
            (18, R),
            (19, R),
        ]
    );
    assert_eq!(reason(&p, 7), "COPY . . includes cmd/app/main.go");
    assert_eq!(reason(&p, 8), "its parent layer rebuilt");
    assert_eq!(reason(&p, 18), "stage `build` rebuilt (COPY --from=build)");
    assert_eq!(p.summary.rebuilds, 4);
    assert_eq!(p.summary.total, 9);
    assert_eq!(p.summary.expensive_rebuilds.len(), 1);
    assert_eq!(p.summary.expensive_rebuilds[0].command, "go build");
    let download = p.stages[0].instructions.last().expect("RUN");
    assert_eq!(
        download.notes,
        vec!["network content not re-checked".to_string()]
    );
}

#[test]
fn a_lockfile_change_rebuilds_every_stage_built_on_it() {
    let p = predict("multi-stage", &["go.sum"], &[]);
    assert_eq!(
        statuses(&p),
        vec![
            (1, C),
            (2, C),
            (3, R),
            (4, R),
            (6, R),
            (7, R),
            (8, R),
            (10, C),
            (11, C),
            (13, N),
            (14, N),
            (16, C),
            (17, C),
            (18, R),
            (19, R),
        ]
    );
    assert_eq!(reason(&p, 6), "stage `deps` rebuilt (FROM)");
    assert_eq!(reason(&p, 3), "COPY go.mod go.sum ./ includes go.sum");
}

#[test]
fn dockerignore_exclusions_do_not_invalidate_but_exceptions_do() {
    let p = predict(
        "dockerignore-exceptions",
        &["CHANGELOG.md", "docs/guide.txt"],
        &[],
    );
    assert!(
        statuses(&p).iter().all(|(_, s)| *s == C),
        "{:?}",
        statuses(&p)
    );
    assert_eq!(p.ignored.len(), 2);
    assert!(
        p.ignored[0].reason.contains("line 2: `*.md`"),
        "{:?}",
        p.ignored
    );

    let p = predict("dockerignore-exceptions", &["README.md"], &[]);
    assert_eq!(
        statuses(&p),
        vec![(1, C), (2, C), (3, C), (4, C), (5, R), (6, R), (7, R)]
    );
    assert_eq!(reason(&p, 5), "COPY *.md ./ includes README.md");
}

#[test]
fn a_changed_build_arg_rebuilds_the_runs_after_it_and_its_users() {
    let p = predict("build-args", &[], &[("APP_VERSION", "1.2.0")]);
    assert_eq!(
        statuses(&p),
        vec![(2, C), (3, C), (4, C), (5, C), (6, R), (7, R), (8, R)]
    );
    assert_eq!(reason(&p, 6), "ARG APP_VERSION changed");
    assert_eq!(reason(&p, 7), "uses ARG APP_VERSION, which changed");

    let p = predict("build-args", &[], &[("APP_VERSION", "dev")]);
    assert!(
        statuses(&p).iter().all(|(_, s)| *s == C),
        "the default is no change"
    );

    let p = predict("build-args", &[], &[("PY", "3.13")]);
    assert!(statuses(&p).iter().all(|(_, s)| *s == R));
    assert_eq!(reason(&p, 2), "ARG PY changed the base image");

    let p = predict("build-args", &[], &[("NOT_DECLARED", "1")]);
    assert!(statuses(&p).iter().all(|(_, s)| *s == C));
    assert_eq!(p.ignored[0].path, "--build-arg NOT_DECLARED");
}

#[test]
fn remote_content_is_unknown_not_cached() {
    let p = predict("remote-add", &[], &[]);
    assert_eq!(statuses(&p), vec![(1, C), (2, U), (3, U), (4, U)]);
    assert!(reason(&p, 2).starts_with("remote ADD"));
    let p = predict("remote-add", &["app.sh"], &[]);
    assert_eq!(statuses(&p)[3], (4, R));
}

#[test]
fn text_output_matches_its_snapshot() {
    let p = predict("multi-stage", &["cmd/app/main.go"], &[]);
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("explain_multi_stage", explain::render_text("Dockerfile", &p));
    });
}

fn layerlint(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_layerlint"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("runs")
}

#[test]
fn compare_fix_shows_the_saving() {
    let dir = tempfile::tempdir().expect("temp");
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\nCMD [\"node\", \"dist/index.js\"]\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("package.json"), "{}").expect("write");
    std::fs::write(dir.path().join("package-lock.json"), "{}").expect("write");
    let out = layerlint(
        &[
            "explain",
            "Dockerfile",
            "--changed",
            "src/index.ts",
            "--compare-fix",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("A change to src/index.ts rebuilds 4 of 5 instructions, including `npm ci`, `npm run build`; after the fixes: 3 of 6, still `npm run build`")
            || text.contains("A change to src/index.ts rebuilds 4 of 5 instructions, including `npm ci`; after the fixes: 3 of 6"),
        "{text}"
    );
    // The file itself is not changed.
    let df = std::fs::read_to_string(dir.path().join("Dockerfile")).expect("read");
    assert!(df.contains("COPY . .\nRUN npm ci"));

    let out = layerlint(
        &[
            "explain",
            "Dockerfile",
            "--changed",
            "src/index.ts",
            "--compare-fix",
            "--format",
            "json",
        ],
        dir.path(),
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["prediction"]["summary"]["rebuilds"], 4);
    assert_eq!(v["after_fix"]["prediction"]["summary"]["rebuilds"], 3);
    assert_eq!(
        v["after_fix"]["fixes_applied"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn explain_needs_a_change() {
    let out = layerlint(&["explain", "Dockerfile"], &case("remote-add"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing changed"));
}
