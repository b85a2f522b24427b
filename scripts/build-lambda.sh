#!/usr/bin/env bash
# Builds the three Lambda functions for arm64 (provided.al2023) with cargo lambda and prints
# the size of each `bootstrap`. Not part of CI: from an empty cache it took 13 min 39 s on the
# 2-core CI machine, which the CI budget cannot hold (docs/src/project/development.md).
# `sam build` in infra/ runs the same build, one function at a time.
#
# Usage: bash scripts/build-lambda.sh        (CARGO_TARGET_DIR is honoured; default target/)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

# cargo-lambda's Python package ships its prebuilt binary; zig (the `ziglang` package) is its
# cross linker. Both are pinned in scripts/requirements.txt.
source scripts/python-tools.sh
python_tools
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
