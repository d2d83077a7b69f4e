//! Ties the layers together for one file: parse, graph, rules.

use std::collections::BTreeMap;
use std::path::Path;

use crate::context::BuildContext;
use crate::diagnostic::{Diagnostics, Findings};
use crate::graph::{self, Graph};
use crate::rules::{self, Rule};
use crate::syntax::{self, Dockerfile, ParseError};

/// Typed options of each rule, keyed by rule code, as read from the config file.
pub type RuleOptions = BTreeMap<String, toml::Table>;

/// Everything a rule may read about one file.
pub struct LintContext<'a> {
    pub path: &'a Path,
    pub file: &'a Dockerfile,
    pub graph: &'a Graph,
    /// The build context folder (the Dockerfile's folder unless `--context` says otherwise).
    pub context_dir: Option<&'a Path>,
    /// The context folder and its `.dockerignore`, when the folder exists.
    pub context: Option<&'a BuildContext>,
    pub options: &'a RuleOptions,
}

impl LintContext<'_> {
    /// The simple commands of a RUN of this file (see [`Graph::commands`]).
    pub fn commands(&self, run: &crate::graph::RunInfo) -> crate::graph::Commands {
        self.graph.commands(self.file, run)
    }

    /// A rule's own option, e.g. `[rules.LL301] require = "tag"`.
    pub fn option(&self, code: &str, key: &str) -> Option<&toml::Value> {
        self.options.get(code).and_then(|t| t.get(key))
    }
}

/// The result of linting one source text.
pub struct Linted {
    pub file: Dockerfile,
    pub graph: Graph,
    pub diagnostics: Diagnostics,
}

/// Parse `source`, build its graph and run `enabled` rules (all registered rules when `None`).
pub fn lint_source(
    path: &Path,
    source: &str,
    context_dir: Option<&Path>,
    enabled: Option<&dyn Fn(&'static str) -> bool>,
    options: &RuleOptions,
) -> Result<Linted, ParseError> {
    let file = syntax::parse(source)?;
    Ok(lint_file(path, file, context_dir, enabled, options))
}

/// Build the graph of a parsed file and run `enabled` rules (all registered rules when `None`).
pub fn lint_file(
    path: &Path,
    file: Dockerfile,
    context_dir: Option<&Path>,
    enabled: Option<&dyn Fn(&'static str) -> bool>,
    options: &RuleOptions,
) -> Linted {
    let graph = graph::build(&file);
    lint_graph(path, file, graph, context_dir, enabled, options)
}

/// Run `enabled` rules on a parsed file and its graph.
fn lint_graph(
    path: &Path,
    file: Dockerfile,
    graph: Graph,
    context_dir: Option<&Path>,
    enabled: Option<&dyn Fn(&'static str) -> bool>,
    options: &RuleOptions,
) -> Linted {
    let context = context_dir.and_then(|dir| BuildContext::load(dir, Some(path)));
    let mut findings = Findings::default();
    {
        let ctx = LintContext {
            path,
            file: &file,
            graph: &graph,
            context_dir,
            context: context.as_ref(),
            options,
        };
        for rule in rules::registry() {
            let code = rule.meta().code;
            if enabled.is_some_and(|f| !f(code)) {
                continue;
            }
            run_rule(*rule, &ctx, &mut findings);
        }
    }
    let mut diagnostics = findings.into_diagnostics();
    // By position then code, ties in the order the rules reported them (the order fixes are
    // applied in).
    diagnostics.sort_by(|a, b| (a.span().start(), a.code()).cmp(&(b.span().start(), b.code())));
    diagnostics.dedup();
    Linted {
        file,
        graph,
        diagnostics,
    }
}

fn run_rule(rule: &dyn Rule, ctx: &LintContext<'_>, out: &mut Findings) {
    rule.check(ctx, out);
}

#[cfg(test)]
mod command_cache_tests {
    use super::*;

    /// Lints `path` keeping every RUN's commands, then keeping one RUN's at a time (each
    /// is analysed again when asked), and checks that the findings are the same.
    fn same_with_one_slot(path: &Path) {
        let Ok(source) = std::fs::read_to_string(path) else {
            return;
        };
        let Ok(file) = syntax::parse(&source) else {
            return;
        };
        let dir = path.parent();
        let options = RuleOptions::default();
        let all = lint_file(path, file.clone(), dir, None, &options);
        let graph = graph::build_with_command_slots(&file, 1);
        let one = lint_graph(path, file, graph, dir, None, &options);
        assert_eq!(
            format!("{:?}", all.diagnostics),
            format!("{:?}", one.diagnostics),
            "{}",
            path.display()
        );
    }

    /// Every file under `dir` whose name mentions Dockerfile or Containerfile.
    fn dockerfiles(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                dockerfiles(&path, out);
            } else if name.contains("dockerfile") || name.contains("containerfile") {
                out.push(path);
            }
        }
    }

    #[test]
    fn findings_do_not_depend_on_which_commands_are_kept() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        dockerfiles(&root.join("tests/fixtures"), &mut files);
        assert!(files.len() > 100, "only {} fixtures found", files.len());
        let corpus = root.join("../shared/corpus");
        if corpus.is_dir() {
            dockerfiles(&corpus, &mut files);
        } else {
            eprintln!("skipping the corpus: {} is absent", corpus.display());
        }
        for file in &files {
            same_with_one_slot(file);
        }
        eprintln!("{} files linted both ways", files.len());
    }
}
