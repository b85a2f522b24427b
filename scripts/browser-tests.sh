#!/usr/bin/env bash
# Tests of web/: the reference client's type check, unit tests (node, fake fetch) and size, then
# the whole flow in headless Chromium (Debian's package, driven by playwright-core) against the
# local stack. Installs what a fresh machine lacks.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  log "installing node and npm"
  apt_install nodejs npm
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "web/ needs Node.js 20 or later (found $(node --version)); install a newer nodejs" >&2
  exit 1
fi

export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  log "installing chromium"
  apt_install chromium
fi

log "web: dependencies (npm ci)"
(cd web && npm ci --no-audit --no-fund --loglevel=error)

log "web: type check, unit tests and size of the reference client"
(cd web && npm run --silent typecheck && npm test && npm run --silent size)

log "web: building the local stack"
cargo build --quiet -p local
export LOCAL_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/local"

log "web: the whole flow in headless Chromium"
(cd web && npm run --silent test:browser)
