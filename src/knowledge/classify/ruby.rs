//! Ruby: Bundler and RubyGems.

use super::args;
use super::{Invocation, InvocationKind as Kind};
use crate::knowledge::PackageManager;
use crate::shell::SimpleCommand;

/// `bundle` / `bundler`.
pub(super) fn bundler(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "--gemfile",
            "--path",
            "--jobs",
            "-j",
            "--retry",
            "--without",
            "--with",
            "--binstubs",
            "--standalone",
            "--trust-policy",
            "--shebang",
        ],
    );
    let mut invocation = match parsed.positional(0) {
        // Bare `bundle` runs `bundle install`.
        None => Invocation::new(PackageManager::Bundler, Kind::DependencyInstall, cmd, 0),
        Some(verb) if matches!(verb.value, "install" | "update" | "add") => {
            let mut install = Invocation::new(
                PackageManager::Bundler,
                Kind::DependencyInstall,
                cmd,
                verb.index,
            );
            install.packages = parsed
                .positional_values_from(1)
                .into_iter()
                .map(str::to_string)
                .collect();
            install
        }
        Some(_) => return Invocation::other(PackageManager::Bundler, cmd),
    };
    invocation.from_manifest = true;
    invocation.reads_files = parsed
        .values(&["--gemfile"])
        .into_iter()
        .map(str::to_string)
        .collect();
    invocation.target_dir = parsed.last_value(&["--path"]).map(str::to_string);
    invocation
}

/// `gem`.
pub(super) fn gem(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "-v",
            "--version",
            "-i",
            "--install-dir",
            "-n",
            "--bindir",
            "--source",
            "-g",
            "--file",
            "--platform",
            "--document",
        ],
    );
    match parsed.positional(0) {
        Some(verb) if matches!(verb.value, "install" | "i" | "update") => {
            let mut install = Invocation::new(
                PackageManager::Gem,
                Kind::DependencyInstall,
                cmd,
                verb.index,
            );
            install.packages = parsed
                .positional_values_from(1)
                .into_iter()
                .map(str::to_string)
                .collect();
            // `gem install -g Gemfile` installs what a Gemfile lists.
            install.reads_files = parsed
                .values(&["-g", "--file"])
                .into_iter()
                .map(str::to_string)
                .collect();
            install.from_manifest = !install.reads_files.is_empty();
            install.target_dir = parsed
                .last_value(&["-i", "--install-dir"])
                .map(str::to_string);
            install
        }
        _ => Invocation::other(PackageManager::Gem, cmd),
    }
}

#[cfg(test)]
mod tests {
    use crate::knowledge::classify::test_support::check;
    use crate::knowledge::{InvocationKind as K, PackageManager as M};

    #[test]
    fn bundler_commands() {
        let install = check(
            "bundle install --jobs 4 --retry 3",
            M::Bundler,
            K::DependencyInstall,
        );
        assert!(install.from_manifest);
        assert!(install.packages.is_empty());
        check("bundle", M::Bundler, K::DependencyInstall);
        check("bundler install", M::Bundler, K::DependencyInstall);
        let gemfile = check(
            "bundle install --gemfile=app/Gemfile",
            M::Bundler,
            K::DependencyInstall,
        );
        assert_eq!(gemfile.reads_files, vec!["app/Gemfile"]);
        check("bundle exec rake assets:precompile", M::Bundler, K::Other);
        check(
            "bundle config set --local without development",
            M::Bundler,
            K::Other,
        );
    }

    #[test]
    fn gem_commands() {
        let install = check(
            "gem install bundler -v 2.5.0 --no-document",
            M::Gem,
            K::DependencyInstall,
        );
        assert_eq!(install.packages, vec!["bundler"]);
        assert!(!install.from_manifest);
        check("gem update --system", M::Gem, K::DependencyInstall);
        check("gem build app.gemspec", M::Gem, K::Other);
    }
}
