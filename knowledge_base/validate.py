"""``kb validate``: every problem in the article files, with file and line."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge_base.articles import Article, ArticleFormatError, MarkdownSource, load_catalogue

ROUTES = {"answer", "handoff", "safety"}
REQUIRED_FIELDS = ("id", "locale", "title", "route", "tags", "owner", "updated", "version", "related")


@dataclass(frozen=True)
class Problem:
    """One validation problem."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def validate_source(source: MarkdownSource, catalogue_path: Path) -> list[Problem]:
    """Check files one by one, then the set against the catalogue."""
    catalogue = load_catalogue(catalogue_path)
    problems: list[Problem] = []
    articles: list[Article] = []
    for path in source.files():
        try:
            article = _parse(path)
        except ArticleFormatError as exc:
            problems.append(Problem(exc.path, exc.line, exc.message))
            continue
        articles.append(article)
        problems.extend(check_article(article, path, catalogue))
    problems.extend(check_collection(articles, catalogue, source.root))
    return problems


def _parse(path: Path) -> Article:
    from knowledge_base.articles import parse_article

    return parse_article(path.read_text(encoding="utf-8"), str(path))


def check_article(article: Article, path: Path, catalogue: dict[str, dict[str, Any]]) -> list[Problem]:
    """Problems of one article on its own."""
    out: list[Problem] = []
    src = str(path)
    line = article.meta_lines

    for name in REQUIRED_FIELDS:
        if name not in line:
            out.append(Problem(src, 1, f"front matter is missing '{name}'"))
    entry = catalogue.get(article.id)
    if entry is None:
        out.append(Problem(src, line.get("id", 1), f"unknown article id '{article.id}' (not in the catalogue)"))
    else:
        if article.locale not in entry.get("locales", []):
            out.append(
                Problem(src, line.get("locale", 1), f"locale '{article.locale}' is not listed for '{article.id}' in the catalogue")
            )
        if article.route != entry.get("route"):
            out.append(
                Problem(src, line.get("route", 1), f"route '{article.route}' differs from the catalogue's '{entry.get('route')}'")
            )
    if article.route not in ROUTES:
        out.append(Problem(src, line.get("route", 1), f"route must be one of {sorted(ROUTES)}"))
    if path.parent.name != article.locale:
        out.append(Problem(src, line.get("locale", 1), f"locale '{article.locale}' but the file is in '{path.parent.name}/'"))
    if path.stem != article.id:
        out.append(Problem(src, line.get("id", 1), f"id '{article.id}' but the file is named '{path.name}'"))
    for rel in article.related:
        if rel not in catalogue:
            out.append(Problem(src, line.get("related", 1), f"related id '{rel}' does not exist"))
        elif rel == article.id:
            out.append(Problem(src, line.get("related", 1), "an article can't be related to itself"))
    for locale in article.search_phrases:
        if locale not in ("en", "fr", "ar"):
            out.append(Problem(src, line.get("search_phrases", 1), f"search_phrases: unknown locale '{locale}'"))
        elif locale == article.locale:
            out.append(Problem(src, line.get("search_phrases", 1), "search_phrases in the article's own locale: use 'questions'"))
    if article.updated:
        try:
            dt.date.fromisoformat(article.updated)
        except ValueError:
            out.append(Problem(src, line.get("updated", 1), f"'updated' must be a date (YYYY-MM-DD), got '{article.updated}'"))
    if not article.passages():
        out.append(Problem(src, 1, "article has no text"))
    body_start = _body_line(path)
    for heading, text in article.sections():
        if len(text.split()) > 220:
            out.append(Problem(src, body_start, f"section '{heading or 'intro'}' is over 220 words; split it"))
    return out


def _body_line(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    seen = 0
    for i, line in enumerate(lines):
        if line.strip() == "---":
            seen += 1
            if seen == 2:
                return i + 2
    return 1


def check_collection(articles: list[Article], catalogue: dict[str, dict[str, Any]], root: Path) -> list[Problem]:
    """Duplicates and missing locales across all articles."""
    out: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    for a in articles:
        key = (a.id, a.locale)
        if key in seen:
            out.append(Problem(a.source, a.meta_lines.get("id", 1), f"duplicate article '{a.locale}/{a.id}' (also in {seen[key]})"))
        else:
            seen[key] = a.source
    for article_id, entry in catalogue.items():
        if entry.get("superseded_by"):
            continue
        for locale in entry.get("locales", []):
            if (article_id, locale) not in seen:
                out.append(Problem(str(root / locale / f"{article_id}.md"), 0, f"missing: the catalogue lists '{article_id}' in '{locale}'"))
    return out
