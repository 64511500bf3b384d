"""The hub's safety screen loads in the background but never lets a message through unscreened."""

from __future__ import annotations

import threading
import time

from handoff.safety.lexicon import Lexicon
from handoff.safety.loading import BackgroundScreen
from handoff.safety.screen import SafetyScreen


def test_a_message_waits_for_the_screen_that_is_still_loading():
    release = threading.Event()

    def slow_build() -> SafetyScreen:
        release.wait(5)
        return SafetyScreen(Lexicon(), None)

    screen = BackgroundScreen(slow_build).start()
    assert not screen.ready
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("v", screen.screen("i want to kill myself")))
    worker.start()
    time.sleep(0.2)
    assert "v" not in result  # waiting, not skipped
    release.set()
    worker.join(5)
    assert screen.ready and result["v"].flagged and result["v"].category == "self_harm"


def test_a_screen_that_fails_to_build_falls_back_to_the_lexicon():
    def broken() -> SafetyScreen:
        raise FileNotFoundError("exemplars.yml")

    screen = BackgroundScreen(broken)
    screen.load()
    assert screen.error == "FileNotFoundError: exemplars.yml"
    assert screen.screen("jvais me foutre en l'air").flagged
    assert not screen.screen("je suis mort de rire").flagged
