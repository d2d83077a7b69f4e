use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::LintContext;
use crate::rules::{Category, Rule, RuleMeta};

pub struct RemoteAddWithoutChecksum;

pub static META: RuleMeta = RuleMeta {
    code: "LL302",
    name: "remote-add-without-checksum",
    category: Category::Pinning,
    default_severity: Severity::Warning,
    summary: "To be written",
    doc: include_str!("../../../rules/LL302.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for RemoteAddWithoutChecksum {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _ctx: &LintContext<'_>, _out: &mut Vec<Diagnostic>) {}
}
