use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::LintContext;
use crate::rules::{Category, Rule, RuleMeta};

pub struct MissingBuildCacheMount;

pub static META: RuleMeta = RuleMeta {
    code: "LL204",
    name: "missing-build-cache-mount",
    category: Category::CacheMounts,
    default_severity: Severity::Info,
    summary: "To be written",
    doc: include_str!("../../../rules/LL204.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for MissingBuildCacheMount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _ctx: &LintContext<'_>, _out: &mut Vec<Diagnostic>) {}
}
