//! A lossless, BuildKit-compatible Dockerfile parser.

pub mod ast;
pub mod dump;
mod json;
pub mod mount;
pub mod parser;
mod words;

pub use ast::*;
pub use dump::buildkit_dump;
pub use mount::parse_mount;
pub use parser::{parse, parse_owned, ParseError};
