"""Server-sent events responses that work under gunicorn's gthread worker."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from flask import Response, stream_with_context

from handoff.events import Broker


def sse_response(
    broker: Broker,
    topics: list[str],
    backlog: Callable[[], list[dict[str, Any]]] | None = None,
    heartbeat: float = 15.0,
    creator_view: bool = False,
) -> Response:
    """Stream ``topics`` as SSE; ``backlog`` returns events missed since ``Last-Event-ID``."""
    q = broker.subscribe(*topics)

    def stream() -> Iterator[str]:
        try:
            yield "retry: 2000\n\n"
            for missed in backlog() if backlog else []:
                yield _format(missed)
            for event in broker.listen(q, heartbeat):
                if event is None:
                    yield ": keep-alive\n\n"
                elif not creator_view or _creator_may_see(event):
                    yield _format(event)
        finally:
            broker.unsubscribe(q)

    return Response(
        stream_with_context(stream()),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _creator_may_see(event: dict[str, Any]) -> bool:
    """Creators get their conversation's messages, state and the associate typing, never internal notes."""
    if event.get("type") == "message":
        return (event.get("message") or {}).get("sender") in ("creator", "bot", "associate")
    if event.get("type") == "typing":
        return event.get("sender") == "associate"
    return event.get("type") == "state"


def _format(event: dict[str, Any]) -> str:
    lines = []
    if event.get("id") is not None:
        lines.append(f"id: {event['id']}")
    lines.append(f"event: {event.get('type', 'message')}")
    lines.append("data: " + json.dumps(event, ensure_ascii=False, default=str))
    return "\n".join(lines) + "\n\n"
