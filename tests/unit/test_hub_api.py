"""The hub's conversation API: validation, auth, persistence, states and handoffs."""

from __future__ import annotations

import pytest

from handoff.models import Conversation, Message


def new_conversation(client, auth, **creator):  # type: ignore[no-untyped-def]
    creator = {"id": "creator-1", **creator}
    res = client.post("/api/v1/conversations", json={"channel": "in_app", "creator": creator}, headers=auth)
    assert res.status_code == 201, res.get_json()
    return res.get_json()["id"]


def test_requires_bearer_token(client):
    res = client.post("/api/v1/conversations", json={"channel": "in_app", "creator": {"id": "x"}})
    assert res.status_code == 401
    assert "token" in res.get_json()["error"]
    res = client.post(
        "/api/v1/conversations", json={"channel": "in_app", "creator": {"id": "x"}},
        headers={"Authorization": "Bearer wrong"},
    )
    assert res.status_code == 401


@pytest.mark.parametrize(
    "body, field",
    [
        ({"channel": "fax", "creator": {"id": "x"}}, "channel"),
        ({"channel": "email"}, "creator"),
        ({"channel": "email", "creator": {"id": ""}}, "creator.id"),
        ({"channel": "email", "creator": {"id": "x", "country": "France"}}, "creator.country"),
        ({"channel": "email", "creator": {"id": "x", "locale": 12}}, "creator.locale"),
    ],
)
def test_create_conversation_validation(client, auth, body, field):
    res = client.post("/api/v1/conversations", json=body, headers=auth)
    assert res.status_code == 400
    assert res.get_json()["field"] == field


def test_non_json_body_is_a_clear_error(client, auth):
    res = client.post("/api/v1/conversations", data="hello", headers=auth)
    assert res.status_code == 415
    assert "JSON" in res.get_json()["error"]


def test_create_conversation_starts_with_bot_in_creator_locale(client, auth):
    cid = new_conversation(client, auth, locale="fr-FR", country="fr")
    data = client.get(f"/api/v1/conversations/{cid}", headers=auth).get_json()
    assert data["state"] == "bot"
    assert data["language"] == "fr"
    assert data["creator"]["country"] == "FR"


def test_message_is_forwarded_and_replies_are_stored(client, auth, rasa, app):
    cid = new_conversation(client, auth)
    rasa.outputs.append(
        [
            {"recipient_id": cid, "text": "Withdraw: go to Balance > Withdraw."},
            {"recipient_id": cid, "custom": {"meta": {"article_id": "withdraw-earnings", "score": 0.9}}},
            {"recipient_id": cid, "text": "Did this solve it?", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
        ]
    )
    res = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "how do i withdraw my money"}, headers=auth)
    body = res.get_json()
    assert res.status_code == 200
    assert body["state"] == "bot"
    assert body["handoff"] is None
    assert body["replies"][0]["article_id"] == "withdraw-earnings"
    assert body["replies"][1]["buttons"][0]["payload"] == "/affirm"
    assert rasa.sent[0][0] == cid and rasa.sent[0][2]["language"] == "en"
    transcript = client.get(f"/api/v1/conversations/{cid}", headers=auth).get_json()["messages"]
    assert [m["sender"] for m in transcript] == ["creator", "bot", "bot"]


def test_handoff_payload_is_stored_with_state_change(client, auth, rasa):
    cid = new_conversation(client, auth)
    handoff = {
        "reason": "requested_by_creator", "queue": "general", "priority": 10, "summary": "Creator asked for a person",
        "language": "fr", "details": {}, "articles_shown": [], "intent_ranking": [], "safety": None,
    }
    rasa.outputs.append([{"custom": {"handoff": handoff}}, {"text": "Je vous passe un conseiller."}])
    body = client.post(
        f"/api/v1/conversations/{cid}/messages", json={"text": "je veux parler à un humain"}, headers=auth
    ).get_json()
    assert body["state"] == "queued"
    assert body["handoff"]["reason"] == "requested_by_creator"
    assert body["handoff"]["queue"] == "general"
    data = client.get(f"/api/v1/conversations/{cid}", headers=auth).get_json()
    assert data["state"] == "queued" and data["queue"] == "general"
    assert data["handoff"]["summary"] == "Creator asked for a person"
    # after the handoff the hub stops forwarding: the bot stays silent
    body = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "allo ?"}, headers=auth).get_json()
    assert body["replies"] == [] and body["state"] == "queued"
    assert len(rasa.sent) == 1
    messages = client.get(f"/api/v1/conversations/{cid}", headers=auth).get_json()["messages"]
    assert messages[-1]["text"] == "allo ?"


def test_assistant_unavailable_queues_and_keeps_the_message(client, auth, rasa):
    cid = new_conversation(client, auth, locale="fr")
    rasa.fail = "connection refused"
    body = client.post(
        f"/api/v1/conversations/{cid}/messages", json={"text": "mon virement est pas arrivé"}, headers=auth
    ).get_json()
    assert body["state"] == "queued"
    assert body["handoff"]["reason"] == "assistant_unavailable"
    assert "équipe" in body["replies"][0]["text"]  # the hub's own message, in French
    data = client.get(f"/api/v1/conversations/{cid}", headers=auth).get_json()
    assert data["messages"][0]["text"] == "mon virement est pas arrivé"


def test_resolution_closes_and_new_message_reopens(client, auth, rasa):
    cid = new_conversation(client, auth)
    rasa.outputs.append([{"text": "Great!"}, {"custom": {"resolved": True}}])
    body = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "yes"}, headers=auth).get_json()
    assert body["state"] == "closed"
    body = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "one more thing"}, headers=auth).get_json()
    assert body["state"] == "bot"
    data = client.get(f"/api/v1/conversations/{cid}", headers=auth).get_json()
    assert len([m for m in data["messages"] if m["sender"] == "creator"]) == 2


def test_client_message_id_is_idempotent(client, auth, rasa, app):
    cid = new_conversation(client, auth)
    first = client.post(
        f"/api/v1/conversations/{cid}/messages", json={"text": "hello there", "client_message_id": "m1"}, headers=auth
    ).get_json()
    again = client.post(
        f"/api/v1/conversations/{cid}/messages", json={"text": "hello there", "client_message_id": "m1"}, headers=auth
    ).get_json()
    assert again["duplicate"] is True
    assert again["message_id"] == first["message_id"]
    assert [r["text"] for r in again["replies"]] == [r["text"] for r in first["replies"]]
    assert len(rasa.sent) == 1
    with app.extensions["db"].session() as s:
        assert s.query(Message).filter_by(conversation_id=cid, sender="creator").count() == 1


def test_unknown_conversation_is_404(client, auth):
    res = client.post("/api/v1/conversations/nope/messages", json={"text": "hi"}, headers=auth)
    assert res.status_code == 404
    assert "error" in res.get_json()


def test_empty_text_is_rejected_and_nothing_stored(client, auth, app):
    cid = new_conversation(client, auth)
    res = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "   "}, headers=auth)
    assert res.status_code == 400
    with app.extensions["db"].session() as s:
        assert s.query(Message).count() == 0


def test_arabic_message_switches_language(client, auth, rasa, app):
    cid = new_conversation(client, auth, locale="en")
    client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "كيف أسحب أرباحي"}, headers=auth)
    assert rasa.sent[-1][2]["language"] == "ar"
    with app.extensions["db"].session() as s:
        assert s.get(Conversation, cid).language == "ar"


def test_unsupported_language_hands_off_without_rasa(client, auth, rasa, app):
    cid = new_conversation(client, auth)
    with app.extensions["db"].session() as s:
        s.get(Conversation, cid).language = "es"
    body = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "necesito ayuda"}, headers=auth).get_json()
    assert body["handoff"]["reason"] == "unsupported_language"
    assert rasa.sent == []


def test_intent_payloads_carry_the_language_to_rasa():
    from handoff.assistant import with_language

    assert with_language("/greet", "ar") == '/greet{"language": "ar"}'
    assert with_language('/inform{"payment_method":"paypal"}', "fr") == (
        '/inform{"payment_method": "paypal", "language": "fr"}'
    )
    assert with_language("how do i withdraw", "en") == "how do i withdraw"
    assert with_language("/not json{", "en") == "/not json{"


def test_queued_creator_gets_an_expected_wait(client, auth, rasa):
    cid = new_conversation(client, auth)
    rasa.outputs.append([{"custom": {"handoff": {"reason": "requested_by_creator", "queue": "general"}}},
                         {"text": "ok"}])
    body = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "a person please"},
                       headers=auth).get_json()
    assert body["state"] == "queued"
    assert body["expected_wait_minutes"] == 240  # no claims yet: the queue's SLA


def test_hub_summary_quotes_the_first_typed_message_not_a_button(client, auth, rasa):
    cid = client.post("/api/v1/conversations", json={"channel": "live_chat", "creator": {"id": "c"}},
                      headers=auth).get_json()["id"]
    client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "/greet"}, headers=auth)
    rasa.fail = "down"
    body = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "where is my payout"},
                       headers=auth).get_json()
    assert body["handoff"]["reason"] == "assistant_unavailable"
    assert body["handoff"]["summary"] == "[assistant_unavailable] first message: where is my payout"
