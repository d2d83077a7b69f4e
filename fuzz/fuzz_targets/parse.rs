//! The parser never panics, reproduces its input and keeps every span inside it.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target uses only its own checks
#[path = "../invariants.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| {
    invariants::parse(&invariants::text(data));
});
