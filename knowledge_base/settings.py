"""Knowledge-base settings, read from the environment in this one place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent

SUPPORTED_LOCALES = ("en", "fr", "ar")


def _fallbacks(raw: str) -> dict[str, tuple[str, ...]]:
    """Parse ``"ar:en,fr;fr:en;en:fr"`` into ``{"ar": ("en", "fr"), ...}``."""
    result: dict[str, tuple[str, ...]] = {}
    for part in raw.split(";"):
        if ":" not in part:
            continue
        locale, _, rest = part.partition(":")
        result[locale.strip()] = tuple(x.strip() for x in rest.split(",") if x.strip())
    return result


@dataclass(frozen=True)
class Settings:
    """Where articles and the index live, which encoder to use, and the answer threshold."""

    articles_dir: Path = PACKAGE_DIR / "articles"
    catalogue_path: Path = PACKAGE_DIR / "catalogue.yml"
    index_dir: Path = PROJECT_DIR / "var" / "kb_index"
    encoder: str = "use-multilingual"
    answer_threshold: float = 0.0  # 0.0 means: use the calibrated value in calibration.json
    fallback_locales: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: _fallbacks("ar:en,fr;fr:en;en:fr")
    )

    @classmethod
    def from_env(cls) -> Settings:
        """Build settings from ``KB_*`` environment variables."""
        env = os.environ
        return cls(
            articles_dir=Path(env.get("KB_ARTICLES_DIR", PACKAGE_DIR / "articles")),
            catalogue_path=Path(env.get("KB_CATALOGUE", PACKAGE_DIR / "catalogue.yml")),
            index_dir=Path(env.get("KB_INDEX_DIR", PROJECT_DIR / "var" / "kb_index")),
            encoder=env.get("KB_ENCODER", "use-multilingual"),
            answer_threshold=float(env.get("KB_ANSWER_THRESHOLD", "0") or 0),
            fallback_locales=_fallbacks(env.get("KB_FALLBACK_LOCALES", "ar:en,fr;fr:en;en:fr")),
        )
