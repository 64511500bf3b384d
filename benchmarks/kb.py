"""Knowledge-base benchmark: quality of hybrid vs BM25 vs dense vs Rasa's ResponseSelector,
what each text-analysis step adds (ablation), latency, build times (45 articles and a
synthetic 10,000-article corpus), edit-to-searchable and peak memory. Writes
var/bench/kb.json and prints a table.

    make bench            (or: .venv/bin/python -m benchmarks.kb [--skip-response-selector])
    .venv/bin/python -m benchmarks.kb --ablation-only   (only refresh "analysis_ablation" in kb.json)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from knowledge_base.articles import Article, MarkdownSource
from knowledge_base.encoder import load_encoder
from knowledge_base.evaluation import (
    DEVSET_DIR,
    format_ablation,
    format_table,
    load_devset,
    load_questions,
    run_ablation,
    run_queries,
    score,
)
from knowledge_base.index import build_index
from knowledge_base.search import KnowledgeBase
from knowledge_base.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "bench"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def quality(kb: KnowledgeBase) -> dict:
    """hit@1/hit@3/MRR/answerable P/R per language for each retrieval mode."""
    queries = load_devset()
    out = {}
    for mode in ("hybrid", "hybrid_rrf", "bm25", "dense"):
        outcomes = run_queries(kb, queries, mode=mode)
        report = score(outcomes)
        lat = np.array(report.latencies_ms)
        out[mode] = {
            "metrics": report.metrics,
            "latency_ms": {"p50": round(float(np.percentile(lat, 50)), 2), "p95": round(float(np.percentile(lat, 95)), 2)},
        }
        print(format_table(f"\n{mode}", report), flush=True)
    return out


def analysis_ablation(kb: KnowledgeBase, settings: Settings) -> dict:
    """BM25-alone and hybrid hit@1 per language with each analysis step switched off (or an
    optional step on), on the dev set and on the held-out Arabic set."""
    articles = MarkdownSource(settings.articles_dir).load()
    out = {"dev": run_ablation(kb, articles, load_devset())}
    print("\n" + format_ablation(out["dev"], "dev set"), flush=True)
    holdout = DEVSET_DIR / "holdout_ar.yml"
    if holdout.exists():
        out["holdout_ar"] = run_ablation(kb, articles, load_questions(holdout))
        print("\n" + format_ablation(out["holdout_ar"], "held-out Arabic"), flush=True)
    return out


def response_selector(folds: int) -> dict:
    """Run the ResponseSelector k-fold in the Rasa environment."""
    out = OUT / "response_selector.json"
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.perf_counter()
    proc = subprocess.run(
        [str(ROOT / ".venv-rasa/bin/python"), str(ROOT / "benchmarks/response_selector.py"), "--folds", str(folds),
         "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"ResponseSelector benchmark failed:\n{proc.stderr[-3000:]}")
    report = json.loads(out.read_text())
    report["wall_seconds"] = round(time.perf_counter() - start, 1)
    print("\nResponseSelector (k-fold, answerable questions only)")
    for lang, m in report["metrics"].items():
        print(f"{lang:<5}{m['questions']:>5}{m['hit@1']:>8.3f}{m['hit@3']:>8.3f}{m['mrr']:>8.3f}")
    return report


def synthetic_corpus(articles: list[Article], n: int, seed: int = 3) -> list[Article]:
    """``n`` articles made by recombining real sections with shuffled words (same sizes and languages)."""
    rng = random.Random(seed)
    sections = [(a.locale, h, t) for a in articles for h, t in a.sections() if h]
    out = []
    for i in range(n):
        locale, heading, text = sections[rng.randrange(len(sections))]
        words = text.split()
        body_parts = []
        for _ in range(3):
            rng.shuffle(words)
            body_parts.append(f"## {heading} {i}\n{' '.join(words[:90])}")
        out.append(Article(id=f"synthetic-{i}", locale=locale, title=f"Synthetic article {i}", route="answer",
                           body="\n\n".join(body_parts), tags=("synthetic",)))
    return out


def build_times(settings: Settings, encoder) -> dict:  # type: ignore[no-untyped-def]
    """Full build of the 45 articles, and of a synthetic 10,000-article corpus with its query latency."""
    articles = MarkdownSource(settings.articles_dir).load()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        report = build_index(articles, encoder, Path(tmp) / "real")
        real = {"articles": report.articles, "passages": report.passages, "seconds": round(time.perf_counter() - start, 2)}
        synthetic = synthetic_corpus(articles, 10_000)
        start = time.perf_counter()
        report = build_index(synthetic, encoder, Path(tmp) / "synthetic")
        big = {"articles": report.articles, "passages": report.passages, "seconds": round(time.perf_counter() - start, 1)}
        kb = KnowledgeBase(Path(tmp) / "synthetic", encoder)
        queries = [q for q in load_devset()][:300]
        outcomes = run_queries(kb, queries)
        lat = np.array([o.seconds * 1000 for o in outcomes])
        big["query_latency_ms"] = {"p50": round(float(np.percentile(lat, 50)), 2),
                                   "p95": round(float(np.percentile(lat, 95)), 2)}
    print(f"\nbuild: 45 articles ({real['passages']} passages) in {real['seconds']} s; "
          f"10,000 synthetic articles ({big['passages']} passages) in {big['seconds']} s, "
          f"query p50 {big['query_latency_ms']['p50']} ms / p95 {big['query_latency_ms']['p95']} ms")
    return {"kb_45": real, "synthetic_10k": big}


def edit_to_searchable(settings: Settings, encoder) -> dict:  # type: ignore[no-untyped-def]
    """Run `kb watch` on a copy of the articles, edit one, and time until the running KB finds the edit."""
    with tempfile.TemporaryDirectory() as tmp:
        articles = Path(tmp) / "articles"
        index = Path(tmp) / "index"
        shutil.copytree(settings.articles_dir, articles)
        env = {**os.environ, "KB_ARTICLES_DIR": str(articles), "KB_INDEX_DIR": str(index)}
        build_index(MarkdownSource(articles).load(), encoder, index)
        watcher = subprocess.Popen([str(ROOT / ".venv/bin/kb"), "watch", "--interval", "0.5"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            kb = KnowledgeBase(index, encoder)
            kb.search("warm up", "en")
            time.sleep(4)  # let the watcher load its models and take its first snapshot
            samples = []
            path = articles / "en" / "scheduling-posts.md"
            text = path.read_text(encoding="utf-8")  # each edit starts from the original article
            for i in range(3):
                marker = f"zorblax{i}quux"
                section = f"## Pancake schedule {marker}\nThe {marker} pancake schedule is new.\n\n## "
                path.write_text(text.replace("## ", section, 1), encoding="utf-8")
                start = time.perf_counter()
                while time.perf_counter() - start < 30:
                    result = kb.search(f"{marker} pancake schedule", "en", top=1, mode="bm25")
                    if result.best and marker in (result.best.heading + result.best.passage):
                        break
                    time.sleep(0.05)
                samples.append(time.perf_counter() - start)
        finally:
            watcher.terminate()
            watcher.wait(timeout=10)
    out = {"seconds": [round(s, 2) for s in samples], "max_seconds": round(max(samples), 2)}
    print(f"\nedit to searchable (kb watch, 0.5 s poll): {out['seconds']} s")
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-response-selector", action="store_true")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--ablation-only", action="store_true",
                        help="run only the analysis ablation and update its key in an existing kb.json")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    settings = Settings.from_env()
    encoder = load_encoder(settings.encoder)
    kb = KnowledgeBase(settings.index_dir, encoder, fallback_locales=settings.fallback_locales)
    if kb.version == 0:
        print("no index: run `make index` first", file=sys.stderr)
        return 1
    if args.ablation_only:
        path = OUT / "kb.json"
        previous = json.loads(path.read_text()) if path.exists() else {}
        previous["analysis_ablation"] = analysis_ablation(kb, settings)
        path.write_text(json.dumps(previous, indent=1))
        print(f"\nwritten to {path} (analysis_ablation)")
        return 0
    results: dict = {"quality": quality(kb)}
    results["analysis_ablation"] = analysis_ablation(kb, settings)
    results["peak_rss_mb_after_search"] = round(peak_rss_mb(), 1)
    results["build"] = build_times(settings, encoder)
    results["edit_to_searchable"] = edit_to_searchable(settings, encoder)
    if not args.skip_response_selector:
        results["response_selector"] = response_selector(args.folds)
    elif (OUT / "response_selector.json").exists():
        results["response_selector"] = {**json.loads((OUT / "response_selector.json").read_text()),
                                        "note": "reused from an earlier run (--skip-response-selector)"}
    results["peak_rss_mb"] = round(peak_rss_mb(), 1)
    (OUT / "kb.json").write_text(json.dumps(results, indent=1))
    print(f"\npeak RSS {results['peak_rss_mb']} MB (after the 45-article searches: {results['peak_rss_mb_after_search']} MB)")
    print(f"written to {OUT / 'kb.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
