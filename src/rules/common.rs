//! Lookups several rules share: package-manager commands of a RUN, cache folders as the
//! tool resolves them, and COPY sources that change with the code.

use std::path::Path;

use crate::graph::{Command, Commands, Graph, ImageRef, Node, RunInfo, SourceKind, VarsAt};
use crate::knowledge::{self, CacheLocation, Invocation, PackageManager, ROOT_HOME};
use crate::syntax::Dockerfile;
use crate::syntax::Mount;

/// A package-manager command of a RUN.
pub struct ManagerCommand<'a> {
    pub command: &'a Command,
    pub invocation: Invocation,
}

/// The commands of a RUN that `knowledge::classify` recognises, classified one at a time
/// as the caller asks (a RUN of many thousand installs need not hold them all at once).
pub fn manager_commands(commands: &[Command]) -> impl Iterator<Item = ManagerCommand<'_>> {
    commands.iter().filter_map(|command| {
        knowledge::classify(&command.cmd).map(|invocation| ManagerCommand {
            command,
            invocation,
        })
    })
}

/// The home folder of the user a node runs as; `None` when it cannot be known.
pub fn home_of(node: &Node) -> Option<String> {
    if let Some(home) = node.vars().get("HOME") {
        return home.map(str::to_string);
    }
    match node.user() {
        None => Some(ROOT_HOME.to_string()),
        Some(u) => {
            let name = u.split(':').next().unwrap_or(u);
            if name == "root" || name == "0" {
                Some(ROOT_HOME.to_string())
            } else if name.is_empty()
                || name.chars().all(|c| c.is_ascii_digit())
                || name.contains('$')
            {
                None
            } else {
                Some(format!("/home/{name}"))
            }
        }
    }
}

/// Whether the node runs as root (or the image default, which is root for official images).
pub fn runs_as_root(node: &Node) -> bool {
    match node.user() {
        None => true,
        Some(u) => {
            let name = u.split(':').next().unwrap_or(u);
            name == "root" || name == "0"
        }
    }
}

/// Where the cache of `manager` is for this command, as the tool itself decides.
pub enum CacheDirs {
    /// A variable or flag moved it here.
    Moved(String),
    /// The defaults (for the user's home, and the official images' own settings).
    Defaults(Vec<String>),
    /// A variable moves it to a value that is not known statically.
    Unknown,
}

pub fn cache_dirs(
    manager: PackageManager,
    node: &Node,
    inv: &Invocation,
    cmd: &Command,
) -> CacheDirs {
    if manager == inv.manager {
        if let Some(dir) = &inv.cache_dir_override {
            return if dir.contains('$') {
                CacheDirs::Unknown
            } else {
                CacheDirs::Moved(dir.clone())
            };
        }
    }
    let info = manager.info();
    for var in info.cache_env {
        let from_prefix = cmd
            .cmd
            .assignments
            .iter()
            .rev()
            .find(|a| a.name == var.name)
            .map(|a| Some(a.value.clone()));
        let value = from_prefix.or_else(|| crate::graph::expand::lookup(&node.vars(), var.name));
        match value {
            Some(Some(v)) if v.contains('$') => return CacheDirs::Unknown,
            Some(Some(v)) => {
                if let Some(dir) = var.cache_dir(&v) {
                    return CacheDirs::Moved(dir);
                }
            }
            Some(None) => return CacheDirs::Unknown,
            None => {}
        }
    }
    let homes: Vec<String> = match home_of(node) {
        Some(h) => vec![h],
        None => return CacheDirs::Unknown,
    };
    let mut dirs = Vec::new();
    for dir in info.cache_dirs {
        let applies = match dir.location {
            CacheLocation::Absolute(_) => true,
            CacheLocation::Home(_) => homes.iter().any(|h| dir.applies_to_home(h)),
        };
        if !applies && dir.image.is_none() {
            continue;
        }
        for h in &homes {
            let d = dir.location.resolve(h);
            if !dirs.contains(&d) {
                dirs.push(d);
            }
        }
    }
    CacheDirs::Defaults(dirs)
}

fn trim_dir(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        "/"
    } else {
        t
    }
}

/// Whether a mount at `target` holds `dir` (same folder or a parent of it).
pub fn covers(target: &str, dir: &str) -> bool {
    let t = trim_dir(target);
    let d = trim_dir(dir);
    t == "/" || d == t || d.strip_prefix(t).is_some_and(|rest| rest.starts_with('/'))
}

/// The cache mounts of a RUN with their targets expanded (`None` target = unknown value).
pub fn cache_mount_targets<'a>(
    run: &'a RunInfo,
    vars: VarsAt<'_>,
    escape: char,
) -> Vec<(&'a Mount, Option<String>)> {
    run.mounts
        .iter()
        .filter(|m| m.kind.eq_ignore_ascii_case("cache"))
        .map(|m| {
            let target = m
                .target()
                .and_then(|t| crate::graph::expand(t, &vars, escape));
            (m, target)
        })
        .collect()
}

/// The official image a stage is ultimately built on (`golang`, `node`, …), without registry or tag.
pub fn root_image(graph: &Graph, stage: usize) -> Option<String> {
    let image = root_base_image(graph, stage)?;
    Some(
        image
            .name()
            .rsplit('/')
            .next()
            .unwrap_or(image.name())
            .to_ascii_lowercase(),
    )
}

/// The registry image at the root of the stage's `FROM <stage>` chain, if it is one.
pub fn root_base_image(graph: &Graph, stage: usize) -> Option<&ImageRef> {
    let root = *graph.lineage(stage).first()?;
    graph.base_image(graph.stages.get(root)?)
}

/// Extensions of files that hold source code: a copy of them changes with every edit.
const SOURCE_EXTENSIONS: &[&str] = &[
    "py", "pyx", "js", "mjs", "cjs", "ts", "tsx", "jsx", "vue", "svelte", "go", "rs", "java", "kt",
    "kts", "scala", "groovy", "rb", "erb", "php", "cs", "fs", "vb", "c", "cc", "cpp", "cxx", "h",
    "hpp", "ex", "exs", "erl", "swift", "dart", "lua", "pl", "r", "jl", "clj", "html", "css",
    "scss", "sass", "less", "ipynb", "sql", "proto",
];

/// Extension-less names that are files, not folders.
const EXTENSIONLESS_FILES: &[&str] = &[
    "makefile",
    "license",
    "licence",
    "readme",
    "dockerfile",
    "version",
    "notice",
    "authors",
    "changelog",
    "procfile",
    "justfile",
    "rakefile",
    "brewfile",
    "vagrantfile",
    "jenkinsfile",
];

/// Folders of files that change about as often as the base image.
const STATIC_DIRS: &[&str] = &[
    "licenses",
    "licences",
    "license",
    "licence",
    "certs",
    "certificates",
];

/// Whether a build-context COPY/ADD source changes with the code: the whole context, a
/// folder, a wildcard over sources, or source files. Manifests, single config files,
/// scripts and archives are not.
pub fn is_volatile_source(raw: &str, context_dir: Option<&Path>) -> bool {
    let path = raw.trim();
    if knowledge::is_manifest(path) {
        return false;
    }
    let trimmed = path.trim_start_matches("./");
    let last = trimmed
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    if STATIC_DIRS.contains(&last.to_ascii_lowercase().as_str()) {
        return false;
    }
    if matches!(trimmed, "" | "." | "*" | "/" | "**") || path.ends_with("/.") {
        return true;
    }
    if let Some(dir) = context_dir {
        if !path.contains(['*', '?', '[', '$']) {
            let on_disk = dir.join(trimmed.trim_start_matches('/'));
            if let Ok(meta) = std::fs::metadata(&on_disk) {
                return meta.is_dir();
            }
        }
    }
    if path.ends_with('/') {
        return true;
    }
    let name = trimmed
        .rsplit('/')
        .next()
        .unwrap_or(trimmed)
        .to_ascii_lowercase();
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => {
            if ext.contains('*') {
                return true;
            }
            SOURCE_EXTENSIONS.contains(&ext)
        }
        // `*` or `src*` wildcards.
        _ if name.contains('*') => true,
        // `.env`-style dotfiles are config.
        Some(_) => false,
        None => !EXTENSIONLESS_FILES.contains(&name.as_str()) && !name.contains('$'),
    }
}

/// The volatile build-context sources of a COPY/ADD node.
pub fn volatile_sources<'a>(
    df: &'a Dockerfile,
    node: &'a Node,
    context_dir: Option<&Path>,
) -> Vec<&'a str> {
    let Some(copy) = node.copy_info(df) else {
        return Vec::new();
    };
    let context: Vec<_> = copy
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Context)
        .collect();
    if context.is_empty() || context.iter().all(|s| knowledge::is_manifest(s.raw)) {
        return Vec::new();
    }
    context
        .iter()
        .filter(|s| is_volatile_source(s.path.unwrap_or(s.raw), context_dir))
        .map(|s| s.raw)
        .collect()
}

/// Whether two folders overlap: one is the other or holds it.
pub fn overlaps(a: &str, b: &str) -> bool {
    covers(a, b) || covers(b, a)
}

/// Whether a node's `USER` is root: `Some(false)` only for a user known not to be root,
/// `None` when the value is not known statically.
pub fn user_is_root(node: &Node) -> Option<bool> {
    let Some(user) = node.user() else {
        return Some(true);
    };
    let name = user.split(':').next().unwrap_or(user);
    if name.is_empty() || name == "?" || name.contains('$') {
        None
    } else {
        Some(name == "root" || name == "0")
    }
}

pub use crate::graph::join_path;

/// The value a variable has for one command: its own `NAME=value` prefix, else the
/// ARG/ENV in scope. `Some(None)` when set to a value not known statically.
pub fn var_for(node: &Node, cmd: &Command, name: &str) -> Option<Option<String>> {
    cmd.cmd
        .assignments
        .iter()
        .rev()
        .find(|a| a.name == name)
        .map(|a| Some(a.value.clone()))
        .or_else(|| crate::graph::expand::lookup(&node.vars(), name))
}

/// The span of the first word of `cmd` (from `from` on) that satisfies `pred`, else the
/// command's span.
pub fn word_span(cmd: &Command, from: usize, pred: impl Fn(&str) -> bool) -> crate::span::Span {
    cmd.cmd
        .words
        .iter()
        .enumerate()
        .skip(from)
        .find(|(_, w)| pred(&w.value))
        .and_then(|(i, _)| cmd.word_span(i))
        .unwrap_or(cmd.span())
}

/// A command as written up to and including word `last` (`pip install`).
pub fn shown_command(cmd: &Command, last: usize) -> String {
    cmd.cmd
        .words
        .iter()
        .take(last + 1)
        .map(|w| w.value.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The working directory of a RUN's commands: the last `cd` before a command, if any,
/// applied to the stage's WORKDIR; `None` when not known statically. Commands are meant to
/// be asked about in order: it follows the `cd`s from the last command asked about, so
/// asking for every command of a RUN stays linear.
pub struct CwdTracker<'w> {
    workdir: Option<&'w str>,
    /// The directory before command `next`.
    dir: Option<String>,
    next: usize,
}

impl<'w> CwdTracker<'w> {
    pub fn new(workdir: Option<&'w str>) -> Self {
        CwdTracker {
            workdir,
            dir: workdir.map(str::to_string),
            next: 0,
        }
    }

    /// The working directory of the command at `index` of `commands` (always the same
    /// commands); an index before the last one asked about starts over.
    pub fn at(&mut self, commands: &[Command], index: usize) -> Option<String> {
        if index < self.next {
            *self = CwdTracker::new(self.workdir);
        }
        for command in commands.iter().take(index).skip(self.next) {
            if command.cmd.program() != Some("cd") {
                continue;
            }
            let arg = command.cmd.words.get(1).map(|w| w.value.as_str());
            self.dir = match arg {
                Some(a) if a.contains('$') || a == "-" => None,
                Some(a) if a.starts_with('/') => Some(a.to_string()),
                Some(a) => self.dir.take().map(|d| join_path(&d, a)),
                None => None,
            };
        }
        self.next = self.next.max(index.min(commands.len()));
        self.dir.clone()
    }
}

/// Where `cargo` puts its build artifacts for this command: `--target-dir`, else
/// `CARGO_TARGET_DIR`, else `target` next to the manifest (`cwd` when none is named).
/// `None` when not known statically.
pub fn cargo_target_dir(node: &Node, command: &Command, cwd: Option<&str>) -> Option<String> {
    let words: Vec<&str> = command.cmd.words.iter().map(|w| w.value.as_str()).collect();
    let flag = |name: &str| {
        words.iter().enumerate().find_map(|(i, w)| {
            w.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('='))
                .map(str::to_string)
                .or_else(|| {
                    (*w == name)
                        .then(|| words.get(i + 1).map(|v| v.to_string()))
                        .flatten()
                })
        })
    };
    let relative = |p: String| -> Option<String> {
        if p.contains('$') {
            None
        } else if p.starts_with('/') {
            Some(p)
        } else {
            cwd.map(|d| join_path(d, &p))
        }
    };
    if let Some(dir) = flag("--target-dir") {
        return relative(dir);
    }
    match var_for(
        node,
        command,
        knowledge::mount_facts::CARGO_TARGET.env.unwrap_or(""),
    ) {
        Some(Some(v)) => return relative(v),
        Some(None) => return None,
        None => {}
    }
    let project = match flag("--manifest-path") {
        Some(m) => m
            .rsplit_once('/')
            .map(|(d, _)| d.to_string())
            .unwrap_or_else(|| ".".to_string()),
        None => ".".to_string(),
    };
    relative(join_path(
        &project,
        knowledge::mount_facts::CARGO_TARGET.relative,
    ))
}

/// The command `xargs` runs (`xargs apt-get install -y` gives `apt-get install -y`), with
/// xargs' own options skipped; `None` for other programs or a bare `xargs`.
pub fn xargs_command(cmd: &crate::shell::SimpleCommand) -> Option<crate::shell::SimpleCommand> {
    if cmd.program() != Some("xargs") {
        return None;
    }
    // Short options of GNU and BSD xargs that take a value as the next word.
    const WITH_VALUE: &[&str] = &[
        "-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s", "-J", "-R", "-S",
    ];
    let mut i = 1;
    while let Some(word) = cmd.words.get(i) {
        let v = word.value.as_str();
        if v == "--" {
            i += 1;
            break;
        }
        if !v.starts_with('-') || v == "-" {
            break;
        }
        i += if WITH_VALUE.contains(&v) { 2 } else { 1 };
    }
    let words = cmd.words.get(i..)?.to_vec();
    if words.is_empty() {
        return None;
    }
    Some(crate::shell::SimpleCommand {
        words,
        ..cmd.clone()
    })
}

/// The cache folders the installs and builds among a RUN's `commands` use, as the node's user.
pub fn used_cache_dirs(node: &Node, commands: &[Command]) -> Vec<String> {
    let mut dirs = Vec::new();
    for mc in manager_commands(commands) {
        if !mc.invocation.kind.uses_cache() {
            continue;
        }
        for manager in &mc.invocation.caches {
            match cache_dirs(*manager, node, &mc.invocation, mc.command) {
                CacheDirs::Moved(d) => dirs.push(d),
                CacheDirs::Defaults(d) => dirs.extend(d),
                CacheDirs::Unknown => {}
            }
        }
    }
    dirs
}

/// The cache mounts of a RUN whose target expands to a known path, with that path.
pub fn known_cache_mounts<'a>(
    run: &'a RunInfo,
    node: &Node,
    escape: char,
) -> Vec<(&'a Mount, String)> {
    cache_mount_targets(run, node.vars(), escape)
        .into_iter()
        .filter_map(|(m, t)| t.map(|t| (m, t)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::NodeKind;

    #[test]
    fn layer_history_answers_from_the_first_match() {
        let file = crate::syntax::parse(
            "FROM a AS base\nRUN one\nRUN mark\nFROM base\nRUN two\nRUN mark\nRUN three\n",
        )
        .expect("parses");
        let graph = crate::graph::build(&file);
        let history = LayerHistory::new(&graph, &file, 1);
        assert_eq!(history.layers.len(), 5, "inherited layers first");
        let marks = |n: &Node| match &n.kind {
            NodeKind::Run(run) => graph
                .commands(&file, run)
                .iter()
                .any(|c| c.cmd.program() == Some("mark")),
            _ => false,
        };
        let answers: Vec<bool> = (0..5).map(|p| history.at(p).any("mark", marks)).collect();
        assert_eq!(answers, [false, true, true, true, true]);
        // The memo answers a second question under another key independently.
        let three = |n: &Node| match &n.kind {
            NodeKind::Run(run) => graph
                .commands(&file, run)
                .iter()
                .any(|c| c.cmd.program() == Some("three")),
            _ => false,
        };
        assert!(!history.at(3).any("three", three));
        assert!(history.at(4).any("three", three));
    }

    #[test]
    fn whole_context_folders_and_sources_are_volatile() {
        for p in [
            ".", "./", "src/", "app", "*.py", "main.go", "./lib/", "*", "src/*.ts",
        ] {
            assert!(is_volatile_source(p, None), "{p}");
        }
    }

    #[test]
    fn manifests_configs_scripts_and_archives_are_not() {
        for p in [
            "package.json",
            "requirements.txt",
            "nginx.conf",
            "entrypoint.sh",
            "rootfs.tar.xz",
            "Makefile",
            ".env",
            "go.sum",
        ] {
            assert!(!is_volatile_source(p, None), "{p}");
        }
    }

    #[test]
    fn mount_targets_cover_their_subfolders() {
        assert!(covers("/root/.cache", "/root/.cache/pip"));
        assert!(covers("/root/.cache/pip/", "/root/.cache/pip"));
        assert!(!covers("/root/.cache/pi", "/root/.cache/pip"));
        assert!(!covers("/tmp/cache", "/var/cache/apt"));
    }
}

/// A stage's layers, inherited ones first, with memoised "did a layer up to here …"
/// questions. Rules ask them for every RUN; answering each by a scan of the earlier
/// layers made long stages quadratic, so each question scans the layers once and keeps
/// the first layer that answers yes.
///
/// `K` names the questions: a static text, or a rule's own small type of questions.
pub struct LayerHistory<'a, K = &'static str> {
    pub layers: crate::graph::Layers<'a>,
    first: std::cell::RefCell<Vec<(K, Option<usize>)>>,
    graph: &'a Graph,
    file: &'a Dockerfile,
}

impl<'a, K: Copy + PartialEq> LayerHistory<'a, K> {
    /// The layers of `stage` of `graph`, built from `file`.
    pub fn new(graph: &'a Graph, file: &'a Dockerfile, stage: usize) -> Self {
        LayerHistory {
            layers: graph.layers(stage),
            first: std::cell::RefCell::new(Vec::new()),
            graph,
            file,
        }
    }

    /// Whether a layer at or before `position` satisfies `pred`. `key` names the question:
    /// one key must always come with the same predicate.
    pub fn any_up_to(&self, position: usize, key: K, pred: impl Fn(&Node) -> bool) -> bool {
        let known = self
            .first
            .borrow()
            .iter()
            .find(|(k, _)| *k == key)
            .map(|&(_, f)| f);
        let first = match known {
            Some(f) => f,
            None => {
                let f = self.layers.iter().position(|(_, n)| pred(n));
                self.first.borrow_mut().push((key, f));
                f
            }
        };
        first.is_some_and(|f| f <= position)
    }

    /// The history as seen by the layer at `position`.
    pub fn at(&self, position: usize) -> History<'_, 'a, K> {
        History {
            layers: self,
            position,
        }
    }
}

/// What ran up to and including one layer of a [`LayerHistory`].
#[derive(Clone, Copy)]
pub struct History<'h, 'a, K = &'static str> {
    layers: &'h LayerHistory<'a, K>,
    position: usize,
}

impl<K: Copy + PartialEq> History<'_, '_, K> {
    /// Whether a layer up to this one satisfies `pred` (see [`LayerHistory::any_up_to`]).
    pub fn any(&self, key: K, pred: impl Fn(&Node) -> bool) -> bool {
        self.layers.any_up_to(self.position, key, pred)
    }

    /// The commands of a RUN among the layers.
    pub fn commands(&self, run: &RunInfo) -> Commands {
        self.layers.graph.commands(self.layers.file, run)
    }

    /// The destination of a COPY or ADD among the layers, as written.
    pub fn copy_dest(&self, node: &Node) -> Option<&str> {
        let inst = self.layers.file.instructions.get(node.instruction())?;
        crate::graph::copy_dest(inst)
    }
}

#[cfg(test)]
mod cwd_tests {
    use super::*;
    use crate::graph::NodeKind;

    fn commands(script: &str) -> Vec<Command> {
        let df = crate::syntax::parse(&format!("FROM a\nRUN {script}\n")).expect("parses");
        let graph = crate::graph::build(&df);
        let NodeKind::Run(run) = &graph.nodes_of(&graph.stages[0])[0].kind else {
            panic!("a RUN");
        };
        graph.commands(&df, run).to_vec()
    }

    #[test]
    fn follows_cd_in_any_order_of_questions() {
        let cmds = commands("cd app && make && cd /srv && cd sub && make && cd $X && make");
        let expected = [
            Some("/w"),
            Some("/w/app"),
            Some("/w/app"),
            Some("/srv"),
            Some("/srv/sub"),
            Some("/srv/sub"),
            None,
        ];
        let mut tracker = CwdTracker::new(Some("/w"));
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(
                tracker.at(&cmds, i).as_deref(),
                *want,
                "in order, command {i}"
            );
        }
        // Going back starts over; asking twice gives the same answer.
        for i in [4, 1, 1, 6, 0, 5] {
            assert_eq!(tracker.at(&cmds, i).as_deref(), expected[i], "command {i}");
        }
        assert_eq!(CwdTracker::new(None).at(&cmds, 2), None);
    }
}
