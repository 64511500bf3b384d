"""Real-time fan-out to live connections (consoles, chat widgets), in process.

Publishers call ``publish(topic, event)`` after their transaction commits;
each server-sent-events connection subscribes to the topics it shows
(``conversation:<id>``, ``inbox``). Several hub processes would fan out over
Redis pub/sub instead (DESIGN.md, "Defaults and scale").
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Any


class Broker:
    """Topic-based pub/sub with one bounded queue per subscriber."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[queue.Queue[dict[str, Any]]]] = {}

    def publish(self, topic: str, event: dict[str, Any]) -> int:
        """Deliver ``event`` to every subscriber of ``topic``; returns how many got it."""
        with self._lock:
            targets = list(self._subscribers.get(topic, ()))
        for q in targets:
            # a stuck client must not block the hub; it catches up on reconnect
            with contextlib.suppress(queue.Full):
                q.put_nowait(event)
        return len(targets)

    def subscribe(self, *topics: str) -> queue.Queue[dict[str, Any]]:
        """A queue receiving every event of ``topics``."""
        q: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=1000)
        with self._lock:
            for topic in topics:
                self._subscribers.setdefault(topic, set()).add(q)
        return q

    def unsubscribe(self, q: queue.Queue[dict[str, Any]]) -> None:
        """Stop delivering to ``q``."""
        with self._lock:
            for subs in self._subscribers.values():
                subs.discard(q)

    def listen(self, q: queue.Queue[dict[str, Any]], heartbeat: float = 15.0) -> Iterator[dict[str, Any] | None]:
        """Yield events as they come, and None every ``heartbeat`` seconds of silence."""
        while True:
            try:
                yield q.get(timeout=heartbeat)
            except queue.Empty:
                yield None
