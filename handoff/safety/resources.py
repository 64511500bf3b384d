"""Safety messages and crisis resources in the creator's language, by country."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def crisis_lines() -> dict[str, Any]:
    """The crisis-lines data file."""
    return yaml.safe_load((HERE / "crisis_lines.yml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def messages() -> dict[str, Any]:
    """Safety messages per category and language."""
    return yaml.safe_load((HERE / "messages.yml").read_text(encoding="utf-8"))


def countries_for(country: str | None, language: str) -> list[str]:
    """The creator's country when we have its lines, else the defaults of their language."""
    data = crisis_lines()
    if country and country.upper() in data["countries"]:
        return [country.upper()]
    return list(data["default_countries"].get(language, data["default_countries"]["en"]))


def resources_text(country: str | None, language: str) -> str:
    """Emergency numbers and crisis lines, one line per country."""
    data = crisis_lines()
    labels = messages()["labels"].get(language, messages()["labels"]["en"])
    lines = []
    for code in countries_for(country, language):
        entry = data["countries"][code]
        name = labels["countries"].get(code, code)
        parts = [f"{labels['emergency']} {entry['emergency']}"]
        parts += [f"{line['name']}: {line['number']}" for line in entry.get("lines", [])]
        lines.append(f"\u2022 {name}: " + " \u2014 ".join(parts))
    return "\n".join(lines)


def safety_reply(category: str, language: str, country: str | None) -> str:
    """The message the creator gets at once when a safety concern is flagged."""
    data = messages()
    lang = language if language in data["categories"]["self_harm"] else "en"
    text = data["categories"].get(category, data["categories"]["threats"])[lang].strip()
    if category == "self_harm":
        text += "\n\n" + resources_text(country, lang)
    else:
        emergency = data["labels"][lang]["in_danger"]
        text += "\n\n" + emergency
    return text
