use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{Command, Commands, Node, NodeKind, RunInfo, SourceKind};
use crate::knowledge::mount_facts::{
    self, CARGO_TARGET, UV_LINK_MODE_ENV, UV_LINK_MODE_FLAG, YARNRC, YARN_GLOBAL_CACHE_ENV,
    YARN_NODE_LINKER_ENV,
};
use crate::knowledge::{classify, InvocationKind, PackageManager};
use crate::lint::LintContext;
use crate::rules::common::{self, CacheDirs};
use crate::rules::{Category, Findings, Rule, RuleMeta};
use crate::span::Span;
use crate::syntax::Mount;

pub struct RuntimeFilesInCacheMount;

pub static META: RuleMeta = RuleMeta {
    code: "LL206",
    name: "runtime-files-in-cache-mount",
    category: Category::CacheMounts,
    default_severity: Severity::Error,
    summary: "Build output or installed packages written only into a cache mount, so they are missing from the image",
    doc: include_str!("../../../rules/LL206.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

/// Programs that do not take files out of a folder.
const NOT_COPYING: &[&str] = &[
    "rm", "ls", "echo", "du", "file", "test", "[", "ln", "cargo", "chmod", "chown", "touch",
    "mkdir", "stat", "sccache", "printf",
];

/// Interpreters whose later use of an install folder needs it in the layer.
const INTERPRETERS: &[&str] = &["node", "python", "python3", "ruby", "php", "go", "deno"];

/// How many later instructions one question "does anything read this folder later?"
/// examines before giving up without a finding: a stage of thousands of cache-mounted
/// RUNs would otherwise be quadratic. The largest stage among the 2,949 corpus files has
/// about 50 instructions.
const MAX_LATER_EXAMINED: usize = 128;

struct RunCtx<'a> {
    ctx: &'a LintContext<'a>,
    /// Per stage, the later stages built on it or copying from it, in file order.
    consumers: &'a Consumers,
    stage: usize,
    node: &'a Node,
    /// The RUN's commands.
    commands: Commands,
    mounts: Vec<(&'a Mount, String)>,
    later: &'a LaterTargets,
}

/// The later stages that build on each stage or read from it, as (stage, consumer) pairs
/// in order: one pair per edge, not a list per stage (a file of thousands of stages has
/// a handful of edges each), made only once a RUN with a cache mount asks.
struct Consumers(Vec<(u32, u32)>);

impl Consumers {
    fn of(graph: &crate::graph::Graph) -> Self {
        // Stage indexes fit in 32 bits: a file holds at most 4 GiB.
        let narrow = |i: usize| i as u32;
        let mut edges = Vec::new();
        for stage in &graph.stages {
            for parent in stage
                .base()
                .stage()
                .into_iter()
                .chain(stage.reads_from().iter().copied())
            {
                if parent < stage.index() {
                    edges.push((narrow(parent), narrow(stage.index())));
                }
            }
        }
        edges.sort_unstable();
        edges.dedup();
        Consumers(edges)
    }

    /// The stages that consume `stage`, in file order.
    fn of_stage(&self, stage: usize) -> impl Iterator<Item = usize> + '_ {
        let from = self.0.partition_point(|&(p, _)| (p as usize) < stage);
        self.0[from..]
            .iter()
            .take_while(move |&&(p, _)| p as usize == stage)
            .map(|&(_, c)| c as usize)
    }
}

/// The expanded cache mount targets of the nodes [`needed_later`] looked at last, by
/// instruction index, in order. It looks at up to [`MAX_LATER_EXAMINED`] nodes after each
/// RUN with a cache mount, so consecutive RUNs share most of them; expanding them anew
/// for each RUN took most of the time on files of many such RUNs.
#[derive(Default)]
struct LaterTargets(std::cell::RefCell<std::collections::VecDeque<(usize, Vec<Option<String>>)>>);

impl LaterTargets {
    /// Forget the nodes up to `instruction`: later calls look only after it.
    fn forget_up_to(&self, instruction: usize) {
        let mut window = self.0.borrow_mut();
        while window.front().is_some_and(|(i, _)| *i <= instruction) {
            window.pop_front();
        }
    }

    /// Whether a cache mount of `node` (a RUN) may hold `dir`: a target overlapping it,
    /// or one whose value is unknown.
    fn remounts(&self, ctx: &LintContext<'_>, node: &Node, run: &RunInfo, dir: &str) -> bool {
        let mut window = self.0.borrow_mut();
        let at = match window.binary_search_by_key(&node.instruction(), |(i, _)| *i) {
            Ok(at) => at,
            Err(at) => {
                let targets = common::cache_mount_targets(run, node.vars(), ctx.file.escape)
                    .into_iter()
                    .map(|(_, t)| t)
                    .collect();
                window.insert(at, (node.instruction(), targets));
                at
            }
        };
        window[at]
            .1
            .iter()
            .any(|t| t.as_deref().is_none_or(|t| common::overlaps(t, dir)))
    }
}

impl Rule for RuntimeFilesInCacheMount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        let consumers = std::cell::OnceCell::new();
        let later = LaterTargets::default();
        for stage in &ctx.graph.stages {
            for (position, node) in ctx.graph.nodes_of(stage).iter().enumerate() {
                let NodeKind::Run(run) = &node.kind else {
                    continue;
                };
                let mounts = common::known_cache_mounts(run, node, ctx.file.escape);
                if mounts.is_empty() {
                    continue;
                }
                later.forget_up_to(node.instruction());
                let rc = RunCtx {
                    ctx,
                    consumers: consumers.get_or_init(|| Consumers::of(ctx.graph)),
                    stage: stage.index(),
                    node,
                    commands: ctx.commands(run),
                    mounts,
                    later: &later,
                };
                let before = out.len();
                outputs_in_mount(&rc, position, out);
                if out.len() == before {
                    destination_mounts(&rc, position, out);
                }
                uv_symlinks(&rc, out);
                yarn_pnp(&rc, out);
            }
        }
    }
}

/// Whether anything after `position` in the stage, or a later stage, can read `dir`
/// (`None` also when [`MAX_LATER_EXAMINED`] instructions did not tell).
fn needed_later(rc: &RunCtx<'_>, position: usize, dir: &str) -> Option<Option<Span>> {
    let graph = rc.ctx.graph;
    let stage = graph.stages.get(rc.stage)?;
    let mut budget = MAX_LATER_EXAMINED;
    let mut spend = || {
        budget = budget.checked_sub(1)?;
        Some(())
    };
    for node in graph.nodes_of(stage).iter().skip(position + 1) {
        spend()?;
        let NodeKind::Run(run) = &node.kind else {
            continue;
        };
        if rc.later.remounts(rc.ctx, node, run, dir) {
            continue;
        }
        let uses = rc.ctx.commands(run).iter().any(|c| {
            mentions_dir(c, dir)
                || classify(&c.cmd).is_some_and(|i| i.kind != InvocationKind::CacheClean)
                || c.cmd.program().is_some_and(|p| INTERPRETERS.contains(&p))
        });
        if uses {
            let inst = &rc.ctx.file.instructions[node.instruction()];
            return Some(Some(inst.keyword_span()));
        }
    }
    // Only stages built on this one or copying from it can read its files.
    for later in rc
        .consumers
        .of_stage(rc.stage)
        .filter_map(|i| graph.stages.get(i))
    {
        if later.base().stage() == Some(rc.stage) {
            return Some(None);
        }
        for node in graph.nodes_of(later) {
            spend()?;
            let Some(copy) = node.copy_info(rc.ctx.file) else {
                continue;
            };
            for source in &copy.sources {
                if source.kind != (SourceKind::Stage { index: rc.stage }) {
                    continue;
                }
                let path = common::join_path("/", source.path.unwrap_or(source.raw));
                if common::overlaps(&path, dir) {
                    return Some(Some(source.span));
                }
            }
        }
    }
    let last = graph.stages.len().checked_sub(1)?;
    (rc.stage == last).then_some(None)
}

/// Whether a command names `dir` (absolute, as `name/…` relative, or through a variable).
fn mentions_dir(command: &Command, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    let name = dir.rsplit('/').next().unwrap_or(dir);
    command.cmd.words.iter().skip(1).any(|w| {
        let v = w.value.as_str();
        v.contains(dir)
            || v == name
            || v.starts_with(&format!("{name}/"))
            || v.starts_with(&format!("./{name}"))
            || v.contains(&format!("/{name}/"))
            || (v.contains('$') && v.contains("TARGET"))
    })
}

/// Whether a command after `index` takes files out of `dir` (`cp target/release/app …`).
/// `last` keeps, per folder, the last command that does: asked for every build command
/// of a RUN, a scan of the commands after it each time was quadratic.
fn copied_out(
    commands: &[Command],
    index: usize,
    dir: &str,
    last: &mut Vec<(String, Option<usize>)>,
) -> bool {
    let found = match last.iter().find(|(d, _)| d == dir) {
        Some(&(_, found)) => found,
        None => {
            let found = commands.iter().rposition(|c| {
                c.cmd.program().is_some_and(|p| !NOT_COPYING.contains(&p)) && mentions_dir(c, dir)
            });
            last.push((dir.to_string(), found));
            found
        }
    };
    found.is_some_and(|f| f > index)
}

/// Build output written into a mounted folder: the cargo target folder, or an output
/// folder named on the command line (`pip install --target`, `go build -o`).
fn outputs_in_mount(rc: &RunCtx<'_>, position: usize, out: &mut Findings) {
    let workdir = rc
        .ctx
        .graph
        .workdir_at(rc.stage, rc.node.instruction())
        .map(str::to_string);
    let mut cwds = common::CwdTracker::new(workdir.as_deref());
    let mut last_copy = Vec::new();
    for (index, command) in rc.commands.iter().enumerate() {
        let Some(inv) = classify(&command.cmd) else {
            continue;
        };
        let cwd = cwds.at(&rc.commands, index);
        let verb = command
            .cmd
            .words
            .get(inv.verb_index)
            .map(|w| w.value.as_str())
            .unwrap_or("");
        let (output, what) = if inv.manager == PackageManager::Cargo
            && inv.kind == InvocationKind::Build
            && matches!(verb, "build" | "b" | "rustc")
        {
            match common::cargo_target_dir(rc.node, command, cwd.as_deref()) {
                Some(dir) => (dir, CARGO_TARGET.display_name.to_string()),
                None => continue,
            }
        } else if let Some(dir) = install_target(command, &inv) {
            let dir = match (dir.starts_with('/'), cwd.as_deref()) {
                (true, _) => dir,
                (false, Some(c)) => common::join_path(c, &dir),
                (false, None) => continue,
            };
            (dir, "output folder".to_string())
        } else {
            continue;
        };
        if output.contains('$') {
            continue;
        }
        // A mount on the output folder, or inside it, not one holding the whole project.
        let Some((mount, target)) = rc.mounts.iter().find(|(_, t)| {
            common::covers(&output, t)
                || (common::covers(t, &output)
                    && cwd.as_deref().is_none_or(|c| !common::covers(t, c)))
        }) else {
            continue;
        };
        if copied_out(&rc.commands, index, &output, &mut last_copy)
            || copied_out(&rc.commands, index, target, &mut last_copy)
        {
            continue;
        }
        let Some(reader) = needed_later(rc, position, &output) else {
            continue;
        };
        let shown = common::shown_command(command, inv.verb_index);
        let mut d = Diagnostic::new(
            &META,
            mount.span,
            format!(
                "`{shown}` writes its output to `{output}`, but the {what} is in the cache mount at `{target}`: the result is not in the image"
            ),
        )
        .with_label(command.span(), "output lands in the cache mount");
        if let Some(span) = reader {
            d = d.with_label(span, "reads it later, and finds nothing");
        }
        let help = if what == CARGO_TARGET.display_name {
            format!("copy the binary out in the same RUN (`cp {output}/release/<name> /usr/local/bin/`), or move the mount off `{output}`")
        } else {
            format!("write the output outside the cache mount, or copy it out of `{output}` in the same RUN")
        };
        out.push(d.with_help(help));
    }
}

/// `--target`, `--prefix` or `--root` of a pip install, `-o` of a build, `--root` of
/// `cargo install`: the folder the result is written to.
fn install_target(command: &Command, inv: &crate::knowledge::Invocation) -> Option<String> {
    if let Some(dir) = &inv.target_dir {
        return Some(dir.clone());
    }
    if !matches!(inv.manager, PackageManager::Pip | PackageManager::Uv) || !inv.kind.is_install() {
        return None;
    }
    let words: Vec<&str> = command.cmd.words.iter().map(|w| w.value.as_str()).collect();
    words.iter().enumerate().find_map(|(i, w)| {
        ["--prefix", "--root"].iter().find_map(|flag| {
            if let Some(v) = w.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
                Some(v.to_string())
            } else if w == flag {
                words.get(i + 1).map(|v| v.to_string())
            } else {
                None
            }
        })
    })
}

/// A cache mount on a folder that holds installed packages (`node_modules`, `.venv`).
fn destination_mounts(rc: &RunCtx<'_>, position: usize, out: &mut Findings) {
    let Some(installer) = rc.commands.iter().find(|c| {
        classify(&c.cmd).is_some_and(|i| i.kind.is_install() || i.kind == InvocationKind::Build)
    }) else {
        return;
    };
    for (mount, target) in &rc.mounts {
        let Some(dest) = mount_facts::install_destination(target) else {
            continue;
        };
        let Some(reader) = needed_later(rc, position, target) else {
            continue;
        };
        let mut d = Diagnostic::new(
            &META,
            mount.span,
            format!(
                "the cache mount at `{target}` holds {}: it is not part of the image, so what this RUN installs there is missing afterwards",
                dest.holds
            ),
        )
        .with_label(installer.span(), "installs into the mount");
        if let Some(span) = reader {
            d = d.with_label(span, "needs it later");
        }
        out.push(d.with_help(
            "mount the package manager's download cache instead (see LL201), and let the install write to the image",
        ));
    }
}

/// uv with `UV_LINK_MODE=symlink`: the environment links into the cache mount.
fn uv_symlinks(rc: &RunCtx<'_>, out: &mut Findings) {
    for mc in common::manager_commands(&rc.commands) {
        if mc.invocation.manager != PackageManager::Uv || !mc.invocation.kind.is_install() {
            continue;
        }
        let flag = link_mode_flag(mc.command);
        let mode = flag.or_else(
            || match common::var_for(rc.node, mc.command, UV_LINK_MODE_ENV) {
                Some(Some(v)) => Some(v),
                _ => None,
            },
        );
        if mode.as_deref() != Some("symlink") {
            continue;
        }
        let dirs = match common::cache_dirs(PackageManager::Uv, rc.node, &mc.invocation, mc.command)
        {
            CacheDirs::Moved(d) => vec![d],
            CacheDirs::Defaults(d) => d,
            CacheDirs::Unknown => continue,
        };
        let Some((mount, target)) = rc
            .mounts
            .iter()
            .find(|(_, t)| dirs.iter().any(|d| common::overlaps(t, d)))
        else {
            continue;
        };
        out.push(
            Diagnostic::new(
                &META,
                mount.span,
                format!(
                    "with link mode `symlink`, `{}` fills the environment with links into the cache mount at `{target}`, which is not in the image",
                    common::shown_command(mc.command, mc.invocation.verb_index)
                ),
            )
            .with_label(mc.command.span(), "links packages from the cache")
            .with_help("set `UV_LINK_MODE=copy`"),
        );
        return;
    }
}

/// The value of `--link-mode` on a uv command.
pub(crate) fn link_mode_flag(command: &Command) -> Option<String> {
    let words: Vec<&str> = command.cmd.words.iter().map(|w| w.value.as_str()).collect();
    words.iter().enumerate().find_map(|(i, w)| {
        if let Some(v) = w
            .strip_prefix(UV_LINK_MODE_FLAG)
            .and_then(|r| r.strip_prefix('='))
        {
            Some(v.to_string())
        } else if *w == UV_LINK_MODE_FLAG {
            words.get(i + 1).map(|v| v.to_string())
        } else {
            None
        }
    })
}

/// Yarn Berry with Plug'n'Play and a mounted global cache: `.pnp.cjs` points into the
/// mount. Reported only when the build context's `.yarnrc.yml` shows Berry with
/// Plug'n'Play and the global cache on.
fn yarn_pnp(rc: &RunCtx<'_>, out: &mut Findings) {
    for mc in common::manager_commands(&rc.commands) {
        if mc.invocation.manager != PackageManager::Yarn
            || mc.invocation.kind != InvocationKind::DependencyInstall
        {
            continue;
        }
        let linker = common::var_for(rc.node, mc.command, YARN_NODE_LINKER_ENV);
        let global = common::var_for(rc.node, mc.command, YARN_GLOBAL_CACHE_ENV);
        let Some(config) = yarn_config(rc) else {
            return;
        };
        let linker = match linker {
            Some(Some(v)) => v,
            Some(None) => return,
            None => config
                .node_linker
                .clone()
                .unwrap_or_else(|| "pnp".to_string()),
        };
        let global = match global {
            Some(Some(v)) => matches!(v.as_str(), "1" | "true"),
            Some(None) => return,
            None => config.global_cache.unwrap_or(!config.yarn_3_or_older),
        };
        if linker != "pnp" || !global {
            return;
        }
        let home =
            common::home_of(rc.node).unwrap_or_else(|| crate::knowledge::ROOT_HOME.to_string());
        let global_folder = match common::var_for(rc.node, mc.command, "YARN_GLOBAL_FOLDER") {
            Some(Some(v)) => v,
            Some(None) => return,
            None => format!("{}/.yarn/berry", home.trim_end_matches('/')),
        };
        let cache = common::join_path(&global_folder, "cache");
        let Some((mount, target)) = rc.mounts.iter().find(|(_, t)| common::overlaps(t, &cache))
        else {
            continue;
        };
        out.push(
            Diagnostic::new(
                &META,
                mount.span,
                format!(
                    "with Plug'n'Play and the global cache, `{}` leaves the packages in `{cache}`, inside the cache mount at `{target}`: `.pnp.cjs` points at files the image does not have",
                    common::shown_command(mc.command, mc.invocation.verb_index)
                ),
            )
            .with_label(mc.command.span(), "Yarn Berry install")
            .with_help("set `nodeLinker: node-modules` (or `enableGlobalCache: false`) in .yarnrc.yml, or drop this mount"),
        );
        return;
    }
}

struct YarnConfig {
    node_linker: Option<String>,
    global_cache: Option<bool>,
    /// Yarn 2 and 3 default `enableGlobalCache` to false.
    yarn_3_or_older: bool,
}

/// The Berry settings of the build context's `.yarnrc.yml`; `None` without one (then
/// this is not Yarn Berry, or we cannot tell).
fn yarn_config(rc: &RunCtx<'_>) -> Option<YarnConfig> {
    let dir = rc.ctx.context_dir?;
    let text = std::fs::read_to_string(dir.join(YARNRC)).ok()?;
    let value = |key: &str| {
        text.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == key).then(|| v.trim().trim_matches(['"', '\'']).to_string())
        })
    };
    let yarn_path = value("yarnPath").unwrap_or_default();
    let package_manager = std::fs::read_to_string(dir.join("package.json")).unwrap_or_default();
    let old = ["yarn-2.", "yarn-3.", "yarn@2.", "yarn@3."];
    Some(YarnConfig {
        node_linker: value("nodeLinker"),
        global_cache: value("enableGlobalCache").map(|v| v == "true"),
        yarn_3_or_older: old
            .iter()
            .any(|o| yarn_path.contains(o) || package_manager.contains(o)),
    })
}
