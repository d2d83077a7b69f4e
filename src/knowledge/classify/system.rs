//! System package managers: apt, apk, the RPM family and zypper.

use super::args::{self, ParsedArgs};
use super::{Invocation, InvocationKind as Kind};
use crate::knowledge::PackageManager;
use crate::shell::SimpleCommand;

/// Fills verb position, packages and local package files from the positionals after
/// the verb.
fn with_verb(
    manager: PackageManager,
    kind: Kind,
    cmd: &SimpleCommand,
    parsed: &ParsedArgs,
    verb_position: usize,
    package_suffix: &str,
) -> Invocation {
    let verb_index = parsed.positional(verb_position).map_or(0, |p| p.index);
    let mut invocation = Invocation::new(manager, kind, cmd, verb_index);
    if kind == Kind::DependencyInstall {
        for value in parsed.positional_values_from(verb_position + 1) {
            if value.ends_with(package_suffix) && value.contains('/') {
                invocation.reads_files.push(value.to_string());
            } else {
                invocation.packages.push(value.to_string());
            }
        }
    }
    invocation
}

/// `apt-get`, `apt` and `aptitude`.
pub(super) fn apt(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "-o",
            "--option",
            "-c",
            "--config-file",
            "-t",
            "--target-release",
            "--default-release",
        ],
    );
    let kind = match parsed.positional(0).map(|p| p.value) {
        Some(
            "install" | "reinstall" | "upgrade" | "dist-upgrade" | "full-upgrade" | "safe-upgrade"
            | "build-dep" | "download",
        ) => Kind::DependencyInstall,
        Some("update") => Kind::IndexUpdate,
        Some("clean" | "autoclean" | "auto-clean") => Kind::CacheClean,
        _ => Kind::Other,
    };
    let mut invocation = with_verb(PackageManager::Apt, kind, cmd, &parsed, 0, ".deb");
    // apt deletes each .deb after installing it when this option is false.
    invocation.disables_cache = parsed.values(&["-o", "--option"]).iter().any(|v| {
        v.to_ascii_lowercase()
            .contains("keep-downloaded-packages=false")
    });
    invocation.from_manifest = !invocation.reads_files.is_empty();
    invocation
}

/// Alpine's `apk`.
pub(super) fn apk(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "-X",
            "--repository",
            "-p",
            "--root",
            "--cache-dir",
            "-t",
            "--virtual",
            "--keys-dir",
            "--repositories-file",
            "--arch",
            "--cache-max-age",
        ],
    );
    let (kind, verb_position) = match parsed.positional(0).map(|p| p.value) {
        Some("add" | "upgrade" | "fix") => (Kind::DependencyInstall, 0),
        Some("update") => (Kind::IndexUpdate, 0),
        Some("cache") => match parsed.positional(1).map(|p| p.value) {
            Some("clean" | "purge") => (Kind::CacheClean, 1),
            _ => (Kind::Other, 0),
        },
        _ => (Kind::Other, 0),
    };
    let mut invocation = with_verb(
        PackageManager::Apk,
        kind,
        cmd,
        &parsed,
        verb_position,
        ".apk",
    );
    invocation.disables_cache = parsed.has(&["--no-cache"]);
    invocation.cache_dir_override = parsed.last_value(&["--cache-dir"]).map(str::to_string);
    invocation.from_manifest = !invocation.reads_files.is_empty();
    invocation
}

/// `dnf`, `yum` and `microdnf`, which share their command line.
pub(super) fn rpm(cmd: &SimpleCommand, manager: PackageManager) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "--setopt",
            "--enablerepo",
            "--disablerepo",
            "--installroot",
            "--releasever",
            "-c",
            "--config",
            "--repo",
            "--repoid",
            "-x",
            "--exclude",
            "--forcearch",
            "--destdir",
            "--downloaddir",
        ],
    );
    let (kind, verb_position) = match parsed.positional(0).map(|p| p.value) {
        Some(
            "install" | "reinstall" | "upgrade" | "update" | "groupinstall" | "localinstall"
            | "builddep" | "distro-sync" | "upgrade-minimal" | "downgrade",
        ) => (Kind::DependencyInstall, 0),
        Some("group" | "groups" | "module") => match parsed.positional(1).map(|p| p.value) {
            Some("install" | "upgrade" | "update") => (Kind::DependencyInstall, 1),
            _ => (Kind::Other, 0),
        },
        Some("makecache") => (Kind::IndexUpdate, 0),
        Some("clean") => (Kind::CacheClean, 0),
        _ => (Kind::Other, 0),
    };
    let mut invocation = with_verb(manager, kind, cmd, &parsed, verb_position, ".rpm");
    let settings = parsed.values(&["--setopt"]);
    invocation.disables_cache = settings.iter().any(|setting| {
        setting.split_once('=').is_some_and(|(key, value)| {
            key == "keepcache"
                && matches!(value.to_ascii_lowercase().as_str(), "0" | "false" | "no")
        })
    });
    invocation.cache_dir_override = settings
        .iter()
        .find_map(|setting| setting.strip_prefix("cachedir="))
        .map(str::to_string);
    invocation.from_manifest = !invocation.reads_files.is_empty();
    invocation
}

/// openSUSE's `zypper`.
pub(super) fn zypper(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "--root",
            "-R",
            "--reposd-dir",
            "-D",
            "--cache-dir",
            "-C",
            "--pkg-cache-dir",
            "--config",
            "-c",
            "-t",
            "--type",
            "-r",
            "--repo",
            "--from",
        ],
    );
    let kind = match parsed.positional(0).map(|p| p.value) {
        Some(
            "install" | "in" | "update" | "up" | "dist-upgrade" | "dup" | "patch"
            | "source-install" | "si",
        ) => Kind::DependencyInstall,
        Some("refresh" | "ref") => Kind::IndexUpdate,
        Some("clean" | "cc") => Kind::CacheClean,
        _ => Kind::Other,
    };
    let mut invocation = with_verb(PackageManager::Zypper, kind, cmd, &parsed, 0, ".rpm");
    invocation.cache_dir_override = parsed
        .last_value(&["--pkg-cache-dir", "--cache-dir", "-C"])
        .map(str::to_string);
    invocation.from_manifest = !invocation.reads_files.is_empty();
    invocation
}

#[cfg(test)]
mod tests {
    use crate::knowledge::classify::test_support::cmd;
    use crate::knowledge::{classify, InvocationKind as K, PackageManager as M};

    fn check(text: &str, manager: M, kind: K) -> crate::knowledge::Invocation {
        let invocation = classify(&cmd(text)).unwrap_or_else(|| panic!("{text}"));
        assert_eq!(
            (invocation.manager, invocation.kind),
            (manager, kind),
            "{text}"
        );
        invocation
    }

    #[test]
    fn apt_verbs() {
        check("apt-get update", M::Apt, K::IndexUpdate);
        check("apt update", M::Apt, K::IndexUpdate);
        let install = check(
            "apt-get -y -q install --no-install-recommends curl ca-certificates",
            M::Apt,
            K::DependencyInstall,
        );
        assert_eq!(install.packages, vec!["curl", "ca-certificates"]);
        assert!(!install.from_manifest);
        check(
            "apt-get -o Dpkg::Options::=--force-confold install -y vim",
            M::Apt,
            K::DependencyInstall,
        );
        check("apt-get upgrade -y", M::Apt, K::DependencyInstall);
        check("apt-get dist-upgrade", M::Apt, K::DependencyInstall);
        check("aptitude install -y git", M::Apt, K::DependencyInstall);
        check("apt-get clean", M::Apt, K::CacheClean);
        check("apt-get purge -y --auto-remove gcc", M::Apt, K::Other);
        check("apt-get autoremove -y", M::Apt, K::Other);
    }

    #[test]
    fn apt_option_values_are_not_verbs() {
        let invocation = check(
            "apt-get -t bookworm-backports install -y golang",
            M::Apt,
            K::DependencyInstall,
        );
        assert_eq!(invocation.verb_index, 3);
        assert_eq!(invocation.packages, vec!["golang"]);
    }

    #[test]
    fn apt_local_deb_files_are_read() {
        let invocation = check("apt-get install -y ./pkg.deb", M::Apt, K::DependencyInstall);
        assert_eq!(invocation.reads_files, vec!["./pkg.deb"]);
        assert!(invocation.from_manifest);
    }

    #[test]
    fn apt_keep_downloaded_false_disables_the_cache() {
        let invocation = check(
            "apt-get -o APT::Keep-Downloaded-Packages=false install x",
            M::Apt,
            K::DependencyInstall,
        );
        assert!(invocation.disables_cache);
    }

    #[test]
    fn apk_verbs() {
        let add = check(
            "apk add --no-cache --virtual .build-deps gcc musl-dev",
            M::Apk,
            K::DependencyInstall,
        );
        assert!(add.disables_cache);
        assert_eq!(add.packages, vec!["gcc", "musl-dev"]);
        let cached = check("apk add -U curl", M::Apk, K::DependencyInstall);
        assert!(!cached.disables_cache);
        check("apk update", M::Apk, K::IndexUpdate);
        check("apk upgrade --available", M::Apk, K::DependencyInstall);
        check("apk del .build-deps", M::Apk, K::Other);
        check("apk cache clean", M::Apk, K::CacheClean);
        check("apk cache sync", M::Apk, K::Other);
    }

    #[test]
    fn rpm_family_verbs() {
        check("dnf install -y gcc", M::Dnf, K::DependencyInstall);
        check(
            "dnf -y --setopt=install_weak_deps=False install gcc",
            M::Dnf,
            K::DependencyInstall,
        );
        check("dnf makecache", M::Dnf, K::IndexUpdate);
        check("dnf clean all", M::Dnf, K::CacheClean);
        check(
            "dnf group install -y 'Development Tools'",
            M::Dnf,
            K::DependencyInstall,
        );
        check(
            "yum groupinstall -y Development",
            M::Yum,
            K::DependencyInstall,
        );
        check("yum update -y", M::Yum, K::DependencyInstall);
        check("yum clean all", M::Yum, K::CacheClean);
        check(
            "microdnf install -y --nodocs shadow-utils",
            M::Microdnf,
            K::DependencyInstall,
        );
        check("microdnf clean all", M::Microdnf, K::CacheClean);
        check("dnf5 install -y git", M::Dnf, K::DependencyInstall);
        check("dnf remove -y gcc", M::Dnf, K::Other);
        check("dnf repolist", M::Dnf, K::Other);
    }

    #[test]
    fn dnf_cache_settings() {
        let kept = check(
            "dnf install -y --setopt=keepcache=True git",
            M::Dnf,
            K::DependencyInstall,
        );
        assert!(!kept.disables_cache);
        let moved = check(
            "dnf --setopt cachedir=/cache install git",
            M::Dnf,
            K::DependencyInstall,
        );
        assert_eq!(moved.cache_dir_override.as_deref(), Some("/cache"));
        let local = check(
            "dnf localinstall -y /tmp/x.rpm",
            M::Dnf,
            K::DependencyInstall,
        );
        assert_eq!(local.reads_files, vec!["/tmp/x.rpm"]);
    }

    #[test]
    fn zypper_verbs() {
        check(
            "zypper --non-interactive install -y curl",
            M::Zypper,
            K::DependencyInstall,
        );
        check("zypper in -y git", M::Zypper, K::DependencyInstall);
        check("zypper refresh", M::Zypper, K::IndexUpdate);
        check("zypper ref", M::Zypper, K::IndexUpdate);
        check("zypper clean --all", M::Zypper, K::CacheClean);
        check("zypper search git", M::Zypper, K::Other);
    }
}
