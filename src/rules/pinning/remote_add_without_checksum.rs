use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::fix::edits;
use crate::graph::SourceKind;
use crate::lint::LintContext;
use crate::rules::{Category, Findings, Rule, RuleMeta};
use crate::syntax::Keyword;

pub struct RemoteAddWithoutChecksum;

pub static META: RuleMeta = RuleMeta {
    code: "LL302",
    name: "remote-add-without-checksum",
    category: Category::Pinning,
    default_severity: Severity::Warning,
    summary: "`ADD` of a URL without `--checksum`, or of a Git repository without a pinned commit",
    doc: include_str!("../../../rules/LL302.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for RemoteAddWithoutChecksum {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        for stage in &ctx.graph.stages {
            for node in ctx.graph.nodes_of(stage) {
                let Some(copy) = node.copy_info(ctx.file) else {
                    continue;
                };
                let inst = &ctx.file.instructions[node.instruction()];
                if inst.keyword != Keyword::Add || inst.flag("checksum").is_some() {
                    continue;
                }
                for source in &copy.sources {
                    if !matches!(
                        source.kind,
                        SourceKind::Url | SourceKind::Git | SourceKind::Context
                    ) {
                        continue;
                    }
                    // The expanded value decides: `ADD $URL`, a quoted URL and the query
                    // form `repo.git?tag=v1` are only recognisable once expanded.
                    let value = source.path.unwrap_or(source.raw);
                    let value = value.trim_matches(|c| c == '"' || c == '\'');
                    let diag = if is_git_url(value) {
                        // A ref whose variable has no static value may well be a commit.
                        if git_commit_pinned(value)
                            || split_git_ref(value).1.is_some_and(|r| r.contains('$'))
                        {
                            continue;
                        }
                        git_finding(source.raw, value)
                    } else if is_http_url(value) {
                        url_finding(source.raw, value)
                    } else {
                        continue;
                    };
                    // The digest cannot be known offline: the fix only shows the flag's shape.
                    out.push(diag.with_span(source.span).with_fix(Fix {
                        title: "Add `--checksum=sha256:<digest>` (the digest of the downloaded content)"
                            .into(),
                        applicability: Applicability::DisplayOnly,
                        edits: vec![edits::insert_flag(
                            ctx.file,
                            inst,
                            &["--checksum=sha256:<digest>".to_string()],
                        )],
                    }));
                }
            }
        }
    }
}

/// A finding without its span yet.
struct Pending {
    message: String,
    help: String,
}

impl Pending {
    fn with_span(self, span: crate::span::Span) -> Diagnostic {
        Diagnostic::new(&META, span, self.message).with_help(self.help)
    }
}

fn url_finding(raw: &str, url: &str) -> Pending {
    let shown = if raw == url {
        format!("`ADD {raw}`")
    } else {
        format!("`ADD {raw}` (`{url}`)")
    };
    Pending {
        message: format!(
            "{shown} has no `--checksum`: BuildKit asks the server on every build whether the file changed, and the layer silently changes when it does"
        ),
        help: format!(
            "pin the content: `ADD --checksum=sha256:<digest> {raw} …` (the digest is the output of `sha256sum` on the downloaded file)"
        ),
    }
}

fn git_finding(raw: &str, value: &str) -> Pending {
    let (repo, reference) = split_git_ref(value);
    let shown = if raw == value {
        format!("`ADD {raw}`")
    } else {
        format!("`ADD {raw}` (`{value}`)")
    };
    let message = match reference {
        None => format!(
            "{shown} follows the default branch: BuildKit resolves it again on every build, and the layer changes with every push"
        ),
        Some(r) if r.len() >= 7 && r.chars().all(|c| c.is_ascii_hexdigit()) => format!(
            "{shown} names `{r}`, an abbreviated commit id: only a full id is used as is, so BuildKit asks the remote to resolve it on every build"
        ),
        Some(r) => format!(
            "{shown} names `{r}`, a branch or tag that can move: BuildKit resolves it again on every build, and the layer changes when it moves"
        ),
    };
    Pending {
        message,
        help: format!(
            "pin a full commit: `ADD {repo}#<40-hex commit>`, or keep the ref and add `--checksum=<commit>` (Dockerfile 1.16+)"
        ),
    }
}

fn is_http_url(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// A Git repository as `ADD` reads one: `git@host:…`, `git://…`, `ssh://…`, or an HTTP(S)
/// URL whose path ends in `.git` (before a `#ref` fragment or a `?ref=` query).
fn is_git_url(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if lower.starts_with("git@") || lower.starts_with("git://") || lower.starts_with("ssh://") {
        return true;
    }
    let path = lower.split(['#', '?']).next().unwrap_or("");
    is_http_url(&lower) && path.trim_end_matches('/').ends_with(".git")
}

/// `repo.git#ref:subdir` → (`repo.git`, `ref`); the query form `?ref=…&tag=…` gives its ref.
fn split_git_ref(raw: &str) -> (&str, Option<&str>) {
    if let Some((repo, fragment)) = raw.split_once('#') {
        let reference = fragment.split(':').next().unwrap_or("");
        return (repo, (!reference.is_empty()).then_some(reference));
    }
    if let Some((repo, query)) = raw.split_once('?') {
        let reference = query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            matches!(key, "ref" | "tag" | "branch").then_some(value)
        });
        return (repo, reference);
    }
    (raw, None)
}

/// Whether a Git source names a full commit id: `#<sha>`, `#<sha>:subdir`, or the query
/// form `?ref=<sha>`, `?checksum=<sha>` / `?commit=<sha>` (Dockerfile 1.18).
fn git_commit_pinned(value: &str) -> bool {
    if let Some((_, query)) = value.split_once('?') {
        let query = query.split('#').next().unwrap_or(query);
        let pinned = query.split('&').any(|pair| match pair.split_once('=') {
            Some(("checksum" | "commit", v)) => !v.is_empty(),
            Some(("ref", v)) => is_full_commit(v),
            _ => false,
        });
        if pinned {
            return true;
        }
    }
    let (_, reference) = split_git_ref(value);
    reference.is_some_and(is_full_commit)
}

/// A SHA-1 (40) or SHA-256 (64) object name: the only refs BuildKit uses without asking
/// the remote what they point to.
fn is_full_commit(reference: &str) -> bool {
    matches!(reference.len(), 40 | 64) && reference.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_commits_pin_a_git_source() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert!(git_commit_pinned(&format!(
            "https://github.com/a/b.git#{sha}"
        )));
        assert!(git_commit_pinned(&format!(
            "https://github.com/a/b.git#{sha}:sub"
        )));
        assert!(git_commit_pinned(&format!(
            "https://github.com/a/b.git?ref={sha}"
        )));
        assert!(git_commit_pinned(&format!(
            "https://github.com/a/b.git?tag=v1&checksum={sha}"
        )));
    }

    #[test]
    fn branches_tags_and_short_ids_do_not() {
        for v in [
            "https://github.com/a/b.git",
            "https://github.com/a/b.git#v1.2.3",
            "https://github.com/a/b.git#main:docs",
            "https://github.com/a/b.git#0123456",
            "https://github.com/a/b.git?branch=main",
            "git@github.com:a/b.git#v1",
        ] {
            assert!(!git_commit_pinned(v), "{v}");
        }
    }
}
