"""Cleaning inbound email text: drop quoted history and signatures (en, fr, ar clients)."""

from __future__ import annotations

import re

_QUOTE_HEADERS = [
    re.compile(r"^\s*On .{0,200}wrote:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Le .{0,200}a [ée]crit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*في .{0,200}كتب.{0,80}:\s*$"),
    re.compile(r"^\s*-{2,}\s*(Original Message|Message d'origine|Forwarded message|Message transféré)\s*-{2,}", re.IGNORECASE),
    re.compile(r"^\s*(From|De|Envoyé|Sent|من)\s*:\s", re.IGNORECASE),
]
_SIGNATURE = [
    re.compile(r"^--\s*$"),
    re.compile(r"^\s*(Sent from my|Envoyé de mon|Envoyé depuis|Get Outlook for|Obtenir Outlook pour|أرسلت من)", re.IGNORECASE),
]


def strip_quoted(text: str) -> str:
    """The new part of an email reply: everything before the quote header, quoted lines or signature."""
    kept: list[str] = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if line.lstrip().startswith(">"):
            break
        if any(p.match(line) for p in _QUOTE_HEADERS) or any(p.match(line) for p in _SIGNATURE):
            break
        kept.append(line)
    return "\n".join(kept).strip()
