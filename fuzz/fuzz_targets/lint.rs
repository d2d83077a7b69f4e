//! The whole pipeline, from bytes to every output format, never panics and never
//! writes invalid JSON or SARIF; `--fix --unsafe-fixes` never corrupts the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target uses only its own checks
#[path = "../invariants.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| {
    let text = invariants::text(data);
    invariants::lint(&text);
    invariants::fix(&text);
});
