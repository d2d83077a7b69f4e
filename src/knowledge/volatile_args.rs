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

/// Whether `name` matches one of `patterns` (see [`DEFAULT_VOLATILE_ARGS`]), ignoring ASCII case.
pub fn matches_volatile_arg<S: AsRef<str>>(name: &str, patterns: &[S]) -> bool {
    patterns.iter().any(|p| glob_matches(p.as_ref(), name))
}

/// `*` matches any run of characters; everything else matches itself, ignoring ASCII case.
/// Compares in place: the rule asks this for every ARG and pattern.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = strip_prefix_ci(text, first) else {
        return false;
    };
    let mut parts = parts.peekable();
    if parts.peek().is_none() {
        return rest.is_empty();
    }
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            return ends_with_ci(rest, part);
        }
        match find_ci(rest, part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

// The helpers compare bytes ignoring ASCII case: non-ASCII bytes match only themselves, so
// a match of a whole `str` ends on a char boundary.

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.as_bytes().get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix.as_bytes())
        .then(|| &text[prefix.len()..])
}

fn ends_with_ci(text: &str, suffix: &str) -> bool {
    text.len() >= suffix.len()
        && text.as_bytes()[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

fn find_ci(text: &str, part: &str) -> Option<usize> {
    let last = text.len().checked_sub(part.len())?;
    (0..=last).find(|&i| {
        text.is_char_boundary(i)
            && text.as_bytes()[i..i + part.len()].eq_ignore_ascii_case(part.as_bytes())
    })
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

    #[test]
    fn glob_patterns_ignore_ascii_case_only() {
        assert!(glob_matches("*_sha", "app_SHA"));
        assert!(glob_matches("Build*Date", "BUILD_X_date"));
        assert!(glob_matches("*É*", "xÉy"));
        assert!(
            !glob_matches("*é*", "xÉy"),
            "non-ASCII letters keep their case"
        );
        assert!(glob_matches("ÄB*", "Äb_x"));
        assert!(!glob_matches("A*B*B", "AB"));
        assert!(glob_matches("*", ""));
        assert!(!glob_matches("*XYZ", "é"));
    }
}
