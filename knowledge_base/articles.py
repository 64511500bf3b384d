"""Articles and their passages: parsing Markdown with front matter, splitting by section."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
SECTION = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)


class ArticleFormatError(ValueError):
    """An article file that can't be read; carries the file and line."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Passage:
    """One section of one article in one locale: the unit that is embedded and shown."""

    article_id: str
    locale: str
    title: str
    heading: str
    text: str
    position: int
    route: str
    kind: str = "section"  # "section": shown to creators; "question": example question, only matched

    @property
    def key(self) -> str:
        """Stable key of the passage inside the index."""
        return f"{self.locale}/{self.article_id}#{self.position}"

    def embedding_text(self) -> str:
        """The text given to the sentence encoder."""
        if self.kind == "question":
            return self.text
        heading = f"{self.heading}. " if self.heading else ""
        return f"{self.title}. {heading}{self.text}"


@dataclass(frozen=True)
class Article:
    """One article in one locale, as written by the content team."""

    id: str
    locale: str
    title: str
    route: str
    body: str
    tags: tuple[str, ...] = ()
    owner: str = ""
    updated: str = ""
    version: int = 1
    related: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    # questions in languages the article is not written in yet, e.g. {"ar": (...)}: they route
    # those creators to this article (shown in a fallback language)
    search_phrases: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    source: str = ""
    meta_lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        """``locale/id``: unique per article version in the index."""
        return f"{self.locale}/{self.id}"

    def content_hash(self) -> str:
        """Hash of everything that affects search, so unchanged articles are not re-embedded."""
        h = hashlib.sha256()
        phrases = "\n".join(f"{k}:{q}" for k in sorted(self.search_phrases) for q in self.search_phrases[k])
        parts = (self.id, self.locale, self.title, self.route, " ".join(self.tags), "\n".join(self.questions),
                 phrases, self.body)
        for part in parts:
            h.update(part.encode("utf-8"))
            h.update(b"\0")
        return h.hexdigest()[:16]

    def sections(self) -> list[tuple[str, str]]:
        """(heading, text) pairs; text before the first heading is the intro (heading "")."""
        parts: list[tuple[str, str]] = []
        matches = list(SECTION.finditer(self.body))
        intro = self.body[: matches[0].start()] if matches else self.body
        if intro.strip():
            parts.append(("", _clean(intro)))
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(self.body)
            text = _clean(self.body[m.end() : end])
            if text:
                parts.append((m.group(1).strip(), text))
        return parts

    def passages(self) -> list[Passage]:
        """Split into passages by section; a short intro is merged into the first section."""
        sections = self.sections()
        if len(sections) > 1 and sections[0][0] == "" and len(sections[0][1].split()) < 40:
            intro = sections[0][1]
            heading, text = sections[1]
            sections = [(heading, f"{intro}\n{text}")] + sections[2:]
        passages = [
            Passage(self.id, self.locale, self.title, heading, text, i, self.route)
            for i, (heading, text) in enumerate(sections)
        ]
        passages += [
            Passage(self.id, self.locale, self.title, "", q, len(sections) + i, self.route, kind="question")
            for i, q in enumerate(self.questions)
        ]
        for locale, phrases in sorted(self.search_phrases.items()):
            passages += [
                Passage(self.id, locale, self.title, "", q, len(passages) + i, self.route, kind="question")
                for i, q in enumerate(phrases)
            ]
        return passages

    def to_markdown(self) -> str:
        """Serialise back to the on-disk format (front matter + body)."""
        meta = {
            "id": self.id,
            "locale": self.locale,
            "title": self.title,
            "route": self.route,
            "tags": list(self.tags),
            "owner": self.owner,
            "updated": self.updated,
            "version": self.version,
            "related": list(self.related),
        }
        if self.questions:
            meta["questions"] = list(self.questions)
        if self.search_phrases:
            meta["search_phrases"] = {k: list(v) for k, v in self.search_phrases.items()}
        front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=None)
        return f"---\n{front}---\n{self.body.strip()}\n"


def _clean(text: str) -> str:
    """Collapse blank runs; keep list line breaks so steps stay readable."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip()


def parse_article(text: str, source: str = "<string>") -> Article:
    """Parse one Markdown article; raises ArticleFormatError naming file and line."""
    m = FRONT_MATTER.match(text)
    if not m:
        raise ArticleFormatError(source, 1, "missing front matter (a block between '---' lines)")
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 2
        raise ArticleFormatError(source, line, f"front matter is not valid YAML: {exc}") from None
    if not isinstance(meta, dict):
        raise ArticleFormatError(source, 2, "front matter must be a mapping of fields")
    meta_lines = _field_lines(m.group(1))
    for required in ("id", "locale", "title", "route"):
        if not meta.get(required):
            raise ArticleFormatError(source, 1, f"front matter is missing '{required}'")
    body = text[m.end() :]
    try:
        version = int(meta.get("version", 1))
    except (TypeError, ValueError):
        raise ArticleFormatError(
            source, meta_lines.get("version", 1), "'version' must be an integer"
        ) from None
    return Article(
        id=str(meta["id"]).strip(),
        locale=str(meta["locale"]).strip(),
        title=str(meta["title"]).strip(),
        route=str(meta["route"]).strip(),
        body=body,
        tags=tuple(str(t) for t in (meta.get("tags") or [])),
        owner=str(meta.get("owner") or ""),
        updated=str(meta.get("updated") or ""),
        version=version,
        related=tuple(str(r) for r in (meta.get("related") or [])),
        questions=_questions(meta.get("questions"), source, meta_lines.get("questions", 1)),
        search_phrases=_search_phrases(meta.get("search_phrases"), source, meta_lines.get("search_phrases", 1)),
        source=source,
        meta_lines=meta_lines,
    )


def _questions(value: Any, source: str, line: int) -> tuple[str, ...]:
    """The optional example questions: a list of strings."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(q, str) and q.strip() for q in value):
        raise ArticleFormatError(source, line, "'questions' must be a list of non-empty strings")
    return tuple(q.strip() for q in value)


def _search_phrases(value: Any, source: str, line: int) -> dict[str, tuple[str, ...]]:
    """The optional ``{locale: [questions]}`` mapping."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ArticleFormatError(source, line, "'search_phrases' must map a locale to a list of questions")
    return {str(k): _questions(v, source, line) for k, v in value.items()}


def _field_lines(front: str) -> dict[str, int]:
    """Line number (1-based, in the file) of each top-level front-matter field."""
    lines: dict[str, int] = {}
    for i, line in enumerate(front.splitlines()):
        key = re.match(r"^([A-Za-z_]+)\s*:", line)
        if key:
            lines[key.group(1)] = i + 2
    return lines


class ArticleSource(Protocol):
    """Where articles come from: Markdown files today, a versioned database store later."""

    def load(self) -> list[Article]:
        """Every article in every locale."""
        ...

    def describe(self) -> str:
        """Human-readable name of the source for messages."""
        ...


class MarkdownSource:
    """Articles as ``<root>/<locale>/<id>.md`` files."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def files(self) -> Iterator[Path]:
        """Every article file, sorted for stable output."""
        yield from sorted(self.root.glob("*/*.md"))

    def load(self) -> list[Article]:
        """Parse every file; a broken file raises ArticleFormatError."""
        return [parse_article(p.read_text(encoding="utf-8"), str(p)) for p in self.files()]

    def describe(self) -> str:
        """The folder the articles are read from."""
        return str(self.root)


def load_catalogue(path: Path) -> dict[str, dict[str, Any]]:
    """The catalogue of required articles, keyed by id."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {entry["id"]: entry for entry in data.get("articles", [])}
