//! JVM build tools: Maven, Gradle and sbt. Their commands name goals or tasks; a
//! run that builds anything is a [`Kind::Build`], one that only resolves
//! dependencies a [`Kind::DependencyInstall`].

use super::args::{self, Positional};
use super::{Invocation, InvocationKind as Kind};
use crate::knowledge::PackageManager;
use crate::shell::SimpleCommand;

/// Maven's default lifecycle phases (and `site`), which compile or package.
/// https://maven.apache.org/guides/introduction/introduction-to-the-lifecycle.html
const MAVEN_PHASES: &[&str] = &[
    "validate",
    "initialize",
    "generate-sources",
    "process-sources",
    "generate-resources",
    "process-resources",
    "compile",
    "process-classes",
    "generate-test-sources",
    "process-test-sources",
    "generate-test-resources",
    "process-test-resources",
    "test-compile",
    "process-test-classes",
    "test",
    "prepare-package",
    "package",
    "pre-integration-test",
    "integration-test",
    "post-integration-test",
    "verify",
    "install",
    "deploy",
    "site",
];

/// `mvn`, `./mvnw`, `mvnd`.
pub(super) fn maven(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "-f",
            "--file",
            "-s",
            "--settings",
            "-gs",
            "--global-settings",
            "-pl",
            "--projects",
            "-P",
            "--activate-profiles",
            "-T",
            "--threads",
            "-rf",
            "--resume-from",
            "-l",
            "--log-file",
            "-D",
            "--define",
            "-t",
            "--toolchains",
            "-b",
            "--builder",
        ],
    );
    let goals = &parsed.positionals;
    let builds = goals
        .iter()
        .find(|g| MAVEN_PHASES.contains(&g.value) || is_building_plugin_goal(g.value));
    let resolves = goals.iter().find(|g| {
        g.value.starts_with("dependency:")
            || g.value.contains("go-offline")
            || g.value.ends_with(":resolve-dependencies")
    });
    let mut invocation = match (builds, resolves) {
        (Some(goal), _) => {
            let mut build = Invocation::new(PackageManager::Maven, Kind::Build, cmd, goal.index);
            build.installs_local_project = true;
            build
        }
        (None, Some(goal)) => Invocation::new(
            PackageManager::Maven,
            Kind::DependencyInstall,
            cmd,
            goal.index,
        ),
        (None, None) => Invocation::other(PackageManager::Maven, cmd),
    };
    // This goal empties the local repository rather than filling it.
    if builds.is_none()
        && goals
            .iter()
            .any(|g| g.value == "dependency:purge-local-repository")
    {
        invocation.kind = Kind::CacheClean;
    }
    invocation.from_manifest = matches!(invocation.kind, Kind::Build | Kind::DependencyInstall);
    invocation.reads_files = parsed
        .values(&["-f", "--file", "-s", "--settings"])
        .into_iter()
        .map(str::to_string)
        .collect();
    invocation.cache_dir_override = parsed
        .values(&["-D", "--define"])
        .into_iter()
        .find_map(|define| define.strip_prefix("maven.repo.local="))
        .map(str::to_string);
    invocation
}

/// Plugin goals that compile or package (`spring-boot:build-image`, `jib:dockerBuild`,
/// `quarkus:build`, `assembly:single`).
fn is_building_plugin_goal(goal: &str) -> bool {
    let Some((_, name)) = goal.rsplit_once(':') else {
        return false;
    };
    name.starts_with("build")
        || name.ends_with("Build")
        || matches!(
            name,
            "repackage" | "compile" | "testCompile" | "jar" | "war" | "single" | "native-image"
        )
}

/// Gradle tasks that change nothing worth caching.
const GRADLE_OTHER_TASKS: &[&str] = &[
    "clean",
    "help",
    "tasks",
    "wrapper",
    "properties",
    "projects",
    "--version",
];
/// Gradle tasks that only resolve dependencies (the last two are common custom tasks).
const GRADLE_DEPENDENCY_TASKS: &[&str] = &[
    "dependencies",
    "androidDependencies",
    "buildEnvironment",
    "dependencyInsight",
    "downloadDependencies",
    "resolveDependencies",
];

/// `gradle` and `./gradlew`.
pub(super) fn gradle(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "-p",
            "--project-dir",
            "-b",
            "--build-file",
            "-c",
            "--settings-file",
            "-g",
            "--gradle-user-home",
            "-x",
            "--exclude-task",
            "-D",
            "--system-prop",
            "-P",
            "--project-prop",
            "-I",
            "--init-script",
            "--console",
            "--warning-mode",
            "--max-workers",
            "--priority",
            "--include-build",
        ],
    );
    // `:app:bootJar` runs the task `bootJar`.
    let task_name = |task: &Positional| {
        task.value
            .rsplit(':')
            .next()
            .unwrap_or(task.value)
            .to_string()
    };
    let tasks: Vec<(Positional, String)> = parsed
        .positionals
        .iter()
        .map(|t| (*t, task_name(t)))
        .collect();
    let builds = tasks.iter().find(|(_, name)| {
        !GRADLE_OTHER_TASKS.contains(&name.as_str())
            && !GRADLE_DEPENDENCY_TASKS.contains(&name.as_str())
    });
    let resolves = tasks
        .iter()
        .find(|(_, name)| GRADLE_DEPENDENCY_TASKS.contains(&name.as_str()));
    let mut invocation = match (builds, resolves) {
        (Some((task, _)), _) => {
            let mut build = Invocation::new(PackageManager::Gradle, Kind::Build, cmd, task.index);
            build.installs_local_project = true;
            build
        }
        (None, Some((task, _))) => Invocation::new(
            PackageManager::Gradle,
            Kind::DependencyInstall,
            cmd,
            task.index,
        ),
        (None, None) if parsed.has(&["--refresh-dependencies"]) && tasks.is_empty() => {
            Invocation::new(PackageManager::Gradle, Kind::DependencyInstall, cmd, 0)
        }
        (None, None) => Invocation::other(PackageManager::Gradle, cmd),
    };
    invocation.from_manifest = invocation.kind != Kind::Other;
    invocation.cache_dir_override = parsed
        .last_value(&["-g", "--gradle-user-home"])
        .map(str::to_string);
    invocation
}

/// `sbt`: commands may be quoted together (`sbt "clean; compile"`) or scoped
/// (`Universal/packageBin`, `docker:stage`).
pub(super) fn sbt(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &["-sbt-dir", "-ivy", "-java-home", "-mem", "-jvm-debug"],
    );
    let mut builds = None;
    let mut resolves = None;
    for positional in &parsed.positionals {
        for command in positional.value.split([';', ' ']).filter(|c| !c.is_empty()) {
            let task = command.rsplit(['/', ':']).next().unwrap_or(command);
            let is_build = matches!(
                task,
                "compile" | "test" | "assembly" | "stage" | "dist" | "run"
            ) || task.starts_with("package")
                || task.starts_with("publish");
            if is_build && builds.is_none() {
                builds = Some(positional.index);
            }
            if task.starts_with("update") && resolves.is_none() {
                resolves = Some(positional.index);
            }
        }
    }
    let mut invocation = match (builds, resolves) {
        (Some(index), _) => {
            let mut build = Invocation::new(PackageManager::Sbt, Kind::Build, cmd, index);
            build.installs_local_project = true;
            build
        }
        (None, Some(index)) => {
            Invocation::new(PackageManager::Sbt, Kind::DependencyInstall, cmd, index)
        }
        (None, None) => Invocation::other(PackageManager::Sbt, cmd),
    };
    invocation.from_manifest = invocation.kind != Kind::Other;
    invocation
}

#[cfg(test)]
mod tests {
    use crate::knowledge::classify::test_support::check;
    use crate::knowledge::{InvocationKind as K, PackageManager as M};

    #[test]
    fn maven_goals() {
        let offline = check(
            "mvn -B dependency:go-offline",
            M::Maven,
            K::DependencyInstall,
        );
        assert!(offline.from_manifest);
        check(
            "mvn dependency:resolve dependency:resolve-plugins",
            M::Maven,
            K::DependencyInstall,
        );
        check("./mvnw -B package -DskipTests", M::Maven, K::Build);
        check(
            "mvn clean install -Dmaven.test.skip=true",
            M::Maven,
            K::Build,
        );
        check("mvn -q verify", M::Maven, K::Build);
        check("mvn spring-boot:build-image", M::Maven, K::Build);
        check("mvn compile jib:dockerBuild", M::Maven, K::Build);
        check("mvn dependency:tree", M::Maven, K::DependencyInstall);
        check("mvn clean", M::Maven, K::Other);
        check("mvn --version", M::Maven, K::Other);
        check("mvn versions:set -DnewVersion=2", M::Maven, K::Other);
        check(
            "mvn dependency:purge-local-repository",
            M::Maven,
            K::CacheClean,
        );
    }

    #[test]
    fn maven_options() {
        let build = check(
            "mvn -f app/pom.xml -s settings.xml -Dmaven.repo.local=/m2 package",
            M::Maven,
            K::Build,
        );
        assert_eq!(build.reads_files, vec!["app/pom.xml", "settings.xml"]);
        assert_eq!(build.cache_dir_override.as_deref(), Some("/m2"));
        assert_eq!(build.verb_index, 6);
        let separate = check(
            "mvn -D maven.repo.local=/repo -P prod package",
            M::Maven,
            K::Build,
        );
        assert_eq!(separate.cache_dir_override.as_deref(), Some("/repo"));
        assert_eq!(separate.verb_index, 5);
    }

    #[test]
    fn gradle_tasks() {
        check("gradle build --no-daemon", M::Gradle, K::Build);
        check("./gradlew :app:bootJar -x test", M::Gradle, K::Build);
        check("./gradlew clean build", M::Gradle, K::Build);
        check(
            "./gradlew dependencies --no-daemon",
            M::Gradle,
            K::DependencyInstall,
        );
        check(
            "gradle --refresh-dependencies",
            M::Gradle,
            K::DependencyInstall,
        );
        check("./gradlew --version", M::Gradle, K::Other);
        check("gradle clean", M::Gradle, K::Other);
        let home = check("gradle -g /gradle-home build", M::Gradle, K::Build);
        assert_eq!(home.cache_dir_override.as_deref(), Some("/gradle-home"));
    }

    #[test]
    fn sbt_commands() {
        check("sbt update", M::Sbt, K::DependencyInstall);
        check("sbt clean compile", M::Sbt, K::Build);
        check("sbt Universal/packageBin", M::Sbt, K::Build);
        check("sbt stage", M::Sbt, K::Build);
        check("sbt clean", M::Sbt, K::Other);
    }
}
