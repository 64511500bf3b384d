"""Handing the conversation to a person: on request, after a form, on safety, or declined."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.answer import one_message
from bot.actions.conversation import language_of, latest_text
from bot.actions.handoff_context import build_handoff
from bot.actions.knowledge_base_client import knowledge_base
from bot.actions.topics import FORM_SLOTS, SAFETY_ARTICLES, TOPIC_FORMS


def reset_events() -> list[EventType]:
    """Slots cleared once a conversation is handed over."""
    return [
        SlotSet("awaiting_feedback", False),
        SlotSet("handoff_offered", False),
        SlotSet("pending_topic", None),
        SlotSet("fallback_count", 0),
        SlotSet("articles_shown", []),
        *[SlotSet(slot, None) for slot in FORM_SLOTS],
    ]


class ActionHandoff(Action):
    """Hand over with the full context, returned to the hub as a custom payload."""

    def name(self) -> str:
        return "action_handoff"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        topic = tracker.get_slot("pending_topic")
        form_done = tracker.latest_action_name in TOPIC_FORMS.values() or (
            topic in TOPIC_FORMS and intent != "request_human"
        )
        if intent == "request_human":
            reason = "requested_by_creator"
        elif form_done or tracker.get_slot("handoff_offered"):
            reason = "account_action"
        else:
            reason = "requested_by_creator"
        dispatcher.utter_message(json_message=build_handoff(tracker, reason))
        dispatcher.utter_message(response="utter_handoff")
        return [ActiveLoop(None), SlotSet("requested_slot", None), *reset_events()]


class ActionSafetyHandoff(Action):
    """A safety concern seen by NLU: the category's article and an immediate safety handoff."""

    def name(self) -> str:
        return "action_safety_handoff"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = latest_text(tracker)
        language = language_of(tracker)
        kb = knowledge_base()
        best = None
        best_score = -1.0
        for article_id in SAFETY_ARTICLES:
            hit = kb.best_passage(article_id, text, language)
            if hit is not None and hit.dense > best_score:
                best, best_score = hit, hit.dense
        category = SAFETY_ARTICLES.get(best.article_id, "unspecified") if best else "unspecified"
        if best is not None:
            dispatcher.utter_message(response="utter_kb_answer", title=best.title, passage=one_message(best.passage))
            dispatcher.utter_message(json_message={"meta": {"article_id": best.article_id, "title": best.title}})
        dispatcher.utter_message(
            json_message=build_handoff(
                tracker, "safety", safety={"category": category, "evidence": text, "source": "nlu"},
                article_id=best.article_id if best else None,
            )
        )
        dispatcher.utter_message(response="utter_handoff")
        return [ActiveLoop(None), *reset_events()]
