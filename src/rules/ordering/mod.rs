pub mod volatile_copy_before_install;
