"""The hub's tables: conversations, messages, handoffs and state-change events."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, overload

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

STATES = ("bot", "queued", "assigned", "closed")
CHANNELS = ("in_app", "live_chat", "email", "ticket")
QUEUES = ("safety", "account", "payments", "general")
REASONS = (
    "requested_by_creator",
    "not_resolved",
    "low_confidence",
    "account_action",
    "safety",
    "unsupported_language",
    "assistant_unavailable",
)
# allowed transitions of DESIGN.md, "Conversations, queues and handoffs"
TRANSITIONS = {
    ("bot", "closed"),
    ("bot", "queued"),
    ("queued", "assigned"),
    ("assigned", "queued"),
    ("assigned", "bot"),
    ("assigned", "closed"),
    ("closed", "bot"),
}


def utcnow() -> dt.datetime:
    """Timezone-aware now in UTC."""
    return dt.datetime.now(dt.UTC)


@overload
def aware(value: dt.datetime) -> dt.datetime: ...
@overload
def aware(value: None) -> None: ...
def aware(value: dt.datetime | None) -> dt.datetime | None:
    """A stored time as timezone-aware UTC (SQLite hands back naive datetimes)."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def new_id() -> str:
    """Opaque conversation id."""
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    """Declarative base of the hub's models."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Conversation(Base):
    """One creator conversation on one channel, owned by the hub."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(16))
    creator_id: Mapped[str] = mapped_column(String(128), index=True)
    creator_handle: Mapped[str | None] = mapped_column(String(128))
    creator_locale: Mapped[str | None] = mapped_column(String(16))
    creator_country: Mapped[str | None] = mapped_column(String(2))
    creator_profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="bot", index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    queue: Mapped[str | None] = mapped_column(String(16), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    handoff_reason: Mapped[str | None] = mapped_column(String(32))
    handoff: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    assigned_to: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str | None] = mapped_column(String(32))
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    queued_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.id", cascade="all, delete-orphan"
    )

    __table_args__ = (Index("ix_conversations_queue_state", "queue", "state"),)


class Message(Base):
    """Anything said in a conversation, by the creator, the bot, an associate or the system."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    sender: Mapped[str] = mapped_column(String(16))  # creator | bot | associate | system
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    language: Mapped[str | None] = mapped_column(String(8))
    client_message_id: Mapped[str | None] = mapped_column(String(128))
    reply_to: Mapped[int | None] = mapped_column(Integer)  # bot replies point at the creator message
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")

    __table_args__ = (
        UniqueConstraint("conversation_id", "client_message_id", name="uq_messages_client_id"),
    )


class Handoff(Base):
    """Each time a conversation was handed to a person, with the context sent along."""

    __tablename__ = "handoffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    reason: Mapped[str] = mapped_column(String(32))
    queue: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ConversationEvent(Base):
    """State changes and other facts about a conversation, for audit and metrics."""

    __tablename__ = "conversation_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # state_change | language_change | ...
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64), default="system")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SafetyDecision(Base):
    """The safety screen's decision on one creator message (audit and tuning; never shown to creators)."""

    __tablename__ = "safety_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    flagged: Mapped[bool] = mapped_column(default=False)
    category: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(default=0.0)
    signals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


ROLES = ("associate", "safety_specialist", "team_lead", "admin")


class Associate(Base):
    """A person who works the queue in the console."""

    __tablename__ = "associates"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(256))
    roles: Mapped[list[Any]] = mapped_column(JSON, default=list)
    queues: Mapped[list[Any]] = mapped_column(JSON, default=list)
    languages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    max_concurrent: Mapped[int] = mapped_column(Integer, default=5)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # on shift = "available" and the console was seen recently (see handoff.presence)
    status: Mapped[str] = mapped_column(String(16), default="offline")
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    def has_role(self, *roles: str) -> bool:
        """True when the associate has any of ``roles`` (admins have all)."""
        return "admin" in self.roles or any(r in self.roles for r in roles)

    def can_see_queue(self, queue: str | None) -> bool:
        """Only safety specialists (and leads/admins) see the safety queue's contents."""
        if queue == "safety":
            return self.has_role("safety_specialist", "team_lead")
        return True


class AuditEntry(Base):
    """Who did what, when: every associate action."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[str | None] = mapped_column(String(32), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExternalRef(Base):
    """An id from outside (email Message-ID, ticket id) pointing at its conversation: threading and idempotency."""

    __tablename__ = "external_refs"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    ref: Mapped[str] = mapped_column(String(512), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="inbound")  # inbound | outbound | thread
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Attachment(Base):
    """An image a creator sent (a screenshot of a notice or a payout), stored with its message."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
