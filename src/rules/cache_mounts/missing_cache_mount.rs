use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::NodeKind;
use crate::knowledge::{InvocationKind, PackageManager};
use crate::lint::LintContext;
use crate::rules::common::{self, CacheDirs};
use crate::rules::{Category, Rule, RuleMeta};

pub struct MissingCacheMount;

pub static META: RuleMeta = RuleMeta {
    code: "LL201",
    name: "missing-cache-mount",
    category: Category::CacheMounts,
    default_severity: Severity::Warning,
    summary: "Dependency install without a `RUN --mount=type=cache` on the package manager's cache",
    doc: include_str!("../../../rules/LL201.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for MissingCacheMount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Vec<Diagnostic>) {
        for stage in &ctx.graph.stages {
            let image = common::root_image(ctx.graph, stage.index);
            for node in &stage.nodes {
                let NodeKind::Run(run) = &node.kind else {
                    continue;
                };
                let mounts = common::cache_mount_targets(run, &node.vars, ctx.file.escape);
                let mut reported: Vec<PackageManager> = Vec::new();
                for mc in common::manager_commands(run) {
                    let inv = &mc.invocation;
                    if inv.kind != InvocationKind::DependencyInstall
                        || reported.contains(&inv.manager)
                    {
                        continue;
                    }
                    let dirs = match common::cache_dirs(inv.manager, node, inv, mc.command) {
                        CacheDirs::Unknown => continue,
                        CacheDirs::Moved(d) => vec![d],
                        CacheDirs::Defaults(d) => d,
                    };
                    if dirs.is_empty() {
                        continue;
                    }
                    let covered = mounts.iter().any(|(_, target)| match target {
                        // A target we cannot expand may well be right.
                        None => true,
                        // A mount inside the cache folder (Go's `/go/pkg/mod/cache`) keeps
                        // the downloads, which is what saves the network.
                        Some(t) => dirs
                            .iter()
                            .any(|d| common::covers(t, d) || common::covers(d, t)),
                    });
                    if covered {
                        continue;
                    }
                    reported.push(inv.manager);
                    let inst = &ctx.file.instructions[node.instruction];
                    let words: Vec<&str> = mc
                        .command
                        .cmd
                        .words
                        .iter()
                        .take(inv.verb_index + 1)
                        .map(|w| w.value.as_str())
                        .collect();
                    let shown = words.join(" ");
                    let targets = suggested_targets(inv.manager, &dirs, image.as_deref());
                    let info = inv.manager.info();
                    let sharing = if info.needs_locked_sharing {
                        ",sharing=locked"
                    } else {
                        ""
                    };
                    let flags: Vec<String> = targets
                        .iter()
                        .map(|t| format!("--mount=type=cache,target={t}{sharing}"))
                        .collect();
                    let wrong = mounts
                        .iter()
                        .filter_map(|(_, t)| t.clone())
                        .collect::<Vec<_>>();
                    let message = if wrong.is_empty() {
                        format!(
                            "`{shown}` downloads every package again whenever this layer rebuilds: the RUN has no cache mount for {}",
                            info.display_name
                        )
                    } else {
                        format!(
                            "`{shown}` gets no warm cache: the cache mount at `{}` does not hold the {} cache at `{}`",
                            wrong.join("`, `"),
                            info.display_name,
                            dirs.first().map(String::as_str).unwrap_or("?")
                        )
                    };
                    let mut help = format!("add `RUN {}`", flags.join(" "));
                    if let Some(advice) = info.mount_advice {
                        help.push_str("; ");
                        help.push_str(advice);
                    }
                    out.push(
                        Diagnostic::new(&META, inst.keyword_word.span, message)
                            .with_label(mc.command.span, format!("{} install", info.display_name))
                            .with_help(help),
                    );
                }
            }
        }
    }
}

/// The mount targets to suggest: the official image's own location when the stage is built
/// on that image, otherwise the tool's default for the user.
fn suggested_targets(manager: PackageManager, dirs: &[String], image: Option<&str>) -> Vec<String> {
    let info = manager.info();
    let image_dir =
        |d: &crate::knowledge::CacheDir| d.location.resolve(crate::knowledge::ROOT_HOME);
    let for_image: Vec<String> = info
        .cache_dirs
        .iter()
        .filter(|d| d.image.is_some() && d.image == image)
        .map(image_dir)
        .collect();
    let image_specific: Vec<String> = info
        .cache_dirs
        .iter()
        .filter(|d| d.image.is_some())
        .map(image_dir)
        .collect();
    let mut out: Vec<String> = if for_image.is_empty() {
        dirs.iter()
            .filter(|d| !image_specific.contains(d))
            .cloned()
            .collect()
    } else {
        for_image
    };
    if out.is_empty() {
        out = dirs.to_vec();
    }
    // apt keeps packages and lists in two folders; other tools need one.
    let keep = if manager == PackageManager::Apt { 2 } else { 1 };
    out.truncate(keep);
    out
}
