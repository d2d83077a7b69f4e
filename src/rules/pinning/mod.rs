pub mod remote_add_without_checksum;
pub mod unpinned_base_image;
pub mod unverified_download_pipe;
