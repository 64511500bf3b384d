"""Image attachments: what a creator may send (type and size limits) and how it is served back.

The type is decided from the file's first bytes, never from its name or the
browser's declared type, so an HTML or SVG file renamed ``.png`` is refused.
Only raster images are accepted: they can't carry script.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass

from flask import Response

from handoff.errors import ApiError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
ALLOWED = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
MAX_PER_CONVERSATION = 20
_UNSAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)


def max_bytes() -> int:
    """Largest accepted image, from ``HUB_ATTACHMENT_MAX_BYTES`` (default 5 MiB)."""
    raw = os.environ.get("HUB_ATTACHMENT_MAX_BYTES", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else DEFAULT_MAX_BYTES


def sniff(data: bytes) -> str | None:
    """The image type from the file's magic bytes, or None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class Upload:
    """A checked image, ready to store."""

    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check_upload(filename: str | None, data: bytes, limit: int | None = None) -> Upload:
    """Accept a PNG, JPEG, GIF or WebP image up to the size limit; ApiError (400/413/415) otherwise."""
    limit = limit or max_bytes()
    if not data:
        raise ApiError(400, "the file is empty")
    if len(data) > limit:
        raise ApiError(413, f"images can be at most {limit // (1024 * 1024) or 1} MB "
                            f"({limit} bytes); this one is {len(data)} bytes")
    content_type = sniff(data)
    if content_type is None:
        raise ApiError(415, "only images can be attached: PNG, JPEG, GIF or WebP")
    return Upload(safe_filename(filename, content_type), content_type, data)


def safe_filename(filename: str | None, content_type: str) -> str:
    """A display name without paths or odd characters, with the extension of its real type."""
    base = os.path.basename((filename or "").replace("\\", "/")).strip()
    stem = _UNSAFE_NAME.sub("_", base.rsplit(".", 1)[0] if "." in base else base)[:80].strip("._ ") or "image"
    return f"{stem}.{ALLOWED[content_type]}"


def image_response(content_type: str, filename: str, data: bytes) -> Response:
    """Serve a stored image so that a browser can only ever show it as an image."""
    response = Response(data, mimetype=content_type)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
