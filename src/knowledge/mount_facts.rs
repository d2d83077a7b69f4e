//! Facts about cache mounts that the manager table does not hold: how BuildKit creates a
//! mount, what a distribution does to the packages it downloads, which build caches live
//! in the project folder, and which folders hold what an install puts in the image.
//!
//! Each constant cites the public source of its fact.

use super::managers::PackageManager;

/// BuildKit creates a new cache mount directory owned by uid 0 and gid 0 with mode 0755,
/// unless `uid`, `gid` or `mode` say otherwise, whatever the owner of the folder it
/// covers in the image: <https://docs.docker.com/reference/dockerfile/#run---mounttypecache>
/// (and moby/buildkit#1237, where this default is discussed).
pub const CACHE_MOUNT_DEFAULT_MODE: &str = "0755";

/// Debian and Ubuntu images ship this file; its `DPkg::Post-Invoke` hook deletes every
/// downloaded `.deb` after each dpkg run, so a cache mount on `/var/cache/apt` keeps
/// nothing until it is removed. Docker's cache-mount example removes it:
/// <https://docs.docker.com/reference/dockerfile/#example-cache-apt-packages>.
pub const APT_DOCKER_CLEAN: &str = "/etc/apt/apt.conf.d/docker-clean";

/// The `apt` front end (not `apt-get`) deletes packages after a successful install unless
/// `Binary::apt::APT::Keep-Downloaded-Packages` is true (apt.conf(5), and the same Docker
/// example, which sets it).
pub const APT_KEEP_DOWNLOADED: &str = "Keep-Downloaded-Packages";

/// apt's two caches: downloaded packages and the package lists (apt.conf(5), `Dir::Cache`
/// and `Dir::State::Lists`).
pub const APT_ARCHIVES_DIR: &str = "/var/cache/apt";
pub const APT_LISTS_DIR: &str = "/var/lib/apt";

/// How a system package manager is told to keep the packages it downloads. Without it the
/// packages are deleted after a successful transaction and a cache mount keeps only the
/// repository metadata.
#[derive(Debug, Clone, Copy)]
pub struct KeepPackages {
    pub manager: PackageManager,
    /// Setting names that enable keeping when given a true value
    /// (`keepcache=True`, `--setopt=keepcache=1`, `keeppackages=1`).
    pub settings: &'static [&'static str],
    /// Flags that enable it on their own (`zypper modifyrepo --keep-packages`).
    pub flags: &'static [&'static str],
    /// What to tell the user.
    pub advice: &'static str,
}

/// dnf.conf(5) `keepcache` (default False): <https://dnf.readthedocs.io/en/latest/conf_ref.html>;
/// yum.conf(5) `keepcache` (default 0): <https://man7.org/linux/man-pages/man5/yum.conf.5.html>;
/// zypper(8) `modifyrepo --keep-packages` / repo `keeppackages` (packages are deleted after
/// installation by default): <https://en.opensuse.org/SDB:Zypper_manual>.
pub const KEEP_PACKAGES: &[KeepPackages] = &[
    KeepPackages {
        manager: PackageManager::Dnf,
        settings: &["keepcache"],
        flags: &[],
        advice: "pass `--setopt=keepcache=True` (or set `keepcache=True` in /etc/dnf/dnf.conf)",
    },
    KeepPackages {
        manager: PackageManager::Microdnf,
        settings: &["keepcache"],
        flags: &[],
        advice: "pass `--setopt=keepcache=1`",
    },
    KeepPackages {
        manager: PackageManager::Yum,
        settings: &["keepcache"],
        flags: &[],
        advice: "pass `--setopt=keepcache=1` (or set `keepcache=1` in /etc/yum.conf)",
    },
    KeepPackages {
        manager: PackageManager::Zypper,
        settings: &["keeppackages"],
        flags: &["--keep-packages", "-k"],
        advice: "run `zypper modifyrepo --all --keep-packages` first",
    },
];

/// The keep-packages facts of a manager, if it deletes packages by default.
pub fn keep_packages(manager: PackageManager) -> Option<&'static KeepPackages> {
    KEEP_PACKAGES.iter().find(|k| k.manager == manager)
}

/// A build cache that lives in the project folder rather than the user's home.
#[derive(Debug, Clone, Copy)]
pub struct ProjectCache {
    pub display_name: &'static str,
    /// The folder, relative to the project (the working directory).
    pub relative: &'static str,
    /// An environment variable that moves it.
    pub env: Option<&'static str>,
    pub reference: &'static str,
}

/// Cargo writes build artifacts, the final binaries included, to `target/` in the workspace
/// root, or to `CARGO_TARGET_DIR`: <https://doc.rust-lang.org/cargo/reference/build-cache.html>.
pub const CARGO_TARGET: ProjectCache = ProjectCache {
    display_name: "Cargo target folder",
    relative: "target",
    env: Some("CARGO_TARGET_DIR"),
    reference: "https://doc.rust-lang.org/cargo/reference/build-cache.html",
};

/// `next build` keeps its build cache in `.next/cache` and reuses it on the next build:
/// <https://nextjs.org/docs/app/guides/ci-build-caching>.
pub const NEXT_CACHE: ProjectCache = ProjectCache {
    display_name: "Next.js build cache",
    relative: ".next/cache",
    env: None,
    reference: "https://nextjs.org/docs/app/guides/ci-build-caching",
};

/// Environment variables that make a build go through a compiler cache.
/// CMake: <https://cmake.org/cmake/help/latest/prop_tgt/LANG_COMPILER_LAUNCHER.html>;
/// Cargo: <https://doc.rust-lang.org/cargo/reference/config.html#buildrustc-wrapper>;
/// `CC`/`CXX` are read by make's implicit rules, autoconf and CMake.
pub const COMPILER_WRAPPER_ENV: &[&str] = &[
    "CC",
    "CXX",
    "CMAKE_C_COMPILER_LAUNCHER",
    "CMAKE_CXX_COMPILER_LAUNCHER",
    "RUSTC_WRAPPER",
    "CARGO_BUILD_RUSTC_WRAPPER",
];

/// sccache stores in a remote backend instead of its local folder when one of these is
/// set: <https://github.com/mozilla/sccache/blob/main/docs/Configuration.md>.
pub const SCCACHE_REMOTE_ENV: &[&str] = &[
    "SCCACHE_BUCKET",
    "SCCACHE_GCS_BUCKET",
    "SCCACHE_AZURE_CONNECTION_STRING",
    "SCCACHE_REDIS",
    "SCCACHE_REDIS_ENDPOINT",
    "SCCACHE_MEMCACHED",
    "SCCACHE_MEMCACHED_ENDPOINT",
    "SCCACHE_GHA_ENABLED",
    "SCCACHE_WEBDAV_ENDPOINT",
    "SCCACHE_OSS_BUCKET",
];

/// uv hard-links from its cache by default; across file systems (a cache mount is one)
/// that fails and uv falls back to copying with a warning. `UV_LINK_MODE` or
/// `--link-mode` choose: <https://docs.astral.sh/uv/guides/integration/docker/#caching>,
/// <https://docs.astral.sh/uv/reference/settings/#link-mode>. With `symlink` the
/// environment points into the cache itself.
pub const UV_LINK_MODE_ENV: &str = "UV_LINK_MODE";
pub const UV_LINK_MODE_FLAG: &str = "--link-mode";

/// Yarn Berry settings that decide where installed packages live. With Plug'n'Play (the
/// default `nodeLinker`) and the global cache (`enableGlobalCache`, default true since
/// Yarn 4), the project's `.pnp.cjs` loads packages from the global cache folder:
/// <https://yarnpkg.com/configuration/yarnrc#nodeLinker>,
/// <https://yarnpkg.com/configuration/yarnrc#enableGlobalCache>.
pub const YARN_NODE_LINKER_ENV: &str = "YARN_NODE_LINKER";
pub const YARN_GLOBAL_CACHE_ENV: &str = "YARN_ENABLE_GLOBAL_CACHE";
pub const YARNRC: &str = ".yarnrc.yml";

/// A folder that holds what an install puts in the image; a cache mount on it hides the
/// result from every later instruction and from the image.
#[derive(Debug, Clone, Copy)]
pub struct InstallDestination {
    /// A folder name (`node_modules`) or, starting with `/`, an absolute path.
    pub folder: &'static str,
    pub holds: &'static str,
}

/// npm installs into `node_modules` (<https://docs.npmjs.com/cli/configuring-npm/folders>);
/// uv and Poetry create the project environment in `.venv`
/// (<https://docs.astral.sh/uv/concepts/projects/layout/#the-project-environment>);
/// pip installs into `site-packages` (Debian: `dist-packages`); Composer and `go mod vendor`
/// write `vendor`; the ruby images keep installed gems in `GEM_HOME=/usr/local/bundle`
/// (<https://github.com/docker-library/ruby>); `next build` writes its output to `.next`.
pub const INSTALL_DESTINATIONS: &[InstallDestination] = &[
    InstallDestination {
        folder: "node_modules",
        holds: "the installed Node packages",
    },
    InstallDestination {
        folder: ".venv",
        holds: "the project's virtual environment",
    },
    InstallDestination {
        folder: "venv",
        holds: "the virtual environment",
    },
    InstallDestination {
        folder: "site-packages",
        holds: "the installed Python packages",
    },
    InstallDestination {
        folder: "dist-packages",
        holds: "the installed Python packages",
    },
    InstallDestination {
        folder: "vendor",
        holds: "the vendored dependencies",
    },
    InstallDestination {
        folder: "/usr/local/bundle",
        holds: "the installed gems",
    },
    InstallDestination {
        folder: ".next",
        holds: "the Next.js build output",
    },
];

/// The install destination a mount target is, if any.
pub fn install_destination(target: &str) -> Option<&'static InstallDestination> {
    let trimmed = target.trim_end_matches('/');
    let name = trimmed.rsplit('/').next().unwrap_or(trimmed);
    INSTALL_DESTINATIONS.iter().find(|d| {
        if d.folder.starts_with('/') {
            d.folder == trimmed
        } else {
            d.folder == name
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_destinations_match_folder_names_and_absolute_paths() {
        assert!(install_destination("/app/node_modules").is_some());
        assert!(install_destination("/app/node_modules/").is_some());
        assert!(install_destination("/usr/local/bundle").is_some());
        assert!(install_destination("/usr/local/bundle/cache").is_none());
        assert!(install_destination("/app/.next/cache").is_none());
        assert!(install_destination("/root/.npm").is_none());
    }

    #[test]
    fn rpm_family_and_zypper_delete_packages_by_default() {
        for m in [
            PackageManager::Dnf,
            PackageManager::Yum,
            PackageManager::Microdnf,
            PackageManager::Zypper,
        ] {
            assert!(keep_packages(m).is_some(), "{m:?}");
        }
        assert!(keep_packages(PackageManager::Apt).is_none());
    }
}
