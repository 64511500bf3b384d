"""``kb eval``: retrieval quality on the dev set, and calibration of the answerable flag.

Metrics per language: hit@1, hit@3, MRR over answerable questions; answerable
precision (of the questions flagged answerable, the share whose first hit is
right - an unanswerable question flagged answerable counts as wrong) and
recall (of the answerable questions, the share flagged answerable with the
right first hit).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from knowledge_base.calibration import CALIBRATION_PATH, Calibration
from knowledge_base.search import KnowledgeBase, SearchResult
from knowledge_base.settings import PACKAGE_DIR, Settings

DEVSET_DIR = PACKAGE_DIR / "devset"
TARGET_PRECISION = 0.95


@dataclass
class Query:
    """One dev-set question: the article it is about, or None when unanswerable."""

    text: str
    locale: str
    article_id: str | None


@dataclass
class Outcome:
    """A query with its search result."""

    query: Query
    result: SearchResult
    seconds: float

    @property
    def ranked(self) -> list[str]:
        return [h.article_id for h in self.result.hits]

    @property
    def correct(self) -> bool:
        return bool(self.ranked) and self.ranked[0] == self.query.article_id


@dataclass
class Report:
    """Metrics per language (and "all")."""

    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)


def load_devset(devset_dir: Path = DEVSET_DIR) -> list[Query]:
    """Answerable and unanswerable questions of the dev set."""
    queries: list[Query] = []
    for entry in yaml.safe_load((devset_dir / "answerable.yml").read_text(encoding="utf-8")):
        for locale in ("en", "fr", "ar"):
            for text in entry.get(locale) or []:
                queries.append(Query(str(text), locale, entry["article"]))
    unanswerable = yaml.safe_load((devset_dir / "unanswerable.yml").read_text(encoding="utf-8"))
    for locale, texts in unanswerable.items():
        for text in texts or []:
            queries.append(Query(str(text), locale, None))
    return queries


def run_queries(kb: KnowledgeBase, queries: list[Query], mode: str = "hybrid", top: int = 3) -> list[Outcome]:
    """Search every query; the first call warms up the models."""
    kb.search("warm up", "en", mode=mode)
    outcomes = []
    for q in queries:
        start = time.perf_counter()
        result = kb.search(q.text, locale=q.locale, top=top, mode=mode)
        outcomes.append(Outcome(q, result, time.perf_counter() - start))
    return outcomes


def score(outcomes: list[Outcome], answerable: list[bool] | None = None) -> Report:
    """Metrics per language and overall."""
    report = Report(latencies_ms=[o.seconds * 1000 for o in outcomes])
    flags = answerable if answerable is not None else [o.result.answerable for o in outcomes]
    for lang in ("en", "fr", "ar", "all"):
        rows = [(o, f) for o, f in zip(outcomes, flags, strict=True) if lang == "all" or o.query.locale == lang]
        pos = [(o, f) for o, f in rows if o.query.article_id]
        if not pos:
            continue
        hit1 = np.mean([o.correct for o, _ in pos])
        hit3 = np.mean([o.query.article_id in o.ranked[:3] for o, _ in pos])
        mrr = np.mean(
            [1.0 / (o.ranked.index(o.query.article_id) + 1) if o.query.article_id in o.ranked else 0.0 for o, _ in pos]
        )
        flagged = [(o, f) for o, f in rows if f]
        precision = np.mean([bool(o.query.article_id) and o.correct for o, _ in flagged]) if flagged else 1.0
        recall = np.mean([f and o.correct for o, f in pos])
        negatives = [(o, f) for o, f in rows if not o.query.article_id]
        rejected = np.mean([not f for _, f in negatives]) if negatives else float("nan")
        report.metrics[lang] = {
            "questions": len(pos),
            "unanswerable": len(negatives),
            "hit@1": round(float(hit1), 4),
            "hit@3": round(float(hit3), 4),
            "mrr": round(float(mrr), 4),
            "answerable_precision": round(float(precision), 4),
            "answerable_recall": round(float(recall), 4),
            "unanswerable_rejected": round(float(rejected), 4),
        }
    return report


def features(o: Outcome) -> list[float]:
    """Evidence of the first hit, as the calibration model sees it."""
    hits = o.result.hits
    if not hits:
        return [0.0, 0.0, 0.0, 0.0]
    best = hits[0]
    second = hits[1].dense if len(hits) > 1 else 0.0
    # agreement is recomputed from the scores the hit carries
    agreement = float(best.bm25 >= 0.999) + float(all(best.dense >= h.dense for h in hits))
    return [best.dense, best.bm25, best.dense - second, agreement]


def calibrate(outcomes: list[Outcome], target_precision: float = TARGET_PRECISION) -> Calibration:
    """Fit the logistic confidence on "first hit is right", then pick the threshold."""
    X = np.array([features(o) for o in outcomes], dtype=np.float64)
    y = np.array([1.0 if o.query.article_id and o.correct else 0.0 for o in outcomes])
    w = np.zeros(X.shape[1])
    b = 0.0
    lr, l2 = 0.5, 1e-3
    for _ in range(4000):
        z = X @ w + b
        p = 1 / (1 + np.exp(-z))
        grad_w = X.T @ (p - y) / len(y) + l2 * w
        grad_b = float(np.mean(p - y))
        w -= lr * grad_w
        b -= lr * grad_b
    model = Calibration(bias=float(b), w_dense=float(w[0]), w_bm25=float(w[1]), w_margin=float(w[2]),
                        w_agreement=float(w[3]), threshold=0.5)
    conf = np.array([model.confidence(*features(o)) for o in outcomes])
    best_t, best_recall = 0.99, -1.0
    for t in np.unique(np.round(conf, 4)):
        flagged = conf >= t
        if flagged.sum() == 0:
            continue
        precision = y[flagged].mean()
        recall = (flagged & (y == 1)).sum() / max(1, sum(1 for o in outcomes if o.query.article_id))
        if precision >= target_precision and recall > best_recall:
            best_t, best_recall = float(t), float(recall)
    return Calibration(**{**model.__dict__, "threshold": round(best_t, 4)})


def format_table(title: str, report: Report) -> str:
    """A readable table of a report."""
    lines = [title, f"{'lang':<5}{'n':>5}{'hit@1':>8}{'hit@3':>8}{'MRR':>8}{'ans.P':>8}{'ans.R':>8}{'rej.':>7}"]
    for lang, m in report.metrics.items():
        lines.append(
            f"{lang:<5}{m['questions']:>5}{m['hit@1']:>8.3f}{m['hit@3']:>8.3f}{m['mrr']:>8.3f}"
            f"{m['answerable_precision']:>8.3f}{m['answerable_recall']:>8.3f}{m['unanswerable_rejected']:>7.2f}"
        )
    if report.latencies_ms:
        lat = np.array(report.latencies_ms)
        lines.append(f"latency p50 {np.percentile(lat, 50):.1f} ms, p95 {np.percentile(lat, 95):.1f} ms")
    return "\n".join(lines)


def run_eval_command(settings: Settings, mode: str, do_calibrate: bool, as_json: bool) -> int:
    """``kb eval``."""
    from knowledge_base.encoder import load_encoder

    kb = KnowledgeBase(settings.index_dir, load_encoder(settings.encoder), fallback_locales=settings.fallback_locales,
                       answer_threshold=settings.answer_threshold or None)
    if kb.version == 0:
        print(f"kb: no index in {settings.index_dir}; run `kb build` first", file=sys.stderr)
        return 1
    outcomes = run_queries(kb, load_devset(), mode=mode)
    if do_calibrate:
        cal = calibrate(outcomes)
        cal.save(CALIBRATION_PATH)
        kb.calibration = cal
        outcomes = run_queries(kb, load_devset(), mode=mode)
        print(f"calibration written to {CALIBRATION_PATH}: threshold {cal.threshold}")
    report = score(outcomes)
    if as_json:
        print(json.dumps({"mode": mode, "metrics": report.metrics}, indent=1))
    else:
        print(format_table(f"kb eval ({mode})", report))
    return 0


def misses(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """Wrong first hits, for reading."""
    return [
        {"q": o.query.text, "locale": o.query.locale, "want": o.query.article_id, "got": o.ranked[:3],
         "answerable": o.result.answerable}
        for o in outcomes
        if (o.query.article_id and not o.correct) or (not o.query.article_id and o.result.answerable)
    ]
