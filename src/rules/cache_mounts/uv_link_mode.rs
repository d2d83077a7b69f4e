use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::NodeKind;
use crate::knowledge::mount_facts::UV_LINK_MODE_ENV;
use crate::knowledge::PackageManager;
use crate::lint::LintContext;
use crate::rules::cache_mounts::runtime_files_in_cache_mount::link_mode_flag;
use crate::rules::common::{self, CacheDirs};
use crate::rules::{Category, Findings, Rule, RuleMeta};

pub struct UvLinkMode;

pub static META: RuleMeta = RuleMeta {
    code: "LL207",
    name: "uv-link-mode",
    category: Category::CacheMounts,
    default_severity: Severity::Info,
    summary: "uv with a cache mount but without `UV_LINK_MODE=copy`, so every hard link into the mount fails first",
    doc: include_str!("../../../rules/LL207.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for UvLinkMode {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        for stage in &ctx.graph.stages {
            for node in ctx.graph.nodes_of(stage) {
                let NodeKind::Run(run) = &node.kind else {
                    continue;
                };
                let mounts = common::cache_mount_targets(run, node.vars(), ctx.file.escape);
                if mounts.is_empty() {
                    continue;
                }
                for mc in common::manager_commands(&ctx.commands(run)) {
                    let inv = &mc.invocation;
                    if inv.manager != PackageManager::Uv
                        || !inv.kind.is_install()
                        || inv.disables_cache
                    {
                        continue;
                    }
                    let mode = match link_mode_flag(mc.command) {
                        Some(flag) => Some(flag),
                        None => match common::var_for(node, mc.command, UV_LINK_MODE_ENV) {
                            // Set to something not known statically: it may well be `copy`.
                            Some(None) => continue,
                            Some(Some(v)) => Some(v),
                            None => None,
                        },
                    };
                    // `symlink` is worse than a warning; LL206 reports it.
                    if matches!(mode.as_deref(), Some("copy" | "symlink")) {
                        continue;
                    }
                    let dirs = match common::cache_dirs(PackageManager::Uv, node, inv, mc.command) {
                        CacheDirs::Moved(d) => vec![d],
                        CacheDirs::Defaults(d) => d,
                        CacheDirs::Unknown => continue,
                    };
                    let Some((mount, target)) = mounts.iter().find_map(|(m, t)| {
                        t.as_ref()
                            .filter(|t| dirs.iter().any(|d| common::overlaps(t, d)))
                            .map(|t| (*m, t.clone()))
                    }) else {
                        continue;
                    };
                    let shown = common::shown_command(mc.command, inv.verb_index);
                    let how = match &mode {
                        Some(m) => format!("with link mode `{m}`"),
                        None => "by default".to_string(),
                    };
                    out.push(
                        Diagnostic::new(
                            &META,
                            mc.command.span(),
                            format!(
                                "`{shown}` links packages from the cache mount at `{target}` {how}, but the mount is another file system: each link fails and uv falls back to copying, with a warning"
                            ),
                        )
                        .with_label(mount.span, "uv cache on its own file system")
                        .with_help("add `ENV UV_LINK_MODE=copy` to the stage (or pass `--link-mode=copy`)"),
                    );
                    break;
                }
            }
        }
    }
}
