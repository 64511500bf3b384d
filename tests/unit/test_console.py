"""Console: login, CSRF, roles, atomic claiming, routing order, actions and the audit log."""

from __future__ import annotations

import re
import threading

import pytest

from handoff.accounts import AccountError, create_associate
from handoff.models import Associate, AuditEntry, Conversation

PASSWORD = "correct horse battery"


@pytest.fixture
def people(app):  # type: ignore[no-untyped-def]
    db = app.extensions["db"]
    create_associate(db, "ana", PASSWORD, "Ana", roles=["associate"], languages=["en", "fr"])
    create_associate(db, "sam", PASSWORD, "Sam", roles=["associate"], languages=["en"])
    create_associate(db, "sofia", PASSWORD, "Sofia", roles=["safety_specialist"], languages=["fr", "ar"])
    return db


def login(client, username: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    res = client.post("/console/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert res.status_code == 302, res.get_data(as_text=True)
    page = client.get("/console/").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def queued_conversation(client, auth, rasa, reason="requested_by_creator", queue="general", locale="en") -> str:  # type: ignore[no-untyped-def]
    cid = client.post("/api/v1/conversations", json={"channel": "in_app", "creator": {"id": "cr", "locale": locale}},
                      headers=auth).get_json()["id"]
    rasa.outputs.append([{"custom": {"handoff": {"reason": reason, "queue": queue, "summary": "s"}}}, {"text": "ok"}])
    client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "a person please"}, headers=auth)
    return cid


def test_weak_password_and_unknown_role_are_refused(app):
    with pytest.raises(AccountError, match="at least"):
        create_associate(app.extensions["db"], "x", "short")
    with pytest.raises(AccountError, match="unknown role"):
        create_associate(app.extensions["db"], "y", PASSWORD, roles=["boss"])


def test_login_logout_and_wrong_password(app, people):
    client = app.test_client()
    assert client.get("/console/").status_code == 302
    page = client.get("/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    bad = client.post("/console/login", data={"username": "ana", "password": "nope nope nope", "csrf_token": token})
    assert bad.status_code == 401 and "Wrong username or password" in bad.get_data(as_text=True)
    csrf = login(client, "ana")
    assert client.get("/console/api/inbox").status_code == 200
    client.post("/console/logout", data={"csrf_token": csrf})
    assert client.get("/console/api/inbox").status_code == 401


def test_state_changes_need_the_csrf_token(app, people, client, auth, rasa):
    cid = queued_conversation(client, auth, rasa)
    c = app.test_client()
    login(c, "ana")
    res = c.post(f"/console/api/conversations/{cid}/claim")
    assert res.status_code == 400 and "CSRF" in res.get_json()["error"]


def test_claim_is_atomic(app, people, client, auth, rasa):
    cid = queued_conversation(client, auth, rasa)
    a, b = app.test_client(), app.test_client()
    ta, tb = login(a, "ana"), login(b, "sam")
    results = {}
    barrier = threading.Barrier(2)

    def take(name, c, token):  # type: ignore[no-untyped-def]
        barrier.wait()
        results[name] = c.post(f"/console/api/conversations/{cid}/claim", headers={"X-CSRF-Token": token}).status_code

    threads = [threading.Thread(target=take, args=("ana", a, ta)), threading.Thread(target=take, args=("sam", b, tb))]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results.values()) == [200, 409]
    with app.extensions["db"].session() as s:
        assert s.get(Conversation, cid).assigned_to in ("ana", "sam")


def test_associate_cannot_read_safety_conversations(app, people, client, auth, rasa):
    cid = queued_conversation(client, auth, rasa, reason="safety", queue="safety")
    c = app.test_client()
    token = login(c, "ana")
    assert c.get(f"/console/api/conversations/{cid}").status_code == 403
    assert c.get(f"/console/c/{cid}").status_code == 403
    assert c.post(f"/console/api/conversations/{cid}/claim", headers={"X-CSRF-Token": token}).status_code == 403
    inbox = c.get("/console/api/inbox").get_json()
    assert inbox["hidden_safety"] == 1 and all(r["id"] != cid for r in inbox["queued"])
    s = app.test_client()
    login(s, "sofia")
    assert s.get(f"/console/api/conversations/{cid}").status_code == 200


def test_next_takes_safety_first_then_oldest_in_language(app, people, client, auth, rasa):
    general_fr = queued_conversation(client, auth, rasa, locale="fr")
    general_en = queued_conversation(client, auth, rasa, locale="en")
    safety = queued_conversation(client, auth, rasa, reason="safety", queue="safety", locale="fr")
    sofia = app.test_client()
    t = login(sofia, "sofia")
    assert sofia.post("/console/api/next", headers={"X-CSRF-Token": t}).get_json()["id"] == safety
    sam = app.test_client()
    t = login(sam, "sam")  # English only: skips the French conversation that is still within its SLA
    assert sam.post("/console/api/next", headers={"X-CSRF-Token": t}).get_json()["id"] == general_en
    assert sam.post("/console/api/next", headers={"X-CSRF-Token": t}).status_code == 404
    ana = app.test_client()
    t = login(ana, "ana")
    assert ana.post("/console/api/next", headers={"X-CSRF-Token": t}).get_json()["id"] == general_fr


def test_reply_note_resolve_and_rating(app, people, client, auth, rasa):
    cid = queued_conversation(client, auth, rasa)
    c = app.test_client()
    t = login(c, "ana")
    h = {"X-CSRF-Token": t}
    assert c.post(f"/console/api/conversations/{cid}/reply", json={"text": "<b>hi</b>"}, headers=h).status_code == 409
    c.post(f"/console/api/conversations/{cid}/claim", headers=h)
    c.post(f"/console/api/conversations/{cid}/reply", json={"text": "Hi, I'm Ana"}, headers=h)
    c.post(f"/console/api/conversations/{cid}/note", json={"text": "checked payout ledger"}, headers=h)
    # the creator sees the reply but never the note; the bot is not involved
    view = client.get(f"/api/v1/conversations/{cid}", headers=auth).get_json()
    senders = [m["sender"] for m in view["messages"]]
    assert "associate" in senders
    sent_before = len(rasa.sent)
    body = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "thanks!"}, headers=auth).get_json()
    assert body["state"] == "assigned" and body["replies"] == [] and len(rasa.sent) == sent_before
    assert c.post(f"/console/api/conversations/{cid}/resolve", json={"code": "bogus"}, headers=h).status_code == 400
    assert c.post(f"/console/api/conversations/{cid}/resolve", json={"code": "answered"}, headers=h).status_code == 200
    body = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "/rate5"}, headers=auth).get_json()
    assert body["state"] == "closed"
    with app.extensions["db"].session() as s:
        conv = s.get(Conversation, cid)
        assert conv.satisfaction == 5 and conv.resolution == "answered"
        actions = [a.action for a in s.query(AuditEntry).filter_by(actor="ana").order_by(AuditEntry.id)]
        assert actions == ["login", "claim", "reply", "note", "resolve"]


def test_transfer_and_hand_back(app, people, client, auth, rasa):
    cid = queued_conversation(client, auth, rasa)
    c = app.test_client()
    h = {"X-CSRF-Token": login(c, "ana")}
    c.post(f"/console/api/conversations/{cid}/claim", headers=h)
    assert c.post(f"/console/api/conversations/{cid}/transfer", json={"queue": "payments", "note": "payout"},
                  headers=h).status_code == 200
    with app.extensions["db"].session() as s:
        conv = s.get(Conversation, cid)
        assert conv.state == "queued" and conv.queue == "payments"
    c.post(f"/console/api/conversations/{cid}/claim", headers=h)
    c.post(f"/console/api/conversations/{cid}/handback", headers=h)
    rasa.outputs.append([{"text": "bot again"}])
    body = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "one more question"}, headers=auth).get_json()
    assert body["state"] == "bot" and body["replies"][0]["text"] == "bot again"


def test_script_in_creator_text_is_escaped_in_console_pages(app, people, client, auth, rasa):
    cid = client.post("/api/v1/conversations", json={"channel": "in_app", "creator": {"id": "x"}},
                      headers=auth).get_json()["id"]
    rasa.outputs.append([{"custom": {"handoff": {"reason": "requested_by_creator"}}}, {"text": "ok"}])
    client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "<script>alert(1)</script>"}, headers=auth)
    c = app.test_client()
    login(c, "ana")
    page = c.get(f"/console/c/{cid}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


def test_admin_cli_creates_users(app, monkeypatch, capsys):
    from handoff import admin

    monkeypatch.setenv("HUB_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("HUB_NEW_PASSWORD", PASSWORD)
    assert admin.main(["create-user", "lead", "--role", "team_lead", "--language", "fr"]) == 0
    assert admin.main(["create-user", "lead"]) == 1
    assert "taken" in capsys.readouterr().err
    with app.extensions["db"].session() as s:
        assert s.get(Associate, "lead").roles == ["team_lead"]


def test_suggested_articles_are_their_own_call_and_follow_the_read_rule(app, people, client, auth, rasa, monkeypatch, tmp_path):
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "no-index"))  # search unavailable: the console still works
    general = queued_conversation(client, auth, rasa)
    safety = queued_conversation(client, auth, rasa, reason="safety", queue="safety")
    ana = app.test_client()
    login(ana, "ana")
    assert "suggestions" not in ana.get(f"/console/api/conversations/{general}").get_json()
    res = ana.get(f"/console/api/conversations/{general}/suggestions")
    assert res.status_code == 200 and res.get_json() == {"suggestions": []}
    assert ana.get(f"/console/api/conversations/{safety}/suggestions").status_code == 403
