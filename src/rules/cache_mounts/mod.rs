pub mod apt_cache_mount_incomplete;
pub mod cache_mount_defeated;
pub mod cache_mount_wrong_user;
pub mod missing_build_cache_mount;
pub mod missing_cache_mount;
pub mod runtime_files_in_cache_mount;
pub mod uv_link_mode;
