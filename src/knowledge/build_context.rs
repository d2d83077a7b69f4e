//! What a build context holds besides the sources: the folders that change without any
//! source edit and so should be left out of a whole-context `COPY . .`.

use super::managers::PackageManager;

/// The git folder: every commit, checkout or fetch rewrites files in it. Docker's docs
/// list it first among what `.dockerignore` should exclude
/// (<https://docs.docker.com/build/concepts/context/#dockerignore-files>).
pub const VCS_DIR: &str = ".git";

/// When a folder belongs in `.dockerignore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Whenever the manager is used: the folder is its default and usually exists on a
    /// developer's machine even if the checkout the linter sees lacks it.
    Conventional,
    /// Only when the folder exists in the context: a common but not a default name.
    IfPresent,
}

/// A folder that a package manager or build tool creates in the project folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalInstallDir {
    /// Path relative to the context root, without a trailing `/`.
    pub dir: &'static str,
    /// A file the tool writes inside it, when patterns that exclude only such files
    /// (`**/*.pyc`) keep the folder's content out just as well.
    pub sample_file: Option<&'static str>,
    pub presence: Presence,
    pub managers: &'static [PackageManager],
}

use PackageManager as M;

const NODE: &[PackageManager] = &[M::Npm, M::Yarn, M::Pnpm, M::Bun];
const PYTHON: &[PackageManager] = &[M::Pip, M::Uv, M::Poetry, M::Pipenv, M::Pdm];

/// Local install and build-output folders per manager, checked at the context root.
pub const LOCAL_INSTALL_DIRS: &[LocalInstallDir] = &[
    // npm installs into ./node_modules; yarn classic, pnpm and bun do the same
    // (https://docs.npmjs.com/cli/configuring-npm/folders#node-modules).
    LocalInstallDir {
        dir: "node_modules",
        sample_file: None,
        presence: Presence::Conventional,
        managers: NODE,
    },
    // uv, Poetry (in-project), PDM and Pipenv (PIPENV_VENV_IN_PROJECT) put the project's
    // environment in ./.venv, the name the venv tutorial uses too
    // (https://docs.astral.sh/uv/concepts/projects/layout/#the-project-environment,
    // https://docs.python.org/3/tutorial/venv.html).
    LocalInstallDir {
        dir: ".venv",
        sample_file: None,
        presence: Presence::Conventional,
        managers: PYTHON,
    },
    LocalInstallDir {
        dir: "venv",
        sample_file: None,
        presence: Presence::IfPresent,
        managers: PYTHON,
    },
    // Python writes bytecode caches next to every imported module (PEP 3147,
    // https://peps.python.org/pep-3147/).
    LocalInstallDir {
        dir: "__pycache__",
        sample_file: Some("__pycache__/module.cpython-312.pyc"),
        presence: Presence::Conventional,
        managers: PYTHON,
    },
    // Cargo's build output (https://doc.rust-lang.org/cargo/reference/build-cache.html),
    // Maven's (https://maven.apache.org/guides/introduction/introduction-to-the-standard-directory-layout.html)
    // and sbt's (https://www.scala-sbt.org/1.x/docs/Directories.html).
    LocalInstallDir {
        dir: "target",
        sample_file: None,
        presence: Presence::Conventional,
        managers: &[M::Cargo, M::Maven, M::Sbt],
    },
    // Gradle's project cache and build folders
    // (https://docs.gradle.org/current/userguide/directory_layout.html#dir:project_root).
    LocalInstallDir {
        dir: ".gradle",
        sample_file: None,
        presence: Presence::Conventional,
        managers: &[M::Gradle],
    },
    LocalInstallDir {
        dir: "build",
        sample_file: None,
        presence: Presence::Conventional,
        managers: &[M::Gradle],
    },
    // Composer's vendor-dir (https://getcomposer.org/doc/06-config.md#vendor-dir).
    LocalInstallDir {
        dir: "vendor",
        sample_file: None,
        presence: Presence::Conventional,
        managers: &[M::Composer],
    },
    // Mix fetches into ./deps and compiles into ./_build
    // (https://hexdocs.pm/mix/Mix.Tasks.Deps.html).
    LocalInstallDir {
        dir: "deps",
        sample_file: None,
        presence: Presence::Conventional,
        managers: &[M::Mix],
    },
    LocalInstallDir {
        dir: "_build",
        sample_file: None,
        presence: Presence::Conventional,
        managers: &[M::Mix],
    },
];

/// The local folders of `manager`.
pub fn local_install_dirs(
    manager: PackageManager,
) -> impl Iterator<Item = &'static LocalInstallDir> {
    LOCAL_INSTALL_DIRS
        .iter()
        .filter(move |d| d.managers.contains(&manager))
}
