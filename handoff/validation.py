"""Validation of JSON request bodies, with messages that name the field."""

from __future__ import annotations

import re
from typing import Any

from flask import request

from handoff.attachments import Upload, check_upload, max_bytes
from handoff.errors import ApiError
from handoff.models import CHANNELS

MAX_TEXT = 5000
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_LOCALE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400/415 saying what is wrong."""
    if not request.is_json:
        raise ApiError(415, "send a JSON body with Content-Type: application/json")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "the body is not valid JSON")
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    return body


def conversation_request(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Validate ``{"channel", "creator": {"id", "locale"?, "country"?, "handle"?}}``."""
    channel = body.get("channel")
    if channel not in CHANNELS:
        raise ApiError(400, f"'channel' must be one of {list(CHANNELS)}", field="channel")
    creator = body.get("creator")
    if not isinstance(creator, dict):
        raise ApiError(400, "'creator' must be an object with at least an 'id'", field="creator")
    cid = creator.get("id")
    if not isinstance(cid, str | int) or isinstance(cid, bool) or not str(cid).strip():
        raise ApiError(400, "'creator.id' must be a non-empty string", field="creator.id")
    if len(str(cid)) > 128:
        raise ApiError(400, "'creator.id' is longer than 128 characters", field="creator.id")
    locale = creator.get("locale")
    if locale is not None and (not isinstance(locale, str) or not _LOCALE.match(locale)):
        raise ApiError(400, "'creator.locale' must be a locale like 'fr' or 'fr-FR'", field="creator.locale")
    country = creator.get("country")
    if country is not None and (not isinstance(country, str) or not _COUNTRY.match(country)):
        raise ApiError(400, "'creator.country' must be an ISO 3166 code like 'FR'", field="creator.country")
    handle = creator.get("handle")
    if handle is not None and (not isinstance(handle, str) or len(handle) > 128):
        raise ApiError(400, "'creator.handle' must be a string", field="creator.handle")
    clean = dict(creator)
    clean["id"] = str(cid).strip()
    if country:
        clean["country"] = country.upper()
    return channel, clean


def message_request(body: dict[str, Any]) -> tuple[str, str | None]:
    """Validate ``{"text", "client_message_id"?}``."""
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ApiError(400, "'text' must be a non-empty string", field="text")
    if len(text) > MAX_TEXT:
        raise ApiError(413, f"'text' is longer than {MAX_TEXT} characters", field="text")
    cmid = body.get("client_message_id")
    if cmid is not None and (not isinstance(cmid, str) or not cmid or len(cmid) > 128):
        raise ApiError(400, "'client_message_id' must be a string of 1-128 characters", field="client_message_id")
    return text.strip(), cmid


def attachment_request() -> tuple[str, str | None, Upload]:
    """Validate a multipart upload: ``file`` (an image), optional ``text`` caption and ``client_message_id``."""
    if not request.mimetype.startswith("multipart/form-data"):
        raise ApiError(415, "send the image as multipart/form-data with a 'file' field")
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(400, "the 'file' field is missing", field="file")
    text = request.form.get("text", "") or ""
    if len(text) > MAX_TEXT:
        raise ApiError(413, f"'text' is longer than {MAX_TEXT} characters", field="text")
    cmid = request.form.get("client_message_id") or None
    if cmid is not None and len(cmid) > 128:
        raise ApiError(400, "'client_message_id' must be a string of 1-128 characters", field="client_message_id")
    limit = max_bytes()
    data = upload.stream.read(limit + 1)
    return text.strip(), cmid, check_upload(upload.filename, data, limit)
