//! .NET: `dotnet` with NuGet.

use super::args;
use super::{Invocation, InvocationKind as Kind};
use crate::knowledge::PackageManager;
use crate::shell::SimpleCommand;

/// `dotnet`.
pub(super) fn dotnet(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "-c",
            "--configuration",
            "-o",
            "--output",
            "-r",
            "--runtime",
            "-f",
            "--framework",
            "-s",
            "--source",
            "--packages",
            "--configfile",
            "-v",
            "--verbosity",
            "-a",
            "--arch",
            "--os",
            "--version-suffix",
            "--lock-file-path",
            "--tool-path",
            "--version",
            "--add-source",
        ],
    );
    let Some(verb) = parsed.positional(0) else {
        return Invocation::other(PackageManager::Dotnet, cmd);
    };
    let project_files = || -> Vec<String> {
        parsed
            .positional_values_from(1)
            .into_iter()
            .chain(parsed.values(&["--configfile"]))
            .map(str::to_string)
            .collect()
    };
    let mut invocation = match verb.value {
        "restore" => {
            let mut restore = Invocation::new(
                PackageManager::Dotnet,
                Kind::DependencyInstall,
                cmd,
                verb.index,
            );
            restore.reads_files = project_files();
            restore.from_manifest = true;
            restore
        }
        // These restore first unless told `--no-restore`.
        "build" | "publish" | "test" | "pack" | "run" | "msbuild" => {
            let mut build = Invocation::new(PackageManager::Dotnet, Kind::Build, cmd, verb.index);
            build.reads_files = project_files();
            build.from_manifest = true;
            build.installs_local_project = true;
            build.target_dir = parsed.last_value(&["-o", "--output"]).map(str::to_string);
            build
        }
        "tool" | "workload" => match parsed.positional(1) {
            Some(sub) if matches!(sub.value, "install" | "update" | "restore") => {
                let mut tool = Invocation::new(
                    PackageManager::Dotnet,
                    Kind::DependencyInstall,
                    cmd,
                    sub.index,
                );
                tool.packages = parsed
                    .positional_values_from(2)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                // `dotnet tool restore` reads the tool manifest.
                tool.from_manifest = sub.value == "restore";
                tool.target_dir = parsed.last_value(&["--tool-path"]).map(str::to_string);
                tool
            }
            _ => Invocation::other(PackageManager::Dotnet, cmd),
        },
        "nuget" => match parsed.positional(1) {
            Some(locals) if locals.value == "locals" && parsed.has(&["--clear", "-c"]) => {
                Invocation::new(PackageManager::Dotnet, Kind::CacheClean, cmd, locals.index)
            }
            _ => Invocation::other(PackageManager::Dotnet, cmd),
        },
        _ => Invocation::other(PackageManager::Dotnet, cmd),
    };
    invocation.disables_cache = parsed.has(&["--no-http-cache", "--no-cache"]);
    invocation.cache_dir_override = parsed.last_value(&["--packages"]).map(str::to_string);
    invocation
}

#[cfg(test)]
mod tests {
    use crate::knowledge::classify::test_support::check;
    use crate::knowledge::{InvocationKind as K, PackageManager as M};

    #[test]
    fn dotnet_commands() {
        let restore = check(
            "dotnet restore src/App/App.csproj -r linux-x64",
            M::Dotnet,
            K::DependencyInstall,
        );
        assert_eq!(restore.reads_files, vec!["src/App/App.csproj"]);
        let publish = check(
            "dotnet publish -c Release -o /out --no-restore",
            M::Dotnet,
            K::Build,
        );
        assert_eq!(publish.target_dir.as_deref(), Some("/out"));
        check("dotnet build", M::Dotnet, K::Build);
        check("dotnet test --no-build", M::Dotnet, K::Build);
        let tool = check(
            "dotnet tool install -g dotnet-ef",
            M::Dotnet,
            K::DependencyInstall,
        );
        assert_eq!(tool.packages, vec!["dotnet-ef"]);
        assert!(!tool.from_manifest);
        check("dotnet nuget locals all --clear", M::Dotnet, K::CacheClean);
        check("dotnet --info", M::Dotnet, K::Other);
        check("dotnet App.dll", M::Dotnet, K::Other);
        let packages = check(
            "dotnet restore --packages /nuget",
            M::Dotnet,
            K::DependencyInstall,
        );
        assert_eq!(packages.cache_dir_override.as_deref(), Some("/nuget"));
    }
}
