use crate::context::BuildContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{NodeKind, SourceKind};
use crate::knowledge::{self, InvocationKind, PackageManager, Presence, VCS_DIR};
use crate::lint::LintContext;
use crate::rules::common;
use crate::rules::{Category, Rule, RuleMeta};

pub struct ContextCopyWithoutDockerignore;

pub static META: RuleMeta = RuleMeta {
    code: "LL103",
    name: "context-copy-without-dockerignore",
    category: Category::Ordering,
    default_severity: Severity::Warning,
    summary: "Whole build context copied while `.dockerignore` does not leave out `.git` or the install folders, so the layer never stays cached",
    doc: include_str!("../../../rules/LL103.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for ContextCopyWithoutDockerignore {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
        // Without the context folder nothing is known about what it holds.
        let Some(context) = ctx.context else {
            return;
        };
        for stage in &ctx.graph.stages {
            let layers = ctx.graph.layers(stage.index);
            let mut managers: Vec<PackageManager> = Vec::new();
            for (_, node) in &layers {
                let NodeKind::Run(run) = &node.kind else {
                    continue;
                };
                for mc in common::manager_commands(run) {
                    let inv = &mc.invocation;
                    // Only work on the project itself says which local folders it has:
                    // `npm install -g azurite` or `pip install awscli` creates none.
                    let on_project = match inv.kind {
                        InvocationKind::DependencyInstall => {
                            inv.from_manifest || inv.installs_local_project
                        }
                        InvocationKind::ProjectInstall | InvocationKind::Build => true,
                        _ => false,
                    };
                    if on_project {
                        for m in std::iter::once(inv.manager).chain(inv.caches.iter().copied()) {
                            if !managers.contains(&m) {
                                managers.push(m);
                            }
                        }
                    }
                }
            }
            let missing = missing_exclusions(context, &managers);
            if missing.is_empty() {
                continue;
            }
            for node in &stage.nodes {
                let NodeKind::Copy(copy) = &node.kind else {
                    continue;
                };
                let whole_context = copy.sources.iter().any(|s| {
                    s.kind == SourceKind::Context
                        && is_whole_context(s.path.as_deref().unwrap_or(&s.raw))
                });
                if !whole_context {
                    continue;
                }
                let inst = &ctx.file.instructions[node.instruction];
                let shown = ctx
                    .file
                    .text(inst.span)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim_end_matches('\\')
                    .trim()
                    .to_string();
                out.push(finding(context, &shown, inst.span, &missing));
            }
        }
    }
}

fn finding(
    context: &BuildContext,
    shown: &str,
    span: crate::span::Span,
    missing: &[&str],
) -> Diagnostic {
    let quoted: Vec<String> = missing.iter().map(|d| format!("`{d}`")).collect();
    let list = match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.join(""),
    };
    let has_vcs = missing.contains(&VCS_DIR);
    let invalidated_by = match (has_vcs, missing.len()) {
        (true, 1) => "every commit",
        (true, _) => "every commit and every local install or build",
        (false, _) => "every local install or build",
    };
    let ignore_name = context
        .ignore_file
        .as_deref()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().to_string());
    let vcs_partly = has_vcs
        && context
            .dockerignore
            .as_ref()
            .is_some_and(|ignore| ignore.is_excluded(VCS_DIR));
    let (message, help) = match ignore_name {
        None => (
            format!(
                "`{shown}` copies the whole build context, which has no `.dockerignore`: {list} {} the layer, so {invalidated_by} invalidates it",
                if missing.len() == 1 { "reaches" } else { "reach" }
            ),
            format!("add a `.dockerignore` at the context root that lists {list}"),
        ),
        Some(name) => (
            format!(
                "`{shown}` copies the whole build context, and `{name}` does not exclude {list}{}: {invalidated_by} invalidates the layer",
                if vcs_partly { " (an exception re-includes part of `.git`)" } else { "" }
            ),
            format!("add {list} to `{name}`"),
        ),
    };
    Diagnostic::new(&META, span, message).with_help(help)
}

/// `.`, `./`, `*` or `/`: the source is the whole context.
fn is_whole_context(source: &str) -> bool {
    let s = source.trim();
    let s = s.strip_prefix("./").unwrap_or(s);
    matches!(s, "" | "." | "*" | "/" | "./" | "/.")
}

/// The folders that should stay out of the context but do not: `.git`, and the local
/// install folders of `managers` (those that exist, for the less common names).
fn missing_exclusions(context: &BuildContext, managers: &[PackageManager]) -> Vec<&'static str> {
    let excluded = |dir: &str, sample: Option<&str>| match &context.dockerignore {
        None => false,
        Some(ignore) => {
            ignore.excludes_dir(dir)
                || ignore.is_excluded(dir)
                || sample.is_some_and(|f| ignore.is_excluded(f))
        }
    };
    let mut missing = Vec::new();
    let vcs_excluded = context
        .dockerignore
        .as_ref()
        .is_some_and(|ignore| ignore.excludes_dir(VCS_DIR));
    if !vcs_excluded {
        missing.push(VCS_DIR);
    }
    for manager in managers {
        for local in knowledge::local_install_dirs(*manager) {
            if missing.contains(&local.dir) {
                continue;
            }
            if local.presence == Presence::IfPresent && !context.dir.join(local.dir).is_dir() {
                continue;
            }
            if !excluded(local.dir, local.sample_file) {
                missing.push(local.dir);
            }
        }
    }
    missing
}
