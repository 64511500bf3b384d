"""NLU training data: enough examples per intent and language, one intent per text, aligned entities."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bot.components.words import spans_of, words_of

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "fr", "ar")
MIN_EXAMPLES = 20
# [text](entity) - the only annotation form used in nlu_data
ANNOTATION = re.compile(r"\[([^\]]+)\]\((\w+)\)")


def domain() -> dict:
    merged: dict = {"intents": [], "entities": []}
    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in merged:
            merged[key] += [x if isinstance(x, str) else next(iter(x)) for x in data.get(key) or []]
    return merged


def parse(line: str) -> tuple[str, list[tuple[int, int, str, str]]]:
    """Plain text and (start, end, entity, value) of an annotated example."""
    text, entities, position = "", [], 0
    for match in ANNOTATION.finditer(line):
        text += line[position : match.start()]
        start = len(text)
        text += match.group(1)
        entities.append((start, len(text), match.group(2), match.group(1)))
        position = match.end()
    return text + line[position:], entities


def examples(language: str) -> dict[str, list[tuple[str, list]]]:
    out: dict[str, list] = defaultdict(list)
    for path in sorted((ROOT / "nlu_data" / language).glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if "intent" not in block:
                continue
            for raw in block["examples"].splitlines():
                raw = raw.strip()
                if raw.startswith("- "):
                    out[block["intent"]].append(parse(raw[2:].strip()))
    return out


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_intent_has_enough_examples(language: str) -> None:
    data = examples(language)
    trained = [i for i in domain()["intents"] if i != "nlu_fallback"]
    counts = {intent: len(data.get(intent, [])) for intent in trained}
    assert not [i for i, n in counts.items() if n < MIN_EXAMPLES], counts
    assert set(data) <= set(trained), set(data) - set(trained)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_is_under_two_intents(language: str) -> None:
    seen: dict[str, set[str]] = defaultdict(set)
    for intent, items in examples(language).items():
        for text, _ in items:
            seen[text.lower().strip()].add(intent)
    assert {t: i for t, i in seen.items() if len(i) > 1} == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_entity_spans_match_word_boundaries(language: str) -> None:
    """Every annotated value starts and ends on a word of the pipeline's tokenizer."""
    known = set(domain()["entities"])
    bad = []
    for intent, items in examples(language).items():
        for text, entities in items:
            spans = spans_of(text)
            starts, ends = {s for s, _ in spans}, {e for _, e in spans}
            for start, end, entity, value in entities:
                if entity not in known or start not in starts or end not in ends or value != value.strip():
                    bad.append((intent, text, entity, value))
    assert bad == []


def test_every_intent_block_starts_with_its_definition() -> None:
    missing = []
    for path in sorted((ROOT / "nlu_data").glob("*/*.yml")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for n, line in enumerate(lines):
            match = re.match(r"^- intent: (\w+)", line)
            if match and not (n and lines[n - 1].startswith(f"# {match.group(1)}: ")):
                missing.append((path.name, match.group(1)))
    assert missing == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("it was 45,50 €", ["it", "was", "45,50", "€"]),
        ("i got 100$ yesterday.", ["i", "got", "100$", "yesterday"]),
        ("never got my €85 payout", ["never", "got", "my", "€85", "payout"]),
        ("link https://vm.example.com/ZMabc123/.", ["link", "https://vm.example.com/ZMabc123/"]),
        ("it's @emma.cooks, video", ["it", "s", "@emma.cooks", "video"]),
        ("7sabi mt3tal!!", ["7sabi", "mt3tal"]),
        ("سحبت 50 دولار، وما وصل؟", ["سحبت", "50", "دولار", "وما", "وصل"]),
    ],
)
def test_words_keep_currency_and_links(text: str, words: list[str]) -> None:
    assert words_of(text) == words
    assert [text[s:e] for s, e in spans_of(text)] == words
