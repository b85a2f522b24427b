#!/usr/bin/env bash
# Tests of web/ and of the Messenger side of the Genesys sandbox: the reference client's type
# check, unit tests (node, fake fetch and Messenger), package checks (declarations, builds,
# size), the sandbox's Platform API shapes against Genesys's official Python SDK (a guest played
# over the Guest API's WebSocket), then the stand-in and the whole lifecycle in headless Chromium
# (Debian's package, driven by playwright-core) against the local stack. Installs what a fresh
# machine lacks.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
started=$SECONDS

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

# The official Genesys Platform SDK, pinned, in a virtual environment of its own (its
# dependencies must not move the versions other tools pin), with a WebSocket client for the
# guest side of the shape check.
GENESYS_SDK_VERSION=269.0.0
WEBSOCKETS_VERSION=17.4
sdk_venv="${XDG_CACHE_HOME:-$HOME/.cache}/secure-initiation/genesys-sdk-$GENESYS_SDK_VERSION"
sdk_ready="from importlib.metadata import version as v
assert v('purecloudplatformclientv2') == '$GENESYS_SDK_VERSION' and v('websockets') == '$WEBSOCKETS_VERSION'"
if ! "$sdk_venv/bin/python" -c "$sdk_ready" >/dev/null 2>&1; then
  log "installing the Genesys Platform SDK for Python $GENESYS_SDK_VERSION and websockets $WEBSOCKETS_VERSION"
  python3 -m venv "$sdk_venv"
  "$sdk_venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "purecloudplatformclientv2==$GENESYS_SDK_VERSION" "websockets==$WEBSOCKETS_VERSION"
fi

log "web: dependencies (npm ci)"
(cd web && npm ci --no-audit --no-fund --loglevel=error)

log "web: type check, unit and package tests (declarations, builds, size) of the reference client"
(cd web && npm run --silent typecheck && npm test && npm run --silent build)

log "web: building the local stack"
# The binary cargo says it built (a wrapper or a cargo config may put the target dir elsewhere
# than CARGO_TARGET_DIR says), copied so that another build cannot swap it while the suites run.
built="$(cargo build --quiet -p local --message-format=json-render-diagnostics | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "local":
        print(m["executable"])')"
bin_dir="$(mktemp -d)"
trap 'rm -rf "$bin_dir"' EXIT
cp "$built" "$bin_dir/local"
export LOCAL_BIN="$bin_dir/local"

log "sandbox: Guest API messages, message details and conversation shapes against the official SDK's models"
"$sdk_venv/bin/python" dev/genesys-sandbox/sdk/check_shapes.py

log "web: the Messenger stand-in and the whole lifecycle in headless Chromium"
browser_started=$SECONDS
(cd web && npm run --silent test:browser)
echo "browser suites: $((SECONDS - browser_started)) s; web tests in all: $((SECONDS - started)) s"
