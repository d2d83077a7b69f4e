//! The rebuild predictor: which instructions a change to the build context (or to a
//! build argument) makes BuildKit rebuild, and why.
//!
//! BuildKit reuses a step when its parent step was reused and the step's own inputs are
//! unchanged: the instruction text, the files a COPY/ADD (or a bind mount) reads, the
//! stage a `COPY --from` reads, and the build arguments in scope (every RUN after an
//! `ARG` sees it in its environment; other instructions only when they use it). Once a
//! step rebuilds, every later step of the stage does, and so does every stage built on
//! it. What cannot be known offline (remote ADD, a RUN fetching from the network) is
//! marked as such.

mod changes;
mod render;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::context::BuildContext;
use crate::graph::{Graph, Node, NodeKind, SourceKind};
use crate::knowledge::{self, InvocationKind};
use crate::rules::common;
use crate::syntax::{Dockerfile, Instruction, Keyword};

pub use changes::{git_changed_paths, normalize_changed_path};
pub use render::{render_comparison, render_text, sentence_of};

/// What changed since the last build.
#[derive(Debug, Clone, Default)]
pub struct Change {
    /// Changed paths, relative to the build context, `/`-separated.
    pub paths: Vec<String>,
    /// Build arguments given a value (`--build-arg NAME=VALUE`).
    pub build_args: BTreeMap<String, String>,
}

/// The prediction for one instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Cached,
    Unknown,
    Rebuilds,
    /// The stage is not needed by the final stage, so BuildKit does not build it.
    NotBuilt,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Cached => "cached",
            Status::Unknown => "unknown",
            Status::Rebuilds => "rebuilds",
            Status::NotBuilt => "not built",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct InstructionPrediction {
    /// 1-based line of the instruction.
    pub line: usize,
    /// The instruction's first line, as written.
    pub text: String,
    pub status: Status,
    /// Why it rebuilds or cannot be known; `None` when cached.
    pub reason: Option<String>,
    /// What else is worth knowing (e.g. network content not re-checked).
    pub notes: Vec<String>,
    /// The costly step this instruction runs (`npm ci`), when it runs one.
    pub expensive: Option<Expensive>,
}

/// A costly step: a dependency install or a compiler run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expensive {
    /// The command up to its verb, e.g. `npm ci`.
    pub command: String,
    /// `dependency install` or `build`.
    pub kind: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct StagePrediction {
    pub index: usize,
    pub name: Option<String>,
    /// 1-based line of the FROM.
    pub line: usize,
    /// Whether BuildKit builds this stage for the final stage.
    pub built: bool,
    /// The state of the stage's last layer.
    pub result: Status,
    pub instructions: Vec<InstructionPrediction>,
}

/// A changed path that cannot affect the build, and why.
#[derive(Debug, Clone, Serialize)]
pub struct IgnoredChange {
    pub path: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Instructions (FROM excluded) of the stages that are built.
    pub total: usize,
    pub rebuilds: usize,
    pub unknown: usize,
    /// The costly steps that rebuild, in file order.
    pub expensive_rebuilds: Vec<Expensive>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    pub changed: Vec<String>,
    pub build_args: Vec<String>,
    pub ignored: Vec<IgnoredChange>,
    pub stages: Vec<StagePrediction>,
    pub summary: Summary,
}

/// Predict what `change` rebuilds in the parsed file.
pub fn predict(
    file: &Dockerfile,
    graph: &Graph,
    context: Option<&BuildContext>,
    change: &Change,
) -> Prediction {
    let ignore = context.and_then(|c| c.dockerignore.as_ref());
    let mut ignored = Vec::new();
    let mut effective: Vec<&str> = Vec::new();
    for p in &change.paths {
        match ignore.and_then(|i| i.deciding_pattern(p)) {
            Some(pattern) if !pattern.exception => ignored.push(IgnoredChange {
                path: p.clone(),
                reason: format!(
                    "excluded by .dockerignore (line {}: `{}`)",
                    pattern.line, pattern.pattern
                ),
            }),
            _ => effective.push(p),
        }
    }
    let changed_global: Vec<&str> = graph
        .global_args
        .iter()
        .filter(|(name, default)| arg_changed(change, name, default.as_deref()))
        .map(|(name, _)| name.as_str())
        .collect();
    let mut declared_anywhere: Vec<String> =
        graph.global_args.keys().map(|k| k.to_string()).collect();
    for stage in &graph.stages {
        for node in graph.nodes_of(stage) {
            if let NodeKind::Arg = &node.kind {
                let inst = &file.instructions[node.instruction()];
                declared_anywhere.extend(crate::graph::arg_names(inst).map(str::to_string));
            }
        }
    }
    for name in change.build_args.keys() {
        if !declared_anywhere.contains(name) {
            ignored.push(IgnoredChange {
                path: format!("--build-arg {name}"),
                reason: "no ARG declares it, so it changes nothing".to_string(),
            });
        }
    }

    let built = built_stages(graph);
    let mut stage_results: Vec<(Status, Option<String>)> = Vec::new();
    let mut stages = Vec::new();
    for stage in &graph.stages {
        let from = &file.instructions[stage.from_instruction()];
        let (mut state, mut state_reason) = match stage.base().stage() {
            Some(index) => match stage_results.get(index) {
                Some((Status::Rebuilds, _)) => (
                    Status::Rebuilds,
                    Some(format!("{} rebuilt (FROM)", stage_label_of(graph, index))),
                ),
                Some((Status::Unknown, _)) => (
                    Status::Unknown,
                    Some(format!("{} may change", stage_label_of(graph, index))),
                ),
                _ => (Status::Cached, None),
            },
            _ => match uses_arg(file.text(from.args_span()), &changed_global) {
                Some(name) => (
                    Status::Rebuilds,
                    Some(format!("ARG {name} changed the base image")),
                ),
                None => (Status::Cached, None),
            },
        };
        let is_built = built.contains(&stage.index());
        let mut instructions = vec![InstructionPrediction {
            line: file.lines.line(from.keyword_span().start()),
            text: first_line(file, from),
            status: if is_built { state } else { Status::NotBuilt },
            reason: if is_built { state_reason.clone() } else { None },
            notes: Vec::new(),
            expensive: None,
        }];
        let mut changed_args: Vec<String> = Vec::new();
        for node in graph.nodes_of(stage) {
            let inst = &file.instructions[node.instruction()];
            if let NodeKind::Arg = &node.kind {
                for (name, default) in arg_defaults(inst) {
                    let default = default.or_else(|| {
                        crate::graph::expand::lookup(&graph.global_args, &name).flatten()
                    });
                    if arg_changed(change, &name, default.as_deref()) {
                        changed_args.push(name);
                    }
                }
            }
            let own = own_inputs(
                file,
                graph,
                inst,
                node,
                &effective,
                &stage_results,
                &changed_args,
            );
            let (status, reason) = match (own.status, state) {
                (Status::Rebuilds, _) => (Status::Rebuilds, own.reason),
                (_, Status::Rebuilds) => (
                    Status::Rebuilds,
                    Some(match &state_reason {
                        Some(r) if instructions.len() == 1 => {
                            format!("its parent layer rebuilt ({r})")
                        }
                        _ => "its parent layer rebuilt".to_string(),
                    }),
                ),
                (Status::Unknown, _) => (Status::Unknown, own.reason),
                (_, Status::Unknown) => (
                    Status::Unknown,
                    Some("a layer above may change".to_string()),
                ),
                _ => (Status::Cached, None),
            };
            let mut notes = Vec::new();
            if status == Status::Cached && own.network {
                notes.push("network content not re-checked".to_string());
            }
            instructions.push(InstructionPrediction {
                line: file.lines.line(inst.keyword_span().start()),
                text: first_line(file, inst),
                status: if is_built { status } else { Status::NotBuilt },
                reason: if is_built { reason.clone() } else { None },
                notes: if is_built { notes } else { Vec::new() },
                expensive: own.expensive,
            });
            state = status;
            state_reason = reason;
        }
        stage_results.push((state, state_reason));
        stages.push(StagePrediction {
            index: stage.index(),
            name: graph.stage_name(stage).map(str::to_string),
            line: file.lines.line(from.keyword_span().start()),
            built: is_built,
            result: if is_built { state } else { Status::NotBuilt },
            instructions,
        });
    }
    let summary = summarise(&stages);
    Prediction {
        changed: change.paths.clone(),
        build_args: change
            .build_args
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect(),
        ignored,
        stages,
        summary,
    }
}

fn summarise(stages: &[StagePrediction]) -> Summary {
    let mut summary = Summary {
        total: 0,
        rebuilds: 0,
        unknown: 0,
        expensive_rebuilds: Vec::new(),
    };
    for stage in stages.iter().filter(|s| s.built) {
        for p in stage.instructions.iter().skip(1) {
            summary.total += 1;
            match p.status {
                Status::Rebuilds => {
                    summary.rebuilds += 1;
                    if let Some(e) = &p.expensive {
                        summary.expensive_rebuilds.push(e.clone());
                    }
                }
                Status::Unknown => summary.unknown += 1,
                _ => {}
            }
        }
    }
    summary
}

/// The stages BuildKit builds for the final stage: its ancestors and every stage they
/// read from.
fn built_stages(graph: &Graph) -> Vec<usize> {
    let Some(last) = graph.stages.last() else {
        return Vec::new();
    };
    let mut todo = vec![last.index()];
    let mut seen = Vec::new();
    while let Some(s) = todo.pop() {
        if seen.contains(&s) {
            continue;
        }
        seen.push(s);
        let Some(stage) = graph.stages.get(s) else {
            continue;
        };
        todo.extend(stage.base().stage());
        todo.extend(stage.reads_from().iter().copied());
    }
    seen.sort_unstable();
    seen
}

fn stage_label(index: usize, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("stage `{n}`"),
        None => format!("stage {index}"),
    }
}

fn stage_label_of(graph: &Graph, index: usize) -> String {
    stage_label(
        index,
        graph.stages.get(index).and_then(|s| graph.stage_name(s)),
    )
}

/// The instruction's first line (continuations and heredoc bodies left out).
fn first_line(file: &Dockerfile, inst: &Instruction) -> String {
    let text = file.text(inst.span);
    let line = text.lines().next().unwrap_or("").trim_end();
    let line = line.strip_suffix(file.escape).unwrap_or(line).trim_end();
    line.to_string()
}

/// `(name, default)` of each name an ARG declares.
fn arg_defaults(inst: &Instruction) -> Vec<(String, Option<String>)> {
    crate::graph::arg_pairs(inst)
        .map(|(k, v)| (k.to_string(), v.map(|v| unquote(v).to_string())))
        .collect()
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|x| x.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

/// An ARG changes when the build gives it a value other than its default.
fn arg_changed(change: &Change, name: &str, default: Option<&str>) -> bool {
    match change.build_args.get(name) {
        Some(value) => default != Some(value.as_str()),
        None => false,
    }
}

/// The first of `names` that `text` expands (`$NAME` or `${NAME…}`).
fn uses_arg<'a>(text: &str, names: &[&'a str]) -> Option<&'a str> {
    names.iter().copied().find(|name| {
        text.match_indices('$').any(|(i, _)| {
            let rest = &text[i + 1..];
            let rest = rest.strip_prefix('{').unwrap_or(rest);
            rest.strip_prefix(*name).is_some_and(|after| {
                !after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            })
        })
    })
}

/// What an instruction's own inputs say, before looking at its parent.
struct Own {
    status: Status,
    reason: Option<String>,
    network: bool,
    expensive: Option<Expensive>,
}

fn own_inputs(
    file: &Dockerfile,
    graph: &Graph,
    inst: &Instruction,
    node: &Node,
    changed: &[&str],
    stage_results: &[(Status, Option<String>)],
    changed_args: &[String],
) -> Own {
    let mut own = Own {
        status: Status::Cached,
        reason: None,
        network: false,
        expensive: None,
    };
    let set = |own: &mut Own, status: Status, reason: String| {
        if status > own.status {
            own.status = status;
            own.reason = Some(reason);
        }
    };
    let args: Vec<&str> = changed_args.iter().map(String::as_str).collect();
    match &node.kind {
        NodeKind::Run(run) => {
            if let Some(name) = args.first() {
                set(&mut own, Status::Rebuilds, format!("ARG {name} changed"));
            }
            for m in &run.mounts {
                if !m.kind.eq_ignore_ascii_case("bind") {
                    continue;
                }
                let source = m.source().unwrap_or(".");
                match m.from() {
                    Some(from) => {
                        if let Some(index) = graph.stage_ref(from, node_stage(graph, node)) {
                            stage_dependency(
                                &mut own,
                                graph,
                                stage_results,
                                index,
                                "--mount=from=",
                            );
                        }
                    }
                    None => {
                        if let Some(hit) = matching(source, changed) {
                            set(
                                &mut own,
                                Status::Rebuilds,
                                format!(
                                    "its bind mount of `{source}` includes {}",
                                    more(hit, source, changed)
                                ),
                            );
                        }
                    }
                }
            }
            let commands = graph.commands(file, run);
            for mc in common::manager_commands(&commands) {
                let inv = &mc.invocation;
                let kind = match inv.kind {
                    InvocationKind::DependencyInstall => Some("dependency install"),
                    InvocationKind::Build => Some("build"),
                    _ => None,
                };
                if matches!(
                    inv.kind,
                    InvocationKind::DependencyInstall
                        | InvocationKind::IndexUpdate
                        | InvocationKind::ProjectInstall
                ) {
                    own.network = true;
                }
                if let (Some(kind), None) = (kind, &own.expensive) {
                    let command = mc
                        .command
                        .cmd
                        .words
                        .iter()
                        .take(inv.verb_index + 1)
                        .map(|w| w.value.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                    own.expensive = Some(Expensive { command, kind });
                }
            }
            if commands.iter().any(|c| fetches(&c.cmd)) {
                own.network = true;
            }
        }
        NodeKind::Copy(_) => {
            let copy = node.copy_info(file).unwrap_or_default();
            let shown = format!("{} {}", inst.keyword.as_str(), args_text(file, inst));
            for source in &copy.sources {
                match &source.kind {
                    SourceKind::Context => match &source.path {
                        Some(path) => {
                            if let Some(hit) = matching(path, changed) {
                                set(
                                    &mut own,
                                    Status::Rebuilds,
                                    format!("{shown} includes {}", more(hit, path, changed)),
                                );
                            }
                        }
                        None => set(
                            &mut own,
                            Status::Unknown,
                            format!("source `{}` is not known statically", source.raw),
                        ),
                    },
                    SourceKind::Stage { index } => {
                        stage_dependency(&mut own, graph, stage_results, *index, "COPY --from=");
                    }
                    SourceKind::Url | SourceKind::Git => set(
                        &mut own,
                        Status::Unknown,
                        format!("remote ADD: content of `{}` not known", source.raw),
                    ),
                    SourceKind::Image { .. } | SourceKind::Heredoc => {}
                }
            }
            if let Some(name) = uses_arg(file.text(inst.span), &args) {
                set(
                    &mut own,
                    Status::Rebuilds,
                    format!("uses ARG {name}, which changed"),
                );
            }
        }
        _ => {
            if inst.keyword != Keyword::Arg {
                if let Some(name) = uses_arg(file.text(inst.args_span()), &args) {
                    set(
                        &mut own,
                        Status::Rebuilds,
                        format!("uses ARG {name}, which changed"),
                    );
                }
            }
        }
    }
    own
}

fn node_stage(graph: &Graph, node: &Node) -> usize {
    graph
        .stage_of(node.instruction())
        .unwrap_or(graph.stages.len())
}

fn stage_dependency(
    own: &mut Own,
    graph: &Graph,
    stage_results: &[(Status, Option<String>)],
    index: usize,
    how: &str,
) {
    let label = stage_label_of(graph, index);
    let name = graph
        .stages
        .get(index)
        .and_then(|s| graph.stage_name(s).map(str::to_string))
        .unwrap_or_else(|| index.to_string());
    let (status, reason) = match stage_results.get(index).map(|(s, _)| *s) {
        Some(Status::Rebuilds) => (Status::Rebuilds, format!("{label} rebuilt ({how}{name})")),
        Some(Status::Unknown) => (Status::Unknown, format!("{label} may change ({how}{name})")),
        _ => return,
    };
    if status > own.status {
        own.status = status;
        own.reason = Some(reason);
    }
}

/// The instruction's arguments on one line, for messages (`COPY . .`).
fn args_text(file: &Dockerfile, inst: &Instruction) -> String {
    file.text(inst.args_span())
        .split_whitespace()
        .filter(|w| !(w.len() == 1 && w.starts_with(file.escape)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn more(hit: &str, source: &str, changed: &[&str]) -> String {
    let others = changed
        .iter()
        .filter(|p| **p != hit && matching_one(source, p))
        .count();
    if others == 0 {
        hit.to_string()
    } else {
        format!("{hit} and {others} more")
    }
}

/// The first changed path a COPY source (or bind-mount source) covers.
fn matching<'a>(source: &str, changed: &[&'a str]) -> Option<&'a str> {
    changed.iter().copied().find(|p| matching_one(source, p))
}

/// Whether `source` (a context path, maybe with wildcards) covers `path`: the same file,
/// a file below the source folder, or a file a wildcard matches (or lies below).
fn matching_one(source: &str, path: &str) -> bool {
    let source = source.trim();
    let mut s = source;
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    let s = s.trim_start_matches('/').trim_end_matches('/');
    let s = s.strip_suffix("/.").unwrap_or(s);
    if s.is_empty() || s == "." {
        return true;
    }
    if s.contains(['*', '?', '[']) {
        let Ok(pattern) = glob::Pattern::new(s) else {
            return false;
        };
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: false,
        };
        let mut prefix = path;
        loop {
            if pattern.matches_with(prefix, options) {
                return true;
            }
            match prefix.rsplit_once('/') {
                Some((parent, _)) => prefix = parent,
                None => return false,
            }
        }
    }
    path == s || path.strip_prefix(s).is_some_and(|r| r.starts_with('/'))
}

/// Whether a command fetches from the network by itself (not through a package manager).
fn fetches(cmd: &crate::shell::SimpleCommand) -> bool {
    match cmd.program() {
        Some("curl" | "wget") => true,
        Some("git") => cmd
            .args()
            .any(|a| matches!(a, "clone" | "fetch" | "pull" | "submodule")),
        _ => knowledge::classify(cmd).is_some_and(|i| i.kind == InvocationKind::IndexUpdate),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_cover_files_below_and_wildcards_match_by_segment() {
        assert!(matching_one(".", "src/app.py"));
        assert!(matching_one("./src/", "src/app.py"));
        assert!(matching_one("src", "src/a/b.py"));
        assert!(!matching_one("src", "srcx/a.py"));
        assert!(matching_one("*.json", "package.json"));
        assert!(!matching_one("*.json", "conf/x.json"));
        assert!(matching_one("src/*", "src/a/b.py"));
        assert!(matching_one("requirements*.txt", "requirements-dev.txt"));
    }

    #[test]
    fn arg_use_needs_the_whole_name() {
        assert_eq!(uses_arg("x:${VERSION}", &["VERSION"]), Some("VERSION"));
        assert_eq!(uses_arg("$VERSIONS", &["VERSION"]), None);
        assert_eq!(uses_arg("$VERSION-x", &["VERSION"]), Some("VERSION"));
    }
}
