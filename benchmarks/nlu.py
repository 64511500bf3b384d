"""NLU cross-validation per language: config.yml against Rasa's default pipeline (runs in .venv-rasa).

The model that ships is one model trained on all three languages, so the
cross-validation trains the same way: every language's examples are split into
k folds, and model f is trained on all folds but f of every language and tested
on fold f of each language separately. Per language that is a k-fold
cross-validation whose training side also has the other two languages, as in
production, and it costs k trainings instead of 3 x k. ``--alone`` trains on the
tested language only (the stricter, smaller-data figure).

Each test message is parsed with the ``metadata.language`` the hub would
send with it (its detection in a conversation held in the example's
language, benchmarks/languages.py), as the pipeline sees it in production.

Reported per language: intent F1 (weighted over intents; FallbackClassifier's
``nlu_fallback`` counts as a miss, as it would in production) and entity F1
(micro), training time per fold, the median parse time per message in-process,
the top confusions; and, with ``--server``, the median time per message through
a running Rasa server's ``/model/parse`` with the shipped model (models/). Every
misclassified message goes to var/bench/nlu-misses.json for error analysis.
Written to var/bench/nlu.json with a table.

    make bench-nlu        (FOLDS=5 by default)

Rasa's default pipeline trains DIET and ResponseSelector for 100 epochs each,
minutes per fold on 2 cores, i.e. most of the run. Its results depend only on
the data, the folds, the setting and that fixed pipeline, so they are cached in
var/bench/nlu-baseline.json under a hash of exactly those (and Rasa's
version): re-running after a change to config.yml or the components retrains
only ours. ``--refresh-baseline`` recomputes it anyway.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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
LANGUAGES = ("en", "fr", "ar")


def folds_of(examples: list, k: int) -> list[tuple[list, list]]:
    return [([e for i, e in enumerate(examples) if i % k != f], examples[f::k]) for f in range(k)]


def hub_languages(corpus: dict[str, tuple]) -> dict[tuple[str, str], str]:
    """(example language, text) -> the language the hub would send with it (benchmarks/languages.py)."""
    pairs = sorted({(m.get("text"), lang) for lang, (_, examples) in corpus.items() for m in examples})
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", "benchmarks.languages"],
        input=json.dumps(pairs), capture_output=True, text=True, cwd=ROOT, check=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    return {(lang, text): detected for (text, lang), detected in zip(pairs, json.loads(done.stdout), strict=True)}


async def parse_all(model: str, messages: list, languages: list[str]) -> tuple[list, list[float]]:
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage

    from bot.components.sentence_features import clear_caches

    agent = Agent.load(model)
    clear_caches()  # the test messages' vectors may be cached from another fold's training
    out, times = [], []
    for m, language in zip(messages, languages, strict=True):
        start = time.perf_counter()
        parsed = await agent.processor.parse_message(UserMessage(m.get("text"), metadata={"language": language}))
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
    examples = list(data.intent_examples)
    random.Random(11).shuffle(examples)
    return data, examples


def load_languages(languages: list[str]) -> dict[str, tuple]:
    return {lang: shuffled_examples(lang) for lang in languages}


def baseline_key(corpus: dict[str, tuple], k: int, alone: bool, evaluated: int | None) -> str:
    """Hash of what the default pipeline's result depends on: data, folds, setting, pipeline, Rasa version."""
    import rasa

    payload = json.dumps(
        {
            "examples": {
                lang: [[m.get("text"), m.get("intent"), m.get("entities") or []] for m in examples]
                for lang, (_, examples) in sorted(corpus.items())
            },
            "regex": [[r["name"], r["pattern"]] for r in next(iter(corpus.values()))[0].regex_features],
            "folds": k,
            "evaluated": min(k, evaluated or k),
            "alone": alone,
            "pipeline": DEFAULT_PIPELINE,
            "rasa": rasa.__version__,
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def train_and_parse(
    config: dict, train: list, regex: list, tests: dict[str, list], languages: dict[tuple[str, str], str]
) -> tuple[float, dict]:
    """Train an NLU model on ``train``; parse each language's test messages with the hub's language
    for each (``languages``). (seconds, parsed per language)"""
    from rasa.model_training import train_nlu
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.components.language_entity import language_of

    with tempfile.TemporaryDirectory() as tmp:
        # one file per language, as in nlu_data/: the YAML writer keeps one metadata block per
        # intent, so mixing languages in one file would give every example the first one's language
        data = Path(tmp) / "nlu"
        data.mkdir()
        by_language: dict[str, list] = collections.defaultdict(list)
        for m in train:
            by_language[language_of(m) or "unknown"].append(m)
        for n, (lang, examples) in enumerate(sorted(by_language.items())):
            td = TrainingData(training_examples=examples, regex_features=regex if n == 0 else [])
            (data / f"{lang}.yml").write_text(td.nlu_as_yaml(), encoding="utf-8")
        (Path(tmp) / "config.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
        start = time.perf_counter()
        model = train_nlu(str(Path(tmp) / "config.yml"), str(data), str(Path(tmp) / "models"))
        seconds = time.perf_counter() - start
        parsed = {
            lang: asyncio.run(parse_all(model, test, [languages[(lang, m.get("text"))] for m in test]))
            for lang, test in tests.items()
        }
    return seconds, parsed


def run(
    config: dict, corpus: dict[str, tuple], k: int, alone: bool, evaluated: int | None = None
) -> tuple[dict, dict]:
    """k-fold cross-validation (of the first ``evaluated`` folds only, if given: same splits, fewer
    trainings); (figures per language, misclassified messages per language)."""
    regex = next(iter(corpus.values()))[0].regex_features
    languages = hub_languages(corpus)
    folds = {lang: folds_of(examples, k) for lang, (_, examples) in corpus.items()}
    scores: dict[str, dict[str, list]] = {lang: collections.defaultdict(list) for lang in corpus}
    confusions = {lang: collections.Counter() for lang in corpus}
    misses: dict[str, list] = {lang: [] for lang in corpus}
    groups = [[lang] for lang in corpus] if alone else [list(corpus)]
    for group in groups:
        for f in range(min(k, evaluated or k)):
            train = [m for lang in group for m in folds[lang][f][0]]
            seconds, parsed = train_and_parse(
                config, train, regex, {lang: folds[lang][f][1] for lang in group}, languages
            )
            for lang in group:
                test = folds[lang][f][1]
                predicted, times = parsed[lang]
                intent_f1, entity_f1 = f1_scores([m.as_dict() for m in test], predicted)
                scores[lang]["intent"].append(intent_f1)
                scores[lang]["entity"].append(entity_f1)
                scores[lang]["train"].append(seconds)
                scores[lang]["parse"] += times
                for m, x in zip(test, predicted, strict=True):
                    got = (x.get("intent") or {}).get("name")
                    if got != m.get("intent"):
                        confusions[lang][f"{m.get('intent')} -> {got}"] += 1
                        misses[lang].append({
                            "text": m.get("text"), "intent": m.get("intent"), "predicted": got,
                            "confidence": round(float((x.get("intent") or {}).get("confidence") or 0), 3),
                        })
    report = {
        lang: {
            "intent_f1": round(statistics.mean(s["intent"]), 4),
            "entity_f1": round(statistics.mean(s["entity"]), 4),
            "train_seconds_per_fold": round(statistics.mean(s["train"]), 1),
            "median_parse_ms": round(statistics.median(s["parse"]) * 1000, 2),
            "examples": len(corpus[lang][1]),
            "folds_evaluated": len(s["intent"]),
            "top_confusions": dict(confusions[lang].most_common(12)),
        }
        for lang, s in scores.items()
    }
    return report, misses


def server_parse_ms(corpus: dict[str, tuple], per_language: int = 100) -> dict[str, Any]:
    """Median time per message through ``rasa run --enable-api`` with the shipped model (models/)."""
    import requests

    models = sorted((ROOT / "models").glob("*.tar.gz"))
    if not models:
        return {"error": "no trained model in models/ (make train)"}
    with tempfile.TemporaryDirectory() as tmp:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        log = open(Path(tmp) / "rasa.log", "w")  # noqa: SIM115 - closed below
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "rasa"), "run", "--enable-api", "--port", str(port),
             "--interface", "127.0.0.1", "--model", str(models[-1])],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                try:
                    if requests.get(f"{url}/status", timeout=2).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.5)
            else:
                return {"error": "rasa server did not start"}
            out: dict[str, Any] = {"model": models[-1].name}
            session = requests.Session()
            for lang, (_, examples) in corpus.items():
                texts = [m.get("text") for m in examples[:per_language]]
                session.post(f"{url}/model/parse", json={"text": texts[0]}, timeout=30)  # warm up
                times = []
                for text in texts:
                    start = time.perf_counter()
                    session.post(f"{url}/model/parse", json={"text": text, "metadata": {"language": lang}},
                                 timeout=30).raise_for_status()
                    times.append(time.perf_counter() - start)
                out[lang] = round(statistics.median(times) * 1000, 2)
            return out
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)
            log.close()


def cell(value: Any, width: int, fmt: str = ".3f") -> str:
    """A table cell: the number, or "-" where there is none (baseline skipped)."""
    return f"{value:>{width}{fmt}}" if isinstance(value, (int, float)) else f"{'-':>{width}}"


def baseline_figures(corpus: dict[str, tuple], args: argparse.Namespace, setting: str, cache: dict,
                     cache_file: Path) -> dict:
    """The default pipeline's figures per language: from the cache when it matches, else trained and cached."""
    key = baseline_key(corpus, args.folds, args.alone, args.baseline_folds)
    if not args.refresh_baseline and cache.get(setting, {}).get("key") == key:
        return {lang: dict(r, cached=True) for lang, r in cache[setting]["result"].items()}
    result = run(DEFAULT_PIPELINE, corpus, args.folds, args.alone, args.baseline_folds)[0]
    cache[setting] = {"key": key, "result": result}
    cache_file.write_text(json.dumps(cache, indent=1))
    return {lang: dict(r, cached=False) for lang, r in result.items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=int(os.environ.get("FOLDS", "5")))
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--alone", action="store_true",
                        help="train each fold on the tested language only, not on all three as shipped")
    parser.add_argument("--server", action="store_true",
                        help="also time /model/parse on a Rasa server running the shipped model")
    parser.add_argument("--skip-baseline", action="store_true", help="only config.yml (no default pipeline)")
    parser.add_argument("--baseline-folds", type=int, default=None,
                        help="evaluate the default pipeline on the first N folds only (same splits): each of its "
                             "trainings takes 10+ minutes on 2 cores with all languages")
    parser.add_argument("--baseline-only", action="store_true",
                        help="only fill the default pipeline's cache (var/bench/nlu-baseline.json), e.g. after a "
                             "data change, while config.yml is still being tuned")
    parser.add_argument("--refresh-baseline", action="store_true",
                        help="retrain Rasa's default pipeline even if its cached result matches the data")
    args = parser.parse_args()
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # unconfigured, Rasa's structlog prints every parse
    ours = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    ours["policies"] = []
    corpus = load_languages(args.languages.split(","))
    setting = "alone" if args.alone else "all languages in training"
    report: dict = {"folds": args.folds, "setting": setting, "languages": {}}
    out = ROOT / "var" / "bench" / "nlu.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    cache_file = out.parent / "nlu-baseline.json"
    cache = json.loads(cache_file.read_text()) if cache_file.exists() else {}
    start = time.perf_counter()
    if args.baseline_only:
        baseline_figures(corpus, args, setting, cache, cache_file)
        print(f"default pipeline cached in {cache_file} ({round(time.perf_counter() - start)} s)")
        return 0
    mine, misses = run(ours, corpus, args.folds, args.alone)
    (out.parent / "nlu-misses.json").write_text(json.dumps(misses, ensure_ascii=False, indent=1), encoding="utf-8")
    for lang in corpus:
        print(lang, "config.yml", json.dumps(mine[lang], ensure_ascii=False), flush=True)
    baseline: dict = {}
    if not args.skip_baseline:
        baseline = baseline_figures(corpus, args, setting, cache, cache_file)
    for lang in corpus:
        report["languages"][lang] = {"config.yml": mine[lang], "rasa_default": baseline.get(lang)}
    if args.server:
        report["server_median_parse_ms"] = server_parse_ms(corpus)
    report["wall_seconds"] = round(time.perf_counter() - start)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    evaluated = {r["folds_evaluated"] for r in baseline.values()}
    print(f"setting: {setting}, {args.folds} folds" + (f" (default pipeline: {min(evaluated)} of them)" if evaluated and min(evaluated) < args.folds else ""))
    print(f"{'lang':<5}{'ours F1':>9}{'default F1':>12}{'ours ent':>10}{'def ent':>9}"
          f"{'train s':>9}{'def train':>10}{'parse ms':>9}{'def parse':>10}")
    for lang, r in report["languages"].items():
        o, d = r["config.yml"], r["rasa_default"] or {}
        print(f"{lang:<5}{o['intent_f1']:>9.3f}{cell(d.get('intent_f1'), 12)}{o['entity_f1']:>10.3f}"
              f"{cell(d.get('entity_f1'), 9)}{o['train_seconds_per_fold']:>9.1f}"
              f"{cell(d.get('train_seconds_per_fold'), 10, '.1f')}{o['median_parse_ms']:>9.1f}"
              f"{cell(d.get('median_parse_ms'), 10, '.1f')}{' (cached)' if d.get('cached') else ''}")
    if "server_median_parse_ms" in report:
        print("median ms per message through the Rasa server (/model/parse):", report["server_median_parse_ms"])
    print(f"wall time {report['wall_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
