"""Hybrid search over the passage index: dense (faiss) + BM25, fused at article level.

Fusion: a convex combination of the two normalised scores (each article's
best passage): the dense cosine min-max scaled over the top 20 articles of the
query, and BM25 divided by the query's best BM25 score, weighted equally
(``SCORE_WEIGHT``). Reciprocal rank fusion (``mode="hybrid_rrf"``), the usual
scale-free choice, only sees ranks and so throws away how far ahead a
retriever's first article is; on the dev set and on the held-out Arabic set
the score fusion ranks better (``make bench`` reports both, see README).
An article with no version in the query's language has no BM25 score; its
normalised dense score stands in. Fusion happens at article level because the
answer is an article; the passage shown is then the best passage of that
article in the creator's language (or the first fallback language that has it).

The "answerable" flag is a separate, calibrated decision on the best
article's evidence (see ``calibration.py``): fusion ranks, it does not say
"I don't know".
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from knowledge_base.analysis import analyzer_for
from knowledge_base.calibration import Calibration, load_calibration
from knowledge_base.encoder import Encoder
from knowledge_base.index import MANIFEST, IndexData, load_index

RRF_K = 60
SCORE_WEIGHT = 0.5  # dense share of the score fusion; 0.5-0.6 measured alike, 0.4 worse (dev + held-out)
DENSE_SCALE_DEPTH = 20  # the dense cosine is min-max scaled between the 1st and the 21st article
DENSE_CANDIDATES = 100
BM25_CANDIDATES = 100
MODES = ("hybrid", "hybrid_rrf", "dense", "bm25")


@dataclass
class SearchHit:
    """One article in a ranking, with the passage to show."""

    article_id: str
    locale: str
    title: str
    route: str
    heading: str
    passage: str
    score: float
    dense: float
    bm25: float
    locale_fallback: bool = False
    coverage: float = 0.0  # share of the query's BM25 terms found in the article (query language)
    agreement: float = 0.0  # how many of the two retrievers rank this article first (0, 1 or 2)

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


@dataclass
class SearchResult:
    """A ranking plus the decision whether the first hit answers the question."""

    query: str
    locale: str
    hits: list[SearchHit] = field(default_factory=list)
    answerable: bool = False
    confidence: float = 0.0

    @property
    def best(self) -> SearchHit | None:
        """The first hit, if any."""
        return self.hits[0] if self.hits else None

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "query": self.query,
            "locale": self.locale,
            "answerable": self.answerable,
            "confidence": round(self.confidence, 4),
            "hits": [h.to_dict() for h in self.hits],
        }


class _State:
    """An immutable loaded index version with its search structures."""

    def __init__(self, data: IndexData, mtime: float) -> None:
        import bm25s
        import faiss

        self.data = data
        self.mtime = mtime
        self.faiss = faiss.IndexFlatIP(data.vectors.shape[1] if data.vectors.size else 1)
        if data.vectors.size:
            self.faiss.add(np.ascontiguousarray(data.vectors, dtype=np.float32))
        self.bm25: dict[str, tuple[object, list[int]]] = {}
        by_locale: dict[str, list[int]] = {}
        for i, ip in enumerate(data.passages):
            by_locale.setdefault(ip.passage.locale, []).append(i)
        for locale, rows in by_locale.items():
            retriever = bm25s.BM25()
            corpus = [data.passages[i].terms or ["_"] for i in rows]
            retriever.index(corpus, show_progress=False)
            self.bm25[locale] = (retriever, rows)
        # the languages an article is written in (search phrases in other languages don't count)
        self.locales_of: dict[str, set[str]] = {}
        for ip in data.passages:
            if ip.passage.kind == "section":
                self.locales_of.setdefault(ip.passage.article_id, set()).add(ip.passage.locale)
        # vectorised bookkeeping: article number of every passage, and shown sections per article/locale
        self.articles: list[str] = sorted({ip.passage.article_id for ip in data.passages})
        number = {a: i for i, a in enumerate(self.articles)}
        self.article_of = np.array([number[ip.passage.article_id] for ip in data.passages], dtype=np.int64)
        section_rows: dict[tuple[str, str], list[int]] = {}
        for i, ip in enumerate(data.passages):
            if ip.passage.kind == "section":
                section_rows.setdefault((ip.passage.article_id, ip.passage.locale), []).append(i)
        self.sections = {k: np.array(v, dtype=np.int64) for k, v in section_rows.items()}
        self.rows_of: dict[str, np.ndarray] = {
            a: np.flatnonzero(self.article_of == number[a]) for a in self.articles
        }
        # Arabic example questions and search phrases (many in Arabizi or mixed with French and
        # English words, embedded with their standard-Arabic glosses) only serve Arabic
        # queries: for an English or French query they are noise. English and French questions
        # stay shared - they help each other (measured: masking them cost en/fr hit@1 .02).
        is_ar_question = np.array(
            [ip.passage.kind == "question" and ip.passage.locale == "ar" for ip in data.passages], dtype=bool
        )
        self.foreign_questions: dict[str, np.ndarray] = {loc: is_ar_question for loc in ("en", "fr")}
        # every BM25 term of an article in one language (sections, example questions, search phrases)
        self.vocabulary: dict[tuple[str, str], set[str]] = {}
        for ip in data.passages:
            self.vocabulary.setdefault((ip.passage.article_id, ip.passage.locale), set()).update(ip.terms)


class KnowledgeBase:
    """The searchable knowledge base: one object hides the encoder, faiss and BM25.

    ``search`` notices a newer index version on disk (written by ``kb build``
    or the content editor) and switches to it without a restart.
    """

    def __init__(
        self,
        index_dir: Path,
        encoder: Encoder,
        calibration: Calibration | None = None,
        fallback_locales: dict[str, tuple[str, ...]] | None = None,
        analyzer: Callable[[str], Callable[[str], list[str]]] = analyzer_for,
        answer_threshold: float | None = None,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.encoder = encoder
        self.calibration = calibration or load_calibration()
        if answer_threshold:
            self.calibration = self.calibration.with_threshold(answer_threshold)
        self.fallback_locales = fallback_locales or {"ar": ("en", "fr"), "fr": ("en",), "en": ("fr",)}
        self.analyzer = analyzer
        self._state: _State | None = None
        self._pinned = False
        self._lock = threading.Lock()

    @classmethod
    def from_index_data(cls, data: IndexData, encoder: Encoder, **options: Any) -> KnowledgeBase:
        """A knowledge base over an index held in memory (not watched on disk), e.g. the
        same passages and vectors with terms from another analyzer (``kb eval --ablation``)."""
        kb = cls(Path("."), encoder, **options)
        kb._state = _State(data, mtime=-1.0)
        kb._pinned = True
        return kb

    def index_data(self) -> IndexData | None:
        """The index version in use."""
        self.refresh()
        return self._state.data if self._state else None

    # -- loading -------------------------------------------------------------

    def refresh(self) -> bool:
        """Load the index if a newer version is on disk; True when it changed."""
        if self._pinned:
            return False
        manifest = self.index_dir / MANIFEST
        try:
            mtime = os.stat(manifest).st_mtime_ns
        except FileNotFoundError:
            return False
        current = self._state
        if current is not None and current.mtime == mtime:
            return False
        with self._lock:
            if self._state is not None and self._state.mtime == mtime:
                return False
            data = load_index(self.index_dir)
            if data is None:
                return False
            if data.encoder != self.encoder.name:
                raise RuntimeError(
                    f"index in {self.index_dir} was built with {data.encoder!r}, "
                    f"not {self.encoder.name!r}; run `kb build`"
                )
            self._state = _State(data, mtime)
            return True

    @property
    def version(self) -> int:
        """Index version in use (0 before the first load)."""
        self.refresh()
        return self._state.data.version if self._state else 0

    def count(self) -> int:
        """Number of indexed passages."""
        self.refresh()
        return len(self._state.data.passages) if self._state else 0

    def article_ids(self) -> set[str]:
        """Ids of every indexed article."""
        self.refresh()
        return set(self._state.locales_of) if self._state else set()

    # -- search --------------------------------------------------------------

    def search(
        self,
        text: str,
        locale: str = "en",
        top: int = 3,
        mode: str = "hybrid",
        exclude: Sequence[str] = (),
    ) -> SearchResult:
        """Rank articles for ``text``; ``locale`` is the creator's language."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.refresh()
        state = self._state
        result = SearchResult(query=text, locale=locale)
        if state is None or not state.data.passages or not text.strip():
            return result
        query_vec = self.encoder.encode([self._dense_text(text, locale)])
        passage_cos = self._dense_scores(state, query_vec)
        foreign = state.foreign_questions.get(locale)
        if foreign is not None:
            passage_cos[foreign] = -1.0
        terms = self.analyzer(locale)(text)
        passage_bm25 = self._bm25_scores(state, text, locale, terms)

        dense_best = _best_per_article(state, passage_cos)
        bm25_best = _best_per_article(state, passage_bm25) if passage_bm25 is not None else {}
        dense_rank = _ranks(dense_best)
        bm25_rank = _ranks({a: s for a, s in bm25_best.items() if s > 0})
        if mode.startswith("hybrid") and passage_bm25 is not None:
            # BM25 only sees articles written in the query's language; an article that
            # has no version in it is judged by its dense rank alone instead of being
            # pushed down for lacking a BM25 rank.
            bm25_rank = _with_dense_proxy(bm25_rank, dense_rank, state, locale)

        candidates = [a for a in dense_best if a not in exclude]
        if mode == "hybrid" and passage_bm25 is not None:
            fused = _score_fusion(candidates, dense_best, bm25_best, bm25_rank)
        else:
            fused = {}
            for article in candidates:
                score = 0.0
                if mode in ("hybrid", "hybrid_rrf", "dense") and article in dense_rank:
                    score += 1.0 / (RRF_K + dense_rank[article])
                if mode in ("hybrid", "hybrid_rrf", "bm25") and article in bm25_rank:
                    score += 1.0 / (RRF_K + bm25_rank[article])
                if score > 0:
                    fused[article] = score
        ranking = sorted(fused, key=lambda a: (-fused[a], -dense_best.get(a, 0.0)))[:top]
        bm25_top = max(bm25_best.values()) if bm25_best else 0.0
        for article in ranking:
            hit = self._hit(state, article, locale, fused[article], passage_cos, passage_bm25)
            hit.dense = float(dense_best.get(article, 0.0))
            hit.bm25 = float(bm25_best.get(article, 0.0) / bm25_top) if bm25_top > 0 else 0.0
            hit.coverage = _coverage(terms, state.vocabulary.get((article, locale), set()))
            hit.agreement = float(dense_rank.get(article) == 1) + float(bm25_rank.get(article) == 1)
            result.hits.append(hit)
        if result.hits:
            best = result.hits[0]
            second = result.hits[1].dense if len(result.hits) > 1 else 0.0
            result.confidence = self.calibration.confidence(
                dense=best.dense,
                bm25=best.bm25,
                margin=best.dense - second,
                agreement=best.agreement,
                coverage=best.coverage,
            )
            result.answerable = result.confidence >= self.calibration.threshold_for(locale)
        return result

    def best_passage(self, article_id: str, text: str, locale: str) -> SearchHit | None:
        """The passage of ``article_id`` that best matches ``text`` (for intent-routed topics)."""
        self.refresh()
        state = self._state
        if state is None or article_id not in state.locales_of:
            return None
        query_vec = self.encoder.encode([self._dense_text(text, locale) if text.strip() else article_id])
        cos = (state.data.vectors @ query_vec[0]).astype(np.float32)
        bm25 = self._bm25_scores(state, text, locale) if text.strip() else None
        hit = self._hit(state, article_id, locale, 0.0, cos, bm25)
        hit.dense = float(cos[state.rows_of[article_id]].max())
        return hit

    def passages_of(self, article_id: str, locale: str) -> list[tuple[str, str]]:
        """(heading, text) of an article's passages in ``locale``."""
        self.refresh()
        if self._state is None:
            return []
        return [
            (ip.passage.heading, ip.passage.text)
            for ip in self._state.data.passages
            if ip.passage.article_id == article_id and ip.passage.locale == locale and ip.passage.kind == "section"
        ]

    def _dense_text(self, text: str, locale: str) -> str:
        """What the encoder sees: the analyzer may rewrite the query (Arabic dialect glosses)."""
        rewrite = getattr(self.analyzer(locale), "dense_text", None)
        return str(rewrite(text)) if rewrite is not None else text

    def _dense_scores(self, state: _State, query_vec: np.ndarray) -> np.ndarray:
        n = len(state.data.passages)
        k = min(n, max(DENSE_CANDIDATES, n if n <= 2000 else DENSE_CANDIDATES))
        scores, rows = state.faiss.search(np.ascontiguousarray(query_vec, dtype=np.float32), k)
        out = np.full(n, -1.0, dtype=np.float32)
        valid = rows[0] >= 0
        out[rows[0][valid]] = scores[0][valid]
        return out

    def _bm25_scores(
        self, state: _State, text: str, locale: str, terms: list[str] | None = None
    ) -> np.ndarray | None:
        if locale not in state.bm25:
            return None
        retriever, rows = state.bm25[locale]
        if terms is None:
            terms = self.analyzer(locale)(text)
        out = np.zeros(len(state.data.passages), dtype=np.float32)
        if not terms:
            return out
        scores = retriever.get_scores(terms)  # type: ignore[attr-defined]
        out[rows] = scores
        return out

    def _hit(
        self,
        state: _State,
        article: str,
        locale: str,
        score: float,
        cos: np.ndarray,
        bm25: np.ndarray | None,
    ) -> SearchHit:
        available = state.locales_of[article]
        order = [locale, *self.fallback_locales.get(locale, ()), "en", "fr", "ar"]
        shown = next((loc for loc in order if loc in available), sorted(available)[0])
        rows = state.sections[(article, shown)]
        bm = bm25[rows] if bm25 is not None and shown == locale else np.zeros(len(rows))
        bm_norm = bm / bm.max() if bm.max() > 0 else bm
        # the passage to show: mostly meaning, with a nudge towards shared words
        passage_score = cos[rows] + 0.15 * bm_norm
        row = rows[int(np.argmax(passage_score))]
        p = state.data.passages[row].passage
        return SearchHit(
            article_id=article,
            locale=shown,
            title=p.title,
            route=p.route,
            heading=p.heading,
            passage=p.text,
            score=score,
            dense=0.0,
            bm25=0.0,
            locale_fallback=shown != locale,
        )


def _score_fusion(
    articles: list[str], dense_best: dict[str, float], bm25_best: dict[str, float], bm25_rank: dict[str, int]
) -> dict[str, float]:
    """SCORE_WEIGHT x scaled dense + (1 - SCORE_WEIGHT) x relative BM25, per article (see the module doc)."""
    if not articles:
        return {}
    ordered = sorted((dense_best[a] for a in articles), reverse=True)
    top, floor = ordered[0], ordered[min(len(ordered) - 1, DENSE_SCALE_DEPTH)]
    span = max(top - floor, 1e-9)
    bm25_top = max(bm25_best.values(), default=0.0)
    fused = {}
    for article in articles:
        dense = max(0.0, (dense_best[article] - floor) / span)
        if bm25_top > 0 and bm25_best.get(article, 0.0) > 0:
            lexical = bm25_best[article] / bm25_top
        elif article in bm25_rank:  # no version in the query's language: its dense score stands in
            lexical = dense
        else:
            lexical = 0.0
        fused[article] = SCORE_WEIGHT * dense + (1 - SCORE_WEIGHT) * lexical + 1e-9
    return fused


def _best_per_article(state: _State, scores: np.ndarray) -> dict[str, float]:
    best = np.full(len(state.articles), -np.inf, dtype=np.float64)
    np.maximum.at(best, state.article_of, scores.astype(np.float64))
    return {a: float(best[i]) for i, a in enumerate(state.articles) if np.isfinite(best[i])}


def _with_dense_proxy(
    bm25_rank: dict[str, int], dense_rank: dict[str, int], state: _State, locale: str
) -> dict[str, int]:
    """Fill in BM25 ranks of articles missing in ``locale`` with their dense rank."""
    out = dict(bm25_rank)
    for article, rank in dense_rank.items():
        if article not in out and locale not in state.locales_of.get(article, set()):
            out[article] = rank
    return out


def _coverage(terms: list[str], vocabulary: set[str]) -> float:
    """Share of the distinct query terms that the article uses: off-topic questions share
    a word or two with some article, on-topic ones most of their words."""
    distinct = {t for t in terms if not t.startswith("#")}
    if not distinct:
        return 0.0
    return len(distinct & vocabulary) / len(distinct)


def _ranks(scores: dict[str, float]) -> dict[str, int]:
    ordered = sorted(scores, key=lambda a: -scores[a])
    return {a: i + 1 for i, a in enumerate(ordered)}


def result_json(result: SearchResult) -> str:
    """Compact JSON of a result (used by ``kb search --json``)."""
    return json.dumps(result.to_dict(), ensure_ascii=False)
