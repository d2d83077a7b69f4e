use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::LintContext;
use crate::rules::{Category, Rule, RuleMeta};

pub struct CacheMountWrongUser;

pub static META: RuleMeta = RuleMeta {
    code: "LL205",
    name: "cache-mount-wrong-user",
    category: Category::CacheMounts,
    default_severity: Severity::Warning,
    summary: "To be written",
    doc: include_str!("../../../rules/LL205.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for CacheMountWrongUser {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _ctx: &LintContext<'_>, _out: &mut Vec<Diagnostic>) {}
}
