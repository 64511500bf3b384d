"""Safety escalations end to end through the hub."""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.e2e


def safety_queue(stack) -> list[dict]:
    res = requests.get(f"{stack.hub}/api/v1/queues/safety", headers=stack.headers, timeout=10)
    res.raise_for_status()
    return list(res.json()["conversations"])


def test_french_self_harm_gets_3114_and_tops_the_safety_queue(stack):
    # something already waiting in the general queue must not outrank it
    other = stack.new_conversation("fr", country="FR")
    stack.say(other, "je veux parler à un conseiller")
    cid = stack.new_conversation("fr", country="FR")
    turn = stack.say(cid, "j'en peux plus de tout ça, je pense à me suicider")
    assert turn["state"] == "queued"
    assert turn["handoff"]["queue"] == "safety"
    assert turn["handoff"]["safety"]["category"] == "self_harm"
    assert "3114" in turn["replies"][0]["text"]
    assert safety_queue(stack)[0]["id"] == cid


def test_laughing_to_death_is_not_a_safety_case(stack):
    cid = stack.new_conversation("fr")
    turn = stack.say(cid, "je suis mort de rire avec ta réponse mdr, comment je programme une vidéo ?")
    assert turn["state"] == "bot"
    assert (turn["handoff"] or {}).get("queue") != "safety"
    assert cid not in [c["id"] for c in safety_queue(stack)]


def test_safety_message_while_waiting_moves_the_conversation(stack):
    cid = stack.new_conversation("en", country="US")
    turn = stack.say(cid, "can i talk to a human please")
    assert turn["handoff"]["queue"] == "general"
    turn = stack.say(cid, "he says he will leak my nudes if i don't pay him by tonight")
    assert turn["handoff"]["queue"] == "safety"
    assert turn["handoff"]["safety"]["category"] == "sextortion"
    assert turn["handoff"]["moved_from_queue"] == "general"
    stored = stack.conversation(cid)
    assert stored["queue"] == "safety" and stored["state"] == "queued"
    assert cid in [c["id"] for c in safety_queue(stack)]
