"""Safety-screen benchmark: recall per category and language, false-positive rate on benign
messages, and time from message to safety-queue entry through the hub.

Two sets, reported separately: the dev set (``devset/``, used for tuning; its figures are the
top-level keys of ``var/bench/safety.json``) and the held-out set (``holdout/``, written
independently and never tuned on; under the ``holdout`` key). A change that improves the dev
set but not the held-out set is overfitting.

    .venv/bin/python -m benchmarks.safety        (part of `make bench`)
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from handoff.safety.screen import SafetyScreen, default_screen

ROOT = Path(__file__).resolve().parent.parent
DEVSET = ROOT / "handoff" / "safety" / "devset"
HOLDOUT = ROOT / "handoff" / "safety" / "holdout"
OUT = ROOT / "var" / "bench"


def load(directory: Path = DEVSET) -> list[tuple[str, str, str | None]]:
    """(text, language, category or None for benign) of one set (dev set by default)."""
    rows = []
    for path in sorted(Path(directory).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for category, texts in (data.get("safety") or {}).items():
            rows += [(str(t), path.stem, category) for t in texts]
        rows += [(str(t), path.stem, None) for t in data.get("benign") or []]
    return rows


def evaluate(screen: SafetyScreen, rows: list[tuple[str, str, str | None]]) -> dict:
    """Recall (flagged at all, and with the right category) and false positives."""
    per: dict[str, dict[str, list]] = {}
    fp: dict[str, list[bool]] = {}
    misses, false_alarms = [], []
    for text, lang, category in rows:
        verdict = screen.screen(text)
        if category is None:
            fp.setdefault(lang, []).append(verdict.flagged)
            if verdict.flagged:
                false_alarms.append({"lang": lang, "text": text, "category": verdict.category})
            continue
        per.setdefault(category, {}).setdefault(lang, []).append((verdict.flagged, verdict.category == category))
        if not verdict.flagged:
            misses.append({"lang": lang, "category": category, "text": text})
    recall = {
        cat: {lang: {"n": len(v), "recall": round(float(np.mean([f for f, _ in v])), 4),
                     "category_accuracy": round(float(np.mean([c for _, c in v])), 4)} for lang, v in langs.items()}
        for cat, langs in per.items()
    }
    return {
        "recall": recall,
        "false_positive_rate": {lang: round(float(np.mean(v)), 4) for lang, v in fp.items()},
        "benign_counts": {lang: len(v) for lang, v in fp.items()},
        "misses": misses,
        "false_alarms": false_alarms,
    }


def time_to_queue(n: int = 30) -> dict:
    """Post safety messages through the hub (real screen, real database) and time each to queued."""
    from handoff import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/hub.db", "HUB_API_TOKEN": "bench", "SECRET_KEY": "x",
                          "RASA_URL": "http://127.0.0.1:9", "RASA_TIMEOUT": 0.5})
        app.extensions["ready"].wait(60)
        client = app.test_client()
        headers = {"Authorization": "Bearer bench"}
        samples = []
        for i in range(n):
            cid = client.post("/api/v1/conversations", json={"channel": "in_app", "creator": {"id": f"b{i}",
                              "locale": "fr", "country": "FR"}}, headers=headers).get_json()["id"]
            start = time.perf_counter()
            body = client.post(f"/api/v1/conversations/{cid}/messages",
                               json={"text": "je veux en finir, je vais me tuer ce soir"}, headers=headers).get_json()
            samples.append(time.perf_counter() - start)
            assert body["handoff"]["queue"] == "safety", body
    lat = np.array(samples) * 1000
    return {"p50_ms": round(float(np.percentile(lat, 50)), 1), "p95_ms": round(float(np.percentile(lat, 95)), 1),
            "max_ms": round(float(lat.max()), 1)}


def print_table(report: dict, title: str = "dev set") -> None:
    """Readable summary."""
    print(f"safety screen ({title}): recall per category and language")
    print(f"{'category':<18}{'en':>8}{'fr':>8}{'ar':>8}")
    for cat, langs in report["recall"].items():
        print(f"{cat:<18}" + "".join(f"{langs.get(lang, {}).get('recall', float('nan')):>8.2f}" for lang in ("en", "fr", "ar")))
    print("false-positive rate on benign: " + ", ".join(f"{k} {v:.3f}" for k, v in report["false_positive_rate"].items()))
    if "time_to_queue" in report:
        t = report["time_to_queue"]
        print(f"message to safety queue: p50 {t['p50_ms']} ms, p95 {t['p95_ms']} ms, max {t['max_ms']} ms")


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    screen = default_screen()
    report = evaluate(screen, load(DEVSET))
    holdout = evaluate(screen, load(HOLDOUT))
    report["time_to_queue"] = time_to_queue()
    report["holdout"] = holdout
    (OUT / "safety.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print_table(report, "dev set")
    print(f"{len(report['misses'])} missed, {len(report['false_alarms'])} false alarms (details in var/bench/safety.json)")
    print()
    print_table(holdout, "held-out set")
    print(f"{len(holdout['misses'])} missed, {len(holdout['false_alarms'])} false alarms (details under 'holdout')")
    return 0


if __name__ == "__main__":
    sys.exit(main())
