#!/usr/bin/env bash
# A real OpenID Provider against the local stack: the npm package `oidc-provider` on 127.0.0.1
# (tests/oidc-provider/provider.mjs), a user signed in with the authorization-code flow and
# PKCE, its ID token and JWT access token sent to initiate on the local stack started with
# JWKS_URL, JWT_ISSUER and JWT_AUDIENCE pointing at it (tests/oidc-provider/interop.test.mjs).
# Installs what a fresh machine lacks. oidc-provider 9 names Node.js 22 LTS as its supported
# runtime and prints a warning on older ones; the suite passes on Node.js 20, the version web/
# needs, so that stays the floor.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  log "installing node and npm"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "tests/oidc-provider needs Node.js 20 or later (found $(node --version)); install a newer nodejs" >&2
  exit 1
fi

log "oidc-provider: dependencies (npm ci)"
(cd tests/oidc-provider && npm ci --no-audit --no-fund --loglevel=error)

log "oidc-provider: building the local stack"
cargo build --quiet -p local
export LOCAL_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/local"

log "oidc-provider: its ID token and JWT access token against the local stack"
(cd tests/oidc-provider && npm test --silent)
