#!/usr/bin/env bash
# Runs every test of the project. Installs what a fresh machine lacks first; about 26 minutes
# on 2 cores from an empty cache. What it needs and installs, exactly:
# docs/src/platform/requirements.md.
#
# Needs: Rust stable (rustup), a C compiler, git, Python 3.11+ (Debian's `python3-venv` is
# installed when missing), Node.js 20+ with npm, and root or sudo for apt-get.
# Installs when missing: the Python tools of scripts/requirements.txt into virtual environments
# of its own under ~/.cache/secure-initiation (never into the system's Python, which PEP 668
# distributions refuse); Debian's `chromium` (and `nodejs`/`npm` where node is absent);
# cargo-nextest, cargo-deny and cargo-fuzz (`cargo install --locked`); web/'s npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

# moto, the infrastructure linters, schemathesis, cargo-lambda: the versions in
# scripts/requirements.txt, in a virtual environment whose bin/ this puts first on PATH for
# every suite below (the Rust suites find moto_server and cargo-lambda there).
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
bash scripts/book.sh # the book and its diagrams (after the browser suites: it uses their Node.js and Chromium)
bash scripts/bench.sh --quick # release build of the functions, then a short run of the Lambda bench so it cannot rot
bash scripts/supply-chain.sh
bash scripts/fuzz.sh
bash scripts/fuzz-api.sh

# Further suites (infrastructure lint, browser, fuzzing, supply chain, benchmarks) go above this
# line; the Rust suites run last so their summary closes the output.

log "unit, integration and end-to-end tests"
cargo nextest run --workspace --all-targets --no-fail-fast
