//! The build context: which files the builder receives.
//!
//! `.dockerignore` decides what `COPY . .` can see, so it decides whether a volatile
//! directory (`.git`, `node_modules`, build output) reaches a layer and invalidates it.

pub mod dockerignore;

pub use dockerignore::{DockerIgnore, IgnorePattern, InvalidPattern};
