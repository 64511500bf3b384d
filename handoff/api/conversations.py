"""``/api/v1/conversations``: create, post a message, read a conversation."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from handoff.auth import require_token
from handoff.conversations import (
    ConversationService,
    TurnResult,
    serialize_conversation,
    serialize_reply,
)
from handoff.errors import ApiError
from handoff.validation import attachment_request, conversation_request, json_body, message_request

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def service() -> ConversationService:
    """The app's conversation service."""
    return current_app.extensions["conversations"]


def turn_response(result: TurnResult) -> dict:
    """The JSON answer of the messages endpoint."""
    conv = result.conversation
    wait = None
    if conv.state == "queued" and conv.queue:
        from handoff.queue import expected_wait_minutes
        from handoff.work import sla_minutes

        with current_app.extensions["db"].session() as s:
            wait = expected_wait_minutes(s, conv.queue, sla_minutes().get(conv.queue, 240))
    return {
        "message_id": result.message.id,
        "attachments": (result.message.data or {}).get("attachments", []),
        "expected_wait_minutes": wait,
        "replies": [serialize_reply(m) for m in result.replies],
        "state": conv.state,
        "language": conv.language,
        "handoff": result.handoff,
        "duplicate": result.duplicate,
    }


@bp.post("/conversations")
@require_token
def create_conversation():  # type: ignore[no-untyped-def]
    """Open a conversation for a creator on a channel."""
    channel, creator = conversation_request(json_body())
    conv = service().create(channel, creator)
    return jsonify(serialize_conversation(conv, with_messages=False)), 201


@bp.post("/conversations/<conversation_id>/messages")
@require_token
def post_message(conversation_id: str):  # type: ignore[no-untyped-def]
    """Store a creator message, then return the assistant's replies and the state."""
    text, client_message_id = message_request(json_body())
    result = service().receive(conversation_id, text, client_message_id)
    if result is None:
        raise ApiError(404, f"no conversation {conversation_id!r}")
    return jsonify(turn_response(result))


@bp.post("/conversations/<conversation_id>/attachments")
@require_token
def post_attachment(conversation_id: str):  # type: ignore[no-untyped-def]
    """A creator's image (multipart ``file``, optional ``text`` caption), stored as a message."""
    text, client_message_id, upload = attachment_request()
    result = service().receive(conversation_id, text, client_message_id, attachment=upload)
    if result is None:
        raise ApiError(404, f"no conversation {conversation_id!r}")
    return jsonify(turn_response(result))


@bp.get("/conversations/<conversation_id>/attachments/<attachment_id>")
@require_token
def get_attachment(conversation_id: str, attachment_id: str):  # type: ignore[no-untyped-def]
    """The image itself."""
    return attachment_file(conversation_id, attachment_id)


def attachment_file(conversation_id: str, attachment_id: str):  # type: ignore[no-untyped-def]
    """Serve one stored image of one conversation (404 when it belongs to another conversation)."""
    from handoff.attachments import image_response
    from handoff.models import Attachment

    with current_app.extensions["db"].session() as s:
        found = s.get(Attachment, attachment_id)
        if found is None or found.conversation_id != conversation_id:
            raise ApiError(404, "no such attachment")
        return image_response(found.content_type, found.filename, found.data)


@bp.get("/conversations/<conversation_id>")
@require_token
def get_conversation(conversation_id: str):  # type: ignore[no-untyped-def]
    """Transcript, state, handoff and context of one conversation."""
    conv = service().get(conversation_id)
    if conv is None:
        raise ApiError(404, f"no conversation {conversation_id!r}")
    return jsonify(serialize_conversation(conv))


@bp.get("/queues/<queue>")
@require_token
def list_queue(queue: str):  # type: ignore[no-untyped-def]
    """Conversations waiting in ``queue``, most urgent first."""
    from handoff.queue import waiting

    with current_app.extensions["db"].session() as s:
        try:
            rows = waiting(s, queue)
        except ValueError as exc:
            raise ApiError(404, str(exc)) from None
        items = [
            {
                "id": c.id, "channel": c.channel, "language": c.language, "priority": c.priority,
                "reason": c.handoff_reason, "queued_at": c.queued_at.isoformat() if c.queued_at else None,
                "category": ((c.handoff or {}).get("safety") or {}).get("category"),
            }
            for c in rows
        ]
    return jsonify({"queue": queue, "conversations": items})


@bp.get("/health")
def health():  # type: ignore[no-untyped-def]
    """Liveness of the hub, whether its models are loaded, and whether Rasa answers."""
    ready = current_app.extensions["ready"].is_set()
    return jsonify({"hub": "ok", "ready": ready, "assistant": "up" if service().rasa.is_up() else "down"})
