"""Client of the Rasa server's REST channel: one creator message in, the bot's turn out."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import requests


class AssistantUnavailable(Exception):
    """Rasa did not answer in time, failed, or answered without the replies it owed."""


@dataclass
class BotTurn:
    """What the assistant did with one message."""

    replies: list[dict[str, Any]] = field(default_factory=list)
    handoff: dict[str, Any] | None = None
    resolved: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)


def parse_rasa_response(items: list[dict[str, Any]]) -> BotTurn:
    """Turn Rasa REST output into replies, a handoff and a resolution flag.

    Custom payloads from the action server carry structure: ``{"meta": {...}}``
    annotates the preceding text reply (article id, score...), ``{"handoff":
    {...}}`` is the handoff context, ``{"resolved": true}`` closes the
    conversation as resolved by the assistant, ``{"event": {...}}`` is kept
    for analytics.
    """
    turn = BotTurn()
    for item in items:
        custom = item.get("custom")
        if isinstance(custom, dict):
            if "handoff" in custom and isinstance(custom["handoff"], dict):
                turn.handoff = custom["handoff"]
            if custom.get("resolved"):
                turn.resolved = True
            if isinstance(custom.get("meta"), dict) and turn.replies:
                turn.replies[-1].update(custom["meta"])
            if isinstance(custom.get("event"), dict):
                turn.events.append(custom["event"])
            continue
        text = item.get("text")
        if text is None and not item.get("image"):
            continue
        reply: dict[str, Any] = {"text": text or "", "article_id": None}
        if item.get("buttons"):
            reply["buttons"] = [
                {"title": b.get("title", ""), "payload": b.get("payload", "")} for b in item["buttons"]
            ]
        if item.get("image"):
            reply["image"] = item["image"]
        turn.replies.append(reply)
    return turn


_TRIGGER = re.compile(r"^/(\w+)(\{.*\})?$", re.DOTALL)


def with_language(text: str, language: str | None) -> str:
    """Add the language entity to a ``/intent`` payload (quick-reply buttons, the widget's ``/greet``).

    Rasa parses such payloads without running the NLU pipeline, so the component that
    turns the hub's language into the ``language`` slot never sees them.
    """
    m = _TRIGGER.match(text.strip())
    if not m or not language:
        return text
    try:
        entities = json.loads(m.group(2)) if m.group(2) else {}
    except ValueError:
        return text
    if not isinstance(entities, dict):
        return text
    entities.setdefault("language", language)
    return f"/{m.group(1)}{json.dumps(entities, ensure_ascii=False)}"


class RasaClient:
    """Talks to ``POST {rasa_url}/webhooks/rest/webhook``."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._http = requests.Session()

    def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> BotTurn:
        """Forward one message; raises AssistantUnavailable on any failure or empty answer."""
        try:
            response = self._http.post(
                f"{self.base_url}/webhooks/rest/webhook",
                json={"sender": conversation_id, "message": with_language(text, metadata.get("language")),
                      "metadata": metadata},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise AssistantUnavailable(f"Rasa unreachable: {exc.__class__.__name__}") from exc
        if response.status_code != 200:
            raise AssistantUnavailable(f"Rasa answered HTTP {response.status_code}")
        try:
            items = response.json()
        except ValueError as exc:
            raise AssistantUnavailable("Rasa answered with invalid JSON") from exc
        if not isinstance(items, list):
            raise AssistantUnavailable("Rasa answered with an unexpected shape")
        turn = parse_rasa_response(items)
        if not turn.replies and turn.handoff is None:
            # Rasa returns 200 [] when the action server is down: the bot owed a reply
            raise AssistantUnavailable("Rasa answered without replies (action server down?)")
        return turn

    def is_up(self) -> bool:
        """Whether the Rasa server answers its status endpoint."""
        try:
            return self._http.get(f"{self.base_url}/", timeout=2).status_code == 200
        except requests.RequestException:
            return False
