"""Per-message language detection with lingua, tuned for creator chat.

Following DESIGN.md ("Languages and models"): every lingua language is
loaded (restricting to en/fr/ar labels Spanish as English); Arabizi (Arabic
in Latin letters and digits) has its own rule since lingua calls it English,
Turkish or Tagalog; and short or unclear messages keep the conversation's
language ("ok" is not Zulu).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

SUPPORTED = ("en", "fr", "ar")
MIN_WORDS = 3
MIN_CHARS = 12

_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
_NOISE = re.compile(r"<[^>]{0,200}>|https?://\S+|\S+@\S+\.\w+|@\w+")
_LATIN = re.compile(r"[A-Za-zÀ-ÿ]")
# digits used as letters inside words: 3 = ع, 7 = ح, 9 = ق, 2 = ء, 5 = خ
_ARABIZI_DIGIT_WORD = re.compile(r"\b[a-z]*[a-z][23579][a-z]+\b|\b[23579][a-z]{2,}\b", re.IGNORECASE)
ARABIZI_WORDS = frozenset(
    ["salam", "slm", "salamo", "wach", "wesh", "wash", "bghit", "bghina", "kifach", "kifash", "kifech", "chno", "chnou", "chnu", "achno", "ach", "3lach", "3lash", "3afak", "3afakom", "wakha", "safi", "mzyan", "mezyan", "bzaf", "bezaf", "daba", "dba", "flous", "flousi", "flouss", "7sabi", "hsabi", "7ssabi", "7isabi", "3andi", "3ndi", "ana", "nta", "nti", "ntia", "enta", "enti", "inta", "inti", "walakin", "lakin", "khouya", "khoya", "kho", "sahbi", "yalah", "yallah", "wallah", "wlh", "inshallah", "nchallah", "hamdullah", "hamdulilah", "mafhamtch", "mafhmtch", "mafhemtch", "makaynch", "makaynsh", "machi", "mashi", "matkhdmch", "ma3rftch", "ma3rafch", "3ayez", "3ayz", "3awz", "3ayza", "ezay", "ezzay", "leh", "lesh", "leish", "ba2a", "keda", "kda", "msh", "mish", "mesh", "ya3ni", "yani", "shukran", "chokran", "choukran", "3lik", "3likom", "lah", "ykhalik", "t7ake", "tbanned", "tbanda", "tsrag", "tsre9", "tsra9", "brit", "bghiit", "nhder", "nhdr", "ndir", "ndirou", "nsahb", "nsa7eb", "n7ayed", "nbdl", "tbdl"]
)
SHORT_WORDS = {
    "fr": frozenset(["bonjour", "bonsoir", "salut", "coucou", "merci", "oui", "ouais", "non", "nan", "svp", "stp", "daccord", "d'accord"]),
    "en": frozenset(["hello", "thanks", "thx", "ty", "yes", "yeah", "yep", "nope", "please"]),
}


@dataclass(frozen=True)
class Detection:
    """The language to use and whether the message itself was clear about it."""

    language: str
    confident: bool
    detected: str | None = None  # what the message alone looked like (may be unsupported)
    rule: str = "lingua"


class LanguageDetector:
    """Detects the language of one message, keeping ``current`` when unsure."""

    def __init__(self) -> None:
        self._detector = None
        self._lock = threading.Lock()

    def preload(self) -> None:
        """Build lingua's detector and load its language models now (seconds); safe from a thread."""
        detector = self._lingua()
        for sample in ("how do I withdraw my earnings", "comment retirer mes gains", "كيف أسحب أرباحي"):
            detector.compute_language_confidence_values(sample)

    def _lingua(self):  # type: ignore[no-untyped-def]
        with self._lock:
            if self._detector is None:
                from lingua import LanguageDetectorBuilder

                self._detector = LanguageDetectorBuilder.from_all_languages().build()
            return self._detector

    def detect(self, text: str, current: str | None = None) -> Detection:
        """Language of ``text``; ``current`` is the conversation's language so far."""
        fallback = current or "en"
        # markup and links say nothing about the creator's language
        stripped = _NOISE.sub(" ", text).strip()
        if not stripped:
            return Detection(fallback, False, None, "empty")
        arabic = len(_ARABIC.findall(stripped))
        latin = len(_LATIN.findall(stripped))
        if arabic and arabic >= latin:
            return Detection("ar", True, "ar", "script")
        words = re.findall(r"[\w']+", stripped.lower())
        if is_arabizi(words):
            return Detection("ar", True, "ar", "arabizi")
        if len(words) <= 2:
            for lang, vocab in SHORT_WORDS.items():
                if words and all(w in vocab for w in words):
                    return Detection(lang, True, lang, "short-word")
        if len(words) < MIN_WORDS or len(stripped) < MIN_CHARS:
            return Detection(fallback, False, None, "too-short")
        values = self._lingua().compute_language_confidence_values(stripped)
        if not values:
            return Detection(fallback, False, None, "lingua-none")
        top, second = values[0], (values[1] if len(values) > 1 else None)
        code = top.language.iso_code_639_1.name.lower()
        ratio = top.value / second.value if second and second.value > 0 else 99.0
        if code in SUPPORTED and top.value >= 0.25 and ratio >= 1.5:
            return Detection(code, True, code, "lingua")
        if code not in SUPPORTED and top.value >= 0.55 and ratio >= 3 and len(words) >= 4:
            return Detection(code, True, code, "lingua-unsupported")
        # unclear: prefer a supported language lingua ranked near the top, else keep current
        return Detection(fallback, False, code, "lingua-unclear")


def is_arabizi(words: list[str]) -> bool:
    """True when Latin-script words read as Arabic (digits as letters, Darija/Egyptian words)."""
    if not words:
        return False
    digit_words = sum(1 for w in words if _ARABIZI_DIGIT_WORD.fullmatch(w))
    known = sum(1 for w in words if w in ARABIZI_WORDS)
    hits = digit_words + known
    return hits >= 2 or (hits >= 1 and len(words) <= 3) or hits / len(words) >= 0.34


_shared = LanguageDetector()


def shared_detector() -> LanguageDetector:
    """The process-wide detector (lingua's models are large; load them once)."""
    return _shared
