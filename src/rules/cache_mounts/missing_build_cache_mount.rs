use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{Command, Commands, Node, NodeKind};
use crate::knowledge::mount_facts::{COMPILER_WRAPPER_ENV, NEXT_CACHE, SCCACHE_REMOTE_ENV};
use crate::knowledge::{classify, Invocation, InvocationKind, PackageManager, ROOT_HOME};
use crate::lint::LintContext;
use crate::rules::common::{self, CacheDirs};
use crate::rules::{Category, Findings, Rule, RuleMeta};

pub struct MissingBuildCacheMount;

pub static META: RuleMeta = RuleMeta {
    code: "LL204",
    name: "missing-build-cache-mount",
    category: Category::CacheMounts,
    default_severity: Severity::Info,
    summary: "A compile step without a cache mount on its compiler or build cache, so every rebuild starts cold",
    doc: include_str!("../../../rules/LL204.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

/// Programs that compile C, C++ or Rust, and so go through a compiler cache when one is set.
const COMPILE_PROGRAMS: &[&str] = &[
    "make",
    "gmake",
    "cmake",
    "ninja",
    "meson",
    "scons",
    "gcc",
    "g++",
    "cc",
    "c++",
    "clang",
    "clang++",
    "cargo",
    "configure",
    "setup.py",
    "pip",
    "pip3",
];

/// One RUN under inspection.
struct RunCtx<'a> {
    ctx: &'a LintContext<'a>,
    stage: usize,
    node: &'a Node,
    /// The RUN's commands.
    commands: Commands,
    /// Expanded cache mount targets (`None` = unknown).
    mounts: Vec<Option<String>>,
    /// The image's layers, with the answers already found about them: asked for every
    /// build command, each question was a scan of the earlier layers.
    history: &'a common::LayerHistory<'a, Question>,
    /// This RUN's position among the layers.
    position: usize,
    /// Whether the context's package.json has a build script running `next build`.
    next_script: &'a std::cell::OnceCell<bool>,
    image: Option<String>,
    /// `installs_here` answers, by manager: asked for every build command of the RUN.
    installs_here: std::cell::RefCell<Vec<(PackageManager, bool)>>,
    /// The working directory as the commands run, followed one command at a time.
    cwd: std::cell::RefCell<common::CwdTracker<'a>>,
}

/// What the rule asks about a stage's layers.
#[derive(Clone, Copy, PartialEq)]
enum Question {
    /// Did a RUN run the manager with one of the kinds?
    Ran(PackageManager, &'static [InvocationKind]),
    /// Did a RUN run `cargo chef cook`?
    Cooked,
}

impl RunCtx<'_> {
    /// Whether a mount holds one of `dirs`; a mount whose target is unknown may.
    fn covered(&self, dirs: &[String]) -> bool {
        self.mounts.iter().any(|t| match t {
            None => true,
            Some(t) => dirs.iter().any(|d| common::overlaps(t, d)),
        })
    }

    /// Whether an earlier RUN of the image ran `manager` with one of `kinds` (its
    /// downloads or outputs then sit in a layer).
    fn earlier_ran(&self, manager: PackageManager, kinds: &'static [InvocationKind]) -> bool {
        self.earlier(Question::Ran(manager, kinds), |n| {
            self.ran(n, manager, kinds)
        })
    }

    /// Whether an earlier RUN of the image runs `cargo chef cook`.
    fn earlier_cooked(&self) -> bool {
        self.earlier(Question::Cooked, |n| mentions_cook(self.ctx, n))
    }

    /// Whether a layer before this RUN answers `question` (`pred` tells it).
    fn earlier(&self, question: Question, pred: impl Fn(&Node) -> bool) -> bool {
        self.position
            .checked_sub(1)
            .is_some_and(|last| self.history.any_up_to(last, question, pred))
    }

    /// Whether `node` is a RUN that ran `manager` with one of `kinds`.
    fn ran(&self, node: &Node, manager: PackageManager, kinds: &[InvocationKind]) -> bool {
        match &node.kind {
            NodeKind::Run(r) if r.runs_managers() => {
                common::manager_commands(&self.ctx.commands(r))
                    .any(|c| c.invocation.manager == manager && kinds.contains(&c.invocation.kind))
            }
            _ => false,
        }
    }

    /// Whether this RUN also installs `manager`'s dependencies, which LL201 checks.
    fn installs_here(&self, manager: PackageManager) -> bool {
        if let Some(&(_, known)) = self
            .installs_here
            .borrow()
            .iter()
            .find(|(m, _)| *m == manager)
        {
            return known;
        }
        let installs = common::manager_commands(&self.commands).any(|c| {
            c.invocation.manager == manager
                && c.invocation.kind == InvocationKind::DependencyInstall
        });
        self.installs_here.borrow_mut().push((manager, installs));
        installs
    }

    /// The working directory of command `index`, for indexes asked in increasing order.
    fn cwd_at(&self, index: usize) -> Option<String> {
        self.cwd.borrow_mut().at(&self.commands, index)
    }

    /// The dirs of a manager's cache for one command; `None` when a variable moves it
    /// somewhere unknown.
    fn dirs(
        &self,
        manager: PackageManager,
        inv: &Invocation,
        command: &Command,
    ) -> Option<Vec<String>> {
        match common::cache_dirs(manager, self.node, inv, command) {
            CacheDirs::Unknown => None,
            CacheDirs::Moved(d) => Some(vec![d]),
            CacheDirs::Defaults(d) => Some(d),
        }
    }

    /// The folder to suggest: the official image's own, else the tool's default.
    fn suggest(&self, manager: PackageManager, dirs: &[String]) -> String {
        let info = manager.info();
        let for_image = info
            .cache_dirs
            .iter()
            .find(|d| d.image.is_some() && d.image == self.image.as_deref())
            .map(|d| d.location.resolve(ROOT_HOME));
        let image_specific: Vec<String> = info
            .cache_dirs
            .iter()
            .filter(|d| d.image.is_some())
            .map(|d| d.location.resolve(ROOT_HOME))
            .collect();
        for_image
            .filter(|d| dirs.contains(d))
            .or_else(|| dirs.iter().find(|d| !image_specific.contains(d)).cloned())
            .or_else(|| dirs.first().cloned())
            .unwrap_or_default()
    }
}

impl Rule for MissingBuildCacheMount {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        let next_script = std::cell::OnceCell::new();
        for stage in &ctx.graph.stages {
            let history = common::LayerHistory::new(ctx.graph, ctx.file, stage.index());
            for (position, (owner, node)) in history.layers.iter().enumerate() {
                let NodeKind::Run(run) = &node.kind else {
                    continue;
                };
                if owner != stage.index() {
                    continue;
                }
                let workdir = ctx.graph.workdir_at(stage.index(), node.instruction());
                let rc = RunCtx {
                    ctx,
                    stage: stage.index(),
                    node,
                    commands: ctx.commands(run),
                    mounts: common::cache_mount_targets(run, node.vars(), ctx.file.escape)
                        .into_iter()
                        .map(|(_, t)| t)
                        .collect(),
                    history: &history,
                    position,
                    next_script: &next_script,
                    image: common::root_image(ctx.graph, stage.index()),
                    installs_here: Default::default(),
                    cwd: std::cell::RefCell::new(common::CwdTracker::new(workdir)),
                };
                check_run(&rc, out);
            }
        }
    }
}

fn check_run(rc: &RunCtx<'_>, out: &mut Findings) {
    let mut reported: Vec<PackageManager> = Vec::new();
    for (index, command) in rc.commands.iter().enumerate() {
        let Some(inv) = classify(&command.cmd) else {
            if let Some(d) = next_build(rc, index, command) {
                out.push(d);
            }
            continue;
        };
        if inv.kind != InvocationKind::Build || reported.contains(&inv.manager) {
            if let Some(d) = next_build(rc, index, command) {
                out.push(d);
            }
            continue;
        }
        let found = match inv.manager {
            PackageManager::GoBuild => go(rc, command, &inv),
            PackageManager::Cargo => cargo(rc, index, command, &inv),
            PackageManager::Maven | PackageManager::Gradle | PackageManager::Dotnet => {
                dependency_build(rc, command, &inv)
            }
            _ => None,
        };
        if let Some(d) = found {
            reported.push(inv.manager);
            out.push(d);
        }
    }
    for manager in [PackageManager::Ccache, PackageManager::Sccache] {
        if let Some(d) = compiler_cache(rc, manager) {
            out.push(d);
        }
    }
}

fn build_report(rc: &RunCtx<'_>, command: &Command, message: String, help: String) -> Diagnostic {
    let inst = &rc.ctx.file.instructions[rc.node.instruction()];
    Diagnostic::new(&META, inst.keyword_span(), message)
        .with_label(command.span(), "builds without a warm cache")
        .with_help(help)
}

fn go(rc: &RunCtx<'_>, command: &Command, inv: &Invocation) -> Option<Diagnostic> {
    // `go install tool@v1` builds a pinned tool, whose layer rarely reruns; Go before
    // 1.10 has no build cache.
    if !inv.from_manifest || go_before_build_cache(rc) {
        return None;
    }
    let dirs = rc.dirs(PackageManager::GoBuild, inv, command)?;
    if dirs.is_empty() || rc.covered(&dirs) {
        return None;
    }
    let dir = rc.suggest(PackageManager::GoBuild, &dirs);
    let shown = common::shown_command(command, inv.verb_index);
    Some(build_report(
        rc,
        command,
        format!("`{shown}` recompiles every package whenever this layer rebuilds: no cache mount holds the Go build cache `{dir}`"),
        format!("add `--mount=type=cache,target={dir}` (the build cache, set by GOCACHE) to this RUN"),
    ))
}

/// Whether the stage is built on a `golang` image older than 1.10, which introduced the
/// build cache (https://go.dev/doc/go1.10#build).
fn go_before_build_cache(rc: &RunCtx<'_>) -> bool {
    let Some(image) = common::root_base_image(rc.ctx.graph, rc.stage) else {
        return false;
    };
    if rc.image.as_deref() != Some("golang") {
        return false;
    }
    let Some(tag) = image.tag() else {
        return false;
    };
    let mut parts = tag.split(['.', '-']);
    let major = parts.next().and_then(|p| p.parse::<u32>().ok());
    let minor = parts.next().and_then(|p| p.parse::<u32>().ok());
    matches!((major, minor), (Some(1), Some(m)) if m < 10)
}

fn cargo(rc: &RunCtx<'_>, index: usize, command: &Command, inv: &Invocation) -> Option<Diagnostic> {
    let verb = command
        .cmd
        .words
        .get(inv.verb_index)
        .map(|w| w.value.as_str())?;
    let registry_dirs = rc.dirs(PackageManager::Cargo, inv, command)?;
    let needs_registry = !rc.earlier_ran(
        PackageManager::Cargo,
        &[InvocationKind::DependencyInstall, InvocationKind::Build],
    ) && !rc.installs_here(PackageManager::Cargo)
        && !rc.covered(&registry_dirs);
    // An earlier build or `cargo chef cook` left compiled dependencies in `target/` in a
    // layer, which a mount there would hide; `cargo install` builds in a temporary folder.
    let target_in_layer =
        rc.earlier_ran(PackageManager::Cargo, &[InvocationKind::Build]) || rc.earlier_cooked();
    let cwd = rc.cwd_at(index);
    let target = common::cargo_target_dir(rc.node, command, cwd.as_deref());
    let needs_target = verb != "install"
        && !target_in_layer
        && !rc.mounts.iter().any(|t| match (t, &target) {
            (None, _) => true,
            (Some(t), Some(dir)) => {
                common::overlaps(t, dir) || t.trim_end_matches('/').ends_with("/target")
            }
            (Some(t), None) => t.trim_end_matches('/').ends_with("/target"),
        });
    if !needs_registry && !needs_target {
        return None;
    }
    let registry = rc.suggest(PackageManager::Cargo, &registry_dirs);
    let target_shown = target.clone().unwrap_or_else(|| "target".to_string());
    let mut missing = Vec::new();
    let mut flags = Vec::new();
    if needs_registry {
        missing.push(format!("the crate registry `{registry}`"));
        flags.push(format!("--mount=type=cache,target={registry}"));
    }
    if needs_target {
        missing.push(format!("the target folder `{target_shown}`"));
        flags.push(format!("--mount=type=cache,target={target_shown}"));
    }
    let shown = common::shown_command(command, inv.verb_index);
    let mut help = format!("add `{}`", flags.join(" "));
    if needs_target {
        help.push_str(&format!(
            "; the target mount is not in the image, so copy the binary out in the same RUN (`cp {target_shown}/release/<name> /usr/local/bin/`)"
        ));
    }
    Some(build_report(
        rc,
        command,
        format!(
            "`{shown}` starts cold whenever this layer rebuilds: no cache mount holds {}",
            missing.join(" or ")
        ),
        help,
    ))
}

fn mentions_cook(ctx: &LintContext<'_>, node: &Node) -> bool {
    let NodeKind::Run(run) = &node.kind else {
        return false;
    };
    ctx.commands(run).iter().any(|c| {
        c.cmd.program() == Some("cargo")
            && c.cmd.words.iter().any(|w| w.value == "chef")
            && c.cmd.words.iter().any(|w| w.value == "cook")
    })
}

/// Maven, Gradle and .NET builds download their dependencies unless an earlier layer did.
fn dependency_build(rc: &RunCtx<'_>, command: &Command, inv: &Invocation) -> Option<Diagnostic> {
    let words: Vec<&str> = command.cmd.words.iter().map(|w| w.value.as_str()).collect();
    let offline = match inv.manager {
        PackageManager::Dotnet => words.contains(&"--no-restore"),
        _ => words.iter().any(|w| matches!(*w, "-o" | "--offline")),
    };
    if offline
        || rc.installs_here(inv.manager)
        || rc.earlier_ran(
            inv.manager,
            &[InvocationKind::DependencyInstall, InvocationKind::Build],
        )
    {
        return None;
    }
    let dirs = rc.dirs(inv.manager, inv, command)?;
    if dirs.is_empty() || rc.covered(&dirs) {
        return None;
    }
    let dir = rc.suggest(inv.manager, &dirs);
    let shown = common::shown_command(command, inv.verb_index);
    let name = inv.manager.display_name();
    Some(build_report(
        rc,
        command,
        format!("`{shown}` downloads every dependency again whenever this layer rebuilds: no cache mount holds the {name} cache `{dir}`"),
        format!("add `--mount=type=cache,target={dir}` to this RUN"),
    ))
}

/// ccache and sccache, used as a wrapper program or through the variables that make a
/// build go through them.
fn compiler_cache(rc: &RunCtx<'_>, manager: PackageManager) -> Option<Diagnostic> {
    let program = match manager {
        PackageManager::Ccache => "ccache",
        _ => "sccache",
    };
    let names_wrapper = |v: &str| {
        v.split([' ', '/', '=', '"', '\''])
            .any(|part| part == program)
    };
    let mut user: Option<&Command> = None;
    for command in rc.commands.iter() {
        let Some(this_program) = command.cmd.program() else {
            continue;
        };
        let direct = this_program == program
            && classify(&command.cmd).is_some_and(|i| i.kind == InvocationKind::Build);
        let in_words = command.cmd.words.iter().any(|w| {
            (w.value.contains("COMPILER_LAUNCHER=") || w.value.contains("RUSTC_WRAPPER="))
                && names_wrapper(&w.value)
        });
        let this_program = this_program.trim_start_matches("./");
        let by_var = COMPILE_PROGRAMS.contains(&this_program)
            && COMPILER_WRAPPER_ENV.iter().any(|name| {
                matches!(common::var_for(rc.node, command, name), Some(Some(v)) if names_wrapper(&v))
            });
        if direct || in_words || by_var {
            user = Some(command);
            break;
        }
    }
    let command = user?;
    if manager == PackageManager::Sccache
        && SCCACHE_REMOTE_ENV
            .iter()
            .any(|name| common::var_for(rc.node, command, name).is_some())
    {
        return None;
    }
    let inv = wrapper_invocation(manager, command);
    let dirs = match common::cache_dirs(manager, rc.node, &inv, command) {
        CacheDirs::Unknown => return None,
        CacheDirs::Moved(d) => vec![d],
        CacheDirs::Defaults(d) => d,
    };
    if dirs.is_empty() || rc.covered(&dirs) {
        return None;
    }
    let dir = dirs.first().cloned().unwrap_or_default();
    let inst = &rc.ctx.file.instructions[rc.node.instruction()];
    Some(
        Diagnostic::new(
            &META,
            inst.keyword_span(),
            format!("this RUN compiles through {program}, but no cache mount holds its cache `{dir}`: every rebuild misses"),
        )
        .with_label(command.span(), format!("compiled through {program}"))
        .with_help(format!("add `--mount=type=cache,target={dir}` to this RUN")),
    )
}

/// An invocation of a compiler cache for a command that uses it through a variable.
fn wrapper_invocation(manager: PackageManager, command: &Command) -> Invocation {
    Invocation {
        manager,
        kind: InvocationKind::Build,
        verb_index: 0,
        verb_range: command.cmd.range.range(),
        caches: vec![manager],
        reads_files: Vec::new(),
        from_manifest: false,
        packages: Vec::new(),
        disables_cache: false,
        cache_dir_override: None,
        installs_local_project: false,
        target_dir: None,
    }
}

/// `next build`, directly or through a package runner or a `build` script that runs it.
fn next_build(rc: &RunCtx<'_>, index: usize, command: &Command) -> Option<Diagnostic> {
    let words: Vec<&str> = command.cmd.words.iter().map(|w| w.value.as_str()).collect();
    let program = command.cmd.program()?;
    let direct = |rest: &[&str]| rest.first() == Some(&"next") && rest.get(1) == Some(&"build");
    let runs_next = match program {
        "next" => words.get(1) == Some(&"build"),
        "npx" | "bunx" | "pnpx" => direct(&words[1..]),
        "pnpm" | "yarn" | "bun" | "npm" => {
            direct(&words[1..])
                || (words.get(1) == Some(&"exec") && direct(&words[2..]))
                || (is_build_script(&words) && build_script_runs_next(rc))
        }
        _ => false,
    };
    if !runs_next {
        return None;
    }
    let cwd = rc.cwd_at(index);
    let covered = rc.mounts.iter().any(|t| match (t, &cwd) {
        (None, _) => true,
        (Some(t), Some(dir)) => common::overlaps(t, &common::join_path(dir, NEXT_CACHE.relative)),
        (Some(t), None) => t.trim_end_matches('/').ends_with(NEXT_CACHE.relative),
    });
    if covered {
        return None;
    }
    let dir = cwd
        .map(|d| common::join_path(&d, NEXT_CACHE.relative))
        .unwrap_or_else(|| format!("<project>/{}", NEXT_CACHE.relative));
    let inst = &rc.ctx.file.instructions[rc.node.instruction()];
    Some(
        Diagnostic::new(
            &META,
            inst.keyword_span(),
            format!("`next build` rebuilds every page whenever this layer rebuilds: no cache mount holds the {} `{dir}`", NEXT_CACHE.display_name),
        )
        .with_label(command.span(), "Next.js build")
        .with_help(format!("add `--mount=type=cache,target={dir}` to this RUN")),
    )
}

/// `npm run build`, `yarn build`, `pnpm build`, `bun run build`.
fn is_build_script(words: &[&str]) -> bool {
    matches!(
        words,
        [_, "run", "build", ..] | ["yarn" | "pnpm", "build", ..]
    )
}

/// Whether the build context's `package.json` has a `build` script running `next build`.
fn build_script_runs_next(rc: &RunCtx<'_>) -> bool {
    *rc.next_script
        .get_or_init(|| package_build_runs_next(rc.ctx))
}

/// Read once per file: a RUN may hold thousands of `npm run build` commands.
fn package_build_runs_next(ctx: &LintContext<'_>) -> bool {
    let Some(dir) = ctx.context_dir else {
        return false;
    };
    let Ok(text) = std::fs::read_to_string(dir.join("package.json")) else {
        return false;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    json.get("scripts")
        .and_then(|s| s.get("build"))
        .and_then(|b| b.as_str())
        .is_some_and(|b| b.contains("next build"))
}
