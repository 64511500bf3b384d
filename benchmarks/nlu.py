"""NLU cross-validation per language: config.yml against Rasa's default pipeline (runs in .venv-rasa).

For each language, k-fold cross-validation on that language's NLU data
(nlu_data/<lang>/), intent F1 and entity F1 (micro, weighted over intents),
training time per fold, and the median parse time per message. Written to
var/bench/nlu.json with a table. Slow: it trains 2 configs x 3 languages x k folds.

    make bench-nlu        (FOLDS=5 by default)

Rasa's default pipeline trains DIET and ResponseSelector for 100 epochs
each: about 2-4 minutes per fold on 2 cores, i.e. most of the run. Its
results depend only on the data, the folds and that fixed pipeline, so they
are cached in var/bench/nlu-baseline.json under a hash of exactly those
(and Rasa's version): re-running after a change to config.yml or the
components retrains only ours. ``--refresh-baseline`` recomputes it anyway.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Rasa caches trained components under ~/.rasa/cache by fingerprint: a re-run on the same
# data would "train" in a second. Off, so train_seconds_per_fold is a real training time.
os.environ.setdefault("RASA_MAX_CACHE_SIZE", "0")
DEFAULT_PIPELINE = {
    "recipe": "default.v1",
    "language": "en",
    "pipeline": [
        {"name": "WhitespaceTokenizer"},
        {"name": "RegexFeaturizer"},
        {"name": "LexicalSyntacticFeaturizer"},
        {"name": "CountVectorsFeaturizer"},
        {"name": "CountVectorsFeaturizer", "analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4},
        {"name": "DIETClassifier", "epochs": 100, "constrain_similarities": True, "random_seed": 42},
        {"name": "EntitySynonymMapper"},
        {"name": "ResponseSelector", "epochs": 100, "constrain_similarities": True},
        {"name": "FallbackClassifier", "threshold": 0.3, "ambiguity_threshold": 0.1},
    ],
    "policies": [],
}


def folds_of(examples: list, k: int) -> list[tuple[list, list]]:
    return [([e for i, e in enumerate(examples) if i % k != f], examples[f::k]) for f in range(k)]


async def parse_all(model: str, messages: list) -> tuple[list, list[float]]:
    from rasa.core.agent import Agent

    agent = Agent.load(model)
    out, times = [], []
    for m in messages:
        start = time.perf_counter()
        parsed = await agent.parse_message(m.get("text"))
        times.append(time.perf_counter() - start)
        out.append(parsed)
    return out, times


def f1_scores(gold: list, predicted: list) -> tuple[float, float]:
    from sklearn.metrics import f1_score

    g = [m.get("intent") for m in gold]
    # FallbackClassifier's nlu_fallback counts as a miss, as it would in production
    p = [(x.get("intent") or {}).get("name") for x in predicted]
    intent_f1 = f1_score(g, p, average="weighted", zero_division=0)
    tp = fp = fn = 0
    for m, x in zip(gold, predicted, strict=True):
        want = {(e["entity"], m.get("text")[e["start"]:e["end"]].lower()) for e in m.get("entities") or []}
        got = {(e["entity"], str(e.get("value", "")).lower()) for e in x.get("entities") or [] if e["entity"] != "language"}
        tp += len(want & got)
        fp += len(got - want)
        fn += len(want - got)
    entity_f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return intent_f1, entity_f1


def shuffled_examples(lang: str) -> tuple:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(ROOT / "nlu_data" / lang))
    examples = [m for m in data.intent_examples]
    import random

    random.Random(11).shuffle(examples)
    return data, examples


def baseline_key(lang: str, k: int) -> str:
    """Hash of what the default pipeline's result depends on: data, folds, pipeline, Rasa version."""
    import rasa

    data, examples = shuffled_examples(lang)
    payload = json.dumps(
        {
            "examples": [[m.get("text"), m.get("intent"), m.get("entities") or []] for m in examples],
            "regex": [[r["name"], r["pattern"]] for r in data.regex_features],
            "folds": k,
            "pipeline": DEFAULT_PIPELINE,
            "rasa": rasa.__version__,
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def run(config: dict, lang: str, k: int) -> dict:
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.training_data import TrainingData

    data, examples = shuffled_examples(lang)
    intents, entities, train_times, parse_times = [], [], [], []
    confusions: collections.Counter = collections.Counter()
    for train, test in folds_of(examples, k):
        with tempfile.TemporaryDirectory() as tmp:
            td = TrainingData(training_examples=train, regex_features=data.regex_features)
            (Path(tmp) / "nlu.yml").write_text(td.nlu_as_yaml(), encoding="utf-8")
            (Path(tmp) / "config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
            start = time.perf_counter()
            model = train_nlu(str(Path(tmp) / "config.yml"), str(Path(tmp) / "nlu.yml"), str(Path(tmp) / "models"))
            train_times.append(time.perf_counter() - start)
            predicted, times = asyncio.run(parse_all(model, test))
            parse_times += times
            i, e = f1_scores([m.as_dict() for m in test], predicted)
            intents.append(i)
            entities.append(e)
            for m, x in zip(test, predicted, strict=True):
                got = (x.get("intent") or {}).get("name")
                if got != m.get("intent"):
                    confusions[f"{m.get('intent')} -> {got}"] += 1
    return {
        "intent_f1": round(statistics.mean(intents), 4),
        "entity_f1": round(statistics.mean(entities), 4),
        "train_seconds_per_fold": round(statistics.mean(train_times), 1),
        "median_parse_ms": round(statistics.median(parse_times) * 1000, 2),
        "examples": len(examples),
        "top_confusions": dict(confusions.most_common(12)),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=int(os.environ.get("FOLDS", "5")))
    parser.add_argument("--languages", default="en,fr,ar")
    parser.add_argument("--refresh-baseline", action="store_true",
                        help="retrain Rasa's default pipeline even if its cached result matches the data")
    args = parser.parse_args()
    ours = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    ours["policies"] = []
    report: dict = {"folds": args.folds, "languages": {}}
    out = ROOT / "var" / "bench" / "nlu.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    cache_file = out.parent / "nlu-baseline.json"
    cache = json.loads(cache_file.read_text()) if cache_file.exists() else {}
    start = time.perf_counter()
    for lang in args.languages.split(","):
        key = baseline_key(lang, args.folds)
        if args.refresh_baseline or cache.get(lang, {}).get("key") != key:
            cache[lang] = {"key": key, "result": run(DEFAULT_PIPELINE, lang, args.folds)}
            cache_file.write_text(json.dumps(cache, indent=1))
            baseline = dict(cache[lang]["result"], cached=False)
        else:
            baseline = dict(cache[lang]["result"], cached=True)
        report["languages"][lang] = {"config.yml": run(ours, lang, args.folds), "rasa_default": baseline}
        print(lang, json.dumps(report["languages"][lang]), flush=True)
    report["wall_seconds"] = round(time.perf_counter() - start)
    out.write_text(json.dumps(report, indent=1))
    print(f"{'lang':<5}{'ours F1':>9}{'default F1':>12}{'ours ent':>10}{'def ent':>9}"
          f"{'train s':>9}{'def train':>10}{'parse ms':>9}{'def parse':>10}")
    for lang, r in report["languages"].items():
        o, d = r["config.yml"], r["rasa_default"]
        print(f"{lang:<5}{o['intent_f1']:>9.3f}{d['intent_f1']:>12.3f}{o['entity_f1']:>10.3f}{d['entity_f1']:>9.3f}"
              f"{o['train_seconds_per_fold']:>9.1f}{d['train_seconds_per_fold']:>10.1f}"
              f"{o['median_parse_ms']:>9.1f}{d['median_parse_ms']:>10.1f}{' (cached)' if d.get('cached') else ''}")
    print(f"wall time {report['wall_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
