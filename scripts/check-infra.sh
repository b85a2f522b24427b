#!/usr/bin/env bash
# Offline checks of the deployment files: the SAM template (cfn-lint with the serverless rules,
# `sam validate --lint`, checkov), the deploy commands the docs show (which template and
# configuration file `sam deploy` resolves), the OpenAPI document, and the Genesys CX-as-Code Terraform
# (checkov; terraform fmt; terraform validate only where the genesyscloud provider is available
# from a local mirror). Where terraform is missing, scripts/check-genesys.sh still parses every
# .tf file. Nothing here reaches AWS, Genesys Cloud or any other host: the dummy credentials
# below only satisfy the SAM CLI's start-up, and checkov runs with --skip-download. Every
# finding is fixed or suppressed in place, with its reason, in the file it concerns.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

source scripts/python-tools.sh
python_tools
python_tools checkov

# The SAM CLI's own state in the project's cache: telemetry off and its weekly version check
# (a request to the Python package index) marked as done now, so it stays on this machine.
export __SAM_CLI_APP_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/secure-initiation/sam-cli"
mkdir -p "$__SAM_CLI_APP_DIR"
printf '{"telemetryEnabled": false, "lastVersionCheck": %s}\n' "$(date +%s)" \
  >"$__SAM_CLI_APP_DIR/metadata.json"

log "cfn-lint infra/template.yaml (with the serverless rules)"
cfn-lint --append-rules cfn_lint_serverless.rules -- infra/template.yaml

log "sam validate --lint"
AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline \
  SAM_CLI_TELEMETRY=0 sam validate --lint -t infra/template.yaml

log "the deploy commands of docs/src/platform/build-and-deploy.md and the README"
# Order, templates and flags, and each `sam deploy` resolved by the SAM CLI itself, offline.
python3 scripts/check_deploy_chapter.py

# checkov: --skip-download keeps it from fetching guidelines; its findings fail the run.
checkov_run() {
  "$CHECKOV" --skip-download --quiet --compact "$@"
}
log "checkov infra/template.yaml"
checkov_run -f infra/template.yaml --framework cloudformation secrets

log "checkov infra/genesys/terraform"
checkov_run -d infra/genesys/terraform --framework terraform secrets

log "openapi-spec-validator infra/openapi.yaml"
python3 -m openapi_spec_validator infra/openapi.yaml

tf_dir=infra/genesys/terraform
if ! command -v terraform >/dev/null 2>&1; then
  log "terraform not installed: skipping terraform fmt/validate (check-genesys.sh parses the .tf files)"
  exit 0
fi
# An empty CLI configuration: no plugin cache or credentials from the machine leak in.
cli_config="$(mktemp)"
trap 'rm -f "$cli_config"' EXIT
export TF_CLI_CONFIG_FILE="$cli_config"

log "terraform fmt -check $tf_dir"
terraform fmt -check -diff "$tf_dir"

# `terraform validate` needs the provider's schema. Offline that means a filesystem mirror
# holding mypurecloud/genesyscloud (TF_PROVIDER_MIRROR, default /opt/tf-plugins).
mirror="${TF_PROVIDER_MIRROR:-/opt/tf-plugins}"
# The mirror's layout is HOST/NAMESPACE/TYPE; whichever host it was filled from.
if compgen -G "$mirror/*/mypurecloud/genesyscloud" >/dev/null; then
  log "terraform validate $tf_dir (provider from $mirror)"
  cat >"$cli_config" <<TFRC
provider_installation {
  filesystem_mirror {
    path = "$mirror"
  }
}
TFRC
  work="$(mktemp -d)"
  trap 'rm -rf "$cli_config" "$work"' EXIT
  cp "$tf_dir"/*.tf "$work"/
  terraform -chdir="$work" init -backend=false -input=false >/dev/null
  terraform -chdir="$work" validate
else
  log "terraform validate skipped: no mypurecloud/genesyscloud provider in $mirror (fmt -check passed)"
fi
