"""Authentication of channel webhooks: bearer token, or an HMAC-SHA256 signature of the body."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, request

from handoff.errors import ApiError


def verify_webhook(view: Callable[..., Any]) -> Callable[..., Any]:
    """Accept ``Authorization: Bearer $HUB_API_TOKEN`` or ``X-Hub-Signature-256: sha256=<hex>``
    computed with ``HUB_WEBHOOK_SECRET`` over the raw body."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        secret = current_app.config.get("HUB_WEBHOOK_SECRET") or ""
        signature = request.headers.get("X-Hub-Signature-256", "")
        if signature:
            if not secret:
                raise ApiError(401, "signed webhooks need HUB_WEBHOOK_SECRET on the hub")
            expected = "sha256=" + hmac.new(secret.encode(), request.get_data(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(signature, expected):
                raise ApiError(401, "invalid webhook signature")
            return view(*args, **kwargs)
        token = current_app.config.get("HUB_API_TOKEN") or ""
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if not token or scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
            raise ApiError(401, "missing or invalid bearer token or signature")
        return view(*args, **kwargs)

    return wrapped
