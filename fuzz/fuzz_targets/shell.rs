//! Shell analysis of RUN text never panics and keeps every range inside the script.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target uses only its own checks
#[path = "../invariants.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| {
    invariants::shell(&invariants::text(data));
});
