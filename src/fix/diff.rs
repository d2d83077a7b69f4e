//! Unified diffs of fixed files, for `check --diff`.

use similar::TextDiff;

/// A unified diff (three lines of context) from `before` to `after`, with `a/` and `b/`
/// headers naming `path`; empty when the texts are equal. Line endings are kept, so a
/// CRLF file shows CRLF lines.
pub fn unified_diff(path: &str, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_only_the_changed_lines_with_context() {
        let d = unified_diff("Dockerfile", "FROM a\nRUN x\n", "FROM a\nRUN --m x\n");
        assert_eq!(
            d,
            "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,2 +1,2 @@\n FROM a\n-RUN x\n+RUN --m x\n"
        );
        assert_eq!(unified_diff("D", "x\n", "x\n"), "");
    }
}
