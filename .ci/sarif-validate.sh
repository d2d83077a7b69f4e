#!/usr/bin/env bash
# Validates layerlint's SARIF output with Microsoft's SARIF Multitool, including
# the rules GitHub code scanning applies on upload.
#
# The tool is installed once into a cache folder outside the repository.
set -euo pipefail

MULTITOOL_VERSION="5.7.0"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/layerlint-ci/sarif"
PACKAGE_DIR="$CACHE_DIR/node_modules/@microsoft/sarif-multitool-linux"
BINARY="$PACKAGE_DIR/Sarif.Multitool"

installed_version() {
    node -p "require('$PACKAGE_DIR/package.json').version" 2>/dev/null || true
}

if [[ ! -f "$BINARY" || "$(installed_version)" != "$MULTITOOL_VERSION" ]]; then
    mkdir -p "$CACHE_DIR"
    npm install --prefix "$CACHE_DIR" --no-save --no-audit --no-fund \
        "@microsoft/sarif-multitool-linux@$MULTITOOL_VERSION"
fi
# The package marks the binary executable in a postinstall script, which npm may skip.
chmod u+x "$BINARY"

export SARIF_MULTITOOL="$BINARY"
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo test --test output_sarif_validate -- --nocapture
