#!/usr/bin/env bash
# Builds the book (docs/ into docs/book/) with its diagrams drawn, installing what a fresh
# machine lacks: mdbook (cargo install, pinned) and mermaid's browser bundle (the npm package,
# pinned, checked by its hash). Then, where Chromium is installed (scripts/browser-tests.sh
# installs it), opens every page with a diagram and checks that each diagram was drawn.
#
# Links, anchors, paths, options, variables and parameters are checked offline by the drift
# test (`cargo nextest run -p infra-tests --test docs`), with the other Rust suites.
set -euo pipefail
cd "$(dirname "$0")/.."

MDBOOK_VERSION=0.5.4
MERMAID_VERSION=12.4.0
MERMAID_SHA256=c0891e4c0413d0710ad193b431d8cbbe9d031636e51c467d11daa4721ba22094

log() { printf '\n==> %s\n' "$*"; }
started=$SECONDS

if [[ "$(mdbook --version 2>/dev/null)" != "mdbook v$MDBOOK_VERSION" ]]; then
  log "installing mdbook $MDBOOK_VERSION (once; about 3 minutes on 2 cores)"
  cargo install --locked --quiet mdbook --version "$MDBOOK_VERSION" \
    --no-default-features --features search
fi

bundle=docs/src/mermaid/mermaid.min.js
mkdir -p docs/src/mermaid
if ! echo "$MERMAID_SHA256  $bundle" | sha256sum --check --status 2>/dev/null; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "the book's diagrams need npm to fetch mermaid (bash scripts/browser-tests.sh installs it)" >&2
    exit 1
  fi
  log "fetching mermaid $MERMAID_VERSION"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "mermaid@$MERMAID_VERSION" >/dev/null)
  tar -xzf "$tmp/mermaid-$MERMAID_VERSION.tgz" -C "$tmp" package/dist/mermaid.min.js
  cp "$tmp/package/dist/mermaid.min.js" "$bundle"
  echo "$MERMAID_SHA256  $bundle" | sha256sum --check --quiet
fi

log "building the book"
# A page the summary lists but the tree lacks fails the build (`create-missing = false`).
out="$(mdbook build docs 2>&1)" || { echo "$out" >&2; exit 1; }
grep -v '^ INFO' <<<"$out" || true
test -f docs/book/index.html

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$chromium" ]]; then
  log "checking that every diagram is drawn (headless Chromium)"
  failed=0
  for page in $(grep -rl '^```mermaid' docs/src --include='*.md' | sort); do
    html="docs/book/${page#docs/src/}"
    html="${html%.md}.html"
    want="$(grep -c '^```mermaid' "$page")"
    dom="$("$chromium" --headless --no-sandbox --disable-gpu --virtual-time-budget=20000 \
      --dump-dom "file://$PWD/$html" 2>/dev/null)"
    got="$(grep -o '<svg[^>]*id="mermaid-[^"]*"' <<<"$dom" | wc -l || true)"
    if grep -q 'Syntax error in text' <<<"$dom"; then
      echo "$page: a diagram does not parse" >&2
      failed=1
    elif [[ "$got" -lt "$want" ]]; then
      echo "$page: $got of $want diagrams drawn" >&2
      failed=1
    fi
  done
  [[ "$failed" -eq 0 ]] || exit 1
else
  echo "no Chromium at $chromium: diagrams not checked (bash scripts/browser-tests.sh installs it)"
fi
echo "book: $((SECONDS - started)) s"
