"""Delivering bot and associate replies to channels without a live connection: email and tickets.

A background worker takes ``outbound`` events from the broker; email goes out
over SMTP (threaded with In-Reply-To / References, our Message-ID remembered
so the creator's reply threads back), ticket replies are POSTed to the
ticketing system's callback URL with retries and exponential back-off. Every
attempt's outcome is recorded as a conversation event.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import requests
from sqlalchemy import select

from handoff.db import Database
from handoff.events import Broker
from handoff.models import Conversation, ConversationEvent, ExternalRef, Message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    """Where outbound mail goes."""

    host: str
    port: int = 587
    starttls: bool = True
    use_ssl: bool = False
    username: str = ""
    password: str = ""
    sender: str = "Creator Support <support@example.com>"
    timeout: float = 10.0


@dataclass(frozen=True)
class TicketSettings:
    """Where ticket replies go."""

    callback_url: str
    token: str = ""
    attempts: int = 5
    backoff: float = 0.5


class OutboundDelivery:
    """Consumes ``outbound`` events and delivers them; runs until the process ends."""

    def __init__(self, db: Database, broker: Broker, smtp: SmtpSettings | None, tickets: TicketSettings | None) -> None:
        self.db = db
        self.smtp = smtp
        self.tickets = tickets
        self._queue = broker.subscribe("outbound")
        self._broker = broker
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="outbound")
        self._thread = threading.Thread(target=self._run, name="outbound-delivery", daemon=True)

    def start(self) -> OutboundDelivery:
        self._thread.start()
        return self

    def _run(self) -> None:
        for event in self._broker.listen(self._queue, heartbeat=60):
            if event is not None:
                self._pool.submit(self.deliver, int(event["message_id"]))

    def deliver(self, message_id: int) -> bool:
        """Deliver one stored message to its conversation's channel."""
        with self.db.session() as s:
            message = s.get(Message, message_id)
            if message is None:
                return False
            conv = s.get(Conversation, message.conversation_id)
            assert conv is not None
            channel, profile, text = conv.channel, dict(conv.creator_profile or {}), message.text
            conversation_id = conv.id
            buttons = (message.data or {}).get("buttons") or []
        if buttons:
            text += "\n\n" + "  ".join(f"[{b['title']}]" for b in buttons)
        try:
            if channel == "email" and self.smtp:
                self._send_email(conversation_id, profile, text)
            elif channel == "ticket" and self.tickets:
                self._post_ticket(conversation_id, profile, message_id, text)
            else:
                return False
        except Exception as exc:  # recorded, never raised into the worker
            log.warning("delivery of message %s failed: %s", message_id, exc)
            self._record(conversation_id, message_id, channel, False, str(exc))
            return False
        self._record(conversation_id, message_id, channel, True, "")
        return True

    def _send_email(self, conversation_id: str, profile: dict[str, Any], text: str) -> None:
        assert self.smtp is not None
        with self.db.session() as s:
            refs = s.scalars(
                select(ExternalRef.ref).where(ExternalRef.conversation_id == conversation_id,
                                              ExternalRef.channel == "email").order_by(ExternalRef.created_at)
            ).all()
        msg = EmailMessage()
        msg["From"] = self.smtp.sender
        msg["To"] = profile.get("email") or ""
        subject = profile.get("subject") or "Creator Support"
        msg["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
        domain = self.smtp.sender.rsplit("@", 1)[-1].rstrip(">") or "localhost"
        msg_id = make_msgid(domain=domain)
        msg["Message-ID"] = msg_id
        if refs:
            msg["In-Reply-To"] = refs[-1]
            msg["References"] = " ".join(refs[-10:])
        msg.set_content(text)
        if self.smtp.use_ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(self.smtp.host, self.smtp.port, timeout=self.smtp.timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=self.smtp.timeout)
        with client:
            if self.smtp.starttls and not self.smtp.use_ssl:
                client.starttls(context=ssl.create_default_context())
            if self.smtp.username:
                client.login(self.smtp.username, self.smtp.password)
            client.send_message(msg)
        with self.db.session() as s:
            s.add(ExternalRef(channel="email", ref=msg_id, conversation_id=conversation_id, kind="outbound"))

    def _post_ticket(self, conversation_id: str, profile: dict[str, Any], message_id: int, text: str) -> None:
        assert self.tickets is not None
        headers = {"Authorization": f"Bearer {self.tickets.token}"} if self.tickets.token else {}
        payload = {"ticket_id": profile.get("ticket_id"), "conversation_id": conversation_id,
                   "message_id": message_id, "text": text}
        delay = self.tickets.backoff
        last = ""
        for attempt in range(1, self.tickets.attempts + 1):
            try:
                res = requests.post(self.tickets.callback_url, json=payload, headers=headers, timeout=10)
                if res.ok:
                    return
                last = f"HTTP {res.status_code}"
                if 400 <= res.status_code < 500 and res.status_code not in (408, 429):
                    break  # the ticketing system refuses it: retrying won't help
            except requests.RequestException as exc:
                last = exc.__class__.__name__
            if attempt < self.tickets.attempts:
                time.sleep(delay)
                delay *= 2
        raise RuntimeError(f"ticket callback failed after retries: {last}")

    def _record(self, conversation_id: str, message_id: int, channel: str, ok: bool, error: str) -> None:
        with self.db.session() as s:
            s.add(ConversationEvent(conversation_id=conversation_id, kind="delivery",
                                    data={"message_id": message_id, "channel": channel, "delivered": ok,
                                          "error": error}))
