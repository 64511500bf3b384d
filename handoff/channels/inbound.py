"""Inbound email and ticket webhooks: thread into conversations, store once, answer first touch."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from handoff.api.conversations import turn_response
from handoff.channels.email_text import strip_quoted
from handoff.channels.webhooks import verify_webhook
from handoff.conversations import ConversationService
from handoff.errors import ApiError
from handoff.models import ExternalRef
from handoff.validation import json_body

bp = Blueprint("channels", __name__, url_prefix="/api/v1/channels")


def service() -> ConversationService:
    """The app's conversation service."""
    return current_app.extensions["conversations"]


def _text(body: dict[str, Any], key: str, required: bool = True, limit: int = 20000) -> str:
    value = body.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise ApiError(400, f"'{key}' must be a non-empty string", field=key)
    if len(value) > limit:
        raise ApiError(413, f"'{key}' is longer than {limit} characters", field=key)
    return value


def _lookup(channel: str, refs: list[str]) -> str | None:
    with current_app.extensions["db"].session() as s:
        for ref in refs:
            row = s.scalar(select(ExternalRef).where(ExternalRef.channel == channel, ExternalRef.ref == ref))
            if row is not None:
                return row.conversation_id
    return None


def _remember(channel: str, ref: str, conversation_id: str, kind: str) -> bool:
    """Record ``ref``; False when it was already recorded (a duplicate delivery)."""
    try:
        with current_app.extensions["db"].session() as s:
            s.add(ExternalRef(channel=channel, ref=ref, conversation_id=conversation_id, kind=kind))
        return True
    except IntegrityError:
        return False


@bp.post("/email")
@verify_webhook
def inbound_email():  # type: ignore[no-untyped-def]
    """An inbound email: threads by In-Reply-To / References, strips quotes and signature."""
    body = json_body()
    sender = _text(body, "from", limit=320).strip()
    message_id = _text(body, "message_id", limit=500).strip()
    subject = _text(body, "subject", required=False, limit=500)
    text = strip_quoted(_text(body, "text"))
    if not text:
        raise ApiError(400, "the email has no new text (only quoted history or a signature)", field="text")
    duplicate = _lookup("email", [message_id])
    if duplicate:
        return jsonify({"conversation_id": duplicate, "duplicate": True})
    references = [r for r in [body.get("in_reply_to"), *(body.get("references") or [])] if isinstance(r, str) and r]
    conversation_id = _lookup("email", references)
    if conversation_id is None:
        creator = {"id": sender.lower(), "email": sender, "subject": subject}
        if isinstance(body.get("locale"), str):
            creator["locale"] = body["locale"]
        conversation_id = service().create("email", creator).id
    if not _remember("email", message_id, conversation_id, "inbound"):
        return jsonify({"conversation_id": conversation_id, "duplicate": True})
    result = service().receive(conversation_id, text, client_message_id=message_id)
    assert result is not None
    return jsonify({"conversation_id": conversation_id, **turn_response(result)})


@bp.post("/ticket")
@verify_webhook
def inbound_ticket():  # type: ignore[no-untyped-def]
    """A new ticket or a creator's reply on one: one conversation per ticket id."""
    body = json_body()
    ticket_id = _text(body, "ticket_id", limit=200).strip()
    text = _text(body, "body")
    subject = _text(body, "subject", required=False, limit=500)
    creator = body.get("creator")
    if not isinstance(creator, dict) or not str(creator.get("id") or "").strip():
        raise ApiError(400, "'creator' must be an object with an 'id'", field="creator")
    message_id = str(body.get("message_id") or f"{ticket_id}:{hashlib.sha256(text.encode()).hexdigest()[:16]}")
    duplicate = _lookup("ticket", [f"msg:{message_id}"])
    if duplicate:
        return jsonify({"conversation_id": duplicate, "duplicate": True})
    conversation_id = _lookup("ticket", [f"ticket:{ticket_id}"])
    first = conversation_id is None
    if conversation_id is None:
        profile = {**creator, "ticket_id": ticket_id, "subject": subject, "ticket_priority": body.get("priority"),
                   "custom_fields": body.get("custom_fields") or {}}
        conversation_id = service().create("ticket", profile).id
        _remember("ticket", f"ticket:{ticket_id}", conversation_id, "thread")
    if not _remember("ticket", f"msg:{message_id}", conversation_id, "inbound"):
        return jsonify({"conversation_id": conversation_id, "duplicate": True})
    full = f"{subject}\n\n{text}".strip() if subject and first else text
    result = service().receive(conversation_id, full, client_message_id=message_id)
    assert result is not None
    return jsonify({"conversation_id": conversation_id, **turn_response(result)})
