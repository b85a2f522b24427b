#!/usr/bin/env bash
# Supply-chain checks with cargo-deny against deny.toml: licences, banned crates, sources, and
# security advisories when the RustSec advisory database can be fetched.
#
# The advisory database is a git repository; on a machine that reaches only package
# registries it cannot be fetched. Then the advisories check is reported as NOT RUN (never as
# passed) and the other three checks still decide the exit status. With a database fetched
# earlier (`cargo deny fetch db`), it is used offline.
set -euo pipefail
cd "$(dirname "$0")/.."
printf '\n==> %s\n' "supply chain: licences, bans, sources, advisories (cargo-deny)"

if ! cargo deny --version >/dev/null 2>&1; then
  echo "installing cargo-deny (once; several minutes)"
  cargo install --locked --quiet cargo-deny
fi

echo "--- licences, bans, sources"
# Duplicate versions are warnings (listed with `cargo deny check bans`); only errors print here.
cargo deny --locked --log-level error check licenses bans sources

echo "--- advisories"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if cargo deny --locked check advisories >"$log" 2>&1; then
  tail -n 1 "$log"
elif grep -q "failed to fetch advisory database" "$log"; then
  if cargo deny --locked --offline check advisories >"$log" 2>&1; then
    echo "advisories ok (advisory database from an earlier fetch; it may be stale)"
  elif grep -qE "advisories FAILED|error\[(vulnerability|unmaintained|unsound|yanked)\]" "$log"; then
    cat "$log"
    exit 1
  else
    echo "advisories NOT CHECKED: the advisory database cannot be fetched from here"
  fi
else
  cat "$log"
  exit 1
fi
