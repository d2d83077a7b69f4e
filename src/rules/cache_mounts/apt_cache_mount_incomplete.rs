use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::LintContext;
use crate::rules::{Category, Rule, RuleMeta};

pub struct AptCacheMountIncomplete;

pub static META: RuleMeta = RuleMeta {
    code: "LL203",
    name: "apt-cache-mount-incomplete",
    category: Category::CacheMounts,
    default_severity: Severity::Warning,
    summary: "To be written",
    doc: include_str!("../../../rules/LL203.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for AptCacheMountIncomplete {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _ctx: &LintContext<'_>, _out: &mut Vec<Diagnostic>) {}
}
