use super::ci_only_rule;
use crate::ci::model::normalize_dir;
use crate::ci::{CacheKind, CiFinding, CiRepo, CiRule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Category, RuleMeta};

pub struct LocalCacheGrows;

pub static META: RuleMeta = RuleMeta {
    code: "LL608",
    name: "local-cache-grows",
    category: Category::CiCache,
    default_severity: Severity::Warning,
    summary:
        "Local cache exported over its own import folder, or restored with a key that never changes",
    doc: include_str!("../../../rules/LL608.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

ci_only_rule!(LocalCacheGrows, META);

impl CiRule for LocalCacheGrows {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_ci(&self, repo: &CiRepo, out: &mut Vec<CiFinding>) {
        let mut local_dirs: Vec<(usize, String)> = Vec::new();
        for b in &repo.builds {
            let sources: Vec<String> = b
                .cache_from
                .iter()
                .filter(|s| s.kind == CacheKind::Local)
                .filter_map(|s| s.known_attr("src").flatten().map(normalize_dir))
                .collect();
            for spec in b.cache_to.iter().filter(|s| s.kind == CacheKind::Local) {
                let Some(Some(dest)) = spec.known_attr("dest") else {
                    continue;
                };
                let dest = normalize_dir(dest);
                if let Some(job) = b.job_id {
                    local_dirs.push((job, dest.clone()));
                }
                if !sources.contains(&dest) {
                    continue;
                }
                out.push(CiFinding::new(
                    spec.loc,
                    Diagnostic::new(
                        &META,
                        spec.loc.span,
                        format!(
                            "the local cache is exported to `{dest}`, the folder it is imported from: the exporter adds new blobs and never removes old ones, so the folder (and every `actions/cache` upload of it) grows with each run"
                        ),
                    )
                    .with_help(format!(
                        "export to a new folder (`type=local,dest={dest}-new,mode=max`), then `rm -rf {dest} && mv {dest}-new {dest}` in a step after the build"
                    )),
                ));
            }
            if let Some(job) = b.job_id {
                local_dirs.extend(sources.into_iter().map(|s| (job, s)));
            }
        }
        for c in &repo.caches {
            if c.key_varies {
                continue;
            }
            let Some(dir) = c
                .paths
                .iter()
                .find(|p| local_dirs.iter().any(|(j, d)| *j == c.job_id && d == *p))
            else {
                continue;
            };
            out.push(CiFinding::new(
                c.key_loc,
                Diagnostic::new(
                    &META,
                    c.key_loc.span,
                    format!(
                        "`actions/cache` restores the BuildKit cache `{dir}` with the key `{}`, which never changes: after the first save every run hits that key and nothing is saved again, so the cache only ages",
                        c.key.raw
                    ),
                )
                .with_help("make the key change on every run, e.g. `key: ${{ runner.os }}-buildx-${{ github.sha }}`, with `restore-keys: ${{ runner.os }}-buildx-`"),
            ));
        }
    }
}
