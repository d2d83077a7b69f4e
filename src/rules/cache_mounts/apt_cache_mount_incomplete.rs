use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{Node, NodeKind};
use crate::knowledge::mount_facts::{
    self, APT_ARCHIVES_DIR, APT_DOCKER_CLEAN, APT_KEEP_DOWNLOADED, APT_LISTS_DIR,
};
use crate::knowledge::{InvocationKind, PackageManager};
use crate::lint::LintContext;
use crate::rules::common::{self, CacheDirs, History, ManagerCommand};
use crate::rules::{Category, Findings, Rule, RuleMeta};
use crate::syntax::Mount;

pub struct AptCacheMountIncomplete;

pub static META: RuleMeta = RuleMeta {
    code: "LL203",
    name: "apt-cache-mount-incomplete",
    category: Category::CacheMounts,
    default_severity: Severity::Warning,
    summary: "A system package cache mount that is not locked, covers only part of the cache, or stays empty because the packages are deleted",
    doc: include_str!("../../../rules/LL203.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

/// System package managers that delete packages or need a locked cache.
const RPM_FAMILY: [PackageManager; 4] = [
    PackageManager::Dnf,
    PackageManager::Yum,
    PackageManager::Microdnf,
    PackageManager::Zypper,
];

impl Rule for AptCacheMountIncomplete {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        for stage in &ctx.graph.stages {
            let layers = common::LayerHistory::new(ctx.graph, ctx.file, stage.index());
            for (position, (owner, node)) in layers.layers.iter().enumerate() {
                if owner != stage.index() {
                    continue;
                }
                let NodeKind::Run(run) = &node.kind else {
                    continue;
                };
                let mounts = common::known_cache_mounts(run, node, ctx.file.escape);
                if mounts.is_empty() {
                    continue;
                }
                // Everything that ran up to and including this RUN in the image.
                let history = layers.at(position);
                let run_commands = ctx.commands(run);
                // Every question below is about the first apt or RPM-family command of a
                // manager, kind and program (`apt` or not): keeping only the first of each
                // keeps the list short on a RUN of thousands of commands.
                let mut seen = Vec::new();
                let commands: Vec<_> = common::manager_commands(&run_commands)
                    .filter(|c| {
                        let inv = &c.invocation;
                        let key = (
                            inv.manager,
                            inv.kind,
                            c.command.cmd.program() == Some("apt"),
                        );
                        let relevant =
                            inv.manager == PackageManager::Apt || RPM_FAMILY.contains(&inv.manager);
                        let first = relevant && !seen.contains(&key);
                        if first {
                            seen.push(key);
                        }
                        first
                    })
                    .collect();
                let dnf5 = fedora_with_dnf5(ctx, stage.index());
                check_apt(&mounts, &commands, history, out);
                for manager in RPM_FAMILY {
                    check_rpm(manager, node, dnf5, &mounts, &commands, history, out);
                }
            }
        }
    }
}

fn is_locked(mount: &Mount) -> bool {
    // `private` gives each concurrent build its own copy, which is safe too.
    mount
        .sharing()
        .is_some_and(|s| s.eq_ignore_ascii_case("locked") || s.eq_ignore_ascii_case("private"))
}

fn check_apt(
    mounts: &[(&Mount, String)],
    commands: &[ManagerCommand<'_>],
    history: History<'_, '_>,
    out: &mut Findings,
) {
    let archives = mounts
        .iter()
        .find(|(_, t)| common::overlaps(t, APT_ARCHIVES_DIR));
    let lists = mounts
        .iter()
        .find(|(_, t)| common::overlaps(t, APT_LISTS_DIR));
    let apt: Vec<&ManagerCommand> = commands
        .iter()
        .filter(|c| c.invocation.manager == PackageManager::Apt)
        .collect();
    let installs = apt
        .iter()
        .find(|c| c.invocation.kind == InvocationKind::DependencyInstall);
    let update = apt
        .iter()
        .find(|c| c.invocation.kind == InvocationKind::IndexUpdate);

    for (mount, target) in [archives, lists].into_iter().flatten() {
        if !is_locked(mount) {
            out.push(
                Diagnostic::new(
                    &META,
                    mount.span,
                    format!(
                        "the apt cache mount at `{target}` is shared between concurrent builds, which then fight over apt's lock and fail"
                    ),
                )
                .with_help(format!("add `sharing=locked`: `--mount=type=cache,target={target},sharing=locked`")),
            );
        }
    }
    if archives.is_none() && lists.is_none() {
        return;
    }
    let any_mount = archives.or(lists).map(|(m, _)| m.span);
    if let (Some(install), None, Some(span)) = (installs, archives, any_mount) {
        out.push(
            Diagnostic::new(
                &META,
                span,
                format!(
                    "`{}` downloads every package again: the RUN mounts the package lists but not the package archive `{APT_ARCHIVES_DIR}`",
                    common::shown_command(install.command, install.invocation.verb_index)
                ),
            )
            .with_label(install.command.span(), "apt install")
            .with_help(format!(
                "add `--mount=type=cache,target={APT_ARCHIVES_DIR},sharing=locked`"
            )),
        );
    }
    if let (Some(update), None, Some(span)) = (update, lists, any_mount) {
        out.push(
            Diagnostic::new(
                &META,
                span,
                format!(
                    "`{}` downloads the package lists again on every build: the RUN mounts the archive but not `{APT_LISTS_DIR}`",
                    common::shown_command(update.command, update.invocation.verb_index)
                ),
            )
            .with_label(update.command.span(), "index update")
            .with_help(format!("add `--mount=type=cache,target={APT_LISTS_DIR},sharing=locked`")),
        );
    }
    let (Some(install), Some((mount, target))) = (installs, archives) else {
        return;
    };
    if !mentions(history, "docker-clean", |w| w.contains("docker-clean")) {
        out.push(
            Diagnostic::new(
                &META,
                mount.span,
                format!(
                    "`{APT_DOCKER_CLEAN}` deletes every downloaded package after `{}`, so the cache mount at `{target}` stays empty",
                    common::shown_command(install.command, install.invocation.verb_index)
                ),
            )
            .with_label(install.command.span(), "its packages are deleted after this install")
            .with_help(format!(
                "`RUN rm -f {APT_DOCKER_CLEAN}` before this RUN (Debian and Ubuntu images ship the file)"
            )),
        );
    }
    let apt_binary = apt.iter().find(|c| {
        c.invocation.kind == InvocationKind::DependencyInstall
            && c.command.cmd.program() == Some("apt")
    });
    if let Some(front_end) = apt_binary {
        let keeps = mentions(history, "apt-keep-downloaded", |w| {
            let lower = w.to_ascii_lowercase();
            lower.contains(&APT_KEEP_DOWNLOADED.to_ascii_lowercase()) && lower.contains("true")
        });
        if !keeps {
            out.push(
                Diagnostic::new(
                    &META,
                    mount.span,
                    format!(
                        "`apt` deletes the packages it downloaded after a successful install, so the cache mount at `{target}` stays empty"
                    ),
                )
                .with_label(front_end.command.span(), "`apt`, unlike `apt-get`, does not keep packages")
                .with_help(
                    "set it once: `RUN echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache`, or use `apt-get`",
                ),
            );
        }
    }
}

fn check_rpm(
    manager: PackageManager,
    node: &Node,
    dnf5: bool,
    mounts: &[(&Mount, String)],
    commands: &[ManagerCommand<'_>],
    history: History<'_, '_>,
    out: &mut Findings,
) {
    let Some(install) = commands.iter().find(|c| {
        c.invocation.manager == manager
            && matches!(
                c.invocation.kind,
                InvocationKind::DependencyInstall | InvocationKind::IndexUpdate
            )
    }) else {
        return;
    };
    let dirs = match common::cache_dirs(manager, node, &install.invocation, install.command) {
        CacheDirs::Unknown => return,
        CacheDirs::Moved(d) => vec![d],
        CacheDirs::Defaults(d) => d,
    };
    let Some((mount, target)) = mounts
        .iter()
        .find(|(_, t)| dirs.iter().any(|d| common::overlaps(t, d)))
    else {
        return;
    };
    let name = manager.display_name();
    if dnf5 && manager == PackageManager::Dnf && !common::overlaps(target, DNF5_CACHE_DIR) {
        out.push(
            Diagnostic::new(
                &META,
                mount.span,
                format!(
                    "Fedora 41 and later run dnf5, which keeps its cache in `{DNF5_CACHE_DIR}`: the cache mount at `{target}` holds nothing"
                ),
            )
            .with_label(install.command.span(), "dnf5 install")
            .with_help(format!(
                "mount `--mount=type=cache,target={DNF5_CACHE_DIR},sharing=locked` and pass `--setopt=keepcache=True`"
            )),
        );
        return;
    }
    if !is_locked(mount) {
        out.push(
            Diagnostic::new(
                &META,
                mount.span,
                format!(
                    "the {name} cache mount at `{target}` is shared between concurrent builds, which corrupt or block on each other's cache"
                ),
            )
            .with_help(format!("add `sharing=locked`: `--mount=type=cache,target={target},sharing=locked`")),
        );
    }
    let Some(keep) = mount_facts::keep_packages(manager) else {
        return;
    };
    if install.invocation.kind != InvocationKind::DependencyInstall
        || install.invocation.disables_cache
        || keeps_packages(keep, history)
    {
        return;
    }
    out.push(
        Diagnostic::new(
            &META,
            mount.span,
            format!(
                "{name} deletes each package after installing it, so the cache mount at `{target}` keeps only repository metadata and `{}` downloads every package again",
                common::shown_command(install.command, install.invocation.verb_index)
            ),
        )
        .with_label(install.command.span(), format!("{name} install"))
        .with_help(format!("keep the packages: {}", keep.advice)),
    );
}

/// dnf5's system cache folder (dnf5-caching(7): <https://dnf5.readthedocs.io/en/latest/misc/caching.7.html>).
const DNF5_CACHE_DIR: &str = "/var/cache/libdnf5";

/// Whether the stage is built on Fedora 41 or later, where `dnf` is dnf5
/// (<https://fedoraproject.org/wiki/Changes/SwitchToDnf5>).
fn fedora_with_dnf5(ctx: &LintContext<'_>, stage: usize) -> bool {
    let Some(image) = common::root_base_image(ctx.graph, stage) else {
        return false;
    };
    let name = image.name().rsplit('/').next().unwrap_or(image.name());
    name.eq_ignore_ascii_case("fedora")
        && image
            .tag()
            .and_then(|t| t.split(['.', '-']).next())
            .and_then(|m| m.parse::<u32>().ok())
            .is_some_and(|major| major >= 41)
}

/// Whether a setting or flag in the image's history enables keeping packages, or a COPY
/// replaces the configuration (then it may).
fn keeps_packages(keep: &mount_facts::KeepPackages, history: History<'_, '_>) -> bool {
    let enabled = |word: &str| {
        let lower = word.to_ascii_lowercase();
        keep.flags.contains(&word)
            || keep.settings.iter().any(|s| {
                lower.match_indices(s).any(|(i, _)| {
                    let rest = lower[i + s.len()..].trim_start_matches([' ', '=', '"', '\'']);
                    ["1", "true", "yes", "on"]
                        .iter()
                        .any(|v| rest.starts_with(v))
                })
            })
    };
    let copies_config = history.any("copies-rpm-config", |n| match &n.kind {
        NodeKind::Copy(_) => history.copy_dest(n).is_some_and(|d| {
            d.starts_with("/etc/dnf") || d.starts_with("/etc/yum") || d.starts_with("/etc/zypp")
        }),
        _ => false,
    });
    copies_config || mentions(history, keep.manager.display_name(), enabled)
}

/// Whether a word (or redirect target) of a command in these RUNs satisfies `pred`.
/// `key` names the question for the history's memo (see [`common::LayerHistory`]).
fn mentions(history: History<'_, '_>, key: &'static str, pred: impl Fn(&str) -> bool) -> bool {
    history.any(key, |n| match &n.kind {
        NodeKind::Run(run) => history.commands(run).iter().any(|c| {
            c.cmd.words.iter().any(|w| pred(&w.value))
                || c.cmd
                    .redirects
                    .iter()
                    .filter_map(|r| r.target.as_ref())
                    .any(|t| pred(&t.value))
        }),
        NodeKind::Copy(_) => history.copy_dest(n).is_some_and(&pred),
        _ => false,
    })
}
