"""Console pages and their JSON calls (session login, CSRF on every state change)."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import yaml
from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from handoff.accounts import authenticate, check_csrf, csrf_token, current_associate, login_required
from handoff.conversations import first_typed_message, serialize_conversation
from handoff.hub_messages import hub_text
from handoff.models import QUEUES, AuditEntry, Conversation
from handoff.sse import sse_response
from handoff.work import RESOLUTION_CODES, Work, WorkError, inbox_row

bp = Blueprint("console", __name__, url_prefix="/console")
MACROS = yaml.safe_load((Path(__file__).parent / "macros.yml").read_text(encoding="utf-8"))
_kb_lock = threading.Lock()


def work() -> Work:
    """The app's associate actions."""
    return current_app.extensions["work"]


@bp.app_context_processor
def _inject() -> dict[str, Any]:
    return {"csrf_token": csrf_token, "associate": current_associate()}


@bp.errorhandler(WorkError)
def _work_error(exc: WorkError):  # type: ignore[no-untyped-def]
    return jsonify({"error": exc.message}), exc.status


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    """Log in with username and password."""
    error = None
    if request.method == "POST":
        check_csrf()
        associate = authenticate(current_app.extensions["db"], request.form.get("username", ""),
                                 request.form.get("password", ""))
        if associate is None:
            error = "Wrong username or password."
        else:
            session.clear()
            session["associate"] = associate.username
            csrf_token()
            _set_presence(associate.username, "available")
            _audit(associate.username, "login")
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/console") else url_for("console.inbox"))
    return render_template("console/login.html", error=error), 401 if error else 200


@bp.post("/logout")
@login_required()
def logout():  # type: ignore[no-untyped-def]
    """End the session (and the shift: the associate is offline)."""
    _set_presence(current_associate().username, "offline")  # type: ignore[union-attr]
    _audit(current_associate().username, "logout")  # type: ignore[union-attr]
    session.clear()
    return redirect(url_for("console.login"))


@bp.get("/")
@login_required()
def inbox():  # type: ignore[no-untyped-def]
    """The inbox page (rows come from the JSON call and live events)."""
    return render_template("console/inbox.html")


@bp.get("/api/inbox")
@login_required()
def inbox_json():  # type: ignore[no-untyped-def]
    """Queued conversations I may see, most urgent first, and mine."""
    return jsonify(work().inbox(current_associate()))  # type: ignore[arg-type]


@bp.post("/api/presence")
@login_required()
def presence():  # type: ignore[no-untyped-def]
    """The console checks in (every 45 s) and may change my status: available, away or offline."""
    from handoff.presence import STATUSES

    body = request.get_json(silent=True) or {}
    status = body.get("status")
    if status is not None and status not in STATUSES:
        return jsonify({"error": f"'status' must be one of {list(STATUSES)}"}), 400
    me = current_associate()
    changed = _set_presence(me.username, status)  # type: ignore[union-attr]
    if status is not None and changed:
        _audit(me.username, "status", status=status)  # type: ignore[union-attr]
    return jsonify({"status": status or me.status})  # type: ignore[union-attr]


@bp.get("/api/events")
@login_required()
def inbox_events():  # type: ignore[no-untyped-def]
    """Live inbox changes (server-sent events)."""
    return sse_response(current_app.extensions["broker"], ["inbox"])


@bp.post("/api/next")
@login_required()
def take_next():  # type: ignore[no-untyped-def]
    """Claim the most urgent conversation I can take."""
    conv = work().next_for(current_associate())  # type: ignore[arg-type]
    if conv is None:
        return jsonify({"error": "nothing waiting that you can take"}), 404
    return jsonify({"id": conv.id, "url": url_for("console.conversation", conversation_id=conv.id)})


@bp.post("/api/conversations/<conversation_id>/claim")
@login_required()
def claim(conversation_id: str):  # type: ignore[no-untyped-def]
    """Take this conversation (atomic: only one associate wins)."""
    conv = work().claim(current_associate(), conversation_id)  # type: ignore[arg-type]
    return jsonify({"id": conv.id, "state": conv.state, "assigned_to": conv.assigned_to})


@bp.get("/c/<conversation_id>")
@login_required()
def conversation(conversation_id: str):  # type: ignore[no-untyped-def]
    """The conversation page."""
    _readable(conversation_id)
    return render_template("console/conversation.html", conversation_id=conversation_id, queues=QUEUES,
                           codes=RESOLUTION_CODES)


@bp.get("/api/conversations/<conversation_id>")
@login_required()
def conversation_json(conversation_id: str):  # type: ignore[no-untyped-def]
    """Transcript (with notes), context card, history and macros (suggested articles come separately)."""
    me = current_associate()
    conv = _readable(conversation_id)
    data = serialize_conversation(conv)
    data["row"] = inbox_row(conv)
    data["history"] = work().history(conv)
    data["mine"] = conv.state == "assigned" and conv.assigned_to == me.username  # type: ignore[union-attr]
    data["read_only"] = conv.queue == "safety" and not me.can_see_queue("safety")  # type: ignore[union-attr]
    data["macros"] = [
        {"id": m["id"], "title": m["title"],
         "text": (m.get(conv.language) or m["en"]).replace("{associate}", me.display_name)}  # type: ignore[union-attr]
        for m in MACROS
    ]
    return jsonify(data)


@bp.get("/api/conversations/<conversation_id>/suggestions")
@login_required()
def suggestions(conversation_id: str):  # type: ignore[no-untyped-def]
    """Articles for the creator's first question (its own call: the transcript never waits for search)."""
    conv = _readable(conversation_id)
    return jsonify({"suggestions": _suggestions(conv)})


@bp.get("/api/conversations/<conversation_id>/events")
@login_required()
def conversation_events(conversation_id: str):  # type: ignore[no-untyped-def]
    """Live messages and state changes of one conversation."""
    _readable(conversation_id)
    return sse_response(current_app.extensions["broker"], [f"conversation:{conversation_id}"])


@bp.get("/api/conversations/<conversation_id>/attachments/<attachment_id>")
@login_required()
def attachment(conversation_id: str, attachment_id: str):  # type: ignore[no-untyped-def]
    """An image the creator sent (same access rule as the conversation)."""
    from handoff.api.conversations import attachment_file

    _readable(conversation_id)
    return attachment_file(conversation_id, attachment_id)


@bp.post("/api/conversations/<conversation_id>/typing")
@login_required()
def typing(conversation_id: str):  # type: ignore[no-untyped-def]
    """I am typing a reply: the creator's widget shows it (nothing is stored)."""
    me = current_associate()
    conv = work().get(conversation_id)
    if conv.state != "assigned" or conv.assigned_to != me.username:  # type: ignore[union-attr]
        return jsonify({"error": "take the conversation before replying"}), 409
    current_app.extensions["broker"].publish(
        f"conversation:{conversation_id}",
        {"type": "typing", "conversation_id": conversation_id, "sender": "associate", "name": me.display_name},  # type: ignore[union-attr]
    )
    return "", 204


@bp.post("/api/conversations/<conversation_id>/reply")
@login_required()
def reply(conversation_id: str):  # type: ignore[no-untyped-def]
    """Reply to the creator."""
    msg = work().reply(current_associate(), conversation_id, _field("text"))  # type: ignore[arg-type]
    return jsonify({"id": msg.id})


@bp.post("/api/conversations/<conversation_id>/note")
@login_required()
def note(conversation_id: str):  # type: ignore[no-untyped-def]
    """Add an internal note."""
    msg = work().note(current_associate(), conversation_id, _field("text"))  # type: ignore[arg-type]
    return jsonify({"id": msg.id})


@bp.post("/api/conversations/<conversation_id>/transfer")
@login_required()
def transfer(conversation_id: str):  # type: ignore[no-untyped-def]
    """Transfer to a queue or an associate, with a note."""
    body = request.get_json(silent=True) or {}
    work().transfer(current_associate(), conversation_id, queue=body.get("queue") or None,  # type: ignore[arg-type]
                    to_associate=body.get("associate") or None, note=str(body.get("note") or ""))
    return jsonify({"ok": True})


@bp.post("/api/conversations/<conversation_id>/handback")
@login_required()
def hand_back(conversation_id: str):  # type: ignore[no-untyped-def]
    """Hand the conversation back to the assistant."""
    work().hand_back(current_associate(), conversation_id)  # type: ignore[arg-type]
    return jsonify({"ok": True})


@bp.post("/api/conversations/<conversation_id>/resolve")
@login_required()
def resolve(conversation_id: str):  # type: ignore[no-untyped-def]
    """Resolve with a resolution code; the creator is asked for a rating."""
    conv = work().get(conversation_id)
    work().resolve(current_associate(), conversation_id, _field("code"),  # type: ignore[arg-type]
                   hub_text("rate_us", conv.language))
    return jsonify({"ok": True})


def _readable(conversation_id: str) -> Conversation:
    """The conversation, if the logged-in associate may read it (403 otherwise, 404 if unknown)."""
    conv = work().get(conversation_id)
    if not work().can_read(current_associate(), conv):  # type: ignore[arg-type]
        abort(403, description="safety conversations are for safety specialists")
    return conv


def _field(name: str) -> str:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise WorkError(400, "send a JSON object")
    value = body.get(name)
    if not isinstance(value, str):
        raise WorkError(400, f"'{name}' must be a string")
    return value


def _suggestions(conv) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Articles for the creator's first question, in their language (empty without an index)."""
    first = first_typed_message(conv, "")
    if not first:
        return []
    try:
        kb = current_app.extensions.get("kb")
        if kb is None:
            with _kb_lock:
                kb = current_app.extensions.get("kb")
                if kb is None:
                    from knowledge_base.encoder import load_encoder
                    from knowledge_base.search import KnowledgeBase
                    from knowledge_base.settings import Settings

                    settings = Settings.from_env()
                    kb = KnowledgeBase(settings.index_dir, load_encoder(settings.encoder),
                                       fallback_locales=settings.fallback_locales)
                    current_app.extensions["kb"] = kb
        result = kb.search(first, locale=conv.language if conv.language in ("en", "fr", "ar") else "en", top=3)
    except Exception:  # the console works without suggestions
        current_app.logger.exception("article suggestions failed")
        return []
    return [{"article_id": h.article_id, "title": h.title, "passage": h.passage, "locale": h.locale}
            for h in result.hits]


def _audit(actor: str, action: str, conversation_id: str | None = None, **data: Any) -> None:
    with current_app.extensions["db"].session() as s:
        s.add(AuditEntry(actor=actor, action=action, conversation_id=conversation_id, data=data,
                         created_at=dt.datetime.now(dt.UTC)))





def _set_presence(username: str, status: str | None) -> bool:
    """Check the associate in; returns whether their status changed."""
    from handoff.models import Associate
    from handoff.presence import check_in

    with current_app.extensions["db"].session() as s:
        associate = s.get(Associate, username)
        if associate is None:
            return False
        before = associate.status
        check_in(s, associate, status)
        return before != associate.status
