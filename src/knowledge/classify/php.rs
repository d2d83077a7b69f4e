//! PHP: Composer.

use super::args;
use super::{Invocation, InvocationKind as Kind};
use crate::knowledge::PackageManager;
use crate::shell::SimpleCommand;

/// `php composer.phar …` or `php /usr/bin/composer …`; other PHP scripts are not
/// package managers.
pub(super) fn php(cmd: &SimpleCommand) -> Option<Invocation> {
    let script = cmd.words.get(1)?.value.rsplit('/').next()?;
    matches!(script, "composer" | "composer.phar").then(|| composer(cmd, 2))
}

/// `composer` with its first argument at `start`.
pub(super) fn composer(cmd: &SimpleCommand, start: usize) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        start,
        &[
            "-d",
            "--working-dir",
            "--ignore-platform-req",
            "--apcu-autoloader-prefix",
        ],
    );
    let named = |position: usize| -> Vec<String> {
        parsed
            .positional_values_from(position)
            .into_iter()
            .map(str::to_string)
            .collect()
    };
    let mut invocation = match parsed.positional(0) {
        Some(verb)
            if matches!(
                verb.value,
                "install" | "i" | "update" | "u" | "upgrade" | "require" | "r" | "reinstall"
            ) =>
        {
            let mut install = Invocation::new(
                PackageManager::Composer,
                Kind::DependencyInstall,
                cmd,
                verb.index,
            );
            install.packages = named(1);
            install.from_manifest = true;
            install
        }
        Some(global) if global.value == "global" => match parsed.positional(1) {
            Some(verb) if matches!(verb.value, "require" | "r" | "update") => {
                let mut install = Invocation::new(
                    PackageManager::Composer,
                    Kind::DependencyInstall,
                    cmd,
                    verb.index,
                );
                install.packages = named(2);
                install
            }
            _ => Invocation::other(PackageManager::Composer, cmd),
        },
        Some(verb) if verb.value == "create-project" => {
            let mut create = Invocation::new(
                PackageManager::Composer,
                Kind::DependencyInstall,
                cmd,
                verb.index,
            );
            create.packages = named(1);
            create
        }
        Some(verb) if matches!(verb.value, "clear-cache" | "clearcache" | "cc") => {
            Invocation::new(PackageManager::Composer, Kind::CacheClean, cmd, verb.index)
        }
        _ => Invocation::other(PackageManager::Composer, cmd),
    };
    invocation.disables_cache = parsed.has(&["--no-cache"]);
    invocation
}

#[cfg(test)]
mod tests {
    use crate::knowledge::classify::test_support::{check, cmd};
    use crate::knowledge::{classify, InvocationKind as K, PackageManager as M};

    #[test]
    fn composer_commands() {
        let install = check(
            "composer install --no-dev --no-scripts --prefer-dist",
            M::Composer,
            K::DependencyInstall,
        );
        assert!(install.from_manifest);
        check(
            "composer require monolog/monolog",
            M::Composer,
            K::DependencyInstall,
        );
        let global = check(
            "composer global require laravel/installer",
            M::Composer,
            K::DependencyInstall,
        );
        assert!(!global.from_manifest);
        check("composer dump-autoload --optimize", M::Composer, K::Other);
        check(
            "php composer.phar install",
            M::Composer,
            K::DependencyInstall,
        );
        check(
            "php /usr/local/bin/composer install",
            M::Composer,
            K::DependencyInstall,
        );
        assert!(classify(&cmd("php artisan migrate")).is_none());
        check("composer clear-cache", M::Composer, K::CacheClean);
    }
}
