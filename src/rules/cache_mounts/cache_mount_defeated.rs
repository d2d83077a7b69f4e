use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::fix::edits;
use crate::graph::{Command, Node, NodeKind};
use crate::knowledge::mount_facts::APT_ARCHIVES_DIR;
use crate::knowledge::{classify, Invocation, InvocationKind, PackageManager, ROOT_HOME};
use crate::lint::LintContext;
use crate::rules::common::{self, CacheDirs};
use crate::rules::{Category, Findings, Rule, RuleMeta};
use crate::span::Span;

pub struct CacheMountDefeated;

pub static META: RuleMeta = RuleMeta {
    code: "LL202",
    name: "cache-mount-defeated",
    category: Category::CacheMounts,
    default_severity: Severity::Warning,
    summary: "A RUN empties or turns off the cache its own cache mount is there to keep",
    doc: include_str!("../../../rules/LL202.md"),
    fixable: true,
    default_enabled: true,
    experimental: false,
};

/// How a command defeats a mount.
enum Defeat {
    /// It empties the cache (`apt-get clean`, `rm -rf /var/lib/apt/lists/*`).
    Cleans,
    /// A flag on the command turns the cache off (`--no-cache-dir`).
    Flag(String),
    /// A variable turns the cache off.
    Env(String),
}

impl Rule for CacheMountDefeated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        for stage in &ctx.graph.stages {
            for node in ctx.graph.nodes_of(stage) {
                let NodeKind::Run(run) = &node.kind else {
                    continue;
                };
                let mounts: Vec<(Span, String)> =
                    common::known_cache_mounts(run, node, ctx.file.escape)
                        .into_iter()
                        .map(|(m, t)| (m.span, t))
                        .collect();
                if mounts.is_empty() {
                    continue;
                }
                // A RUN that only cleans (a deliberate purge) defeats nothing it uses.
                let commands = ctx.commands(run);
                let used = common::used_cache_dirs(node, &commands);
                let mounts: Vec<(Span, String)> = mounts
                    .into_iter()
                    .filter(|(_, t)| used.iter().any(|d| common::overlaps(t, d)))
                    .collect();
                if mounts.is_empty() {
                    continue;
                }
                let mut cuts = None;
                for (index, command) in commands.iter().enumerate() {
                    let inv = classify(&command.cmd);
                    let Some((defeat, mount_span, target)) =
                        defeat_of(node, command, inv.as_ref(), &mounts)
                    else {
                        continue;
                    };
                    let manager = inv.as_ref().map(|i| i.manager.display_name());
                    let inst = &ctx.file.instructions[node.instruction()];
                    let edit = match &defeat {
                        Defeat::Cleans => cuts
                            .get_or_insert_with(|| edits::CommandCuts::new(&commands))
                            .remove(ctx.file, inst, index),
                        Defeat::Flag(flag) => command
                            .cmd
                            .words
                            .iter()
                            .position(|w| w.value == flag)
                            .and_then(|i| edits::remove_word(ctx.file, command, i)),
                        Defeat::Env(_) => None,
                    };
                    let mut diag = report(command, manager, defeat, mount_span, &target);
                    if let Some(e) = edit {
                        diag = diag.with_fix(Fix {
                            title: format!("Remove `{}`", ctx.file.text(e.span).trim()).into(),
                            // The mount never reaches the image: dropping the cleanup keeps it the same.
                            applicability: Applicability::Safe,
                            edits: vec![e],
                        });
                    }
                    out.push(diag);
                }
            }
        }
    }
}

/// What the command does to one of the mounts, if it defeats one.
fn defeat_of(
    node: &Node,
    command: &Command,
    inv: Option<&Invocation>,
    mounts: &[(Span, String)],
) -> Option<(Defeat, Span, String)> {
    let hit = |dirs: &[String]| {
        mounts
            .iter()
            .find(|(_, t)| dirs.iter().any(|d| common::overlaps(t, d)))
            .map(|(s, t)| (*s, t.clone()))
    };
    if command.cmd.program() == Some("rm") {
        // Removing a known cache folder inside the mount empties it; removing anything
        // else counts only when it wipes the whole mount (`rm -rf /tmp/cache/*` under a
        // mount at `/tmp/cache`), not when it deletes some build output inside it.
        let known_cache = inv.is_some_and(|i| i.kind == InvocationKind::CacheClean);
        let operands = rm_operands(command);
        let (span, target) = mounts.iter().find(|(_, t)| {
            operands.iter().any(|o| {
                common::covers(o, t) || (known_cache && common::covers(t, o) && is_cache_path(o))
            })
        })?;
        return Some((Defeat::Cleans, *span, target.clone()));
    }
    let inv = inv?;
    if inv.kind == InvocationKind::CacheClean {
        let dirs = cleaned_dirs(node, command, inv)?;
        let (span, target) = hit(&dirs)?;
        return Some((Defeat::Cleans, span, target));
    }
    if !inv.kind.uses_cache() {
        return None;
    }
    let info = inv.manager.info();
    let defeat = if inv.disables_cache {
        let flag = command
            .cmd
            .words
            .iter()
            .map(|w| w.value.as_str())
            .find(|w| is_disabling_flag(inv.manager, w))
            .map(str::to_string);
        match flag {
            Some(f) => Defeat::Flag(f),
            None => Defeat::Env(
                command
                    .cmd
                    .assignments
                    .iter()
                    .find(|a| info.disabling_env.iter().any(|e| e.name == a.name))
                    .map(|a| a.name.clone())
                    .unwrap_or_else(|| "an option".to_string()),
            ),
        }
    } else {
        let env = info
            .disabling_env
            .iter()
            .find(|e| matches!(node.vars().get(e.name), Some(Some(v)) if e.disables(v)))?;
        Defeat::Env(env.name.to_string())
    };
    let dirs = match common::cache_dirs(inv.manager, node, inv, command) {
        CacheDirs::Unknown => return None,
        CacheDirs::Moved(d) => vec![d],
        CacheDirs::Defaults(d) => d,
    };
    let (span, target) = hit(&dirs)?;
    Some((defeat, span, target))
}

fn is_disabling_flag(manager: PackageManager, word: &str) -> bool {
    let info = manager.info();
    if info.disabling_flags.contains(&word) {
        return true;
    }
    let lower = word.to_ascii_lowercase();
    match manager {
        PackageManager::Apt => lower.contains("keep-downloaded-packages=false"),
        PackageManager::Dnf | PackageManager::Yum | PackageManager::Microdnf => {
            lower.contains("keepcache=0")
                || lower.contains("keepcache=false")
                || lower.contains("keepcache=no")
        }
        _ => false,
    }
}

/// The folders a cleaning command empties; `None` when it empties nothing for sure
/// (`uv cache prune` and `apt-get autoclean` drop only stale entries).
fn cleaned_dirs(node: &Node, command: &Command, inv: &Invocation) -> Option<Vec<String>> {
    let words: Vec<&str> = command.cmd.words.iter().map(|w| w.value.as_str()).collect();
    if words
        .iter()
        .any(|w| matches!(*w, "prune" | "autoclean" | "auto-clean" | "expire-cache"))
    {
        return None;
    }
    let mut dirs = Vec::new();
    for manager in &inv.caches {
        if *manager == PackageManager::Apt {
            // `apt-get clean` empties the package archive; the lists stay.
            dirs.push(APT_ARCHIVES_DIR.to_string());
            continue;
        }
        match common::cache_dirs(*manager, node, inv, command) {
            CacheDirs::Unknown => {}
            CacheDirs::Moved(d) => dirs.push(d),
            CacheDirs::Defaults(d) => dirs.extend(d),
        }
    }
    Some(dirs)
}

/// Whether a removed path is (inside) a known cache folder, not a folder that merely
/// holds one.
fn is_cache_path(path: &str) -> bool {
    crate::knowledge::caches_at(path, ROOT_HOME)
        .iter()
        .any(|c| {
            matches!(
                c.relation,
                crate::knowledge::PathRelation::Same | crate::knowledge::PathRelation::PathInside
            )
        })
}

/// `rm` operands as absolute folders: `~` and `$HOME` are the user's home, and a trailing
/// `/*` stands for the folder.
fn rm_operands(command: &Command) -> Vec<String> {
    command
        .cmd
        .words
        .iter()
        .skip(1)
        .map(|w| w.value.as_str())
        .filter(|w| !w.starts_with('-'))
        .filter_map(|w| {
            let path = if let Some(rest) = w
                .strip_prefix("~/")
                .or_else(|| w.strip_prefix("$HOME/"))
                .or_else(|| w.strip_prefix("${HOME}/"))
            {
                format!("{ROOT_HOME}/{rest}")
            } else if w.starts_with('/') {
                w.to_string()
            } else {
                return None;
            };
            let mut p = path.trim_end_matches('/');
            while let Some(parent) = p.strip_suffix("/*").or_else(|| p.strip_suffix("/.*")) {
                p = parent;
            }
            (p.len() > 1).then(|| p.to_string())
        })
        .collect()
}

fn report(
    command: &Command,
    manager: Option<&str>,
    defeat: Defeat,
    mount: Span,
    target: &str,
) -> Diagnostic {
    let name = manager.unwrap_or("package");
    let label = format!("cache mount on `{target}`");
    let (span, message, help) = match defeat {
        Defeat::Cleans => {
            let shown = common::shown_command(command, command.cmd.words.len().saturating_sub(1));
            (
                command.span(),
                format!(
                    "`{shown}` empties the cache mount at `{target}` that this RUN sets up, so the next build downloads everything again"
                ),
                format!(
                    "remove `{shown}`: a cache mount is never part of the image, so there is nothing to clean"
                ),
            )
        }
        Defeat::Flag(flag) => (
            common::word_span(command, 1, |w| w == flag),
            format!("`{flag}` turns the {name} cache off, so the cache mount at `{target}` stays empty"),
            format!("remove `{flag}`: the cache mount already keeps the cache out of the image"),
        ),
        Defeat::Env(var) => (
            command.span(),
            format!("`{var}` turns the {name} cache off, so the cache mount at `{target}` stays empty"),
            format!("unset `{var}` (remove its ENV, ARG or prefix): the cache mount already keeps the cache out of the image"),
        ),
    };
    Diagnostic::new(&META, span, message)
        .with_label(mount, label)
        .with_help(help)
}
