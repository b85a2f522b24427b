#!/usr/bin/env python3
"""Holds the sandbox to Genesys's official Platform SDK (PyPI `purecloudplatformclientv2`).

Starts the local stack (`LOCAL_BIN`, else target/debug/local), plays a Messenger guest against
the sandbox, then reads what the sandbox serves in Platform API shapes through the SDK itself:
the guest's history (`GET /api/v2/webmessaging/messages` -> `WebMessagingMessageEntityList`),
the message conversation (`GET /api/v2/conversations/messages/{id}` -> `MessageConversation`)
and its disconnect (`PATCH` -> `Conversation`), plus the messages the guest's event stream
pushes (`WebMessagingMessage`). The SDK's deserialiser refuses values outside its enums; on top
of that every key the sandbox sends must be a field of the model (the SDK would silently drop
an unknown one). Exits 1 on the first mismatch, naming it.
"""

import json
import os
import subprocess
import sys
import threading
import urllib.request
import uuid
from datetime import datetime
from importlib.metadata import version

import PureCloudPlatformClientV2 as sdk

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


def listen(events_url, token, count, pushes, ready):
    """Collects the first `count` `message` events of the guest's stream into `pushes`."""
    request = urllib.request.Request(
        events_url, data=json.dumps({"token": token}).encode(), method="POST", headers={"content-type": "application/json"}
    )
    event = ""
    with urllib.request.urlopen(request, timeout=10) as stream:
        for raw in stream:
            line = raw.decode().rstrip("\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                if event == "session":
                    ready.set()
                elif event == "message":
                    pushes.append(json.loads(line[5:]))
                    if len(pushes) == count:
                        return


def main():
    try:  # the check itself must be able to fail
        check({"id": "m", "kind": "Text"}, "WebMessagingMessage", "self-test")
        sys.exit("the shape check accepted a field the SDK does not know")
    except AssertionError:
        pass
    stack, base = start_stack()
    try:
        sandbox = f"{base}/sandbox"
        deployment = call("GET", f"{base}/dev/stack")["messenger"]["deploymentId"]
        token = str(uuid.uuid4())
        call("POST", f"{sandbox}/_sandbox/messenger/sessions", {"deploymentId": deployment, "token": token})
        started = call(
            "POST",
            f"{sandbox}/_sandbox/messenger/messages",
            {"token": token, "message": {"type": "Text", "text": "Where is my order?",
                                          "channel": {"metadata": {"customAttributes": {"session_hash": "x" * 43}}}}},
        )
        conversation_id = started["conversationId"]
        check(started["message"], "WebMessagingMessage", "inbound message")
        deserialize(started["message"], "WebMessagingMessage")
        # The guest listens; an agent writes, then ends the conversation through the Platform API.
        pushes, ready = [], threading.Event()
        listener = threading.Thread(target=listen, args=(f"{sandbox}/_sandbox/messenger/events", token, 2, pushes, ready))
        listener.start()
        assert ready.wait(10), "the event stream opened"
        call("POST", f"{sandbox}/_sandbox/conversations/{conversation_id}/messages", {"text": "How can I help?"})

        # The guest's history, through the SDK. The route takes no OAuth token (the SDK sends
        # none): Genesys wants the guest's JWT, the sandbox its session token, as the bearer.
        guest = sdk.ApiClient(host=sandbox, header_name="Authorization", header_value=f"Bearer {token}")
        history = sdk.WebMessagingApi(guest).get_webmessaging_messages(page_size=25, page_number=1)
        assert isinstance(history, sdk.WebMessagingMessageEntityList)
        assert [m.text for m in history.entities] == ["How can I help?", "Where is my order?"], history.entities
        assert [m.direction for m in history.entities] == ["Outbound", "Inbound"]
        check(call("GET", f"{sandbox}/api/v2/webmessaging/messages", token=token), "WebMessagingMessageEntityList", "history")

        # The conversation and its disconnect, through the SDK with the client-credentials grant.
        platform = sdk.ApiClient(host=sandbox).get_client_credentials_token(CLIENT_ID, CLIENT_SECRET)
        conversations = sdk.ConversationsApi(platform)
        read = conversations.get_conversations_message(conversation_id)
        assert isinstance(read, sdk.MessageConversation) and read.id == conversation_id
        customer = next(p for p in read.participants if p.purpose == "customer")
        assert customer.attributes == {"session_hash": "x" * 43} and customer.state == "connected"
        bearer = platform.access_token
        check(call("GET", f"{sandbox}/api/v2/conversations/messages/{conversation_id}", token=bearer),
              "MessageConversation", "GET conversation")
        body = sdk.Conversation()
        body.state = "disconnected"
        ended = conversations.patch_conversations_message(conversation_id, body)
        assert isinstance(ended, sdk.Conversation) and ended.state == "disconnected"
        assert all(m.state == "disconnected" for p in ended.participants for m in p.messages)
        check(call("PATCH", f"{sandbox}/api/v2/conversations/messages/{conversation_id}", {"state": "disconnected"}, bearer),
              "Conversation", "PATCH conversation")

        # What the stream pushed: the agent's text, then the disconnect, each a WebMessagingMessage.
        listener.join(10)
        assert len(pushes) == 2, pushes
        for i, push in enumerate(pushes):
            assert push["conversationId"] == conversation_id
            check(push["message"], "WebMessagingMessage", f"push {i}")
        text, disconnect = (deserialize(p["message"], "WebMessagingMessage") for p in pushes)
        assert text.text == "How can I help?" and text.direction == "Outbound"
        assert disconnect.type == "Event" and disconnect.events[0].presence.type == "Disconnect"
        last = sdk.WebMessagingApi(guest).get_webmessaging_messages(page_size=1).entities[0]
        assert last.events[0].presence.type == "Disconnect", "the history ends with it"
        print(
            f"sandbox shapes match the official SDK models (purecloudplatformclientv2 {version('purecloudplatformclientv2')}): "
            "WebMessagingMessageEntityList, WebMessagingMessage (inbound, outbound, pushed, presence), "
            "MessageConversation, Conversation"
        )
    except AssertionError as mismatch:
        sys.exit(f"sandbox/SDK mismatch: {mismatch}")
    finally:
        stack.terminate()


if __name__ == "__main__":
    main()
