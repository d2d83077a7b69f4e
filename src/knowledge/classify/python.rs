//! Python installers: pip, uv, Poetry, Pipenv, PDM and the conda family.

use super::args::{self, ParsedArgs};
use super::{is_local_path, Invocation, InvocationKind as Kind};
use crate::knowledge::PackageManager;
use crate::shell::SimpleCommand;

/// `pip`, `pip3`, `pip3.12`.
pub(super) fn is_pip_program(program: &str) -> bool {
    program.strip_prefix("pip").is_some_and(is_version_suffix)
}

/// `python`, `python3`, `python3.12`, `pypy3`, `py`.
pub(super) fn is_python_program(program: &str) -> bool {
    program == "py"
        || ["python", "pypy"]
            .iter()
            .any(|name| program.strip_prefix(name).is_some_and(is_version_suffix))
}

/// `""`, `3`, `3.12`.
fn is_version_suffix(suffix: &str) -> bool {
    suffix.is_empty()
        || (suffix.starts_with(|c: char| c.is_ascii_digit())
            && suffix.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// `python -m pip …`; other modules and scripts are not package managers.
pub(super) fn python_module(cmd: &SimpleCommand) -> Option<Invocation> {
    let mut index = 1;
    while let Some(word) = cmd.words.get(index) {
        let text = word.value.as_str();
        let module = match text {
            "-m" => cmd
                .words
                .get(index + 1)
                .map(|w| (w.value.as_str(), index + 2)),
            _ if text.starts_with("-m") => Some((&text[2..], index + 1)),
            // Interpreter options that take a value.
            "-W" | "-X" => {
                index += 2;
                continue;
            }
            _ if text.starts_with('-') => {
                index += 1;
                continue;
            }
            _ => None,
        };
        return match module? {
            ("pip", next) => Some(pip(cmd, next, PackageManager::Pip)),
            ("uv", next) => Some(uv_from(cmd, next)),
            _ => None,
        };
    }
    None
}

const PIP_VALUE_OPTIONS: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--cache-dir",
    "--proxy",
    "--timeout",
    "--retries",
    "--log",
    "--src",
    "--upgrade-strategy",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--only-binary",
    "--no-binary",
    "--progress-bar",
    "--root-user-action",
    "--config-settings",
    "-C",
    "--global-option",
    "--report",
    "-d",
    "--dest",
    "-w",
    "--wheel-dir",
    "--python",
    "--exists-action",
    "--cert",
    "--client-cert",
    "--use-feature",
    "--use-deprecated",
    "--keyring-provider",
    "--group",
    // uv
    "--override",
    "--index",
    "--default-index",
    "--link-mode",
    "--python-platform",
    "--resolution",
    "--prerelease",
    "--index-strategy",
    "--extra",
    "-p",
];

const ARCHIVE_SUFFIXES: &[&str] = &[".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2"];

/// `pip …` whose first argument is at `start`; `uv pip` reuses it with `manager`.
pub(super) fn pip(cmd: &SimpleCommand, start: usize, manager: PackageManager) -> Invocation {
    let parsed = args::parse(&cmd.words, start, PIP_VALUE_OPTIONS);
    let mut invocation = match parsed.positional(0).map(|p| (p.value, p.index)) {
        Some(("install" | "download" | "wheel", verb_index)) => {
            pip_install(cmd, &parsed, verb_index, manager)
        }
        Some(("sync", verb_index)) if manager == PackageManager::Uv => {
            // `uv pip sync requirements.txt`: the positionals are requirement files.
            let mut sync = Invocation::new(manager, Kind::DependencyInstall, cmd, verb_index);
            sync.reads_files = owned(parsed.positional_values_from(1));
            sync.from_manifest = true;
            sync.target_dir = parsed.last_value(&["-t", "--target"]).map(str::to_string);
            sync
        }
        Some(("cache", _)) => match parsed.positional(1) {
            Some(verb) if matches!(verb.value, "purge" | "remove" | "rm") => {
                Invocation::new(manager, Kind::CacheClean, cmd, verb.index)
            }
            _ => Invocation::other(manager, cmd),
        },
        _ => Invocation::other(manager, cmd),
    };
    invocation.disables_cache = parsed.has(&["--no-cache-dir", "--no-cache", "-n"]);
    invocation.cache_dir_override = parsed.last_value(&["--cache-dir"]).map(str::to_string);
    invocation
}

fn pip_install(
    cmd: &SimpleCommand,
    parsed: &ParsedArgs,
    verb_index: usize,
    manager: PackageManager,
) -> Invocation {
    let mut invocation = Invocation::new(manager, Kind::DependencyInstall, cmd, verb_index);
    invocation.reads_files =
        owned(parsed.values(&["-r", "--requirement", "-c", "--constraint", "--override"]));
    for editable in parsed.values(&["-e", "--editable"]) {
        if is_local_path(editable) {
            invocation.installs_local_project = true;
        } else {
            invocation.packages.push(editable.to_string());
        }
    }
    for value in parsed.positional_values_from(1) {
        let is_archive = ARCHIVE_SUFFIXES
            .iter()
            .any(|suffix| value.ends_with(suffix));
        if is_archive && (is_local_path(value) || !value.contains("://")) {
            invocation.reads_files.push(value.to_string());
        } else if is_local_path(value) {
            invocation.installs_local_project = true;
        } else {
            invocation.packages.push(value.to_string());
        }
    }
    let only_the_project = invocation.installs_local_project
        && invocation.reads_files.is_empty()
        && invocation.packages.is_empty();
    if parsed.has(&["--no-deps"]) && only_the_project {
        invocation.kind = Kind::ProjectInstall;
    }
    invocation.from_manifest =
        !invocation.reads_files.is_empty() || invocation.installs_local_project;
    invocation.target_dir = parsed.last_value(&["-t", "--target"]).map(str::to_string);
    invocation
}

const UV_VALUE_OPTIONS: &[&str] = &[
    "--cache-dir",
    "--python",
    "-p",
    "--directory",
    "--project",
    "--config-file",
    "--color",
    "--extra",
    "--group",
    "--only-group",
    "--no-group",
    "--package",
    "--no-install-package",
    "--index",
    "--default-index",
    "--index-url",
    "--extra-index-url",
    "-i",
    "--find-links",
    "-f",
    "--link-mode",
    "--python-platform",
    "--resolution",
    "--prerelease",
    "--index-strategy",
    "--keyring-provider",
    "--refresh-package",
    "--reinstall-package",
    "--upgrade-package",
    "-P",
    "--exclude-newer",
    "--config-setting",
    "-C",
    "--with",
    "--from",
    "--script",
];

/// Astral's `uv`.
pub(super) fn uv(cmd: &SimpleCommand) -> Invocation {
    uv_from(cmd, 1)
}

fn uv_from(cmd: &SimpleCommand, start: usize) -> Invocation {
    let parsed = args::parse(&cmd.words, start, UV_VALUE_OPTIONS);
    let Some(command) = parsed.positional(0) else {
        return Invocation::other(PackageManager::Uv, cmd);
    };
    let mut invocation = match command.value {
        // `uv pip …` takes pip's options after `pip`.
        "pip" => return pip(cmd, command.index + 1, PackageManager::Uv),
        "sync" => {
            let mut sync = Invocation::new(
                PackageManager::Uv,
                Kind::DependencyInstall,
                cmd,
                command.index,
            );
            sync.from_manifest = true;
            sync.installs_local_project = !parsed.has(&[
                "--no-install-project",
                "--no-install-workspace",
                "--only-dev",
            ]);
            sync
        }
        "add" => {
            let mut add = Invocation::new(
                PackageManager::Uv,
                Kind::DependencyInstall,
                cmd,
                command.index,
            );
            add.from_manifest = true;
            add.packages = owned(parsed.positional_values_from(1));
            add
        }
        "tool" => match parsed.positional(1) {
            Some(verb) if matches!(verb.value, "install" | "upgrade") => {
                let mut tool =
                    Invocation::new(PackageManager::Uv, Kind::DependencyInstall, cmd, verb.index);
                tool.packages = owned(parsed.positional_values_from(2));
                tool
            }
            _ => Invocation::other(PackageManager::Uv, cmd),
        },
        "cache" => match parsed.positional(1) {
            Some(verb) if matches!(verb.value, "clean" | "prune") => {
                Invocation::new(PackageManager::Uv, Kind::CacheClean, cmd, verb.index)
            }
            _ => Invocation::other(PackageManager::Uv, cmd),
        },
        "clean" => Invocation::new(PackageManager::Uv, Kind::CacheClean, cmd, command.index),
        _ => Invocation::other(PackageManager::Uv, cmd),
    };
    invocation.disables_cache = parsed.has(&["--no-cache", "-n"]);
    invocation.cache_dir_override = parsed.last_value(&["--cache-dir"]).map(str::to_string);
    invocation
}

/// `poetry`.
pub(super) fn poetry(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "-C",
            "--directory",
            "-P",
            "--project",
            "--only",
            "--with",
            "--without",
            "-E",
            "--extras",
            "--group",
            "-G",
        ],
    );
    let mut invocation = match parsed.positional(0) {
        Some(verb) if matches!(verb.value, "install" | "sync") => {
            let only_root = parsed.has(&["--only-root"]);
            let kind = if only_root {
                Kind::ProjectInstall
            } else {
                Kind::DependencyInstall
            };
            let mut install = Invocation::new(PackageManager::Poetry, kind, cmd, verb.index);
            install.from_manifest = true;
            install.installs_local_project = only_root || !parsed.has(&["--no-root"]);
            install
        }
        Some(verb) if matches!(verb.value, "add" | "update") => {
            let mut add = Invocation::new(
                PackageManager::Poetry,
                Kind::DependencyInstall,
                cmd,
                verb.index,
            );
            add.from_manifest = true;
            add.packages = owned(parsed.positional_values_from(1));
            add
        }
        Some(verb) if verb.value == "cache" => match parsed.positional(1) {
            Some(clear) if clear.value == "clear" => {
                Invocation::new(PackageManager::Poetry, Kind::CacheClean, cmd, clear.index)
            }
            _ => Invocation::other(PackageManager::Poetry, cmd),
        },
        _ => Invocation::other(PackageManager::Poetry, cmd),
    };
    invocation.disables_cache = parsed.has(&["--no-cache"]);
    invocation
}

/// `pipenv`.
pub(super) fn pipenv(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "-r",
            "--requirements",
            "--python",
            "--categories",
            "--extra-pip-args",
        ],
    );
    if parsed.has(&["--clear"]) && parsed.positionals.is_empty() {
        let index = parsed
            .options
            .iter()
            .find(|o| o.name == "--clear")
            .map_or(0, |o| o.index);
        return Invocation::new(PackageManager::Pipenv, Kind::CacheClean, cmd, index);
    }
    match parsed.positional(0) {
        Some(verb) if matches!(verb.value, "install" | "sync" | "update" | "upgrade") => {
            let mut install = Invocation::new(
                PackageManager::Pipenv,
                Kind::DependencyInstall,
                cmd,
                verb.index,
            );
            install.packages = owned(parsed.positional_values_from(1));
            install.reads_files = owned(parsed.values(&["-r", "--requirements"]));
            install.from_manifest = install.packages.is_empty();
            install
        }
        _ => Invocation::other(PackageManager::Pipenv, cmd),
    }
}

/// `pdm`.
pub(super) fn pdm(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "-p",
            "--project",
            "-G",
            "--group",
            "-L",
            "--lockfile",
            "--venv",
        ],
    );
    match parsed.positional(0) {
        Some(verb) if matches!(verb.value, "install" | "sync") => {
            let mut install = Invocation::new(
                PackageManager::Pdm,
                Kind::DependencyInstall,
                cmd,
                verb.index,
            );
            install.from_manifest = true;
            install.installs_local_project = !parsed.has(&["--no-self"]);
            install.reads_files = owned(parsed.values(&["-L", "--lockfile"]));
            install
        }
        Some(verb) if matches!(verb.value, "add" | "update") => {
            let mut add = Invocation::new(
                PackageManager::Pdm,
                Kind::DependencyInstall,
                cmd,
                verb.index,
            );
            add.from_manifest = true;
            add.packages = owned(parsed.positional_values_from(1));
            add
        }
        Some(verb) if verb.value == "cache" => match parsed.positional(1) {
            Some(clear) if clear.value == "clear" => {
                Invocation::new(PackageManager::Pdm, Kind::CacheClean, cmd, clear.index)
            }
            _ => Invocation::other(PackageManager::Pdm, cmd),
        },
        _ => Invocation::other(PackageManager::Pdm, cmd),
    }
}

/// `conda`, `mamba` and `micromamba`.
pub(super) fn conda(cmd: &SimpleCommand) -> Invocation {
    let parsed = args::parse(
        &cmd.words,
        1,
        &[
            "-n",
            "--name",
            "-p",
            "--prefix",
            "-c",
            "--channel",
            "-f",
            "--file",
            "-r",
            "--root-prefix",
            "--rc-file",
            "--platform",
            "--subdir",
        ],
    );
    let files = owned(parsed.values(&["-f", "--file"]));
    match parsed.positional(0) {
        Some(verb) if matches!(verb.value, "install" | "create" | "update" | "upgrade") => {
            let mut install = Invocation::new(
                PackageManager::Conda,
                Kind::DependencyInstall,
                cmd,
                verb.index,
            );
            install.packages = owned(parsed.positional_values_from(1));
            install.from_manifest = !files.is_empty();
            install.reads_files = files;
            install
        }
        Some(env) if env.value == "env" => match parsed.positional(1) {
            Some(verb) if matches!(verb.value, "create" | "update") => {
                let mut install = Invocation::new(
                    PackageManager::Conda,
                    Kind::DependencyInstall,
                    cmd,
                    verb.index,
                );
                // Without `-f`, `conda env create` reads environment.yml.
                install.from_manifest = true;
                install.reads_files = files;
                install
            }
            _ => Invocation::other(PackageManager::Conda, cmd),
        },
        Some(verb) if verb.value == "clean" => {
            Invocation::new(PackageManager::Conda, Kind::CacheClean, cmd, verb.index)
        }
        _ => Invocation::other(PackageManager::Conda, cmd),
    }
}

fn owned(values: Vec<&str>) -> Vec<String> {
    values.into_iter().map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use crate::knowledge::classify::test_support::{check, cmd};
    use crate::knowledge::{classify, InvocationKind as K, PackageManager as M};

    #[test]
    fn pip_programs() {
        check("pip install flask", M::Pip, K::DependencyInstall);
        check("pip3 install flask", M::Pip, K::DependencyInstall);
        check("pip3.12 install flask", M::Pip, K::DependencyInstall);
        check(
            "/usr/local/bin/pip install flask",
            M::Pip,
            K::DependencyInstall,
        );
        assert!(classify(&cmd("pipx install black")).is_none());
        assert!(classify(&cmd("pip-compile requirements.in")).is_none());
    }

    #[test]
    fn python_dash_m_pip_reads_requirements() {
        let invocation = check(
            "python3 -m pip install -r requirements.txt",
            M::Pip,
            K::DependencyInstall,
        );
        assert_eq!(invocation.reads_files, vec!["requirements.txt"]);
        assert!(invocation.from_manifest);
        assert_eq!(invocation.verb_index, 3);
        check(
            "python -m pip install --upgrade pip",
            M::Pip,
            K::DependencyInstall,
        );
        check(
            "python3.11 -u -m pip install x",
            M::Pip,
            K::DependencyInstall,
        );
        check("python -mpip install x", M::Pip, K::DependencyInstall);
        assert!(classify(&cmd("python3 -m venv /venv")).is_none());
        assert!(classify(&cmd("python manage.py collectstatic")).is_none());
    }

    #[test]
    fn pip_requirements_and_constraints() {
        let invocation = check(
            "pip install -r requirements.txt -c constraints.txt",
            M::Pip,
            K::DependencyInstall,
        );
        assert_eq!(
            invocation.reads_files,
            vec!["requirements.txt", "constraints.txt"]
        );
        let attached = check(
            "pip install -rrequirements/prod.txt",
            M::Pip,
            K::DependencyInstall,
        );
        assert_eq!(attached.reads_files, vec!["requirements/prod.txt"]);
        let long = check(
            "pip install --requirement=dev.txt",
            M::Pip,
            K::DependencyInstall,
        );
        assert_eq!(long.reads_files, vec!["dev.txt"]);
    }

    #[test]
    fn pip_named_packages_are_not_from_the_manifest() {
        let invocation = check(
            "pip install --upgrade pip setuptools wheel",
            M::Pip,
            K::DependencyInstall,
        );
        assert_eq!(invocation.packages, vec!["pip", "setuptools", "wheel"]);
        assert!(!invocation.from_manifest);
        assert!(!invocation.installs_local_project);
    }

    #[test]
    fn pip_local_project_installs() {
        let project_only = check("pip install --no-deps .", M::Pip, K::ProjectInstall);
        assert!(project_only.installs_local_project);
        let editable = check("pip install -e .", M::Pip, K::DependencyInstall);
        assert!(editable.installs_local_project);
        let editable_no_deps = check("pip install --no-deps -e .[dev]", M::Pip, K::ProjectInstall);
        assert!(editable_no_deps.installs_local_project);
        let app_dir = check("pip install ./app", M::Pip, K::DependencyInstall);
        assert!(app_dir.installs_local_project);
        let reqs_no_deps = check(
            "pip install --no-deps -r requirements.txt",
            M::Pip,
            K::DependencyInstall,
        );
        assert!(!reqs_no_deps.installs_local_project);
        let remote_editable = check(
            "pip install -e git+https://github.com/a/b#egg=b",
            M::Pip,
            K::DependencyInstall,
        );
        assert!(!remote_editable.installs_local_project);
    }

    #[test]
    fn pip_wheels_are_read_files_not_the_project() {
        let invocation = check(
            "pip install --no-index /wheels/app-1.0-py3-none-any.whl",
            M::Pip,
            K::DependencyInstall,
        );
        assert_eq!(
            invocation.reads_files,
            vec!["/wheels/app-1.0-py3-none-any.whl"]
        );
        assert!(!invocation.installs_local_project);
    }

    #[test]
    fn pip_cache_flags_and_target() {
        let invocation = check(
            "pip install --no-cache-dir --target /deps -r req.txt",
            M::Pip,
            K::DependencyInstall,
        );
        assert!(invocation.disables_cache);
        assert_eq!(invocation.target_dir.as_deref(), Some("/deps"));
        let moved = check(
            "pip --cache-dir=/pipcache install x",
            M::Pip,
            K::DependencyInstall,
        );
        assert_eq!(moved.cache_dir_override.as_deref(), Some("/pipcache"));
    }

    #[test]
    fn pip_other_commands() {
        check(
            "pip download -d /wheels -r requirements.txt",
            M::Pip,
            K::DependencyInstall,
        );
        check(
            "pip wheel -w /wheels -r requirements.txt",
            M::Pip,
            K::DependencyInstall,
        );
        check("pip cache purge", M::Pip, K::CacheClean);
        check("pip list", M::Pip, K::Other);
        check("pip freeze", M::Pip, K::Other);
        check("pip uninstall -y x", M::Pip, K::Other);
    }

    #[test]
    fn uv_commands() {
        let pip_install = check(
            "uv pip install --system -r requirements.txt",
            M::Uv,
            K::DependencyInstall,
        );
        assert_eq!(pip_install.reads_files, vec!["requirements.txt"]);
        assert_eq!(pip_install.verb_index, 2);
        let sync_files = check("uv pip sync requirements.lock", M::Uv, K::DependencyInstall);
        assert_eq!(sync_files.reads_files, vec!["requirements.lock"]);
        let deps_only = check(
            "uv sync --frozen --no-install-project --no-dev",
            M::Uv,
            K::DependencyInstall,
        );
        assert!(!deps_only.installs_local_project);
        assert!(deps_only.from_manifest);
        let with_project = check("uv sync --locked", M::Uv, K::DependencyInstall);
        assert!(with_project.installs_local_project);
        check("uv pip install --no-deps .", M::Uv, K::ProjectInstall);
        let tool = check("uv tool install ruff", M::Uv, K::DependencyInstall);
        assert!(!tool.from_manifest);
        assert_eq!(tool.packages, vec!["ruff"]);
        check("uv add httpx", M::Uv, K::DependencyInstall);
        check("uv run pytest", M::Uv, K::Other);
        check("uv venv /venv", M::Uv, K::Other);
        check("uv lock", M::Uv, K::Other);
        check("uv cache clean", M::Uv, K::CacheClean);
        check("python -m uv sync", M::Uv, K::DependencyInstall);
        let no_cache = check("uv --no-cache sync", M::Uv, K::DependencyInstall);
        assert!(no_cache.disables_cache);
        let directory = check(
            "uv sync --directory /app --frozen",
            M::Uv,
            K::DependencyInstall,
        );
        assert_eq!(directory.verb_index, 1);
    }

    #[test]
    fn poetry_commands() {
        let install = check(
            "poetry install --no-root --only main",
            M::Poetry,
            K::DependencyInstall,
        );
        assert!(!install.installs_local_project);
        assert!(install.from_manifest);
        let only_root = check("poetry install --only-root", M::Poetry, K::ProjectInstall);
        assert!(only_root.installs_local_project);
        let everything = check(
            "poetry install --no-interaction",
            M::Poetry,
            K::DependencyInstall,
        );
        assert!(everything.installs_local_project);
        check("poetry add requests", M::Poetry, K::DependencyInstall);
        check("poetry build", M::Poetry, K::Other);
        check("poetry export -f requirements.txt", M::Poetry, K::Other);
        check("poetry cache clear --all pypi", M::Poetry, K::CacheClean);
    }

    #[test]
    fn pipenv_commands() {
        let deploy = check(
            "pipenv install --system --deploy",
            M::Pipenv,
            K::DependencyInstall,
        );
        assert!(deploy.from_manifest);
        check("pipenv sync", M::Pipenv, K::DependencyInstall);
        let named = check("pipenv install requests", M::Pipenv, K::DependencyInstall);
        assert!(!named.from_manifest);
        check("pipenv lock", M::Pipenv, K::Other);
        check("pipenv run python app.py", M::Pipenv, K::Other);
    }

    #[test]
    fn pdm_commands() {
        let install = check("pdm install --prod --no-self", M::Pdm, K::DependencyInstall);
        assert!(!install.installs_local_project);
        check("pdm sync", M::Pdm, K::DependencyInstall);
        check("pdm run app", M::Pdm, K::Other);
    }

    #[test]
    fn conda_commands() {
        let named = check(
            "conda install -y -c conda-forge numpy pandas",
            M::Conda,
            K::DependencyInstall,
        );
        assert_eq!(named.packages, vec!["numpy", "pandas"]);
        assert!(!named.from_manifest);
        let env = check(
            "conda env create -f environment.yml",
            M::Conda,
            K::DependencyInstall,
        );
        assert_eq!(env.reads_files, vec!["environment.yml"]);
        assert_eq!(env.verb_index, 2);
        check(
            "mamba env update -n base -f env.yaml",
            M::Conda,
            K::DependencyInstall,
        );
        let micromamba = check(
            "micromamba install -y -n base -f /tmp/env.yaml",
            M::Conda,
            K::DependencyInstall,
        );
        assert!(micromamba.from_manifest);
        check(
            "micromamba create -y -p /env python=3.12",
            M::Conda,
            K::DependencyInstall,
        );
        check("conda clean -afy", M::Conda, K::CacheClean);
        check("conda run -n base python", M::Conda, K::Other);
        check(
            "conda config --add channels conda-forge",
            M::Conda,
            K::Other,
        );
    }
}
