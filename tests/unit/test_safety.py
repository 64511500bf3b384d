"""The safety screen: each signal alone, their combination, and the hub's escalation."""

from __future__ import annotations

from pathlib import Path

import pytest

from handoff.safety.exemplars import ExemplarIndex
from handoff.safety.lexicon import Lexicon, LexiconError
from handoff.safety.normalize import normalize, squeeze
from handoff.safety.resources import resources_text, safety_reply
from handoff.safety.screen import SafetyScreen, ScreenSettings
from tests.fakes import HashingEncoder

MINI = """
self_harm:
  phrases: [kill myself, kms, me suicider, بغيت نموت]
  patterns: ['\\b(want|wanna)\\s+to\\s+die\\b']
harassment:
  phrases: [they keep bullying me]
benign:
  patterns: ['\\b(this|that)\\s+(beat|song)\\s+kills\\b']
negation:
  patterns: ['\\b(never|not)\\s+(\\w+\\s+){0,2}(kill myself|want to die)']
"""


@pytest.fixture
def mini_lexicon(tmp_path: Path) -> Lexicon:
    (tmp_path / "en.yml").write_text(MINI, encoding="utf-8")
    return Lexicon(tmp_path)


def test_normalize_folds_case_accents_arabic_forms_and_runs():
    assert normalize("JE VAIS ME SUICIDÉR") == "je vais me suicider"
    assert normalize("أريد   أن أموت") == "اريد ان اموت"
    squeezed, where = squeeze(normalize("i wanna diiiie"))
    assert squeezed.endswith("die") and normalize("i wanna diiiie")[where[-1]] == "e"


def test_lexicon_phrase_and_pattern_match(mini_lexicon):
    assert {m.category for m in mini_lexicon.match("honestly i want to die")} == {"self_harm"}
    assert {m.category for m in mini_lexicon.match("KMS fr")} == {"self_harm"}
    assert {m.category for m in mini_lexicon.match("j'ai envie de me suicidér")} == {"self_harm"}
    assert {m.category for m in mini_lexicon.match("بغيت نموت")} == {"self_harm"}


def test_lexicon_whole_words_only(mini_lexicon):
    assert mini_lexicon.match("my friend kmsalem posted") == []


def test_benign_and_negation_guards(mini_lexicon):
    assert mini_lexicon.match("i would never kill myself, just tired of this bug") == []
    assert mini_lexicon.match("i'm not gonna kill myself lol") == []


def test_guard_written_plainly_covers_the_squeezed_spelling(tmp_path):
    # rules and guards also run on the text with letter runs squeezed ("comme" -> "come");
    # a guard found in either form covers a rule match found in either form
    (tmp_path / "fr.yml").write_text(
        "self_harm:\n  phrases: [automutilation]\nbenign:\n  patterns: ['\\bmots\\s+comme\\s+\\S+']\n",
        encoding="utf-8",
    )
    lexicon = Lexicon(tmp_path)
    assert lexicon.match("les mots comme automutilation sont filtrés ?") == []
    assert {m.category for m in lexicon.match("je pense à l'automutilation")} == {"self_harm"}


def test_squeeze_maps_back_to_the_original_positions():
    squeezed, where = squeeze("kmsss comme")
    assert squeezed == "kms come"
    assert [squeezed[i] for i in range(len(squeezed))] == ["kmsss comme"[j] for j in where]


def test_inspect_reports_the_guards_it_applied(mini_lexicon):
    seen = mini_lexicon.inspect("i'm not gonna kill myself lol")
    assert seen.matches == []
    assert seen.guards and seen.guards[0]["kind"] == "negation"
    assert mini_lexicon.inspect("i want to die").guards == []


def test_a_guard_raises_the_classifiers_bar(tmp_path, mini_lexicon):
    path = tmp_path / "exemplars.yml"
    path.write_text(
        "self_harm:\n  en: [this song kills me inside i want to die]\n"
        "benign:\n  en: [how do i add music to my video]\n",
        encoding="utf-8",
    )
    index = ExemplarIndex(HashingEncoder(), path)
    text = "this song kills, i want to die"  # the mini lexicon's benign guard recognises "this song kills"
    settings = ScreenSettings(similarity_threshold=0.0, guarded_threshold=1.01)
    assert SafetyScreen(Lexicon(tmp_path / "none"), index, settings).screen(text).flagged  # no guard: classifier
    assert mini_lexicon.match(text)  # "want to die" is still a live lexicon match: the lexicon flags it
    guarded = "this song kills, so good"
    verdict = SafetyScreen(mini_lexicon, index, settings).screen(guarded)
    assert not verdict.flagged and verdict.signals["guards"]
    assert SafetyScreen(Lexicon(tmp_path / "none"), index, settings).screen(guarded).flagged


def test_bad_regex_names_file_and_entry(tmp_path):
    (tmp_path / "fr.yml").write_text("threats:\n  patterns: ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"fr.yml: threats.patterns\[0\]"):
        Lexicon(tmp_path)


def test_unknown_category_is_rejected(tmp_path):
    (tmp_path / "en.yml").write_text("spam:\n  phrases: [buy now]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="unknown category"):
        Lexicon(tmp_path)


def test_similarity_signal_flags_near_exemplars_and_respects_benign(tmp_path):
    path = tmp_path / "exemplars.yml"
    path.write_text(
        "sextortion:\n  en: [he will leak my private pictures unless i pay him]\n"
        "benign:\n  en: [how do i pay for coins with paypal]\n",
        encoding="utf-8",
    )
    screen = SafetyScreen(Lexicon(tmp_path / "none"), ExemplarIndex(HashingEncoder(), path),
                          ScreenSettings(similarity_threshold=0.6))
    hit = screen.screen("he says he will leak my private pictures if i don't pay")
    assert hit.flagged and hit.category == "sextortion"
    assert hit.signals["similarity"]["category"] == "sextortion"
    miss = screen.screen("how can i pay for coins")
    assert not miss.flagged


def test_lexicon_wins_and_most_urgent_category_first(mini_lexicon):
    screen = SafetyScreen(mini_lexicon, None)
    verdict = screen.screen("they keep bullying me and i want to die")
    assert verdict.flagged and verdict.category == "self_harm"
    assert verdict.score == 1.0
    assert {m["category"] for m in verdict.signals["lexicon"]} == {"self_harm", "harassment"}


def test_nlu_intent_needs_some_similarity(tmp_path):
    path = tmp_path / "exemplars.yml"
    path.write_text("threats:\n  en: [he said he will come to my house and hurt me]\n"
                    "benign:\n  en: [my friend will come to my house for a collab video]\n", encoding="utf-8")
    screen = SafetyScreen(Lexicon(tmp_path / "none"), ExemplarIndex(HashingEncoder(), path),
                          ScreenSettings(similarity_threshold=1.01, intent_similarity_floor=0.5))
    text = "he said he will come and hurt me"
    assert not screen.screen(text).flagged
    assert screen.screen(text, nlu_intent="safety_concern").flagged


def test_resources_by_country_then_locale():
    assert "3114" in resources_text("FR", "fr")
    assert "988" in resources_text("US", "en")
    assert "116 123" in resources_text("GB", "en")
    assert "3114" in resources_text(None, "fr")  # no country: the French-speaking markets
    ar = resources_text(None, "ar")
    assert "15 / 19" in ar and "997" in ar
    assert "3114" in safety_reply("self_harm", "fr", "FR")
    assert "police" in safety_reply("sextortion", "en", "US")


def test_hub_escalates_and_records_the_decision(client, auth, rasa, app):
    from handoff.models import SafetyDecision

    cid = client.post("/api/v1/conversations", json={"channel": "in_app", "creator": {"id": "c", "locale": "fr",
                      "country": "FR"}}, headers=auth).get_json()["id"]
    app.extensions["conversations"].screen = SafetyScreen(Lexicon(_write_mini(app)), None)
    body = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "je veux me suicider"},
                       headers=auth).get_json()
    assert body["state"] == "queued"
    assert body["handoff"]["queue"] == "safety" and body["handoff"]["priority"] == 100
    assert body["handoff"]["safety"]["category"] == "self_harm"
    assert "3114" in body["replies"][0]["text"]
    assert rasa.sent == []  # the bot never saw it
    body = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "merci"}, headers=auth).get_json()
    with app.extensions["db"].session() as s:
        decisions = s.query(SafetyDecision).order_by(SafetyDecision.id).all()
        assert [d.flagged for d in decisions] == [True, False]
        assert decisions[0].signals["lexicon"][0]["category"] == "self_harm"


def test_safety_while_queued_moves_to_the_safety_queue(client, auth, rasa, app):
    cid = client.post("/api/v1/conversations", json={"channel": "email", "creator": {"id": "c"}},
                      headers=auth).get_json()["id"]
    app.extensions["conversations"].screen = SafetyScreen(Lexicon(_write_mini(app)), None)
    rasa.outputs.append([{"custom": {"handoff": {"reason": "requested_by_creator", "queue": "general"}}},
                         {"text": "ok"}])
    client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "agent please"}, headers=auth)
    body = client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "kms"}, headers=auth).get_json()
    assert body["handoff"]["queue"] == "safety" and body["handoff"]["moved_from_queue"] == "general"
    listing = client.get("/api/v1/queues/safety", headers=auth).get_json()["conversations"]
    assert listing[0]["id"] == cid and listing[0]["category"] == "self_harm"


def _write_mini(app) -> Path:  # type: ignore[no-untyped-def]
    directory = Path(app.config["DATABASE_URL"].removeprefix("sqlite:///")).parent / "lexicon"
    directory.mkdir(exist_ok=True)
    (directory / "fr.yml").write_text(MINI, encoding="utf-8")
    return directory


def test_oncall_alert_after_timeout_then_every_interval(client, auth, rasa, app):
    import datetime as dt
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from handoff.safety.oncall import check_unclaimed, webhook_sender

    received: list[bytes] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):  # silence
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        cid = client.post("/api/v1/conversations", json={"channel": "in_app", "creator": {"id": "c"}},
                          headers=auth).get_json()["id"]
        app.extensions["conversations"].screen = SafetyScreen(Lexicon(_write_mini(app)), None)
        client.post(f"/api/v1/conversations/{cid}/messages", json={"text": "kms"}, headers=auth)
        send = webhook_sender(f"http://127.0.0.1:{server.server_port}/alert")
        db = app.extensions["db"]
        now = dt.datetime.now(dt.UTC)
        assert check_unclaimed(db, send, 300, now + dt.timedelta(seconds=100)) == 0
        assert check_unclaimed(db, send, 300, now + dt.timedelta(seconds=301)) == 1
        assert check_unclaimed(db, send, 300, now + dt.timedelta(seconds=400)) == 0  # not again yet
        assert check_unclaimed(db, send, 300, now + dt.timedelta(seconds=601)) == 1  # next interval
        import json

        alerts = [json.loads(b) for b in received]
        assert [a["alert_number"] for a in alerts] == [1, 2]
        assert alerts[0]["conversation_id"] == cid and alerts[0]["category"] == "self_harm"
    finally:
        server.shutdown()
