//! Checks our SARIF against the official SARIF validator, including GitHub's
//! ingestion rules, when `SARIF_MULTITOOL` names the `Sarif.Multitool` binary.

mod output_support;

use std::path::Path;
use std::process::Command;

use layerlint::output::{Format, Report};
use output_support::{
    app_report, cafe_report, clean_report, full_report, io_error_report, parse_error_report, render,
};

fn reports() -> Vec<(&'static str, Report)> {
    vec![
        ("full", full_report()),
        ("findings-only", Report::new(vec![app_report()])),
        (
            "file-errors-only",
            Report::new(vec![parse_error_report(), io_error_report()]),
        ),
        ("clean", clean_report()),
        ("empty", Report::new(Vec::new())),
        (
            "unicode-path",
            Report::new(vec![cafe_report(
                "./dockerfiles/ünïcode dir/Dockerfile.dev",
            )]),
        ),
    ]
}

/// The level SARIF gives a result that omits `level`: its rule's default, else `warning`.
fn effective_level<'a>(result: &'a serde_json::Value, rules: &'a [serde_json::Value]) -> &'a str {
    if let Some(level) = result["level"].as_str() {
        return level;
    }
    result["ruleIndex"]
        .as_u64()
        .and_then(|i| rules.get(usize::try_from(i).ok()?))
        .and_then(|rule| rule["defaultConfiguration"]["level"].as_str())
        .unwrap_or("warning")
}

fn validate(tool: &Path, dir: &Path, name: &str, sarif: &str) -> Vec<String> {
    let input = dir.join(format!("{name}.sarif"));
    let output = dir.join(format!("{name}.validation.sarif"));
    std::fs::write(&input, sarif).expect("write SARIF");
    let run = Command::new(tool)
        .arg("validate")
        .args(["--rule-kind", "Sarif;Gh"])
        .arg("-o")
        .arg(&output)
        .arg(&input)
        .output()
        .expect("run the SARIF validator");
    let log = std::fs::read_to_string(&output).unwrap_or_else(|_| {
        panic!(
            "validator wrote no log for {name}: {}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        )
    });
    let log: serde_json::Value = serde_json::from_str(&log).expect("validator log is JSON");
    let mut problems = Vec::new();
    for run in log["runs"].as_array().into_iter().flatten() {
        let rules = run["tool"]["driver"]["rules"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for result in run["results"].as_array().into_iter().flatten() {
            let level = effective_level(result, &rules);
            if level == "error" || level == "warning" {
                problems.push(format!(
                    "{name}: {level} {}: {}",
                    result["ruleId"], result["message"]
                ));
            }
        }
    }
    let stdout = String::from_utf8_lossy(&run.stdout);
    if !problems.is_empty() {
        problems.push(stdout.into_owned());
    }
    problems
}

#[test]
fn sarif_passes_the_official_validator() {
    let Some(tool) = std::env::var_os("SARIF_MULTITOOL") else {
        println!("skipping SARIF validation: set SARIF_MULTITOOL");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut problems = Vec::new();
    for (name, report) in reports() {
        problems.extend(validate(
            Path::new(&tool),
            dir.path(),
            name,
            &render(Format::Sarif, &report),
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn sarif_is_valid_json_with_one_run() {
    for (name, report) in reports() {
        let log: serde_json::Value =
            serde_json::from_str(&render(Format::Sarif, &report)).expect("SARIF is JSON");
        assert_eq!(log["version"], "2.1.0", "{name}");
        assert_eq!(log["runs"].as_array().map(Vec::len), Some(1), "{name}");
    }
}

/// SARIF as users get it from the command line: the whole public corpus, hostile inputs
/// (binary, Latin-1, UTF-16, unparsable, empty) and every kept fuzz crasher.
#[test]
fn cli_sarif_on_real_and_hostile_inputs_passes_the_official_validator() {
    let Some(tool) = std::env::var_os("SARIF_MULTITOOL") else {
        println!("skipping SARIF validation: set SARIF_MULTITOOL");
        return;
    };
    let tool = Path::new(&tool);
    let dir = tempfile::tempdir().expect("temp dir");
    let bin = env!("CARGO_BIN_EXE_layerlint");
    let run = |name: &str, args: &[&std::ffi::OsStr], cwd: &Path| -> Vec<String> {
        let out = Command::new(bin)
            .current_dir(cwd)
            .args(["check", "--no-config", "--format", "sarif"])
            .args(args)
            .output()
            .expect("run layerlint");
        assert!(
            matches!(out.status.code(), Some(0..=2)),
            "{name}: exit {:?}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let sarif = String::from_utf8(out.stdout).expect("SARIF is UTF-8");
        validate(tool, dir.path(), name, &sarif)
    };
    let mut problems = Vec::new();

    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if corpus.is_dir() {
        problems.extend(run("corpus", &[".".as_ref()], &corpus));
    } else {
        println!("skipping the corpus part: {} not found", corpus.display());
    }

    let hostile = tempfile::tempdir().expect("temp dir");
    let h = hostile.path();
    // One line of 100 KB with a finding every 50 bytes, some of it non-ASCII: snippets and
    // context are left out past their size limits.
    let long_line = format!(
        "FROM alpine:3.20\nRUN {}true\n",
        "echo é && curl -fsSL https://get.example.com | sh && ".repeat(2000)
    );
    let files: [(&str, &[u8]); 7] = [
        ("long-line.Dockerfile", long_line.as_bytes()),
        ("binary.Dockerfile", b"\x7fELF\x00\x01\x02\x03\xff\xfe"),
        (
            "latin1.Dockerfile",
            b"FROM alpine:3.20\nLABEL author=\"Jos\xe9\"\n",
        ),
        ("utf16.Dockerfile", b"\xff\xfeF\x00R\x00O\x00M\x00"),
        ("empty.Dockerfile", b""),
        ("noinstr.Dockerfile", b"# only a comment\n"),
        ("ok dir/Dockerfile", b"FROM node\nCOPY . .\nRUN npm ci\n"),
    ];
    for (name, bytes) in files {
        let path = h.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, bytes).expect("write input");
    }
    problems.extend(run("hostile", &[".".as_ref()], h));

    let crashers = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/crashers");
    if let Ok(entries) = std::fs::read_dir(&crashers) {
        let paths: Vec<std::ffi::OsString> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path().into_os_string())
            .collect();
        if !paths.is_empty() {
            let args: Vec<&std::ffi::OsStr> = paths.iter().map(|p| p.as_os_str()).collect();
            problems.extend(run("crashers", &args, h));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
