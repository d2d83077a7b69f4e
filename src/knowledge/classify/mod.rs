//! What a simple command does with a package manager.
//!
//! [`classify`] reads one [`SimpleCommand`] (wrappers such as `sudo` and `env` already
//! removed) and says which manager runs, what kind of work it does and which inputs
//! it reads. It only reads the command's own words and assignments: whether an
//! earlier `ENV` moved a cache is for the caller to combine with the manager table.

mod args;
mod cleanup;
mod dotnet;
mod elixir;
mod jvm;
mod native;
mod node;
mod php;
mod python;
mod ruby;
mod system;

use std::ops::Range;

use super::managers::PackageManager;
use crate::shell::SimpleCommand;

/// What kind of work a package-manager command does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InvocationKind {
    /// Downloads and installs dependencies or tools (`npm ci`, `apt-get install`,
    /// `pip install -r requirements.txt`, `go mod download`).
    DependencyInstall,
    /// Installs only the project itself, without its dependencies
    /// (`pip install --no-deps .`, `poetry install --only-root`): it belongs after
    /// the source copy.
    ProjectInstall,
    /// Refreshes the package index (`apt-get update`, `apk update`, `dnf makecache`).
    IndexUpdate,
    /// Compiles with a compiler or build cache (`go build`, `cargo build`,
    /// `mvn package`, `dotnet publish`, `ccache gcc`); may fetch dependencies too.
    Build,
    /// Empties a package cache (`apt-get clean`, `npm cache clean`,
    /// `rm -rf /var/lib/apt/lists/*`).
    CacheClean,
    /// Anything else the manager does (`npm run build`, `npx`, `pip list`).
    Other,
}

impl InvocationKind {
    /// Whether the command installs something (dependencies or the project).
    pub fn is_install(self) -> bool {
        matches!(
            self,
            InvocationKind::DependencyInstall | InvocationKind::ProjectInstall
        )
    }

    /// Whether the command fills a cache worth mounting.
    pub fn uses_cache(self) -> bool {
        matches!(
            self,
            InvocationKind::DependencyInstall
                | InvocationKind::ProjectInstall
                | InvocationKind::IndexUpdate
                | InvocationKind::Build
        )
    }
}

/// A package-manager command, as [`classify`] understands it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub manager: PackageManager,
    pub kind: InvocationKind,
    /// Index in [`SimpleCommand::words`] of the word saying what is done (`install` in
    /// `apt-get -y install curl`); the program itself when there is none (bare `yarn`).
    pub verb_index: usize,
    /// Byte range of that word.
    pub verb_range: Range<usize>,
    /// The managers whose caches this command fills (`go build` fills the build cache
    /// and the module cache).
    pub caches: Vec<PackageManager>,
    /// Files named on the command line that the command reads
    /// (`-r requirements.txt`, `-f environment.yml`, `src/App/App.csproj`). Files read
    /// implicitly (`package-lock.json` for `npm ci`) are not listed.
    pub reads_files: Vec<String>,
    /// Whether the command resolves dependencies from the project's manifests in the
    /// working directory (`npm ci`, `bundle install`, `pip install -r …`), as opposed
    /// to named packages only (`apt-get install curl`, `npm install -g pnpm`).
    pub from_manifest: bool,
    /// Packages named on the command line, as written (`curl`, `flask==3.0`).
    pub packages: Vec<String>,
    /// Whether a flag or an assignment on the command turns the cache off
    /// (`--no-cache-dir`, `apk add --no-cache`, `PIP_NO_CACHE_DIR=1 pip …`).
    pub disables_cache: bool,
    /// The cache directory a flag or assignment on the command selects
    /// (`pip --cache-dir /x`, `npm_config_cache=/x npm ci`).
    pub cache_dir_override: Option<String>,
    /// Whether the command installs or builds the project in a local directory, so it
    /// needs the sources (`pip install .`, `pip install -e ./app`, `go build ./...`).
    pub installs_local_project: bool,
    /// Where the command installs to, when told (`pip install --target /deps`,
    /// `npm ci --prefix /app`, `dotnet publish -o /out`).
    pub target_dir: Option<String>,
}

impl Invocation {
    fn new(
        manager: PackageManager,
        kind: InvocationKind,
        cmd: &SimpleCommand,
        verb_index: usize,
    ) -> Invocation {
        let verb_range = cmd
            .words
            .get(verb_index)
            .map(|w| w.range)
            .unwrap_or_else(|| cmd.range);
        Invocation {
            manager,
            kind,
            verb_index,
            verb_range: verb_range.range(),
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

    /// Shorthand for [`InvocationKind::Other`] at the program word.
    fn other(manager: PackageManager, cmd: &SimpleCommand) -> Invocation {
        Invocation::new(manager, InvocationKind::Other, cmd, 0)
    }
}

/// Says what `cmd` does with a package manager, or `None` when its program is not
/// one (nor an `rm` of a known cache directory).
pub fn classify(cmd: &SimpleCommand) -> Option<Invocation> {
    let program = cmd.program()?;
    let mut invocation = match program {
        "apt-get" | "apt" | "aptitude" => system::apt(cmd),
        "apk" => system::apk(cmd),
        "dnf" | "dnf5" => system::rpm(cmd, PackageManager::Dnf),
        "yum" => system::rpm(cmd, PackageManager::Yum),
        "microdnf" => system::rpm(cmd, PackageManager::Microdnf),
        "zypper" => system::zypper(cmd),
        "uv" => python::uv(cmd),
        "poetry" => python::poetry(cmd),
        "pipenv" => python::pipenv(cmd),
        "pdm" => python::pdm(cmd),
        "conda" | "mamba" | "micromamba" => python::conda(cmd),
        "npm" => node::npm(cmd),
        "npx" => Invocation::other(PackageManager::Npm, cmd),
        "yarn" | "yarnpkg" => node::yarn(cmd),
        "pnpm" => node::pnpm(cmd),
        "pnpx" => Invocation::other(PackageManager::Pnpm, cmd),
        "bun" => node::bun(cmd),
        "bunx" => Invocation::other(PackageManager::Bun, cmd),
        "go" => native::go(cmd),
        "cargo" => native::cargo(cmd),
        "ccache" => native::ccache(cmd),
        "sccache" => native::sccache(cmd),
        "mvn" | "mvnw" | "mvnd" => jvm::maven(cmd),
        "gradle" | "gradlew" => jvm::gradle(cmd),
        "sbt" => jvm::sbt(cmd),
        "composer" | "composer.phar" => php::composer(cmd, 1),
        "php" => php::php(cmd)?,
        "bundle" | "bundler" => ruby::bundler(cmd),
        "gem" => ruby::gem(cmd),
        "dotnet" => dotnet::dotnet(cmd),
        "mix" => elixir::mix(cmd),
        "rm" => cleanup::rm(cmd)?,
        _ if python::is_pip_program(program) => python::pip(cmd, 1, PackageManager::Pip),
        _ if python::is_python_program(program) => python::python_module(cmd)?,
        _ => return None,
    };
    // `bundle --version`, `yarn -v`, `pip help`: asking the tool about itself installs nothing.
    if is_self_query(cmd) {
        invocation.kind = InvocationKind::Other;
    }
    apply_assignments(&mut invocation, cmd);
    Some(invocation)
}

fn is_self_query(cmd: &SimpleCommand) -> bool {
    let mut args = cmd.args().peekable();
    args.peek().is_some()
        && args.all(|a| {
            matches!(
                a,
                "--version" | "-v" | "-V" | "version" | "--help" | "-h" | "help"
            )
        })
}

/// `NAME=value` prefixes that turn the cache off or move it.
fn apply_assignments(invocation: &mut Invocation, cmd: &SimpleCommand) {
    let info = invocation.manager.info();
    for assignment in &cmd.assignments {
        if info
            .disabling_env
            .iter()
            .any(|env| env.name == assignment.name && env.disables(&assignment.value))
        {
            invocation.disables_cache = true;
        }
        if invocation.cache_dir_override.is_none() {
            invocation.cache_dir_override = info
                .cache_env
                .iter()
                .filter(|env| env.name == assignment.name)
                .find_map(|env| env.cache_dir(&assignment.value));
        }
    }
}

/// Whether a command-line argument names a local path rather than a package.
fn is_local_path(arg: &str) -> bool {
    let arg = strip_extras(arg);
    arg == "."
        || arg == ".."
        || arg.starts_with("./")
        || arg.starts_with("../")
        || arg.starts_with('/')
        || arg.starts_with("~/")
        || arg.starts_with("file:")
        || (arg.contains('/') && !arg.contains("://") && !arg.contains('@'))
}

/// `.[dev,test]` → `.`
fn strip_extras(arg: &str) -> &str {
    match arg.find('[') {
        Some(open) if arg.ends_with(']') => &arg[..open],
        _ => arg,
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::knowledge::{classify, Invocation, InvocationKind, PackageManager};
    use crate::shell::{Assignment, ShellWord, SimpleCommand};

    /// Classifies `text` and asserts the manager and kind.
    pub fn check(text: &str, manager: PackageManager, kind: InvocationKind) -> Invocation {
        let invocation = classify(&cmd(text)).unwrap_or_else(|| panic!("{text}"));
        assert_eq!(
            (invocation.manager, invocation.kind),
            (manager, kind),
            "{text}"
        );
        invocation
    }

    /// Builds a command from whitespace-separated words; leading `NAME=value` words
    /// become assignments. Ranges are the words' byte offsets in `text`.
    pub fn cmd(text: &str) -> SimpleCommand {
        let mut command = SimpleCommand::default();
        let mut offset = 0;
        for raw in text.split(' ') {
            let start = offset;
            offset += raw.len() + 1;
            if raw.is_empty() {
                continue;
            }
            let range = start..start + raw.len();
            let is_assignment = command.words.is_empty()
                && raw.split_once('=').is_some_and(|(name, _)| {
                    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                });
            if is_assignment {
                if let Some((name, value)) = raw.split_once('=') {
                    command.assignments.push(Assignment {
                        name: name.to_string(),
                        value: value.to_string(),
                        range,
                    });
                }
            } else {
                command.words.push(ShellWord {
                    value: raw.into(),
                    range: range.into(),
                    has_expansion: raw.contains('$'),
                });
            }
        }
        command.range = (0..text.len()).into();
        command
    }
}

#[cfg(test)]
mod self_query_tests {
    use super::*;

    fn words(text: &str) -> SimpleCommand {
        SimpleCommand::from_words(
            text.split_whitespace()
                .map(|w| crate::shell::ShellWord {
                    value: w.into(),
                    range: (0..0).into(),
                    has_expansion: false,
                })
                .collect(),
        )
    }

    #[test]
    fn version_and_help_queries_install_nothing() {
        for text in ["bundle --version", "yarn -v", "npm --version", "pip help"] {
            let inv = classify(&words(text)).expect("known program");
            assert_eq!(inv.kind, InvocationKind::Other, "{text}");
        }
        let bare = classify(&words("bundle")).expect("known program");
        assert_eq!(bare.kind, InvocationKind::DependencyInstall);
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::cmd;
    use super::*;
    use crate::knowledge::PackageManager as M;
    use InvocationKind as K;

    fn kind_of(text: &str) -> Option<(M, K)> {
        classify(&cmd(text)).map(|i| (i.manager, i.kind))
    }

    #[test]
    fn unknown_programs_are_not_classified() {
        assert_eq!(kind_of("echo hello"), None);
        assert_eq!(kind_of("make -j4"), None);
        assert_eq!(kind_of("rm -rf /app/tmp"), None);
    }

    #[test]
    fn verb_index_and_range_point_at_the_verb() {
        let invocation = classify(&cmd("apt-get -y install curl")).expect("apt");
        assert_eq!(invocation.verb_index, 2);
        assert_eq!(invocation.verb_range, 11..18);
        let bare = classify(&cmd("yarn")).expect("yarn");
        assert_eq!(bare.verb_index, 0);
    }

    #[test]
    fn program_paths_are_reduced_to_the_name() {
        assert_eq!(
            kind_of("/usr/bin/apt-get update"),
            Some((M::Apt, K::IndexUpdate))
        );
        assert_eq!(kind_of("./mvnw package"), Some((M::Maven, K::Build)));
    }

    #[test]
    fn assignments_disable_or_move_the_cache() {
        let disabled = classify(&cmd("PIP_NO_CACHE_DIR=off pip install flask")).expect("pip");
        assert!(disabled.disables_cache);
        let uv = classify(&cmd("UV_NO_CACHE=0 uv sync")).expect("uv");
        assert!(!uv.disables_cache);
        let moved = classify(&cmd("npm_config_cache=/tmp/npm npm ci")).expect("npm");
        assert_eq!(moved.cache_dir_override.as_deref(), Some("/tmp/npm"));
        let flag_wins =
            classify(&cmd("PIP_CACHE_DIR=/a pip --cache-dir /b install x")).expect("pip");
        assert_eq!(flag_wins.cache_dir_override.as_deref(), Some("/b"));
    }

    #[test]
    fn cleanup_commands_in_the_table_classify_as_cache_clean() {
        for manager in PackageManager::ALL {
            for command in manager.info().cleanup_commands {
                let invocation = classify(&cmd(command))
                    .unwrap_or_else(|| panic!("{command} is not classified"));
                assert_eq!(invocation.kind, K::CacheClean, "{command}");
                assert!(
                    invocation.caches.contains(&manager),
                    "{command}: {:?}",
                    invocation.caches
                );
            }
        }
    }

    #[test]
    fn disabling_flags_in_the_table_are_detected() {
        let examples = [
            (M::Apk, "apk add --no-cache curl"),
            (M::Pip, "pip install --no-cache-dir flask"),
            (M::Uv, "uv pip install --no-cache flask"),
            (M::Poetry, "poetry install --no-cache"),
            (M::Bun, "bun install --no-cache"),
            (M::Composer, "composer install --no-cache"),
            (M::Dnf, "dnf install -y --setopt=keepcache=0 gcc"),
            (M::Dotnet, "dotnet restore --no-http-cache"),
        ];
        for (manager, text) in examples {
            let invocation = classify(&cmd(text)).expect(text);
            assert_eq!(invocation.manager, manager, "{text}");
            assert!(invocation.disables_cache, "{text}");
        }
    }

    #[test]
    fn local_paths() {
        for path in [
            ".",
            "./app",
            "../lib",
            "/src",
            ".[dev]",
            "app/sub",
            "file:///x",
        ] {
            assert!(is_local_path(path), "{path}");
        }
        for package in [
            "flask",
            "flask==3.0",
            "git+https://github.com/a/b",
            "requests[socks]",
        ] {
            assert!(!is_local_path(package), "{package}");
        }
    }
}
