use std::path::Path;

use crate::context::BuildContext;
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{NodeKind, SourceKind};
use crate::knowledge::{self, InvocationKind, PackageManager, Presence, VCS_DIR};
use crate::lint::LintContext;
use crate::rules::common;
use crate::rules::{Category, Findings, Rule, RuleMeta};

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

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        // Without the context folder nothing is known about what it holds.
        let Some(context) = ctx.context else {
            return;
        };
        if builds_from_a_parent_folder(ctx, context) {
            return;
        }
        for stage in &ctx.graph.stages {
            let layers = ctx.graph.layers(stage.index());
            let mut managers: Vec<PackageManager> = Vec::new();
            for (_, node) in layers.iter() {
                let NodeKind::Run(run) = &node.kind else {
                    continue;
                };
                if !run.runs_managers() {
                    continue;
                }
                for mc in common::manager_commands(&ctx.commands(run)) {
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
            for node in ctx.graph.nodes_of(stage) {
                let Some(copy) = node.copy_info(ctx.file) else {
                    continue;
                };
                let whole_context = copy.sources.iter().any(|s| {
                    s.kind == SourceKind::Context && is_whole_context(s.path.unwrap_or(s.raw))
                });
                if !whole_context {
                    continue;
                }
                let inst = &ctx.file.instructions[node.instruction()];
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
    // Only a context that is a checkout's root holds `.git`; a service folder of a monorepo
    // built with its own folder as context, or an exported tree, sends none.
    if !vcs_excluded && context.dir.join(VCS_DIR).exists() {
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

/// Whether the Dockerfile, linted with its own folder as context, is probably built from a
/// parent folder instead (`docker build -f docker/Dockerfile .`): its folder has no ignore
/// file but a parent up to the checkout's root has one. Then the real context is unknown.
fn builds_from_a_parent_folder(ctx: &LintContext<'_>, context: &BuildContext) -> bool {
    if context.ignore_file.is_some() {
        return false;
    }
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let dockerfile_dir = match ctx.path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Some(dir) = canonical(&context.dir) else {
        return false;
    };
    if canonical(dockerfile_dir).as_deref() != Some(dir.as_path()) {
        return false;
    }
    // A checkout's root is as far as a context reaches; two levels cover `docker/Dockerfile`
    // and `build/docker/Dockerfile` layouts.
    for parent in dir.ancestors().skip(1).take(2) {
        if parent.join(".dockerignore").is_file() {
            return true;
        }
        if parent.join(VCS_DIR).exists() {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(dir: &std::path::Path) -> BuildContext {
        BuildContext::load(dir, None).expect("context folder exists")
    }

    #[test]
    fn git_folder_counts_only_when_the_context_has_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(missing_exclusions(&context(dir.path()), &[]).is_empty());
        std::fs::create_dir(dir.path().join(".git")).expect("create .git");
        assert_eq!(missing_exclusions(&context(dir.path()), &[]), vec![".git"]);
        std::fs::write(dir.path().join(".dockerignore"), ".git\n").expect("write ignore");
        assert!(missing_exclusions(&context(dir.path()), &[]).is_empty());
        std::fs::write(dir.path().join(".dockerignore"), ".git\n!.git/HEAD\n")
            .expect("write ignore");
        assert_eq!(missing_exclusions(&context(dir.path()), &[]), vec![".git"]);
    }

    #[test]
    fn install_folders_follow_the_managers_in_use() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join(".dockerignore"), "node_modules\n").expect("write ignore");
        let ctx = context(dir.path());
        assert!(missing_exclusions(&ctx, &[PackageManager::Npm]).is_empty());
        assert_eq!(
            missing_exclusions(&ctx, &[PackageManager::Pip]),
            vec![".venv", "__pycache__"]
        );
        std::fs::create_dir(dir.path().join("venv")).expect("create venv");
        assert_eq!(
            missing_exclusions(&ctx, &[PackageManager::Uv]),
            vec![".venv", "venv", "__pycache__"]
        );
    }

    #[test]
    fn silent_when_a_parent_folder_has_the_ignore_file() {
        let root = tempfile::tempdir().expect("temp dir");
        let docker = root.path().join("docker");
        std::fs::create_dir(&docker).expect("create docker/");
        let dockerfile = docker.join("Dockerfile");
        let source = "FROM node:22\nCOPY . .\nRUN npm ci\n";
        let findings = || {
            let only = |code: &'static str| code == META.code;
            crate::lint::lint_source(
                &dockerfile,
                source,
                Some(&docker),
                Some(&only),
                &Default::default(),
            )
            .expect("parses")
            .diagnostics
            .len()
        };
        assert_eq!(findings(), 1);
        std::fs::write(root.path().join(".dockerignore"), "node_modules\n").expect("write");
        assert_eq!(findings(), 0);
    }
}
