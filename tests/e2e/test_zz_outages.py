"""When the action server or the Rasa server is down, messages are queued, never lost.

Runs last (it stops processes of the shared stack).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_action_server_down_queues_as_assistant_unavailable(stack):
    stack.stop("actions")
    cid = stack.new_conversation("en")
    turn = stack.say(cid, "how do i turn on two step verification")
    assert turn["state"] == "queued"
    assert turn["handoff"]["reason"] == "assistant_unavailable"
    stored = stack.conversation(cid)
    assert stored["messages"][0]["text"] == "how do i turn on two step verification"
    assert stored["handoff"]["reason"] == "assistant_unavailable"


def test_rasa_down_queues_as_assistant_unavailable(stack):
    stack.stop("rasa")
    cid = stack.new_conversation("fr")
    turn = stack.say(cid, "comment changer mon nom d'utilisateur")
    assert turn["state"] == "queued"
    assert turn["handoff"]["reason"] == "assistant_unavailable"
    assert "équipe" in turn["replies"][0]["text"]
    stored = stack.conversation(cid)
    assert [m["text"] for m in stored["messages"] if m["sender"] == "creator"] == ["comment changer mon nom d'utilisateur"]
