//! The rule registry: one list, codes and names unique.

pub mod cache_mounts;
pub mod ci_cache;
pub mod common;
pub mod correctness;
pub mod ordering;
pub mod pinning;

use crate::diagnostic::Severity;
use crate::lint::LintContext;

/// Static metadata of a rule; the doc is `rules/<CODE>.md`.
#[derive(Debug)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub default_severity: Severity,
    /// One sentence, used as SARIF `shortDescription` and in `layerlint rules`.
    pub summary: &'static str,
    /// The full Markdown doc.
    pub doc: &'static str,
    pub fixable: bool,
    pub default_enabled: bool,
    pub experimental: bool,
}

/// Rules are the same when their codes are: codes are unique.
impl PartialEq for RuleMeta {
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
    }
}

impl Eq for RuleMeta {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Ordering,
    CacheMounts,
    Pinning,
    StageGraph,
    Correctness,
    CiCache,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Ordering => "ordering",
            Category::CacheMounts => "cache-mounts",
            Category::Pinning => "pinning",
            Category::StageGraph => "stage-graph",
            Category::Correctness => "correctness",
            Category::CiCache => "ci-cache",
        }
    }
}

pub use crate::diagnostic::Findings;

pub trait Rule: Sync + Send {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings);
}

/// Every rule, in code order.
pub fn registry() -> &'static [&'static dyn Rule] {
    &[
        &ordering::volatile_copy_before_install::VolatileCopyBeforeInstall,
        &ordering::volatile_arg_before_install::VolatileArgBeforeInstall,
        &ordering::context_copy_without_dockerignore::ContextCopyWithoutDockerignore,
        &ordering::update_without_install::UpdateWithoutInstall,
        &ordering::copy_ignored_file::CopyIgnoredFile,
        &cache_mounts::missing_cache_mount::MissingCacheMount,
        &cache_mounts::cache_mount_defeated::CacheMountDefeated,
        &cache_mounts::apt_cache_mount_incomplete::AptCacheMountIncomplete,
        &cache_mounts::missing_build_cache_mount::MissingBuildCacheMount,
        &cache_mounts::cache_mount_wrong_user::CacheMountWrongUser,
        &cache_mounts::runtime_files_in_cache_mount::RuntimeFilesInCacheMount,
        &cache_mounts::uv_link_mode::UvLinkMode,
        &pinning::unpinned_base_image::UnpinnedBaseImage,
        &pinning::remote_add_without_checksum::RemoteAddWithoutChecksum,
        &pinning::unverified_download_pipe::UnverifiedDownloadPipe,
        &correctness::unknown_instruction::UnknownInstruction,
        &ci_cache::build_without_cache::BuildWithoutCache,
        &ci_cache::cache_import_without_export::CacheImportWithoutExport,
        &ci_cache::cache_export_min_mode::CacheExportMinMode,
        &ci_cache::shared_cache_scope::SharedCacheScope,
        &ci_cache::pr_writes_shared_cache::PrWritesSharedCache,
        &ci_cache::cache_export_unsupported_driver::CacheExportUnsupportedDriver,
        &ci_cache::cache_overwrites_image::CacheOverwritesImage,
        &ci_cache::local_cache_grows::LocalCacheGrows,
    ]
}

/// The options a rule reads from `[rules.<CODE>]` besides `severity`.
pub fn options_of(code: &str) -> &'static [&'static str] {
    match code {
        "LL102" => &["names"],
        "LL301" => &["require"],
        _ => &[],
    }
}

/// Find a rule by code (`LL101`) or name (`volatile-copy-before-install`), case-insensitively.
pub fn find(code_or_name: &str) -> Option<&'static dyn Rule> {
    registry().iter().copied().find(|r| {
        r.meta().code.eq_ignore_ascii_case(code_or_name)
            || r.meta().name.eq_ignore_ascii_case(code_or_name)
    })
}
