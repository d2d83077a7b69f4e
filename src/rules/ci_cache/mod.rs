//! LL6xx: CI build-cache configuration (workflows, buildx commands, bake files).
//!
//! Each rule is registered twice: as a [`crate::rules::Rule`] whose Dockerfile check does
//! nothing (so it is listed, documented, selectable and in SARIF `rules[]`), and as a
//! [`CiRule`] that [`crate::ci::lint_repo`] runs over the repository's CI builds.

pub mod build_without_cache;
pub mod cache_export_min_mode;
pub mod cache_export_unsupported_driver;
pub mod cache_import_without_export;
pub mod cache_overwrites_image;
pub mod local_cache_grows;
pub mod pr_writes_shared_cache;
pub mod shared_cache_scope;

use crate::ci::{CacheSpec, CiBuild, CiRepo, CiRule};
use crate::diagnostic::{Applicability, Edit, Fix};
use crate::span::Span;

/// The CI checks of the LL6xx rules, in code order.
pub fn ci_rules() -> &'static [&'static dyn CiRule] {
    &[
        &build_without_cache::BuildWithoutCache,
        &cache_import_without_export::CacheImportWithoutExport,
        &cache_export_min_mode::CacheExportMinMode,
        &shared_cache_scope::SharedCacheScope,
        &pr_writes_shared_cache::PrWritesSharedCache,
        &cache_export_unsupported_driver::CacheExportUnsupportedDriver,
        &cache_overwrites_image::CacheOverwritesImage,
        &local_cache_grows::LocalCacheGrows,
    ]
}

/// Implements the Dockerfile side of a CI rule: metadata only, no findings.
macro_rules! ci_only_rule {
    ($ty:ty, $meta:expr) => {
        impl crate::rules::Rule for $ty {
            fn meta(&self) -> &'static crate::rules::RuleMeta {
                &$meta
            }

            fn check(
                &self,
                _ctx: &crate::lint::LintContext<'_>,
                _out: &mut crate::diagnostic::Findings,
            ) {
            }
        }
    };
}
pub(crate) use ci_only_rule;

/// A build's image for messages: `` `ghcr.io/acme/api:1` `` or `` target `api` ``.
pub(crate) fn image(build: &CiBuild) -> String {
    let label = build.image_label();
    if label.starts_with("target `") {
        label
    } else {
        format!("`{label}`")
    }
}

/// A fix that appends `,attr=value` to a cache value written verbatim in the source.
pub(crate) fn append_attr(repo: &CiRepo, spec: &CacheSpec, attr: &str) -> Option<Edit> {
    if !spec.exact || spec.has_expression {
        return None;
    }
    let written = repo.source(spec.loc);
    if written != spec.raw {
        return None;
    }
    Some(Edit {
        span: Span::empty(spec.loc.span.end()),
        replacement: format!(",{attr}").into(),
    })
}

pub(crate) fn safe_fix(title: impl Into<std::sync::Arc<str>>, edits: Vec<Edit>) -> Option<Fix> {
    (!edits.is_empty()).then(|| Fix {
        title: title.into(),
        applicability: Applicability::Safe,
        edits,
    })
}
