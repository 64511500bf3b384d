"""Which queue a handoff goes to, and how urgent it is."""

from __future__ import annotations

from typing import Any

# article ids whose handoff belongs to a specialised queue
ACCOUNT_ARTICLES = {"account-hacked-recovery", "account-banned-appeal", "report-impersonation"}
PAYMENT_ARTICLES = {"payout-missing", "withdraw-earnings", "tax-information"}
ACCOUNT_TOPICS = {"hacked_account", "ban_appeal", "impersonation"}
PAYMENT_TOPICS = {"payout_missing"}

SAFETY_PRIORITY = 100
BASE_PRIORITY = {"safety": SAFETY_PRIORITY, "account": 20, "payments": 20, "general": 10}


def queue_for(reason: str, payload: dict[str, Any]) -> str:
    """The queue for a handoff: safety first, then the topic or article, else general."""
    if reason == "safety" or payload.get("safety"):
        return "safety"
    topic = payload.get("topic")
    article = payload.get("article_id")
    if topic in ACCOUNT_TOPICS or article in ACCOUNT_ARTICLES:
        return "account"
    if topic in PAYMENT_TOPICS or article in PAYMENT_ARTICLES:
        return "payments"
    return "general"


def priority_for(queue: str, reason: str) -> int:
    """Integer priority, higher is more urgent; safety outranks everything."""
    priority = BASE_PRIORITY.get(queue, 10)
    if reason == "assistant_unavailable":
        priority += 5  # the creator got no answer at all
    return priority
