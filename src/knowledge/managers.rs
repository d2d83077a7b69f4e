//! Package managers and their download caches: one [`ManagerInfo`] per manager.
//!
//! Each entry cites where its facts come from. General sources: Docker's cache guide
//! (<https://docs.docker.com/build/cache/optimize/#use-cache-mounts>) and the
//! `RUN --mount=type=cache` reference
//! (<https://docs.docker.com/reference/dockerfile/#run---mounttypecache>).

/// A package manager, or a compiler cache that behaves like one for caching purposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PackageManager {
    /// `apt-get`, `apt` and `aptitude` (Debian, Ubuntu).
    Apt,
    /// Alpine's `apk`.
    Apk,
    /// `dnf` and `dnf5` (Fedora, RHEL 8+).
    Dnf,
    /// `yum` (RHEL 7, Amazon Linux 2).
    Yum,
    /// `microdnf` (UBI minimal images).
    Microdnf,
    /// `zypper` (openSUSE, SLES).
    Zypper,
    /// `pip`, `pip3`, `python -m pip`.
    Pip,
    /// Astral's `uv`.
    Uv,
    Poetry,
    Pipenv,
    Pdm,
    /// `conda`, `mamba` and `micromamba`: one package format and cache layout.
    Conda,
    Npm,
    /// Yarn classic (v1) and Yarn Berry (v2+) share the `yarn` command; their caches
    /// differ and are told apart by [`CacheDir::variant`].
    Yarn,
    Pnpm,
    Bun,
    /// The Go module cache (`go mod download`, and every build that fetches modules).
    GoModules,
    /// The Go build cache (`go build`, `go test`, `go install`).
    GoBuild,
    Cargo,
    Maven,
    Gradle,
    Sbt,
    Composer,
    Bundler,
    Gem,
    /// `dotnet` and NuGet.
    Dotnet,
    /// Elixir's `mix` with Hex.
    Mix,
    Ccache,
    Sccache,
}

impl PackageManager {
    /// Every manager, in declaration order.
    pub const ALL: [PackageManager; MANAGER_COUNT] = [
        PackageManager::Apt,
        PackageManager::Apk,
        PackageManager::Dnf,
        PackageManager::Yum,
        PackageManager::Microdnf,
        PackageManager::Zypper,
        PackageManager::Pip,
        PackageManager::Uv,
        PackageManager::Poetry,
        PackageManager::Pipenv,
        PackageManager::Pdm,
        PackageManager::Conda,
        PackageManager::Npm,
        PackageManager::Yarn,
        PackageManager::Pnpm,
        PackageManager::Bun,
        PackageManager::GoModules,
        PackageManager::GoBuild,
        PackageManager::Cargo,
        PackageManager::Maven,
        PackageManager::Gradle,
        PackageManager::Sbt,
        PackageManager::Composer,
        PackageManager::Bundler,
        PackageManager::Gem,
        PackageManager::Dotnet,
        PackageManager::Mix,
        PackageManager::Ccache,
        PackageManager::Sccache,
    ];

    /// The facts about this manager.
    pub fn info(self) -> &'static ManagerInfo {
        &MANAGERS[self as usize]
    }

    /// The name to show users (`npm`, `apt`, `Go modules`).
    pub fn display_name(self) -> &'static str {
        self.info().display_name
    }
}

const MANAGER_COUNT: usize = 29;

/// The home directory of `root`, where the default caches of official images live.
pub const ROOT_HOME: &str = "/root";

/// What layerlint knows about one package manager.
#[derive(Debug)]
pub struct ManagerInfo {
    pub manager: PackageManager,
    pub display_name: &'static str,
    /// Program names (basenames) that run this manager.
    pub programs: &'static [&'static str],
    /// Where the download cache lives by default. A cache mount covers a directory
    /// when its target is that directory or one of its parents.
    pub cache_dirs: &'static [CacheDir],
    /// Environment variables that move the cache.
    pub cache_env: &'static [CacheEnvVar],
    /// Environment variables that turn the cache off.
    pub disabling_env: &'static [DisablingEnv],
    /// Command-line flags that turn the cache off.
    pub disabling_flags: &'static [&'static str],
    /// Commands that empty the cache, which defeats a cache mount.
    pub cleanup_commands: &'static [&'static str],
    /// Whether concurrent builds must not share the cache (`sharing=locked`): the
    /// manager takes an exclusive lock on it and fails, or corrupts it, otherwise.
    pub needs_locked_sharing: bool,
    /// Files an install reads, as name patterns (see [`crate::knowledge::is_manifest`]).
    pub manifests: &'static [&'static str],
    /// The short list of files to copy before the install, for messages.
    pub copy_first: &'static [&'static str],
    /// What else a cache mount needs to be effective, when something does.
    pub mount_advice: Option<&'static str>,
    /// The documentation the cache facts come from.
    pub reference: &'static str,
}

/// One default cache directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheDir {
    pub location: CacheLocation,
    /// Which users the default applies to.
    pub user: CacheUser,
    /// The official image whose environment puts the cache here (`rust`, `golang`),
    /// or `None` when it is the manager's own default.
    pub image: Option<&'static str>,
    /// The flavour of the manager this directory belongs to (`classic`, `berry`).
    pub variant: Option<&'static str>,
}

/// Where a cache directory is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheLocation {
    /// A fixed path.
    Absolute(&'static str),
    /// A path relative to the user's `$HOME` (without a leading `/`).
    Home(&'static str),
}

/// Which users a default cache directory applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheUser {
    Any,
    /// Only when running as root (some managers pick a system path for root).
    Root,
    /// Only when not running as root.
    NonRoot,
}

/// An environment variable that moves a cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheEnvVar {
    pub name: &'static str,
    pub relocation: Relocation,
    /// The flavour of the manager this applies to, when it matters.
    pub variant: Option<&'static str>,
}

/// How a variable's value gives the cache directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relocation {
    /// The value is the cache directory.
    Directory,
    /// The cache is this subdirectory of the value (`CARGO_HOME` + `registry`).
    Subdirectory(&'static str),
    /// The value is a list; its first entry, plus an optional subdirectory, is used.
    FirstListEntry {
        separator: char,
        subdirectory: Option<&'static str>,
    },
    /// The value holds JVM options; the cache is the value of `-D<property>=…`.
    JavaProperty(&'static str),
}

/// An environment variable that turns a cache off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisablingEnv {
    pub name: &'static str,
    /// Whether any value disables the cache (pip treats even `PIP_NO_CACHE_DIR=false`
    /// as set); otherwise only a true value (`1`, `true`, `yes`, `on`) does.
    pub any_value: bool,
}

impl CacheLocation {
    /// The absolute path for a user whose home directory is `home`.
    pub fn resolve(&self, home: &str) -> String {
        match self {
            CacheLocation::Absolute(path) => (*path).to_string(),
            CacheLocation::Home(relative) => format!("{}/{relative}", home.trim_end_matches('/')),
        }
    }
}

impl CacheDir {
    /// Whether this default applies to a user with the given home directory.
    pub fn applies_to_home(&self, home: &str) -> bool {
        let is_root = home.trim_end_matches('/') == ROOT_HOME;
        match self.user {
            CacheUser::Any => true,
            CacheUser::Root => is_root,
            CacheUser::NonRoot => !is_root,
        }
    }
}

impl CacheEnvVar {
    /// The cache directory a value of this variable selects; `None` when the value
    /// does not say (empty, or no `-D` property in JVM options).
    pub fn cache_dir(&self, value: &str) -> Option<String> {
        let value = value.trim();
        let dir = match self.relocation {
            Relocation::Directory => value.to_string(),
            Relocation::Subdirectory(sub) => join(value, sub)?,
            Relocation::FirstListEntry {
                separator,
                subdirectory,
            } => {
                let first = value.split(separator).next()?.trim();
                match subdirectory {
                    Some(sub) => join(first, sub)?,
                    None => first.to_string(),
                }
            }
            Relocation::JavaProperty(property) => value
                .split_whitespace()
                .find_map(|option| {
                    option
                        .strip_prefix("-D")?
                        .strip_prefix(property)?
                        .strip_prefix('=')
                })?
                .trim_matches(|c| c == '"' || c == '\'')
                .to_string(),
        };
        (!dir.is_empty()).then_some(dir)
    }
}

fn join(base: &str, sub: &str) -> Option<String> {
    let base = base.trim_end_matches('/');
    (!base.is_empty()).then(|| format!("{base}/{sub}"))
}

impl DisablingEnv {
    /// Whether setting the variable to `value` turns the cache off.
    pub fn disables(&self, value: &str) -> bool {
        self.any_value
            || matches!(
                value.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
    }
}

/// How a cache directory relates to a path, see [`caches_at`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRelation {
    /// The path is the cache directory.
    Same,
    /// The cache directory is inside the path (a mount there covers it).
    CacheInside,
    /// The path is inside the cache directory (a mount there covers part of it).
    PathInside,
}

/// A cache directory related to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheAtPath {
    pub manager: PackageManager,
    pub dir: &'static CacheDir,
    pub relation: PathRelation,
}

/// The default cache directories related to the absolute `path` for a user whose
/// home is `home`, e.g. to tell which caches a `--mount=type=cache,target=…` holds.
pub fn caches_at(path: &str, home: &str) -> Vec<CacheAtPath> {
    let path = trim_dir(path);
    let mut found = Vec::new();
    for manager in PackageManager::ALL {
        for dir in manager.info().cache_dirs {
            if !dir.applies_to_home(home) {
                continue;
            }
            let resolved = dir.location.resolve(home);
            let cache = trim_dir(&resolved);
            let relation = if cache == path {
                PathRelation::Same
            } else if is_inside(cache, path) {
                PathRelation::CacheInside
            } else if is_inside(path, cache) {
                PathRelation::PathInside
            } else {
                continue;
            };
            found.push(CacheAtPath {
                manager,
                dir,
                relation,
            });
        }
    }
    found
}

fn trim_dir(path: &str) -> &str {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() && path.starts_with('/') {
        "/"
    } else {
        trimmed
    }
}

/// Whether `inner` is strictly inside the directory `outer`.
pub(crate) fn is_inside(inner: &str, outer: &str) -> bool {
    if outer == "/" {
        return inner.len() > 1 && inner.starts_with('/');
    }
    inner
        .strip_prefix(outer)
        .is_some_and(|rest| rest.starts_with('/') && rest.len() > 1)
}

const fn any(location: CacheLocation) -> CacheDir {
    CacheDir {
        location,
        user: CacheUser::Any,
        image: None,
        variant: None,
    }
}

const fn image(location: CacheLocation, image: &'static str) -> CacheDir {
    CacheDir {
        location,
        user: CacheUser::Any,
        image: Some(image),
        variant: None,
    }
}

const fn dir_env(name: &'static str) -> CacheEnvVar {
    CacheEnvVar {
        name,
        relocation: Relocation::Directory,
        variant: None,
    }
}

const fn sub_env(name: &'static str, sub: &'static str) -> CacheEnvVar {
    CacheEnvVar {
        name,
        relocation: Relocation::Subdirectory(sub),
        variant: None,
    }
}

const fn set_env(name: &'static str) -> DisablingEnv {
    DisablingEnv {
        name,
        any_value: false,
    }
}

use CacheLocation::{Absolute, Home};

const PYTHON_REQUIREMENTS: &[&str] = &[
    "*requirements*.txt",
    "*requirements*.in",
    "*constraints*.txt",
    "requirements/",
    "requirements/*.txt",
    "requirements/*.in",
    // Project metadata declares dependencies; copying it alone before installing
    // them is a legitimate pattern, so it counts as a manifest.
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "pip.conf",
];

static MANAGERS: [ManagerInfo; MANAGER_COUNT] = [
    // Docker's cache-mount example uses both apt directories with sharing=locked and
    // removes docker-clean: https://docs.docker.com/reference/dockerfile/#example-cache-apt-packages
    ManagerInfo {
        manager: PackageManager::Apt,
        display_name: "apt",
        programs: &["apt-get", "apt", "aptitude"],
        cache_dirs: &[any(Absolute("/var/cache/apt")), any(Absolute("/var/lib/apt"))],
        cache_env: &[],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &[
            "apt-get clean",
            "apt clean",
            "apt-get autoclean",
            "aptitude clean",
            "rm -rf /var/lib/apt/lists/*",
        ],
        needs_locked_sharing: true,
        manifests: &[],
        copy_first: &[],
        mount_advice: Some(
            "remove /etc/apt/apt.conf.d/docker-clean (and set `Binary::apt::APT::Keep-Downloaded-Packages \"true\";`) so downloaded packages stay in the cache",
        ),
        reference: "https://docs.docker.com/reference/dockerfile/#example-cache-apt-packages",
    },
    // apk-cache(5): apk caches only when /etc/apk/cache links to a directory;
    // --no-cache bypasses it. https://man.archlinux.org/man/apk-cache.5.en
    ManagerInfo {
        manager: PackageManager::Apk,
        display_name: "apk",
        programs: &["apk"],
        cache_dirs: &[any(Absolute("/var/cache/apk")), any(Absolute("/etc/apk/cache"))],
        cache_env: &[],
        disabling_env: &[],
        disabling_flags: &["--no-cache"],
        cleanup_commands: &["apk cache clean", "apk cache purge", "rm -rf /var/cache/apk/*"],
        // apk locks its database and cache; the convention is to lock the mount.
        needs_locked_sharing: true,
        manifests: &[],
        copy_first: &[],
        mount_advice: Some(
            "link the cache (`ln -s /var/cache/apk /etc/apk/cache`) and drop `--no-cache`, or apk keeps nothing",
        ),
        reference: "https://man.archlinux.org/man/apk-cache.5.en",
    },
    // dnf.conf(5): cachedir /var/cache/dnf, keepcache defaults to False.
    // dnf5 moved the cache to /var/cache/libdnf5. https://dnf.readthedocs.io/en/latest/conf_ref.html
    ManagerInfo {
        manager: PackageManager::Dnf,
        display_name: "dnf",
        programs: &["dnf", "dnf5"],
        cache_dirs: &[any(Absolute("/var/cache/dnf")), any(Absolute("/var/cache/libdnf5"))],
        cache_env: &[],
        disabling_env: &[],
        disabling_flags: &["--setopt=keepcache=0", "--setopt=keepcache=False"],
        cleanup_commands: &["dnf clean all", "dnf clean packages", "rm -rf /var/cache/dnf"],
        needs_locked_sharing: true,
        manifests: &[],
        copy_first: &[],
        mount_advice: Some("set `keepcache=True` in /etc/dnf/dnf.conf (or `--setopt=keepcache=True`) so packages stay in the cache"),
        reference: "https://dnf.readthedocs.io/en/latest/conf_ref.html",
    },
    // yum.conf(5): cachedir /var/cache/yum, keepcache=0 by default.
    ManagerInfo {
        manager: PackageManager::Yum,
        display_name: "yum",
        programs: &["yum"],
        cache_dirs: &[any(Absolute("/var/cache/yum"))],
        cache_env: &[],
        disabling_env: &[],
        disabling_flags: &["--setopt=keepcache=0"],
        cleanup_commands: &["yum clean all", "yum clean packages", "rm -rf /var/cache/yum"],
        needs_locked_sharing: true,
        manifests: &[],
        copy_first: &[],
        mount_advice: Some("set `keepcache=1` in /etc/yum.conf so packages stay in the cache"),
        reference: "https://man7.org/linux/man-pages/man5/yum.conf.5.html",
    },
    // microdnf uses libdnf's cache: /var/cache/yum on UBI 8/9, libdnf5's on newer images.
    ManagerInfo {
        manager: PackageManager::Microdnf,
        display_name: "microdnf",
        programs: &["microdnf"],
        cache_dirs: &[
            any(Absolute("/var/cache/yum")),
            any(Absolute("/var/cache/dnf")),
            any(Absolute("/var/cache/libdnf5")),
        ],
        cache_env: &[],
        disabling_env: &[],
        disabling_flags: &["--setopt=keepcache=0"],
        cleanup_commands: &["microdnf clean all"],
        needs_locked_sharing: true,
        manifests: &[],
        copy_first: &[],
        mount_advice: Some("pass `--setopt=keepcache=1` so packages stay in the cache"),
        reference: "https://github.com/rpm-software-management/microdnf",
    },
    // zypper(8): packages are cached under /var/cache/zypp/packages when the
    // repository keeps packages. https://en.opensuse.org/SDB:Zypper_manual
    ManagerInfo {
        manager: PackageManager::Zypper,
        display_name: "zypper",
        programs: &["zypper"],
        cache_dirs: &[any(Absolute("/var/cache/zypp"))],
        cache_env: &[],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &["zypper clean", "zypper cc", "zypper clean --all"],
        needs_locked_sharing: true,
        manifests: &[],
        copy_first: &[],
        mount_advice: Some("enable keeping packages (`zypper modifyrepo --keep-packages --all`)"),
        reference: "https://en.opensuse.org/SDB:Zypper_manual",
    },
    // pip's caching topic: ~/.cache/pip on Linux, honours XDG_CACHE_HOME and
    // PIP_CACHE_DIR; --no-cache-dir disables. https://pip.pypa.io/en/stable/topics/caching/
    ManagerInfo {
        manager: PackageManager::Pip,
        display_name: "pip",
        programs: &["pip", "pip3"],
        cache_dirs: &[any(Home(".cache/pip"))],
        cache_env: &[dir_env("PIP_CACHE_DIR"), sub_env("XDG_CACHE_HOME", "pip")],
        // pip disables the cache for any valid value, even "false" (backward compatibility).
        disabling_env: &[DisablingEnv {
            name: "PIP_NO_CACHE_DIR",
            any_value: true,
        }],
        disabling_flags: &["--no-cache-dir"],
        cleanup_commands: &["pip cache purge", "pip cache remove"],
        needs_locked_sharing: false,
        manifests: PYTHON_REQUIREMENTS,
        copy_first: &["requirements.txt"],
        mount_advice: Some("drop `--no-cache-dir` and `PIP_NO_CACHE_DIR`, which turn the cache off"),
        reference: "https://pip.pypa.io/en/stable/topics/caching/",
    },
    // uv's cache docs and Docker guide: $XDG_CACHE_HOME/uv or ~/.cache/uv, UV_CACHE_DIR,
    // UV_NO_CACHE; a cache mount needs UV_LINK_MODE=copy.
    // https://docs.astral.sh/uv/concepts/cache/ https://docs.astral.sh/uv/guides/integration/docker/
    ManagerInfo {
        manager: PackageManager::Uv,
        display_name: "uv",
        programs: &["uv"],
        cache_dirs: &[any(Home(".cache/uv"))],
        cache_env: &[dir_env("UV_CACHE_DIR"), sub_env("XDG_CACHE_HOME", "uv")],
        disabling_env: &[set_env("UV_NO_CACHE")],
        disabling_flags: &["--no-cache", "-n"],
        cleanup_commands: &["uv cache clean", "uv cache prune"],
        needs_locked_sharing: false,
        manifests: &[
            "pyproject.toml",
            "uv.lock",
            "uv.toml",
            ".python-version",
            "*requirements*.txt",
            "*requirements*.in",
            "requirements/",
            "requirements/*.txt",
        ],
        copy_first: &["pyproject.toml", "uv.lock"],
        mount_advice: Some("set `UV_LINK_MODE=copy`: the cache mount is another filesystem, so uv cannot hard-link from it"),
        reference: "https://docs.astral.sh/uv/guides/integration/docker/",
    },
    // Poetry's configuration: cache-dir defaults to ~/.cache/pypoetry on Linux,
    // POETRY_CACHE_DIR moves it. https://python-poetry.org/docs/configuration/#cache-dir
    ManagerInfo {
        manager: PackageManager::Poetry,
        display_name: "Poetry",
        programs: &["poetry"],
        cache_dirs: &[any(Home(".cache/pypoetry"))],
        cache_env: &[dir_env("POETRY_CACHE_DIR"), sub_env("XDG_CACHE_HOME", "pypoetry")],
        disabling_env: &[set_env("POETRY_NO_CACHE")],
        disabling_flags: &["--no-cache"],
        cleanup_commands: &["poetry cache clear"],
        needs_locked_sharing: false,
        manifests: &["pyproject.toml", "poetry.lock", "poetry.toml"],
        copy_first: &["pyproject.toml", "poetry.lock"],
        mount_advice: None,
        reference: "https://python-poetry.org/docs/configuration/#cache-dir",
    },
    // Pipenv's configuration lists PIPENV_CACHE_DIR; the default is the platform
    // user cache directory. https://pipenv.pypa.io/en/latest/configuration.html
    ManagerInfo {
        manager: PackageManager::Pipenv,
        display_name: "Pipenv",
        programs: &["pipenv"],
        cache_dirs: &[any(Home(".cache/pipenv"))],
        cache_env: &[dir_env("PIPENV_CACHE_DIR"), sub_env("XDG_CACHE_HOME", "pipenv")],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &["pipenv --clear"],
        needs_locked_sharing: false,
        manifests: &["Pipfile", "Pipfile.lock"],
        copy_first: &["Pipfile", "Pipfile.lock"],
        mount_advice: None,
        reference: "https://pipenv.pypa.io/en/latest/configuration.html",
    },
    // PDM's configuration: cache_dir defaults to the user cache dir, PDM_CACHE_DIR.
    // https://pdm-project.org/latest/reference/configuration/
    ManagerInfo {
        manager: PackageManager::Pdm,
        display_name: "PDM",
        programs: &["pdm"],
        cache_dirs: &[any(Home(".cache/pdm"))],
        cache_env: &[dir_env("PDM_CACHE_DIR"), sub_env("XDG_CACHE_HOME", "pdm")],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &["pdm cache clear"],
        needs_locked_sharing: false,
        manifests: &["pyproject.toml", "pdm.lock", "pdm.toml"],
        copy_first: &["pyproject.toml", "pdm.lock"],
        mount_advice: None,
        reference: "https://pdm-project.org/latest/reference/configuration/",
    },
    // conda keeps downloaded packages in pkgs_dirs (<root>/pkgs, CONDA_PKGS_DIRS);
    // the miniconda and micromamba images use the root prefix /opt/conda.
    // https://docs.conda.io/projects/conda/en/stable/user-guide/configuration/custom-env-and-pkg-locations.html
    ManagerInfo {
        manager: PackageManager::Conda,
        display_name: "conda",
        programs: &["conda", "mamba", "micromamba"],
        cache_dirs: &[image(Absolute("/opt/conda/pkgs"), "continuumio/miniconda3"), any(Home(".conda/pkgs"))],
        cache_env: &[
            CacheEnvVar {
                name: "CONDA_PKGS_DIRS",
                relocation: Relocation::FirstListEntry {
                    separator: ',',
                    subdirectory: None,
                },
                variant: None,
            },
            CacheEnvVar {
                name: "MAMBA_ROOT_PREFIX",
                relocation: Relocation::Subdirectory("pkgs"),
                variant: Some("micromamba"),
            },
        ],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &["conda clean", "mamba clean", "micromamba clean"],
        needs_locked_sharing: false,
        manifests: &[
            "environment.yml",
            "environment.yaml",
            "environment*.yml",
            "environment*.yaml",
            "env.yml",
            "env.yaml",
            "conda-lock.yml",
            "*.conda-lock.yml",
            "conda-*.lock",
            ".condarc",
        ],
        copy_first: &["environment.yml"],
        mount_advice: Some("conda hard-links packages into environments; with the cache on a mount they are copied instead, which is slower but correct"),
        reference: "https://docs.conda.io/projects/conda/en/stable/user-guide/configuration/custom-env-and-pkg-locations.html",
    },
    // npm's `cache` setting: ~/.npm, set through npm_config_cache.
    // https://docs.npmjs.com/cli/using-npm/config#cache
    ManagerInfo {
        manager: PackageManager::Npm,
        display_name: "npm",
        programs: &["npm", "npx"],
        cache_dirs: &[any(Home(".npm"))],
        cache_env: &[dir_env("npm_config_cache"), dir_env("NPM_CONFIG_CACHE")],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &["npm cache clean", "npm cache clean --force"],
        needs_locked_sharing: false,
        manifests: &["package.json", "package-lock.json", "npm-shrinkwrap.json", ".npmrc"],
        copy_first: &["package.json", "package-lock.json"],
        mount_advice: None,
        reference: "https://docs.npmjs.com/cli/using-npm/config#cache",
    },
    // Yarn classic: `yarn cache dir` is /usr/local/share/.cache/yarn for root in the node
    // images, YARN_CACHE_FOLDER moves it (https://classic.yarnpkg.com/en/docs/cli/cache).
    // Yarn Berry's global cache is ~/.yarn/berry/cache; cacheFolder/globalFolder move it
    // (https://yarnpkg.com/configuration/yarnrc#cacheFolder).
    ManagerInfo {
        manager: PackageManager::Yarn,
        display_name: "Yarn",
        programs: &["yarn", "yarnpkg"],
        cache_dirs: &[
            CacheDir {
                location: Absolute("/usr/local/share/.cache/yarn"),
                user: CacheUser::Root,
                image: None,
                variant: Some("classic"),
            },
            CacheDir {
                location: Home(".cache/yarn"),
                user: CacheUser::NonRoot,
                image: None,
                variant: Some("classic"),
            },
            CacheDir {
                location: Home(".yarn/berry/cache"),
                user: CacheUser::Any,
                image: None,
                variant: Some("berry"),
            },
        ],
        cache_env: &[
            dir_env("YARN_CACHE_FOLDER"),
            CacheEnvVar {
                name: "YARN_GLOBAL_FOLDER",
                relocation: Relocation::Subdirectory("cache"),
                variant: Some("berry"),
            },
            CacheEnvVar {
                name: "XDG_CACHE_HOME",
                relocation: Relocation::Subdirectory("yarn"),
                variant: Some("classic"),
            },
        ],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &["yarn cache clean"],
        needs_locked_sharing: false,
        manifests: &[
            "package.json",
            "yarn.lock",
            ".yarnrc",
            ".yarnrc.yml",
            ".yarn/**",
        ],
        copy_first: &["package.json", "yarn.lock"],
        mount_advice: Some("with Yarn Berry's Plug'n'Play the packages stay in the cache, so a cache mount leaves them out of the image: use `nodeLinker: node-modules` or keep the project cache"),
        reference: "https://yarnpkg.com/configuration/yarnrc#cacheFolder",
    },
    // pnpm's store-dir: $PNPM_HOME/store, else $XDG_DATA_HOME/pnpm/store, else
    // ~/.local/share/pnpm/store. https://pnpm.io/npmrc#store-dir
    ManagerInfo {
        manager: PackageManager::Pnpm,
        display_name: "pnpm",
        programs: &["pnpm", "pnpx"],
        cache_dirs: &[any(Home(".local/share/pnpm/store"))],
        cache_env: &[
            dir_env("npm_config_store_dir"),
            sub_env("PNPM_HOME", "store"),
            sub_env("XDG_DATA_HOME", "pnpm/store"),
        ],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &["pnpm store prune"],
        needs_locked_sharing: false,
        manifests: &[
            "package.json",
            "pnpm-lock.yaml",
            "pnpm-workspace.yaml",
            ".npmrc",
            ".pnpmfile.cjs",
        ],
        copy_first: &["package.json", "pnpm-lock.yaml"],
        mount_advice: None,
        reference: "https://pnpm.io/npmrc#store-dir",
    },
    // Bun's global cache: ~/.bun/install/cache or BUN_INSTALL_CACHE_DIR; --no-cache.
    // https://bun.sh/docs/install/cache
    ManagerInfo {
        manager: PackageManager::Bun,
        display_name: "Bun",
        programs: &["bun", "bunx"],
        cache_dirs: &[any(Home(".bun/install/cache"))],
        cache_env: &[dir_env("BUN_INSTALL_CACHE_DIR"), sub_env("BUN_INSTALL", "install/cache")],
        disabling_env: &[],
        disabling_flags: &["--no-cache"],
        cleanup_commands: &["bun pm cache rm"],
        needs_locked_sharing: false,
        manifests: &["package.json", "bun.lockb", "bun.lock", "bunfig.toml"],
        copy_first: &["package.json", "bun.lock"],
        mount_advice: None,
        reference: "https://bun.sh/docs/install/cache",
    },
    // The module cache is $GOMODCACHE, default $GOPATH/pkg/mod; the golang images set
    // GOPATH=/go. https://go.dev/ref/mod#module-cache and Docker's Go guide
    // https://docs.docker.com/build/cache/optimize/#use-cache-mounts
    ManagerInfo {
        manager: PackageManager::GoModules,
        display_name: "Go modules",
        programs: &["go"],
        cache_dirs: &[image(Absolute("/go/pkg/mod"), "golang"), any(Home("go/pkg/mod"))],
        cache_env: &[
            dir_env("GOMODCACHE"),
            CacheEnvVar {
                name: "GOPATH",
                relocation: Relocation::FirstListEntry {
                    separator: ':',
                    subdirectory: Some("pkg/mod"),
                },
                variant: None,
            },
        ],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &["go clean -modcache"],
        needs_locked_sharing: false,
        manifests: &["go.mod", "go.sum", "go.work", "go.work.sum"],
        copy_first: &["go.mod", "go.sum"],
        mount_advice: None,
        reference: "https://go.dev/ref/mod#module-cache",
    },
    // The build cache is $GOCACHE, default $XDG_CACHE_HOME/go-build or ~/.cache/go-build.
    // https://pkg.go.dev/cmd/go#hdr-Build_and_test_caching
    ManagerInfo {
        manager: PackageManager::GoBuild,
        display_name: "Go build cache",
        programs: &["go"],
        cache_dirs: &[any(Home(".cache/go-build"))],
        cache_env: &[dir_env("GOCACHE"), sub_env("XDG_CACHE_HOME", "go-build")],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &["go clean -cache"],
        needs_locked_sharing: false,
        manifests: &[],
        copy_first: &[],
        mount_advice: None,
        reference: "https://pkg.go.dev/cmd/go#hdr-Build_and_test_caching",
    },
    // Cargo home: registry/ and git/db/ are the download caches; the rust images set
    // CARGO_HOME=/usr/local/cargo. https://doc.rust-lang.org/cargo/guide/cargo-home.html
    ManagerInfo {
        manager: PackageManager::Cargo,
        display_name: "Cargo",
        programs: &["cargo"],
        cache_dirs: &[
            image(Absolute("/usr/local/cargo/registry"), "rust"),
            image(Absolute("/usr/local/cargo/git/db"), "rust"),
            any(Home(".cargo/registry")),
            any(Home(".cargo/git/db")),
        ],
        cache_env: &[sub_env("CARGO_HOME", "registry"), sub_env("CARGO_HOME", "git/db")],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &[],
        needs_locked_sharing: false,
        manifests: &[
            "Cargo.toml",
            "Cargo.lock",
            "rust-toolchain",
            "rust-toolchain.toml",
            ".cargo/config",
            ".cargo/config.toml",
        ],
        copy_first: &["Cargo.toml", "Cargo.lock"],
        mount_advice: Some("a cache mount on `target/` is not in the image: copy the binary out in the same RUN"),
        reference: "https://doc.rust-lang.org/cargo/guide/cargo-home.html",
    },
    // The local repository is ~/.m2/repository, moved by -Dmaven.repo.local.
    // https://maven.apache.org/guides/mini/guide-configuring-maven.html
    ManagerInfo {
        manager: PackageManager::Maven,
        display_name: "Maven",
        programs: &["mvn", "mvnw", "mvnd"],
        cache_dirs: &[any(Home(".m2/repository"))],
        cache_env: &[
            CacheEnvVar {
                name: "MAVEN_OPTS",
                relocation: Relocation::JavaProperty("maven.repo.local"),
                variant: None,
            },
            CacheEnvVar {
                name: "MAVEN_ARGS",
                relocation: Relocation::JavaProperty("maven.repo.local"),
                variant: None,
            },
        ],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &["mvn dependency:purge-local-repository"],
        needs_locked_sharing: false,
        manifests: &["pom.xml", "mvnw", "mvnw.cmd", ".mvn/**", "settings.xml"],
        copy_first: &["pom.xml"],
        mount_advice: None,
        reference: "https://maven.apache.org/guides/mini/guide-configuring-maven.html",
    },
    // Gradle user home (~/.gradle, GRADLE_USER_HOME) holds caches/ and wrapper/;
    // the gradle images use /home/gradle/.gradle.
    // https://docs.gradle.org/current/userguide/directory_layout.html
    ManagerInfo {
        manager: PackageManager::Gradle,
        display_name: "Gradle",
        programs: &["gradle", "gradlew"],
        cache_dirs: &[
            any(Home(".gradle/caches")),
            any(Home(".gradle/wrapper")),
            image(Absolute("/home/gradle/.gradle/caches"), "gradle"),
        ],
        cache_env: &[sub_env("GRADLE_USER_HOME", "caches"), sub_env("GRADLE_USER_HOME", "wrapper")],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &[],
        needs_locked_sharing: false,
        manifests: &[
            "build.gradle",
            "build.gradle.kts",
            "settings.gradle",
            "settings.gradle.kts",
            "gradle.properties",
            "gradlew",
            "gradlew.bat",
            "gradle/",
            "gradle/wrapper/**",
            "gradle/*.versions.toml",
        ],
        copy_first: &["gradlew", "gradle/", "settings.gradle*", "build.gradle*"],
        mount_advice: None,
        reference: "https://docs.gradle.org/current/userguide/directory_layout.html",
    },
    // sbt resolves through Coursier, whose Linux cache is ~/.cache/coursier
    // (COURSIER_CACHE); sbt itself keeps ~/.sbt and ~/.ivy2. https://get-coursier.io/docs/cache
    ManagerInfo {
        manager: PackageManager::Sbt,
        display_name: "sbt",
        programs: &["sbt"],
        cache_dirs: &[any(Home(".cache/coursier")), any(Home(".sbt")), any(Home(".ivy2/cache"))],
        cache_env: &[dir_env("COURSIER_CACHE"), sub_env("XDG_CACHE_HOME", "coursier")],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &[],
        needs_locked_sharing: false,
        manifests: &["build.sbt", "*.sbt", "project/", "project/build.properties", "project/*.sbt", "project/*.scala"],
        copy_first: &["build.sbt", "project/"],
        mount_advice: None,
        reference: "https://get-coursier.io/docs/cache",
    },
    // Composer's cache-dir: COMPOSER_CACHE_DIR, else $COMPOSER_HOME/cache, else
    // $XDG_CACHE_HOME/composer (~/.cache/composer); the composer image sets COMPOSER_HOME=/tmp.
    // https://getcomposer.org/doc/06-config.md#cache-dir
    ManagerInfo {
        manager: PackageManager::Composer,
        display_name: "Composer",
        programs: &["composer", "composer.phar"],
        cache_dirs: &[
            image(Absolute("/tmp/cache"), "composer"),
            any(Home(".cache/composer")),
            any(Home(".composer/cache")),
        ],
        cache_env: &[
            dir_env("COMPOSER_CACHE_DIR"),
            sub_env("COMPOSER_HOME", "cache"),
            sub_env("XDG_CACHE_HOME", "composer"),
        ],
        disabling_env: &[],
        disabling_flags: &["--no-cache"],
        cleanup_commands: &["composer clear-cache", "composer clearcache", "composer cc"],
        needs_locked_sharing: false,
        manifests: &["composer.json", "composer.lock", "auth.json"],
        copy_first: &["composer.json", "composer.lock"],
        mount_advice: None,
        reference: "https://getcomposer.org/doc/06-config.md#cache-dir",
    },
    // The ruby images set GEM_HOME=/usr/local/bundle; RubyGems keeps downloaded .gem files
    // in $GEM_HOME/cache. https://github.com/docker-library/ruby and
    // https://bundler.io/man/bundle-config.1.html
    ManagerInfo {
        manager: PackageManager::Bundler,
        display_name: "Bundler",
        programs: &["bundle", "bundler"],
        cache_dirs: &[image(Absolute("/usr/local/bundle/cache"), "ruby"), any(Home(".bundle/cache"))],
        cache_env: &[sub_env("GEM_HOME", "cache"), dir_env("BUNDLE_USER_CACHE")],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &[],
        needs_locked_sharing: false,
        manifests: &["Gemfile", "Gemfile.lock", "gems.rb", "gems.locked", "*.gemspec", ".ruby-version"],
        copy_first: &["Gemfile", "Gemfile.lock"],
        mount_advice: Some("mount only the `cache` folder: installed gems live next to it in GEM_HOME and must stay in the image"),
        reference: "https://bundler.io/man/bundle-config.1.html",
    },
    ManagerInfo {
        manager: PackageManager::Gem,
        display_name: "RubyGems",
        programs: &["gem"],
        cache_dirs: &[image(Absolute("/usr/local/bundle/cache"), "ruby"), any(Home(".gem"))],
        cache_env: &[sub_env("GEM_HOME", "cache")],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &[],
        needs_locked_sharing: false,
        manifests: &[],
        copy_first: &[],
        mount_advice: Some("mount only the `cache` folder: installed gems live next to it in GEM_HOME and must stay in the image"),
        reference: "https://guides.rubygems.org/command-reference/#gem-install",
    },
    // NuGet's global packages folder: ~/.nuget/packages, NUGET_PACKAGES.
    // https://learn.microsoft.com/nuget/consume-packages/managing-the-global-packages-and-cache-folders
    ManagerInfo {
        manager: PackageManager::Dotnet,
        display_name: "NuGet",
        programs: &["dotnet"],
        cache_dirs: &[any(Home(".nuget/packages")), any(Home(".local/share/NuGet/http-cache"))],
        cache_env: &[dir_env("NUGET_PACKAGES"), dir_env("NUGET_HTTP_CACHE_PATH")],
        disabling_env: &[],
        disabling_flags: &["--no-http-cache"],
        cleanup_commands: &["dotnet nuget locals all --clear"],
        needs_locked_sharing: false,
        manifests: &[
            "*.csproj",
            "*.fsproj",
            "*.vbproj",
            "*.sln",
            "*.slnx",
            "*.slnf",
            "Directory.Build.props",
            "Directory.Build.targets",
            "Directory.Packages.props",
            "NuGet.config",
            "global.json",
            "packages.lock.json",
            "dotnet-tools.json",
        ],
        copy_first: &["*.csproj", "*.sln"],
        mount_advice: None,
        reference: "https://learn.microsoft.com/nuget/consume-packages/managing-the-global-packages-and-cache-folders",
    },
    // Hex and Mix keep their caches in ~/.hex and ~/.mix (HEX_HOME, MIX_HOME).
    // https://hexdocs.pm/hex/Mix.Tasks.Hex.Config.html https://hexdocs.pm/mix/Mix.html
    ManagerInfo {
        manager: PackageManager::Mix,
        display_name: "Mix",
        programs: &["mix"],
        cache_dirs: &[any(Home(".hex")), any(Home(".mix"))],
        cache_env: &[dir_env("HEX_HOME"), dir_env("MIX_HOME")],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &[],
        needs_locked_sharing: false,
        manifests: &["mix.exs", "mix.lock", "config/*.exs"],
        copy_first: &["mix.exs", "mix.lock"],
        mount_advice: Some("`mix local.hex` installs Hex into MIX_HOME: run it outside the cache mount or keep MIX_HOME in the image"),
        reference: "https://hexdocs.pm/hex/Mix.Tasks.Hex.Config.html",
    },
    // ccache 4 uses ~/.ccache if it exists, else $XDG_CACHE_HOME/ccache or ~/.cache/ccache;
    // CCACHE_DIR moves it. https://ccache.dev/manual/latest.html#config_cache_dir
    ManagerInfo {
        manager: PackageManager::Ccache,
        display_name: "ccache",
        programs: &["ccache"],
        cache_dirs: &[any(Home(".cache/ccache")), any(Home(".ccache"))],
        cache_env: &[dir_env("CCACHE_DIR"), sub_env("XDG_CACHE_HOME", "ccache")],
        disabling_env: &[set_env("CCACHE_DISABLE")],
        disabling_flags: &[],
        cleanup_commands: &["ccache -C", "ccache --clear"],
        needs_locked_sharing: false,
        manifests: &[],
        copy_first: &[],
        mount_advice: None,
        reference: "https://ccache.dev/manual/latest.html#config_cache_dir",
    },
    // sccache's local disk cache: ~/.cache/sccache on Linux, SCCACHE_DIR.
    // https://github.com/mozilla/sccache/blob/main/docs/Local.md
    ManagerInfo {
        manager: PackageManager::Sccache,
        display_name: "sccache",
        programs: &["sccache"],
        cache_dirs: &[any(Home(".cache/sccache"))],
        cache_env: &[dir_env("SCCACHE_DIR"), sub_env("XDG_CACHE_HOME", "sccache")],
        disabling_env: &[],
        disabling_flags: &[],
        cleanup_commands: &[],
        needs_locked_sharing: false,
        manifests: &[],
        copy_first: &[],
        mount_advice: None,
        reference: "https://github.com/mozilla/sccache/blob/main/docs/Local.md",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_enum_order() {
        for (index, manager) in PackageManager::ALL.iter().enumerate() {
            assert_eq!(*manager as usize, index);
            assert_eq!(MANAGERS[index].manager, *manager, "entry {index}");
        }
    }

    #[test]
    fn every_manager_has_a_cache_and_a_program() {
        for manager in PackageManager::ALL {
            let info = manager.info();
            assert!(!info.cache_dirs.is_empty(), "{manager:?}");
            assert!(!info.programs.is_empty(), "{manager:?}");
            assert!(info.reference.starts_with("https://"), "{manager:?}");
        }
    }

    #[test]
    fn home_relative_caches_follow_the_user() {
        let npm = PackageManager::Npm.info().cache_dirs[0];
        assert_eq!(npm.location.resolve(ROOT_HOME), "/root/.npm");
        assert_eq!(npm.location.resolve("/home/node/"), "/home/node/.npm");
    }

    #[test]
    fn yarn_classic_uses_a_system_path_only_for_root() {
        let dirs = PackageManager::Yarn.info().cache_dirs;
        let for_root: Vec<String> = dirs
            .iter()
            .filter(|d| d.applies_to_home(ROOT_HOME) && d.variant == Some("classic"))
            .map(|d| d.location.resolve(ROOT_HOME))
            .collect();
        assert_eq!(for_root, vec!["/usr/local/share/.cache/yarn"]);
        let for_node: Vec<String> = dirs
            .iter()
            .filter(|d| d.applies_to_home("/home/node") && d.variant == Some("classic"))
            .map(|d| d.location.resolve("/home/node"))
            .collect();
        assert_eq!(for_node, vec!["/home/node/.cache/yarn"]);
    }

    #[test]
    fn env_vars_move_caches() {
        let pip = PackageManager::Pip.info();
        assert_eq!(
            pip.cache_env[0].cache_dir("/tmp/pip"),
            Some("/tmp/pip".into())
        );
        assert_eq!(
            pip.cache_env[1].cache_dir("/cache/"),
            Some("/cache/pip".into())
        );
        let cargo = PackageManager::Cargo.info();
        assert_eq!(
            cargo.cache_env[0].cache_dir("/cargo"),
            Some("/cargo/registry".into())
        );
        let go = PackageManager::GoModules.info();
        assert_eq!(
            go.cache_env[1].cache_dir("/go:/other"),
            Some("/go/pkg/mod".into())
        );
        let maven = PackageManager::Maven.info();
        assert_eq!(
            maven.cache_env[0].cache_dir("-Xmx1g -Dmaven.repo.local=/m2/repo"),
            Some("/m2/repo".into())
        );
        assert_eq!(maven.cache_env[0].cache_dir("-Xmx1g"), None);
        let pnpm = PackageManager::Pnpm.info();
        assert_eq!(
            pnpm.cache_env[1].cache_dir("/pnpm"),
            Some("/pnpm/store".into())
        );
        assert_eq!(pip.cache_env[0].cache_dir("  "), None);
    }

    #[test]
    fn disabling_env_values() {
        let pip = PackageManager::Pip.info().disabling_env[0];
        assert!(pip.disables("false"));
        let uv = PackageManager::Uv.info().disabling_env[0];
        assert!(uv.disables("1"));
        assert!(!uv.disables("0"));
    }

    #[test]
    fn only_system_managers_need_locked_sharing() {
        let locked: Vec<PackageManager> = PackageManager::ALL
            .into_iter()
            .filter(|m| m.info().needs_locked_sharing)
            .collect();
        use PackageManager::*;
        assert_eq!(locked, vec![Apt, Apk, Dnf, Yum, Microdnf, Zypper]);
    }

    #[test]
    fn caches_at_finds_what_a_mount_covers() {
        let at_cache = caches_at("/root/.cache", ROOT_HOME);
        assert!(at_cache
            .iter()
            .any(|c| c.manager == PackageManager::Pip && c.relation == PathRelation::CacheInside));
        let apt = caches_at("/var/cache/apt/", ROOT_HOME);
        assert!(apt
            .iter()
            .any(|c| c.manager == PackageManager::Apt && c.relation == PathRelation::Same));
        let archives = caches_at("/var/cache/apt/archives", ROOT_HOME);
        assert!(archives
            .iter()
            .any(|c| c.relation == PathRelation::PathInside));
        assert!(caches_at("/app/node_modules", ROOT_HOME).is_empty());
        assert!(caches_at("/root/.npm", "/home/node").is_empty());
    }

    #[test]
    fn is_inside_needs_a_component_boundary() {
        assert!(is_inside("/root/.npm/_cacache", "/root/.npm"));
        assert!(!is_inside("/root/.npmrc", "/root/.npm"));
        assert!(!is_inside("/root/.npm", "/root/.npm"));
        assert!(is_inside("/x", "/"));
    }
}
