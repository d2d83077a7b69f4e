use super::ci_only_rule;
use crate::ci::{Builder, CacheKind, CiFinding, CiRepo, CiRule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Category, RuleMeta};

pub struct CacheExportUnsupportedDriver;

pub static META: RuleMeta = RuleMeta {
    code: "LL606",
    name: "cache-export-unsupported-driver",
    category: Category::CiCache,
    default_severity: Severity::Error,
    summary: "Cache export in a job that only has the default `docker` build driver",
    doc: include_str!("../../../rules/LL606.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

ci_only_rule!(CacheExportUnsupportedDriver, META);

impl CiRule for CacheExportUnsupportedDriver {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_ci(&self, repo: &CiRepo, out: &mut Vec<CiFinding>) {
        for b in &repo.builds {
            if b.builder != Builder::DockerDriver {
                continue;
            }
            let job = b.job.as_deref().unwrap_or("?");
            for spec in &b.cache_to {
                if !matches!(
                    spec.kind,
                    CacheKind::Gha | CacheKind::Registry | CacheKind::Local
                ) {
                    continue;
                }
                let mut d = Diagnostic::new(
                    &META,
                    spec.loc.span,
                    format!(
                        "`type={}` cache export needs a BuildKit builder with a container driver, but job `{job}` never sets one up: the default `docker` driver rejects cache export, so the build fails or skips writing the cache",
                        spec.kind.as_str()
                    ),
                )
                .with_help("add `- uses: docker/setup-buildx-action@v3` to the job before this step (its default driver is `docker-container`)");
                if let Some(at) = b.invoked_at.filter(|l| l.file == spec.loc.file) {
                    d = d.with_label(at.span, "built by this step");
                }
                out.push(CiFinding::new(spec.loc, d));
            }
        }
    }
}
