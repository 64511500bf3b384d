"""Alert the on-call safety lead when a safety escalation waits unclaimed.

After ``SAFETY_CLAIM_TIMEOUT`` seconds (default 300) in the safety queue
without a specialist taking it, a JSON alert is POSTed to
``SAFETY_ONCALL_WEBHOOK``, and again every further timeout until it is
claimed. Each alert is recorded as a conversation event (audit, and so that a
restart does not re-send alerts already sent).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

import requests
from sqlalchemy import select

from handoff.db import Database
from handoff.models import Conversation, ConversationEvent, aware, utcnow

log = logging.getLogger(__name__)

Sender = Callable[[dict[str, Any]], bool]


def webhook_sender(url: str, timeout: float = 5.0) -> Sender:
    """POST alerts as JSON to ``url``; True when the receiver accepted it (2xx)."""

    def send(alert: dict[str, Any]) -> bool:
        try:
            return requests.post(url, json=alert, timeout=timeout).ok
        except requests.RequestException as exc:
            log.warning("on-call webhook failed: %s", exc)
            return False

    return send


def check_unclaimed(db: Database, send: Sender, claim_timeout: float, now: dt.datetime | None = None) -> int:
    """Send the alerts that are due now; returns how many were sent."""
    now = now or utcnow()
    sent = 0
    with db.session() as s:
        waiting = s.scalars(
            select(Conversation).where(Conversation.queue == "safety", Conversation.state == "queued")
        ).all()
        for conv in waiting:
            if conv.queued_at is None:
                continue
            waited = (now - aware(conv.queued_at)).total_seconds()
            due = int(waited // claim_timeout)
            if due < 1:
                continue
            already = s.scalar(
                select(ConversationEvent.id)
                .where(ConversationEvent.conversation_id == conv.id, ConversationEvent.kind == "oncall_alert")
                .order_by(ConversationEvent.id.desc())
            )
            count = s.query(ConversationEvent).filter_by(conversation_id=conv.id, kind="oncall_alert").count()
            if already is not None and count >= due:
                continue
            alert = {
                "type": "safety_escalation_unclaimed",
                "conversation_id": conv.id,
                "category": ((conv.handoff or {}).get("safety") or {}).get("category"),
                "language": conv.language,
                "channel": conv.channel,
                "waiting_seconds": int(waited),
                "alert_number": count + 1,
                "summary": (conv.handoff or {}).get("summary"),
            }
            ok = send(alert)
            s.add(ConversationEvent(conversation_id=conv.id, kind="oncall_alert", data={**alert, "delivered": ok}))
            sent += 1
    return sent


class OnCallAlerter:
    """Background thread that runs ``check_unclaimed`` every ``poll`` seconds."""

    def __init__(self, db: Database, send: Sender, claim_timeout: float, poll: float = 15.0) -> None:
        self.db = db
        self.send = send
        self.claim_timeout = claim_timeout
        self.poll = poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="safety-oncall", daemon=True)

    def start(self) -> OnCallAlerter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                check_unclaimed(self.db, self.send, self.claim_timeout)
            except Exception:  # keep alerting even if one round fails
                log.exception("on-call check failed")
