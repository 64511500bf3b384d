"""The action server's handle on the knowledge base (one per process, reloads on new index versions)."""

from __future__ import annotations

import os
import threading

from knowledge_base.encoder import load_encoder
from knowledge_base.search import KnowledgeBase
from knowledge_base.settings import Settings

_kb: KnowledgeBase | None = None
_lock = threading.Lock()


def knowledge_base() -> KnowledgeBase:
    """The shared KnowledgeBase, built from ``KB_*`` settings on first use."""
    global _kb
    with _lock:
        if _kb is None:
            settings = Settings.from_env()
            _kb = KnowledgeBase(
                settings.index_dir,
                load_encoder(settings.encoder),
                fallback_locales=settings.fallback_locales,
                answer_threshold=settings.answer_threshold or None,
            )
        return _kb


def use_knowledge_base(kb: KnowledgeBase | None) -> None:
    """Swap the shared instance (tests use a small index with a fake encoder)."""
    global _kb
    with _lock:
        _kb = kb


def warm_up() -> None:
    """Load the encoder, the index and every language's analyzer before the first creator asks."""
    kb = knowledge_base()
    for locale in ("en", "fr", "ar"):
        kb.search("warm up", locale=locale)


if os.environ.get("KB_WARM_UP", "true").lower() not in ("0", "false", "no"):
    threading.Thread(target=warm_up, name="kb-warm-up", daemon=True).start()
