"""The conversation service: the hub's single owner of conversation state.

Every inbound creator message is committed *before* anything else happens;
the assistant's turn (replies, handoff payload, state change) is then stored
in one transaction. The hub alone decides what reaches Rasa: only
conversations in state ``bot`` are forwarded.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from handoff.assistant import AssistantUnavailable, BotTurn, RasaClient
from handoff.attachments import MAX_PER_CONVERSATION, Upload
from handoff.db import Database
from handoff.errors import ApiError
from handoff.events import Broker
from handoff.hub_messages import hub_text
from handoff.language import SUPPORTED, LanguageDetector
from handoff.models import (
    TRANSITIONS,
    Attachment,
    Conversation,
    ConversationEvent,
    Handoff,
    Message,
    SafetyDecision,
    utcnow,
)
from handoff.routing import SAFETY_PRIORITY, priority_for, queue_for
from handoff.safety.resources import safety_reply
from handoff.safety.screen import Verdict

log = logging.getLogger(__name__)
RATING = re.compile(r"^/rate([1-5])$")
OFFLINE_CHANNELS = ("email", "ticket")  # replies are delivered by handoff.channels.outbound


class Screener(Protocol):
    """Anything that screens a message for safety (SafetyScreen, or one still loading in the background)."""

    def screen(self, text: str, nlu_intent: str | None = None) -> Verdict: ...


class InvalidTransition(Exception):
    """A state change that DESIGN.md does not allow."""


@dataclass
class TurnResult:
    """What the API answers for one creator message."""

    conversation: Conversation
    message: Message
    replies: list[Message] = field(default_factory=list)
    handoff: dict[str, Any] | None = None
    duplicate: bool = False


def transition(session: Session, conv: Conversation, to_state: str, actor: str = "system", **data: Any) -> None:
    """Change state, recording the event; refuses transitions outside the state machine."""
    if (conv.state, to_state) not in TRANSITIONS:
        raise InvalidTransition(f"{conv.state} -> {to_state} is not allowed")
    session.add(
        ConversationEvent(
            conversation_id=conv.id,
            kind="state_change",
            from_state=conv.state,
            to_state=to_state,
            actor=actor,
            data=data,
        )
    )
    conv.state = to_state
    now = utcnow()
    conv.updated_at = now
    if to_state == "queued":
        conv.queued_at = now
        conv.assigned_to = None
    if to_state == "closed":
        conv.closed_at = now
    if to_state == "bot":
        conv.queue = None
        conv.assigned_to = None
        conv.closed_at = None
        conv.resolution = None


class ConversationService:
    """Creates conversations and runs each creator message through the assistant."""

    def __init__(
        self,
        db: Database,
        rasa: RasaClient,
        detector: LanguageDetector,
        default_locale: str = "en",
        screen: Screener | None = None,
        broker: Broker | None = None,
    ) -> None:
        self.db = db
        self.rasa = rasa
        self.detector = detector
        self.default_locale = default_locale
        self.screen = screen
        self.broker = broker or Broker()

    # -- creating ------------------------------------------------------------

    def create(self, channel: str, creator: dict[str, Any]) -> Conversation:
        """Open a conversation for ``creator`` on ``channel``."""
        locale = (creator.get("locale") or "").split("-")[0].split("_")[0].lower() or None
        language = locale if locale in SUPPORTED else self.default_locale
        with self.db.session() as s:
            conv = Conversation(
                channel=channel,
                creator_id=str(creator["id"]),
                creator_handle=creator.get("handle"),
                creator_locale=creator.get("locale"),
                creator_country=(creator.get("country") or None),
                creator_profile={k: v for k, v in creator.items() if k not in ("id",)},
                state="bot",
                language=language,
                priority=0,
            )
            s.add(conv)
            s.flush()
            s.add(ConversationEvent(conversation_id=conv.id, kind="created", to_state="bot", data={"channel": channel}))
        return conv

    def get(self, conversation_id: str) -> Conversation | None:
        """A conversation with its messages loaded."""
        with self.db.session() as s:
            conv = s.get(Conversation, conversation_id)
            if conv is not None:
                _ = conv.messages  # load while the session is open
            return conv

    # -- one creator message ---------------------------------------------------

    def receive(
        self, conversation_id: str, text: str, client_message_id: str | None = None, attachment: Upload | None = None
    ) -> TurnResult | None:
        """Store the message (and its image), then let the assistant answer if the bot owns the conversation."""
        rating = RATING.match(text.strip())
        if rating and attachment is None:
            rated = self._rate(conversation_id, int(rating.group(1)), text, client_message_id)
            if rated is not None:
                return rated
        result = self._receive(conversation_id, text, client_message_id, attachment)
        if result is not None and not result.duplicate:
            self._publish(result)
        return result

    def _publish(self, result: TurnResult) -> None:
        conv = result.conversation
        for m in [result.message, *result.replies]:
            self.broker.publish(f"conversation:{conv.id}", {"type": "message", "id": m.id, "message": serialize_message(m)})
        if conv.channel in OFFLINE_CHANNELS:
            for m in result.replies:
                self.broker.publish("outbound", {"message_id": m.id, "conversation_id": conv.id})
        event = {"type": "state", "conversation_id": conv.id, "state": conv.state, "queue": conv.queue,
                 # a new handoff in this turn (consoles alert safety specialists on a safety escalation)
                 "escalation": result.handoff is not None}
        self.broker.publish(f"conversation:{conv.id}", event)
        self.broker.publish("inbox", event)
        if conv.state == "assigned" and result.message.sender == "creator":
            # the associate's other tabs and the "my conversations" rail mark it unread (ids only)
            self.broker.publish("inbox", {"type": "activity", "conversation_id": conv.id,
                                          "assigned_to": conv.assigned_to})

    def _rate(self, conversation_id: str, value: int, text: str, client_message_id: str | None) -> TurnResult | None:
        """A 1-5 satisfaction rating after a person resolved the conversation (does not reopen it)."""
        with self.db.session() as s:
            conv = s.get(Conversation, conversation_id)
            if conv is None or conv.state != "closed" or conv.resolution in (None, "assistant"):
                return None
            conv.satisfaction = value
            message = Message(conversation_id=conv.id, sender="creator", text=text, language=conv.language,
                              client_message_id=client_message_id, data={"rating": value})
            s.add(message)
            s.add(ConversationEvent(conversation_id=conv.id, kind="satisfaction", data={"rating": value}))
            reply = Message(conversation_id=conv.id, sender="bot", text=hub_text("thanks_for_rating", conv.language),
                            data={"source": "hub"}, language=conv.language, reply_to=None)
            s.add(reply)
            s.flush()
            return TurnResult(conv, message, [reply])

    def _receive(
        self, conversation_id: str, text: str, client_message_id: str | None = None, attachment: Upload | None = None
    ) -> TurnResult | None:
        stored = self._store_inbound(conversation_id, text, client_message_id, attachment)
        if stored is None:
            return None
        conv, message, duplicate = stored
        if duplicate:
            return self._replay(conv, message)
        if not text.strip():
            # an image on its own: kept for the associate; the assistant can't read images
            if conv.state != "bot":
                return TurnResult(conv, message)
            return self._hub_reply(conv.id, message.id, "attachment_received")
        if self.screen is not None:
            verdict = self.screen.screen(text)
            if verdict.flagged:
                return self._escalate_safety(conv.id, message.id, verdict)
            self._record_decision(conv.id, message.id, verdict)
        if conv.state != "bot":
            return TurnResult(conv, message)
        if conv.language not in SUPPORTED:
            return self._hand_over(
                conv.id, message.id, reason="unsupported_language", bot_text_key="unsupported_language"
            )
        try:
            turn = self.rasa.send(
                conv.id,
                text,
                {
                    "language": conv.language,
                    "channel": conv.channel,
                    "country": conv.creator_country,
                    "creator_id": conv.creator_id,
                    "hub_message_id": message.id,
                },
            )
        except AssistantUnavailable as exc:
            log.warning("assistant unavailable for %s: %s", conv.id, exc)
            return self._hand_over(
                conv.id, message.id, reason="assistant_unavailable", bot_text_key="assistant_unavailable",
                detail=str(exc),
            )
        return self._apply_turn(conv.id, message.id, turn)

    def _store_inbound(
        self, conversation_id: str, text: str, client_message_id: str | None, attachment: Upload | None = None
    ) -> tuple[Conversation, Message, bool] | None:
        with self.db.session() as s:
            conv = s.get(Conversation, conversation_id, with_for_update=True)
            if conv is None:
                return None
            if client_message_id:
                existing = s.scalar(
                    select(Message).where(
                        Message.conversation_id == conversation_id,
                        Message.client_message_id == client_message_id,
                    )
                )
                if existing is not None:
                    return conv, existing, True
            if attachment is not None:
                count = s.scalar(select(func.count()).select_from(Attachment)
                                 .where(Attachment.conversation_id == conversation_id)) or 0
                if count >= MAX_PER_CONVERSATION:
                    raise ApiError(409, f"a conversation can hold at most {MAX_PER_CONVERSATION} images")
            detection = self.detector.detect(text, conv.language)
            if conv.state == "closed":
                transition(s, conv, "bot", reason="creator_wrote_again")
            if detection.language != conv.language and (detection.confident or conv.language is None):
                s.add(
                    ConversationEvent(
                        conversation_id=conv.id, kind="language_change",
                        data={"from": conv.language, "to": detection.language, "rule": detection.rule},
                    )
                )
                conv.language = detection.language
            message = Message(
                conversation_id=conv.id,
                sender="creator",
                text=text,
                language=detection.detected or conv.language,
                client_message_id=client_message_id,
                data={"language_rule": detection.rule},
            )
            s.add(message)
            conv.updated_at = utcnow()
            try:
                s.flush()
                if attachment is not None:
                    stored = Attachment(conversation_id=conv.id, message_id=message.id, filename=attachment.filename,
                                        content_type=attachment.content_type, size=attachment.size,
                                        sha256=attachment.sha256, data=attachment.data)
                    s.add(stored)
                    s.flush()
                    message.data = {**message.data, "attachments": [attachment_meta(stored)]}
            except IntegrityError:
                s.rollback()
                existing = s.scalar(
                    select(Message).where(
                        Message.conversation_id == conversation_id,
                        Message.client_message_id == client_message_id,
                    )
                )
                conv = s.get(Conversation, conversation_id)
                assert existing is not None and conv is not None
                return conv, existing, True
        return conv, message, False

    def _replay(self, conv: Conversation, message: Message) -> TurnResult:
        """A retried message: answer with what was stored the first time."""
        with self.db.session() as s:
            conv = s.get(Conversation, conv.id)  # type: ignore[assignment]
            replies = list(s.scalars(select(Message).where(Message.reply_to == message.id).order_by(Message.id)))
            return TurnResult(conv, message, replies, conv.handoff if conv.state in ("queued", "assigned") else None, True)

    def _apply_turn(self, conversation_id: str, message_id: int, turn: BotTurn) -> TurnResult:
        """Store replies, handoff and state change in one transaction."""
        with self.db.session() as s:
            conv, message = self._load(s, conversation_id, message_id)
            replies = [self._bot_message(conv, message_id, r) for r in turn.replies]
            if turn.handoff is not None and turn.handoff.get("reason") == "safety":
                # the assistant recognised a safety concern the screen missed: same message and resources
                category = (turn.handoff.get("safety") or {}).get("category") or "threats"
                replies.insert(0, self._safety_message(conv, message_id, category))
            s.add_all(replies)
            for event in turn.events:
                s.add(ConversationEvent(conversation_id=conv.id, kind=str(event.get("kind", "bot_event")), data=event))
            handoff = None
            if turn.handoff is not None and conv.state == "bot":
                handoff = self._record_handoff(s, conv, turn.handoff)
            elif turn.resolved and conv.state == "bot":
                conv.resolution = "assistant"
                transition(s, conv, "closed", actor="assistant", resolution="assistant")
            conv.updated_at = utcnow()
            s.flush()
            return TurnResult(conv, message, replies, handoff)

    @staticmethod
    def _load(s: Session, conversation_id: str, message_id: int) -> tuple[Conversation, Message]:
        """The conversation (locked for the turn) and the creator message being answered."""
        conv = s.get(Conversation, conversation_id, with_for_update=True)
        message = s.get(Message, message_id)
        assert conv is not None and message is not None
        return conv, message

    @staticmethod
    def _safety_message(conv: Conversation, reply_to: int, category: str) -> Message:
        """The category's safety message and resources, in the creator's language."""
        return Message(
            conversation_id=conv.id, sender="bot", language=conv.language, reply_to=reply_to,
            text=safety_reply(category, conv.language, conv.creator_country),
            data={"article_id": None, "source": "safety", "category": category},
        )

    @staticmethod
    def _hub_message(conv: Conversation, reply_to: int, text_key: str) -> Message:
        """A reply the hub writes itself (see ``hub_messages``), in the conversation's language."""
        return Message(
            conversation_id=conv.id, sender="bot", text=hub_text(text_key, conv.language),
            data={"article_id": None, "source": "hub"}, language=conv.language, reply_to=reply_to,
        )

    def _bot_message(self, conv: Conversation, reply_to: int, reply: dict[str, Any]) -> Message:
        data = {k: v for k, v in reply.items() if k != "text"}
        return Message(
            conversation_id=conv.id, sender="bot", text=reply.get("text", ""), data=data,
            language=conv.language, reply_to=reply_to,
        )

    def _record_handoff(self, s: Session, conv: Conversation, payload: dict[str, Any]) -> dict[str, Any]:
        """Store a handoff and point the conversation at its queue; a bot conversation becomes queued
        (one already waiting keeps its place in time and only changes queue and priority)."""
        reason = str(payload.get("reason") or "requested_by_creator")
        queue = payload.get("queue") or queue_for(reason, payload)
        given = payload.get("priority")
        priority = int(given) if given is not None else priority_for(queue, reason)
        full = {**payload, "reason": reason, "queue": queue, "priority": priority}
        full.setdefault("language", conv.language)
        full["transcript_message_count"] = len(conv.messages)
        s.add(Handoff(conversation_id=conv.id, reason=reason, queue=queue, priority=priority, payload=full))
        conv.queue = queue
        conv.priority = priority
        conv.handoff_reason = reason
        conv.handoff = full
        if conv.state == "bot":
            transition(s, conv, "queued", actor="assistant", reason=reason, queue=queue)
        return full

    def _record_decision(self, conversation_id: str, message_id: int, verdict: Verdict, s: Session | None = None) -> None:
        row = SafetyDecision(
            conversation_id=conversation_id, message_id=message_id, flagged=verdict.flagged,
            category=verdict.category, score=verdict.score, signals=verdict.signals,
        )
        if s is not None:
            s.add(row)
            return
        with self.db.session() as session:
            session.add(row)

    def _escalate_safety(self, conversation_id: str, message_id: int, verdict: Verdict) -> TurnResult:
        """Stop the bot, send the category's message and resources, move to the top of the safety queue."""
        with self.db.session() as s:
            conv, message = self._load(s, conversation_id, message_id)
            self._record_decision(conv.id, message_id, verdict, s)
            safety = {"category": verdict.category, "evidence": verdict.evidence, "score": round(verdict.score, 4),
                      "message_id": message_id}
            previous = dict(conv.handoff or {})
            first = first_typed_message(conv, message.text)
            payload = {
                **{k: v for k, v in previous.items() if k in ("details", "articles_shown", "intent_ranking")},
                "reason": "safety",
                "queue": "safety",
                "priority": SAFETY_PRIORITY,
                "summary": f"SAFETY: {verdict.category} | lang {conv.language} | evidence: \u201c{verdict.evidence[:160]}\u201d"
                + (f" | first message: \u201c{first[:120]}\u201d" if first != message.text else ""),
                "language": conv.language,
                "safety": safety,
            }
            payload.setdefault("details", {})
            payload.setdefault("articles_shown", [])
            payload.setdefault("intent_ranking", [])
            if conv.state == "assigned":
                payload["previous_assignee"] = conv.assigned_to
                payload["moved_from_queue"] = conv.queue
                transition(s, conv, "queued", actor="safety_screen", reason="safety", category=verdict.category)
            elif conv.state == "queued":
                payload["moved_from_queue"] = conv.queue
                s.add(ConversationEvent(conversation_id=conv.id, kind="safety_move", from_state="queued",
                                        to_state="queued", data={"from_queue": conv.queue}))
            full = self._record_handoff(s, conv, payload)
            reply = self._safety_message(conv, message_id, verdict.category or "harassment")
            s.add(reply)
            s.flush()
            return TurnResult(conv, message, [reply], full)

    def _hub_reply(self, conversation_id: str, message_id: int, text_key: str) -> TurnResult:
        """A reply the hub sends itself, without the assistant (e.g. to an image sent on its own)."""
        with self.db.session() as s:
            conv, message = self._load(s, conversation_id, message_id)
            reply = self._hub_message(conv, message_id, text_key)
            s.add(reply)
            s.flush()
            return TurnResult(conv, message, [reply])

    def _hand_over(
        self, conversation_id: str, message_id: int, reason: str, bot_text_key: str, detail: str | None = None
    ) -> TurnResult:
        """A handoff decided by the hub itself (assistant down, unsupported language)."""
        with self.db.session() as s:
            conv, message = self._load(s, conversation_id, message_id)
            first = first_typed_message(conv, message.text)
            payload: dict[str, Any] = {
                "reason": reason,
                "summary": f"[{reason}] first message: {first[:200]}",
                "language": conv.language,
                "details": {"error": detail} if detail else {},
                "articles_shown": [],
                "intent_ranking": [],
                "safety": None,
            }
            handoff = self._record_handoff(s, conv, payload) if conv.state == "bot" else conv.handoff
            reply = self._hub_message(conv, message_id, bot_text_key)
            s.add(reply)
            s.flush()
            return TurnResult(conv, message, [reply], handoff)


def first_typed_message(conv: Conversation, default: str) -> str:
    """The creator's first typed message (not a button payload such as the widget's /greet)."""
    return next((m.text for m in conv.messages
                 if m.sender == "creator" and m.text.strip() and not m.text.startswith("/")), default)


def serialize_message(m: Message) -> dict[str, Any]:
    """Public JSON form of a message."""
    out = {
        "id": m.id,
        "sender": m.sender,
        "text": m.text,
        "language": m.language,
        "created_at": _iso(m.created_at),
        "article_id": (m.data or {}).get("article_id"),
    }
    if m.client_message_id:
        out["client_message_id"] = m.client_message_id
    extra = {k: v for k, v in (m.data or {}).items()
             if k in ("buttons", "title", "locale", "score", "image", "associate", "attachments")}
    out.update(extra)
    return out


def attachment_meta(a: Attachment) -> dict[str, Any]:
    """What a transcript says about an attachment (the bytes are fetched separately, with access checks)."""
    return {"id": a.id, "name": a.filename, "type": a.content_type, "size": a.size}


def serialize_reply(m: Message) -> dict[str, Any]:
    """A bot reply as returned by the messages endpoint."""
    data = m.data or {}
    out = {"id": m.id, "text": m.text, "article_id": data.get("article_id")}
    for key in ("buttons", "title", "locale", "score", "locale_fallback", "image"):
        if key in data:
            out[key] = data[key]
    return out


def serialize_conversation(conv: Conversation, with_messages: bool = True) -> dict[str, Any]:
    """Public JSON form of a conversation: state, handoff, context and transcript."""
    out: dict[str, Any] = {
        "id": conv.id,
        "channel": conv.channel,
        "state": conv.state,
        "language": conv.language,
        "queue": conv.queue,
        "priority": conv.priority,
        "handoff": conv.handoff if conv.handoff_reason else None,
        "creator": {
            "id": conv.creator_id,
            "handle": conv.creator_handle,
            "locale": conv.creator_locale,
            "country": conv.creator_country,
        },
        "resolution": conv.resolution,
        "created_at": _iso(conv.created_at),
        "updated_at": _iso(conv.updated_at),
        "context": {
            "summary": (conv.handoff or {}).get("summary"),
            "details": (conv.handoff or {}).get("details", {}),
            "articles_shown": (conv.handoff or {}).get("articles_shown", []),
            "reason": conv.handoff_reason,
        },
    }
    if with_messages:
        out["messages"] = [serialize_message(m) for m in conv.messages]
        out["transcript"] = out["messages"]
    return out


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()
