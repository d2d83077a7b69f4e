use std::path::Path;

use crate::context::DockerIgnore;
use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::SourceKind;
use crate::lint::LintContext;
use crate::rules::{Category, Findings, Rule, RuleMeta};

pub struct CopyIgnoredFile;

pub static META: RuleMeta = RuleMeta {
    code: "LL105",
    name: "copy-ignored-file",
    category: Category::Ordering,
    default_severity: Severity::Error,
    summary: "COPY/ADD source that `.dockerignore` leaves out of the build context, so the build fails or copies nothing",
    doc: include_str!("../../../rules/LL105.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for CopyIgnoredFile {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        let Some(context) = ctx.context else {
            return;
        };
        let Some(ignore) = &context.dockerignore else {
            return;
        };
        let ignore_name = context
            .ignore_file
            .as_deref()
            .and_then(|p| p.file_name())
            .map_or_else(
                || ".dockerignore".to_string(),
                |n| n.to_string_lossy().to_string(),
            );
        for stage in &ctx.graph.stages {
            for node in ctx.graph.nodes_of(stage) {
                let Some(copy) = node.copy_info(ctx.file) else {
                    continue;
                };
                let inst = &ctx.file.instructions[node.instruction()];
                for source in &copy.sources {
                    if source.kind != SourceKind::Context {
                        continue;
                    }
                    // A source whose variables have no static value cannot be checked.
                    let Some(path) = source.path else {
                        continue;
                    };
                    let Some(line) = excluding_line(ignore, path, &context.dir) else {
                        continue;
                    };
                    let keyword = inst.keyword.as_str();
                    let message = if has_wildcard(path) {
                        format!(
                            "every file `{}` matches is excluded by `{ignore_name}` (line {line}), so `{keyword}` finds nothing to copy and the build fails",
                            source.raw
                        )
                    } else {
                        format!(
                            "`{}` is excluded by `{ignore_name}` (line {line}), so `{keyword}` cannot find it and the build fails",
                            source.raw
                        )
                    };
                    out.push(Diagnostic::new(&META, source.span, message).with_help(format!(
                        "add the exception `!{}` after line {line} of `{ignore_name}`, or drop this source",
                        clean(path)
                    )));
                }
            }
        }
    }
}

/// `./a/b/` → `a/b`.
fn clean(path: &str) -> &str {
    let mut p = path.trim();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.trim_start_matches('/').trim_end_matches('/')
}

fn has_wildcard(path: &str) -> bool {
    path.contains(['*', '?', '['])
}

/// The line of the pattern that leaves every file of `path` out of the context, when
/// one does. A literal path is checked as a whole (with everything under it, should it
/// be a folder); a wildcard source only when its fixed leading folders are left out, or
/// when it is itself an excluding pattern with no exception after it.
fn excluding_line(ignore: &DockerIgnore, path: &str, context_dir: &Path) -> Option<usize> {
    let path = clean(path);
    if path.is_empty() || path == "." {
        return None;
    }
    if !has_wildcard(path) {
        // Exceptions below a folder re-include part of it; a file has nothing below it.
        let is_file = context_dir.join(path).is_file();
        let left_out = if is_file {
            ignore.is_excluded(path)
        } else {
            ignore.excludes_dir(path)
        };
        if !left_out {
            return None;
        }
        return ignore.deciding_pattern(path).map(|p| p.line);
    }
    let fixed: Vec<&str> = path
        .split('/')
        .take_while(|part| !has_wildcard(part))
        .collect();
    if !fixed.is_empty() {
        let prefix = fixed.join("/");
        if ignore.excludes_dir(&prefix) {
            return ignore.deciding_pattern(&prefix).map(|p| p.line);
        }
    }
    let patterns = ignore.patterns();
    let position = patterns
        .iter()
        .rposition(|p| !p.exception && p.pattern == path)?;
    if patterns[position + 1..].iter().any(|p| p.exception) {
        return None;
    }
    Some(patterns[position].line)
}
