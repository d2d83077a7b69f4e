//! JavaScript package managers: npm, Yarn, pnpm and Bun.

use super::args::{self, ParsedArgs, Positional};
use super::{Invocation, InvocationKind as Kind};
use crate::knowledge::PackageManager;
use crate::shell::SimpleCommand;

/// A dependency install at `verb`, with the positionals after it as packages.
fn install(
    manager: PackageManager,
    cmd: &SimpleCommand,
    parsed: &ParsedArgs,
    verb: Positional,
    global: bool,
) -> Invocation {
    let mut invocation = Invocation::new(manager, Kind::DependencyInstall, cmd, verb.index);
    let position = parsed
        .positionals
        .iter()
        .position(|p| p.index == verb.index)
        .map_or(0, |p| p + 1);
    invocation.packages = parsed
        .positional_values_from(position)
        .into_iter()
        .map(str::to_string)
        .collect();
    // A project-scoped install resolves against package.json even when it names packages.
    invocation.from_manifest = !global;
    invocation
}

fn is_global(parsed: &ParsedArgs) -> bool {
    parsed.has(&["-g", "--global"]) || parsed.values(&["--location"]).contains(&"global")
}

/// npm's command aliases, from `npm help install` and `npm help ci`.
const NPM_INSTALL: &[&str] = &[
    "install",
    "i",
    "in",
    "ins",
    "inst",
    "insta",
    "instal",
    "isnt",
    "isnta",
    "isntal",
    "isntall",
    "add",
    "install-test",
    "it",
    "install-ci-test",
    "cit",
];
const NPM_CI: &[&str] = &[
    "ci",
    "clean-install",
    "ic",
    "install-clean",
    "isntall-clean",
];
const NPM_UPDATE: &[&str] = &["update", "up", "upgrade", "udpate"];

/// `npm`.
pub(super) fn npm(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "--prefix",
            "--cache",
            "--registry",
            "-w",
            "--workspace",
            "--omit",
            "--include",
            "--userconfig",
            "--loglevel",
            "--install-strategy",
            "--tag",
            "--location",
        ],
    );
    let mut invocation = match parsed.positional(0) {
        Some(verb) if NPM_INSTALL.contains(&verb.value) => {
            install(PackageManager::Npm, cmd, &parsed, verb, is_global(&parsed))
        }
        Some(verb) if NPM_CI.contains(&verb.value) || NPM_UPDATE.contains(&verb.value) => {
            install(PackageManager::Npm, cmd, &parsed, verb, false)
        }
        Some(verb) if verb.value == "cache" => match parsed.positional(1) {
            Some(clean) if matches!(clean.value, "clean" | "clear" | "rm") => {
                Invocation::new(PackageManager::Npm, Kind::CacheClean, cmd, clean.index)
            }
            _ => Invocation::other(PackageManager::Npm, cmd),
        },
        _ => Invocation::other(PackageManager::Npm, cmd),
    };
    invocation.cache_dir_override = parsed.last_value(&["--cache"]).map(str::to_string);
    invocation.target_dir = parsed.last_value(&["--prefix"]).map(str::to_string);
    invocation
}

/// `yarn`, classic or Berry.
pub(super) fn yarn(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "--cwd",
            "--cache-folder",
            "--modules-folder",
            "--network-timeout",
            "--mutex",
            "--registry",
            "--global-folder",
            "--link-folder",
        ],
    );
    let mut invocation = match parsed.positional(0) {
        // Bare `yarn` (flags only) installs.
        None => {
            let mut bare = Invocation::new(PackageManager::Yarn, Kind::DependencyInstall, cmd, 0);
            bare.from_manifest = true;
            bare
        }
        Some(verb) if matches!(verb.value, "install" | "add" | "up" | "upgrade") => {
            install(PackageManager::Yarn, cmd, &parsed, verb, false)
        }
        Some(global) if global.value == "global" => match parsed.positional(1) {
            Some(verb) if matches!(verb.value, "add" | "upgrade") => {
                install(PackageManager::Yarn, cmd, &parsed, verb, true)
            }
            _ => Invocation::other(PackageManager::Yarn, cmd),
        },
        Some(workspaces) if workspaces.value == "workspaces" => match parsed.positional(1) {
            Some(focus) if focus.value == "focus" => {
                let mut focused = Invocation::new(
                    PackageManager::Yarn,
                    Kind::DependencyInstall,
                    cmd,
                    focus.index,
                );
                focused.from_manifest = true;
                focused
            }
            _ => Invocation::other(PackageManager::Yarn, cmd),
        },
        Some(cache) if cache.value == "cache" => match parsed.positional(1) {
            Some(clean) if clean.value == "clean" => {
                Invocation::new(PackageManager::Yarn, Kind::CacheClean, cmd, clean.index)
            }
            _ => Invocation::other(PackageManager::Yarn, cmd),
        },
        // `yarn build`, `yarn run x`, `yarn dlx`: scripts and tools.
        Some(_) => Invocation::other(PackageManager::Yarn, cmd),
    };
    invocation.cache_dir_override = parsed.last_value(&["--cache-folder"]).map(str::to_string);
    invocation.target_dir = parsed.last_value(&["--modules-folder"]).map(str::to_string);
    invocation
}

/// `pnpm`.
pub(super) fn pnpm(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "--filter",
            "-F",
            "--dir",
            "-C",
            "--store-dir",
            "--virtual-store-dir",
            "--modules-dir",
            "--reporter",
            "--registry",
        ],
    );
    let mut invocation = match parsed.positional(0) {
        Some(verb)
            if matches!(
                verb.value,
                "install" | "i" | "add" | "update" | "up" | "upgrade" | "install-test" | "it"
            ) =>
        {
            install(PackageManager::Pnpm, cmd, &parsed, verb, is_global(&parsed))
        }
        Some(verb) if verb.value == "fetch" => {
            // Needs only the lockfile: the usual first step of a cached monorepo build.
            let mut fetch = Invocation::new(
                PackageManager::Pnpm,
                Kind::DependencyInstall,
                cmd,
                verb.index,
            );
            fetch.from_manifest = true;
            fetch
        }
        Some(verb) if verb.value == "deploy" => {
            let mut deploy = Invocation::new(
                PackageManager::Pnpm,
                Kind::DependencyInstall,
                cmd,
                verb.index,
            );
            deploy.from_manifest = true;
            deploy.target_dir = parsed
                .positional_values_from(1)
                .last()
                .map(|d| d.to_string());
            deploy
        }
        Some(store) if store.value == "store" => match parsed.positional(1) {
            Some(prune) if prune.value == "prune" => {
                Invocation::new(PackageManager::Pnpm, Kind::CacheClean, cmd, prune.index)
            }
            _ => Invocation::other(PackageManager::Pnpm, cmd),
        },
        _ => Invocation::other(PackageManager::Pnpm, cmd),
    };
    invocation.cache_dir_override = parsed.last_value(&["--store-dir"]).map(str::to_string);
    invocation
}

/// `bun`.
pub(super) fn bun(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "--cwd",
            "--cache-dir",
            "--registry",
            "--backend",
            "--omit",
            "-c",
            "--config",
        ],
    );
    let mut invocation = match parsed.positional(0) {
        Some(verb) if matches!(verb.value, "install" | "i" | "add" | "a" | "update") => {
            install(PackageManager::Bun, cmd, &parsed, verb, is_global(&parsed))
        }
        Some(pm) if pm.value == "pm" => match (parsed.positional(1), parsed.positional(2)) {
            (Some(cache), Some(rm)) if cache.value == "cache" && rm.value == "rm" => {
                Invocation::new(PackageManager::Bun, Kind::CacheClean, cmd, rm.index)
            }
            _ => Invocation::other(PackageManager::Bun, cmd),
        },
        _ => Invocation::other(PackageManager::Bun, cmd),
    };
    invocation.disables_cache = parsed.has(&["--no-cache"]);
    invocation.cache_dir_override = parsed.last_value(&["--cache-dir"]).map(str::to_string);
    invocation
}

#[cfg(test)]
mod tests {
    use crate::knowledge::classify::test_support::check;
    use crate::knowledge::{InvocationKind as K, PackageManager as M};

    #[test]
    fn npm_installs() {
        let ci = check("npm ci --omit=dev", M::Npm, K::DependencyInstall);
        assert!(ci.from_manifest);
        assert!(ci.reads_files.is_empty());
        check("npm install", M::Npm, K::DependencyInstall);
        check("npm i --no-audit --no-fund", M::Npm, K::DependencyInstall);
        check("npm clean-install", M::Npm, K::DependencyInstall);
        check("npm --omit dev ci", M::Npm, K::DependencyInstall);
        let add = check("npm add lodash", M::Npm, K::DependencyInstall);
        assert_eq!(add.packages, vec!["lodash"]);
        let prefixed = check("npm ci --prefix /app", M::Npm, K::DependencyInstall);
        assert_eq!(prefixed.target_dir.as_deref(), Some("/app"));
    }

    #[test]
    fn npm_global_tools_still_use_the_cache() {
        let global = check("npm install -g pnpm@9", M::Npm, K::DependencyInstall);
        assert!(!global.from_manifest);
        assert_eq!(global.packages, vec!["pnpm@9"]);
        assert!(global.caches.contains(&M::Npm));
        let location = check(
            "npm install --location=global typescript",
            M::Npm,
            K::DependencyInstall,
        );
        assert!(!location.from_manifest);
    }

    #[test]
    fn npm_non_installs() {
        check("npm run build", M::Npm, K::Other);
        check("npm test", M::Npm, K::Other);
        check("npm start", M::Npm, K::Other);
        check("npm exec tsc", M::Npm, K::Other);
        check("npx prisma generate", M::Npm, K::Other);
        check("npm prune --production", M::Npm, K::Other);
        check("npm cache verify", M::Npm, K::Other);
        check("npm cache clean --force", M::Npm, K::CacheClean);
        let moved = check(
            "npm ci --cache /tmp/npm-cache",
            M::Npm,
            K::DependencyInstall,
        );
        assert_eq!(moved.cache_dir_override.as_deref(), Some("/tmp/npm-cache"));
    }

    #[test]
    fn yarn_commands() {
        let bare = check("yarn", M::Yarn, K::DependencyInstall);
        assert!(bare.from_manifest);
        check("yarn --frozen-lockfile", M::Yarn, K::DependencyInstall);
        check("yarn install --immutable", M::Yarn, K::DependencyInstall);
        check(
            "yarn --cwd /app install --production",
            M::Yarn,
            K::DependencyInstall,
        );
        let add = check("yarn add react", M::Yarn, K::DependencyInstall);
        assert_eq!(add.packages, vec!["react"]);
        let global = check("yarn global add serve", M::Yarn, K::DependencyInstall);
        assert!(!global.from_manifest);
        check(
            "yarn workspaces focus --production api",
            M::Yarn,
            K::DependencyInstall,
        );
        check("yarn build", M::Yarn, K::Other);
        check("yarn run build", M::Yarn, K::Other);
        check("yarn dlx create-app", M::Yarn, K::Other);
        check("yarn cache clean", M::Yarn, K::CacheClean);
        let moved = check(
            "yarn install --cache-folder /yarn-cache",
            M::Yarn,
            K::DependencyInstall,
        );
        assert_eq!(moved.cache_dir_override.as_deref(), Some("/yarn-cache"));
    }

    #[test]
    fn pnpm_commands() {
        check(
            "pnpm install --frozen-lockfile",
            M::Pnpm,
            K::DependencyInstall,
        );
        check("pnpm i --offline --prod", M::Pnpm, K::DependencyInstall);
        let fetch = check("pnpm fetch --prod", M::Pnpm, K::DependencyInstall);
        assert!(fetch.from_manifest);
        check("pnpm add -D vitest", M::Pnpm, K::DependencyInstall);
        check("pnpm --filter api install", M::Pnpm, K::DependencyInstall);
        let deploy = check(
            "pnpm deploy --filter=api --prod /out",
            M::Pnpm,
            K::DependencyInstall,
        );
        assert_eq!(deploy.target_dir.as_deref(), Some("/out"));
        check("pnpm run build", M::Pnpm, K::Other);
        check("pnpm -r build", M::Pnpm, K::Other);
        check("pnpm store prune", M::Pnpm, K::CacheClean);
        let store = check(
            "pnpm install --store-dir /pnpm/store",
            M::Pnpm,
            K::DependencyInstall,
        );
        assert_eq!(store.cache_dir_override.as_deref(), Some("/pnpm/store"));
    }

    #[test]
    fn bun_commands() {
        check(
            "bun install --frozen-lockfile",
            M::Bun,
            K::DependencyInstall,
        );
        check("bun i", M::Bun, K::DependencyInstall);
        check("bun add zod", M::Bun, K::DependencyInstall);
        check("bun run build", M::Bun, K::Other);
        check("bun build ./index.ts", M::Bun, K::Other);
        check("bunx tsc", M::Bun, K::Other);
        check("bun pm cache rm", M::Bun, K::CacheClean);
        assert!(check("bun install --no-cache", M::Bun, K::DependencyInstall).disables_cache);
    }
}
