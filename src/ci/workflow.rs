//! GitHub Actions workflows: triggers, jobs, and the image builds in their steps.

use std::collections::BTreeMap;

use super::cli_step::{self, Arg, CliCommand};
use super::model::{
    has_expression, normalize_dir, ActionsCache, BuildKind, Builder, CacheSpec, CiBuild, Events,
    FolderMove, Loc, Text,
};
use super::yaml::{self, Node, Style};
use super::CiError;
use crate::span::{LineIndex, Span};

/// `--set pattern.attr=value` / bake-action `set:` entries.
#[derive(Debug, Clone)]
pub struct SetOverride {
    pub target: String,
    pub attr: String,
    pub value: Text,
    pub loc: Loc,
    pub exact: bool,
}

/// A `docker/bake-action` step or a `docker buildx bake` command.
#[derive(Debug, Clone)]
pub struct BakeInvocation {
    pub kind: BuildKind,
    pub loc: Loc,
    pub unit: Loc,
    pub workflow: String,
    pub job: String,
    pub job_id: usize,
    pub events: Events,
    pub builder: Builder,
    pub in_matrix: bool,
    /// Bake files named with `files:` / `-f`, relative to the repository root.
    pub files: Vec<Text>,
    pub targets: Vec<Text>,
    pub sets: Vec<SetOverride>,
    pub push: Option<bool>,
    pub load: bool,
    pub workdir: Option<String>,
    pub no_cache: bool,
}

#[derive(Debug, Default)]
pub struct WorkflowOut {
    /// Every step's span, for suppression comments.
    pub units: Vec<Span>,
    pub builds: Vec<CiBuild>,
    pub invocations: Vec<BakeInvocation>,
    pub caches: Vec<ActionsCache>,
    pub moves: Vec<FolderMove>,
}

struct Ctx<'a> {
    file: usize,
    source: &'a str,
    lines: &'a LineIndex,
}

impl Ctx<'_> {
    fn loc(&self, span: Span) -> Loc {
        Loc {
            file: self.file,
            span,
        }
    }
}

/// Reads one workflow file. `next_job_id` numbers jobs across the repository.
pub fn parse(
    file: usize,
    path: &str,
    source: &str,
    lines: &LineIndex,
    next_job_id: &mut usize,
) -> Result<WorkflowOut, CiError> {
    let root = yaml::parse(source, lines)?;
    let ctx = Ctx {
        file,
        source,
        lines,
    };
    let mut out = WorkflowOut::default();
    let events = parse_on(root.get("on"));
    let workflow_env = static_env(root.get("env"), &[]);
    let run_defaults = root
        .get("defaults")
        .and_then(|d| d.get("run"))
        .and_then(|r| r.get_str("working-directory"))
        .map(str::to_string);
    let Some(jobs) = root.get("jobs") else {
        return Ok(out);
    };
    for (job_key, job) in jobs.entries() {
        let Some(job_name) = job_key.as_str() else {
            continue;
        };
        let job_id = *next_job_id;
        *next_job_id += 1;
        let mut job_events = events.clone();
        if let Some(cond) = job.get_str("if") {
            apply_if(&mut job_events, cond);
        }
        let job_env = static_env(job.get("env"), &[&workflow_env]);
        let job_wd = job
            .get("defaults")
            .and_then(|d| d.get("run"))
            .and_then(|r| r.get_str("working-directory"))
            .map(str::to_string)
            .or_else(|| run_defaults.clone());
        let in_matrix = job.get("strategy").and_then(|s| s.get("matrix")).is_some();
        let steps = job.get("steps").map(Node::items).unwrap_or_default();
        let builder = job_builder(job, steps);
        for step in steps {
            let mut step_events = job_events.clone();
            if let Some(cond) = step.get_str("if") {
                apply_if(&mut step_events, cond);
            }
            let step_env = static_env(step.get("env"), &[&job_env, &workflow_env]);
            let envs: [&BTreeMap<String, String>; 3] = [&step_env, &job_env, &workflow_env];
            let unit = ctx.loc(step.span);
            out.units.push(step.span);
            let base = StepBase {
                workflow: path,
                job: job_name,
                job_id,
                events: &step_events,
                builder: &builder,
                in_matrix,
                unit,
                envs: &envs,
            };
            if let Some((uses_key, uses)) = step.entry("uses") {
                let Some(action) = uses.as_str() else {
                    continue;
                };
                let name = action_name(action);
                let uses_loc = ctx.loc(uses_key.span.cover(uses.span));
                let with = step.get("with");
                match name.as_str() {
                    "docker/build-push-action" => {
                        out.builds
                            .push(build_push_action(&ctx, &base, uses_loc, with));
                    }
                    "docker/bake-action" => {
                        out.invocations
                            .push(bake_action(&ctx, &base, uses_loc, with));
                    }
                    "actions/cache" | "actions/cache/restore" => {
                        if let Some(c) = actions_cache(&ctx, job_id, uses_loc, with, &envs) {
                            out.caches.push(c);
                        }
                    }
                    _ => {}
                }
            } else if let Some((run_key, run)) = step.entry("run") {
                let wd = step
                    .get_str("working-directory")
                    .map(str::to_string)
                    .or_else(|| job_wd.clone());
                run_step(&ctx, &base, run_key, run, wd, &mut out);
            }
        }
    }
    Ok(out)
}

struct StepBase<'a> {
    workflow: &'a str,
    job: &'a str,
    job_id: usize,
    events: &'a Events,
    builder: &'a Builder,
    in_matrix: bool,
    unit: Loc,
    envs: &'a [&'a BTreeMap<String, String>],
}

impl StepBase<'_> {
    fn build(&self, kind: BuildKind, loc: Loc) -> CiBuild {
        let mut b = CiBuild::new(kind, loc);
        b.workflow = Some(self.workflow.to_string());
        b.job = Some(self.job.to_string());
        b.job_id = Some(self.job_id);
        b.events = self.events.clone();
        b.builder = self.builder.clone();
        b.in_matrix = self.in_matrix;
        b.unit = self.unit;
        b
    }

    fn text(&self, raw: &str) -> Text {
        Text::new(resolve_env(raw, self.envs))
    }
}

/// `docker/build-push-action@v6` → `docker/build-push-action`.
fn action_name(uses: &str) -> String {
    uses.split('@')
        .next()
        .unwrap_or(uses)
        .trim()
        .to_ascii_lowercase()
}

/// How the job sets up its builder, read from all its steps.
fn job_builder(job: &Node, steps: &[Node]) -> Builder {
    let mut found: Option<Builder> = None;
    for step in steps {
        if let Some(uses) = step.get_str("uses") {
            let name = action_name(uses);
            if name.ends_with("/setup-buildx-action") || name.contains("setup-buildx") {
                let driver = step
                    .get("with")
                    .and_then(|w| w.get_str("driver"))
                    .unwrap_or("docker-container");
                if driver.trim() == "docker" {
                    found.get_or_insert(Builder::DockerDriver);
                } else {
                    return Builder::Container(driver.trim().to_string());
                }
            } else if name == "docker/setup-docker-action" {
                // It can turn on the containerd image store, which exports caches.
                return Builder::Unknown;
            }
        } else if let Some(run) = step.get_str("run") {
            if let Some(driver) = cli_step::analyze(run).creates_builder {
                if driver == "docker" {
                    found.get_or_insert(Builder::DockerDriver);
                } else {
                    return Builder::Container(driver);
                }
            }
        }
    }
    if let Some(b) = found {
        return b;
    }
    let runs_on = job.get("runs-on").map(Node::strings).unwrap_or_default();
    let hosted = !runs_on.is_empty()
        && runs_on.iter().all(|r| {
            let r = r.to_ascii_lowercase();
            !r.contains("self-hosted") && !has_expression(&r)
        });
    if hosted && job.get("container").is_none() {
        Builder::DockerDriver
    } else {
        Builder::Unknown
    }
}

fn parse_on(on: Option<&Node>) -> Events {
    let mut ev = Events {
        known: true,
        ..Events::default()
    };
    let Some(on) = on else {
        return Events::unknown();
    };
    let mut add = |name: &str, cfg: Option<&Node>| match name {
        "push" => {
            let cfg = cfg.filter(|c| c.is_map());
            let branches = cfg.and_then(|c| c.get("branches"));
            let branches_ignore = cfg.and_then(|c| c.get("branches-ignore"));
            let tags = cfg.and_then(|c| c.get("tags"));
            let tags_ignore = cfg.and_then(|c| c.get("tags-ignore"));
            let branch_filter = branches.is_some() || branches_ignore.is_some();
            let tag_filter = tags.is_some() || tags_ignore.is_some();
            if branch_filter || !tag_filter {
                ev.push_branches = Some(
                    branches
                        .map(|b| b.strings().into_iter().map(str::to_string).collect())
                        .unwrap_or_default(),
                );
            }
            if tag_filter || !branch_filter {
                ev.push_tags = Some(
                    tags.map(|b| b.strings().into_iter().map(str::to_string).collect())
                        .unwrap_or_default(),
                );
            }
        }
        "pull_request" | "pull_request_target" => ev.pull_request = true,
        "schedule" => ev.schedule = true,
        "workflow_dispatch" => ev.workflow_dispatch = true,
        // A reusable workflow runs on its caller's events.
        "workflow_call" => ev.other.push("workflow_call".to_string()),
        other => ev.other.push(other.to_string()),
    };
    match &on.value {
        yaml::Value::Scalar { text, .. } => add(text, None),
        yaml::Value::Seq(items) => {
            for i in items {
                if let Some(s) = i.as_str() {
                    add(s, None);
                }
            }
        }
        yaml::Value::Map(entries) => {
            for (k, v) in entries {
                if let Some(s) = k.as_str() {
                    add(s, Some(v));
                }
            }
        }
    }
    if ev.other.iter().any(|o| o == "workflow_call") {
        ev.known = false;
    }
    ev
}

/// Narrows the events with an `if:` condition, for the conditions that plainly include or
/// exclude pull requests; anything else leaves the events as they are.
fn apply_if(ev: &mut Events, cond: &str) {
    let c: String = cond
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace('"', "'")
        .to_ascii_lowercase();
    let c = c
        .strip_prefix("${{")
        .and_then(|c| c.strip_suffix("}}"))
        .unwrap_or(&c)
        .to_string();
    if c.contains("||") {
        return;
    }
    let excludes_pr = c.contains("github.event_name!='pull_request'")
        || c.contains("github.event_name=='push'")
        || c.contains("github.event_name=='schedule'")
        || c.contains("github.event_name=='workflow_dispatch'")
        || c.contains("github.event_name=='release'")
        || c.contains("github.ref=='refs/heads/")
        || c.contains("startswith(github.ref,'refs/tags/")
        || c.contains("startswith(github.ref,'refs/heads/")
        || c.contains("github.ref_type=='tag'");
    let only_pr = c.contains("github.event_name=='pull_request'")
        || c.contains("github.event_name=='pull_request_target'");
    if excludes_pr && !only_pr {
        ev.pull_request = false;
    } else if only_pr && !excludes_pr {
        ev.push_branches = None;
        ev.push_tags = None;
        ev.schedule = false;
        ev.workflow_dispatch = false;
        ev.other.clear();
    }
}

/// `env:` entries whose values hold no expression (after resolving earlier levels).
fn static_env(env: Option<&Node>, outer: &[&BTreeMap<String, String>]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(env) = env else {
        return out;
    };
    for (k, v) in env.entries() {
        let (Some(k), Some(v)) = (k.as_str(), v.as_str()) else {
            continue;
        };
        let v = resolve_env(v, outer);
        if !has_expression(&v) {
            out.insert(k.to_string(), v);
        }
    }
    out
}

/// Replaces `${{ env.NAME }}` by NAME's static value (innermost `env:` first).
fn resolve_env(raw: &str, envs: &[&BTreeMap<String, String>]) -> String {
    if !raw.contains("${{") {
        return raw.to_string();
    }
    let mut out = String::new();
    let mut rest = raw;
    while let Some(i) = rest.find("${{") {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let Some(end) = after.find("}}") else {
            out.push_str(after);
            return out;
        };
        let expr = &after[..end + 2];
        let inner = after[3..end].trim();
        let value = inner
            .strip_prefix("env.")
            .and_then(|name| envs.iter().find_map(|e| e.get(name.trim())));
        match value {
            Some(v) => out.push_str(v),
            None => out.push_str(expr),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// One entry of a list input with where it is written.
struct Entry {
    raw: String,
    loc: Loc,
    exact: bool,
}

/// Entries of a list input (newline-separated; also comma-separated when `commas`).
fn list_entries(ctx: &Ctx<'_>, key: &Node, value: &Node, commas: bool) -> Vec<Entry> {
    let mut out = Vec::new();
    let key_loc = ctx.loc(key.span.cover(value.span));
    let key_only = ctx.loc(key.span);
    let items: Vec<&Node> = match &value.value {
        yaml::Value::Seq(items) => items.iter().collect(),
        _ => vec![value],
    };
    for node in items {
        let Some(text) = node.as_str() else { continue };
        let starts = yaml::scalar_line_starts(ctx.source, ctx.lines, node);
        for (i, line) in text.split('\n').enumerate() {
            let pieces: Vec<(usize, &str)> = if commas {
                split_commas(line)
            } else {
                vec![(0, line)]
            };
            for (offset, piece) in pieces {
                let trimmed = piece.trim();
                if trimmed.is_empty() || trimmed.starts_with('#') {
                    continue;
                }
                let lead = piece.len() - piece.trim_start().len();
                let located = match &starts {
                    Some(s) => s.get(i).map(|&at| {
                        let start = at + offset + lead;
                        Span::new(start, start + trimmed.len())
                    }),
                    None if node.style() == Some(Style::Folded) => None,
                    None => yaml::find_in(ctx.source, node.span, trimmed),
                };
                let (loc, exact) = match located {
                    Some(span) if ctx.source.get(span.range()) == Some(trimmed) => {
                        (ctx.loc(span), true)
                    }
                    _ => (
                        if node.span.is_empty() {
                            key_only
                        } else {
                            key_loc
                        },
                        false,
                    ),
                };
                out.push(Entry {
                    raw: trimmed.to_string(),
                    loc: if exact { loc } else { key_only },
                    exact,
                });
            }
        }
    }
    out
}

/// Splits on commas outside `${{ }}`, keeping each piece's offset.
fn split_commas(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push((start, &s[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push((start, &s[start..]));
    out
}

fn cache_specs(base: &StepBase<'_>, entries: Vec<Entry>) -> Vec<CacheSpec> {
    entries
        .into_iter()
        .map(|e| {
            let resolved = resolve_env(&e.raw, base.envs);
            let exact = e.exact && resolved == e.raw;
            CacheSpec::parse(&resolved, e.loc, exact)
        })
        .collect()
}

fn truthy(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" | "" => Some(false),
        v if has_expression(v) => None,
        _ => Some(false),
    }
}

fn join_path(dir: Option<&str>, path: &str) -> String {
    match dir {
        Some(d) if !path.starts_with('/') => {
            let d = normalize_dir(d);
            if d == "." {
                normalize_dir(path)
            } else {
                normalize_dir(&format!("{d}/{}", normalize_dir(path)))
            }
        }
        _ => normalize_dir(path),
    }
}

fn output_pushes(outputs: &[String]) -> Option<bool> {
    let mut pushes = Some(false);
    for o in outputs {
        if has_expression(o) {
            pushes = None;
            continue;
        }
        let lower = o.to_ascii_lowercase();
        if lower.contains("type=registry") || lower.contains("push=true") {
            return Some(true);
        }
    }
    pushes
}

fn build_push_action(
    ctx: &Ctx<'_>,
    base: &StepBase<'_>,
    uses_loc: Loc,
    with: Option<&Node>,
) -> CiBuild {
    let mut b = base.build(BuildKind::BuildPushAction, uses_loc);
    let Some(with) = with else {
        b.push = Some(false);
        b.dockerfile_path = Some("Dockerfile".to_string());
        return b;
    };
    let input = |k: &str| with.get_str(k).map(|s| base.text(s));
    b.context = input("context");
    b.dockerfile = input("file");
    b.target_stage = input("target");
    b.platforms = input("platforms");
    b.tags = with
        .entry("tags")
        .map(|(k, v)| list_entries(ctx, k, v, true))
        .unwrap_or_default()
        .into_iter()
        .map(|e| base.text(&e.raw))
        .collect();
    let outputs: Vec<String> = with
        .entry("outputs")
        .map(|(k, v)| list_entries(ctx, k, v, false))
        .unwrap_or_default()
        .into_iter()
        .map(|e| resolve_env(&e.raw, base.envs))
        .collect();
    b.push = match with.get_str("push").map(truthy) {
        Some(Some(true)) => Some(true),
        Some(None) => None,
        _ => output_pushes(&outputs),
    };
    b.load = with.get_str("load").and_then(truthy) == Some(true);
    b.no_cache = with.get_str("no-cache").and_then(truthy) == Some(true);
    if let Some((k, v)) = with.entry("cache-from") {
        b.cache_from_key = Some(ctx.loc(k.span));
        b.cache_from = cache_specs(base, list_entries(ctx, k, v, false));
    }
    if let Some((k, v)) = with.entry("cache-to") {
        b.cache_to_key = Some(ctx.loc(k.span));
        b.cache_to = cache_specs(base, list_entries(ctx, k, v, false));
    }
    if let Some(args) = with.get_str("build-args") {
        b.inline_cache_arg = args.lines().any(is_inline_cache_arg);
    }
    b.dockerfile_path = dockerfile_path_bpa(&b);
    b
}

fn is_inline_cache_arg(arg: &str) -> bool {
    let a = arg.trim().to_ascii_uppercase();
    a.starts_with("BUILDKIT_INLINE_CACHE=") && (a.ends_with("=1") || a.ends_with("=TRUE"))
}

/// build-push-action: `file` is relative to the workspace; its default is `{context}/Dockerfile`.
fn dockerfile_path_bpa(b: &CiBuild) -> Option<String> {
    let context = match &b.context {
        Some(c) => {
            let v = c.value()?;
            // A Git or remote context is not in this repository.
            if v.contains("://") || v.starts_with("git@") {
                return None;
            }
            Some(v.to_string())
        }
        None => None,
    };
    match &b.dockerfile {
        Some(f) => Some(normalize_dir(f.value()?)),
        None => Some(join_path(context.as_deref(), "Dockerfile")),
    }
}

fn bake_action(
    ctx: &Ctx<'_>,
    base: &StepBase<'_>,
    uses_loc: Loc,
    with: Option<&Node>,
) -> BakeInvocation {
    let mut inv = BakeInvocation {
        kind: BuildKind::BakeAction,
        loc: uses_loc,
        unit: base.unit,
        workflow: base.workflow.to_string(),
        job: base.job.to_string(),
        job_id: base.job_id,
        events: base.events.clone(),
        builder: base.builder.clone(),
        in_matrix: base.in_matrix,
        files: Vec::new(),
        targets: Vec::new(),
        sets: Vec::new(),
        push: Some(false),
        load: false,
        workdir: None,
        no_cache: false,
    };
    let Some(with) = with else {
        return inv;
    };
    let list = |key: &str, commas: bool| -> Vec<Entry> {
        with.entry(key)
            .map(|(k, v)| list_entries(ctx, k, v, commas))
            .unwrap_or_default()
    };
    inv.workdir = with.get_str("workdir").map(str::to_string);
    inv.files = list("files", true)
        .into_iter()
        .map(|e| base.text(&e.raw))
        .collect();
    inv.targets = list("targets", true)
        .into_iter()
        .map(|e| base.text(&e.raw))
        .collect();
    inv.push = with.get_str("push").map_or(Some(false), truthy);
    inv.load = with.get_str("load").and_then(truthy) == Some(true);
    inv.no_cache = with.get_str("no-cache").and_then(truthy) == Some(true);
    for e in list("set", false) {
        if let Some(s) = parse_set(&e.raw, e.loc, e.exact, base.envs) {
            inv.sets.push(s);
        }
    }
    inv
}

/// `pattern.attr=value` (the value keeps its own location inside the entry).
fn parse_set(
    raw: &str,
    loc: Loc,
    exact: bool,
    envs: &[&BTreeMap<String, String>],
) -> Option<SetOverride> {
    let (lhs, value) = raw.split_once('=')?;
    let (target, attr) = lhs.trim().rsplit_once('.')?;
    let value_offset = raw.len() - value.len();
    let loc = if exact {
        Loc {
            file: loc.file,
            span: Span::new(loc.span.start() + value_offset, loc.span.end()),
        }
    } else {
        loc
    };
    let resolved = resolve_env(value, envs);
    let exact = exact && resolved == value;
    Some(SetOverride {
        target: target.trim().to_string(),
        attr: attr.trim().to_ascii_lowercase(),
        value: Text::new(resolved),
        loc,
        exact,
    })
}

fn actions_cache(
    ctx: &Ctx<'_>,
    job_id: usize,
    uses_loc: Loc,
    with: Option<&Node>,
    envs: &[&BTreeMap<String, String>],
) -> Option<ActionsCache> {
    let with = with?;
    let (pk, pv) = with.entry("path")?;
    let paths = list_entries(ctx, pk, pv, false)
        .into_iter()
        .map(|e| normalize_dir(&resolve_env(&e.raw, envs)))
        .collect();
    let (key_loc, key) = match with.entry("key") {
        Some((k, v)) => (ctx.loc(k.span.cover(v.span)), v.as_str().unwrap_or("")),
        None => (uses_loc, ""),
    };
    let resolved = resolve_env(key, envs);
    Some(ActionsCache {
        job_id,
        paths,
        key_varies: key_varies(&resolved),
        key: Text::new(resolved),
        key_loc,
    })
}

/// Whether a cache key changes between runs: any expression other than the runner's OS or
/// architecture, a matrix value or a configuration variable.
fn key_varies(key: &str) -> bool {
    let mut rest = key;
    while let Some(i) = rest.find("${{") {
        let after = &rest[i + 3..];
        let Some(end) = after.find("}}") else {
            return true;
        };
        let inner = after[..end].trim();
        let constant = matches!(inner, "runner.os" | "runner.arch" | "runner.name")
            || inner.starts_with("matrix.")
            || inner.starts_with("vars.");
        if !constant {
            return true;
        }
        rest = &after[end + 2..];
    }
    false
}

fn run_step(
    ctx: &Ctx<'_>,
    base: &StepBase<'_>,
    run_key: &Node,
    run: &Node,
    working_dir: Option<String>,
    out: &mut WorkflowOut,
) {
    let Some(script) = run.as_str() else { return };
    let facts = cli_step::analyze(script);
    let starts = yaml::scalar_line_starts(ctx.source, ctx.lines, run);
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(script.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    // Folded and multi-line plain scripts cannot be mapped line by line: look the text up.
    let map = |r: &std::ops::Range<usize>| -> Option<Span> {
        let Some(starts) = starts.as_ref() else {
            return yaml::find_in(ctx.source, run.span, script.get(r.clone())?);
        };
        let line = line_starts
            .partition_point(|&s| s <= r.start)
            .checked_sub(1)?;
        let end_line = line_starts
            .partition_point(|&s| s <= r.end)
            .checked_sub(1)?;
        let start = starts.get(line)? + (r.start - line_starts[line]);
        let end = starts.get(end_line)? + (r.end - line_starts[end_line]);
        let span = Span::new(start, end.max(start));
        (ctx.source.get(span.range()) == script.get(r.clone())).then_some(span)
    };
    let key_loc = ctx.loc(run_key.span);
    let arg_entry = |a: &Arg| -> Entry {
        let span = map(&a.range);
        // The word as written may hold quotes; only an unquoted value can be edited.
        let exact = span.is_some_and(|s| ctx.source.get(s.range()) == Some(a.value.as_str()));
        Entry {
            raw: a.value.clone(),
            loc: span.map_or(key_loc, |s| ctx.loc(s)),
            exact,
        }
    };
    for (from, to) in &facts.moves {
        out.moves.push(FolderMove {
            job_id: base.job_id,
            from: normalize_dir(&resolve_env(from, base.envs)),
            to: normalize_dir(&resolve_env(to, base.envs)),
        });
    }
    for cmd in &facts.builds {
        let head = map(&cmd.head).map_or(key_loc, |s| ctx.loc(s));
        let Some(kind) = cmd.kind else { continue };
        if kind == BuildKind::BuildxBake {
            out.invocations.push(cli_bake(
                base,
                cmd,
                head,
                working_dir.as_deref(),
                &arg_entry,
            ));
            continue;
        }
        let mut b = base.build(kind, head);
        b.working_dir = working_dir.clone();
        let text = |a: &Arg| -> Text {
            let mut t = base.text(&a.value);
            t.has_expression |= a.unknown;
            t
        };
        b.tags = cmd.tags.iter().map(text).collect();
        b.context = cmd.positional.first().map(text);
        b.dockerfile = cmd.files.first().map(text);
        b.target_stage = cmd.target.as_ref().map(text);
        b.platforms = cmd.platform.as_ref().map(text);
        let outputs: Vec<String> = cmd.outputs.iter().map(|o| o.value.clone()).collect();
        b.push = if cmd.push || output_pushes(&outputs) == Some(true) {
            Some(true)
        } else {
            None
        };
        b.load = cmd.load;
        b.no_cache = cmd.no_cache;
        b.inline_cache_arg = cmd.build_args.iter().any(|a| is_inline_cache_arg(&a.value));
        let specs = |args: &[Arg]| -> Vec<CacheSpec> {
            args.iter()
                .map(|a| {
                    let e = arg_entry(a);
                    let resolved = resolve_env(&e.raw, base.envs);
                    let mut spec = CacheSpec::parse(&resolved, e.loc, e.exact && resolved == e.raw);
                    spec.has_expression |= a.unknown && has_unresolved_shell(&resolved);
                    spec
                })
                .collect()
        };
        b.cache_from = specs(&cmd.cache_from);
        b.cache_to = specs(&cmd.cache_to);
        b.cache_from_key = cmd.cache_from.first().map(|a| arg_entry(a).loc);
        b.cache_to_key = cmd.cache_to.first().map(|a| arg_entry(a).loc);
        b.dockerfile_path = cli_dockerfile_path(&b);
        out.builds.push(b);
    }
}

/// A shell value that still holds `$VAR` after `${{ env.X }}` were resolved.
fn has_unresolved_shell(v: &str) -> bool {
    v.contains('$')
}

/// `docker build -f` is relative to the working folder; its default is `<context>/Dockerfile`.
fn cli_dockerfile_path(b: &CiBuild) -> Option<String> {
    let wd = b.working_dir.as_deref();
    let context = match &b.context {
        Some(c) => {
            let v = c.value()?;
            if v == "-" || v.contains("://") || v.starts_with("git@") {
                return None;
            }
            v
        }
        None => return None,
    };
    match &b.dockerfile {
        Some(f) => {
            let v = f.value()?;
            if v == "-" {
                return None;
            }
            Some(join_path(wd, v))
        }
        None => Some(join_path(wd, &format!("{context}/Dockerfile"))),
    }
}

fn cli_bake(
    base: &StepBase<'_>,
    cmd: &CliCommand,
    head: Loc,
    working_dir: Option<&str>,
    arg_entry: &dyn Fn(&Arg) -> Entry,
) -> BakeInvocation {
    let text = |a: &Arg| -> Text {
        let mut t = base.text(&a.value);
        t.has_expression |= a.unknown;
        t
    };
    let mut sets = Vec::new();
    for a in &cmd.sets {
        let e = arg_entry(a);
        if let Some(s) = parse_set(&e.raw, e.loc, e.exact, base.envs) {
            sets.push(s);
        }
    }
    BakeInvocation {
        kind: BuildKind::BuildxBake,
        loc: head,
        unit: base.unit,
        workflow: base.workflow.to_string(),
        job: base.job.to_string(),
        job_id: base.job_id,
        events: base.events.clone(),
        builder: base.builder.clone(),
        in_matrix: base.in_matrix,
        files: cmd.files.iter().map(text).collect(),
        targets: cmd.positional.iter().map(text).collect(),
        sets,
        push: Some(cmd.push),
        load: cmd.load,
        workdir: working_dir.map(str::to_string),
        no_cache: cmd.no_cache,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_wf(src: &str) -> WorkflowOut {
        let mut id = 0;
        parse(0, "wf.yml", src, &LineIndex::new(src), &mut id).expect("workflow")
    }

    #[test]
    fn reads_build_push_action_lists_and_positions() {
        let src = "on:\n  push:\n    branches: [main]\n  pull_request:\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/setup-buildx-action@v3\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n          tags: ghcr.io/acme/api:1,ghcr.io/acme/api:latest\n          cache-from: |\n            type=gha,scope=api\n            type=registry,ref=ghcr.io/acme/api:cache\n          cache-to: >-\n            type=gha,\n            mode=max\n";
        let out = parse_wf(src);
        let b = &out.builds[0];
        assert_eq!(b.tags.len(), 2);
        assert_eq!(b.push, Some(true));
        assert_eq!(b.cache_from.len(), 2);
        assert_eq!(
            &src[b.cache_from[1].loc.span.range()],
            "type=registry,ref=ghcr.io/acme/api:cache"
        );
        assert!(b.cache_from[1].exact);
        assert_eq!(b.cache_to[0].mode(), Some("max"));
        assert!(!b.cache_to[0].exact);
        assert_eq!(&src[b.cache_to[0].loc.span.range()], "cache-to");
        assert_eq!(
            &src[b.loc.span.range()],
            "uses: docker/build-push-action@v6"
        );
        assert!(matches!(b.builder, Builder::Container(_)));
        assert!(b.events.pull_request && b.events.push_branches.is_some());
    }

    #[test]
    fn single_values_and_expressions() {
        let src = "on: [push]\nenv:\n  IMAGE: ghcr.io/acme/web\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          cache-from: type=registry,ref=${{ env.IMAGE }}:cache\n          cache-to: type=gha,scope=${{ github.ref_name }}\n";
        let out = parse_wf(src);
        let b = &out.builds[0];
        assert_eq!(b.cache_from[0].attr("ref"), Some("ghcr.io/acme/web:cache"));
        assert!(!b.cache_from[0].has_expression);
        assert!(b.cache_to[0].has_expression);
        assert_eq!(b.builder, Builder::DockerDriver);
    }

    #[test]
    fn run_steps_point_at_the_docker_line() {
        let src = "on: pull_request\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: |\n          echo hi\n          docker buildx build \\\n            --cache-from type=gha,scope=t \\\n            -t app .\n";
        let out = parse_wf(src);
        let b = &out.builds[0];
        assert_eq!(b.kind, BuildKind::BuildxBuild);
        assert_eq!(&src[b.loc.span.range()], "docker buildx build");
        assert_eq!(&src[b.cache_from[0].loc.span.range()], "type=gha,scope=t");
        assert!(b.events.only_pull_request());
        assert_eq!(b.dockerfile_path.as_deref(), Some("Dockerfile"));
    }

    #[test]
    fn step_if_excludes_pull_requests() {
        let mut ev = parse_on(None);
        ev.known = true;
        ev.pull_request = true;
        ev.push_branches = Some(vec![]);
        apply_if(&mut ev, "${{ github.event_name != 'pull_request' }}");
        assert!(!ev.pull_request);
    }

    #[test]
    fn cache_keys() {
        assert!(!key_varies("${{ runner.os }}-buildx"));
        assert!(key_varies("${{ runner.os }}-buildx-${{ github.sha }}"));
        assert!(key_varies("buildx-${{ hashFiles('**/Dockerfile') }}"));
    }
}
