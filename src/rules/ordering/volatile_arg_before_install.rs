use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::LintContext;
use crate::rules::{Category, Rule, RuleMeta};

pub struct VolatileArgBeforeInstall;

pub static META: RuleMeta = RuleMeta {
    code: "LL102",
    name: "volatile-arg-before-install",
    category: Category::Ordering,
    default_severity: Severity::Warning,
    summary: "To be written",
    doc: include_str!("../../../rules/LL102.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for VolatileArgBeforeInstall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _ctx: &LintContext<'_>, _out: &mut Vec<Diagnostic>) {}
}
