//! A lossless, BuildKit-compatible Dockerfile parser.

pub mod ast;

pub use ast::*;
