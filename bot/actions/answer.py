"""Answering from the knowledge base, the "did this solve it?" loop and resolution."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.conversation import language_of, latest_text, shown_articles
from bot.actions.handoff_context import build_handoff
from bot.actions.knowledge_base_client import knowledge_base
from bot.actions.topics import (
    ARTICLE_TOPICS,
    EXAMPLE_QUESTIONS,
    LANGUAGE_NAMES,
    SAFETY_ARTICLES,
    TOPIC_ARTICLES,
    TOPIC_FORMS,
)
from knowledge_base.search import SearchHit

TOPIC_INTENT_CONFIDENCE = 0.6
MAX_ARTICLES_PER_QUESTION = 2


def one_message(text: str) -> str:
    """Rasa's REST channel splits a text on blank lines into several messages: keep one."""
    return "\n".join(line for line in text.splitlines() if line.strip())


def utter_hit(dispatcher: CollectingDispatcher, hit: SearchHit, language: str, confidence: float) -> None:
    """Send the passage with its title (and a note when it's in another language)."""
    if hit.locale_fallback:
        dispatcher.utter_message(
            response="utter_kb_answer_other_language",
            title=hit.title,
            passage=one_message(hit.passage),
            article_language=LANGUAGE_NAMES.get(language, LANGUAGE_NAMES["en"]).get(hit.locale, hit.locale),
        )
    else:
        dispatcher.utter_message(response="utter_kb_answer", title=hit.title, passage=one_message(hit.passage))
    dispatcher.utter_message(
        json_message={
            "meta": {
                "article_id": hit.article_id,
                "title": hit.title,
                "locale": hit.locale,
                "score": round(confidence, 4),
                "locale_fallback": hit.locale_fallback,
            }
        }
    )


def after_answer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    hit: SearchHit,
    confidence: float,
    question: str,
) -> list[EventType]:
    """Follow the article's route: ask for feedback, offer a handoff, or escalate safety."""
    language = language_of(tracker)
    shown = shown_articles(tracker) + [{"article_id": hit.article_id, "score": round(confidence, 4), "helpful": None}]
    events: list[EventType] = [
        SlotSet("articles_shown", shown),
        SlotSet("last_question", question),
        SlotSet("fallback_count", 0),
    ]
    utter_hit(dispatcher, hit, language, confidence)
    if hit.route == "safety":
        category = SAFETY_ARTICLES.get(hit.article_id, "unspecified")
        tmp = _with_slots(tracker, {"articles_shown": shown})
        dispatcher.utter_message(
            json_message=build_handoff(
                tmp, "safety", safety={"category": category, "evidence": question, "source": "knowledge_base"},
                article_id=hit.article_id,
            )
        )
        dispatcher.utter_message(response="utter_handoff")
        return events + [SlotSet("awaiting_feedback", False), SlotSet("handoff_offered", False)]
    if hit.route == "handoff":
        dispatcher.utter_message(response="utter_handoff_offer")
        return events + [
            SlotSet("awaiting_feedback", False),
            SlotSet("handoff_offered", True),
            SlotSet("pending_topic", ARTICLE_TOPICS.get(hit.article_id, "general")),
        ]
    dispatcher.utter_message(response="utter_did_that_help")
    return events + [SlotSet("awaiting_feedback", True), SlotSet("handoff_offered", False), SlotSet("pending_topic", None)]


def _with_slots(tracker: Tracker, slots: dict[str, Any]) -> Tracker:
    """A copy of the tracker with some slots replaced (for payloads built in the same turn)."""
    copy = tracker.copy()
    copy.slots = {**tracker.slots, **slots}
    return copy


def low_confidence(dispatcher: CollectingDispatcher, tracker: Tracker, hits: list[SearchHit]) -> list[EventType]:
    """First time: ask to rephrase with suggestions; second time: hand off."""
    count = int(tracker.get_slot("fallback_count") or 0) + 1
    if count >= 2:
        dispatcher.utter_message(json_message=build_handoff(tracker, "low_confidence"))
        dispatcher.utter_message(response="utter_handoff")
        return [SlotSet("fallback_count", 0), SlotSet("awaiting_feedback", False), SlotSet("handoff_offered", False)]
    language = language_of(tracker)
    titles = [h.title for h in hits[:2] if h.dense >= 0.3]
    suggestions = titles or EXAMPLE_QUESTIONS.get(language, EXAMPLE_QUESTIONS["en"])[:2]
    dispatcher.utter_message(response="utter_ask_rephrase", suggestions=" / ".join(suggestions))
    return [SlotSet("fallback_count", count), SlotSet("awaiting_feedback", False)]


class ActionAnswerFromKb(Action):
    """Answer with the best passage of the best article, if the search says it answers."""

    def name(self) -> str:
        return "action_answer_from_kb"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = latest_text(tracker)
        language = language_of(tracker)
        intent = (tracker.latest_message or {}).get("intent") or {}
        kb = knowledge_base()
        topic_article = TOPIC_ARTICLES.get(intent.get("name") or "")
        if topic_article and float(intent.get("confidence") or 0) >= TOPIC_INTENT_CONFIDENCE:
            hit = kb.best_passage(topic_article, text, language)
            if hit is not None:
                return after_answer(dispatcher, tracker, hit, float(intent.get("confidence") or 0), text)
        result = kb.search(text, locale=language, top=3)
        if not result.answerable or result.best is None:
            return low_confidence(dispatcher, tracker, result.hits)
        return after_answer(dispatcher, tracker, result.best, result.confidence, text)


def next_article(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The answer did not help: offer the next good article, else hand off (``not_resolved``)."""
    shown = shown_articles(tracker)
    if shown:
        shown[-1]["helpful"] = False
    question = tracker.get_slot("last_question") or ""
    tmp = _with_slots(tracker, {"articles_shown": shown})
    events: list[EventType] = [SlotSet("articles_shown", shown), SlotSet("awaiting_feedback", False)]
    if question and len(shown) < MAX_ARTICLES_PER_QUESTION:
        result = knowledge_base().search(
            question, locale=language_of(tracker), top=3, exclude=[a["article_id"] for a in shown]
        )
        if result.answerable and result.best is not None:
            dispatcher.utter_message(response="utter_next_article_intro")
            return events + after_answer(dispatcher, tmp, result.best, result.confidence, question)
    if shown:
        dispatcher.utter_message(response="utter_no_better_article")
    dispatcher.utter_message(json_message=build_handoff(tmp, "not_resolved"))
    dispatcher.utter_message(response="utter_handoff")
    return events + [SlotSet("handoff_offered", False), SlotSet("pending_topic", None)]


def resolve(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The creator confirmed the answer: close as resolved by the assistant."""
    shown = shown_articles(tracker)
    if shown:
        shown[-1]["helpful"] = True
    dispatcher.utter_message(response="utter_glad_resolved")
    dispatcher.utter_message(json_message={"resolved": True, "event": {"kind": "resolved", "articles": shown}})
    return [
        SlotSet("articles_shown", []),
        SlotSet("awaiting_feedback", False),
        SlotSet("handoff_offered", False),
        SlotSet("pending_topic", None),
        SlotSet("fallback_count", 0),
    ]


def accept_handoff(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Yes to "do you want a person?": gather the topic's details first, or hand over now."""
    topic = tracker.get_slot("pending_topic")
    if topic in TOPIC_FORMS:
        dispatcher.utter_message(response="utter_form_intro")
        return [SlotSet("handoff_offered", False), FollowupAction(TOPIC_FORMS[topic])]
    dispatcher.utter_message(json_message=build_handoff(tracker, "account_action"))
    dispatcher.utter_message(response="utter_handoff")
    return [SlotSet("handoff_offered", False), SlotSet("pending_topic", None), SlotSet("articles_shown", [])]


class ActionHandleFeedback(Action):
    """Yes, no, thanks: what they mean depends on what the bot just asked."""

    def name(self) -> str:
        return "action_handle_feedback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        positive = intent in ("affirm", "feedback_helpful", "thanks")
        if tracker.get_slot("awaiting_feedback"):
            return resolve(dispatcher, tracker) if positive else next_article(dispatcher, tracker)
        if tracker.get_slot("handoff_offered"):
            if intent == "affirm":
                return accept_handoff(dispatcher, tracker)
            dispatcher.utter_message(response="utter_youre_welcome" if positive else "utter_handoff_declined")
            return [SlotSet("handoff_offered", False), SlotSet("pending_topic", None)]
        if positive:
            dispatcher.utter_message(response="utter_youre_welcome")
            return []
        if tracker.get_slot("last_question") and shown_articles(tracker):
            return next_article(dispatcher, tracker)
        return low_confidence(dispatcher, tracker, [])
