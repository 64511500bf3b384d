"""Email and ticket channels: webhook auth, idempotency, threading, SMTP out, ticket callbacks with retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller

from handoff import create_app
from handoff.channels.email_text import strip_quoted
from handoff.models import Message
from tests.conftest import TOKEN, _FixedDetector
from tests.fakes import ScriptedRasa
from tests.stack import free_port


class Inbox:
    """aiosmtpd handler keeping every message."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


class Callback(BaseHTTPRequestHandler):
    received: list[dict] = []
    failures_left = 0

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if Callback.failures_left > 0:
            Callback.failures_left -= 1
            self.send_response(503)
        else:
            Callback.received.append({"body": body, "auth": self.headers.get("Authorization")})
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def callback():  # type: ignore[no-untyped-def]
    Callback.received = []
    Callback.failures_left = 2
    server = HTTPServer(("127.0.0.1", 0), Callback)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture
def channel_app(tmp_path, smtp, callback):  # type: ignore[no-untyped-def]
    from handoff.safety.lexicon import Lexicon
    from handoff.safety.screen import SafetyScreen

    controller, _ = smtp
    app = create_app({
        "TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}", "HUB_API_TOKEN": TOKEN,
        "SECRET_KEY": "t", "PRELOAD_LANGUAGE_MODELS": False, "LANGUAGE_DETECTOR": _FixedDetector(),
        "SAFETY_SCREEN": SafetyScreen(Lexicon(tmp_path / "nolexicon"), None),
        "HUB_WEBHOOK_SECRET": "s3cret", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": controller.port,
        "SMTP_STARTTLS": False, "HUB_EMAIL_FROM": "Creator Support <support@creators.test>",
        "TICKET_CALLBACK_URL": f"http://127.0.0.1:{callback.server_port}/reply", "TICKET_CALLBACK_TOKEN": "cb",
        "TICKET_CALLBACK_BACKOFF": 0.05,
    })
    rasa = ScriptedRasa()
    app.extensions["conversations"].rasa = rasa
    return app, rasa


def wait_for(predicate, timeout=10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_strip_quoted_history_and_signatures():
    text = "Still nothing received.\n\nOn Mon, 3 Mar 2026 at 10:00, Support <s@x> wrote:\n> old text"
    assert strip_quoted(text) == "Still nothing received."
    assert strip_quoted("Toujours rien\n\nLe lun. 3 mars 2026, Support a écrit :\n> vieux") == "Toujours rien"
    assert strip_quoted("ok merci\n--\nLina\n06 12 34 56 78") == "ok merci"
    assert strip_quoted("thanks\n\nSent from my iPhone") == "thanks"


def email(client, body, signed=True):  # type: ignore[no-untyped-def]
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signed:
        headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
    return client.post("/api/v1/channels/email", data=raw, headers=headers)


def test_email_webhook_auth(channel_app):
    app, _ = channel_app
    client = app.test_client()
    body = {"from": "lina@example.com", "to": "support@creators.test", "subject": "payout", "text": "hi",
            "message_id": "<a1@example.com>"}
    assert email(client, body, signed=False).status_code == 401
    raw = json.dumps(body).encode()
    bad = client.post("/api/v1/channels/email", data=raw, headers={"Content-Type": "application/json",
                                                                    "X-Hub-Signature-256": "sha256=00"})
    assert bad.status_code == 401
    assert client.post("/api/v1/channels/email", json=body,
                       headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_email_first_touch_answer_by_smtp_and_threading(channel_app, smtp):
    app, rasa = channel_app
    _, inbox = smtp
    client = app.test_client()
    rasa.outputs.append([{"text": "Withdrawals usually arrive within 15 days."}])
    first = email(client, {"from": "lina@example.com", "to": "support@creators.test", "subject": "my payout",
                           "text": "my withdrawal didn't arrive", "message_id": "<m1@example.com>"}).get_json()
    cid = first["conversation_id"]
    assert first["replies"][0]["text"].startswith("Withdrawals")
    assert wait_for(lambda: len(inbox.messages) == 1)
    sent = inbox.messages[0]
    assert sent["To"] == "lina@example.com" and sent["Subject"] == "Re: my payout"
    assert sent["In-Reply-To"] == "<m1@example.com>"
    assert "15 days" in sent.get_payload()
    # the creator replies to our email: threads into the same conversation, quote stripped
    rasa.outputs.append([{"text": "ok"}])
    reply = email(client, {"from": "lina@example.com", "to": "support@creators.test", "subject": "Re: my payout",
                           "text": "still nothing after 20 days\n\nOn Tue, Support wrote:\n> Withdrawals usually",
                           "message_id": "<m2@example.com>", "in_reply_to": sent["Message-ID"],
                           "references": ["<m1@example.com>", sent["Message-ID"]]}).get_json()
    assert reply["conversation_id"] == cid
    assert rasa.sent[-1][1] == "still nothing after 20 days"
    # the same email delivered twice is stored once
    again = email(client, {"from": "lina@example.com", "to": "support@creators.test", "subject": "Re: my payout",
                           "text": "still nothing after 20 days", "message_id": "<m2@example.com>"}).get_json()
    assert again["duplicate"] is True
    with app.extensions["db"].session() as s:
        assert s.query(Message).filter_by(conversation_id=cid, sender="creator").count() == 2


def test_ticket_replies_posted_back_with_retries(channel_app):
    app, rasa = channel_app
    client = app.test_client()
    h = {"Authorization": f"Bearer {TOKEN}"}
    rasa.outputs.append([{"text": "You can appeal from Account status."}])
    body = {"ticket_id": "T-42", "subject": "Ban", "body": "my account got banned", "priority": "high",
            "creator": {"id": "c-9", "locale": "en"}, "custom_fields": {"plan": "pro"}}
    first = client.post("/api/v1/channels/ticket", json=body, headers=h).get_json()
    assert first["replies"][0]["text"].startswith("You can appeal")
    assert wait_for(lambda: len(Callback.received) == 1)
    got = Callback.received[0]
    assert got["body"]["ticket_id"] == "T-42" and got["auth"] == "Bearer cb"
    assert Callback.failures_left == 0  # two 503s were retried
    dup = client.post("/api/v1/channels/ticket", json=body, headers=h).get_json()
    assert dup["duplicate"] is True
    with app.extensions["db"].session() as s:
        assert s.query(Message).filter_by(conversation_id=first["conversation_id"], sender="creator").count() == 1


def test_ticket_validation(channel_app):
    app, _ = channel_app
    res = app.test_client().post("/api/v1/channels/ticket", json={"ticket_id": "T1", "body": "x"},
                                 headers={"Authorization": f"Bearer {TOKEN}"})
    assert res.status_code == 400 and res.get_json()["field"] == "creator"
