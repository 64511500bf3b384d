"""The calibrated "answerable" decision.

A logistic model over the best article's evidence (dense cosine, normalised
BM25 score, margin over the runner-up, whether both retrievers put it first)
gives a confidence in [0, 1]; the threshold on it is chosen on the dev set by
``kb eval --calibrate`` (highest recall with answerable precision >= 0.95) and
stored in ``calibration.json`` next to this module, so the value is reviewed
in code review like any other change.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path

CALIBRATION_PATH = Path(__file__).resolve().parent / "calibration.json"


@dataclass(frozen=True)
class Calibration:
    """Weights of the logistic confidence model and the answer threshold."""

    bias: float = -6.0
    w_dense: float = 10.0
    w_bm25: float = 1.0
    w_margin: float = 4.0
    w_agreement: float = 0.5
    threshold: float = 0.5

    def confidence(self, dense: float, bm25: float, margin: float, agreement: float) -> float:
        """Probability-like confidence that the best hit answers the question."""
        z = (
            self.bias
            + self.w_dense * dense
            + self.w_bm25 * bm25
            + self.w_margin * margin
            + self.w_agreement * agreement
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def describe(self) -> str:
        """Short description for messages."""
        return f"threshold {self.threshold}"

    def with_threshold(self, threshold: float) -> Calibration:
        """A copy with another threshold (``KB_ANSWER_THRESHOLD``)."""
        return replace(self, threshold=threshold)

    def save(self, path: Path = CALIBRATION_PATH) -> None:
        """Write as JSON."""
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def load_calibration(path: Path = CALIBRATION_PATH) -> Calibration:
    """The stored calibration, or the defaults when none was stored yet."""
    if not path.exists():
        return Calibration()
    return Calibration(**json.loads(path.read_text(encoding="utf-8")))
