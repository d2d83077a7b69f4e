//! Build arguments whose value is, by convention, different on every build: build
//! metadata passed with `--build-arg` (dates, commit ids, CI build numbers) and
//! cache-busting counters.
//!
//! Docker's reference: "all RUN instructions following an ARG instruction use the ARG
//! variable implicitly (as an environment variable), thus can cause a cache miss"
//! (<https://docs.docker.com/reference/dockerfile/#impact-on-build-caching>). The
//! OCI annotation names (`org.opencontainers.image.created`, `.revision`) are what
//! such arguments usually feed
//! (<https://github.com/opencontainers/image-spec/blob/main/annotations.md>).

/// Default patterns, compared ASCII case-insensitively. `*` matches any run of
/// characters; only the project's own build metadata is matched with a prefix
/// (`APP_BUILD_DATE`), never `*_VERSION` or `*_SHA`, which usually pin a dependency
/// (`NODE_VERSION`, `TINI_SHA256`) and change only when the Dockerfile is edited.
pub const DEFAULT_VOLATILE_ARGS: &[&str] = &[
    "BUILD_DATE",
    "BUILDDATE",
    "BUILD_TIME",
    "BUILDTIME",
    "BUILD_DATETIME",
    "BUILD_TIMESTAMP",
    "TIMESTAMP",
    "BUILD_NUMBER",
    "BUILD_ID",
    "BUILD_VERSION",
    "GIT_SHA",
    "GIT_COMMIT",
    "GIT_COMMIT_SHA",
    "GIT_HASH",
    "GIT_REV",
    "GIT_REVISION",
    "GIT_DESCRIBE",
    "VCS_REF",
    "COMMIT",
    "COMMIT_SHA",
    "COMMIT_HASH",
    "SOURCE_COMMIT",
    "REVISION",
    "VERSION",
    "CACHEBUST",
    "CACHE_BUST",
    "CACHEBUSTER",
    "GITHUB_SHA",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_NUMBER",
    "CI_COMMIT_SHA",
    "CI_COMMIT_SHORT_SHA",
    "CI_PIPELINE_ID",
    "CI_JOB_ID",
    "*_BUILD_DATE",
    "*_BUILD_TIME",
    "*_BUILD_TIMESTAMP",
    "*_BUILD_NUMBER",
    "*_BUILD_ID",
    "*_GIT_SHA",
    "*_GIT_COMMIT",
    "*_VCS_REF",
    "*_CACHEBUST",
];

/// Whether `name` matches one of `patterns` (see [`DEFAULT_VOLATILE_ARGS`]).
pub fn matches_volatile_arg<S: AsRef<str>>(name: &str, patterns: &[S]) -> bool {
    let name = name.to_ascii_uppercase();
    patterns
        .iter()
        .any(|p| glob_matches(&p.as_ref().to_ascii_uppercase(), &name))
}

/// `*` matches any run of characters; everything else matches itself.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let tail: Vec<&str> = parts.collect();
    let Some((last, middle)) = tail.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_metadata_names_are_volatile() {
        for name in [
            "BUILD_DATE",
            "build_date",
            "GIT_COMMIT",
            "VCS_REF",
            "CACHEBUST",
            "APP_BUILD_DATE",
            "VERSION",
        ] {
            assert!(matches_volatile_arg(name, DEFAULT_VOLATILE_ARGS), "{name}");
        }
    }

    #[test]
    fn dependency_pins_are_not() {
        for name in [
            "NODE_VERSION",
            "PYTHON_VERSION",
            "TINI_SHA256",
            "LLAMA_COMMIT",
            "BUILD_DEPS",
            "BUILD_TYPE",
            "GIT_VERSION",
        ] {
            assert!(!matches_volatile_arg(name, DEFAULT_VOLATILE_ARGS), "{name}");
        }
    }

    #[test]
    fn glob_patterns() {
        assert!(glob_matches("*_SHA", "APP_SHA"));
        assert!(!glob_matches("*_SHA", "APP_SHA256"));
        assert!(glob_matches("A*B*C", "AXXBYYC"));
        assert!(!glob_matches("A*B*C", "AXXC"));
        assert!(glob_matches("ABC", "ABC"));
        assert!(!glob_matches("AB*", "A"));
    }
}
