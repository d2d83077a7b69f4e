use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::LintContext;
use crate::rules::{Category, Rule, RuleMeta};

pub struct CacheMountDefeated;

pub static META: RuleMeta = RuleMeta {
    code: "LL202",
    name: "cache-mount-defeated",
    category: Category::CacheMounts,
    default_severity: Severity::Warning,
    summary: "To be written",
    doc: include_str!("../../../rules/LL202.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for CacheMountDefeated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _ctx: &LintContext<'_>, _out: &mut Vec<Diagnostic>) {}
}
