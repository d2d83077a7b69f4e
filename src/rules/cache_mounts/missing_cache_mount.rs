use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::fix::edits;
use crate::graph::{Command, Graph, Node, NodeKind, ShellKind};
use crate::knowledge::{InvocationKind, PackageManager};
use crate::lint::LintContext;
use crate::rules::common::{self, CacheDirs, ManagerCommand};
use crate::rules::{Category, Findings, Rule, RuleMeta};
use crate::syntax::Dockerfile;

pub struct MissingCacheMount;

pub static META: RuleMeta = RuleMeta {
    code: "LL201",
    name: "missing-cache-mount",
    category: Category::CacheMounts,
    default_severity: Severity::Warning,
    summary: "Dependency install without a `RUN --mount=type=cache` on the package manager's cache",
    doc: include_str!("../../../rules/LL201.md"),
    fixable: true,
    default_enabled: true,
    experimental: false,
};

impl Rule for MissingCacheMount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        for stage in &ctx.graph.stages {
            let image = common::root_image(ctx.graph, stage.index());
            // Asked for every apt RUN of the stage, so answered once each.
            let history = common::LayerHistory::new(ctx.graph, ctx.file, stage.index());
            let nodes = ctx.graph.nodes_of(stage);
            let inherited = history.layers.len().saturating_sub(nodes.len());
            let first_apt = std::cell::OnceCell::new();
            let apt = StageApt {
                nodes,
                first: &first_apt,
                graph: ctx.graph,
                file: ctx.file,
            };
            for (i, node) in nodes.iter().enumerate() {
                let NodeKind::Run(run) = &node.kind else {
                    continue;
                };
                if !run.runs_managers() {
                    continue;
                }
                let mounts = common::cache_mount_targets(run, node.vars(), ctx.file.escape);
                let mut reported: Vec<PackageManager> = Vec::new();
                let commands = ctx.commands(run);
                for mc in common::manager_commands(&commands) {
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
                    let inst = &ctx.file.instructions[node.instruction()];
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
                    let mut diagnostic = Diagnostic::new(&META, inst.keyword_span(), message)
                        .with_label(mc.command.span(), format!("{} install", info.display_name))
                        .with_help(help);
                    let history = history.at(inherited + i);
                    let fix = (run.shell != ShellKind::Windows)
                        .then(|| mount_fix(ctx, history, apt, node, &commands, &mc, &targets))
                        .flatten();
                    if let Some(fix) = fix {
                        diagnostic = diagnostic.with_fix(fix);
                    }
                    out.push(diagnostic);
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

/// Managers whose "cache" is also where later steps read the packages from (the Go module
/// cache, Cargo's registry, `~/.m2`, NuGet's packages, Poetry's virtualenvs, conda's
/// package store): with a cache mount, a later RUN without it no longer finds them.
fn cache_is_also_the_store(manager: PackageManager) -> bool {
    matches!(
        manager,
        PackageManager::GoModules
            | PackageManager::Cargo
            | PackageManager::Maven
            | PackageManager::Gradle
            | PackageManager::Sbt
            | PackageManager::Dotnet
            | PackageManager::Mix
            | PackageManager::Conda
            | PackageManager::Poetry
    )
}

const APT_LISTS: &str = "/var/lib/apt";
const DOCKER_CLEAN: &str = "docker-clean";
const KEEP_APT_DOWNLOADS: &str = "rm -f /etc/apt/apt.conf.d/docker-clean; echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache";

/// Add the mount flag(s) after `RUN`; for apt, also stop the image's `docker-clean` hook
/// from emptying the cache, once per stage, before its first apt RUN. `commands` are the
/// RUN's (a RUN in a Windows shell gets no fix).
fn mount_fix(
    ctx: &LintContext<'_>,
    history: common::History<'_, '_>,
    apt: StageApt<'_>,
    node: &Node,
    commands: &[Command],
    mc: &ManagerCommand<'_>,
    targets: &[String],
) -> Option<Fix> {
    if targets.is_empty() {
        return None;
    }
    let inst = ctx.file.instructions.get(node.instruction())?;
    let manager = mc.invocation.manager;
    let info = manager.info();
    let sharing = if info.needs_locked_sharing {
        ",sharing=locked"
    } else {
        ""
    };
    let mut targets: Vec<&str> = targets.iter().map(String::as_str).collect();
    let mut notes: Vec<&str> = Vec::new();
    if manager == PackageManager::Apt && !updates_before(commands, mc) {
        // The package lists come from an earlier layer: a mount on them would hide them.
        targets.retain(|t| *t != APT_LISTS);
        notes.push(
            "the package lists stay in the image because `apt-get update` ran in an earlier RUN",
        );
    }
    if targets.is_empty() {
        return None;
    }
    let flags: Vec<String> = targets
        .iter()
        .map(|t| format!("--mount=type=cache,target={t}{sharing}"))
        .collect();
    // At most two edits; a push onto a list of one would reserve four.
    let mut fix_edits = Vec::with_capacity(2);
    fix_edits.push(edits::insert_flag(ctx.file, inst, &flags));
    if manager == PackageManager::Apt && !keeps_apt_downloads(history) {
        let first_apt = apt
            .first()
            .and_then(|n| ctx.file.instructions.get(n.instruction()))
            .unwrap_or(inst);
        let keyword = edits::keyword_like(ctx.file, first_apt, "RUN");
        fix_edits.push(edits::insert_lines_before(
            ctx.file,
            first_apt,
            &[format!("{keyword} {KEEP_APT_DOWNLOADS}")],
        ));
        notes.push("also keep downloaded packages, which the image's docker-clean hook deletes");
    }
    let mut applicability = Applicability::Safe;
    if !common::runs_as_root(node) {
        applicability = Applicability::Unsafe;
        notes.push("unsafe: the mount belongs to root, the RUN does not run as root");
    }
    if cache_is_also_the_store(manager) {
        applicability = Applicability::Unsafe;
        notes.push("unsafe: later RUNs without this mount no longer see the downloaded packages");
    }
    let mut title = format!("Add `{}`", flags.join(" "));
    for note in notes {
        title.push_str("; ");
        title.push_str(note);
    }
    Some(Fix {
        title: title.into(),
        applicability,
        edits: fix_edits,
    })
}

/// Whether the RUN refreshes apt's lists itself before this install.
fn updates_before(commands: &[Command], install: &ManagerCommand<'_>) -> bool {
    common::manager_commands(commands).any(|mc| {
        mc.invocation.manager == PackageManager::Apt
            && mc.invocation.kind == InvocationKind::IndexUpdate
            && mc.command.span().start() < install.command.span().start()
    })
}

fn runs_apt(graph: &Graph, file: &Dockerfile, node: &Node) -> bool {
    let NodeKind::Run(run) = &node.kind else {
        return false;
    };
    run.runs_managers()
        && common::manager_commands(&graph.commands(file, run))
            .any(|mc| mc.invocation.manager == PackageManager::Apt)
}

/// A stage's nodes and, once asked, its first apt RUN.
#[derive(Clone, Copy)]
struct StageApt<'a> {
    nodes: &'a [Node],
    first: &'a std::cell::OnceCell<Option<&'a Node>>,
    graph: &'a Graph,
    file: &'a Dockerfile,
}

impl<'a> StageApt<'a> {
    fn first(&self) -> Option<&'a Node> {
        *self.first.get_or_init(|| {
            self.nodes
                .iter()
                .find(|n| runs_apt(self.graph, self.file, n))
        })
    }
}

/// Whether a RUN up to this one, in the stage or the stages it is built on, already
/// removes the `docker-clean` hook.
fn keeps_apt_downloads(history: common::History<'_, '_>) -> bool {
    history.any(DOCKER_CLEAN, |n| match &n.kind {
        NodeKind::Run(run) => history
            .commands(run)
            .iter()
            .any(|c| c.cmd.words.iter().any(|w| w.value.contains(DOCKER_CLEAN))),
        _ => false,
    })
}
