#!/usr/bin/env bash
# Builds the three Lambda functions for arm64 (provided.al2023) with cargo lambda and prints
# the size of each `bootstrap`. Not part of scripts/test.sh: a clean release build (fat LTO)
# takes several minutes on two cores. `sam build -t infra/template.yaml` runs the same build.
#
# Usage: bash scripts/build-lambda.sh        (CARGO_TARGET_DIR is honoured; default target/)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

# cargo-lambda from PyPI ships a prebuilt binary and pulls in `ziglang` as its cross linker.
if ! cargo lambda --version >/dev/null 2>&1; then
  log "installing cargo-lambda"
  python3 -m pip install --quiet --disable-pip-version-check cargo-lambda
fi
if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
  log "adding the aarch64-unknown-linux-gnu target"
  rustup target add aarch64-unknown-linux-gnu
fi

log "cargo lambda build --release --arm64"
cargo lambda build --release --arm64 -p initiate -p refresh-token -p validate-session

target="${CARGO_TARGET_DIR:-target}"
log "bootstrap sizes"
for f in initiate refresh-token validate-session; do
  ls -l "$target/lambda/$f/bootstrap" | awk -v f="$f" '{printf "%-18s %10d bytes\n", f, $5}'
done
