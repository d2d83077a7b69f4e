//! Ties the layers together for one file: parse, graph, rules.

use std::collections::BTreeMap;
use std::path::Path;

use crate::context::BuildContext;
use crate::diagnostic::{Diagnostic, Findings};
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
    /// A rule's own option, e.g. `[rules.LL301] require = "tag"`.
    pub fn option(&self, code: &str, key: &str) -> Option<&toml::Value> {
        self.options.get(code).and_then(|t| t.get(key))
    }
}

/// The result of linting one source text.
pub struct Linted {
    pub file: Dockerfile,
    pub graph: Graph,
    pub diagnostics: Vec<Diagnostic>,
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
    let mut diagnostics = findings.into_vec();
    diagnostics.sort_by(|a, b| (a.span.start(), a.code).cmp(&(b.span.start(), b.code)));
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
