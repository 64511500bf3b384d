"""The persisted passage index: vectors, passages and their BM25 terms, built incrementally.

Layout of ``index_dir``::

    manifest.json          {"version", "encoder", "articles": {"fr/withdraw-earnings": hash}, ...}
    passages-<v>.jsonl     one passage per line, with its analysed BM25 terms
    vectors-<v>.npy        one row per passage, same order

``manifest.json`` is replaced atomically after the data files of its version
are written, so a reader never sees a half-built index; readers notice a new
version by the manifest's modification time and reload.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from knowledge_base.analysis import analyzer_for
from knowledge_base.articles import Article, Passage
from knowledge_base.encoder import Encoder

MANIFEST = "manifest.json"
# bump when the text analysis changes, so that every passage is analysed again
ANALYSIS_VERSION = 11


@dataclass
class IndexedPassage:
    """A passage with the terms BM25 uses for it."""

    passage: Passage
    terms: list[str]
    article_key: str = ""  # "locale/id" of the article file it came from (search phrases have another locale)
    embed_hash: str = ""  # hash of the exact text the encoder saw: its vector is reused while it is unchanged

    def __post_init__(self) -> None:
        if not self.article_key:
            self.article_key = f"{self.passage.locale}/{self.passage.article_id}"


@dataclass
class BuildReport:
    """What a build did."""

    version: int
    articles: int
    passages: int
    embedded_articles: list[str]  # articles added or changed (or re-analysed)
    removed_articles: list[str]
    seconds: float
    encoded_passages: int = 0  # texts the encoder actually ran on (the rest reused earlier vectors)


@dataclass
class IndexData:
    """A loaded index version."""

    version: int
    encoder: str
    passages: list[IndexedPassage]
    vectors: np.ndarray
    article_hashes: dict[str, str]
    analysis: int = 1


def bm25_text(passage: Passage, tags: Sequence[str]) -> str:
    """The text BM25 sees: title, heading, tags and body (a question passage: the question)."""
    if passage.kind == "question":
        return passage.text
    return " ".join([passage.title, passage.heading, " ".join(tags), passage.text])


def embedding_text(passage: Passage, analyzer: Callable[[str], Callable[[str], list[str]]]) -> str:
    """The text the encoder sees for a passage: an example question is embedded the way a
    query in its language is (Arabic: with the standard words of its dialect words), so that
    a dialect question and a dialect query meet on the same side."""
    if passage.kind == "question":
        rewrite = getattr(analyzer(passage.locale), "dense_text", None)
        if rewrite is not None:
            return str(rewrite(passage.text))
    return passage.embedding_text()


def read_manifest(index_dir: Path) -> dict | None:
    """The current manifest, or None when no index was built yet."""
    path = Path(index_dir) / MANIFEST
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def load_index(index_dir: Path) -> IndexData | None:
    """Load the version named by the manifest."""
    manifest = read_manifest(index_dir)
    if manifest is None:
        return None
    version = manifest["version"]
    passages: list[IndexedPassage] = []
    with open(Path(index_dir) / f"passages-{version}.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            terms = row.pop("terms")
            article_key = row.pop("article_key", "")
            embed_hash = row.pop("embed_hash", "")
            passages.append(IndexedPassage(Passage(**row), terms, article_key, embed_hash))
    vectors = np.load(Path(index_dir) / f"vectors-{version}.npy")
    return IndexData(version, manifest["encoder"], passages, vectors, manifest["articles"],
                     manifest.get("analysis", 1))


def build_index(
    articles: Sequence[Article],
    encoder: Encoder,
    index_dir: Path,
    analyzer: Callable[[str], Callable[[str], list[str]]] = analyzer_for,
) -> BuildReport:
    """Bring the index in line with ``articles``, re-embedding only what changed."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    previous = load_index(index_dir)
    reusable: dict[str, tuple[list[IndexedPassage], np.ndarray]] = {}
    # vectors by the text they embed: an analysis change or an edit re-embeds only passages whose text changed
    known_vectors: dict[str, np.ndarray] = {}
    if previous is not None and previous.encoder == encoder.name:
        known_vectors = {ip.embed_hash: previous.vectors[i] for i, ip in enumerate(previous.passages) if ip.embed_hash}
    if previous is not None and previous.encoder == encoder.name and previous.analysis == ANALYSIS_VERSION:
        rows_by_article: dict[str, list[int]] = {}
        for i, ip in enumerate(previous.passages):
            rows_by_article.setdefault(ip.article_key, []).append(i)
        for key, rows in rows_by_article.items():
            reusable[key] = (
                [previous.passages[i] for i in rows],
                previous.vectors[rows],
            )

    chunks: list[tuple[list[IndexedPassage], np.ndarray] | None] = []
    hashes: dict[str, str] = {}
    embedded: list[str] = []
    pending: list[tuple[int, Article, list[Passage]]] = []
    for article in sorted(articles, key=lambda a: a.key):
        digest = article.content_hash()
        hashes[article.key] = digest
        old_hash = previous.article_hashes.get(article.key) if previous else None
        if old_hash == digest and article.key in reusable:
            chunks.append(reusable[article.key])
            continue
        pending.append((len(chunks), article, article.passages()))
        chunks.append(None)
        embedded.append(article.key)

    # embed the texts no earlier version embedded, in one batch, then put every row in place
    texts = [embedding_text(p, analyzer) for _, _, passages in pending for p in passages]
    hashes_of = [_text_hash(t) for t in texts]
    missing = sorted({h: t for h, t in zip(hashes_of, texts, strict=True) if h not in known_vectors}.items())
    if missing:
        fresh = encoder.encode([t for _, t in missing])
        known_vectors.update({h: fresh[i] for i, (h, _) in enumerate(missing)})
    vectors = (np.stack([known_vectors[h] for h in hashes_of]) if hashes_of
               else np.zeros((0, encoder.dimension), np.float32))
    offset = 0
    for slot, article, passages in pending:
        indexed = [
            IndexedPassage(p, analyzer(p.locale)(bm25_text(p, article.tags)), article.key, hashes_of[offset + i])
            for i, p in enumerate(passages)
        ]
        chunks[slot] = (indexed, vectors[offset : offset + len(passages)])
        offset += len(passages)

    final_passages = [ip for chunk in chunks if chunk for ip in chunk[0]]
    final_vectors = [chunk[1] for chunk in chunks if chunk]
    removed = sorted(set(previous.article_hashes) - set(hashes)) if previous else []
    version = (previous.version + 1) if previous else 1
    matrix = (
        np.vstack(final_vectors).astype(np.float32)
        if final_vectors
        else np.zeros((0, encoder.dimension), dtype=np.float32)
    )
    if previous is None or embedded or removed or previous.encoder != encoder.name or previous.analysis != ANALYSIS_VERSION:
        _write(index_dir, version, encoder.name, final_passages, matrix, hashes)
    else:
        version = previous.version
    return BuildReport(
        version=version,
        articles=len(hashes),
        passages=len(final_passages),
        embedded_articles=embedded,
        removed_articles=removed,
        seconds=time.perf_counter() - started,
        encoded_passages=len(missing),
    )


def _text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _write(
    index_dir: Path,
    version: int,
    encoder: str,
    passages: list[IndexedPassage],
    vectors: np.ndarray,
    hashes: dict[str, str],
) -> None:
    with open(index_dir / f"passages-{version}.jsonl", "w", encoding="utf-8") as fh:
        for ip in passages:
            row = asdict(ip.passage)
            row["terms"] = ip.terms
            row["article_key"] = ip.article_key
            row["embed_hash"] = ip.embed_hash
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    np.save(index_dir / f"vectors-{version}.npy", vectors)
    manifest = {
        "version": version,
        "encoder": encoder,
        "analysis": ANALYSIS_VERSION,
        "built_at": time.time(),
        "articles": hashes,
    }
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".manifest-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1)
    os.replace(tmp, index_dir / MANIFEST)
    # keep the previous version for readers that are still loading it
    for path in index_dir.glob("*-*.*"):
        stem = path.stem.rsplit("-", 1)[-1]
        if stem.isdigit() and int(stem) < version - 1:
            path.unlink(missing_ok=True)
