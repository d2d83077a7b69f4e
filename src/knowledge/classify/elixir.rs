//! Elixir: `mix` with Hex.

use super::{Invocation, InvocationKind as Kind};
use crate::knowledge::PackageManager;
use crate::shell::SimpleCommand;

/// `mix`, including `mix do a, b` task lists.
pub(super) fn mix(cmd: &SimpleCommand) -> Invocation {
    let mut fetches = None;
    let mut builds = None;
    let mut installs_tools = None;
    for (index, word) in cmd.words.iter().enumerate().skip(1) {
        for task in word.value.split([',', '+']).map(str::trim) {
            match task {
                "deps.get" => fetches = fetches.or(Some(index)),
                "deps.compile" | "compile" | "release" | "assets.deploy" | "phx.digest"
                | "escript.build" | "test" => builds = builds.or(Some(index)),
                "local.hex" | "local.rebar" => installs_tools = installs_tools.or(Some(index)),
                _ => {}
            }
        }
        // Only `mix do` chains tasks; otherwise the first word is the task.
        if cmd.words.get(1).map(|w| w.value.as_str()) != Some("do") {
            break;
        }
    }
    // A fetch makes the run an install even when it also compiles.
    match (fetches, builds, installs_tools) {
        (Some(index), _, _) => {
            let mut install =
                Invocation::new(PackageManager::Mix, Kind::DependencyInstall, cmd, index);
            install.from_manifest = true;
            install
        }
        (None, Some(index), _) => {
            let mut build = Invocation::new(PackageManager::Mix, Kind::Build, cmd, index);
            build.from_manifest = true;
            build.installs_local_project = true;
            build
        }
        (None, None, Some(index)) => {
            let mut tools =
                Invocation::new(PackageManager::Mix, Kind::DependencyInstall, cmd, index);
            tools.packages = cmd
                .words
                .get(index)
                .map(|w| w.value.to_string())
                .into_iter()
                .collect();
            tools
        }
        (None, None, None) => Invocation::other(PackageManager::Mix, cmd),
    }
}

#[cfg(test)]
mod tests {
    use crate::knowledge::classify::test_support::check;
    use crate::knowledge::{InvocationKind as K, PackageManager as M};

    #[test]
    fn mix_tasks() {
        let get = check("mix deps.get --only prod", M::Mix, K::DependencyInstall);
        assert!(get.from_manifest);
        check("mix deps.compile", M::Mix, K::Build);
        check("mix release", M::Mix, K::Build);
        check(
            "mix do deps.get, deps.compile",
            M::Mix,
            K::DependencyInstall,
        );
        let tools = check("mix local.hex --force", M::Mix, K::DependencyInstall);
        assert!(!tools.from_manifest);
        check("mix phx.server", M::Mix, K::Other);
        check("mix format --check-formatted", M::Mix, K::Other);
    }
}
