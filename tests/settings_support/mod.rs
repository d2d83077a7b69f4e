//! Rules shared by the settings tests (the real registry may be empty or change).

#![allow(dead_code)]

use layerlint::diagnostic::{Diagnostic, Diagnostics, Severity};
use layerlint::rules::{Category, RuleMeta};
use layerlint::span::Span;

const fn rule(
    code: &'static str,
    name: &'static str,
    category: Category,
    default_severity: Severity,
    default_enabled: bool,
) -> RuleMeta {
    RuleMeta {
        code,
        name,
        category,
        default_severity,
        summary: "test rule",
        doc: "",
        fixable: false,
        default_enabled,
        experimental: false,
    }
}

pub static LL101: RuleMeta = rule(
    "LL101",
    "volatile-copy-before-install",
    Category::Ordering,
    Severity::Warning,
    true,
);
pub static LL102: RuleMeta = rule(
    "LL102",
    "late-env-invalidation",
    Category::Ordering,
    Severity::Info,
    true,
);
pub static LL201: RuleMeta = rule(
    "LL201",
    "missing-cache-mount",
    Category::CacheMounts,
    Severity::Info,
    true,
);
pub static LL202: RuleMeta = rule(
    "LL202",
    "cache-mount-without-lock",
    Category::CacheMounts,
    Severity::Warning,
    false,
);
pub static LL301: RuleMeta = rule(
    "LL301",
    "unpinned-base-image",
    Category::Pinning,
    Severity::Warning,
    true,
);

pub fn rules() -> Vec<&'static RuleMeta> {
    vec![&LL101, &LL102, &LL201, &LL202, &LL301]
}

pub fn finding(meta: &'static RuleMeta, start: usize) -> Diagnostic {
    Diagnostic::new(meta, Span::new(start, start + 1), "test finding")
}

pub fn codes(diagnostics: &Diagnostics) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code()).collect()
}
