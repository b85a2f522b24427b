#!/usr/bin/env bash
# Runs every test of the project. Installs what a fresh machine lacks first.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

# moto, the infrastructure linters, schemathesis, cargo-lambda: the versions in
# scripts/requirements.txt.
source scripts/python-tools.sh
python_tools
if ! cargo nextest --version >/dev/null 2>&1; then
  log "installing cargo-nextest"
  cargo install --locked cargo-nextest
fi

log "generated artifacts are fresh"
cargo run --quiet -p genesys-as-code --bin generate-artifacts -- --check

log "doc tests"
cargo test --workspace --doc --quiet

bash scripts/check-infra.sh
bash scripts/check-genesys.sh
bash scripts/browser-tests.sh
bash scripts/oidc-interop.sh # a real OpenID Provider's tokens against the local stack
bash scripts/bench.sh --quick # release build of the functions, then a short run of the Lambda bench so it cannot rot
bash scripts/supply-chain.sh
bash scripts/fuzz.sh
bash scripts/fuzz-api.sh

# Further suites (infrastructure lint, browser, fuzzing, supply chain, benchmarks) go above this
# line; the Rust suites run last so their summary closes the output.

log "unit, integration and end-to-end tests"
cargo nextest run --workspace --all-targets --no-fail-fast
