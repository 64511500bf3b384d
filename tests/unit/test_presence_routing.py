"""Who is on shift, the language fallback it drives, typing indicators and the safety alert event."""

from __future__ import annotations

import datetime as dt
import queue

from handoff.models import Associate, ConversationEvent, utcnow
from handoff.sse import _creator_may_see
from tests.unit.test_console import login, people, queued_conversation  # noqa: F401 - fixture

__all__ = ["people"]


def drain(q: queue.Queue) -> list[dict]:
    """Every event published so far to a broker subscription."""
    out = []
    while True:
        try:
            out.append(q.get_nowait())
        except queue.Empty:
            return out


def _next(client, token):  # type: ignore[no-untyped-def]
    return client.post("/console/api/next", headers={"X-CSRF-Token": token})


def test_login_puts_an_associate_on_shift_and_logout_or_away_takes_them_off(app, people):  # noqa: F811
    from handoff.presence import language_coverage

    ana = app.test_client()
    token = login(ana, "ana")
    with app.extensions["db"].session() as s:
        assert language_coverage(s)["general"] == {"en", "fr"}
    assert ana.post("/console/api/presence", json={"status": "away"}, headers={"X-CSRF-Token": token}).status_code == 200
    with app.extensions["db"].session() as s:
        assert language_coverage(s)["general"] == set()
    bad = ana.post("/console/api/presence", json={"status": "napping"}, headers={"X-CSRF-Token": token})
    assert bad.status_code == 400 and "available" in bad.get_json()["error"]
    ana.post("/console/api/presence", json={"status": "available"}, headers={"X-CSRF-Token": token})
    with app.extensions["db"].session() as s:  # a console that stopped checking in drops off the shift
        s.get(Associate, "ana").last_seen_at = utcnow() - dt.timedelta(minutes=10)
    with app.extensions["db"].session() as s:
        assert language_coverage(s)["general"] == set()


def test_no_one_with_the_language_on_shift_sends_it_to_any_associate_marked(app, people, client, auth, rasa):  # noqa: F811
    arabic = queued_conversation(client, auth, rasa, locale="ar")
    sam = app.test_client()
    token = login(sam, "sam")  # English only
    sofia = app.test_client()
    sofia_token = login(sofia, "sofia")  # speaks Arabic and works every queue: Sam must leave it to her
    assert _next(sam, token).status_code == 404
    inbox = sam.get("/console/api/inbox").get_json()
    assert [r["language_fallback"] for r in inbox["queued"] if r["id"] == arabic] == [None]
    sofia.post("/console/logout", data={"csrf_token": sofia_token})  # her shift ends
    inbox = sam.get("/console/api/inbox").get_json()
    assert [r["language_fallback"] for r in inbox["queued"] if r["id"] == arabic] == ["no_associate_on_shift"]
    taken = _next(sam, token)
    assert taken.status_code == 200 and taken.get_json()["id"] == arabic
    data = sam.get(f"/console/api/conversations/{arabic}").get_json()
    assert data["handoff"]["language_fallback"] == {"language": "ar", "associate": "sam", "why": "no_associate_on_shift"}
    with app.extensions["db"].session() as s:
        marks = s.query(ConversationEvent).filter_by(conversation_id=arabic, kind="language_fallback").all()
        assert len(marks) == 1 and marks[0].actor == "sam"


def test_past_its_sla_any_associate_may_take_it(app, people, client, auth, rasa, monkeypatch):  # noqa: F811
    french = queued_conversation(client, auth, rasa, locale="fr")
    ana, sam = app.test_client(), app.test_client()
    login(ana, "ana")  # speaks French, on shift, but busy elsewhere
    token = login(sam, "sam")
    assert _next(sam, token).status_code == 404
    monkeypatch.setenv("HUB_SLA_MINUTES", "general:0")
    assert _next(sam, token).get_json()["id"] == french
    assert sam.get(f"/console/api/conversations/{french}").get_json()["handoff"]["language_fallback"]["why"] == "sla_overdue"


def test_associate_typing_reaches_the_creator_and_creator_typing_reaches_the_console(app, people, client, auth, rasa):  # noqa: F811
    broker = app.extensions["broker"]
    creator = app.test_client()
    cid = creator.post("/widget/api/conversations", json={"creator": {"locale": "en"}}).get_json()["id"]
    rasa.outputs.append([{"custom": {"handoff": {"reason": "requested_by_creator", "summary": "s"}}}, {"text": "ok"}])
    creator.post(f"/widget/api/conversations/{cid}/messages", json={"text": "a person please"})
    events = broker.subscribe(f"conversation:{cid}")
    ana = app.test_client()
    token = login(ana, "ana")
    assert ana.post(f"/console/api/conversations/{cid}/typing", headers={"X-CSRF-Token": token}).status_code == 409
    ana.post(f"/console/api/conversations/{cid}/claim", headers={"X-CSRF-Token": token})
    assert ana.post(f"/console/api/conversations/{cid}/typing", headers={"X-CSRF-Token": token}).status_code == 204
    assert creator.post(f"/widget/api/conversations/{cid}/typing").status_code == 204
    typing = [e for e in drain(events) if e["type"] == "typing"]
    assert [(e["sender"], e.get("name")) for e in typing] == [("associate", "Ana"), ("creator", None)]
    # the widget's stream passes the associate's typing on, never the creator's own echo
    assert [_creator_may_see(e) for e in typing] == [True, False]
    assert app.test_client().post(f"/widget/api/conversations/{cid}/typing").status_code == 404  # not your chat


def test_a_safety_escalation_is_flagged_for_the_specialists_alert(app, client, auth, rasa):
    inbox = app.extensions["broker"].subscribe("inbox")
    cid = client.post("/api/v1/conversations", json={"channel": "in_app", "creator": {"id": "c"}},
                      headers=auth).get_json()["id"]
    client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "hello"}, headers=auth)
    client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "i'm going to kill myself tonight"},
                headers=auth)
    client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "are you there"}, headers=auth)
    states = [inbox.get_nowait() for _ in range(3)]
    assert [(e["queue"], e["escalation"]) for e in states] == [(None, False), ("safety", True), ("safety", False)]


def test_a_creator_message_in_an_assigned_conversation_marks_activity_for_its_associate(app, people, client, auth, rasa):  # noqa: F811
    cid = queued_conversation(client, auth, rasa)
    ana = app.test_client()
    token = login(ana, "ana")
    ana.post(f"/console/api/conversations/{cid}/claim", headers={"X-CSRF-Token": token})
    inbox = app.extensions["broker"].subscribe("inbox")
    client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "hello? still there?"}, headers=auth)
    ana.post(f"/console/api/conversations/{cid}/reply", json={"text": "yes"}, headers={"X-CSRF-Token": token})
    activity = [e for e in drain(inbox) if e["type"] == "activity"]
    assert activity == [{"type": "activity", "conversation_id": cid, "assigned_to": "ana"}]  # not for her own reply
