use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{Node, NodeKind};
use crate::knowledge::{InvocationKind, PackageManager};
use crate::lint::LintContext;
use crate::rules::common;
use crate::rules::{Category, Rule, RuleMeta};
use crate::span::Span;

pub struct VolatileCopyBeforeInstall;

pub static META: RuleMeta = RuleMeta {
    code: "LL101",
    name: "volatile-copy-before-install",
    category: Category::Ordering,
    default_severity: Severity::Warning,
    summary:
        "Source code copied before a dependency install, so every edit reinstalls all dependencies",
    doc: include_str!("../../../rules/LL101.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

/// A dependency install found in a stage's layers.
struct Install {
    /// Position in the stage's layer list.
    position: usize,
    span: Span,
    /// The command as written up to its verb (`npm ci`, `pip install`).
    shown: String,
    manager: PackageManager,
    /// Manifests to copy first.
    manifests: Vec<String>,
    /// Words of the RUN's commands, to tell whether the RUN uses what a COPY brought in.
    run_words: Vec<String>,
    /// Absolute paths the install reads (`-r /src/requirements.txt`, `/opt/wheels/x.whl`).
    input_paths: Vec<String>,
}

impl Rule for VolatileCopyBeforeInstall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
        let mut reported: Vec<usize> = Vec::new();
        for stage in &ctx.graph.stages {
            let layers = ctx.graph.layers(stage.index);
            let installs = installs_in(&layers);
            if installs.is_empty() {
                continue;
            }
            for (pos, (_, node)) in layers.iter().enumerate() {
                if reported.contains(&node.instruction) {
                    continue;
                }
                let volatile = common::volatile_sources(node, ctx.context_dir);
                if volatile.is_empty() {
                    continue;
                }
                let NodeKind::Copy(copy) = &node.kind else {
                    continue;
                };
                let dest = copy.dest.clone().unwrap_or_default();
                let whole_context = volatile.iter().any(|s| is_whole_context(s));
                let Some(install) = installs.iter().find(|i| {
                    i.position > pos
                        && (whole_context
                            || !(reads_under(i, &dest) || run_uses_copy(i, &volatile, &dest)))
                }) else {
                    continue;
                };
                reported.push(node.instruction);
                let inst = &ctx.file.instructions[node.instruction];
                let copied = ctx.file.text(inst.args_span).trim().to_string();
                let keyword = inst.keyword.as_str();
                let first_line = copied
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim_end_matches('\\')
                    .trim();
                let what = format!("{keyword} {first_line}");
                let (message, help) = if install.manifests.is_empty() {
                    (
                        format!(
                            "`{what}` invalidates the `{}` layer below it on every change to the copied files",
                            install.shown
                        ),
                        format!(
                            "{} reads no project files: move this {keyword} below the install",
                            install.manager.info().display_name
                        ),
                    )
                } else {
                    let list = install
                        .manifests
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(" and ");
                    (
                        format!(
                            "`{what}` invalidates the `{}` layer on every source change; copy {list} first",
                            install.shown
                        ),
                        format!(
                            "`COPY {} ./` before the install, and this {keyword} after it",
                            install.manifests.join(" ")
                        ),
                    )
                };
                out.push(
                    Diagnostic::new(&META, inst.span.cover(inst.keyword_word.span), message)
                        .with_label(
                            install.span,
                            "this install reruns whenever the copied files change",
                        )
                        .with_help(help),
                );
            }
        }
    }
}

fn is_whole_context(source: &str) -> bool {
    matches!(source.trim_start_matches("./"), "" | "." | "*" | "**" | "/")
}

/// Whether the install reads files that the COPY put in place (a folder of wheels or of
/// requirement lists copied to `dest`): then the COPY is the install's input.
fn reads_under(install: &Install, dest: &str) -> bool {
    if !dest.starts_with('/') {
        return false;
    }
    let dest = dest.trim_end_matches('/');
    install.input_paths.iter().any(|p| {
        dest.is_empty() || p == dest || p.strip_prefix(dest).is_some_and(|r| r.starts_with('/'))
    })
}

/// Whether the install's RUN uses the copied files (e.g. runs a copied script), in which
/// case the COPY cannot move below it.
fn run_uses_copy(install: &Install, sources: &[&str], dest: &str) -> bool {
    let dest = dest.trim_end_matches('/');
    let mut needles: Vec<&str> = sources
        .iter()
        .map(|s| s.trim_start_matches("./").trim_end_matches('/'))
        .filter(|s| !s.is_empty() && *s != "." && !s.contains('*'))
        .collect();
    if !dest.is_empty() && dest != "." {
        needles.push(dest);
    }
    install
        .run_words
        .iter()
        .any(|w| needles.iter().any(|n| w.contains(n)))
}

fn installs_in(layers: &[(usize, &Node)]) -> Vec<Install> {
    let mut installs = Vec::new();
    // Managers whose dependencies are already installed at this point.
    let mut deps_in: Vec<PackageManager> = Vec::new();
    for (position, (_, node)) in layers.iter().enumerate() {
        let NodeKind::Run(run) = &node.kind else {
            continue;
        };
        let run_words: Vec<String> = run
            .commands
            .iter()
            .flat_map(|c| c.cmd.words.iter().map(|w| w.value.clone()))
            .collect();
        let mut installed_here = Vec::new();
        for mc in common::manager_commands(run) {
            let inv = &mc.invocation;
            let counted = match inv.kind {
                InvocationKind::DependencyInstall => {
                    // `pip install .` or `poetry install` once the dependencies are in only
                    // installs the project itself.
                    !(inv.installs_local_project && deps_in.contains(&inv.manager))
                }
                // A build fetches dependencies itself unless a download step came first.
                InvocationKind::Build => {
                    let fetching: Vec<PackageManager> = inv
                        .caches
                        .iter()
                        .copied()
                        .filter(|m| !m.info().copy_first.is_empty())
                        .collect();
                    !fetching.is_empty() && !fetching.iter().any(|m| deps_in.contains(m))
                }
                _ => false,
            };
            if inv.kind == InvocationKind::DependencyInstall {
                installed_here.push(inv.manager);
            }
            if !counted {
                continue;
            }
            let manifest_manager = std::iter::once(inv.manager)
                .chain(inv.caches.iter().copied())
                .find(|m| !m.info().copy_first.is_empty())
                .unwrap_or(inv.manager);
            // Requirement files fetched from a URL are not in the build context.
            let local_reads: Vec<String> = inv
                .reads_files
                .iter()
                .filter(|f| !f.contains("://"))
                .cloned()
                .collect();
            let input_paths: Vec<String> = inv
                .reads_files
                .iter()
                .cloned()
                .chain(mc.command.cmd.args().map(str::to_string))
                .filter(|p| p.starts_with('/'))
                .collect();
            // A local package other than the project folder (`pip install /opt/wheels/x.whl`)
            // has no manifest to copy first.
            let only_local_packages = inv.installs_local_project
                && local_reads.is_empty()
                && !mc.command.cmd.args().any(|a| {
                    matches!(a.trim_end_matches('/'), "." | "./" | "") || a.starts_with(".[")
                });
            let manifests: Vec<String> = if only_local_packages {
                Vec::new()
            } else if !local_reads.is_empty() {
                local_reads
            } else if !inv.reads_files.is_empty() {
                Vec::new()
            } else if inv.from_manifest || inv.kind == InvocationKind::Build {
                manifest_manager
                    .info()
                    .copy_first
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            } else {
                Vec::new()
            };
            let shown = mc
                .command
                .cmd
                .words
                .iter()
                .take(inv.verb_index + 1)
                .map(|w| w.value.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            installs.push(Install {
                position,
                span: mc.command.span,
                shown,
                manager: inv.manager,
                manifests,
                run_words: run_words.clone(),
                input_paths,
            });
        }
        deps_in.extend(installed_here);
    }
    installs
}
