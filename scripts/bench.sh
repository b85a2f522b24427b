#!/usr/bin/env bash
# Builds the functions' release binaries and the floor, then measures them as Lambda runs them
# and prints the Markdown table (see docs/src/project/performance.md).
#
#   bash scripts/bench.sh                 # 20 spawns, 2,000 warm invocations per function
#   bash scripts/bench.sh --quick         # 3 spawns, 100 invocations (CI: keeps the bench from rotting)
#   bash scripts/bench.sh --out bench.md  # any other argument goes to lambda-bench
#
# --quick runs the harness from the debug build the test suite already made; the full run builds
# it with the release profile too, so the harness's own overhead stays small next to the floor's.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*" >&2; }

source scripts/python-tools.sh
python_tools # moto[server], pinned in scripts/requirements.txt

profile=release
for arg in "$@"; do
  if [[ "$arg" == "--quick" ]]; then profile=dev; fi
done

target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

log "release build of the functions and the floor"
cargo build --release --locked --quiet -p initiate -p refresh-token -p validate-session -p floor -p validate-memory

log "the harness ($profile profile)"
cargo build --profile "$profile" --locked --quiet -p lambda-bench
if [[ "$profile" == dev ]]; then harness_dir=debug; else harness_dir=release; fi

log "measuring"
"$target_dir/$harness_dir/lambda-bench" --bin-dir "$target_dir/release" "$@"
