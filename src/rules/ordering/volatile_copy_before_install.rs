use std::collections::HashSet;
use std::path::Path;

use compact_str::CompactString;
use thin_vec::ThinVec;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::fix::edits;
use crate::graph::{Command, Node, NodeKind, RunInfo};
use crate::knowledge::{InvocationKind, PackageManager};
use crate::lint::LintContext;
use crate::rules::common;
use crate::rules::{Category, Findings, Rule, RuleMeta};
use crate::span::Span;
use crate::syntax::Dockerfile;

pub struct VolatileCopyBeforeInstall;

pub static META: RuleMeta = RuleMeta {
    code: "LL101",
    name: "volatile-copy-before-install",
    category: Category::Ordering,
    default_severity: Severity::Warning,
    summary:
        "Source code copied before a dependency install, so every edit reinstalls all dependencies",
    doc: include_str!("../../../rules/LL101.md"),
    fixable: true,
    default_enabled: true,
    experimental: false,
};

/// How many installs after a COPY are examined for one it invalidates. Real files have a
/// handful; the bound keeps a file of thousands of COPY/install pairs linear.
const MAX_INSTALLS_EXAMINED: usize = 64;

/// A dependency install found in a stage's layers. Kept small and without heap text in
/// the usual case: a file of many installs holds one of these per install for the whole
/// rule. What only a finding needs (the command as written) is read again from the RUN.
struct Install {
    /// The stage the install's RUN belongs to.
    stage: u32,
    /// The RUN's index in `Dockerfile::instructions`.
    instruction: u32,
    span: Span,
    /// Index into [`Installs::runs`]: the install's RUN, whose commands tell
    /// whether the RUN uses what a COPY brought in (shared by the installs of one RUN).
    run: u32,
    /// Which of the RUN's package-manager commands (see [`common::manager_commands`]).
    command: u32,
    manager: PackageManager,
    /// Manifests to copy first.
    manifests: Manifests,
    /// Absolute paths the install reads (`-r /src/requirements.txt`, `/opt/wheels/x.whl`).
    input_paths: ThinVec<CompactString>,
}

/// The manifests an install wants copied before it.
#[derive(Clone)]
enum Manifests {
    /// Its manager's usual manifests (`package.json`, `package-lock.json`).
    Usual(&'static [&'static str]),
    /// The files the command names (`-r requirements/prod.txt`); may be empty.
    Named(ThinVec<CompactString>),
}

impl Manifests {
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn len(&self) -> usize {
        match self {
            Manifests::Usual(list) => list.len(),
            Manifests::Named(list) => list.len(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        let (usual, named): (&[&str], &[CompactString]) = match self {
            Manifests::Usual(list) => (list, &[]),
            Manifests::Named(list) => (&[], list),
        };
        usual
            .iter()
            .copied()
            .chain(named.iter().map(CompactString::as_str))
    }
}

impl Install {
    fn stage(&self) -> usize {
        self.stage as usize
    }

    fn instruction(&self) -> usize {
        self.instruction as usize
    }
}

/// Where a stage's own installs start in [`Installs::all`] (they end where the next
/// stage's start), and the managers whose dependencies are installed by the end of the
/// stage (its ancestors' included): a child stage starts from these. Eight bytes and no
/// allocation: a file of hundreds of thousands of stages has one of these for each.
#[derive(Default)]
struct OwnInstalls {
    first: u32,
    deps_out: Managers,
}

/// A set of package managers.
#[derive(Clone, Copy, Default)]
struct Managers(u32);

const _: () = assert!(PackageManager::ALL.len() <= 32);

impl Managers {
    fn bit(m: PackageManager) -> u32 {
        1 << (m as u32)
    }

    fn contains(self, m: PackageManager) -> bool {
        self.0 & Self::bit(m) != 0
    }

    fn insert(&mut self, m: PackageManager) {
        self.0 |= Self::bit(m);
    }
}

/// Every stage's own installs, computed once: a stage's layers are its lineage's stages,
/// so its installs are theirs in order and nothing is stored twice.
struct Installs<'a> {
    graph: &'a crate::graph::Graph,
    file: &'a Dockerfile,
    /// The installs of every stage, stage after stage.
    all: Vec<Install>,
    /// The RUNs of the installs. Their commands are asked for again when needed: holding
    /// them here would keep every install RUN's commands for the whole rule.
    runs: Vec<&'a RunInfo>,
    stages: Vec<OwnInstalls>,
}

impl<'a> Installs<'a> {
    fn new(graph: &'a crate::graph::Graph, file: &'a Dockerfile) -> Self {
        let mut installs = Installs {
            graph,
            file,
            all: Vec::new(),
            runs: Vec::new(),
            stages: Vec::with_capacity(graph.stages.len()),
        };
        for stage in &graph.stages {
            // Parents come earlier, so their installs are known.
            let deps_in = stage
                .base()
                .stage()
                .and_then(|index| installs.stages.get(index))
                .map_or(Managers::default(), |o| o.deps_out);
            let first = narrow(installs.all.len());
            let deps_out = installs_in(
                graph,
                file,
                stage.index(),
                graph.nodes_of(stage),
                deps_in,
                &mut installs.all,
                &mut installs.runs,
            );
            installs.stages.push(OwnInstalls { first, deps_out });
        }
        installs.all.shrink_to_fit();
        installs.runs.shrink_to_fit();
        installs
    }

    /// The installs of `stage` itself, in file order.
    fn own(&self, stage: usize) -> &[Install] {
        let Some(own) = self.stages.get(stage) else {
            return &[];
        };
        let end = self
            .stages
            .get(stage + 1)
            .map_or(self.all.len(), |next| next.first as usize);
        self.all.get(own.first as usize..end).unwrap_or(&[])
    }

    /// Whether any stage of `stage`'s lineage installs something.
    fn any_in(&self, stage: usize) -> bool {
        self.graph
            .lineage(stage)
            .iter()
            .any(|&s| !self.own(s).is_empty())
    }

    /// The installs of `stage`'s layers after `instruction`, in file order, at most
    /// [`MAX_INSTALLS_EXAMINED`] of them.
    fn after(&self, stage: usize, instruction: usize) -> Vec<&Install> {
        self.graph
            .lineage(stage)
            .iter()
            .map(|&s| self.own(s))
            .flat_map(|own| {
                let first = own.partition_point(|i| i.instruction() <= instruction);
                &own[first..]
            })
            .take(MAX_INSTALLS_EXAMINED)
            .collect()
    }

    /// Whether the COPY of `volatile` sources to `dest` makes `install` rerun.
    fn invalidates(&self, install: &Install, volatile: &[&str], dest: &str) -> bool {
        let whole_context = volatile.iter().any(|s| is_whole_context(s));
        let run = self.run_of(install);
        let commands = self.graph.commands(self.file, run);
        whole_context || !(reads_under(install, dest) || run_uses_copy(&commands, volatile, dest))
    }

    fn run_of(&self, install: &Install) -> &'a RunInfo {
        self.runs[install.run as usize]
    }

    /// The install's command as written up to its verb (`npm ci`, `pip install`).
    fn shown(&self, install: &Install) -> String {
        let commands = self.graph.commands(self.file, self.run_of(install));
        let shown = common::manager_commands(&commands)
            .nth(install.command as usize)
            .map(|mc| common::shown_command(mc.command, mc.invocation.verb_index))
            .unwrap_or_default();
        shown
    }
}

impl Rule for VolatileCopyBeforeInstall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        // Only a RUN that runs a package manager can install: without one, no per-stage
        // tables are worth making (a file of many stages and no install costs nothing here).
        let mut nodes = ctx.graph.nodes().iter();
        if !nodes.any(|n| matches!(&n.kind, NodeKind::Run(run) if run.runs_managers())) {
            return;
        }
        let mut reported: HashSet<usize> = HashSet::new();
        let installs = Installs::new(ctx.graph, ctx.file);
        if installs.all.is_empty() {
            return;
        }
        let descendants = Descendants::new(ctx.graph);
        for stage in &ctx.graph.stages {
            if !installs.any_in(stage.index()) {
                continue;
            }
            for (copy_stage, node) in ctx.graph.layers(stage.index()).iter() {
                if reported.contains(&node.instruction()) {
                    continue;
                }
                if !matches!(node.kind, NodeKind::Copy(_)) {
                    continue;
                }
                let volatile = common::volatile_sources(ctx.file, node, ctx.context_dir);
                if volatile.is_empty() {
                    continue;
                }
                let dest = ctx
                    .file
                    .instructions
                    .get(node.instruction())
                    .and_then(crate::graph::copy_dest)
                    .unwrap_or_default();
                let Some(install) = installs
                    .after(stage.index(), node.instruction())
                    .into_iter()
                    .find(|i| installs.invalidates(i, &volatile, dest))
                else {
                    continue;
                };
                reported.insert(node.instruction());
                let inst = &ctx.file.instructions[node.instruction()];
                let copied = ctx.file.text(inst.args_span()).trim();
                let keyword = inst.keyword.as_str();
                let first_line = copied
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim_end_matches('\\')
                    .trim();
                let what = format!("{keyword} {first_line}");
                let shown = installs.shown(install);
                let (message, help) = if install.manifests.is_empty() {
                    (
                        format!(
                            "`{what}` invalidates the `{}` layer below it on every change to the copied files",
                            shown
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
                            shown
                        ),
                        format!(
                            "`COPY {} ./` before the install, and this {keyword} after it",
                            install.manifests.iter().collect::<Vec<_>>().join(" ")
                        ),
                    )
                };
                let mut diagnostic =
                    Diagnostic::new(&META, inst.span.cover(inst.keyword_span()), message)
                        .with_label(
                            install.span,
                            "this install reruns whenever the copied files change",
                        )
                        .with_help(help);
                let copy_at = CopyAt {
                    node,
                    stage: copy_stage,
                    volatile: &volatile,
                    dest,
                };
                if let Some(fix) = reorder_fix(ctx, &copy_at, &descendants, &installs) {
                    diagnostic = diagnostic.with_fix(fix);
                }
                out.push(diagnostic);
            }
        }
    }
}

/// The stages built directly on each stage (`FROM <stage>`), from which the stages built on
/// a stage are found when a fix needs them: 8 bytes per stage, where a list of every
/// stage's descendants took up to [`crate::graph::MAX_LINEAGE`] entries per stage.
struct Descendants {
    /// `children[offsets[s]..offsets[s + 1]]` are the stages whose parent is stage `s`.
    offsets: Vec<u32>,
    children: Vec<u32>,
}

impl Descendants {
    fn new(graph: &crate::graph::Graph) -> Self {
        let count = graph.stages.len();
        // A parent always comes earlier (as `Graph::lineage` requires).
        let parent = |i: usize| graph.stages[i].base().stage().filter(|&index| index < i);
        // Each parent's count, then running totals: `offsets[p]` is where its range ends.
        let mut offsets = vec![0u32; count + 1];
        for i in 0..count {
            if let Some(p) = parent(i) {
                offsets[p] += 1;
            }
        }
        for i in 1..count {
            offsets[i] += offsets[i - 1];
        }
        if count > 0 {
            offsets[count] = offsets[count - 1];
        }
        // Filled from the back, each range from its end: children stay in file order, and
        // `offsets[p]` ends up where its range starts, with no second table of positions.
        let mut children = vec![0u32; offsets[count] as usize];
        for i in (0..count).rev() {
            if let Some(p) = parent(i) {
                offsets[p] -= 1;
                children[offsets[p] as usize] = i as u32;
            }
        }
        Descendants { offsets, children }
    }

    /// The stages whose [`crate::graph::Graph::lineage`] includes `stage` (itself
    /// included), in order; `None` when there are more than `limit`.
    fn of(&self, stage: usize, limit: usize) -> Option<Vec<usize>> {
        let mut found = vec![stage];
        let mut level = vec![stage];
        // A lineage holds the stage and at most MAX_LINEAGE - 1 ancestors.
        for _ in 1..crate::graph::MAX_LINEAGE {
            let mut next = Vec::new();
            for &s in &level {
                let start = *self.offsets.get(s)? as usize;
                let end = *self.offsets.get(s + 1)? as usize;
                next.extend(self.children[start..end].iter().map(|&c| c as usize));
            }
            if next.is_empty() {
                break;
            }
            found.extend_from_slice(&next);
            if found.len() > limit {
                return None;
            }
            level = next;
        }
        found.sort_unstable();
        Some(found)
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
fn run_uses_copy(commands: &[Command], sources: &[&str], dest: &str) -> bool {
    let dest = dest.trim_end_matches('/');
    let mut needles: Vec<&str> = sources
        .iter()
        .map(|s| s.trim_start_matches("./").trim_end_matches('/'))
        .filter(|s| !s.is_empty() && *s != "." && !s.contains('*'))
        .collect();
    if !dest.is_empty() && dest != "." {
        needles.push(dest);
    }
    commands
        .iter()
        .flat_map(|c| c.cmd.words.iter())
        .any(|w| needles.iter().any(|n| w.value.contains(n)))
}

/// The installs among a stage's own nodes, given the managers whose dependencies its
/// parent stages installed.
fn installs_in<'a>(
    graph: &crate::graph::Graph,
    file: &Dockerfile,
    stage: usize,
    nodes: &'a [Node],
    mut deps_in: Managers,
    installs: &mut Vec<Install>,
    runs: &mut Vec<&'a RunInfo>,
) -> Managers {
    for node in nodes {
        let NodeKind::Run(run) = &node.kind else {
            continue;
        };
        if !run.runs_managers() {
            continue;
        }
        let mut installed_here = Vec::new();
        let mut run_index = None;
        let commands = graph.commands(file, run);
        for (command_index, mc) in common::manager_commands(&commands).enumerate() {
            let inv = &mc.invocation;
            let counted = match inv.kind {
                InvocationKind::DependencyInstall => {
                    // `pip install .` or `poetry install` once the dependencies are in only
                    // installs the project itself.
                    !(inv.installs_local_project && deps_in.contains(inv.manager))
                }
                // A build fetches dependencies itself unless a download step came first.
                InvocationKind::Build => {
                    let fetching: Vec<PackageManager> = inv
                        .caches
                        .iter()
                        .copied()
                        .filter(|m| !m.info().copy_first.is_empty())
                        .collect();
                    !fetching.is_empty() && !fetching.iter().any(|&m| deps_in.contains(m))
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
            let local_reads: ThinVec<CompactString> = inv
                .reads_files
                .iter()
                .filter(|f| !f.contains("://"))
                .map(|f| CompactString::from(f.as_str()))
                .collect();
            let input_paths: ThinVec<CompactString> = inv
                .reads_files
                .iter()
                .map(String::as_str)
                .chain(mc.command.cmd.args())
                .filter(|p| p.starts_with('/'))
                .map(CompactString::from)
                .collect();
            // A local package other than the project folder (`pip install /opt/wheels/x.whl`)
            // has no manifest to copy first.
            let only_local_packages = inv.installs_local_project
                && local_reads.is_empty()
                && mc
                    .command
                    .cmd
                    .args()
                    .any(|a| a.starts_with('/') || a.starts_with("../") || a.contains(".whl"))
                && !mc.command.cmd.args().any(|a| {
                    matches!(a.trim_end_matches('/'), "." | "./" | "") || a.starts_with(".[")
                });
            let manifests = if only_local_packages {
                Manifests::Named(ThinVec::new())
            } else if !local_reads.is_empty() {
                Manifests::Named(local_reads)
            } else if !inv.reads_files.is_empty() {
                Manifests::Named(ThinVec::new())
            } else if inv.from_manifest || inv.kind == InvocationKind::Build {
                Manifests::Usual(manifest_manager.info().copy_first)
            } else {
                Manifests::Named(ThinVec::new())
            };
            let run = *run_index.get_or_insert_with(|| {
                runs.push(run);
                runs.len() - 1
            });
            installs.push(Install {
                stage: narrow(stage),
                instruction: narrow(node.instruction()),
                span: mc.command.span(),
                run: narrow(run),
                command: narrow(command_index),
                manager: inv.manager,
                manifests,
                input_paths,
            });
        }
        for manager in installed_here {
            deps_in.insert(manager);
        }
    }
    deps_in
}

/// Counts fit: a file is at most 4 GiB (see `Span`) and each of these takes a byte.
fn narrow(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Stages built on the COPY's stage beyond which the reordering fix is not offered.
const MAX_STAGES_CHECKED: usize = 64;

/// A volatile COPY a finding is about.
struct CopyAt<'n> {
    node: &'n Node,
    /// The stage the COPY belongs to.
    stage: usize,
    volatile: &'n [&'n str],
    dest: &'n str,
}

/// Whether a COPY may not be moved past `node` whatever it is about: another COPY or
/// ADD, a WORKDIR (it changes where the COPY lands) or an instruction BuildKit does not
/// know. A RUN is judged by what it runs, so never here.
fn stays_before_move(file: &Dockerfile, node: &Node) -> bool {
    match &node.kind {
        NodeKind::Run(_) => false,
        NodeKind::Copy(_) => true,
        _ => file.instructions.get(node.instruction()).is_none_or(|i| {
            matches!(
                i.keyword,
                crate::syntax::Keyword::Workdir | crate::syntax::Keyword::Unknown
            )
        }),
    }
}

/// The reordering fix: copy the manifests the installs read before the first of them,
/// and move the volatile COPY below the last install it invalidates. Offered only when
/// every invalidated install is in the COPY's own stage, nothing but those installs (and
/// metadata) stands between, and the manifests are known, literal and in the context.
fn reorder_fix<'a>(
    ctx: &LintContext<'a>,
    at: &CopyAt<'_>,
    descendants: &Descendants,
    installs: &Installs<'a>,
) -> Option<Fix> {
    let file = ctx.file;
    let copy_node = at.node;
    let (volatile, dest) = (at.volatile, at.dest);
    let copy_inst = file.instructions.get(copy_node.instruction())?;
    let copy = copy_node.copy_info(file)?;
    if file.text(copy_inst.span).contains('$') || !copy_inst.heredocs().is_empty() {
        return None;
    }
    if copy_inst.flags().iter().any(|f| {
        !matches!(
            f.name.to_ascii_lowercase().as_str(),
            "chown" | "chmod" | "link"
        )
    }) {
        return None;
    }
    let copy_stage = ctx.graph.stages.get(at.stage)?;

    // Every install the COPY invalidates, in this stage and in the stages built on it.
    // Each stage re-reads its whole lineage: keep the check linear on long stage chains.
    let descendants = descendants.of(copy_stage.index(), MAX_STAGES_CHECKED)?;
    // The first instruction after the COPY that may not stand between it and its new
    // place (see below): an invalidated install past it rules the fix out at once, so a
    // stage of COPY/install pairs does not examine every later install for each COPY.
    let copy_nodes = ctx.graph.nodes_of(copy_stage);
    let after_copy = copy_nodes.partition_point(|n| n.instruction() <= copy_node.instruction());
    let barrier = copy_nodes[after_copy..]
        .iter()
        .find(|node| stays_before_move(file, node))
        .map_or(usize::MAX, |node| node.instruction());
    let mut invalidated: Vec<(usize, &Manifests)> = Vec::new();
    for &stage in &descendants {
        for install in installs.after(stage, copy_node.instruction()) {
            if !installs.invalidates(install, volatile, dest) {
                continue;
            }
            if install.stage() != copy_stage.index() || install.instruction() > barrier {
                return None;
            }
            if !invalidated.iter().any(|(i, _)| *i == install.instruction()) {
                invalidated.push((install.instruction(), &install.manifests));
            }
        }
    }
    invalidated.sort_by_key(|(i, _)| *i);
    let last = invalidated.last()?.0;

    // Only the installs themselves (and instructions that do not touch files) may stand
    // between the COPY and its new place.
    for node in &copy_nodes[after_copy..] {
        if node.instruction() > last {
            break;
        }
        let allowed = match &node.kind {
            NodeKind::Run(run) => {
                invalidated.iter().any(|(i, _)| *i == node.instruction())
                    && !ctx
                        .commands(run)
                        .iter()
                        .any(|c| matches!(c.cmd.program(), Some("cd" | "pushd")))
            }
            _ => !stays_before_move(file, node),
        };
        if !allowed {
            return None;
        }
    }

    let mut manifests: Vec<String> = Vec::new();
    for (_, ms) in &invalidated {
        for m in ms.iter() {
            if !manifests.iter().any(|k| k == m) {
                manifests.push(m.to_string());
            }
        }
    }
    let first_needing = invalidated
        .iter()
        .find(|(_, ms)| !ms.is_empty())
        .map(|(i, _)| *i);
    let mut fix_edits: Vec<Edit> = Vec::new();
    let mut copied = String::new();
    if let Some(first) = first_needing {
        let single_whole_context =
            copy.sources.len() == 1 && volatile.iter().all(|s| is_whole_context(s));
        if !single_whole_context {
            return None;
        }
        let dest_dir = manifest_dest(ctx, copy_stage.index(), copy_node.instruction(), dest)?;
        let manifests = present_manifests(&manifests, ctx.context_dir)?;
        let keyword = edits::keyword_like(ctx.file, copy_inst, "COPY");
        let flags: String = copy_inst
            .flags()
            .iter()
            .map(|f| format!("{} ", file.text(f.span)))
            .collect();
        let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
        for m in &manifests {
            let trimmed = m.trim_start_matches("./");
            let parent = match trimmed.trim_end_matches('/').rsplit_once('/') {
                Some((dir, _)) => format!("{dir}/"),
                None => String::new(),
            };
            let key = if trimmed.ends_with('/') {
                trimmed.to_string()
            } else {
                parent
            };
            match groups
                .iter_mut()
                .find(|(k, _)| *k == key && !trimmed.ends_with('/'))
            {
                Some((_, list)) => list.push(trimmed),
                None => groups.push((key, vec![trimmed])),
            }
        }
        let lines: Vec<String> = groups
            .iter()
            .map(|(sub, list)| format!("{keyword} {flags}{} {dest_dir}{sub}", list.join(" ")))
            .collect();
        copied = manifests.join(" ");
        let first_inst = file.instructions.get(first)?;
        fix_edits.push(edits::insert_lines_before(file, first_inst, &lines));
    }
    let last_inst = file.instructions.get(last)?;
    fix_edits.extend(edits::move_instruction_after(file, copy_inst, last_inst)?);
    let what = file.text(copy_inst.args_span()).trim().to_string();
    let keyword = copy_inst.keyword.as_str();
    let title = if copied.is_empty() {
        format!("Move `{keyword} {what}` below the last install it invalidates (unsafe: the install may read the copied files)")
    } else {
        format!("Copy `{copied}` before the install and move `{keyword} {what}` below it (unsafe: the install may read other files)")
    };
    Some(Fix {
        title: title.into(),
        applicability: Applicability::Unsafe,
        edits: fix_edits,
    })
}

/// Where the manifests go so that the install finds them where the whole-context COPY
/// put them: `./` for `COPY . .`, or the absolute destination when it is the WORKDIR.
fn manifest_dest(
    ctx: &LintContext<'_>,
    stage: usize,
    copy_instruction: usize,
    dest: &str,
) -> Option<String> {
    if matches!(dest, "." | "./") {
        return Some("./".to_string());
    }
    if !dest.starts_with('/') {
        return None;
    }
    let workdir = ctx.graph.workdir_at(stage, copy_instruction)?;
    let same = workdir.trim_end_matches('/') == dest.trim_end_matches('/');
    same.then(|| format!("{}/", dest.trim_end_matches('/')))
}

/// The manifests that exist in the build context (all of them, when it is not known and
/// they are plain names). `None` when one cannot be used as a COPY source.
fn present_manifests(manifests: &[String], context: Option<&Path>) -> Option<Vec<String>> {
    let literal = |m: &str| !m.contains(['*', '?', '[']);
    if manifests.iter().any(|m| {
        m.contains('$')
            || m.starts_with('/')
            || m.contains("://")
            || m.split('/').any(|p| p == "..")
    }) {
        return None;
    }
    let kept: Vec<String> = match context.filter(|c| c.is_dir()) {
        None => {
            if !manifests.iter().all(|m| literal(m)) {
                return None;
            }
            manifests.to_vec()
        }
        Some(dir) => manifests
            .iter()
            .filter(|m| {
                let rel = m.trim_start_matches("./");
                if literal(rel) {
                    dir.join(rel.trim_end_matches('/')).exists()
                } else {
                    let pattern = dir.join(rel);
                    glob::glob(&pattern.to_string_lossy())
                        .map(|mut paths| paths.any(|p| p.is_ok()))
                        .unwrap_or(false)
                }
            })
            .cloned()
            .collect(),
    };
    if kept.is_empty() || kept.iter().any(|m| common::is_volatile_source(m, context)) {
        return None;
    }
    Some(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stages whose lineage includes `stage`, by walking every stage's lineage.
    fn by_lineage(graph: &crate::graph::Graph, stage: usize) -> Vec<usize> {
        (0..graph.stages.len())
            .filter(|&t| graph.lineage(t).contains(&stage))
            .collect()
    }

    #[test]
    fn descendants_match_the_stages_whose_lineage_holds_the_stage() {
        // A chain longer than MAX_LINEAGE, a fork, stages on images and a forward reference.
        let mut text = String::from("FROM alpine:3.20 AS s0\n");
        for i in 1..40 {
            text.push_str(&format!("FROM s{} AS s{i}\n", i - 1));
        }
        text.push_str("FROM s3 AS fork1\nFROM s3 AS fork2\nFROM fork1 AS leaf\n");
        text.push_str("FROM later AS early\nFROM debian:12 AS later\nFROM s39\n");
        let file = crate::syntax::parse(&text).expect("parses");
        let graph = crate::graph::build(&file);
        let descendants = Descendants::new(&graph);
        for stage in 0..graph.stages.len() {
            let expected = by_lineage(&graph, stage);
            assert_eq!(
                descendants.of(stage, usize::MAX),
                Some(expected.clone()),
                "stage {stage}"
            );
            if expected.len() > 2 {
                assert_eq!(descendants.of(stage, expected.len() - 1), None);
                assert_eq!(descendants.of(stage, expected.len()), Some(expected));
            }
        }
    }
}
