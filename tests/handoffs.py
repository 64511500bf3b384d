"""What a complete handoff carries (DESIGN.md's payload): checked on every handoff of the e2e tests."""

from __future__ import annotations

from typing import Any

from handoff.models import REASONS


def missing_context(handoff: dict[str, Any]) -> list[str]:
    """What a handoff lacks of reason, queue, language, summary, gathered details and articles shown."""
    problems = []
    if handoff.get("reason") not in REASONS:
        problems.append(f"reason {handoff.get('reason')!r}")
    if not handoff.get("queue") or not isinstance(handoff.get("priority"), int):
        problems.append("queue/priority")
    if not handoff.get("language"):
        problems.append("language")
    if not str(handoff.get("summary") or "").strip():
        problems.append("summary")
    if not isinstance(handoff.get("details"), dict):
        problems.append("details")
    if not isinstance(handoff.get("articles_shown"), list):
        problems.append("articles_shown")
    elif any("article_id" not in a or "helpful" not in a for a in handoff["articles_shown"]):
        problems.append("articles_shown entries")
    if (
        handoff.get("reason") == "account_action"
        and not handoff.get("details")
        and not handoff.get("articles_shown")
    ):
        problems.append("account_action without details or articles")
    if handoff.get("reason") == "safety" and not (handoff.get("safety") or {}).get("category"):
        problems.append("safety category")
    return problems
