"""The similarity signal: how close a message is to written exemplars of each category.

Uses the same multilingual sentence encoder as the knowledge base, so an
indirect phrasing in any of the three languages ("personne ne remarquerait si
je partais") lands near the exemplars of its category even when no lexicon
phrase matches. Benign exemplars (figurative uses of the same words) pull the
other way.

The exemplars train a small prototype classifier (multinomial logistic
regression on their embeddings, a few seconds at start-up): measured on the
safety dev set it separates categories from benign look-alikes better than a
threshold on the nearest exemplar, which stays in the verdict as the
explanation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import yaml

# how much the classes are re-weighted to equal size (0: not at all, 1: fully); chosen on the dev set
BALANCE = 0.0
EXEMPLARS_PATH = Path(__file__).resolve().parent / "exemplars.yml"


class _Encoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Similarity:
    """Best category, its similarity, and the similarity to the closest benign exemplar."""

    category: str | None
    score: float
    benign: float
    nearest: str


class ExemplarIndex:
    """Exemplars per category embedded once; ``score`` compares a message to them."""

    def __init__(self, encoder: _Encoder, path: Path = EXEMPLARS_PATH, everyday: list[str] | None = None) -> None:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        self.encoder = encoder
        self.labels: list[str] = []
        self.texts: list[str] = []
        for category, by_language in data.items():
            for texts in (by_language or {}).values():
                for text in texts or []:
                    self.labels.append(category)
                    self.texts.append(str(text))
        # everyday support questions (e.g. the knowledge base's example questions) are benign too:
        # without them the classifier has never seen an ordinary "I want to talk to a human"
        for text in everyday or []:
            self.labels.append("benign")
            self.texts.append(text)
        self.vectors = encoder.encode(self.texts) if self.texts else np.zeros((0, 1), dtype=np.float32)
        self._labels = np.array(self.labels)
        self.classes = sorted(set(self.labels) - {"benign"}) + ["benign"]
        self._weights: np.ndarray | None = None
        self._bias: np.ndarray | None = None
        if self.texts:
            self._weights, self._bias = self._fit()

    def _fit(self, steps: int = 2000, rate: float = 2.0, l2: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
        """Multinomial logistic regression from embeddings to category (or benign)."""
        X = self.vectors.astype(np.float64)
        y = np.array([self.classes.index(label) for label in self.labels])
        Y = np.eye(len(self.classes))[y]
        # balance the classes: benign examples far outnumber each category's
        counts = np.bincount(y, minlength=len(self.classes)).astype(np.float64)
        weight = (len(y) / (len(self.classes) * np.maximum(counts, 1)))[y][:, None] ** BALANCE
        W = np.zeros((X.shape[1], len(self.classes)))
        b = np.zeros(len(self.classes))
        for _ in range(steps):
            G = (_softmax(X @ W + b) - Y) * weight
            W -= rate * (X.T @ G / len(y) + l2 * W)
            b -= rate * G.mean(axis=0)
        return W, b

    def probabilities(self, text: str) -> dict[str, float]:
        """Probability of each category and of benign for ``text``."""
        return self._probabilities(self.encoder.encode([text])[0])

    def _probabilities(self, v: np.ndarray) -> dict[str, float]:
        if self._weights is None or self._bias is None:
            return {}
        p = _softmax((v.astype(np.float64) @ self._weights + self._bias)[None, :])[0]
        return {c: float(p[i]) for i, c in enumerate(self.classes)}

    def score(self, text: str) -> Similarity:
        """Most likely category, the probability that the message is a safety concern at all
        (1 - P(benign)), P(benign), and the nearest exemplar of that category as the explanation."""
        if not self.texts:
            return Similarity(None, 0.0, 0.0, "")
        v = self.encoder.encode([text])[0]  # once per message: this runs on every creator message
        probs = self._probabilities(v)
        categories = {c: p for c, p in probs.items() if c != "benign"}
        if not categories:
            return Similarity(None, 0.0, probs.get("benign", 1.0), "")
        category = max(categories, key=lambda c: categories[c])
        sims = np.where(self._labels == category, self.vectors @ v, -1.0)
        nearest = self.texts[int(np.argmax(sims))]
        benign = probs.get("benign", 0.0)
        return Similarity(category, 1.0 - benign, benign, nearest)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
