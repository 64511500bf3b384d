"""How the NLU pipeline splits a message into words (no Rasa imports: the unit tests use it too).

Rasa's ``WhitespaceTokenizer`` drops punctuation at the end of a word and
symbols standing alone. For support details that loses information: in
"45,50 €" or "100$" the currency disappears (the amount entity can no longer
carry it), and a link's trailing slash is cut off
("https://vm.example.com/ZMabc123/" ends at "ZMabc123"), so annotated
entities no longer match token boundaries ("Misaligned entity annotation")
and are silently dropped from training.

Here each whitespace-separated chunk is treated on its own:

- links (``http(s)://`` or ``www.``) stay one word, minus sentence
  punctuation after them (a trailing ``/`` is kept);
- currency symbols stay: a lone ``€``/``$``/``£`` is a word, and a number
  written with its symbol (``100$``, ``45€``, ``$45``) stays one word;
- everything else is split exactly as ``WhitespaceTokenizer`` does.
"""

from __future__ import annotations

import re
from typing import List

CURRENCY = "$€£¥"
SENTENCE_PUNCTUATION = ".,!?;:)]}»\"'…؟،"
_LINK = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
_LONE_CURRENCY = re.compile(rf"^[{re.escape(CURRENCY)}]+$")
_AMOUNT_WITH_SYMBOL = re.compile(
    rf"^(?:[{re.escape(CURRENCY)}]\d[\d.,]*k?|\d[\d.,]*k?[{re.escape(CURRENCY)}])$", re.IGNORECASE
)
# WhitespaceTokenizer's own clean-up (rasa 3.6), applied to one chunk at a time
_RASA_CLEANUP = re.compile(
    r"[^\w#@&]+(?=\s|$)|"
    r"(\s|^)[^\w#@&]+(?=[^0-9\s])|"
    r"(?<=[^0-9\s])[^\w._~:/?#\[\]()@!$&*+,;=-]+(?=[^0-9\s])"
)


def words_of(text: str) -> List[str]:
    """The words of ``text`` in order (each one a substring of ``text``)."""
    words: List[str] = []
    for chunk in text.split():
        stripped = chunk.rstrip(SENTENCE_PUNCTUATION)
        if _LINK.match(chunk):
            words.append(stripped or chunk)
        elif stripped and (_LONE_CURRENCY.match(stripped) or _AMOUNT_WITH_SYMBOL.match(stripped)):
            words.append(stripped)
        else:
            words.extend(_RASA_CLEANUP.sub(" ", chunk).split())
    return words


def spans_of(text: str) -> List[tuple]:
    """(start, end) of each word of ``text``, found left to right as Rasa does."""
    spans, offset = [], 0
    for word in words_of(text):
        start = text.index(word, offset)
        spans.append((start, start + len(word)))
        offset = start + len(word)
    return spans
