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
from dataclasses import dataclass, field, replace
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
    queries = load_questions(devset_dir / "answerable.yml")
    unanswerable = yaml.safe_load((devset_dir / "unanswerable.yml").read_text(encoding="utf-8"))
    for locale, texts in unanswerable.items():
        for text in texts or []:
            queries.append(Query(str(text), locale, None))
    return queries


def load_questions(path: Path) -> list[Query]:
    """Questions of one file in the format of ``answerable.yml`` (a list of ``article`` +
    per-locale questions); an entry with ``article: null`` holds unanswerable questions.
    Used for held-out sets (``kb eval --devset devset/holdout_ar.yml``)."""
    queries: list[Query] = []
    for entry in yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []:
        for locale in ("en", "fr", "ar"):
            for text in entry.get(locale) or []:
                queries.append(Query(str(text), locale, entry.get("article") or None))
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
        return [0.0, 0.0, 0.0, 0.0, 0.0]
    best = hits[0]
    second = hits[1].dense if len(hits) > 1 else 0.0
    return [best.dense, best.bm25, best.dense - second, best.agreement, best.coverage]


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
                        w_agreement=float(w[3]), w_coverage=float(w[4]), threshold=0.5)
    conf = np.array([model.confidence(*features(o)) for o in outcomes])
    locales = np.array([o.query.locale for o in outcomes])
    overall = _pick_threshold(conf, y, target_precision)
    # one threshold per language, each keeping that language's precision >= target
    thresholds = {
        str(loc): _pick_threshold(conf[locales == loc], y[locales == loc], target_precision)
        for loc in sorted(set(locales.tolist()))
    }
    return replace(model, threshold=overall, thresholds=thresholds)


def _pick_threshold(conf: np.ndarray, y: np.ndarray, target_precision: float) -> float:
    """The lowest threshold above which precision never drops below ``target_precision``.

    Not simply the highest-recall threshold that reaches the target: on a few hundred
    questions precision zigzags as the threshold moves, and a threshold sitting in a
    lucky spike of the dev set would not hold on new questions. Requiring every higher
    threshold to keep the target as well picks the start of a stable region.
    """
    best_t = 0.99
    for t in sorted(np.unique(np.round(conf, 4)), reverse=True):
        flagged = conf >= t
        if flagged.sum() == 0:
            continue
        if y[flagged].mean() < target_precision:
            break
        best_t = float(t)
    return round(best_t, 4)


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


def run_eval_command(
    settings: Settings,
    mode: str,
    do_calibrate: bool,
    as_json: bool,
    devset: Path | None = None,
    show_misses: bool = False,
    ablation: bool = False,
) -> int:
    """``kb eval``."""
    from knowledge_base.encoder import load_encoder

    if do_calibrate and devset is not None:
        print("kb: --calibrate fits on the dev set only, not on --devset files", file=sys.stderr)
        return 2
    kb = KnowledgeBase(settings.index_dir, load_encoder(settings.encoder), fallback_locales=settings.fallback_locales,
                       answer_threshold=settings.answer_threshold or None)
    if kb.version == 0:
        print(f"kb: no index in {settings.index_dir}; run `kb build` first", file=sys.stderr)
        return 1
    queries = load_questions(devset) if devset is not None else load_devset()
    name = str(devset) if devset is not None else "dev set"
    if ablation:
        from knowledge_base.articles import MarkdownSource

        table = run_ablation(kb, MarkdownSource(settings.articles_dir).load(), queries)
        print(json.dumps(table, indent=1) if as_json else format_ablation(table, name))
        return 0
    outcomes = run_queries(kb, queries, mode=mode)
    if do_calibrate:
        cal = calibrate(outcomes)
        cal.save(CALIBRATION_PATH)
        kb.calibration = cal
        outcomes = run_queries(kb, queries, mode=mode)
        print(f"calibration written to {CALIBRATION_PATH}: {cal.describe()}")
    report = score(outcomes)
    if as_json:
        print(json.dumps({"mode": mode, "devset": name, "metrics": report.metrics}, indent=1))
    else:
        print(format_table(f"kb eval ({mode}, {name})", report))
    if show_misses:
        for m in misses(outcomes):
            verdict = "answered" if m["answerable"] else "not answerable"
            print(f"[{m['locale']}] {m['q']!r}: want {m['want']}, got {m['got']} ({verdict})")
    return 0


def misses(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """Wrong first hits, for reading."""
    return [
        {"q": o.query.text, "locale": o.query.locale, "want": o.query.article_id, "got": o.ranked[:3],
         "answerable": o.result.answerable}
        for o in outcomes
        if (o.query.article_id and not o.correct) or (not o.query.article_id and o.result.answerable)
    ]


class _CachedEncoder:
    """Wraps an encoder and remembers query vectors (the ablation asks the same questions many times)."""

    def __init__(self, encoder: Any) -> None:
        self.inner = encoder
        self.name = encoder.name
        self.dimension = encoder.dimension
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, texts: Any) -> np.ndarray:
        missing = [t for t in texts if t not in self._cache]
        if missing:
            for t, v in zip(missing, self.inner.encode(missing), strict=True):
                self._cache[t] = v
        return np.vstack([self._cache[t] for t in texts])


def run_ablation(kb: KnowledgeBase, articles: list[Any], queries: list[Query]) -> dict[str, Any]:
    """hit@1 of BM25 alone and of the hybrid ranking per language, with all analysis steps
    as configured ("default") and with each step of that language switched off in turn
    (or, for an optional step that is off by default, switched on).

    Only BM25 terms change: the passages and their vectors are those of the built index,
    and the terms of the language under test are recomputed from the article texts with
    the reduced analyzer (for the query too), so a run takes seconds, not a rebuild.
    """

    from knowledge_base.analysis import DEFAULT_STEPS, STEPS, Analyzer, analyzer_for
    from knowledge_base.index import IndexedPassage, bm25_text

    data = kb.index_data()
    if data is None:
        raise RuntimeError("no index: run `kb build` first")
    encoder = _CachedEncoder(kb.encoder)
    tags = {a.key: a.tags for a in articles}
    out: dict[str, Any] = {}
    for locale, steps in STEPS.items():
        asked = [q for q in queries if q.locale == locale and q.article_id]
        if not asked:
            continue
        rows: dict[str, Any] = {}
        for step in ("none", *steps):
            # a default step is switched off, an optional one (not used by default) switched on
            analyzer = Analyzer(locale, steps=DEFAULT_STEPS ^ ({step} - {"none"}))
            passages = [
                IndexedPassage(ip.passage, analyzer(bm25_text(ip.passage, tags.get(ip.article_key, ()))),
                               ip.article_key)
                if ip.passage.locale == locale else ip
                for ip in data.passages
            ]

            def factory(loc: str, analyzer: Analyzer = analyzer, tested: str = locale) -> Any:
                return analyzer if loc == tested else analyzer_for(loc)

            variant = KnowledgeBase.from_index_data(replace(data, passages=passages), encoder,
                                                    calibration=kb.calibration,
                                                    fallback_locales=kb.fallback_locales, analyzer=factory)
            row: dict[str, Any] = {}
            for mode in ("bm25", "hybrid"):
                m = score(run_queries(variant, asked, mode=mode)).metrics[locale]
                row[mode] = {"hit@1": m["hit@1"], "hit@3": m["hit@3"], "mrr": m["mrr"]}
            label = "default" if step == "none" else f"no {step}" if step in DEFAULT_STEPS else f"with {step}"
            rows[label] = row
        out[locale] = {"questions": len(asked), "steps": list(steps), "runs": rows}
    return out


def format_ablation(table: dict[str, Any], name: str = "dev set") -> str:
    """The ablation as a readable table: hit@1 and its change against the default analysis."""
    lines = [f"analysis ablation ({name}): hit@1, change vs the default analysis",
             f"{'lang':<5}{'analysis':<16}{'bm25':>7}{'Δ':>7}{'hybrid':>8}{'Δ':>7}"]
    for lang, entry in table.items():
        base = entry["runs"]["default"]
        for label, row in entry["runs"].items():
            b, h = row["bm25"]["hit@1"], row["hybrid"]["hit@1"]
            db = "" if label == "default" else f"{b - base['bm25']['hit@1']:+.3f}"
            dh = "" if label == "default" else f"{h - base['hybrid']['hit@1']:+.3f}"
            lines.append(f"{lang:<5}{label:<16}{b:>7.3f}{db:>7}{h:>8.3f}{dh:>7}")
    return "\n".join(lines)
