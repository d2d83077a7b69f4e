//! Every format rendered from the same reports, compared with stored snapshots.

mod output_support;

use layerlint::output::Format;
use output_support::{clean_report, full_report, render};

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!(
            { snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"), prepend_module_to_snapshot => false },
            { insta::assert_snapshot!($name, $value) }
        )
    };
}

#[test]
fn pretty_shows_snippets_labels_help_docs_and_summary() {
    snapshot!("output_pretty", render(Format::Pretty, &full_report()));
}

#[test]
fn pretty_reports_no_findings() {
    snapshot!(
        "output_pretty_clean",
        render(Format::Pretty, &clean_report())
    );
}

#[test]
fn json_lists_findings_and_file_errors() {
    snapshot!("output_json", render(Format::Json, &full_report()));
}

#[test]
fn json_of_a_clean_run_is_an_empty_array() {
    assert_eq!(render(Format::Json, &clean_report()), "[]\n");
}

#[test]
fn sarif_has_rules_results_and_notifications() {
    snapshot!("output_sarif", render(Format::Sarif, &full_report()));
}

#[test]
fn pretty_with_color_emits_ansi_escapes() {
    let mut out = Vec::new();
    Format::Pretty
        .emitter(true)
        .emit(&full_report(), &output_support::rules(), &mut out)
        .expect("rendering to memory succeeds");
    assert!(String::from_utf8_lossy(&out).contains("\u{1b}["));
    assert!(!render(Format::Pretty, &full_report()).contains('\u{1b}'));
}

#[test]
fn json_is_sorted_by_file_line_column_code() {
    let value: serde_json::Value =
        serde_json::from_str(&render(Format::Json, &full_report())).expect("valid JSON");
    let keys: Vec<(String, u64, u64, String)> = value
        .as_array()
        .expect("array")
        .iter()
        .map(|item| {
            (
                item["file"].as_str().unwrap_or_default().to_string(),
                item["line"].as_u64().unwrap_or(0),
                item["column"].as_u64().unwrap_or(0),
                item["code"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn output_is_deterministic() {
    for format in Format::ALL {
        assert_eq!(
            render(format, &full_report()),
            render(format, &full_report())
        );
    }
}

fn fingerprints(report: &layerlint::output::Report) -> Vec<String> {
    let log: serde_json::Value =
        serde_json::from_str(&render(Format::Sarif, report)).expect("SARIF is JSON");
    log["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

fn one_file(source: &str, needles: &[&str]) -> layerlint::output::Report {
    let spans = needles.iter().map(|n| output_support::find(source, n, 0));
    report_of(source, spans, "not pinned")
}

/// A report of one file named `Dockerfile` with a finding at each span.
fn report_of(
    source: &str,
    spans: impl Iterator<Item = layerlint::span::Span>,
    message: &str,
) -> layerlint::output::Report {
    use layerlint::diagnostic::Diagnostic;
    let diagnostics: Vec<Diagnostic> = spans
        .map(|span| Diagnostic::new(&output_support::UNPINNED_BASE, span, message))
        .collect();
    layerlint::output::Report::new(vec![layerlint::output::FileReport::new(
        "Dockerfile",
        source,
        diagnostics,
    )])
}

#[test]
fn sarif_fingerprint_survives_unrelated_lines_moving() {
    let before = one_file("FROM node:20\nRUN npm ci\n", &["node:20"]);
    let after = one_file(
        "# build the app\n\nARG X=1\nFROM   node:20\nRUN npm ci\n",
        &["node:20"],
    );
    assert_eq!(fingerprints(&before), fingerprints(&after));
    let changed = one_file("FROM node:22\nRUN npm ci\n", &["node:22"]);
    assert_ne!(fingerprints(&before), fingerprints(&changed));
}

#[test]
fn sarif_fingerprint_counts_identical_lines() {
    let src = "FROM node:20 AS a\nFROM node:20 AS a\n";
    let report = {
        use layerlint::diagnostic::Diagnostic;
        let d = |nth| {
            Diagnostic::new(
                &output_support::UNPINNED_BASE,
                output_support::find(src, "node:20", nth),
                "not pinned",
            )
        };
        layerlint::output::Report::new(vec![layerlint::output::FileReport::new(
            "Dockerfile",
            src,
            vec![d(0), d(1)],
        )])
    };
    let prints = fingerprints(&report);
    assert_eq!(prints.len(), 2);
    let (hash_a, n_a) = prints[0].split_once(':').expect("hash:n");
    let (hash_b, n_b) = prints[1].split_once(':').expect("hash:n");
    assert_eq!((hash_a, n_a, n_b), (hash_b, "1", "2"));
}

/// A file of one long line with findings along it: SARIF leaves out snippets past 2 KiB
/// and pretty output names the place instead of printing the line, so the output does not
/// repeat the line for every finding.
#[test]
fn long_lines_are_not_repeated_per_finding() {
    let unit = "echo é && curl -fsSL https://get.example.com | sh && ";
    let source = format!("FROM alpine:3.20\nRUN {}true\n", unit.repeat(400));
    let short = "FROM alpine:3.20\nRUN echo é && curl -fsSL https://get.example.com | sh\n";
    let report = |source: &str, count: usize| {
        let spans = (0..count).map(|n| output_support::find(source, "curl", n));
        report_of(source, spans, "piped")
    };
    let long = report(&source, 3);
    let sarif = render(Format::Sarif, &long);
    assert!(sarif.len() < 20_000, "SARIF of {} bytes", sarif.len());
    let value: serde_json::Value = serde_json::from_str(&sarif).expect("valid JSON");
    let results = value["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 3);
    for r in results {
        let location = &r["locations"][0]["physicalLocation"];
        assert!(location.get("contextRegion").is_none(), "{location}");
        // The region's own text is short, and kept; columns count chars (é is one).
        assert_eq!(location["region"]["snippet"]["text"], "curl");
    }
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["region"]["startColumn"],
        5 + unit.chars().count() + "echo é && ".chars().count()
    );
    let pretty = render(Format::Pretty, &long);
    assert!(
        pretty.len() < 5_000,
        "pretty output of {} bytes",
        pretty.len()
    );
    assert!(pretty.contains("at: Dockerfile:2:"), "{pretty}");
    assert!(pretty.contains("not shown"), "{pretty}");

    // A short line is shown and given as context as before.
    let short = report(short, 1);
    let sarif: serde_json::Value =
        serde_json::from_str(&render(Format::Sarif, &short)).expect("valid JSON");
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["contextRegion"]["snippet"]["text"],
        "RUN echo é && curl -fsSL https://get.example.com | sh"
    );
    let pretty = render(Format::Pretty, &short);
    assert!(pretty.contains("RUN echo é && curl"), "{pretty}");
    assert!(!pretty.contains("not shown"), "{pretty}");
}
