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
    let mut diagnostics = findings.into_vec();
    // By position then code, ties in the order the rules reported them (the order fixes are
    // applied in). Sorting indexes spares a scratch buffer of half the findings' size.
    sort_stable_by_key(&mut diagnostics, |d| (d.span.start(), d.code()));
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

/// A stable sort by `key` that allocates one 32-bit index per item instead of a scratch
/// buffer of items: the indexes are sorted (ties by index, which keeps it stable), then the
/// items are moved into place by following the permutation's cycles.
fn sort_stable_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    if items.is_sorted_by_key(&key) {
        return;
    }
    let Ok(len) = u32::try_from(items.len()) else {
        items.sort_by_key(key);
        return;
    };
    let mut order: Vec<u32> = (0..len).collect();
    order.sort_unstable_by(|&a, &b| {
        key(&items[a as usize])
            .cmp(&key(&items[b as usize]))
            .then(a.cmp(&b))
    });
    // order[k] is the index of the item that goes to position k.
    const DONE: u32 = u32::MAX;
    for start in 0..items.len() {
        let mut at = start;
        while order[at] != DONE {
            let from = order[at] as usize;
            order[at] = DONE;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
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

#[cfg(test)]
mod sort_tests {
    use super::sort_stable_by_key;

    #[test]
    fn sorts_like_the_standard_stable_sort() {
        // A small linear congruential generator: many ties, many cycles.
        let mut state = 12345u64;
        for len in [0usize, 1, 2, 3, 7, 64, 1000] {
            let items: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                    ((state >> 60) as u8, i)
                })
                .collect();
            let mut expected = items.clone();
            expected.sort_by_key(|&(k, _)| k);
            let mut got = items;
            sort_stable_by_key(&mut got, |&(k, _)| k);
            assert_eq!(got, expected, "len {len}");
        }
    }
}
