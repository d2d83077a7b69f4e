use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::LintContext;
use crate::rules::{Category, Rule, RuleMeta};

pub struct UvLinkMode;

pub static META: RuleMeta = RuleMeta {
    code: "LL207",
    name: "uv-link-mode",
    category: Category::CacheMounts,
    default_severity: Severity::Info,
    summary: "To be written",
    doc: include_str!("../../../rules/LL207.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for UvLinkMode {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _ctx: &LintContext<'_>, _out: &mut Vec<Diagnostic>) {}
}
