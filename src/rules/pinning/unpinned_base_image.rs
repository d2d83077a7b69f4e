use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::LintContext;
use crate::rules::{Category, Findings, Rule, RuleMeta};

pub struct UnpinnedBaseImage;

pub static META: RuleMeta = RuleMeta {
    code: "LL301",
    name: "unpinned-base-image",
    category: Category::Pinning,
    default_severity: Severity::Warning,
    summary: "Base image without a tag, with `latest`, or without an `@sha256:` digest",
    doc: include_str!("../../../rules/LL301.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for UnpinnedBaseImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        let require_digest = ctx
            .option(META.code, "require")
            .and_then(|v| v.as_str())
            .is_none_or(|v| v != "tag");
        for stage in &ctx.graph.stages {
            let Some(image) = ctx.graph.base_image(stage) else {
                continue;
            };
            let inst = &ctx.file.instructions[stage.from_instruction()];
            let span = inst.words().first().map_or(inst.span, |w| w.span);
            // Template placeholders (`{{baseImage}}`) are not image references yet.
            if image.digest().is_some() || !image.is_valid_reference() {
                continue;
            }
            let shown = image.display();
            let diag = match image.tag() {
                None => Diagnostic::new(
                    &META,
                    span,
                    format!("`{shown}` has no tag, so it means `latest` and moves on every push; every layer above rebuilds when it does"),
                )
                .with_help(format!(
                    "pin a version tag and its digest: `FROM {}:<version>@sha256:<digest>`",
                    image.name()
                )),
                Some(tag) if tag.eq_ignore_ascii_case("latest") => Diagnostic::new(
                    &META,
                    span,
                    format!("`{shown}` uses the `latest` tag, which moves on every push; every layer above rebuilds when it does"),
                )
                .with_help(format!(
                    "pin a version tag and its digest: `FROM {}:<version>@sha256:<digest>`",
                    image.name()
                )),
                Some(tag) if require_digest => Diagnostic::new(
                    &META,
                    span,
                    format!("`{shown}` is pinned to the tag `{tag}` but not to a digest; the tag can move and invalidate every layer above"),
                )
                .with_severity(Severity::Info)
                .with_help(format!("add the digest: `FROM {shown}@sha256:<digest>` (keep it current with Renovate or Dependabot)")),
                Some(_) => continue,
            };
            out.push(diag);
        }
    }
}
