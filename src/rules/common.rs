//! Lookups several rules share: package-manager commands of a RUN, cache folders as the
//! tool resolves them, and COPY sources that change with the code.

use std::path::Path;

use crate::graph::{Base, Command, Graph, Node, NodeKind, RunInfo, SourceKind, Vars};
use crate::knowledge::{self, CacheLocation, Invocation, PackageManager, ROOT_HOME};
use crate::syntax::Mount;

/// A package-manager command of a RUN.
pub struct ManagerCommand<'a> {
    pub command: &'a Command,
    pub invocation: Invocation,
}

/// The RUN's commands that `knowledge::classify` recognises.
pub fn manager_commands(run: &RunInfo) -> Vec<ManagerCommand<'_>> {
    run.commands
        .iter()
        .filter_map(|command| {
            knowledge::classify(&command.cmd).map(|invocation| ManagerCommand {
                command,
                invocation,
            })
        })
        .collect()
}

/// The home folder of the user a node runs as; `None` when it cannot be known.
pub fn home_of(node: &Node) -> Option<String> {
    if let Some(home) = node.vars.get("HOME") {
        return home.clone();
    }
    match node.user.as_deref() {
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
    match node.user.as_deref() {
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
        let value = from_prefix.or_else(|| node.vars.get(var.name).cloned());
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
    vars: &Vars,
    escape: char,
) -> Vec<(&'a Mount, Option<String>)> {
    run.mounts
        .iter()
        .filter(|m| m.kind.eq_ignore_ascii_case("cache"))
        .map(|m| {
            let target = m
                .target
                .as_deref()
                .and_then(|t| crate::graph::expand(t, vars, escape));
            (m, target)
        })
        .collect()
}

/// The official image a stage is ultimately built on (`golang`, `node`, …), without registry or tag.
pub fn root_image(graph: &Graph, stage: usize) -> Option<String> {
    let root = *graph.lineage(stage).first()?;
    match &graph.stages.get(root)?.base {
        Base::Image { image } => Some(
            image
                .name
                .rsplit('/')
                .next()
                .unwrap_or(&image.name)
                .to_ascii_lowercase(),
        ),
        _ => None,
    }
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
pub fn volatile_sources<'a>(node: &'a Node, context_dir: Option<&Path>) -> Vec<&'a str> {
    let NodeKind::Copy(copy) = &node.kind else {
        return Vec::new();
    };
    let context: Vec<_> = copy
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Context)
        .collect();
    if context.is_empty() || context.iter().all(|s| knowledge::is_manifest(&s.raw)) {
        return Vec::new();
    }
    context
        .iter()
        .filter(|s| is_volatile_source(s.path.as_deref().unwrap_or(&s.raw), context_dir))
        .map(|s| s.raw.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
