//! Ties the layers together for one file: parse, graph, rules.

use std::path::Path;

use crate::syntax::Dockerfile;

/// Everything a rule may read about one file.
pub struct LintContext<'a> {
    pub path: &'a Path,
    pub file: &'a Dockerfile,
}
