"""Small deterministic stand-ins used by unit tests (real components have their own tests)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from handoff.assistant import AssistantUnavailable, BotTurn, parse_rasa_response


class HashingEncoder:
    """Bag-of-words hashed into 256 dimensions: texts sharing words are similar."""

    name = "fake-hashing"
    dimension = 256

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                h = int(hashlib.md5(word.encode()).hexdigest(), 16)
                out[i, h % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1
        return out / norms


def simple_analyzer(locale: str):  # type: ignore[no-untyped-def]
    """Lower-cased words: BM25 terms without loading spaCy."""
    return lambda text: re.findall(r"\w+", text.lower())


class ScriptedRasa:
    """Answers like Rasa's REST channel from a script of canned outputs, or fails on demand."""

    def __init__(self) -> None:
        self.outputs: list[list[dict[str, Any]]] = []
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.fail: str | None = None

    def send(self, conversation_id: str, text: str, metadata: dict[str, Any]) -> BotTurn:
        self.sent.append((conversation_id, text, metadata))
        if self.fail:
            raise AssistantUnavailable(self.fail)
        items = self.outputs.pop(0) if self.outputs else [{"text": f"echo: {text}"}]
        turn = parse_rasa_response(items)
        if not turn.replies and turn.handoff is None:
            raise AssistantUnavailable("no replies")
        return turn

    def is_up(self) -> bool:
        return self.fail is None
