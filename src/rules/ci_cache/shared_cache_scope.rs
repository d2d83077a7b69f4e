use super::{append_attr, ci_only_rule, image, safe_fix};
use crate::ci::{CacheKind, CacheSpec, CiBuild, CiFinding, CiRepo, CiRule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Category, RuleMeta};

pub struct SharedCacheScope;

pub static META: RuleMeta = RuleMeta {
    code: "LL604",
    name: "shared-cache-scope",
    category: Category::CiCache,
    default_severity: Severity::Warning,
    summary: "GitHub Actions cache scope written by builds of different images",
    doc: include_str!("../../../rules/LL604.md"),
    fixable: true,
    default_enabled: true,
    experimental: false,
};

ci_only_rule!(SharedCacheScope, META);

/// Scope names that say nothing about the image, as likely to collide as no scope.
const GENERIC_SCOPES: &[&str] = &["build", "cache", "default", "buildkit", "docker"];

impl CiRule for SharedCacheScope {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_ci(&self, repo: &CiRepo, out: &mut Vec<CiFinding>) {
        let exports: Vec<(&CiBuild, &CacheSpec, &str)> = repo
            .builds
            .iter()
            .flat_map(|b| {
                b.cache_to
                    .iter()
                    .filter(|s| s.kind == CacheKind::Gha)
                    .filter_map(move |s| Some((b, s, s.gha_scope()?)))
            })
            .collect();
        // Each build's identity once, and per scope the first export with an identity and
        // the first whose identity differs from that one: "the first other writer of this
        // scope" is then a lookup, not a scan (thousands of builds were quadratic).
        let identities: Vec<Option<String>> =
            exports.iter().map(|(b, _, _)| b.identity()).collect();
        let mut writers: std::collections::HashMap<&str, (usize, Option<usize>)> =
            std::collections::HashMap::new();
        for (i, (_, _, scope)) in exports.iter().enumerate() {
            let Some(id) = &identities[i] else {
                continue;
            };
            match writers.get_mut(scope) {
                None => {
                    writers.insert(scope, (i, None));
                }
                Some((first, differing @ None)) if identities[*first].as_ref() != Some(id) => {
                    *differing = Some(i);
                }
                Some(_) => {}
            }
        }
        // How many builds share each `cache-to` value (a bake `*.cache-to` override).
        let mut sharing: std::collections::HashMap<crate::ci::model::Loc, usize> =
            std::collections::HashMap::new();
        for o in &repo.builds {
            let mut seen = Vec::new();
            for s in &o.cache_to {
                if !seen.contains(&s.loc) {
                    seen.push(s.loc);
                    *sharing.entry(s.loc).or_default() += 1;
                }
            }
        }
        for (i, &(b, spec, scope)) in exports.iter().enumerate() {
            let other = identities[i].as_ref().and_then(|id| {
                let &(first, differing) = writers.get(scope)?;
                let other = if identities[first].as_ref() != Some(id) {
                    Some(first)
                } else {
                    differing
                };
                other.map(|j| &exports[j])
            });
            let matrix_legs = b.in_matrix && varies_with_matrix(b);
            if other.is_none() && !matrix_legs {
                continue;
            }
            let named = spec.attr("scope").is_some();
            let what = if !named {
                "`type=gha` without `scope` uses the default scope `buildkit`".to_string()
            } else if GENERIC_SCOPES.contains(&scope.to_ascii_lowercase().as_str()) {
                format!("the generic scope `{scope}`")
            } else {
                format!("the scope `{scope}`")
            };
            let whom = match other {
                Some((o, _, _)) => {
                    format!("which {} at {} also writes", image(o), repo.describe(o.loc))
                }
                None => "which every leg of this job's matrix writes".to_string(),
            };
            let mut d = Diagnostic::new(
                &META,
                spec.loc.span,
                format!(
                    "{what}, {whom}: the builds overwrite each other's cache index, so each run mostly finds the other image's layers"
                ),
            );
            // A value shared by several builds (a bake `*.cache-to` override) cannot take one
            // image's name.
            let shared_value = sharing.get(&spec.loc).copied().unwrap_or(0) > 1;
            let suggestion = b
                .suggested_scope()
                .filter(|_| !matrix_legs && !shared_value);
            d = d.with_help(match &suggestion {
                Some(s) => format!("give each image its own scope, e.g. `scope={s}` on both `cache-from` and `cache-to`"),
                None if matrix_legs => "include the matrix value in the scope, e.g. `scope=${{ matrix.<name> }}`, on both `cache-from` and `cache-to`".to_string(),
                None => "give each image its own scope on both `cache-from` and `cache-to`".to_string(),
            });
            if let (false, Some(s)) = (named, &suggestion) {
                let attr = format!("scope={s}");
                // Both sides must change together, or the import would miss the new scope.
                let edits: Option<Vec<_>> = std::iter::once(spec)
                    .chain(
                        b.cache_from
                            .iter()
                            .filter(|f| f.kind == CacheKind::Gha && f.attr("scope").is_none()),
                    )
                    .map(|s| append_attr(repo, s, &attr))
                    .collect();
                let edits = edits.unwrap_or_default();
                if let Some(fix) = safe_fix(format!("use the scope `{s}`"), edits) {
                    d = d.with_fix(fix);
                }
            }
            out.push(CiFinding::new(spec.loc, d));
        }
    }
}

/// A matrix job whose image, context, Dockerfile, target or platforms depend on the matrix.
fn varies_with_matrix(b: &CiBuild) -> bool {
    let fields = b
        .tags
        .iter()
        .chain(b.context.iter())
        .chain(b.dockerfile.iter())
        .chain(b.target_stage.iter())
        .chain(b.platforms.iter());
    let depends = fields.into_iter().any(|t| t.raw.contains("matrix."));
    let scoped = b
        .cache_to
        .iter()
        .any(|s| s.attr("scope").is_some_and(|v| v.contains("matrix.")));
    depends && !scoped
}
