"""What associates do to conversations: claim, next, reply, note, transfer, hand back, resolve.

Every action is written to the audit log and published to live connections.
Claiming is a single conditional UPDATE, so two associates clicking at once
cannot both get the conversation.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from handoff.conversations import serialize_message, transition
from handoff.db import Database
from handoff.events import Broker
from handoff.models import (
    QUEUES,
    Associate,
    AuditEntry,
    Conversation,
    ConversationEvent,
    Message,
    aware,
    utcnow,
)
from handoff.presence import language_coverage

RESOLUTION_CODES = ("answered", "account_fixed", "payout_investigated", "escalated_externally", "duplicate", "no_reply")
DEFAULT_SLA_MINUTES = {"safety": 5, "account": 60, "payments": 60, "general": 240}


class WorkError(Exception):
    """An associate action that can't be done, with an HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def sla_minutes() -> dict[str, int]:
    """Per-queue SLA from ``HUB_SLA_MINUTES`` ("safety:5,general:240"), defaults otherwise."""
    out = dict(DEFAULT_SLA_MINUTES)
    for part in os.environ.get("HUB_SLA_MINUTES", "").split(","):
        if ":" in part:
            queue, _, minutes = part.partition(":")
            if queue.strip() in QUEUES and minutes.strip().isdigit():
                out[queue.strip()] = int(minutes)
    return out


def language_fallback(conv: Conversation, coverage: dict[str, set[str]], now: dt.datetime | None = None) -> str | None:
    """Why any associate of the queue may take this conversation whatever their languages, or None.

    ``no_associate_on_shift``: nobody on shift who works the queue speaks the creator's language;
    ``sla_overdue``: someone does, but the SLA ran out before they took it.
    """
    if conv.queue is None:
        return None
    if conv.language not in coverage.get(conv.queue, set()):
        return "no_associate_on_shift"
    due = sla_due(conv)
    if due is not None and due <= (now or utcnow()):
        return "sla_overdue"
    return None


def sla_due(conv: Conversation) -> dt.datetime | None:
    """When the conversation's queue SLA runs out."""
    queued = aware(conv.queued_at)
    if queued is None or conv.queue is None:
        return None
    return queued + dt.timedelta(minutes=sla_minutes().get(conv.queue, 240))


@dataclass
class Work:
    """Associate actions over the hub database, publishing to ``broker``."""

    db: Database
    broker: Broker

    # -- reading -------------------------------------------------------------

    def inbox(self, associate: Associate) -> dict[str, Any]:
        """Queued conversations most urgent first (safety contents only for specialists), and mine."""
        with self.db.session() as s:
            queued = s.scalars(
                select(Conversation).where(Conversation.state == "queued")
                .order_by(Conversation.priority.desc(), Conversation.queued_at.asc())
            ).all()
            mine = s.scalars(
                select(Conversation).where(Conversation.state == "assigned", Conversation.assigned_to == associate.username)
                .order_by(Conversation.updated_at.desc())
            ).all()
            visible = [c for c in queued if associate.can_see_queue(c.queue)]
            hidden_safety = sum(1 for c in queued if not associate.can_see_queue(c.queue))
            watching = [
                c for c in queued
                if c.queue == "safety" and (c.handoff or {}).get("previous_assignee") == associate.username
            ]
            coverage = language_coverage(s)
            return {
                "queued": [inbox_row(c, coverage=coverage) for c in visible],
                "mine": [inbox_row(c) for c in mine],
                "hidden_safety": hidden_safety,
                "watching": [inbox_row(c, redact=not associate.can_see_queue("safety")) for c in watching],
            }

    def can_read(self, associate: Associate, conv: Conversation) -> bool:
        """Safety conversations: specialists, and the associate who had it when it was flagged."""
        if conv.queue == "safety" and not associate.can_see_queue("safety"):
            return (conv.handoff or {}).get("previous_assignee") == associate.username
        return True

    # -- claiming ----------------------------------------------------------------

    def claim(self, associate: Associate, conversation_id: str) -> Conversation:
        """Take a queued conversation; 409 when someone else was faster."""
        with self.db.session() as s:
            conv = s.get(Conversation, conversation_id)
            if conv is None:
                raise WorkError(404, "no such conversation")
            if not associate.can_see_queue(conv.queue):
                raise WorkError(403, "only safety specialists can take safety conversations")
            if conv.state == "assigned" and conv.assigned_to == associate.username:
                return conv
            load = s.scalar(
                select(func.count()).select_from(Conversation)
                .where(Conversation.state == "assigned", Conversation.assigned_to == associate.username)
            )
            if load is not None and load >= associate.max_concurrent:
                raise WorkError(409, f"you already have {load} conversations (limit {associate.max_concurrent})")
            result = s.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id, Conversation.state == "queued")
                .values(state="assigned", assigned_to=associate.username, updated_at=utcnow())
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise WorkError(409, "this conversation was already taken")
            s.add(ConversationEvent(conversation_id=conversation_id, kind="state_change", from_state="queued",
                                    to_state="assigned", actor=associate.username, data={"queue": conv.queue}))
            s.refresh(conv)
            speaks = associate.languages or []
            if speaks and conv.language not in speaks:
                # marked: the associate does not speak the creator's language (tools may help; they should know)
                why = language_fallback(conv, language_coverage(s)) or "chosen"
                mark = {"language": conv.language, "associate": associate.username, "why": why}
                conv.handoff = {**(conv.handoff or {}), "language_fallback": mark}
                s.add(ConversationEvent(conversation_id=conversation_id, kind="language_fallback",
                                        actor=associate.username, data=mark))
            s.add(AuditEntry(actor=associate.username, action="claim", conversation_id=conversation_id,
                             data={"queue": conv.queue}))
        self._announce(conversation_id, "assigned", associate.username)
        return self.get(conversation_id)

    def next_for(self, associate: Associate) -> Conversation | None:
        """Claim the most urgent conversation this associate can take (their queues, then language)."""
        queues = [q for q in (associate.queues or list(QUEUES)) if associate.can_see_queue(q)]
        now = utcnow()
        with self.db.session() as s:
            candidates = s.scalars(
                select(Conversation).where(Conversation.state == "queued", Conversation.queue.in_(queues))
                .order_by(Conversation.priority.desc(), Conversation.queued_at.asc())
            ).all()
            coverage = language_coverage(s, now)
        languages = set(associate.languages or [])

        def fits(c: Conversation) -> bool:
            # my language, or nobody with it is on shift, or its SLA ran out: then any associate of the queue
            return not languages or c.language in languages or language_fallback(c, coverage, now) is not None

        for conv in [c for c in candidates if fits(c)]:
            try:
                return self.claim(associate, conv.id)
            except WorkError as exc:
                if exc.status == 409 and "already taken" in exc.message:
                    continue
                raise
        return None

    # -- acting ------------------------------------------------------------------

    def _mine(self, s, associate: Associate, conversation_id: str) -> Conversation:  # type: ignore[no-untyped-def]
        conv = s.get(Conversation, conversation_id)
        if conv is None:
            raise WorkError(404, "no such conversation")
        if conv.state != "assigned" or conv.assigned_to != associate.username:
            raise WorkError(409, "take the conversation before acting on it")
        return conv

    def reply(self, associate: Associate, conversation_id: str, text: str) -> Message:
        """Send a reply to the creator."""
        return self._post(associate, conversation_id, text, "associate", "reply")

    def note(self, associate: Associate, conversation_id: str, text: str) -> Message:
        """An internal note, never shown to the creator."""
        with self.db.session() as s:
            conv = s.get(Conversation, conversation_id)
            if conv is None or not self.can_read(associate, conv):
                raise WorkError(404, "no such conversation")
        return self._post(associate, conversation_id, text, "note", "note", must_own=False)

    def _post(self, associate: Associate, conversation_id: str, text: str, sender: str, action: str,
              must_own: bool = True) -> Message:
        text = (text or "").strip()
        if not text:
            raise WorkError(400, "the message is empty")
        with self.db.session() as s:
            conv = self._mine(s, associate, conversation_id) if must_own else s.get(Conversation, conversation_id)
            if conv is None:
                raise WorkError(404, "no such conversation")
            msg = Message(conversation_id=conversation_id, sender=sender, text=text, language=conv.language,
                          data={"associate": associate.display_name})
            s.add(msg)
            conv.updated_at = utcnow()
            s.add(AuditEntry(actor=associate.username, action=action, conversation_id=conversation_id,
                             data={"length": len(text)}))
            s.flush()
        self.broker.publish(f"conversation:{conversation_id}", {"type": "message", "id": msg.id,
                                                               "message": serialize_message(msg)})
        if sender == "associate":
            self.broker.publish("outbound", {"message_id": msg.id, "conversation_id": conversation_id})
        return msg

    def transfer(self, associate: Associate, conversation_id: str, queue: str | None = None,
                 to_associate: str | None = None, note: str = "") -> None:
        """Back to a queue (optionally another one), or straight to a named associate."""
        with self.db.session() as s:
            conv = self._mine(s, associate, conversation_id)
            if to_associate:
                target = s.get(Associate, to_associate)
                if target is None or not target.active:
                    raise WorkError(400, f"no active associate {to_associate!r}")
                if not target.can_see_queue(conv.queue):
                    raise WorkError(400, f"{to_associate} can't take {conv.queue} conversations")
                conv.assigned_to = to_associate
                s.add(ConversationEvent(conversation_id=conv.id, kind="transfer", actor=associate.username,
                                        data={"to": to_associate, "note": note}))
            else:
                target_queue = queue or conv.queue
                if target_queue not in QUEUES:
                    raise WorkError(400, f"unknown queue {queue!r}")
                transition(s, conv, "queued", actor=associate.username, reason="transfer", note=note)
                conv.queue = target_queue
            if note:
                s.add(Message(conversation_id=conv.id, sender="note", text=note, language=conv.language,
                              data={"associate": associate.display_name, "transfer": True}))
            s.add(AuditEntry(actor=associate.username, action="transfer", conversation_id=conversation_id,
                             data={"queue": queue, "to_associate": to_associate, "note": note}))
        self._announce(conversation_id, "transferred", associate.username)

    def hand_back(self, associate: Associate, conversation_id: str) -> None:
        """Give the conversation back to the assistant: the hub forwards to Rasa again."""
        with self.db.session() as s:
            conv = self._mine(s, associate, conversation_id)
            transition(s, conv, "bot", actor=associate.username, reason="handed_back")
            conv.handoff_reason = None
            s.add(AuditEntry(actor=associate.username, action="hand_back", conversation_id=conversation_id, data={}))
        self._announce(conversation_id, "bot", associate.username)

    def resolve(self, associate: Associate, conversation_id: str, code: str, rating_prompt: str) -> None:
        """Close as resolved by a person, and ask the creator for a 1-5 rating."""
        if code not in RESOLUTION_CODES:
            raise WorkError(400, f"resolution code must be one of {list(RESOLUTION_CODES)}")
        with self.db.session() as s:
            conv = self._mine(s, associate, conversation_id)
            conv.resolution = code
            transition(s, conv, "closed", actor=associate.username, resolution=code)
            msg = Message(conversation_id=conv.id, sender="bot", text=rating_prompt, language=conv.language,
                          data={"buttons": [{"title": str(n), "payload": f"/rate{n}"} for n in range(1, 6)],
                                "source": "hub"})
            s.add(msg)
            s.add(AuditEntry(actor=associate.username, action="resolve", conversation_id=conversation_id,
                             data={"code": code}))
            s.flush()
        self.broker.publish(f"conversation:{conversation_id}", {"type": "message", "id": msg.id,
                                                               "message": serialize_message(msg)})
        self.broker.publish("outbound", {"message_id": msg.id, "conversation_id": conversation_id})
        self._announce(conversation_id, "closed", associate.username)

    def get(self, conversation_id: str) -> Conversation:
        """A conversation with its messages."""
        with self.db.session() as s:
            conv = s.get(Conversation, conversation_id)
            if conv is None:
                raise WorkError(404, "no such conversation")
            _ = conv.messages
            return conv

    def history(self, conv: Conversation) -> list[dict[str, Any]]:
        """The creator's earlier conversations with their outcome."""
        with self.db.session() as s:
            rows = s.scalars(
                select(Conversation).where(Conversation.creator_id == conv.creator_id, Conversation.id != conv.id)
                .order_by(Conversation.created_at.desc()).limit(10)
            ).all()
            return [{"id": c.id, "created_at": c.created_at.isoformat(), "channel": c.channel, "state": c.state,
                     "reason": c.handoff_reason, "resolution": c.resolution} for c in rows]

    def _announce(self, conversation_id: str, state: str, actor: str) -> None:
        event = {"type": "state", "conversation_id": conversation_id, "state": state, "actor": actor}
        self.broker.publish(f"conversation:{conversation_id}", event)
        self.broker.publish("inbox", event)


def inbox_row(conv: Conversation, redact: bool = False, coverage: dict[str, set[str]] | None = None) -> dict[str, Any]:
    """One line of the inbox (``coverage``: languages on shift per queue, to mark language fallbacks)."""
    due = sla_due(conv)
    queued = aware(conv.queued_at)
    safety = (conv.handoff or {}).get("safety") or {}
    return {
        "id": conv.id,
        "channel": conv.channel,
        "language": conv.language,
        "queue": conv.queue,
        "priority": conv.priority,
        "reason": conv.handoff_reason,
        "category": safety.get("category"),
        "summary": None if redact else (conv.handoff or {}).get("summary"),
        "queued_at": queued.isoformat() if queued else None,
        "waiting_seconds": int((utcnow() - queued).total_seconds()) if queued else 0,
        "sla_due": due.isoformat() if due else None,
        "overdue": bool(due and due <= utcnow()),
        "assigned_to": conv.assigned_to,
        "handle": conv.creator_handle,
        "language_fallback": (language_fallback(conv, coverage) if coverage is not None and conv.state == "queued"
                              else ((conv.handoff or {}).get("language_fallback") or {}).get("why")),
    }
