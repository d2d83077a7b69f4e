//! Which files are dependency manifests, lockfiles or install configuration.
//!
//! Manifest patterns (in [`ManagerInfo::manifests`](super::ManagerInfo)) are matched,
//! ASCII case-insensitively, against the last components of a path:
//!
//! - `package.json`, `*.csproj`, `requirements/*.txt`: the last one, two, … components,
//!   where `*` matches any run of characters within a component;
//! - `gradle/`: the directory itself (a COPY source naming it, with or without the slash);
//! - `.yarn/**`: the directory and anything inside it, wherever it is.
//!
//! A directory pattern is used only where the directory conventionally holds nothing
//! but install inputs (`requirements/`, `gradle/`, `project/` for sbt): calling a
//! volatile directory a manifest would hide a real finding, calling a manifest
//! directory volatile would report a false one.

use super::managers::PackageManager;

/// Whether `path` names a manifest, lockfile or install configuration of any package
/// manager. `path` may be a COPY source: `./package.json`, `app/requirements-dev.txt`,
/// `requirements/`, or a wildcard such as `*.csproj` or `package*.json`.
pub fn is_manifest(path: &str) -> bool {
    // The same few sources (`.`, `package.json`, `src/`) come up in almost every file, and
    // matching them against every manager's patterns is the linter's hottest loop.
    thread_local! {
        static SEEN: std::cell::RefCell<std::collections::HashMap<String, bool>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    if let Some(known) = SEEN.with(|seen| seen.borrow().get(path).copied()) {
        return known;
    }
    let answer = PackageManager::ALL
        .iter()
        .any(|manager| is_manifest_for(*manager, path));
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        if seen.len() >= 4096 {
            seen.clear();
        }
        seen.insert(path.to_string(), answer);
    });
    answer
}

/// Whether `path` is a manifest of this manager (see [`is_manifest`]).
pub fn is_manifest_for(manager: PackageManager, path: &str) -> bool {
    let path = path.to_ascii_lowercase();
    let components: Vec<&str> = path
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect();
    if components.is_empty() {
        return false;
    }
    manager
        .info()
        .manifests
        .iter()
        .any(|pattern| pattern_matches(&pattern.to_ascii_lowercase(), &components))
}

fn pattern_matches(pattern: &str, path: &[&str]) -> bool {
    if let Some(tree) = pattern.strip_suffix("/**") {
        let tree: Vec<&str> = tree.split('/').collect();
        return path.windows(tree.len()).any(|window| {
            window
                .iter()
                .zip(&tree)
                .all(|(part, pat)| component_matches(pat, part))
        });
    }
    let pattern = pattern.trim_end_matches('/');
    let wanted: Vec<&str> = pattern.split('/').collect();
    if wanted.len() > path.len() {
        return false;
    }
    let tail = &path[path.len() - wanted.len()..];
    tail.iter()
        .zip(&wanted)
        .all(|(part, pat)| component_matches(pat, part))
}

/// Matches one pattern component against one path component, which may itself be a
/// wildcard (a COPY source like `package*.json`).
fn component_matches(pattern: &str, component: &str) -> bool {
    let pattern_tokens = tokens(pattern);
    if !component.contains(['*', '?', '[']) {
        let text: Vec<Option<char>> = component.chars().map(Some).collect();
        return wildcard_match(&pattern_tokens, &text);
    }
    // A wildcard source is a manifest when every name it can match is one…
    let source = tokens(component);
    let as_text: Vec<Option<char>> = source
        .iter()
        .map(|token| match token {
            Token::Literal(c) => Some(*c),
            Token::Star | Token::AnyOne => None,
        })
        .collect();
    if wildcard_match(&pattern_tokens, &as_text) {
        return true;
    }
    // …or when it is a manifest name with a suffix left open, the usual way of copying
    // a manifest with its lockfile (`package*.json`, `Gemfile*`, `bun.lock*`).
    let example: Vec<Option<char>> = pattern.chars().filter(|c| *c != '*').map(Some).collect();
    let literal_prefix: String = component
        .chars()
        .take_while(|c| !matches!(c, '*' | '?' | '['))
        .collect();
    let example_text: String = example.iter().flatten().collect();
    literal_prefix.chars().count() >= 3
        && example_text.starts_with(&literal_prefix)
        && wildcard_match(&source, &example)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Literal(char),
    /// `*`: any run of characters.
    Star,
    /// `?` or a `[...]` class: one character.
    AnyOne,
}

fn tokens(glob: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = glob.chars();
    while let Some(c) = chars.next() {
        match c {
            '*' => out.push(Token::Star),
            '?' => out.push(Token::AnyOne),
            '[' => {
                // Skip to the closing bracket; an unclosed one swallows the rest.
                for inner in chars.by_ref() {
                    if inner == ']' {
                        break;
                    }
                }
                out.push(Token::AnyOne);
            }
            _ => out.push(Token::Literal(c)),
        }
    }
    out
}

/// Wildcard matching where the text may contain unknown characters (`None`): a
/// literal never matches one, `*` absorbs them. The greedy star-backtracking walk is
/// linear for one star and never exponential.
fn wildcard_match(pattern: &[Token], text: &[Option<char>]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut last_star: Option<(usize, usize)> = None;
    while t < text.len() {
        let step = match pattern.get(p) {
            Some(Token::Literal(c)) => text[t] == Some(*c),
            Some(Token::AnyOne) => text[t].is_some(),
            _ => false,
        };
        if step {
            p += 1;
            t += 1;
        } else if pattern.get(p) == Some(&Token::Star) {
            last_star = Some((p, t));
            p += 1;
        } else if let Some((star, matched_from)) = last_star {
            p = star + 1;
            t = matched_from + 1;
            last_star = Some((star, matched_from + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|token| *token == Token::Star)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_manifest_names() {
        for path in [
            "package.json",
            "./package-lock.json",
            "app/requirements-dev.txt",
            "requirements.txt",
            "dev-requirements.txt",
            "constraints.txt",
            "pyproject.toml",
            "uv.lock",
            "poetry.lock",
            "Pipfile",
            "Pipfile.lock",
            "environment.yml",
            "go.mod",
            "go.sum",
            "Cargo.toml",
            "crates/core/Cargo.toml",
            "Cargo.lock",
            "pom.xml",
            "build.gradle.kts",
            "settings.gradle",
            "gradlew",
            "composer.json",
            "Gemfile.lock",
            "src/App/App.csproj",
            "Directory.Packages.props",
            "nuget.config",
            "mix.exs",
            ".yarnrc.yml",
            "pnpm-lock.yaml",
            "pnpm-workspace.yaml",
            "bun.lockb",
            "bun.lock",
            ".python-version",
            "setup.py",
            ".npmrc",
        ] {
            assert!(is_manifest(path), "{path}");
        }
    }

    #[test]
    fn sources_and_volatile_paths_are_not_manifests() {
        for path in [
            ".",
            "./",
            "src/",
            "src/index.ts",
            "README.md",
            "tsconfig.json",
            "main.go",
            "app.py",
            "node_modules",
            "requirements.py",
            "Dockerfile",
            "config.toml",
            "",
        ] {
            assert!(!is_manifest(path), "{path}");
        }
    }

    #[test]
    fn manifest_directories() {
        assert!(is_manifest("requirements/"));
        assert!(is_manifest("requirements/base.txt"));
        assert!(is_manifest("./gradle"));
        assert!(is_manifest("gradle/wrapper/gradle-wrapper.properties"));
        assert!(is_manifest("gradle/libs.versions.toml"));
        assert!(is_manifest(".yarn/releases/yarn-4.1.0.cjs"));
        assert!(is_manifest(".yarn"));
        assert!(is_manifest(".mvn/wrapper/maven-wrapper.properties"));
        assert!(is_manifest("config/prod.exs"));
        assert!(!is_manifest("src/main/java/org/gradle/Foo.java"));
        assert!(!is_manifest("config/app.yaml"));
    }

    #[test]
    fn wildcard_sources() {
        assert!(is_manifest("package*.json"));
        assert!(is_manifest("*.csproj"));
        assert!(is_manifest("src/*/*.csproj"));
        assert!(is_manifest("requirements*.txt"));
        assert!(is_manifest("Gemfile*"));
        assert!(is_manifest("bun.lock*"));
        assert!(!is_manifest("*"));
        assert!(!is_manifest("*.json"));
        assert!(!is_manifest("src/*"));
        assert!(!is_manifest("*.go"));
    }

    #[test]
    fn per_manager_manifests() {
        assert!(is_manifest_for(PackageManager::Npm, "package-lock.json"));
        assert!(!is_manifest_for(PackageManager::Npm, "yarn.lock"));
        assert!(is_manifest_for(PackageManager::Yarn, "yarn.lock"));
        assert!(is_manifest_for(
            PackageManager::Pip,
            "requirements/prod.txt"
        ));
        assert!(!is_manifest_for(PackageManager::Apt, "package.json"));
    }

    #[test]
    fn copy_first_entries_are_manifests() {
        for manager in PackageManager::ALL {
            for name in manager.info().copy_first {
                assert!(is_manifest_for(manager, name), "{manager:?} {name}");
            }
        }
    }

    #[test]
    fn wildcard_matching_is_not_exponential() {
        let pattern = tokens(&"*a".repeat(40));
        let text: Vec<Option<char>> = "a".repeat(5000).chars().map(Some).collect();
        assert!(wildcard_match(&pattern, &text));
        let miss: Vec<Option<char>> = "b".repeat(5000).chars().map(Some).collect();
        assert!(!wildcard_match(&pattern, &miss));
    }
}
