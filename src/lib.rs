//! layerlint: a Dockerfile linter that finds what wastes the BuildKit build cache.

pub mod ci;
pub mod context;
pub mod diagnostic;
pub mod discover;
pub mod explain;
pub mod fix;
pub mod graph;
pub mod knowledge;
pub mod lint;
pub mod output;
pub mod rules;
pub mod settings;
pub mod shell;
pub mod span;
pub mod syntax;
