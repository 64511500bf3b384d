"""The chat widget: a page a creator can chat on, and its session-authenticated JSON calls.

The page never sees the hub's API token: a creator's browser may only touch
the conversations its own session opened.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, current_app, jsonify, render_template, request, session
from sqlalchemy import select

from handoff.api.conversations import attachment_file, turn_response
from handoff.conversations import ConversationService, serialize_conversation, serialize_message
from handoff.errors import ApiError
from handoff.models import Message
from handoff.sse import sse_response
from handoff.validation import attachment_request, conversation_request, json_body, message_request

bp = Blueprint("widget", __name__)

MAX_SESSION_CONVERSATIONS = 20


def service() -> ConversationService:
    """The app's conversation service."""
    return current_app.extensions["conversations"]


def _owned(conversation_id: str) -> None:
    if conversation_id not in session.get("conversations", []):
        raise ApiError(404, "no such conversation in this chat session")


@bp.get("/chat")
def chat_page():  # type: ignore[no-untyped-def]
    """The demo chat page (also usable as the live-chat widget)."""
    from handoff.attachments import max_bytes

    limit = max_bytes()
    return render_template("chat.html", max_bytes=limit, max_mb=max(1, limit // (1024 * 1024)))


@bp.post("/widget/api/conversations")
def widget_create():  # type: ignore[no-untyped-def]
    """Start a conversation for this browser session."""
    body = json_body()
    creator = body.get("creator") or {}
    if not isinstance(creator, dict):
        raise ApiError(400, "'creator' must be an object")
    creator.setdefault("id", session.setdefault("creator_id", f"web-{uuid.uuid4().hex[:12]}"))
    channel, creator = conversation_request({"channel": body.get("channel", "live_chat"), "creator": creator})
    if channel not in ("in_app", "live_chat"):
        raise ApiError(400, "the widget only opens in_app or live_chat conversations")
    conv = service().create(channel, creator)
    owned = session.get("conversations", [])[-(MAX_SESSION_CONVERSATIONS - 1) :]
    session["conversations"] = [*owned, conv.id]
    return jsonify(serialize_conversation(conv, with_messages=False)), 201


@bp.post("/widget/api/conversations/<conversation_id>/messages")
def widget_message(conversation_id: str):  # type: ignore[no-untyped-def]
    """Send a creator message from the widget."""
    _owned(conversation_id)
    text, cmid = message_request(json_body())
    result = service().receive(conversation_id, text, cmid)
    if result is None:
        raise ApiError(404, "no such conversation")
    return jsonify(turn_response(result))


@bp.post("/widget/api/conversations/<conversation_id>/attachments")
def widget_attachment(conversation_id: str):  # type: ignore[no-untyped-def]
    """Send an image (a screenshot of a notice or a payout), with an optional caption."""
    _owned(conversation_id)
    text, cmid, upload = attachment_request()
    result = service().receive(conversation_id, text, cmid, attachment=upload)
    if result is None:
        raise ApiError(404, "no such conversation")
    return jsonify(turn_response(result))


@bp.get("/widget/api/conversations/<conversation_id>/attachments/<attachment_id>")
def widget_attachment_file(conversation_id: str, attachment_id: str):  # type: ignore[no-untyped-def]
    """An image of this chat session's conversation."""
    _owned(conversation_id)
    return attachment_file(conversation_id, attachment_id)


@bp.post("/widget/api/conversations/<conversation_id>/typing")
def widget_typing(conversation_id: str):  # type: ignore[no-untyped-def]
    """The creator is typing: shown to the associate who has the conversation (nothing is stored)."""
    _owned(conversation_id)
    current_app.extensions["broker"].publish(
        f"conversation:{conversation_id}", {"type": "typing", "conversation_id": conversation_id, "sender": "creator"}
    )
    return "", 204


@bp.get("/widget/api/conversations/<conversation_id>")
def widget_get(conversation_id: str):  # type: ignore[no-untyped-def]
    """The creator's view of their conversation (no internal notes or context)."""
    _owned(conversation_id)
    conv = service().get(conversation_id)
    if conv is None:
        raise ApiError(404, "no such conversation")
    data = serialize_conversation(conv)
    visible = [m for m in data["messages"] if m["sender"] in ("creator", "bot", "associate")]
    return jsonify({"id": data["id"], "state": data["state"], "language": data["language"], "messages": visible})


CREATOR_VISIBLE = ("creator", "bot", "associate")


@bp.get("/widget/api/conversations/<conversation_id>/events")
def widget_events(conversation_id: str):  # type: ignore[no-untyped-def]
    """Live replies for the creator (server-sent events); catches up from ``Last-Event-ID``."""
    _owned(conversation_id)
    raw = request.headers.get("Last-Event-ID") or request.args.get("after") or "0"
    after = int(raw) if raw.isdigit() else 0

    def backlog() -> list[dict]:
        with current_app.extensions["db"].session() as s:
            rows = s.scalars(
                select(Message).where(Message.conversation_id == conversation_id, Message.id > after,
                                      Message.sender.in_(CREATOR_VISIBLE)).order_by(Message.id)
            ).all()
            return [{"type": "message", "id": m.id, "message": serialize_message(m)} for m in rows]

    broker = current_app.extensions["broker"]
    return sse_response(broker, [f"conversation:{conversation_id}"], backlog=backlog, creator_view=True)
