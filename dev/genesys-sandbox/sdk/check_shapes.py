#!/usr/bin/env python3
"""Holds the sandbox to Genesys's official Platform SDK (PyPI `purecloudplatformclientv2`).

Starts the local stack (`LOCAL_BIN`, else target/debug/local), plays a Web Messaging guest over
the sandbox's Guest API (a WebSocket, with the `websockets` client), then reads what the sandbox
serves in Platform API shapes through the SDK itself: the message details a tool finds the
conversation with (`GET /api/v2/conversations/messages/{messageId}/details` -> `MessageData`),
the guest's history (`GET /api/v2/webmessaging/messages` with the `getJwt` bearer ->
`WebMessagingMessageEntityList`), the message conversation (`GET
/api/v2/conversations/messages/{id}` -> `MessageConversation`) and its disconnect (`PATCH` ->
`Conversation`), plus the bodies of the `StructuredMessage` frames the guest receives (the echo,
an agent's text, the disconnect), which are `WebMessagingMessage`s. The SDK's deserialiser
refuses values outside its enums; on top of that every key the sandbox sends must be a field of
the model (the SDK would silently drop an unknown one). Exits 1 on the first mismatch, naming it.
"""

import json
import os
import subprocess
import sys
import urllib.request
import uuid
from datetime import datetime
from importlib.metadata import version

import PureCloudPlatformClientV2 as sdk
from websockets.sync.client import connect

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CLIENT_ID, CLIENT_SECRET = "sandbox-client", "sandbox-secret"  # the sandbox's dev defaults
PRIMITIVES = {"str": str, "int": int, "bool": bool, "float": (int, float), "object": object}


def start_stack():
    binary = os.environ.get("LOCAL_BIN") or os.path.join(
        os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target"), "debug", "local"
    )
    stack = subprocess.Popen([binary, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    first = stack.stdout.readline().strip()
    if not first.startswith("listening on http://127.0.0.1:"):
        stack.kill()
        sys.exit(f"the local stack did not start: {first!r}")
    return stack, first.removeprefix("listening on ")


def call(method, url, body=None, token=None):
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers), timeout=10) as r:
        return json.loads(r.read())


def check(value, type_name, where):
    """Every key of `value` is a field of the SDK model `type_name`, recursively."""
    if type_name.startswith("list["):
        assert isinstance(value, list), f"{where} is not a list"
        for i, item in enumerate(value):
            check(item, type_name[5:-1], f"{where}[{i}]")
        return
    if type_name.startswith("dict("):
        assert isinstance(value, dict), f"{where} is not an object"
        inner = type_name[type_name.index(",") + 1 : -1].strip()
        for key, item in value.items():
            check(item, inner, f"{where}.{key}")
        return
    if type_name in ("datetime", "date"):
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return
    if type_name in PRIMITIVES:
        expected = PRIMITIVES[type_name]
        ok = isinstance(value, expected) and not (type_name == "int" and isinstance(value, bool))
        assert ok, f"{where} = {value!r} is not a {type_name}"
        return
    model = getattr(sdk, type_name)()
    fields = {json_name: name for name, json_name in model.attribute_map.items()}
    assert isinstance(value, dict), f"{where} is not a {type_name} object"
    for key, item in value.items():
        assert key in fields, f"{where}.{key} is not a field of the SDK's {type_name}"
        check(item, model.swagger_types[fields[key]], f"{where}.{key}")


def deserialize(value, type_name):
    """The SDK's own deserialiser (its setters refuse values outside the model's enums)."""
    return sdk.ApiClient()._ApiClient__deserialize(value, type_name)  # noqa: SLF001


class Guest:
    """A guest on the Guest API: requests carry the token and a tracing id; frames read while
    waiting for an answer are kept for `pushed`."""

    def __init__(self, ws, deployment):
        self.ws = ws
        self.token = str(uuid.uuid4())
        self.deployment = deployment
        self.unread = []

    def request(self, frame):
        frame = {**frame, "token": self.token, "tracingId": str(uuid.uuid4())}
        self.ws.send(json.dumps(frame))
        while True:
            answer = json.loads(self.ws.recv(timeout=10))
            if answer.get("tracingId") == frame["tracingId"]:
                assert answer["code"] == 200, f"{frame['action']} answered {answer}"
                return answer
            self.unread.append(answer)

    def pushed(self):
        return self.unread.pop(0) if self.unread else json.loads(self.ws.recv(timeout=10))


def main():
    try:  # the check itself must be able to fail
        check({"id": "m", "kind": "Text"}, "WebMessagingMessage", "self-test")
        sys.exit("the shape check accepted a field the SDK does not know")
    except AssertionError:
        pass
    stack, base = start_stack()
    try:
        info = call("GET", f"{base}/dev/stack")
        url = f"{info['guestApiUrl']}?deploymentId={info['deploymentId']}&application=check-shapes"
        with connect(url, origin=base) as ws:
            play(base, Guest(ws, info["deploymentId"]))
    except AssertionError as mismatch:
        sys.exit(f"sandbox/SDK mismatch: {mismatch}")
    finally:
        stack.terminate()


def play(base, guest):
    """The guest's conversation, and every shape read on the way."""
    sandbox = f"{base}/sandbox"
    guest.request({"action": "configureSession", "deploymentId": guest.deployment})
    attributes = {"session_hash": "x" * 43}
    echo = guest.request({"action": "onMessage", "message": {
        "type": "Text", "text": "Where is my order?", "channel": {"metadata": {"customAttributes": attributes}}}})
    check(echo["body"], "WebMessagingMessage", "inbound echo")
    deserialize(echo["body"], "WebMessagingMessage")

    # A tool finds the conversation by the message's id, through the SDK.
    platform = sdk.ApiClient(host=sandbox).get_client_credentials_token(CLIENT_ID, CLIENT_SECRET)
    conversations = sdk.ConversationsApi(platform)
    bearer = platform.access_token
    details = conversations.get_conversations_message_details(echo["body"]["id"])
    assert isinstance(details, sdk.MessageData) and details.direction == "inbound", details
    conversation_id = details.conversation_id
    check(call("GET", f"{sandbox}/api/v2/conversations/messages/{echo['body']['id']}/details", token=bearer),
          "MessageData", "message details")

    # An agent writes, then ends the conversation through the Platform API; the guest hears both.
    call("POST", f"{sandbox}/_sandbox/conversations/{conversation_id}/messages", {"text": "How can I help?"})
    agent = guest.pushed()

    # The guest's history, through the SDK, with the bearer `getJwt` gave.
    jwt = guest.request({"action": "getJwt"})["body"]["jwt"]
    history_client = sdk.ApiClient(host=base, header_name="Authorization", header_value=f"Bearer {jwt}")
    history = sdk.WebMessagingApi(history_client).get_webmessaging_messages(page_size=25, page_number=1)
    assert isinstance(history, sdk.WebMessagingMessageEntityList)
    assert [m.text for m in history.entities] == ["How can I help?", "Where is my order?"], history.entities
    assert [m.direction for m in history.entities] == ["Outbound", "Inbound"]
    check(call("GET", f"{base}/api/v2/webmessaging/messages", token=jwt), "WebMessagingMessageEntityList", "history")

    # The conversation and its disconnect, through the SDK with the client-credentials grant.
    read = conversations.get_conversations_message(conversation_id)
    assert isinstance(read, sdk.MessageConversation) and read.id == conversation_id
    customer = next(p for p in read.participants if p.purpose == "customer")
    assert customer.attributes == attributes and customer.state == "connected"
    check(call("GET", f"{sandbox}/api/v2/conversations/messages/{conversation_id}", token=bearer),
          "MessageConversation", "GET conversation")
    body = sdk.Conversation()
    body.state = "disconnected"
    ended = conversations.patch_conversations_message(conversation_id, body)
    assert isinstance(ended, sdk.Conversation) and ended.state == "disconnected"
    assert all(m.state == "disconnected" for p in ended.participants for m in p.messages)
    check(call("PATCH", f"{sandbox}/api/v2/conversations/messages/{conversation_id}", {"state": "disconnected"}, bearer),
          "Conversation", "PATCH conversation")
    disconnect = guest.pushed()

    # What the guest received: the agent's text, then the disconnect, each a WebMessagingMessage.
    for name, frame in (("agent text", agent), ("disconnect", disconnect)):
        assert frame["type"] == "message" and frame["class"] == "StructuredMessage", frame
        check(frame["body"], "WebMessagingMessage", name)
    text, ended_event = (deserialize(f["body"], "WebMessagingMessage") for f in (agent, disconnect))
    assert text.text == "How can I help?" and text.direction == "Outbound"
    assert ended_event.type == "Event" and ended_event.events[0].presence.type == "Disconnect"
    last = sdk.WebMessagingApi(history_client).get_webmessaging_messages(page_size=1).entities[0]
    assert last.events[0].presence.type == "Disconnect", "the history ends with it"
    print(
        f"sandbox shapes match the official SDK models (purecloudplatformclientv2 {version('purecloudplatformclientv2')}): "
        "MessageData, WebMessagingMessageEntityList, WebMessagingMessage (echoed, pushed, presence), "
        "MessageConversation, Conversation"
    )


if __name__ == "__main__":
    main()
