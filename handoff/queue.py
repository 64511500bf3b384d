"""The queue: which waiting conversation comes first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.models import QUEUES, Conversation, aware


def expected_wait_minutes(session: Session, queue: str, sla: int) -> int:
    """A creator-facing estimate: the median wait of the last 20 claims in ``queue``, capped by its SLA."""
    from handoff.models import ConversationEvent

    claims = session.execute(
        select(ConversationEvent.created_at, Conversation.queued_at)
        .join(Conversation, Conversation.id == ConversationEvent.conversation_id)
        .where(ConversationEvent.kind == "state_change", ConversationEvent.to_state == "assigned",
               Conversation.queue == queue)
        .order_by(ConversationEvent.id.desc()).limit(20)
    ).all()
    waits = sorted(
        max(0.0, (aware(claimed) - aware(queued)).total_seconds() / 60)
        for claimed, queued in claims if claimed is not None and queued is not None
    )
    if not waits:
        return sla
    return max(1, min(sla, round(waits[len(waits) // 2])))


def waiting(session: Session, queue: str | None = None, limit: int = 200) -> list[Conversation]:
    """Queued conversations, most urgent first: priority, then the longest wait."""
    stmt = select(Conversation).where(Conversation.state == "queued")
    if queue is not None:
        if queue not in QUEUES:
            raise ValueError(f"unknown queue {queue!r}")
        stmt = stmt.where(Conversation.queue == queue)
    stmt = stmt.order_by(Conversation.priority.desc(), Conversation.queued_at.asc()).limit(limit)
    return list(session.scalars(stmt))
