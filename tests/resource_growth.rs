//! Memory guards on pathological inputs: for each shape, peak memory must grow linearly
//! with the input and stay within a fixed multiple of it. Each shape is linted at two
//! sizes and the child's peak RSS is read from the kernel (`wait4`), so the check does
//! not depend on timing. A quadratic structure (a scope copied per ARG, words cloned per
//! install, a name lookup per stage) fails it by orders of magnitude.
//!
//! Time is measured by `bench/bounds.sh`, not here.

#![cfg(target_os = "linux")]

use std::fs;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};

use tempfile::TempDir;

/// Peak RSS of one `layerlint check` run, in bytes, and its exit code.
fn peak_rss(file: &Path) -> (u64, Option<i32>) {
    let child = Command::new(env!("CARGO_BIN_EXE_layerlint"))
        .args(["check", "--no-config", "--format", "json"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("layerlint starts");
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain data that wait4 fills in; the pid is our own child,
    // reaped here exactly once (the `Child` is forgotten so it is not waited for again).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    std::mem::forget(child);
    assert_eq!(waited, pid, "wait4 failed");
    let code = std::process::ExitStatus::from_raw(status).code();
    // ru_maxrss is in kilobytes on Linux.
    (usage.ru_maxrss as u64 * 1024, code)
}

/// `head`, then `block(i)` repeated until the text reaches `bytes`.
fn repeat(head: &str, bytes: usize, block: impl Fn(usize) -> String) -> String {
    let mut text = String::from(head);
    let mut i = 0;
    while text.len() < bytes {
        text.push_str(&block(i));
        i += 1;
    }
    text
}

fn shapes(bytes: usize) -> Vec<(&'static str, String)> {
    let from = "FROM alpine:3.20\n";
    vec![
        ("run-a", repeat(from, bytes, |_| "RUN a\n".into())),
        (
            "dense-commands",
            repeat(&format!("{from}RUN echo a"), bytes, |_| " && echo a".into()) + "\n",
        ),
        (
            "install-continuation",
            repeat(&format!("{from}RUN echo start \\\n"), bytes, |_| {
                "  && apt-get install -y foo \\\n".into()
            }) + "  && true\n",
        ),
        (
            "pipes",
            repeat(&format!("{from}RUN "), bytes, |_| "a|".into()) + "b\n",
        ),
        ("args", repeat(from, bytes, |i| format!("ARG A{i}=1\n"))),
        (
            "env-chain",
            repeat(&format!("{from}ENV V0=x\n"), bytes, |i| {
                format!("ENV V{}=$V{i}$V{i}\n", i + 1)
            }),
        ),
        ("copies", repeat(from, bytes, |_| "COPY a b\n".into())),
        (
            "copy-install",
            repeat(from, bytes, |_| {
                "COPY src/ /app/\nRUN pip install -r /app/requirements.txt\n".into()
            }),
        ),
        (
            "stage-chain",
            repeat("FROM alpine:3.20 AS s0\n", bytes, |i| {
                format!("FROM s{i} AS s{}\nRUN pip install x\n", i + 1)
            }),
        ),
        (
            "independent-stages",
            repeat("", bytes, |i| {
                format!("FROM alpine:3.20 AS s{i}\nRUN apt-get update && apt-get install -y curl\n")
            }),
        ),
        (
            "copy-from",
            repeat("FROM alpine:3.20 AS s0\n", bytes, |i| {
                format!(
                    "FROM alpine:3.20 AS s{}\nCOPY --from=s{} /x /y\n",
                    i + 1,
                    i / 2
                )
            }),
        ),
        (
            "heredocs",
            repeat(from, bytes, |i| format!("RUN <<EOF{i}\necho {i}\nEOF{i}\n")),
        ),
        ("comments", repeat(from, bytes, |_| "# c\n".into())),
        // A scope snapshot between every two assignments, and ENV inherited down a chain
        // of stages: each once cost a copied path of a persistent map, 100-160 bytes per byte.
        (
            "arg-runs",
            repeat(from, bytes, |i| format!("ARG A{i}=1\nRUN a\n")),
        ),
        (
            "env-runs",
            repeat(from, bytes, |i| format!("ENV E{i}=1\nRUN a\n")),
        ),
        (
            "env-inherited",
            repeat("FROM alpine:3.20 AS s\n", bytes, |i| {
                format!("FROM s AS s\nENV E{i}=1\n")
            }),
        ),
        // The smallest stages: a stage record, its FROM and a finding per 7 bytes.
        ("bare-stages", repeat("", bytes, |_| "FROM a\n".into())),
    ]
}

const SMALL: usize = 128 * 1024;
const LARGE: usize = 4 * SMALL;
/// Peak memory may grow at most this many bytes per input byte (the worst shape, a file of
/// bare `FROM a` stages, needs about 30), on top of the process's own baseline.
const MAX_BYTES_PER_INPUT_BYTE: u64 = 90;

#[test]
fn peak_memory_grows_linearly_with_the_input() {
    let dir = TempDir::new().expect("temp dir");
    let baseline_file = dir.path().join("baseline");
    fs::write(&baseline_file, "FROM alpine:3.20\n").expect("write");
    let (baseline, code) = peak_rss(&baseline_file);
    assert!(matches!(code, Some(0 | 1)), "baseline run failed: {code:?}");

    let mut failures = Vec::new();
    let small = shapes(SMALL);
    let large = shapes(LARGE);
    for ((name, small_text), (_, large_text)) in small.iter().zip(&large) {
        let mut growth = Vec::new();
        for (size, text) in [("small", small_text), ("large", large_text)] {
            let file = dir.path().join(format!("{name}-{size}"));
            fs::write(&file, text).expect("write");
            let (rss, code) = peak_rss(&file);
            if !matches!(code, Some(0 | 1)) {
                failures.push(format!("{name} ({size}): exit {code:?}"));
            }
            let extra = rss.saturating_sub(baseline);
            let limit = MAX_BYTES_PER_INPUT_BYTE * text.len() as u64;
            if extra > limit {
                failures.push(format!(
                    "{name} ({size}, {} bytes): {} MB over the baseline, limit {} MB",
                    text.len(),
                    extra >> 20,
                    limit >> 20
                ));
            }
            growth.push(extra);
        }
        // Four times the input may cost at most about four times the memory (with room
        // for allocator rounding at the small size).
        if growth[1] > 6 * growth[0].max(4 << 20) {
            failures.push(format!(
                "{name}: {} MB at {} KB but {} MB at {} KB",
                growth[0] >> 20,
                SMALL >> 10,
                growth[1] >> 20,
                LARGE >> 10
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
