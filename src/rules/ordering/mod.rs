pub mod context_copy_without_dockerignore;
pub mod copy_ignored_file;
pub mod update_without_install;
pub mod volatile_arg_before_install;
pub mod volatile_copy_before_install;
