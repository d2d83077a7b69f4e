use super::ci_only_rule;
use crate::ci::{CacheKind, CiBuild, CiFinding, CiRepo, CiRule};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{Category, RuleMeta};

pub struct PrWritesSharedCache;

pub static META: RuleMeta = RuleMeta {
    code: "LL605",
    name: "pr-writes-shared-cache",
    category: Category::CiCache,
    default_severity: Severity::Warning,
    summary: "A pull-request build exports to the cache the main-branch build writes",
    doc: include_str!("../../../rules/LL605.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

ci_only_rule!(PrWritesSharedCache, META);

impl CiRule for PrWritesSharedCache {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_ci(&self, repo: &CiRepo, out: &mut Vec<CiFinding>) {
        let writers = TrustedWriters::collect(repo);
        for b in &repo.builds {
            if !(b.events.known && b.events.on_pull_request()) {
                continue;
            }
            for spec in &b.cache_to {
                if !matches!(spec.kind, CacheKind::Gha | CacheKind::Registry) {
                    continue;
                }
                let main = match spec.key(true) {
                    Some(key) => main_writer(&writers, b, &key),
                    // The same step on both events writes the same value when its
                    // expressions do not depend on the event (`matrix.*`, `inputs.*`…).
                    None if b.events.on_trusted_ref() && event_independent(&spec.raw) => Some(b),
                    None => None,
                };
                let Some(main) = main else {
                    continue;
                };
                let whom = if std::ptr::eq(main, b) {
                    "this same step also runs on pushes and writes it".to_string()
                } else {
                    format!(
                        "the build at {} writes it on pushes",
                        repo.describe(main.loc)
                    )
                };
                let harm = if spec.kind == CacheKind::Gha {
                    "every pull request saves its own copy, which counts against the repository's Actions cache quota and evicts the main branch's entries"
                } else {
                    "pull-request runs overwrite the cache that main-branch builds read with layers of unmerged code"
                };
                let scope_hint = if spec.kind == CacheKind::Gha {
                    format!(
                        "type=gha,mode=max,scope={}",
                        spec.gha_scope().unwrap_or("<scope>")
                    )
                } else {
                    spec.raw.clone()
                };
                let d = Diagnostic::new(
                    &META,
                    spec.loc.span,
                    format!(
                        "this build runs on pull requests and exports `{}`; {whom}: {harm}",
                        spec.raw
                    ),
                )
                .with_help(format!(
                    "keep the `cache-from` and export only outside pull requests, e.g. `cache-to: ${{{{ github.event_name != 'pull_request' && '{scope_hint}' || '' }}}}`, or give pull requests their own scope or ref"
                ));
                out.push(CiFinding::new(spec.loc, d));
            }
        }
    }
}

/// The first build that runs on a push (or schedule, manual run…) and exports each key,
/// gathered once: a scan per pull-request build was quadratic on large repositories.
struct TrustedWriters<'a>(std::collections::HashMap<String, &'a CiBuild>);

impl<'a> TrustedWriters<'a> {
    fn collect(repo: &'a CiRepo) -> Self {
        let mut map = std::collections::HashMap::new();
        for o in &repo.builds {
            if !(o.events.known && o.events.on_trusted_ref()) {
                continue;
            }
            for s in &o.cache_to {
                if let Some(key) = s.key(true) {
                    map.entry(key).or_insert(o);
                }
            }
        }
        TrustedWriters(map)
    }
}

/// A build that runs on a push (or schedule, manual run…) and exports `key`.
fn main_writer<'a>(
    writers: &TrustedWriters<'a>,
    pr_build: &'a CiBuild,
    key: &str,
) -> Option<&'a CiBuild> {
    if pr_build.events.on_trusted_ref() {
        return Some(pr_build);
    }
    writers.0.get(key).copied()
}

/// Whether every `${{ }}` expression in a value reads only things that are the same on a
/// pull request and on a push of the same job: matrix values, inputs, variables, the
/// repository's name.
fn event_independent(raw: &str) -> bool {
    let mut rest = raw;
    while let Some(i) = rest.find("${{") {
        let after = &rest[i + 3..];
        let Some(end) = after.find("}}") else {
            return false;
        };
        let inner = after[..end].trim();
        let stable = ["matrix.", "inputs.", "vars."]
            .iter()
            .any(|p| inner.starts_with(p))
            || matches!(
                inner,
                "github.repository" | "github.repository_owner" | "github.event.repository.name"
            );
        if !stable || inner.contains(' ') {
            return false;
        }
        rest = &after[end + 2..];
    }
    true
}
