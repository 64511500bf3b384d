"""Build the safety screen in the background, so the hub answers health checks while it loads.

Screening is never skipped: a message that arrives before the screen is ready
waits for it. If the full screen can't be built (encoder missing, bad
exemplar file), the lexicon alone screens and the failure is logged.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from handoff.safety.lexicon import Lexicon
from handoff.safety.screen import SafetyScreen, Verdict

log = logging.getLogger(__name__)


class BackgroundScreen:
    """A SafetyScreen built on a thread; ``screen`` waits until it exists."""

    def __init__(self, build: Callable[[], SafetyScreen], wait_seconds: float = 300.0) -> None:
        self._build = build
        self._screen: SafetyScreen | None = None
        self._ready = threading.Event()
        self.wait_seconds = wait_seconds
        self.error: str | None = None

    def start(self) -> BackgroundScreen:
        threading.Thread(target=self.load, name="safety-screen-load", daemon=True).start()
        return self

    def load(self) -> None:
        """Build the screen now (called on the loading thread)."""
        try:
            self._screen = self._build()
        except Exception as exc:  # noqa: BLE001 - any failure falls back to the lexicon, loudly
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("safety screen: exemplar classifier unavailable, screening with the lexicon only")
            self._screen = SafetyScreen(Lexicon(), None)
        finally:
            self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def screen(self, text: str, nlu_intent: str | None = None) -> Verdict:
        """Screen ``text`` (waiting for the screen to finish loading if needed)."""
        if not self._ready.wait(self.wait_seconds):
            # still loading after minutes: the lexicon must not wait any longer
            return SafetyScreen(Lexicon(), None).screen(text, nlu_intent)
        assert self._screen is not None
        return self._screen.screen(text, nlu_intent)
