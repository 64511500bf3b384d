"""Associate accounts: creating them, checking passwords, the logged-in associate, CSRF."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, g, redirect, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from handoff.db import Database
from handoff.models import QUEUES, ROLES, Associate

MIN_PASSWORD = 10


class AccountError(ValueError):
    """Invalid account data."""


def create_associate(
    db: Database,
    username: str,
    password: str,
    display_name: str | None = None,
    roles: list[str] | None = None,
    queues: list[str] | None = None,
    languages: list[str] | None = None,
    max_concurrent: int = 5,
) -> Associate:
    """Store a new associate with a hashed password."""
    roles = roles or ["associate"]
    queues = queues or [q for q in QUEUES if q != "safety" or "safety_specialist" in roles]
    if not username or not username.replace("_", "").replace(".", "").isalnum():
        raise AccountError("username: letters, digits, '_' and '.' only")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password: at least {MIN_PASSWORD} characters")
    bad_roles = [r for r in roles if r not in ROLES]
    if bad_roles:
        raise AccountError(f"unknown role(s) {bad_roles}; roles are {list(ROLES)}")
    bad_queues = [q for q in queues if q not in QUEUES]
    if bad_queues:
        raise AccountError(f"unknown queue(s) {bad_queues}; queues are {list(QUEUES)}")
    with db.session() as s:
        if s.get(Associate, username) is not None:
            raise AccountError(f"username {username!r} is taken")
        associate = Associate(
            username=username, display_name=display_name or username,
            password_hash=generate_password_hash(password), roles=roles, queues=queues,
            languages=languages or ["en", "fr", "ar"], max_concurrent=max_concurrent, active=True,
        )
        s.add(associate)
    return associate


def authenticate(db: Database, username: str, password: str) -> Associate | None:
    """The associate if the password is right (constant work either way)."""
    with db.session() as s:
        associate = s.get(Associate, username)
        if associate is None or not associate.active:
            check_password_hash(generate_password_hash("x"), password)
            return None
        return associate if check_password_hash(associate.password_hash, password) else None


def current_associate() -> Associate | None:
    """The logged-in associate of this request."""
    if "associate" not in g:
        username = session.get("associate")
        associate = None
        if username:
            with current_app.extensions["db"].session() as s:
                associate = s.get(Associate, username)
            if associate is not None and not associate.active:
                associate = None
        g.associate = associate
    return g.associate


def csrf_token() -> str:
    """The session's CSRF token (created on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def check_csrf() -> None:
    """Reject state-changing requests without the session's token (form field or X-CSRF-Token header)."""
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
    if not sent or not hmac.compare_digest(sent, session.get("csrf", "")):
        abort(400, description="missing or invalid CSRF token; reload the page")


def login_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Views for logged-in associates (optionally with one of ``roles``); POSTs also need CSRF."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            associate = current_associate()
            if associate is None:
                if request.path.startswith("/console/api/"):
                    abort(401, description="log in first")
                return redirect(url_for("console.login", next=request.path))
            if roles and not associate.has_role(*roles):
                abort(403, description="your role can't do this")
            if request.method in ("POST", "PUT", "DELETE", "PATCH"):
                check_csrf()
            return view(*args, **kwargs)

        return wrapped

    return decorator
