//! Data tables about package managers and their caches.
