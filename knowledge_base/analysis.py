"""Per-language text analysis for BM25: tokens, lemmas, Arabic normalisation.

English: spaCy's blank pipeline with the lookup lemmatizer of spacy-lookups-data.
French: ``fr_core_news_md`` (rule lemmatizer needs its morphologizer).
Arabic: spaCy's blank Arabic tokenizer plus our own normalisation on pyarabic
(diacritics, tatweel, alef / yaa / taa marbuta forms, common clitics), since the
lookups package has no Arabic tables.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        ["a", "an", "the", "i", "me", "my", "mine", "we", "our", "you", "your", "u", "ur", "it", "its", "is", "are", "was", "were", "be", "been", "being", "am", "do", "does", "did", "to", "of", "in", "on", "at", "for", "with", "and", "or", "but", "so", "if", "how", "what", "why", "when", "where", "which", "who", "can", "could", "would", "should", "will", "just", "get", "got", "have", "has", "had", "this", "that", "there", "here", "im", "i'm", "pls", "please", "hi", "hello", "hey", "not", "no", "yes", "any", "some", "from", "by", "as", "about", "up", "out", "into"]
    ),
    "fr": frozenset(
        ["le", "la", "les", "l", "un", "une", "des", "de", "du", "d", "et", "ou", "mais", "donc", "je", "j", "me", "m", "moi", "mon", "ma", "mes", "tu", "te", "t", "toi", "ton", "ta", "tes", "il", "elle", "on", "nous", "vous", "ils", "elles", "se", "s", "son", "sa", "ses", "leur", "leurs", "ce", "c", "cet", "cette", "ces", "que", "qu", "qui", "quoi", "est", "sont", "suis", "es", "être", "avoir", "ai", "as", "a", "ont", "en", "dans", "sur", "pour", "par", "avec", "pas", "ne", "n", "plus", "y", "au", "aux", "comment", "pourquoi", "quand", "svp", "stp", "bonjour", "salut", "merci"]
    ),
    "ar": frozenset(
        ["في", "من", "على", "الى", "عن", "مع", "هل", "ما", "ماذا", "كيف", "لماذا", "متى", "اين", "هذا", "هذه", "ذلك", "تلك", "انا", "انت", "هو", "هي", "نحن", "هم", "او", "و", "ثم", "لا", "لم", "لن", "قد", "كان", "كانت", "يا", "انه", "ان"]
    ),
}

_ARABIC_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_ARABIC_SUFFIXES = ("ها", "هم", "هن", "كم", "كن", "نا", "ني", "ات", "ون", "ين", "ه", "ي", "ك")
_ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")
_WORD = re.compile(r"\w+", re.UNICODE)


def normalize_arabic(text: str) -> str:
    """Remove diacritics and tatweel; unify alef, yaa and taa marbuta forms."""
    from pyarabic import araby

    text = araby.strip_tashkeel(text)
    text = araby.strip_tatweel(text)
    text = re.sub("[إأآٱ]", "ا", text)
    text = text.replace("ى", "ي").replace("ة", "ه").replace("ؤ", "و").replace("ئ", "ي")
    return text


def strip_arabic_clitics(token: str) -> str:
    """Light stemming: drop one common proclitic and one enclitic, keeping 2+ letters."""
    for prefix in _ARABIC_PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 2:
            token = token[len(prefix) :]
            break
    else:
        if token[:1] in ("و", "ب", "ف", "ل") and len(token) >= 5:
            token = token[1:]
    for suffix in _ARABIC_SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)]
    return token


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class Analyzer:
    """Turns text into BM25 terms for one language."""

    def __init__(self, locale: str, steps: frozenset[str] | None = None) -> None:
        self.locale = locale
        # steps can be switched off to measure what each adds (kb eval --ablate)
        self.steps = steps if steps is not None else frozenset({"lemma", "normalize", "stopwords", "ngrams"})
        self._lock = threading.Lock()
        self._nlp: Any = None

    def _pipeline(self) -> Any:
        with self._lock:
            if self._nlp is None:
                self._nlp = _load_pipeline(self.locale)
            return self._nlp

    def __call__(self, text: str) -> list[str]:
        """Terms of ``text``: lower-cased lemmas without stop words."""
        nlp = self._pipeline()
        stop = STOPWORDS.get(self.locale, frozenset()) if "stopwords" in self.steps else frozenset()
        if self.locale == "ar" and "normalize" in self.steps:
            text = normalize_arabic(text)
        doc = nlp(text)
        terms: list[str] = []
        for tok in doc:
            if tok.is_punct or tok.is_space:
                continue
            word = tok.text.lower()
            if "lemma" in self.steps and self.locale in ("en", "fr") and tok.lemma_:
                word = tok.lemma_.lower()
            for piece in _WORD.findall(word):
                if "normalize" in self.steps:
                    if self.locale == "fr":
                        piece = _strip_accents(piece)
                    if self.locale == "ar" and _ARABIC_LETTER.search(piece):
                        piece = strip_arabic_clitics(piece)
                if piece in stop or (len(piece) < 2 and not piece.isdigit()):
                    continue
                terms.append(piece)
                if self.locale == "ar" and "ngrams" in self.steps and len(piece) >= 4:
                    # dialects inflect the same stems differently (نبدل / غير / يتبدل): character
                    # trigrams let BM25 match across them
                    terms.extend(f"#{piece[i:i + 3]}" for i in range(len(piece) - 2))
        return terms


def _load_pipeline(locale: str) -> Any:
    import spacy

    if locale == "fr":
        return spacy.load("fr_core_news_md", disable=["parser", "ner"])
    if locale == "en":
        nlp = spacy.blank("en")
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
        return nlp
    return spacy.blank("ar" if locale == "ar" else "xx")


@lru_cache(maxsize=8)
def analyzer_for(locale: str) -> Callable[[str], list[str]]:
    """The shared analyzer of one locale (pipelines are loaded once per process)."""
    return Analyzer(locale)
