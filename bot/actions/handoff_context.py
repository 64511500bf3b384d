"""The handoff payload of DESIGN.md, built from a tracker, with a five-second summary."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker

from bot.actions.conversation import first_question, intent_ranking, language_of, shown_articles
from bot.actions.topics import DETAIL_LABELS, FORM_SLOTS, PRIORITIES, REASON_LABELS, TOPIC_QUEUES


def gathered_details(tracker: Tracker) -> dict[str, Any]:
    """Form slots the creator filled in (validated values)."""
    return {slot: tracker.get_slot(slot) for slot in FORM_SLOTS if tracker.get_slot(slot) not in (None, "")}


def build_handoff(
    tracker: Tracker,
    reason: str,
    topic: str | None = None,
    safety: dict[str, Any] | None = None,
    article_id: str | None = None,
) -> dict[str, Any]:
    """``{"handoff": {...}}`` ready for ``dispatcher.utter_message(json_message=...)``."""
    topic = topic or tracker.get_slot("pending_topic")
    if topic == "general":
        topic = None
    queue = "safety" if safety else TOPIC_QUEUES.get(topic or "", "general")
    details = gathered_details(tracker)
    articles = shown_articles(tracker)
    language = language_of(tracker)
    question = first_question(tracker)
    payload = {
        "reason": reason,
        "queue": queue,
        "priority": PRIORITIES[queue],
        "summary": summarize(reason, language, question, details, articles, topic, safety),
        "language": language,
        "details": details,
        "articles_shown": articles,
        "intent_ranking": intent_ranking(tracker),
        "safety": safety,
        "topic": topic,
        "first_question": question,
    }
    if article_id:
        payload["article_id"] = article_id
    return {"handoff": payload}


def summarize(
    reason: str,
    language: str,
    question: str,
    details: dict[str, Any],
    articles: list[dict[str, Any]],
    topic: str | None,
    safety: dict[str, Any] | None,
) -> str:
    """One line an associate reads in five seconds; the creator's words stay in their language."""
    parts = [REASON_LABELS.get(reason, reason)]
    if safety:
        parts[0] = f"SAFETY: {safety.get('category', 'unspecified')}"
    if topic:
        parts.append(f"topic {topic}")
    parts.append(f"lang {language}")
    if question:
        q = question if len(question) <= 140 else question[:137] + "..."
        parts.append(f"asked: \u201c{q}\u201d")
    if details:
        parts.append("details: " + "; ".join(f"{DETAIL_LABELS.get(k, k)} {v}" for k, v in details.items()))
    if articles:
        shown = []
        for a in articles:
            helpful = a.get("helpful")
            verdict = "helped" if helpful is True else "did not help" if helpful is False else "no feedback"
            shown.append(f"{a.get('article_id')} ({verdict})")
        parts.append("bot showed: " + ", ".join(shown))
    else:
        parts.append("bot showed no article")
    return " | ".join(parts)
