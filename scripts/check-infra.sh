#!/usr/bin/env bash
# Offline checks of the deployment files: the SAM template (cfn-lint, sam validate --lint), the
# OpenAPI document, and the Genesys CX-as-Code Terraform (terraform fmt; terraform validate only
# where the genesyscloud provider is available from a local mirror). Where terraform is missing,
# scripts/check-genesys.sh still parses every .tf file. Nothing here reaches AWS or
# Genesys Cloud: the dummy credentials below only satisfy the SAM CLI's start-up.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

ensure_pip() {
  # ensure_pip <check> <pip spec>
  if ! eval "$1" >/dev/null 2>&1; then
    log "installing $2"
    python3 -m pip install --quiet --disable-pip-version-check "$2"
  fi
}

ensure_pip "command -v cfn-lint" "cfn-lint"
ensure_pip "command -v sam" "aws-sam-cli"
ensure_pip "python3 -c 'import openapi_spec_validator'" "openapi-spec-validator"

log "cfn-lint infra/template.yaml"
cfn-lint infra/template.yaml

log "sam validate --lint"
AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline \
  SAM_CLI_TELEMETRY=0 sam validate --lint -t infra/template.yaml

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
