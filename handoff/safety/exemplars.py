"""The similarity signal: how close a message is to written exemplars of each category.

Uses the same multilingual sentence encoder as the knowledge base, so an
indirect phrasing in any of the three languages ("personne ne remarquerait si
je partais") lands near the exemplars of its category even when no lexicon
phrase matches. Benign exemplars (figurative uses of the same words) pull the
other way: a message must be clearly closer to a category than to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import yaml

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

    def __init__(self, encoder: _Encoder, path: Path = EXEMPLARS_PATH) -> None:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        self.encoder = encoder
        self.labels: list[str] = []
        self.texts: list[str] = []
        for category, by_language in data.items():
            for texts in (by_language or {}).values():
                for text in texts or []:
                    self.labels.append(category)
                    self.texts.append(str(text))
        self.vectors = encoder.encode(self.texts) if self.texts else np.zeros((0, 1), dtype=np.float32)
        self._labels = np.array(self.labels)

    def score(self, text: str) -> Similarity:
        """Similarity of ``text`` to the nearest exemplar of each kind."""
        if not self.texts:
            return Similarity(None, 0.0, 0.0, "")
        v = self.encoder.encode([text])[0]
        sims = self.vectors @ v
        benign_mask = self._labels == "benign"
        benign = float(sims[benign_mask].max()) if benign_mask.any() else 0.0
        cat_sims = np.where(benign_mask, -1.0, sims)
        best = int(np.argmax(cat_sims))
        if cat_sims[best] < 0:
            return Similarity(None, 0.0, benign, "")
        return Similarity(str(self._labels[best]), float(cat_sims[best]), benign, self.texts[best])
