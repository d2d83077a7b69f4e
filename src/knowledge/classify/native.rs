//! Compiled toolchains with download and build caches: Go, Cargo, ccache, sccache.

use super::args;
use super::{is_local_path, Invocation, InvocationKind as Kind};
use crate::knowledge::PackageManager;
use crate::shell::SimpleCommand;

const GO_VALUE_OPTIONS: &[&str] = &[
    "-o",
    "-C",
    "-ldflags",
    "-gcflags",
    "-asmflags",
    "-gccgoflags",
    "-tags",
    "-mod",
    "-modfile",
    "-p",
    "-pkgdir",
    "-buildmode",
    "-compiler",
    "-installsuffix",
    "-overlay",
    "-pgo",
    "-toolexec",
    "-run",
    "-bench",
    "-count",
    "-timeout",
    "-coverprofile",
    "-covermode",
    "-coverpkg",
    "-exec",
    "-cpu",
    "-parallel",
];

/// `go`.
pub(super) fn go(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(&cmd.words, 1, GO_VALUE_OPTIONS);
    let Some(verb) = parsed.positional(0) else {
        return Invocation::other(PackageManager::GoModules, cmd);
    };
    match verb.value {
        "mod" => match parsed.positional(1) {
            Some(sub) if matches!(sub.value, "download" | "tidy" | "vendor") => {
                let mut download = Invocation::new(
                    PackageManager::GoModules,
                    Kind::DependencyInstall,
                    cmd,
                    sub.index,
                );
                download.from_manifest = true;
                download
            }
            _ => Invocation::other(PackageManager::GoModules, cmd),
        },
        "get" => {
            let mut get = Invocation::new(
                PackageManager::GoModules,
                Kind::DependencyInstall,
                cmd,
                verb.index,
            );
            get.from_manifest = true;
            get.packages = parsed
                .positional_values_from(1)
                .into_iter()
                .map(str::to_string)
                .collect();
            get
        }
        "build" | "test" | "install" | "run" | "vet" => {
            let mut build = Invocation::new(PackageManager::GoBuild, Kind::Build, cmd, verb.index);
            // Builds fetch missing modules as well.
            build.caches = vec![PackageManager::GoBuild, PackageManager::GoModules];
            let targets = parsed.positional_values_from(1);
            // `go install tool@version` ignores the current module.
            let versioned: Vec<&str> = targets
                .iter()
                .copied()
                .filter(|t| t.contains('@'))
                .collect();
            if verb.value == "install" && !versioned.is_empty() {
                build.packages = versioned.into_iter().map(str::to_string).collect();
            } else {
                build.from_manifest = true;
                build.installs_local_project = targets.is_empty()
                    || targets
                        .iter()
                        .any(|t| is_local_path(t) || t.starts_with("./"));
            }
            build.target_dir = parsed.last_value(&["-o"]).map(str::to_string);
            build
        }
        "clean" => {
            if parsed.has(&["-modcache"]) {
                Invocation::new(PackageManager::GoModules, Kind::CacheClean, cmd, verb.index)
            } else if parsed.has(&["-cache"]) {
                Invocation::new(PackageManager::GoBuild, Kind::CacheClean, cmd, verb.index)
            } else {
                Invocation::other(PackageManager::GoBuild, cmd)
            }
        }
        _ => Invocation::other(PackageManager::GoModules, cmd),
    }
}

const CARGO_VALUE_OPTIONS: &[&str] = &[
    "--manifest-path",
    "-p",
    "--package",
    "--bin",
    "--example",
    "--test",
    "--bench",
    "--features",
    "-F",
    "--target",
    "--target-dir",
    "-j",
    "--jobs",
    "--profile",
    "--root",
    "--path",
    "--git",
    "--branch",
    "--tag",
    "--rev",
    "--version",
    "--index",
    "--registry",
    "-Z",
    "--config",
    "--color",
    "--message-format",
    "--recipe-path",
    "--exclude",
];

/// `cargo` (including `cargo chef`).
pub(super) fn cargo(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(&cmd.words, 1, CARGO_VALUE_OPTIONS);
    // `cargo +nightly build`: the toolchain selector is not the verb.
    let positionals: Vec<_> = parsed
        .positionals
        .iter()
        .copied()
        .filter(|p| !p.value.starts_with('+'))
        .collect();
    let Some(verb) = positionals.first().copied() else {
        return Invocation::other(PackageManager::Cargo, cmd);
    };
    let manifest_paths: Vec<String> = parsed
        .values(&["--manifest-path"])
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut invocation = match verb.value {
        "fetch" | "vendor" | "update" | "generate-lockfile" => Invocation::new(
            PackageManager::Cargo,
            Kind::DependencyInstall,
            cmd,
            verb.index,
        ),
        "build" | "b" | "test" | "t" | "run" | "r" | "check" | "c" | "clippy" | "doc" | "d"
        | "bench" | "rustc" => {
            let mut build = Invocation::new(PackageManager::Cargo, Kind::Build, cmd, verb.index);
            build.installs_local_project = true;
            build.target_dir = parsed.last_value(&["--target-dir"]).map(str::to_string);
            build
        }
        "install" => {
            let crates: Vec<String> = positionals[1..]
                .iter()
                .map(|p| p.value.to_string())
                .collect();
            let local = parsed.has(&["--path"]) || crates.iter().any(|c| c == ".");
            let mut install = if local || crates.is_empty() {
                let mut build =
                    Invocation::new(PackageManager::Cargo, Kind::Build, cmd, verb.index);
                build.installs_local_project = true;
                build
            } else {
                let mut tools = Invocation::new(
                    PackageManager::Cargo,
                    Kind::DependencyInstall,
                    cmd,
                    verb.index,
                );
                tools.packages = crates;
                tools
            };
            install.target_dir = parsed.last_value(&["--root"]).map(str::to_string);
            install
        }
        "chef" => match positionals.get(1) {
            Some(cook) if cook.value == "cook" => {
                // cargo-chef builds only the dependencies listed in its recipe.
                let mut cooked = Invocation::new(
                    PackageManager::Cargo,
                    Kind::DependencyInstall,
                    cmd,
                    cook.index,
                );
                cooked.reads_files = vec![parsed
                    .last_value(&["--recipe-path"])
                    .unwrap_or("recipe.json")
                    .to_string()];
                cooked.target_dir = parsed.last_value(&["--target-dir"]).map(str::to_string);
                cooked
            }
            _ => Invocation::other(PackageManager::Cargo, cmd),
        },
        _ => return Invocation::other(PackageManager::Cargo, cmd),
    };
    if invocation.packages.is_empty() {
        invocation.from_manifest = true;
    }
    invocation.reads_files.extend(manifest_paths);
    invocation
}

/// `ccache`: a compiler wrapper (`ccache gcc …`) or cache maintenance (`ccache -C`).
pub(super) fn ccache(cmd: &SimpleCommand) -> Invocation {
    match cmd.words.get(1).map(|w| w.value.as_str()) {
        Some("-C" | "--clear") => Invocation::new(PackageManager::Ccache, Kind::CacheClean, cmd, 1),
        Some(option) if option.starts_with('-') => Invocation::other(PackageManager::Ccache, cmd),
        Some(_) => compiler_wrapper(PackageManager::Ccache, cmd),
        None => Invocation::other(PackageManager::Ccache, cmd),
    }
}

/// `sccache`: a compiler wrapper or server control.
pub(super) fn sccache(cmd: &SimpleCommand) -> Invocation {
    match cmd.words.get(1).map(|w| w.value.as_str()) {
        Some(option) if option.starts_with('-') => Invocation::other(PackageManager::Sccache, cmd),
        Some(_) => compiler_wrapper(PackageManager::Sccache, cmd),
        None => Invocation::other(PackageManager::Sccache, cmd),
    }
}

fn compiler_wrapper(manager: PackageManager, cmd: &SimpleCommand) -> Invocation {
    let mut build = Invocation::new(manager, Kind::Build, cmd, 1);
    build.installs_local_project = true;
    build
}

#[cfg(test)]
mod tests {
    use crate::knowledge::classify::test_support::check;
    use crate::knowledge::{InvocationKind as K, PackageManager as M};

    #[test]
    fn go_downloads() {
        let download = check("go mod download -x", M::GoModules, K::DependencyInstall);
        assert_eq!(download.verb_index, 2);
        assert!(download.from_manifest);
        check("go mod tidy", M::GoModules, K::DependencyInstall);
        check(
            "go get github.com/x/y@v1.2.3",
            M::GoModules,
            K::DependencyInstall,
        );
        check("go mod verify", M::GoModules, K::Other);
    }

    #[test]
    fn go_builds_use_both_caches() {
        let build = check(
            "go build -ldflags=-s -o /bin/app ./cmd/app",
            M::GoBuild,
            K::Build,
        );
        assert_eq!(build.caches, vec![M::GoBuild, M::GoModules]);
        assert!(build.installs_local_project);
        assert_eq!(build.target_dir.as_deref(), Some("/bin/app"));
        check("go test ./...", M::GoBuild, K::Build);
        check("CGO_ENABLED=0 go build .", M::GoBuild, K::Build);
        let tool = check(
            "go install github.com/go-delve/delve/cmd/dlv@latest",
            M::GoBuild,
            K::Build,
        );
        assert!(!tool.from_manifest);
        assert!(!tool.installs_local_project);
        check("go version", M::GoModules, K::Other);
        check("go generate ./...", M::GoModules, K::Other);
        check("go clean -cache", M::GoBuild, K::CacheClean);
        check("go clean -modcache", M::GoModules, K::CacheClean);
    }

    #[test]
    fn cargo_commands() {
        check("cargo fetch --locked", M::Cargo, K::DependencyInstall);
        let build = check("cargo build --release --locked", M::Cargo, K::Build);
        assert!(build.from_manifest);
        assert!(build.installs_local_project);
        check(
            "cargo +nightly build -Z unstable-options",
            M::Cargo,
            K::Build,
        );
        check("cargo test --workspace", M::Cargo, K::Build);
        let tool = check(
            "cargo install ripgrep --locked",
            M::Cargo,
            K::DependencyInstall,
        );
        assert_eq!(tool.packages, vec!["ripgrep"]);
        assert!(!tool.from_manifest);
        let local = check("cargo install --path . --root /out", M::Cargo, K::Build);
        assert_eq!(local.target_dir.as_deref(), Some("/out"));
        let cook = check(
            "cargo chef cook --release --recipe-path recipe.json",
            M::Cargo,
            K::DependencyInstall,
        );
        assert_eq!(cook.reads_files, vec!["recipe.json"]);
        check(
            "cargo chef prepare --recipe-path recipe.json",
            M::Cargo,
            K::Other,
        );
        check("cargo clean", M::Cargo, K::Other);
        check("cargo --version", M::Cargo, K::Other);
        let manifest = check(
            "cargo build --manifest-path app/Cargo.toml",
            M::Cargo,
            K::Build,
        );
        assert_eq!(manifest.reads_files, vec!["app/Cargo.toml"]);
    }

    #[test]
    fn compiler_caches() {
        check("ccache gcc -c main.c", M::Ccache, K::Build);
        check("ccache -s", M::Ccache, K::Other);
        check("ccache -M 5G", M::Ccache, K::Other);
        check("ccache -C", M::Ccache, K::CacheClean);
        check("sccache rustc --version", M::Sccache, K::Build);
        check("sccache --show-stats", M::Sccache, K::Other);
    }
}
