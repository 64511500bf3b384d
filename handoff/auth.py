"""Access control for service calls: a bearer token from the environment."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, request

from handoff.errors import ApiError


def require_token(view: Callable[..., Any]) -> Callable[..., Any]:
    """Reject requests without ``Authorization: Bearer $HUB_API_TOKEN``."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        expected = current_app.config.get("HUB_API_TOKEN") or ""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if not expected:
            raise ApiError(503, "the hub has no API token configured (set HUB_API_TOKEN)")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip(), expected):
            raise ApiError(401, "missing or invalid bearer token")
        return view(*args, **kwargs)

    return wrapped
