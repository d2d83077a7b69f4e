//! Configuration files, CLI overrides and inline suppressions.
