"""Rasa's ResponseSelector on the knowledge-base dev set, k-fold (runs in .venv-rasa, Python 3.10).

What a Rasa user would pick instead of our retrieval: one retrieval intent
``faq/<article_id>`` per article, trained on dev-set questions. Each fold is
tested on a model that never saw its questions. Prints JSON metrics per language.

    .venv-rasa/bin/python benchmarks/response_selector.py --folds 5 --out var/bench/response_selector.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = {
    "recipe": "default.v1",
    "language": "en",
    "pipeline": [
        {"name": "WhitespaceTokenizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
        {"name": "DIETClassifier", "epochs": 1, "entity_recognition": False},
        {"name": "ResponseSelector", "epochs": 100, "retrieval_intent": "faq", "random_seed": 42},
    ],
    "policies": [],
}


def load_questions() -> list[tuple[str, str, str]]:
    data = yaml.safe_load((ROOT / "knowledge_base/devset/answerable.yml").read_text(encoding="utf-8"))
    rows = []
    for entry in data:
        for locale in ("en", "fr", "ar"):
            for text in entry.get(locale) or []:
                rows.append((str(text), locale, entry["article"]))
    return rows


def write_project(workdir: Path, train: list[tuple[str, str, str]], articles: list[str]) -> tuple[Path, Path, Path]:
    by_article: dict[str, list[str]] = {}
    for text, _, article in train:
        by_article.setdefault(article, []).append(text)
    nlu = {"version": "3.1", "nlu": [
        {"intent": f"faq/{a}", "examples": "".join(f"- {json.dumps(t, ensure_ascii=False)}\n" for t in qs)}
        for a, qs in by_article.items()
    ] + [{"intent": "placeholder_intent", "examples": "- zzplaceholder one\n- zzplaceholder two\n"}]}
    domain = {
        "version": "3.1",
        "intents": ["faq", "placeholder_intent"],
        "responses": {f"utter_faq/{a}": [{"text": a}] for a in articles},
    }
    (workdir / "nlu.yml").write_text(yaml.safe_dump(nlu, allow_unicode=True), encoding="utf-8")
    (workdir / "domain.yml").write_text(yaml.safe_dump(domain, allow_unicode=True), encoding="utf-8")
    (workdir / "config.yml").write_text(yaml.safe_dump(CONFIG), encoding="utf-8")
    return workdir / "config.yml", workdir / "nlu.yml", workdir / "domain.yml"


async def evaluate(model: str, test: list[tuple[str, str, str]]) -> list[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    out = []
    for text, locale, article in test:
        start = time.perf_counter()
        parsed = await agent.parse_message(text)
        seconds = time.perf_counter() - start
        selector = (parsed.get("response_selector") or {}).get("faq") or {}
        ranking = [r.get("intent_response_key", "").split("/", 1)[-1] for r in selector.get("ranking", [])]
        out.append({"locale": locale, "article": article, "ranking": ranking[:3], "seconds": seconds})
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "var/bench/response_selector.json")
    args = parser.parse_args()
    from rasa.model_training import train_nlu

    rows = load_questions()
    articles = sorted({a for _, _, a in rows})
    random.Random(7).shuffle(rows)
    results: list[dict] = []
    train_seconds = []
    for fold in range(args.folds):
        test = rows[fold :: args.folds]
        train = [r for i, r in enumerate(rows) if i % args.folds != fold]
        with tempfile.TemporaryDirectory() as tmp:
            config, nlu, domain = write_project(Path(tmp), train, articles)
            start = time.perf_counter()
            model = train_nlu(str(config), str(nlu), str(Path(tmp) / "models"), domain=str(domain))
            train_seconds.append(time.perf_counter() - start)
            results += asyncio.run(evaluate(model, test))
        print(f"fold {fold + 1}/{args.folds} done", file=sys.stderr, flush=True)
    metrics = {}
    for lang in ("en", "fr", "ar", "all"):
        rs = [r for r in results if lang == "all" or r["locale"] == lang]
        if not rs:
            continue
        hit1 = sum(r["ranking"][:1] == [r["article"]] for r in rs) / len(rs)
        hit3 = sum(r["article"] in r["ranking"][:3] for r in rs) / len(rs)
        mrr = sum(1 / (r["ranking"].index(r["article"]) + 1) if r["article"] in r["ranking"] else 0 for r in rs) / len(rs)
        metrics[lang] = {"questions": len(rs), "hit@1": round(hit1, 4), "hit@3": round(hit3, 4), "mrr": round(mrr, 4)}
    lat = sorted(r["seconds"] * 1000 for r in results)
    report = {
        "folds": args.folds,
        "metrics": metrics,
        "train_seconds_per_fold": round(sum(train_seconds) / len(train_seconds), 1),
        "latency_ms": {"p50": round(lat[len(lat) // 2], 2), "p95": round(lat[int(len(lat) * 0.95)], 2)},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
