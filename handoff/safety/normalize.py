"""Text normalisation shared by the safety lexicon and its patterns."""

from __future__ import annotations

import re
import unicodedata

_TASHKEEL = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED]")
_REPEAT3 = re.compile(r"(.)\1{2,}")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower-case, strip Latin accents, unify Arabic letter forms, squeeze spaces and letter runs to two."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not (unicodedata.combining(c) and ord(c) < 0x0600)
    )
    text = unicodedata.normalize("NFC", text)
    text = _TASHKEEL.sub("", text).replace("\u0640", "")
    text = re.sub("[إأآٱ]", "ا", text)
    text = text.replace("ى", "ي").replace("ة", "ه").replace("ؤ", "و").replace("ئ", "ي")
    text = text.replace("’", "'").replace("`", "'")
    text = _REPEAT3.sub(r"\1\1", text)
    return _SPACES.sub(" ", text).strip()


def squeeze(text: str) -> tuple[str, list[int]]:
    """``text`` with every run of a repeated character squeezed to one, and for each kept
    character its position in ``text`` (so a span found in the squeezed text maps back)."""
    kept: list[str] = []
    where: list[int] = []
    for i, c in enumerate(text):
        if i and c == text[i - 1]:
            continue
        kept.append(c)
        where.append(i)
    return "".join(kept), where
