"""The multilingual lexicon signal: phrases and patterns per category, with benign and negation guards.

Data lives in ``lexicon/<lang>.yml`` so the trust & safety team can edit it
without touching code; a bad regex is reported with its file and entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from handoff.safety.normalize import normalize, squeeze

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
CATEGORIES = (
    "self_harm",
    "harassment",
    "threats",
    "sextortion",
    "doxxing",
    "minor_safety",
    "account_takeover",
)
NEGATABLE = {"self_harm", "threats"}


class LexiconError(ValueError):
    """A lexicon file that can't be used; names the file and the entry."""


@dataclass(frozen=True)
class LexiconMatch:
    """One matched phrase or pattern."""

    category: str
    language: str
    text: str
    rule: str


@dataclass(frozen=True)
class LexiconResult:
    """What the lexicon saw in one message: live matches, and the guards (harmless uses) it recognised."""

    matches: list[LexiconMatch]
    guards: list[dict[str, str]]


@dataclass
class _Rule:
    category: str
    language: str
    source: str
    regex: re.Pattern[str]


class Lexicon:
    """All languages' rules; every message is checked against every language (code-switching)."""

    def __init__(self, directory: Path = LEXICON_DIR) -> None:
        self.rules: list[_Rule] = []
        self.benign: list[re.Pattern[str]] = []
        self.negation: list[re.Pattern[str]] = []
        for path in sorted(Path(directory).glob("*.yml")):
            self._load(path)

    def _load(self, path: Path) -> None:
        language = path.stem
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise LexiconError(f"{path}: not valid YAML: {exc}") from None
        for category, entry in data.items():
            if category in ("benign", "negation"):
                target = self.benign if category == "benign" else self.negation
                for i, pattern in enumerate((entry or {}).get("patterns") or []):
                    target.append(_compile(pattern, path, f"{category}.patterns[{i}]"))
                for phrase in (entry or {}).get("phrases") or []:
                    target.append(_phrase_regex(phrase))
                continue
            if category not in CATEGORIES:
                raise LexiconError(f"{path}: unknown category {category!r} (expected one of {CATEGORIES})")
            for phrase in (entry or {}).get("phrases") or []:
                self.rules.append(_Rule(category, language, f"phrase:{phrase}", _phrase_regex(phrase)))
            for i, pattern in enumerate((entry or {}).get("patterns") or []):
                self.rules.append(
                    _Rule(category, language, f"pattern:{pattern}", _compile(pattern, path, f"{category}.patterns[{i}]"))
                )

    def match(self, text: str) -> list[LexiconMatch]:
        """Matches that are neither inside a benign use nor negated."""
        return self.inspect(text).matches

    def inspect(self, text: str) -> LexiconResult:
        """Live matches, and every guard (benign / negation wording) found in the message.

        Rules and guards run on the normalised text and on the same with letter runs squeezed
        ("diie" -> "die", but also "comme" -> "come"); spans found in the squeezed text are mapped
        back, so a guard found in either form covers a rule match found in either form.
        """
        base = normalize(text)
        squeezed, where = squeeze(base)
        forms: list[tuple[str, list[int] | None]] = [(base, None)]
        if squeezed != base:
            forms.append((squeezed, where))
        benign: list[tuple[int, int]] = []
        negation: list[tuple[int, int]] = []
        guards: dict[str, str] = {}
        for form, mapping in forms:
            for kind, patterns, spans in (("benign", self.benign, benign), ("negation", self.negation, negation)):
                for r in patterns:
                    for g in r.finditer(form):
                        spans.append(_span(g.span(), mapping))
                        guards.setdefault(g.group(0), kind)
        found: dict[tuple[str, str], LexiconMatch] = {}
        for form, mapping in forms:
            for rule in self.rules:
                for m in rule.regex.finditer(form):
                    span = _span(m.span(), mapping)
                    if any(_overlaps(span, b) for b in benign):
                        continue
                    if rule.category in NEGATABLE and any(_overlaps(span, n) for n in negation):
                        continue
                    found.setdefault(
                        (rule.category, rule.source), LexiconMatch(rule.category, rule.language, m.group(0), rule.source)
                    )
                    break
        return LexiconResult(list(found.values()), [{"kind": k, "text": t} for t, k in guards.items()])


def _span(span: tuple[int, int], mapping: list[int] | None) -> tuple[int, int]:
    """A span of the squeezed text as a span of the normalised text."""
    if mapping is None or span[0] == span[1]:
        return span
    return mapping[span[0]], mapping[span[1] - 1] + 1


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _phrase_regex(phrase: str) -> re.Pattern[str]:
    words = normalize(str(phrase)).split()
    body = r"\s+".join(re.escape(w) for w in words)
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def _compile(pattern: str, path: Path, where: str) -> re.Pattern[str]:
    try:
        return re.compile(str(pattern), re.IGNORECASE)
    except re.error as exc:
        raise LexiconError(f"{path}: {where}: invalid regular expression {pattern!r}: {exc}") from None
