#!/usr/bin/env bash
# The AWS side of the cargo-lambda loop: moto on 127.0.0.1 holding the DynamoDB table and the
# three Secrets Manager secrets the functions read, named as dev/cargo-lambda/watch.env names
# them. Runs until Ctrl-C (or SIGTERM), then stops moto; moto keeps everything in memory.
#
#   bash scripts/lambda-loop.sh              # moto on the port of watch.env's AWS_ENDPOINT_URL
#   bash scripts/lambda-loop.sh --port N     # another port (the tests pick a free one)
#
# Then, each in its own terminal (docs/src/platform/cargo-lambda.md):
#   cargo run -p local                       # the development identity provider (port 3000)
#   cargo lambda watch -A 127.0.0.1          # the three functions on http://127.0.0.1:9000
#   cargo lambda invoke validate-session --data-file dev/cargo-lambda/validate-session.json
#
# Prints `ready: ...` once moto answers and is seeded. Installs moto (scripts/requirements.txt)
# when missing. Nothing here reaches any host but 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

env_file=dev/cargo-lambda/watch.env
value() {
  local v
  v="$(sed -n "s/^$1=//p" "$env_file" | tail -n 1)"
  [[ -n "$v" ]] || { echo "lambda-loop: $env_file sets no $1" >&2; exit 2; }
  printf '%s' "$v"
}

port="$(value AWS_ENDPOINT_URL | sed -n 's#^http://127\.0\.0\.1:\([0-9][0-9]*\)/\{0,1\}$#\1#p')"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port="${2:?--port needs a number}"; shift 2 ;;
    *) echo "usage: bash scripts/lambda-loop.sh [--port N]" >&2; exit 2 ;;
  esac
done
[[ "$port" =~ ^[0-9]+$ ]] || {
  echo "lambda-loop: AWS_ENDPOINT_URL in $env_file is not http://127.0.0.1:PORT; pass --port" >&2
  exit 2
}

source scripts/python-tools.sh
python_tools # moto[server], and boto3 with it

endpoint="http://127.0.0.1:$port"
moto_server -H 127.0.0.1 -p "$port" >/dev/null 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true; wait "$moto" 2>/dev/null || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits for moto, then creates what the template creates, empty or with development values:
# the table (key `pk`, TTL on `ttl`) and the three secrets with the fields the functions read.
python3 - "$endpoint" "$(value AWS_REGION)" "$(value SESSION_TABLE)" \
  "$(value SESSION_KEY_SECRET_ID)" "$(value DATA_ACTION_SECRET_ID)" \
  "$(value GENESYS_CREDENTIALS_SECRET_ID)" <<'PY'
import base64, json, os, sys, time, urllib.request

import boto3

endpoint, region, table, session_key, data_action, genesys = sys.argv[1:]
deadline = time.monotonic() + 30
while True:
    try:
        urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(f"moto did not answer on {endpoint} within 30 s")
        time.sleep(0.1)

aws = dict(endpoint_url=endpoint, region_name=region,
           aws_access_key_id="testing", aws_secret_access_key="testing")
dynamodb = boto3.client("dynamodb", **aws)
dynamodb.create_table(
    TableName=table,
    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
    BillingMode="PAY_PER_REQUEST",
)
dynamodb.update_time_to_live(
    TableName=table, TimeToLiveSpecification={"AttributeName": "ttl", "Enabled": True}
)
secrets = boto3.client("secretsmanager", **aws)
for name, fields in [
    # 48 random bytes, as the template generates 64 base64 characters.
    (session_key, {"hmac_key": base64.b64encode(os.urandom(48)).decode()}),
    # The local stack's development credential and its sandbox's OAuth client.
    (data_action, {"username": "architect", "password": "local-dev-only"}),
    (genesys, {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}),
]:
    secrets.create_secret(Name=name, SecretString=json.dumps(fields))
PY

echo "ready: moto on $endpoint with table $(value SESSION_TABLE) and secrets" \
  "$(value SESSION_KEY_SECRET_ID), $(value DATA_ACTION_SECRET_ID)," \
  "$(value GENESYS_CREDENTIALS_SECRET_ID) (Ctrl-C stops it)"
wait "$moto"
