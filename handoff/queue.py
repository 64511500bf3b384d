"""The queue: which waiting conversation comes first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.models import QUEUES, Conversation


def waiting(session: Session, queue: str | None = None, limit: int = 200) -> list[Conversation]:
    """Queued conversations, most urgent first: priority, then the longest wait."""
    stmt = select(Conversation).where(Conversation.state == "queued")
    if queue is not None:
        if queue not in QUEUES:
            raise ValueError(f"unknown queue {queue!r}")
        stmt = stmt.where(Conversation.queue == queue)
    stmt = stmt.order_by(Conversation.priority.desc(), Conversation.queued_at.asc()).limit(limit)
    return list(session.scalars(stmt))
