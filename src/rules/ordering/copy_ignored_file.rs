use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::LintContext;
use crate::rules::{Category, Rule, RuleMeta};

pub struct CopyIgnoredFile;

pub static META: RuleMeta = RuleMeta {
    code: "LL105",
    name: "copy-ignored-file",
    category: Category::Ordering,
    default_severity: Severity::Error,
    summary: "To be written",
    doc: include_str!("../../../rules/LL105.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for CopyIgnoredFile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _ctx: &LintContext<'_>, _out: &mut Vec<Diagnostic>) {}
}
