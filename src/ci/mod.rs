//! CI build-cache configuration: GitHub Actions workflows, buildx commands in `run:` steps
//! and bake files, turned into one model of the repository's image builds ([`CiRepo`]) that
//! the LL6xx rules read.
//!
//! The rules need every build of the repository at once (LL602 asks whether *anything*
//! exports a cache that a build imports), so the driver is [`lint_repo`] over all CI files,
//! not a per-file function.

pub mod bake;
pub mod cli_step;
pub mod model;
pub mod report;
mod suppress;
pub mod workflow;
pub mod yaml;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::rules::RuleMeta;
use crate::span::{LineIndex, Span};

pub use model::{
    ActionsCache, BuildKind, Builder, CacheKind, CacheSpec, CiBuild, Events, FolderMove, Loc, Text,
};

/// A CI file that could not be parsed: the message and its 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for CiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for CiError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiFileKind {
    Workflow,
    BakeHcl,
    BakeJson,
}

/// One CI file as given to [`lint_repo`].
#[derive(Debug, Clone)]
pub struct CiFile {
    /// The display path (as given on the command line).
    pub path: String,
    /// The path relative to the repository root, `/`-separated.
    pub rel_path: String,
    pub source: String,
    pub lines: LineIndex,
    pub kind: CiFileKind,
    /// Steps and bake blocks, for suppression comments.
    pub units: Vec<Span>,
    pub error: Option<CiError>,
}

/// Every CI image build of a repository.
#[derive(Debug, Clone, Default)]
pub struct CiRepo {
    pub files: Vec<CiFile>,
    pub builds: Vec<CiBuild>,
    pub caches: Vec<ActionsCache>,
    pub moves: Vec<FolderMove>,
}

impl CiRepo {
    pub fn source(&self, loc: Loc) -> &str {
        self.files
            .get(loc.file)
            .and_then(|f| f.source.get(loc.span.range()))
            .unwrap_or("")
    }

    /// `path:line` of a location (repository-relative), for messages.
    pub fn describe(&self, loc: Loc) -> String {
        match self.files.get(loc.file) {
            Some(f) => format!("{}:{}", f.rel_path, f.lines.line(loc.span.start())),
            None => String::from("?"),
        }
    }
}

/// Per input file, in input order: its display path and its findings or parse error.
pub type FileResults = Vec<(String, Result<Vec<Diagnostic>, CiError>)>;

/// A finding of a CI rule: the file it belongs to and the diagnostic (spans into that file).
#[derive(Debug, Clone)]
pub struct CiFinding {
    pub file: usize,
    pub diagnostic: Diagnostic,
}

impl CiFinding {
    pub fn new(loc: Loc, diagnostic: Diagnostic) -> CiFinding {
        CiFinding {
            file: loc.file,
            diagnostic,
        }
    }
}

/// The CI side of an LL6xx rule.
pub trait CiRule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    fn check_ci(&self, repo: &CiRepo, out: &mut Vec<CiFinding>);
}

/// What kind of CI file a path is, from its name and place.
pub fn file_kind(path: &Path) -> Option<CiFileKind> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if bake::is_bake_name(&name) {
        return Some(if name.ends_with(".json") {
            CiFileKind::BakeJson
        } else {
            CiFileKind::BakeHcl
        });
    }
    let in_workflows = {
        let parent = path.parent()?;
        parent.file_name().is_some_and(|n| n == "workflows")
            && parent
                .parent()
                .and_then(Path::file_name)
                .is_some_and(|n| n == ".github")
    };
    if in_workflows && (name.ends_with(".yml") || name.ends_with(".yaml")) {
        return Some(CiFileKind::Workflow);
    }
    None
}

/// Whether an explicitly given file is a CI file layerlint reads: a workflow under
/// `.github/workflows/`, or a bake file. (Any `.yml` given explicitly also counts if it
/// looks like a workflow: it has a top-level `jobs:`.)
pub fn is_ci_file(path: &Path) -> bool {
    if file_kind(path).is_some() {
        return true;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    (name.ends_with(".yml") || name.ends_with(".yaml"))
        && fs::read_to_string(path).is_ok_and(|s| s.lines().any(|l| l.starts_with("jobs:")))
}

const SKIPPED_DIRS: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    ".venv",
    "__pycache__",
    ".hg",
    ".svn",
];

/// CI files under the given paths: explicit files that [`is_ci_file`], and in folders,
/// `.github/workflows/*.yml|*.yaml` and bake files. Sorted within each folder.
pub fn discover_ci_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found, 0);
            found.sort();
            out.extend(found);
        } else if is_ci_file(path) {
            out.push(path.clone());
        }
    }
    out.dedup();
    out
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>, depth: usize) {
    if depth > 32 {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            if SKIPPED_DIRS.contains(&name.as_str()) {
                continue;
            }
            walk(&path, found, depth + 1);
        } else if file_kind(&path).is_some() {
            found.push(path);
        }
    }
}

/// Lints the CI files of one repository together.
///
/// `files` are `(display path, source)`; the display path must also be readable from the
/// working folder, since referenced Dockerfiles are read relative to the repository root
/// (`repo_root`, or else the folder holding `.github/`, or else the first bake file's folder).
/// `enabled` says which rule codes run. Returns one entry per input file, in input order:
/// its findings (suppressions applied, sorted) or its parse error.
pub fn lint_repo(
    files: &[(PathBuf, String)],
    repo_root: Option<&Path>,
    enabled: &dyn Fn(&str) -> bool,
) -> FileResults {
    let repo = load_repo(files, repo_root);
    let per_file = check(&repo, enabled);
    repo.files
        .iter()
        .zip(per_file)
        .map(|(f, diags)| {
            let result = match &f.error {
                Some(e) => Err(e.clone()),
                None => Ok(diags),
            };
            (f.path.clone(), result)
        })
        .collect()
}

/// [`lint_repo`] plus the `layerlint ci` report of the same run.
pub fn lint_and_report(
    files: &[(PathBuf, String)],
    repo_root: Option<&Path>,
    enabled: &dyn Fn(&str) -> bool,
) -> (report::CiReport, FileResults) {
    let repo = load_repo(files, repo_root);
    let per_file = check(&repo, enabled);
    let report = report::report(&repo, &per_file);
    let results = repo
        .files
        .iter()
        .zip(per_file)
        .map(|(f, diags)| {
            let result = match &f.error {
                Some(e) => Err(e.clone()),
                None => Ok(diags),
            };
            (f.path.clone(), result)
        })
        .collect();
    (report, results)
}

/// Runs the enabled CI rules; findings per file (same order as `repo.files`), with
/// duplicates removed, suppression comments applied and sorted by position.
pub fn check(repo: &CiRepo, enabled: &dyn Fn(&str) -> bool) -> Vec<Vec<Diagnostic>> {
    let mut findings = Vec::new();
    for rule in crate::rules::ci_cache::ci_rules() {
        if enabled(rule.meta().code) {
            rule.check_ci(repo, &mut findings);
        }
    }
    let mut per_file: Vec<Vec<Diagnostic>> = vec![Vec::new(); repo.files.len()];
    // One finding per rule and place (a bake `--set` value serves several targets).
    let mut seen: std::collections::HashSet<(usize, &'static str, crate::span::Span)> =
        std::collections::HashSet::new();
    for f in findings {
        if let Some(v) = per_file.get_mut(f.file) {
            let d = f.diagnostic;
            if seen.insert((f.file, d.code(), d.span)) {
                v.push(d);
            }
        }
    }
    let rules: Vec<&'static RuleMeta> = crate::rules::registry().iter().map(|r| r.meta()).collect();
    per_file
        .into_iter()
        .zip(&repo.files)
        .map(|(diags, file)| {
            let mut diags = suppress::apply(diags, file, &rules);
            crate::output::sort_diagnostic_list(&mut diags);
            diags
        })
        .collect()
}

/// Parses the files and assembles the repository's builds.
pub fn load_repo(files: &[(PathBuf, String)], repo_root: Option<&Path>) -> CiRepo {
    let root = repo_root
        .map(Path::to_path_buf)
        .unwrap_or_else(|| guess_root(files));
    let mut repo = CiRepo::default();
    let mut bake_files: Vec<bake::BakeFile> = Vec::new();
    let mut invocations = Vec::new();
    let mut next_job = 0;
    for (index, (path, source)) in files.iter().enumerate() {
        let kind = file_kind(path).unwrap_or(CiFileKind::Workflow);
        let lines = LineIndex::new(source);
        let display = path.to_string_lossy().to_string();
        let mut file = CiFile {
            rel_path: relative(path, &root),
            path: display.clone(),
            source: source.clone(),
            lines,
            kind,
            units: Vec::new(),
            error: None,
        };
        match kind {
            CiFileKind::Workflow => {
                match workflow::parse(index, &display, source, &file.lines, &mut next_job) {
                    Ok(out) => {
                        file.units = out.units;
                        repo.builds.extend(out.builds);
                        invocations.extend(out.invocations);
                        repo.caches.extend(out.caches);
                        repo.moves.extend(out.moves);
                    }
                    Err(e) => file.error = Some(e),
                }
            }
            CiFileKind::BakeHcl | CiFileKind::BakeJson => {
                let parsed = if kind == CiFileKind::BakeHcl {
                    bake::parse_hcl(index, source, &file.lines)
                } else {
                    bake::parse_json(index, source, &file.lines)
                };
                match parsed {
                    Ok(b) => {
                        file.units = b.targets.iter().map(|t| t.block.span).collect();
                        bake_files.push(b);
                    }
                    Err(e) => file.error = Some(e),
                }
            }
        }
        repo.files.push(file);
    }
    let bake_builds = assemble_bake(&repo.files, &bake_files, &invocations);
    repo.builds.extend(bake_builds);
    fill_multi_stage(&mut repo.builds, &root);
    repo
}

fn guess_root(files: &[(PathBuf, String)]) -> PathBuf {
    for (path, _) in files {
        let comps: Vec<Component> = path.components().collect();
        if let Some(i) = comps.iter().position(|c| c.as_os_str() == ".github") {
            let root: PathBuf = comps[..i].iter().collect();
            return if root.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                root
            };
        }
    }
    files
        .first()
        .and_then(|(p, _)| p.parent())
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn relative(path: &Path, root: &Path) -> String {
    let rel = path
        .strip_prefix(root)
        .or_else(|_| path.strip_prefix(root.strip_prefix("./").unwrap_or(root)))
        .unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    parts.join("/")
}

fn parent_dir(rel: &str) -> String {
    match rel.rfind('/') {
        Some(i) => rel[..i].to_string(),
        None => ".".to_string(),
    }
}

fn join(a: &str, b: &str) -> String {
    let b = model::normalize_dir(b);
    if a == "." || a.is_empty() || b.starts_with('/') {
        b
    } else {
        model::normalize_dir(&format!("{a}/{b}"))
    }
}

/// Lexically resolves `a/../b` and `./`.
fn clean(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if out.pop().is_none() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        ".".to_string()
    } else {
        out.join("/")
    }
}

/// Bake targets as builds: one per (invocation, target); targets no workflow builds are
/// kept once with unknown events.
fn assemble_bake(
    files: &[CiFile],
    bakes: &[bake::BakeFile],
    invocations: &[workflow::BakeInvocation],
) -> Vec<CiBuild> {
    let mut builds = Vec::new();
    let mut invoked: Vec<(usize, String)> = Vec::new();
    for inv in invocations {
        let chosen = bake_files_for(files, bakes, inv);
        let merged = merge(&chosen);
        let names = if chosen.is_empty() {
            None
        } else {
            merged.expand(&inv.targets)
        };
        match names {
            Some(names) if !names.is_empty() => {
                for name in names {
                    for b in &chosen {
                        invoked.push((b.file, name.clone()));
                    }
                    builds.push(bake_build(files, &merged, &name, Some(inv)));
                }
            }
            _ => builds.push(opaque_bake_build(inv)),
        }
    }
    for b in bakes {
        let inherited: Vec<&str> = b
            .targets
            .iter()
            .filter_map(|t| t.attrs.get("inherits"))
            .flat_map(|a| a.values.iter().filter_map(|v| v.text.value()))
            .collect();
        for t in &b.targets {
            if invoked.iter().any(|(f, n)| *f == b.file && *n == t.name)
                || inherited.contains(&t.name.as_str())
                || t.name.starts_with('_')
            {
                continue;
            }
            builds.push(bake_build(files, b, &t.name, None));
        }
    }
    builds
}

fn bake_files_for<'a>(
    files: &[CiFile],
    bakes: &'a [bake::BakeFile],
    inv: &workflow::BakeInvocation,
) -> Vec<&'a bake::BakeFile> {
    let workdir = inv.workdir.as_deref().map_or(".".to_string(), clean);
    if !inv.files.is_empty() {
        let mut out = Vec::new();
        // Unknown entries (e.g. metadata-action's generated bake file) are skipped.
        for f in &inv.files {
            let Some(name) = f.value() else {
                continue;
            };
            let wanted = clean(&join(&workdir, name));
            if let Some(b) = bakes
                .iter()
                .find(|b| files.get(b.file).is_some_and(|cf| cf.rel_path == wanted))
            {
                out.push(b);
            }
        }
        return out;
    }
    // Default lookup: the bake files in the working folder.
    let mut out: Vec<&bake::BakeFile> = bakes
        .iter()
        .filter(|b| {
            files
                .get(b.file)
                .is_some_and(|cf| parent_dir(&cf.rel_path) == workdir)
        })
        .collect();
    // `docker-bake.override.*` is read after the main file.
    out.sort_by_key(|b| {
        files
            .get(b.file)
            .is_some_and(|cf| cf.rel_path.contains("override"))
    });
    out
}

fn merge(chosen: &[&bake::BakeFile]) -> bake::BakeFile {
    let mut merged = bake::BakeFile::default();
    for b in chosen {
        if merged.targets.is_empty() && merged.groups.is_empty() {
            merged.file = b.file;
        }
        for t in &b.targets {
            match merged.target_mut(&t.name) {
                Some(m) => {
                    for (k, v) in &t.attrs {
                        m.attrs.insert(k.clone(), v.clone());
                    }
                }
                None => merged.push_target(t.clone()),
            }
        }
        for (g, members) in &b.groups {
            merged.groups.insert(g.clone(), members.clone());
        }
    }
    merged
}

fn pattern_matches(pattern: &str, name: &str) -> bool {
    glob::Pattern::new(pattern).is_ok_and(|p| p.matches(name))
}

fn bake_build(
    files: &[CiFile],
    bf: &bake::BakeFile,
    name: &str,
    inv: Option<&workflow::BakeInvocation>,
) -> CiBuild {
    let Some(target) = bf.target(name) else {
        return CiBuild::new(BuildKind::BakeTarget, Loc::default());
    };
    let mut attrs = bf.resolved(name);
    let mut b = CiBuild::new(inv.map_or(BuildKind::BakeTarget, |i| i.kind), target.label);
    b.target_name = Some(name.to_string());
    b.unit = target.block;
    let mut set_values: BTreeMap<String, Vec<bake::BakeValue>> = BTreeMap::new();
    let mut set_keys: BTreeMap<String, Loc> = BTreeMap::new();
    if let Some(inv) = inv {
        b.workflow = Some(inv.workflow.clone());
        b.job = Some(inv.job.clone());
        b.job_id = Some(inv.job_id);
        b.events = inv.events.clone();
        b.builder = inv.builder.clone();
        b.in_matrix = inv.in_matrix;
        b.invoked_at = Some(inv.loc);
        b.no_cache = inv.no_cache;
        for s in inv.sets.iter().filter(|s| pattern_matches(&s.target, name)) {
            set_keys.entry(s.attr.clone()).or_insert(s.loc);
            set_values
                .entry(s.attr.clone())
                .or_default()
                .push(bake::BakeValue {
                    text: s.value.clone(),
                    loc: s.loc,
                    exact: s.exact,
                });
        }
    }
    for (k, values) in set_values {
        let key = set_keys.get(&k).copied().unwrap_or(b.loc);
        let attr = if k == "platform" {
            "platforms".to_string()
        } else {
            k
        };
        attrs.insert(attr, bake::BakeAttr { key, values });
    }
    let first = |k: &str| attrs.get(k).and_then(|a| a.first().cloned());
    b.context = first("context");
    b.dockerfile = first("dockerfile");
    b.target_stage = first("target");
    b.platforms = attrs.get("platforms").map(|a| {
        let mut t = Text::known(
            a.values
                .iter()
                .map(|v| v.text.raw.as_str())
                .collect::<Vec<_>>()
                .join(","),
        );
        t.has_expression = a.values.iter().any(|v| v.text.has_expression);
        t
    });
    b.tags = attrs
        .get("tags")
        .map(|a| a.values.iter().map(|v| v.text.clone()).collect())
        .unwrap_or_default();
    let outputs: Vec<&Text> = attrs
        .get("output")
        .map(|a| a.values.iter().map(|v| &v.text).collect())
        .unwrap_or_default();
    let output_push = outputs.iter().any(|o| {
        let l = o.raw.to_ascii_lowercase();
        l.contains("type=registry") || l.contains("push=true")
    });
    b.push = match inv.and_then(|i| i.push) {
        Some(true) => Some(true),
        _ if output_push => Some(true),
        _ if attrs
            .get("push")
            .and_then(|a| a.first())
            .map(|t| t.raw.as_str())
            == Some("true") =>
        {
            Some(true)
        }
        _ => None,
    };
    b.load = inv.is_some_and(|i| i.load);
    if attrs
        .get("no-cache")
        .and_then(|a| a.first())
        .is_some_and(|t| t.raw == "true")
    {
        b.no_cache = true;
    }
    b.inline_cache_arg = attrs.get("args").is_some_and(|a| {
        a.values.iter().any(|v| {
            let u = v.text.raw.to_ascii_uppercase().replace(' ', "");
            u.contains("BUILDKIT_INLINE_CACHE=1") || u.contains("BUILDKIT_INLINE_CACHE=TRUE")
        })
    });
    let specs = |a: &bake::BakeAttr| -> Vec<CacheSpec> {
        a.values
            .iter()
            .map(|v| {
                let mut s = CacheSpec::parse(&v.text.raw, v.loc, v.exact && !v.text.has_expression);
                s.has_expression |= v.text.has_expression;
                s
            })
            .collect()
    };
    if let Some(a) = attrs.get("cache-from") {
        b.cache_from_key = Some(a.key);
        b.cache_from = specs(a);
    }
    if let Some(a) = attrs.get("cache-to") {
        b.cache_to_key = Some(a.key);
        b.cache_to = specs(a);
    }
    // Bake resolves the context against the folder it runs in (the bake file's folder here)
    // and the Dockerfile against the context.
    let dir = files
        .get(target.label.file)
        .map_or(".".to_string(), |f| parent_dir(&f.rel_path));
    let context = match &b.context {
        Some(c) => c.value().map(str::to_string),
        None => Some(".".to_string()),
    };
    let dockerfile = match &b.dockerfile {
        Some(d) => d.value().map(str::to_string),
        None => Some("Dockerfile".to_string()),
    };
    if let (Some(c), Some(d)) = (context, dockerfile) {
        if !c.contains("://") && !c.starts_with("target:") {
            b.dockerfile_path = Some(clean(&join(&join(&dir, &c), &d)));
        }
    }
    b
}

/// A bake invocation whose targets cannot be read: only its `set` overrides are known.
fn opaque_bake_build(inv: &workflow::BakeInvocation) -> CiBuild {
    let mut b = CiBuild::new(inv.kind, inv.loc);
    b.workflow = Some(inv.workflow.clone());
    b.job = Some(inv.job.clone());
    b.job_id = Some(inv.job_id);
    b.events = inv.events.clone();
    b.builder = inv.builder.clone();
    b.in_matrix = inv.in_matrix;
    b.unit = inv.unit;
    b.opaque_cache = true;
    b.push = inv.push;
    for s in &inv.sets {
        let spec = || {
            let mut c = CacheSpec::parse(&s.value.raw, s.loc, s.exact);
            c.has_expression |= s.value.has_expression;
            c
        };
        match s.attr.as_str() {
            "cache-from" => b.cache_from.push(spec()),
            "cache-to" => b.cache_to.push(spec()),
            "tags" => b.tags.push(s.value.clone()),
            _ => {}
        }
    }
    b
}

/// Reads each build's Dockerfile (relative to `root`) to know whether it has several stages.
fn fill_multi_stage(builds: &mut [CiBuild], root: &Path) {
    let mut cache: HashMap<String, Option<bool>> = HashMap::new();
    for b in builds {
        let Some(path) = &b.dockerfile_path else {
            continue;
        };
        let path = clean(path);
        let value = *cache.entry(path.clone()).or_insert_with(|| {
            let full = root.join(&path);
            let text = fs::read_to_string(full).ok()?;
            let parsed = crate::syntax::parse(&text).ok()?;
            Some(crate::graph::build(&parsed).stages.len() > 1)
        });
        b.multi_stage = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_ci_files() {
        assert_eq!(
            file_kind(Path::new("repo/.github/workflows/ci.yml")),
            Some(CiFileKind::Workflow)
        );
        assert_eq!(
            file_kind(Path::new("docker-bake.hcl")),
            Some(CiFileKind::BakeHcl)
        );
        assert_eq!(file_kind(Path::new("repo/ci.yml")), None);
        assert_eq!(file_kind(Path::new(".github/dependabot.yml")), None);
    }

    #[test]
    fn roots_and_paths() {
        let files = vec![(PathBuf::from("r/.github/workflows/a.yml"), String::new())];
        assert_eq!(guess_root(&files), PathBuf::from("r"));
        assert_eq!(
            relative(Path::new("r/docker-bake.hcl"), Path::new("r")),
            "docker-bake.hcl"
        );
        assert_eq!(clean("./a/../b/./c"), "b/c");
        assert_eq!(join(".", "./Dockerfile"), "Dockerfile");
    }
}
