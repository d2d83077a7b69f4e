use std::collections::BTreeSet;

use super::ci_only_rule;
use crate::ci::model::normalize_ref;
use crate::ci::{CacheKind, CiFinding, CiRepo, CiRule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Category, RuleMeta};

pub struct CacheImportWithoutExport;

pub static META: RuleMeta = RuleMeta {
    code: "LL602",
    name: "cache-import-without-export",
    category: Category::CiCache,
    default_severity: Severity::Warning,
    summary: "A build imports a cache that nothing in the repository exports",
    doc: include_str!("../../../rules/LL602.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

ci_only_rule!(CacheImportWithoutExport, META);

/// What the repository's builds write, with the kinds whose names are not all known.
struct Exports {
    keys: BTreeSet<String>,
    unknown_kinds: BTreeSet<CacheKind>,
    anything: bool,
}

impl Exports {
    fn collect(repo: &CiRepo) -> Exports {
        let mut e = Exports {
            keys: BTreeSet::new(),
            unknown_kinds: BTreeSet::new(),
            anything: false,
        };
        for b in &repo.builds {
            if b.opaque_cache {
                e.anything = true;
            }
            for spec in &b.cache_to {
                match spec.key(true) {
                    Some(k) => {
                        e.keys.insert(k);
                    }
                    None if spec.kind == CacheKind::Unknown => e.anything = true,
                    None => {
                        e.unknown_kinds.insert(spec.kind);
                    }
                }
            }
            // An inline cache travels with the pushed image: importing the tag reads it.
            if b.exports_inline() && b.push != Some(false) {
                for t in &b.tags {
                    match t.value() {
                        Some(v) => {
                            e.keys.insert(format!("registry:{}", normalize_ref(v)));
                        }
                        None => {
                            e.unknown_kinds.insert(CacheKind::Registry);
                        }
                    }
                }
                if b.tags.is_empty() {
                    e.unknown_kinds.insert(CacheKind::Registry);
                }
            }
        }
        // `mv /tmp/.buildx-cache-new /tmp/.buildx-cache`: the documented local-cache rotation.
        for m in &repo.moves {
            if e.keys.contains(&format!("local:{}", m.from)) {
                e.keys.insert(format!("local:{}", m.to));
            }
        }
        e
    }

    fn covers(&self, kind: CacheKind, key: &str) -> bool {
        self.anything || self.unknown_kinds.contains(&kind) || self.keys.contains(key)
    }
}

impl CiRule for CacheImportWithoutExport {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_ci(&self, repo: &CiRepo, out: &mut Vec<CiFinding>) {
        let exports = Exports::collect(repo);
        for b in &repo.builds {
            for spec in &b.cache_from {
                if matches!(spec.kind, CacheKind::Inline | CacheKind::Unknown) {
                    continue;
                }
                let Some(key) = spec.key(false) else {
                    continue;
                };
                if exports.covers(spec.kind, &key) {
                    continue;
                }
                let help = match spec.kind {
                    CacheKind::Gha => format!(
                        "export it from the main-branch build: `cache-to: type=gha,mode=max,scope={}`",
                        spec.gha_scope().unwrap_or("<scope>")
                    ),
                    CacheKind::Registry => format!(
                        "export it from the main-branch build: `cache-to: type=registry,ref={},mode=max` (an image pushed without `cache-to: type=inline` carries no cache)",
                        spec.attr("ref").unwrap_or("<ref>")
                    ),
                    CacheKind::Local => "export to a new folder (`type=local,dest=<dir>-new,mode=max`) and move it over the imported one after the build".to_string(),
                    _ => "add the matching `cache-to` to the build that runs on the main branch".to_string(),
                };
                out.push(CiFinding::new(
                    spec.loc,
                    Diagnostic::new(
                        &META,
                        spec.loc.span,
                        format!(
                            "the build imports `{}`, but no workflow step, CLI build or bake target in the repository exports it: the cache is never written, so this import never hits",
                            spec.raw
                        ),
                    )
                    .with_help(help),
                ));
            }
        }
    }
}
