"""The e2e check for complete handoffs flags what an associate would miss."""

from __future__ import annotations

from tests.handoffs import missing_context

COMPLETE = {
    "reason": "account_action",
    "queue": "payments",
    "priority": 50,
    "language": "fr",
    "summary": "Account action | topic payout | lang fr",
    "details": {"withdrawal_amount": "50 EUR"},
    "articles_shown": [{"article_id": "payout-missing", "score": 0.9, "helpful": None}],
}


def test_a_complete_handoff_passes() -> None:
    assert missing_context(COMPLETE) == []


def test_each_missing_part_is_named() -> None:
    assert missing_context({**COMPLETE, "summary": " "}) == ["summary"]
    assert missing_context({**COMPLETE, "language": None}) == ["language"]
    assert missing_context({**COMPLETE, "reason": "because"}) == ["reason 'because'"]
    assert missing_context({**COMPLETE, "articles_shown": [{"score": 1}]}) == ["articles_shown entries"]
    assert missing_context({**COMPLETE, "details": {}, "articles_shown": []}) == [
        "account_action without details or articles"
    ]
    assert missing_context({**COMPLETE, "reason": "safety", "safety": None}) == ["safety category"]
