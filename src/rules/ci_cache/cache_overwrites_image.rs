use super::ci_only_rule;
use crate::ci::model::normalize_ref;
use crate::ci::{CacheKind, CiFinding, CiRepo, CiRule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Category, RuleMeta};

pub struct CacheOverwritesImage;

pub static META: RuleMeta = RuleMeta {
    code: "LL607",
    name: "cache-overwrites-image",
    category: Category::CiCache,
    default_severity: Severity::Error,
    summary: "Registry cache exported to the same reference as a pushed image tag",
    doc: include_str!("../../../rules/LL607.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

ci_only_rule!(CacheOverwritesImage, META);

impl CiRule for CacheOverwritesImage {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_ci(&self, repo: &CiRepo, out: &mut Vec<CiFinding>) {
        for b in &repo.builds {
            if b.push == Some(false) {
                continue;
            }
            let tags: Vec<(String, &str)> = b
                .tags
                .iter()
                .filter_map(|t| t.value())
                .map(|t| (normalize_ref(t), t))
                .collect();
            for spec in &b.cache_to {
                if spec.kind != CacheKind::Registry {
                    continue;
                }
                let Some(Some(r)) = spec.known_attr("ref") else {
                    continue;
                };
                let Some((_, tag)) = tags.iter().find(|(n, _)| *n == normalize_ref(r)) else {
                    continue;
                };
                let repo_name = r.rsplit_once(':').map_or(r, |(n, _)| n);
                let d = Diagnostic::new(
                    &META,
                    spec.loc.span,
                    format!(
                        "the registry cache is exported to `{r}`, which is also the pushed image tag `{tag}`: the cache manifest replaces the image (or the image replaces the cache), so one of them is lost on every run"
                    ),
                )
                .with_help(format!(
                    "export the cache to its own tag, e.g. `type=registry,ref={repo_name}:buildcache,mode=max`, and import it from there"
                ));
                out.push(CiFinding::new(spec.loc, d));
            }
        }
    }
}
