//! Data tables about package managers and their caches, and the lookups over them.
//!
//! - [`PackageManager`] and [`ManagerInfo`]: per manager, its cache directories (and
//!   the variables that move them), what disables or empties the cache, whether a
//!   cache mount needs `sharing=locked`, and which files an install reads.
//! - [`is_manifest`]: whether a COPY source is a manifest or lockfile.
//! - [`classify`]: what a shell command does with a package manager.

mod classify;
mod managers;
mod manifests;
pub mod mount_facts;

pub use classify::{classify, Invocation, InvocationKind};
pub use managers::{
    caches_at, CacheAtPath, CacheDir, CacheEnvVar, CacheLocation, CacheUser, DisablingEnv,
    ManagerInfo, PackageManager, PathRelation, Relocation, ROOT_HOME,
};
pub use manifests::{is_manifest, is_manifest_for};

mod build_context;
mod downloads;
mod volatile_args;

pub use build_context::{local_install_dirs, LocalInstallDir, Presence, VCS_DIR};
pub use downloads::{
    code_argument, downloads_to_stdout, runs_stdin_script, script_operand, verifies_download,
};
pub use volatile_args::{matches_volatile_arg, DEFAULT_VOLATILE_ARGS};
