"""Schemathesis hooks for scripts/fuzz-api.sh: real credentials for every generated request.

- Browser routes (POST, tag `browser`) get a bearer session token from the local stack's
  development identity provider, for a NEW subject on every request: the per-subject rate
  limit (5 a minute) would otherwise answer 429 to nearly every initiation and hide the
  handler behind it.
- The data action (`validateSession`) gets the local stack's Basic credential.
- Two browser requests in three that carry a generated `Origin` get the stack's own origin
  instead: a random origin is refused (403) before the body is looked at, so otherwise most
  generated bodies would never reach the handler. The third keeps its generated origin.

The stack's address comes from FUZZ_API_BASE_URL (set by the script).
"""

import base64
import itertools
import os

import requests
import schemathesis

BASE_URL = os.environ["FUZZ_API_BASE_URL"]
DATA_ACTION_CREDENTIAL = os.environ.get("FUZZ_API_DATA_ACTION_CREDENTIAL", "architect:local-dev-only")
_subjects = itertools.count(1)
_origins = itertools.count(1)
_session = requests.Session()


@schemathesis.auth(refresh_interval=None).apply_to(method="POST", tag="browser")
class SessionToken:
    """A fresh session token per request (no caching), each for its own subject."""

    def get(self, case, context):
        sub = f"api-fuzz-{next(_subjects)}"
        response = _session.get(
            f"{BASE_URL}/dev/login", params={"sub": sub, "tier": "2", "geo": "na-east"}, timeout=10
        )
        response.raise_for_status()
        return response.json()["token"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"
        origin = next((k for k in case.headers if k.lower() == "origin"), None)
        if origin is not None and next(_origins) % 3 != 0:
            case.headers[origin] = BASE_URL


@schemathesis.auth().apply_to(operation_id="validateSession")
class DataActionCredential:
    """The Web Services data action's Basic credential."""

    def get(self, case, context):
        return base64.b64encode(DATA_ACTION_CREDENTIAL.encode()).decode()

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Basic {data}"
