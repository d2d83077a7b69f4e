//! The model of CI image builds that the LL6xx rules read.

use serde::Serialize;

use crate::span::Span;

/// A place in one of the CI files: index into [`super::CiRepo::files`] and a byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Loc {
    pub file: usize,
    pub span: Span,
}

/// A string read from a CI file; `${{ }}` expressions and HCL variables make it unknown.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Text {
    pub raw: String,
    /// Holds an expression whose value is only known when the workflow runs.
    pub has_expression: bool,
}

impl Text {
    pub fn known(raw: impl Into<String>) -> Text {
        Text {
            raw: raw.into(),
            has_expression: false,
        }
    }

    pub fn new(raw: impl Into<String>) -> Text {
        let raw = raw.into();
        let has_expression = has_expression(&raw);
        Text {
            raw,
            has_expression,
        }
    }

    /// The value, when it holds no expression.
    pub fn value(&self) -> Option<&str> {
        (!self.has_expression).then_some(self.raw.as_str())
    }
}

/// Whether a value holds a GitHub Actions expression (`${{ … }}`) or an HCL interpolation.
pub fn has_expression(raw: &str) -> bool {
    raw.match_indices('$').any(|(i, _)| {
        raw[i + 1..]
            .chars()
            .next()
            .is_some_and(|c| c == '{' || c == '_' || c.is_ascii_alphabetic())
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CacheKind {
    Gha,
    Registry,
    Local,
    Inline,
    S3,
    Azblob,
    Unknown,
}

impl CacheKind {
    pub fn parse(s: &str) -> CacheKind {
        match s.trim().to_ascii_lowercase().as_str() {
            "gha" => CacheKind::Gha,
            "registry" => CacheKind::Registry,
            "local" => CacheKind::Local,
            "inline" => CacheKind::Inline,
            "s3" => CacheKind::S3,
            "azblob" => CacheKind::Azblob,
            _ => CacheKind::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CacheKind::Gha => "gha",
            CacheKind::Registry => "registry",
            CacheKind::Local => "local",
            CacheKind::Inline => "inline",
            CacheKind::S3 => "s3",
            CacheKind::Azblob => "azblob",
            CacheKind::Unknown => "unknown",
        }
    }
}

/// One `--cache-from`/`--cache-to` value, e.g. `type=gha,mode=max,scope=api`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSpec {
    pub raw: String,
    pub kind: CacheKind,
    /// Attributes by lowercase key (`mode`, `scope`, `ref`, `src`, `dest`, …), sorted, each
    /// key once (the last value written wins). A short sorted list: a tree map took about
    /// 550 bytes per value, and a workflow can hold thousands of them.
    attrs: Vec<(String, String)>,
    /// The value (or its `type`) depends on an expression: rules treat it as unknown.
    pub has_expression: bool,
    /// Where the value is written; the key's line when it cannot be found verbatim.
    pub loc: Loc,
    /// Whether `loc` covers exactly `raw` (only then can a fix edit it).
    pub exact: bool,
}

impl CacheSpec {
    /// Parses a cache value. A value without `=` is a registry reference (buildx shorthand).
    pub fn parse(raw: &str, loc: Loc, exact: bool) -> CacheSpec {
        let raw_trimmed = raw.trim();
        let mut attrs: Vec<(String, String)> = Vec::new();
        let mut kind = None;
        if !raw_trimmed.contains('=') {
            attrs.push(("ref".to_string(), raw_trimmed.to_string()));
            kind = Some(CacheKind::Registry);
        } else {
            for field in split_fields(raw_trimmed) {
                let Some((k, v)) = field.split_once('=') else {
                    continue;
                };
                let k = k.trim().to_ascii_lowercase();
                let v = v.trim().trim_matches('"').to_string();
                if k == "type" {
                    kind = Some(if has_expression(&v) {
                        CacheKind::Unknown
                    } else {
                        CacheKind::parse(&v)
                    });
                } else {
                    match attrs.binary_search_by(|(key, _)| key.as_str().cmp(&k)) {
                        Ok(i) => attrs[i].1 = v,
                        Err(i) => attrs.insert(i, (k, v)),
                    }
                }
            }
        }
        // buildx defaults to a registry cache when `type` is left out.
        let kind = kind.unwrap_or(CacheKind::Registry);
        attrs.shrink_to_fit();
        CacheSpec {
            raw: raw_trimmed.to_string(),
            kind,
            attrs,
            has_expression: has_expression(raw_trimmed),
            loc,
            exact,
        }
    }

    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| self.attrs[i].1.as_str())
    }

    /// Whether an attribute is absent or fully known; `Some(None)` = absent.
    pub fn known_attr(&self, key: &str) -> Option<Option<&str>> {
        match self.attr(key) {
            Some(v) if has_expression(v) => None,
            other => Some(other),
        }
    }

    /// The `mode` of an export (`min` when not given), `None` when it is an expression.
    pub fn mode(&self) -> Option<&str> {
        self.known_attr("mode").map(|m| m.unwrap_or("min"))
    }

    /// The scope of a `gha` cache, with the default (`buildkit`) when none is given;
    /// `None` when it is an expression.
    pub fn gha_scope(&self) -> Option<&str> {
        self.known_attr("scope")
            .map(|s| s.unwrap_or(GHA_DEFAULT_SCOPE))
    }

    /// What this cache is called, to match imports with exports: `gha:<scope>`,
    /// `registry:<ref>`, `local:<dir>`. `None` when unknown.
    pub fn key(&self, export: bool) -> Option<String> {
        if self.kind == CacheKind::Unknown {
            return None;
        }
        match self.kind {
            CacheKind::Gha => Some(format!("gha:{}", self.gha_scope()?)),
            CacheKind::Registry => {
                let r = self.known_attr("ref")??;
                Some(format!("registry:{}", normalize_ref(r)))
            }
            CacheKind::Local => {
                let dir = self.known_attr(if export { "dest" } else { "src" })??;
                Some(format!("local:{}", normalize_dir(dir)))
            }
            CacheKind::S3 | CacheKind::Azblob => {
                let name = self.known_attr("name")?.unwrap_or("buildkit");
                let bucket = self
                    .known_attr("bucket")?
                    .or(self.known_attr("account_url")?)
                    .unwrap_or("");
                Some(format!("{}:{bucket}/{name}", self.kind.as_str()))
            }
            CacheKind::Inline | CacheKind::Unknown => None,
        }
    }
}

pub const GHA_DEFAULT_SCOPE: &str = "buildkit";

/// Splits `a=b,c=d` on commas outside quotes and `${{ }}` expressions.
fn split_fields(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut quote = false;
    let mut start = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => quote = !quote,
            b'{' if !quote => depth += 1,
            b'}' if !quote => depth = depth.saturating_sub(1),
            b',' if !quote && depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&s[start..]);
    out.into_iter()
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect()
}

/// `docker.io/library/x:latest` and `x` name the same image.
pub fn normalize_ref(r: &str) -> String {
    let r = r.trim();
    let (name, digest) = match r.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (r, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repo, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], &name[last_slash + i + 1..]),
        None => (name, if digest.is_some() { "" } else { "latest" }),
    };
    let mut repo = repo.to_ascii_lowercase();
    let first = repo.split('/').next().unwrap_or("");
    let has_registry =
        repo.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if !has_registry {
        if !repo.contains('/') {
            repo = format!("library/{repo}");
        }
        repo = format!("docker.io/{repo}");
    }
    if let Some(stripped) = repo.strip_prefix("index.docker.io/") {
        repo = format!("docker.io/{stripped}");
    }
    match digest {
        Some(d) if tag.is_empty() => format!("{repo}@{d}"),
        Some(d) => format!("{repo}:{tag}@{d}"),
        None => format!("{repo}:{tag}"),
    }
}

/// The repository part of an image reference (`ghcr.io/acme/api:1.2` → `ghcr.io/acme/api`).
pub fn image_repository(r: &str) -> String {
    let n = normalize_ref(r);
    let n = n.split('@').next().unwrap_or(&n);
    let last_slash = n.rfind('/').map_or(0, |i| i + 1);
    match n[last_slash..].rfind(':') {
        Some(i) => n[..last_slash + i].to_string(),
        None => n.to_string(),
    }
}

pub fn normalize_dir(d: &str) -> String {
    let d = d.trim().trim_end_matches('/');
    let d = d.strip_prefix("./").unwrap_or(d);
    if d.is_empty() {
        ".".to_string()
    } else {
        d.to_string()
    }
}

/// What runs the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BuildKind {
    /// `docker/build-push-action`.
    BuildPushAction,
    /// `docker/bake-action`, building a bake target.
    BakeAction,
    /// `docker build` (or `docker image build`) in a `run:` step.
    DockerBuild,
    /// `docker buildx build` in a `run:` step.
    BuildxBuild,
    /// `docker buildx bake` in a `run:` step.
    BuildxBake,
    /// A bake target no workflow of the repository is seen building.
    BakeTarget,
}

impl BuildKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BuildKind::BuildPushAction => "build-push-action",
            BuildKind::BakeAction => "bake-action",
            BuildKind::DockerBuild => "docker build",
            BuildKind::BuildxBuild => "docker buildx build",
            BuildKind::BuildxBake => "docker buildx bake",
            BuildKind::BakeTarget => "bake target",
        }
    }
}

/// The events a build runs on, after the workflow's `on:` and the job's and step's `if:`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Events {
    /// `push` (to branches), with its branch filter (empty = every branch).
    pub push_branches: Option<Vec<String>>,
    /// `push` of tags, with its filter (empty = every tag).
    pub push_tags: Option<Vec<String>>,
    /// `pull_request` or `pull_request_target`.
    pub pull_request: bool,
    pub schedule: bool,
    pub workflow_dispatch: bool,
    /// Other events (`release`, `merge_group`, `workflow_run`, …).
    pub other: Vec<String>,
    /// False when the events cannot be known (a reusable workflow, a bake file no
    /// workflow is seen running, an `if:` we cannot read).
    pub known: bool,
}

impl Events {
    pub fn unknown() -> Events {
        Events::default()
    }

    /// Runs on a pull request.
    pub fn on_pull_request(&self) -> bool {
        self.pull_request
    }

    /// Runs on something other than a pull request: a push, a schedule, a manual run…
    /// (or on events that cannot be known).
    pub fn on_trusted_ref(&self) -> bool {
        !self.known
            || self.push_branches.is_some()
            || self.push_tags.is_some()
            || self.schedule
            || self.workflow_dispatch
            || !self.other.is_empty()
    }

    /// Runs on pull requests and on nothing else.
    pub fn only_pull_request(&self) -> bool {
        self.known && self.pull_request && !self.on_trusted_ref()
    }

    /// A short description: `push(main), pull_request`.
    pub fn describe(&self) -> String {
        if !self.known && !self.pull_request && self.push_branches.is_none() {
            return "unknown".to_string();
        }
        let mut parts = Vec::new();
        if let Some(b) = &self.push_branches {
            parts.push(if b.is_empty() {
                "push".to_string()
            } else {
                format!("push({})", b.join("|"))
            });
        }
        if let Some(t) = &self.push_tags {
            parts.push(if t.is_empty() {
                "tags".to_string()
            } else {
                format!("tags({})", t.join("|"))
            });
        }
        if self.pull_request {
            parts.push("pull_request".to_string());
        }
        if self.schedule {
            parts.push("schedule".to_string());
        }
        if self.workflow_dispatch {
            parts.push("workflow_dispatch".to_string());
        }
        parts.extend(self.other.iter().cloned());
        if parts.is_empty() {
            "unknown".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// How the job that runs a build sets up its builder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "driver")]
pub enum Builder {
    /// `docker/setup-buildx-action` or `docker buildx create` with a driver that exports
    /// caches (`docker-container`, `kubernetes`, `remote`, or an unknown value).
    Container(String),
    /// Only the Docker engine's default builder (the `docker` driver).
    DockerDriver,
    /// Not known: a bake file outside any workflow, a self-hosted runner, a reusable workflow.
    Unknown,
}

/// One image build in CI.
#[derive(Debug, Clone)]
pub struct CiBuild {
    pub kind: BuildKind,
    /// The step's `uses:` line, the `docker … build` command, or the bake target's label.
    pub loc: Loc,
    /// The file whose findings this build's own lines go to (the workflow or bake file).
    pub workflow: Option<String>,
    pub job: Option<String>,
    /// A number shared by builds of the same job (to find the job's other steps).
    pub job_id: Option<usize>,
    pub events: Events,
    pub builder: Builder,
    /// Whether the job has a `strategy.matrix`.
    pub in_matrix: bool,
    /// Bake target name, for bake builds.
    pub target_name: Option<String>,
    pub tags: Vec<Text>,
    /// `Some(true)` pushes, `Some(false)` does not, `None` unknown.
    pub push: Option<bool>,
    pub load: bool,
    pub context: Option<Text>,
    pub dockerfile: Option<Text>,
    /// The Dockerfile's path relative to the repository root, when it can be known.
    pub dockerfile_path: Option<String>,
    /// Whether that Dockerfile has more than one stage (`None`: not found or unreadable).
    pub multi_stage: Option<bool>,
    /// Folder the build runs from, relative to the repository root (`working-directory`).
    pub working_dir: Option<String>,
    /// Stage built (`target`), if any.
    pub target_stage: Option<Text>,
    pub platforms: Option<Text>,
    /// In fallback order.
    pub cache_from: Vec<CacheSpec>,
    pub cache_to: Vec<CacheSpec>,
    pub cache_from_key: Option<Loc>,
    pub cache_to_key: Option<Loc>,
    /// `BUILDKIT_INLINE_CACHE=1` is passed as a build argument.
    pub inline_cache_arg: bool,
    /// `no-cache: true` / `--no-cache`: a deliberately cold build.
    pub no_cache: bool,
    /// A cache or tag input is an expression as a whole (e.g. `${{ steps.x.outputs.y }}`),
    /// so what the build reads or writes is unknown.
    pub opaque_cache: bool,
    /// The lines the build's step or target covers, for suppression comments.
    pub unit: Loc,
    /// For bake targets built by a workflow: the bake-action step or `docker buildx bake` line.
    pub invoked_at: Option<Loc>,
}

impl CiBuild {
    pub fn new(kind: BuildKind, loc: Loc) -> CiBuild {
        CiBuild {
            kind,
            loc,
            workflow: None,
            job: None,
            job_id: None,
            events: Events::unknown(),
            builder: Builder::Unknown,
            in_matrix: false,
            target_name: None,
            tags: Vec::new(),
            push: None,
            load: false,
            context: None,
            dockerfile: None,
            dockerfile_path: None,
            multi_stage: None,
            working_dir: None,
            target_stage: None,
            platforms: None,
            cache_from: Vec::new(),
            cache_to: Vec::new(),
            cache_from_key: None,
            cache_to_key: None,
            inline_cache_arg: false,
            no_cache: false,
            opaque_cache: false,
            unit: loc,
            invoked_at: None,
        }
    }

    /// Writes an inline cache into the pushed image.
    pub fn exports_inline(&self) -> bool {
        self.inline_cache_arg || self.cache_to.iter().any(|c| c.kind == CacheKind::Inline)
    }

    /// What identifies the image this build makes, to tell builds of different images apart:
    /// the tagged repositories, else the context, Dockerfile and target. `None` when unknown.
    pub fn identity(&self) -> Option<String> {
        let repos: Vec<String> = self
            .tags
            .iter()
            .filter_map(|t| t.value().map(image_repository))
            .collect();
        let unknown_tags = self.tags.iter().any(|t| t.has_expression);
        let target = self.target_stage.as_ref().map_or(Some(""), |t| t.value())?;
        let platforms = self.platforms.as_ref().map_or(Some(""), |t| t.value())?;
        if !repos.is_empty() && !unknown_tags {
            let mut repos = repos;
            repos.sort();
            repos.dedup();
            return Some(format!("{}#{target}#{platforms}", repos.join(",")));
        }
        let context = self.context.as_ref().map_or(Some("."), |t| t.value())?;
        let file = self
            .dockerfile
            .as_ref()
            .map_or(Some("Dockerfile"), |t| t.value())?;
        Some(format!(
            "{}|{}|{}#{target}#{platforms}",
            self.target_name.as_deref().unwrap_or(""),
            normalize_dir(context),
            normalize_dir(file)
        ))
    }

    /// A short name of the image for messages and the report.
    pub fn image_label(&self) -> String {
        if let Some(tag) = self.tags.first() {
            return tag.raw.clone();
        }
        if let Some(t) = &self.target_name {
            return format!("target `{t}`");
        }
        self.context
            .as_ref()
            .map_or_else(|| ".".to_string(), |c| c.raw.clone())
    }

    /// A scope name derived from the image (`ghcr.io/acme/api:1` → `api`), when known.
    pub fn suggested_scope(&self) -> Option<String> {
        if let Some(name) = &self.target_name {
            return Some(sanitize_scope(name));
        }
        let tag = self.tags.iter().find_map(|t| t.value())?;
        let repo = image_repository(tag);
        repo.rsplit('/').next().map(sanitize_scope)
    }
}

fn sanitize_scope(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// An `actions/cache` step: which folders it restores and with which key.
#[derive(Debug, Clone)]
pub struct ActionsCache {
    pub job_id: usize,
    pub paths: Vec<String>,
    pub key: Text,
    /// The `key:` line (or the step's `uses:` line).
    pub key_loc: Loc,
    /// Whether the key changes between runs (holds a `hashFiles`, the commit, the run id…).
    pub key_varies: bool,
}

/// A shell step that moves one folder onto another (`mv /tmp/.buildx-cache-new /tmp/.buildx-cache`).
#[derive(Debug, Clone)]
pub struct FolderMove {
    pub job_id: usize,
    pub from: String,
    pub to: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(s: &str) -> CacheSpec {
        CacheSpec::parse(s, Loc::default(), true)
    }

    #[test]
    fn parses_attributes() {
        let c = spec("type=gha,mode=max,scope=api");
        assert_eq!(c.kind, CacheKind::Gha);
        assert_eq!(c.mode(), Some("max"));
        assert_eq!(c.gha_scope(), Some("api"));
        assert_eq!(c.key(true).as_deref(), Some("gha:api"));
    }

    #[test]
    fn bare_value_is_a_registry_ref() {
        let c = spec("ghcr.io/acme/api:cache");
        assert_eq!(c.kind, CacheKind::Registry);
        assert_eq!(
            c.key(false).as_deref(),
            Some("registry:ghcr.io/acme/api:cache")
        );
    }

    #[test]
    fn expressions_are_unknown() {
        let c = spec("type=gha,scope=${{ github.ref_name }}");
        assert!(c.has_expression);
        assert_eq!(c.gha_scope(), None);
        assert_eq!(c.key(true), None);
        let c = spec("type=${{ env.T }},ref=x");
        assert_eq!(c.kind, CacheKind::Unknown);
    }

    #[test]
    fn folded_spaces_are_trimmed() {
        let c = spec("type=gha, mode=max, scope=a");
        assert_eq!(c.mode(), Some("max"));
        assert_eq!(c.gha_scope(), Some("a"));
    }

    #[test]
    fn refs_normalize() {
        assert_eq!(normalize_ref("node"), "docker.io/library/node:latest");
        assert_eq!(normalize_ref("acme/app:1"), "docker.io/acme/app:1");
        assert_eq!(normalize_ref("ghcr.io/Acme/app"), "ghcr.io/acme/app:latest");
        assert_eq!(
            normalize_ref("localhost:5000/app:c"),
            "localhost:5000/app:c"
        );
        assert_eq!(image_repository("ghcr.io/a/b:1"), "ghcr.io/a/b");
    }

    #[test]
    fn attributes_keep_the_last_value_of_a_key_whatever_the_order() {
        let c = spec("type=registry,ref=a,MODE=min,scope=x,mode=max");
        assert_eq!(c.attr("mode"), Some("max"));
        assert_eq!(c.attr("ref"), Some("a"));
        assert_eq!(c.attr("scope"), Some("x"));
        assert_eq!(
            c.attr("type"),
            None,
            "the type is the kind, not an attribute"
        );
        assert_eq!(c.attr("missing"), None);
        let reordered = spec("scope=x,mode=max,ref=a,type=registry");
        assert_eq!(c.attrs, reordered.attrs);
        let a = spec("type=gha,scope=s,mode=max");
        let b = spec("type=gha,mode=max,scope=s");
        assert_eq!(a.attrs, b.attrs, "attributes compare regardless of order");
        assert_eq!(spec("user/app:cache").attr("ref"), Some("user/app:cache"));
    }
}
