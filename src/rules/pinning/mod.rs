pub mod unpinned_base_image;
