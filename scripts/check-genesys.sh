#!/usr/bin/env bash
# Offline checks of the Genesys side as code:
#   - every .tf file of the repository parses as HCL (python-hcl2, pinned), so a machine
#     without terraform still catches a broken file (check-infra.sh adds `terraform fmt -check`
#     where terraform is installed);
#   - the generated inbound message flow lints clean (lint-flow, exit 0).
# Nothing here reaches Genesys Cloud.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

# python-hcl2, pinned in scripts/requirements.txt, in the project's Python tools environment.
source scripts/python-tools.sh
python_tools

mapfile -t tf_files < <(git ls-files '*.tf' 2>/dev/null || find . -name '*.tf' -not -path './target/*')
log "parsing ${#tf_files[@]} Terraform file(s) with python-hcl2"
python3 - "${tf_files[@]}" <<'PY'
import sys
import hcl2

failed = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            hcl2.load(f)
        print(f"ok      {path}")
    except Exception as e:  # any parse error fails the check, with the file named
        failed += 1
        print(f"FAILED  {path}: {e}")
if failed:
    sys.exit(f"{failed} Terraform file(s) do not parse")
PY

log "lint-flow infra/genesys/flows/secure-inbound-message.yaml"
cargo run --quiet -p genesys-as-code --bin lint-flow -- infra/genesys/flows/secure-inbound-message.yaml \
  --set "data_action_name=Validate secure session"
