use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::LintContext;
use crate::rules::{Category, Rule, RuleMeta};

pub struct RuntimeFilesInCacheMount;

pub static META: RuleMeta = RuleMeta {
    code: "LL206",
    name: "runtime-files-in-cache-mount",
    category: Category::CacheMounts,
    default_severity: Severity::Error,
    summary: "To be written",
    doc: include_str!("../../../rules/LL206.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for RuntimeFilesInCacheMount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _ctx: &LintContext<'_>, _out: &mut Vec<Diagnostic>) {}
}
