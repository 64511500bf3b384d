"""JSON errors: every 4xx/5xx from the API is ``{"error": message}``, never a stack trace."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    """An error with an HTTP status and a message for the caller."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def register_error_handlers(app: Flask) -> None:
    """Render ApiError and HTTP errors as JSON on API paths."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):  # type: ignore[no-untyped-def]
        return jsonify({"error": exc.message, **exc.extra}), exc.status

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        if request.path.startswith(("/api/", "/widget/api/", "/console/api/")):
            return jsonify({"error": exc.description or exc.name}), exc.code or 500
        return exc

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unhandled error on %s", request.path)
        if request.path.startswith(("/api/", "/widget/api/", "/console/api/")):
            return jsonify({"error": "internal error; the request was logged"}), 500
        return "Internal error", 500
