"""Reading a tracker: the creator's language, first question, shown articles."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

SUPPORTED = ("en", "fr", "ar")


def language_of(tracker: Tracker) -> str:
    """The conversation's language (slot set from the hub's detection), default English."""
    value = tracker.get_slot("language")
    if value in SUPPORTED:
        return str(value)
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    lang = metadata.get("language") if isinstance(metadata, dict) else None
    return lang if lang in SUPPORTED else "en"


def creator_texts(tracker: Tracker) -> list[str]:
    """What the creator typed, oldest first, without button payloads (``/affirm``)."""
    texts = []
    for event in tracker.events:
        if event.get("event") != "user":
            continue
        text = (event.get("text") or "").strip()
        if text and not text.startswith("/"):
            texts.append(text)
    return texts


def first_question(tracker: Tracker) -> str:
    """The creator's first real question (skipping greetings)."""
    for event in tracker.events:
        if event.get("event") != "user":
            continue
        text = (event.get("text") or "").strip()
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if text and not text.startswith("/") and intent not in ("greet", "goodbye", "thanks", "affirm", "deny"):
            return text
    texts = creator_texts(tracker)
    return texts[0] if texts else ""


def latest_text(tracker: Tracker) -> str:
    """The latest creator message text."""
    return ((tracker.latest_message or {}).get("text") or "").strip()


def intent_ranking(tracker: Tracker, top: int = 5) -> list[dict[str, Any]]:
    """The NLU intent ranking of the latest message, rounded."""
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    return [
        {"name": r.get("name"), "confidence": round(float(r.get("confidence") or 0), 4)} for r in ranking[:top]
    ]


def shown_articles(tracker: Tracker) -> list[dict[str, Any]]:
    """Articles the bot showed so far, with the creator's feedback."""
    value = tracker.get_slot("articles_shown") or []
    return [dict(a) for a in value if isinstance(a, dict)]
