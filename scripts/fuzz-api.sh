#!/usr/bin/env bash
# Schema-driven API fuzzing: schemathesis generates requests from infra/openapi.yaml (valid and
# invalid bodies, headers, parameters) and sends them to the local stack; every answer must be
# free of server errors and conform to the document (status, content type, body schema).
#
# usage: bash scripts/fuzz-api.sh [examples per operation]     (default 1000)
#
# Installs schemathesis (scripts/requirements.txt) when missing. Starts the `local` binary on a free loopback port and
# stops it afterwards. Credentials come from scripts/fuzz_api_hooks.py. One worker: with
# several, CPython 3.11's `ast.parse` (used by Hypothesis to describe strategies) can fail
# with "AST constructor recursion depth mismatch" when two threads run it at once.
set -euo pipefail
cd "$(dirname "$0")/.."
printf '\n==> %s\n' "API fuzzing against infra/openapi.yaml (schemathesis, ${1:-1000} examples per operation)"

examples="${1:-1000}"
spec=infra/openapi.yaml
[[ -f "$spec" ]] || { echo "no $spec: nothing to fuzz" >&2; exit 1; }

source scripts/python-tools.sh
python_tools # schemathesis, pinned in scripts/requirements.txt

cargo build --quiet -p local
bin="${CARGO_TARGET_DIR:-target}/debug/local"
work="$(mktemp -d)"
"$bin" --port 0 >"$work/local.log" 2>&1 &
local_pid=$!
trap 'kill "$local_pid" 2>/dev/null || true; wait "$local_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

base=""
for _ in $(seq 1 100); do
  base="$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/local.log" | head -n 1)"
  [[ -n "$base" ]] && break
  kill -0 "$local_pid" 2>/dev/null || { cat "$work/local.log"; exit 1; }
  sleep 0.1
done
[[ -n "$base" ]] || { echo "the local stack did not start" >&2; cat "$work/local.log"; exit 1; }
echo "fuzzing $base with $examples examples per operation"

export FUZZ_API_BASE_URL="$base"
export SCHEMATHESIS_HOOKS=fuzz_api_hooks
export PYTHONPATH="$PWD/scripts${PYTHONPATH:+:$PYTHONPATH}"
set +e
# From the scratch directory: schemathesis keeps a `.schemathesis/` cache where it runs.
root="$PWD"
cd "$work"
st run "$root/$spec" \
  --url "$base" \
  --phases examples,coverage,fuzzing \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$examples" \
  --workers 1 \
  --seed 20261124 \
  --request-timeout 10 \
  --no-color \
  --report ndjson --report-dir "$work/report" \
  >"$work/st.log" 2>&1
status=$?
set -e
if [[ "$status" -eq 0 ]]; then
  sed -n '/=== SUMMARY ===/,$p' "$work/st.log"
else
  cat "$work/st.log"
fi

# The outcome mix: how many requests got each status, per operation.
python3 - "$work/report" <<'PY'
import collections, glob, json, sys
mix = collections.defaultdict(collections.Counter)
for path in glob.glob(f"{sys.argv[1]}/*.ndjson"):
    with open(path) as f:
        for line in f:
            event = json.loads(line)
            stack = [event]
            while stack:
                node = stack.pop()
                if isinstance(node, dict):
                    if "response" in node and "request" in node and isinstance(node["response"], dict):
                        req, resp = node["request"], node["response"]
                        status = resp.get("status_code")
                        if status is not None:
                            mix[f"{req.get('method', '?')} {req.get('uri', '?').split('?')[0].split('/', 3)[-1]}"][status] += 1
                    stack.extend(node.values())
                elif isinstance(node, list):
                    stack.extend(node)
total = sum(sum(c.values()) for c in mix.values())
print(f"responses by operation and status ({total} in all):")
for op, counts in sorted(mix.items()):
    print(f"  /{op}: " + ", ".join(f"{s}×{n}" for s, n in sorted(counts.items())))
PY
exit "$status"
