"""Custom actions with a real tracker/dispatcher and a small knowledge base on a fake encoder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import knowledge_base_client
from bot.actions.answer import ActionAnswerFromKb, ActionHandleFeedback
from bot.actions.forms import ValidatePayoutDetailsForm
from bot.actions.handoff import ActionHandoff
from knowledge_base.articles import MarkdownSource
from knowledge_base.index import build_index
from tests.fakes import HashingEncoder, simple_analyzer
from tests.unit.test_knowledge_base import make_kb, write


@pytest.fixture
def kb(tmp_path: Path):  # type: ignore[no-untyped-def]
    root = tmp_path / "articles"
    write(root, "en", "withdraw-earnings", "Withdraw your earnings",
          "## How to withdraw\nGo to Balance then Withdraw and pick paypal or bank transfer.")
    write(root, "fr", "withdraw-earnings", "Retirer vos gains",
          "## Comment retirer\nAllez dans Solde puis Retirer et choisissez paypal ou virement bancaire.")
    write(root, "en", "payout-missing", "A payout is late or missing",
          "## Late payout\nWithdrawals arrive within 15 days; past that an associate checks the payout.", route="handoff")
    write(root, "en", "tax-information", "Tax information",
          "## Tax forms\nSubmit tax information in Balance settings before you withdraw.")
    index = tmp_path / "index"
    build_index(MarkdownSource(root).load(), HashingEncoder(), index, analyzer=simple_analyzer)
    instance = make_kb(index)
    knowledge_base_client.use_knowledge_base(instance)
    yield instance
    knowledge_base_client.use_knowledge_base(None)


def tracker(text: str, intent: str = "ask_question", confidence: float = 0.9, slots: dict[str, Any] | None = None,
            events: list[dict[str, Any]] | None = None, latest_action: str = "action_listen") -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence},
              "intent_ranking": [{"name": intent, "confidence": confidence}], "entities": []}
    evs = events if events is not None else [{"event": "user", "text": text, "parse_data": latest}]
    return Tracker("conv-1", {"language": "en", **(slots or {})}, latest, evs, False, None, None, latest_action)


def custom_payloads(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
    return [m["custom"] for m in dispatcher.messages if m.get("custom")]


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_answer_sends_passage_meta_and_asks_for_feedback(kb):
    d = CollectingDispatcher()
    events = ActionAnswerFromKb().run(d, tracker("how do i withdraw to paypal"), {})
    assert d.messages[0]["response"] == "utter_kb_answer"
    assert d.messages[0]["title"] == "Withdraw your earnings"
    assert custom_payloads(d)[0]["meta"]["article_id"] == "withdraw-earnings"
    assert d.messages[-1]["response"] == "utter_did_that_help"
    slots = slot_events(events)
    assert slots["awaiting_feedback"] is True
    assert slots["articles_shown"][0]["article_id"] == "withdraw-earnings"


def test_answer_in_french_uses_french_article(kb):
    d = CollectingDispatcher()
    ActionAnswerFromKb().run(d, tracker("comment retirer sur paypal", slots={"language": "fr"}), {})
    assert d.messages[0]["title"] == "Retirer vos gains"


def test_handoff_route_offers_a_person(kb):
    d = CollectingDispatcher()
    events = ActionAnswerFromKb().run(d, tracker("my payout is late", intent="payout_missing"), {})
    assert custom_payloads(d)[0]["meta"]["article_id"] == "payout-missing"
    assert d.messages[-1]["response"] == "utter_handoff_offer"
    assert slot_events(events)["pending_topic"] == "payout"


def test_low_confidence_rephrase_then_handoff(kb):
    d = CollectingDispatcher()
    events = ActionAnswerFromKb().run(d, tracker("zzz qqq", intent="nlu_fallback", confidence=0.2), {})
    assert d.messages[0]["response"] == "utter_ask_rephrase"
    assert slot_events(events)["fallback_count"] == 1
    d2 = CollectingDispatcher()
    ActionAnswerFromKb().run(d2, tracker("xxx yyy", intent="nlu_fallback", confidence=0.2, slots={"fallback_count": 1}), {})
    handoff = custom_payloads(d2)[0]["handoff"]
    assert handoff["reason"] == "low_confidence"
    assert handoff["queue"] == "general"


def test_not_helpful_marks_article_and_hands_off_when_nothing_better(kb):
    shown = [{"article_id": "withdraw-earnings", "score": 0.8, "helpful": None}]
    d = CollectingDispatcher()
    t = tracker("no", intent="deny", slots={"articles_shown": shown, "last_question": "zzz unrelated words",
                                             "awaiting_feedback": True})
    ActionHandleFeedback().run(d, t, {})
    handoff = custom_payloads(d)[0]["handoff"]
    assert handoff["reason"] == "not_resolved"
    assert handoff["articles_shown"][0]["helpful"] is False
    assert "did not help" in handoff["summary"]


def test_resolve_marks_helpful_and_signals_the_hub(kb):
    shown = [{"article_id": "withdraw-earnings", "score": 0.8, "helpful": None}]
    d = CollectingDispatcher()
    ActionHandleFeedback().run(
        d, tracker("yes", intent="affirm", slots={"articles_shown": shown, "awaiting_feedback": True}), {}
    )
    payload = custom_payloads(d)[0]
    assert payload["resolved"] is True
    assert payload["event"]["articles"][0]["helpful"] is True


def test_handoff_payload_has_the_design_fields_and_summary(kb):
    events = [
        {"event": "user", "text": "/greet", "parse_data": {"intent": {"name": "greet"}}},
        {"event": "user", "text": "mon virement n'est pas arrivé", "parse_data": {"intent": {"name": "payout_missing"}}},
        {"event": "user", "text": "je veux un humain", "parse_data": {"intent": {"name": "request_human"}}},
    ]
    t = tracker("je veux un humain", intent="request_human", events=events,
                slots={"language": "fr", "pending_topic": "payout", "withdrawal_amount": "50 EUR",
                       "articles_shown": [{"article_id": "payout-missing", "score": 0.9, "helpful": None}]})
    d = CollectingDispatcher()
    ActionHandoff().run(d, t, {})
    handoff = custom_payloads(d)[0]["handoff"]
    assert set(handoff) >= {"reason", "queue", "priority", "summary", "language", "details", "articles_shown",
                            "intent_ranking", "safety"}
    assert handoff["reason"] == "requested_by_creator"
    assert handoff["queue"] == "payments"
    assert handoff["language"] == "fr"
    assert handoff["details"] == {"withdrawal_amount": "50 EUR"}
    assert "mon virement n'est pas arrivé" in handoff["summary"]
    assert "amount 50 EUR" in handoff["summary"]
    assert d.messages[-1]["response"] == "utter_handoff"


def test_payout_form_validation_reasks_on_bad_amount():
    d = CollectingDispatcher()
    form = ValidatePayoutDetailsForm()
    t = tracker("cinquante", intent="inform", slots={"language": "fr"})
    assert form.validate_withdrawal_amount("cinquante", d, t, {}) == {"withdrawal_amount": None}
    assert d.messages[0]["response"] == "utter_invalid_amount"
    assert form.validate_withdrawal_amount("50 euros", CollectingDispatcher(), t, {}) == {"withdrawal_amount": "50 EUR"}
    assert form.validate_payment_method("par virement", CollectingDispatcher(), t, {}) == {"payment_method": "bank_transfer"}


def test_yes_to_a_handoff_offer_starts_the_topic_form(kb):
    d = CollectingDispatcher()
    events = ActionHandleFeedback().run(
        d, tracker("yes", intent="affirm", slots={"handoff_offered": True, "pending_topic": "payout"}), {}
    )
    assert d.messages[0]["response"] == "utter_form_intro"
    assert {"event": "followup", "name": "payout_details_form"} in [
        {"event": e["event"], "name": e.get("name")} for e in events
    ]


def test_no_to_a_handoff_offer_declines(kb):
    d = CollectingDispatcher()
    events = ActionHandleFeedback().run(
        d, tracker("no", intent="deny", slots={"handoff_offered": True, "pending_topic": "ban"}), {}
    )
    assert d.messages[0]["response"] == "utter_handoff_declined"
    assert slot_events(events) == {"handoff_offered": False, "pending_topic": None}
