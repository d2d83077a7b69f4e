pub mod missing_cache_mount;
