#!/usr/bin/env bash
# Brief fuzz runs: each cargo-fuzz target for FUZZ_SECONDS (default 30) from the seed
# corpora. Needs cargo-fuzz (`cargo install cargo-fuzz`); skipped with a message when it
# is missing. libFuzzer needs nightly compiler flags, which RUSTC_BOOTSTRAP=1 enables on
# a stable toolchain.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export RUSTC_BOOTSTRAP=1
seconds="${FUZZ_SECONDS:-30}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: skipped, cargo-fuzz is not installed (cargo install cargo-fuzz)"
    exit 0
fi

if [[ ! -d fuzz/corpus/parse ]]; then
    bash fuzz/seed.sh || echo "fuzz: no seed corpus, starting from scratch"
fi

for target in parse shell lint; do
    echo "== fuzz $target (${seconds}s)"
    mkdir -p "fuzz/corpus/$target"
    # Safe Rust needs no AddressSanitizer; without it the targets run several times faster.
    cargo fuzz run --sanitizer none "$target" "fuzz/corpus/$target" -- \
        -dict=fuzz/dockerfile.dict -max_len=8192 -max_total_time="$seconds" \
        -print_final_stats=1
done
echo "fuzz: no crash"
