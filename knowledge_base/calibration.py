"""The calibrated "answerable" decision.

A logistic model over the best article's evidence (dense cosine, normalised
BM25 score, margin over the runner-up, whether both retrievers put it first,
share of the query's BM25 terms the article uses)
gives a confidence in [0, 1]; the threshold on it is chosen on the dev set by
``kb eval --calibrate`` (highest recall with answerable precision >= 0.95) and
stored in ``calibration.json`` next to this module, so the value is reviewed
in code review like any other change.

One model, one threshold per language: the evidence is not equally reliable in
every language (Arabic queries are dialect or Arabizi, their dense scores are
those of a glossed query, BM25 matches fewer words), so a single threshold that
keeps precision >= 0.95 overall let one language fall below it while another was
needlessly strict. ``threshold`` stays the fallback for a language without its own,
and ``KB_ANSWER_THRESHOLD`` overrides all of them.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
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
    w_coverage: float = 0.0
    threshold: float = 0.5
    thresholds: dict[str, float] = field(default_factory=dict, hash=False)

    def threshold_for(self, locale: str) -> float:
        """The answer threshold of one query language."""
        return self.thresholds.get(locale, self.threshold)

    def confidence(self, dense: float, bm25: float, margin: float, agreement: float, coverage: float = 0.0) -> float:
        """Probability-like confidence that the best hit answers the question."""
        z = (
            self.bias
            + self.w_dense * dense
            + self.w_bm25 * bm25
            + self.w_margin * margin
            + self.w_agreement * agreement
            + self.w_coverage * coverage
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def describe(self) -> str:
        """Short description for messages."""
        per_locale = ", ".join(f"{k} {v}" for k, v in sorted(self.thresholds.items()))
        return f"threshold {self.threshold}" + (f" ({per_locale})" if per_locale else "")

    def with_threshold(self, threshold: float) -> Calibration:
        """A copy with one threshold for every language (``KB_ANSWER_THRESHOLD``)."""
        return replace(self, threshold=threshold, thresholds={})

    def save(self, path: Path = CALIBRATION_PATH) -> None:
        """Write as JSON."""
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def load_calibration(path: Path = CALIBRATION_PATH) -> Calibration:
    """The stored calibration, or the defaults when none was stored yet."""
    if not path.exists():
        return Calibration()
    return Calibration(**json.loads(path.read_text(encoding="utf-8")))
