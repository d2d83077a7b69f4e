use super::{ci_only_rule, image};
use crate::ci::{BuildKind, CiFinding, CiRepo, CiRule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Category, RuleMeta};

pub struct BuildWithoutCache;

pub static META: RuleMeta = RuleMeta {
    code: "LL601",
    name: "build-without-cache",
    category: Category::CiCache,
    default_severity: Severity::Warning,
    summary: "CI image build that neither imports nor exports a build cache",
    doc: include_str!("../../../rules/LL601.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

ci_only_rule!(BuildWithoutCache, META);

impl CiRule for BuildWithoutCache {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_ci(&self, repo: &CiRepo, out: &mut Vec<CiFinding>) {
        for b in &repo.builds {
            let cached = !b.cache_from.is_empty() || !b.cache_to.is_empty() || b.inline_cache_arg;
            // A bake target no workflow builds may get its cache from elsewhere.
            if cached || b.no_cache || b.opaque_cache || b.kind == BuildKind::BakeTarget {
                continue;
            }
            let help = match b.kind {
                BuildKind::BuildPushAction => {
                    "add `cache-from: type=gha,scope=<image>` and `cache-to: type=gha,mode=max,scope=<image>` under `with:` (after `docker/setup-buildx-action`)"
                }
                BuildKind::DockerBuild | BuildKind::BuildxBuild => {
                    "pass `--cache-from type=gha,scope=<image> --cache-to type=gha,mode=max,scope=<image>` (with a builder from `docker/setup-buildx-action`), or a registry cache"
                }
                _ => "add `cache-from` and `cache-to` to the bake target (or `set: *.cache-from=…` on the step)",
            };
            let mut d = Diagnostic::new(
                &META,
                b.loc.span,
                format!(
                    "{} is built with neither `cache-from` nor `cache-to`: every CI run starts from an empty BuildKit cache and rebuilds every layer",
                    image(b)
                ),
            )
            .with_help(help);
            if let Some(at) = b.invoked_at.filter(|l| l.file == b.loc.file) {
                d = d.with_label(at.span, "built here");
            }
            out.push(CiFinding::new(b.loc, d));
        }
    }
}
