use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::LintContext;
use crate::rules::{Category, Rule, RuleMeta};

pub struct UnverifiedDownloadPipe;

pub static META: RuleMeta = RuleMeta {
    code: "LL303",
    name: "unverified-download-pipe",
    category: Category::Pinning,
    default_severity: Severity::Warning,
    summary: "To be written",
    doc: include_str!("../../../rules/LL303.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for UnverifiedDownloadPipe {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _ctx: &LintContext<'_>, _out: &mut Vec<Diagnostic>) {}
}
