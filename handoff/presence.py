"""Who is on shift: an associate's availability, kept fresh by their open console.

An associate is on shift when their status is ``available`` and their console
has checked in within ``HUB_PRESENCE_TIMEOUT_SECONDS`` (default 120; the
console checks in every 45 s, so a closed laptop drops off on its own).
Routing uses it to decide when a conversation in a language nobody on shift
speaks may go to any associate of its queue.
"""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.language import SUPPORTED
from handoff.models import QUEUES, Associate, aware, utcnow

STATUSES = ("available", "away", "offline")
DEFAULT_TIMEOUT_SECONDS = 120


def timeout_seconds() -> int:
    """How long a console check-in counts, from ``HUB_PRESENCE_TIMEOUT_SECONDS``."""
    raw = os.environ.get("HUB_PRESENCE_TIMEOUT_SECONDS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_TIMEOUT_SECONDS


def is_on_shift(associate: Associate, now: dt.datetime | None = None) -> bool:
    """Available, and seen by the console recently."""
    seen = aware(associate.last_seen_at)
    if associate.status != "available" or seen is None or not associate.active:
        return False
    return ((now or utcnow()) - seen).total_seconds() <= timeout_seconds()


def check_in(session: Session, associate: Associate, status: str | None = None) -> None:
    """The console is open (and, optionally, the associate changed their status)."""
    if status is not None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {list(STATUSES)}")
        associate.status = status
    associate.last_seen_at = utcnow()


def language_coverage(session: Session, now: dt.datetime | None = None) -> dict[str, set[str]]:
    """For each queue, the languages spoken by associates on shift who work it."""
    coverage: dict[str, set[str]] = {q: set() for q in QUEUES}
    now = now or utcnow()
    for associate in session.scalars(select(Associate).where(Associate.status == "available")):
        if not is_on_shift(associate, now):
            continue
        for queue in associate.queues or QUEUES:
            if associate.can_see_queue(queue):
                coverage.setdefault(queue, set()).update(associate.languages or SUPPORTED)
    return coverage
