use super::{append_attr, ci_only_rule, safe_fix};
use crate::ci::{CacheKind, CiFinding, CiRepo, CiRule};
use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::rules::{Category, RuleMeta};
use crate::span::Span;

pub struct CacheExportMinMode;

pub static META: RuleMeta = RuleMeta {
    code: "LL603",
    name: "cache-export-min-mode",
    category: Category::CiCache,
    default_severity: Severity::Warning,
    summary: "Cache export without `mode=max` for a multi-stage Dockerfile",
    doc: include_str!("../../../rules/LL603.md"),
    fixable: true,
    default_enabled: true,
    experimental: false,
};

ci_only_rule!(CacheExportMinMode, META);

impl CiRule for CacheExportMinMode {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_ci(&self, repo: &CiRepo, out: &mut Vec<CiFinding>) {
        for b in &repo.builds {
            // Only when the Dockerfile was read and has builder stages.
            if b.multi_stage != Some(true) {
                continue;
            }
            for spec in &b.cache_to {
                let exports_layers = matches!(
                    spec.kind,
                    CacheKind::Gha
                        | CacheKind::Registry
                        | CacheKind::Local
                        | CacheKind::S3
                        | CacheKind::Azblob
                );
                let Some(mode) = spec.mode() else { continue };
                if !exports_layers || mode.eq_ignore_ascii_case("max") {
                    continue;
                }
                let explicit = spec.attr("mode").is_some();
                let dockerfile = b.dockerfile_path.as_deref().unwrap_or("Dockerfile");
                let message = format!(
                    "`{}` exports the cache in `{mode}` mode{}: only the final stage's layers are saved, so the builder stages of the multi-stage `{dockerfile}` rebuild on every run",
                    spec.raw,
                    if explicit { "" } else { " (the default)" },
                );
                let mut d = Diagnostic::new(&META, spec.loc.span, message)
                    .with_help(format!("export every stage: `{}`", with_max(&spec.raw)));
                if b.events.only_pull_request() {
                    d = d.with_severity(Severity::Info);
                }
                let edit = if explicit {
                    replace_mode(repo, spec)
                } else {
                    append_attr(repo, spec, "mode=max")
                };
                if let Some(fix) = safe_fix(
                    "export all stages with `mode=max`",
                    edit.into_iter().collect(),
                ) {
                    d = d.with_fix(fix);
                }
                out.push(CiFinding::new(spec.loc, d));
            }
        }
    }
}

fn with_max(raw: &str) -> String {
    let fields: Vec<String> = raw
        .split(',')
        .filter(|f| !f.trim().to_ascii_lowercase().starts_with("mode="))
        .map(|f| f.trim().to_string())
        .collect();
    if raw.contains('=') {
        format!("{},mode=max", fields.join(","))
    } else {
        format!("type=registry,ref={raw},mode=max")
    }
}

fn replace_mode(repo: &CiRepo, spec: &crate::ci::CacheSpec) -> Option<Edit> {
    if !spec.exact || spec.has_expression {
        return None;
    }
    let written = repo.source(spec.loc);
    let lower = written.to_ascii_lowercase();
    let at = lower.find("mode=")?;
    let value_start = at + "mode=".len();
    let value_len = written[value_start..]
        .find(',')
        .unwrap_or(written.len() - value_start);
    let start = spec.loc.span.start() + value_start;
    Some(Edit {
        span: Span::new(start, start + value_len),
        replacement: "max".into(),
    })
}
