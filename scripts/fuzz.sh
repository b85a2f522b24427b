#!/usr/bin/env bash
# Fuzzes the parsers of untrusted and user-edited input with libFuzzer, a bounded time each:
#   schema_from_toml     Schema::from_toml (+ every generated artifact of a schema that loads)
#   initiation_request   InitiationRequest::parse + AttributeSet::build (+ canonical round trip)
#   validation_request   ValidationRequest::parse / from_value (+ both agree) and RefreshRequest
#
# usage: bash scripts/fuzz.sh [seconds per target]     (default 60; CI runs the default)
#        bash scripts/fuzz.sh 3600                      (the longer run: an hour per target)
#
# Uses the nightly toolchain when there is one (see below) and cargo-fuzz, which it installs
# when missing. A crash stops the script with the input saved under fuzz/artifacts/<target>/:
# turn it into a regression test in shared/tests before fixing.
set -euo pipefail
cd "$(dirname "$0")/.."
printf '\n==> %s\n' "fuzzing the parsers (cargo fuzz, ${1:-60} s per target)"

secs="${1:-60}"
targets=(schema_from_toml initiation_request validation_request)

# libFuzzer instrumentation wants nightly. A machine without it (no toolchain can be fetched
# here) builds with the default toolchain and RUSTC_BOOTSTRAP=1, which is enough without a
# sanitizer.
toolchain=(+nightly)
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "no nightly toolchain: building with $(rustc --version) and RUSTC_BOOTSTRAP=1"
  toolchain=()
  export RUSTC_BOOTSTRAP=1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install --locked --quiet cargo-fuzz
fi

# A target directory of its own: nightly and sanitizer flags rebuild everything anyway.
target_dir="${CARGO_TARGET_DIR:-$PWD/target}/fuzz"
# No sanitizer: the project forbids `unsafe`, so what fuzzing finds here is panics, overflow
# (debug assertions are on) and broken invariants, which libFuzzer reports without one.
flags=(--fuzz-dir fuzz --target-dir "$target_dir" --sanitizer none --debug-assertions)

cargo "${toolchain[@]}" fuzz build "${flags[@]}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
summary=()
for t in "${targets[@]}"; do
  dict=fuzz/dicts/json.dict
  [[ "$t" == schema_from_toml ]] && dict=fuzz/dicts/toml.dict
  mkdir -p "$work/$t"
  echo "--- $t for ${secs} s"
  # The fresh corpus dir (first) takes new inputs; the committed seeds are only read.
  cargo "${toolchain[@]}" fuzz run "${flags[@]}" "$t" "$work/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$secs" -dict="$dict" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 >"$work/$t.log" 2>&1 || {
    tail -n 40 "$work/$t.log"
    echo "fuzz target $t crashed: the input is under fuzz/artifacts/$t/" >&2
    exit 1
  }
  runs="$(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "$work/$t.log" | grep -oE '[0-9]+$' || echo '?')"
  cov="$(grep -oE 'cov: [0-9]+' "$work/$t.log" | tail -n 1 | grep -oE '[0-9]+' || echo '?')"
  corpus="$(find "$work/$t" -type f | wc -l | tr -d ' ')"
  summary+=("$t: $runs executions, coverage $cov edges, corpus $corpus, 0 crashes")
done
echo "--- fuzzing summary (${secs} s per target)"
printf '%s\n' "${summary[@]}"
