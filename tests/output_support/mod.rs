//! Rules and reports shared by the output-format tests.

#![allow(dead_code)]

use layerlint::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use layerlint::output::{FileError, FileReport, Report};
use layerlint::rules::{Category, RuleMeta};
use layerlint::span::Span;

pub static VOLATILE_COPY: RuleMeta = RuleMeta {
    code: "LL101",
    name: "volatile-copy-before-install",
    category: Category::Ordering,
    default_severity: Severity::Warning,
    summary: "Source files are copied before dependencies are installed",
    doc: "# LL101: volatile-copy-before-install\n\n## What it does\nFlags a `COPY` of the whole build context\nthat comes before a package install.\n\n## Why is this bad?\nEvery source change reruns the install.\n",
    fixable: false,
    default_enabled: true,
    experimental: false,
};

pub static MISSING_CACHE_MOUNT: RuleMeta = RuleMeta {
    code: "LL201",
    name: "missing-cache-mount",
    category: Category::CacheMounts,
    default_severity: Severity::Info,
    summary: "A package install runs without a cache mount",
    doc: "# LL201: missing-cache-mount\n\n## What it does\nFlags package installs without `--mount=type=cache`.\n",
    fixable: true,
    default_enabled: true,
    experimental: false,
};

pub static UNPINNED_BASE: RuleMeta = RuleMeta {
    code: "LL301",
    name: "unpinned-base-image",
    category: Category::Pinning,
    default_severity: Severity::Info,
    summary: "The base image is not pinned",
    doc: "# LL301: unpinned-base-image\n\nNo sections here.\n",
    fixable: false,
    default_enabled: true,
    experimental: true,
};

pub fn rules() -> Vec<&'static RuleMeta> {
    vec![&VOLATILE_COPY, &MISSING_CACHE_MOUNT, &UNPINNED_BASE]
}

/// The byte span of the `nth` occurrence (0-based) of `needle` in `source`.
pub fn find(source: &str, needle: &str, nth: usize) -> Span {
    let start = source
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .expect("needle present in fixture");
    Span::new(start, start + needle.len())
}

pub const APP_DOCKERFILE: &str = "\
FROM node:20
WORKDIR /app
COPY . .
RUN npm ci
RUN apt-get update && \\
    apt-get install -y curl
";

/// Non-ASCII text, so columns (chars) and bytes differ.
pub const CAFE_DOCKERFILE: &str = "\
# café ☕
FROM python:3.12 AS base
RUN pip install -r requirements.txt   # déjà vu
";

pub fn app_report() -> FileReport {
    let src = APP_DOCKERFILE;
    let copy = Diagnostic::new(
        &VOLATILE_COPY,
        find(src, "COPY . .", 0),
        "`COPY . .` invalidates the `npm ci` layer on every source change",
    )
    .with_label(
        find(src, "npm ci", 0),
        "this install reruns whenever any file changes",
    )
    .with_help(
        "copy `package.json` and `package-lock.json` first, run `npm ci`, then copy the rest",
    );
    let npm = Diagnostic::new(
        &MISSING_CACHE_MOUNT,
        find(src, "RUN npm ci", 0),
        "`npm ci` runs without a cache mount for `~/.npm`",
    )
    .with_fix(Fix {
        title: "add `--mount=type=cache,target=/root/.npm`".into(),
        applicability: Applicability::Unsafe,
        edits: vec![Edit {
            span: Span::empty(find(src, "npm ci", 0).start()),
            replacement: "--mount=type=cache,target=/root/.npm ".into(),
        }],
    });
    // A span over a continued line.
    let apt_start = find(src, "apt-get update", 0).start();
    let apt_end = find(src, "curl", 0).end();
    let apt = Diagnostic::new(
        &MISSING_CACHE_MOUNT,
        Span::new(apt_start, apt_end),
        "`apt-get install` runs without a cache mount for `/var/cache/apt`",
    )
    .with_severity(Severity::Style);
    let base = Diagnostic::new(
        &UNPINNED_BASE,
        find(src, "node:20", 0),
        "`node:20` is not pinned to a digest",
    )
    .with_severity(Severity::Error);
    FileReport::new("services/api/Dockerfile", src, vec![npm, apt, copy, base])
}

pub fn cafe_report(path: &str) -> FileReport {
    let src = CAFE_DOCKERFILE;
    let base = Diagnostic::new(
        &UNPINNED_BASE,
        find(src, "python:3.12", 0),
        "`python:3.12` is not pinned to a digest",
    )
    .with_help("use `python:3.12@sha256:…`");
    let pip = Diagnostic::new(
        &MISSING_CACHE_MOUNT,
        find(src, "pip install -r requirements.txt", 0),
        "`pip install` runs without a cache mount",
    )
    .with_label(find(src, "déjà vu", 0), "noted here");
    FileReport::new(path, src, vec![pip, base])
}

pub fn parse_error_report() -> FileReport {
    FileReport::failed(
        "broken/Dockerfile",
        "FROM alpine\nRUN <<EOF\necho unterminated\n",
        FileError::parse("heredoc `EOF` is never terminated", Some(2), Some(5)),
    )
}

pub fn io_error_report() -> FileReport {
    FileReport::failed(
        "missing/Dockerfile",
        "",
        FileError::io("No such file or directory (os error 2)"),
    )
}

/// Findings in two files, one parse error, one unreadable file.
pub fn full_report() -> Report {
    Report::new(vec![
        cafe_report("web café/Dockerfile"),
        app_report(),
        parse_error_report(),
        io_error_report(),
    ])
}

pub fn clean_report() -> Report {
    Report::new(vec![FileReport::new(
        "Dockerfile",
        "FROM scratch\n",
        Vec::new(),
    )])
}

pub fn render(format: layerlint::output::Format, report: &Report) -> String {
    let mut out = Vec::new();
    format
        .emitter(false)
        .emit(report, &rules(), &mut out)
        .expect("rendering to memory succeeds");
    String::from_utf8(out).expect("output is UTF-8")
}
