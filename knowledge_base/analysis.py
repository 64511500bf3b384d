"""Per-language text analysis for BM25: tokens, lemmas, Arabic normalisation.

English: spaCy's blank pipeline with the lookup lemmatizer of spacy-lookups-data.
French: ``fr_core_news_md`` (rule lemmatizer needs its morphologizer).
Arabic: spaCy's blank Arabic tokenizer plus our own normalisation on pyarabic
(diacritics, tatweel, alef / yaa / taa marbuta forms, common clitics), since the
lookups package has no Arabic tables, and a small dialect lexicon
(``lexicon/ar_dialect.yml``) for the way creators actually write: Egyptian,
Levantine, Gulf and Maghrebi words, Arabizi (Latin letters and digits such as
"7sabi", "flousi") and French/English loanwords are mapped to the standard word
the articles use.

Each step can be switched off (``Analyzer(locale, steps=...)``) so that
``kb eval --ablation`` can measure what it adds; ``STEPS`` lists them per language.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

LEXICON_PATH = Path(__file__).resolve().parent / "lexicon" / "ar_dialect.yml"

# the analysis steps of each language, in the order they apply
STEPS: dict[str, tuple[str, ...]] = {
    "en": ("lemma", "stopwords"),
    "fr": ("lemma", "stopwords", "accents"),
    "ar": ("normalize", "clitics", "stopwords", "ngrams", "dialect", "arabizi"),
}
ALL_STEPS = frozenset(s for steps in STEPS.values() for s in steps)
# measured but off by default: Arabic character trigrams matched too much across unrelated
# words once the dialect lexicon bridged the dialect forms (see `kb eval --ablation`)
OPTIONAL_STEPS = frozenset({"ngrams"})
DEFAULT_STEPS = ALL_STEPS - OPTIONAL_STEPS

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
_LATIN_LETTER = re.compile(r"[a-z]")
_WORD = re.compile(r"\w+", re.UNICODE)
_MAX_PHRASE = 3

# Arabizi: Latin letters and digits for Arabic sounds (3 = ع, 7 = ح, 9 = ق, 5 = خ, ...)
_ARABIZI_DIGRAPHS = (("kh", "خ"), ("gh", "غ"), ("ch", "ش"), ("sh", "ش"), ("th", "ث"), ("dh", "ذ"),
                     ("ou", "و"), ("oo", "و"), ("ee", "ي"), ("ai", "ي"), ("ei", "ي"))
_ARABIZI_LETTERS = {
    "2": "ا", "3": "ع", "5": "خ", "6": "ط", "7": "ح", "8": "غ", "9": "ق",
    "a": "ا", "b": "ب", "c": "ك", "d": "د", "e": "", "f": "ف", "g": "ج", "h": "ه", "i": "ي", "j": "ج",
    "k": "ك", "l": "ل", "m": "م", "n": "ن", "o": "و", "p": "ب", "q": "ق", "r": "ر", "s": "س", "t": "ت",
    "u": "و", "v": "ف", "w": "و", "x": "كس", "y": "ي", "z": "ز",
}
_ARABIZI_DIGITS = re.compile(r"[a-z][2356789]|[2356789][a-z]")


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


def _strip_suffix(token: str) -> str:
    for suffix in _ARABIC_SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            return token[: -len(suffix)]
    return token


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def latin_key(word: str) -> str:
    """A Latin (Arabizi / French / English) word for lexicon look-up: lower case, no accents,
    repeated letters collapsed ("flouss" -> "flous", "bzzaf" -> "bzaf")."""
    word = _strip_accents(word.lower())
    word = re.sub(r"[^a-z0-9]", "", word)
    return re.sub(r"(.)\1+", r"\1", word)


def latin_skeleton(word: str) -> str:
    """Consonant skeleton of a Latin word: Arabizi spells short vowels freely
    ("flous" / "floos" / "flus", "wslat" / "weslat"), consonants and digits much less."""
    key = latin_key(word).replace("sh", "ch")
    return re.sub(r"(.)\1+", r"\1", re.sub(r"[aeiou]", "", key))


def is_arabizi(word: str) -> bool:
    """A Latin word written with Arabizi digits (``7sabi``, ``t3ml``, ``9der``)."""
    return bool(_ARABIZI_DIGITS.search(word.lower()))


def arabizi_to_arabic(word: str) -> str:
    """Rough Arabic-script spelling of an Arabizi word (``7sabi`` -> ``حسابي``).

    Short vowels are dropped only where Arabizi marks them with "e"; the result
    goes through the normal Arabic analysis, whose character trigrams absorb the rest.
    """
    w = latin_key(word)
    out: list[str] = []
    i = 0
    while i < len(w):
        pair = w[i : i + 2]
        digraph = next((ar for lat, ar in _ARABIZI_DIGRAPHS if pair == lat), None)
        if digraph is not None:
            out.append(digraph)
            i += 2
            continue
        ch = w[i]
        if i == 0 and ch in "aei":
            out.append("ا")
        else:
            out.append(_ARABIZI_LETTERS.get(ch, ch))
        i += 1
    return "".join(out)


class Lexicon:
    """Dialect / Arabizi / loanword variants -> standard Arabic terms, and dialect stop words."""

    def __init__(self, terms: dict[str, list[str]], stopwords: Iterable[str]) -> None:
        self.words: dict[str, set[str]] = {}
        # consonant skeleton -> (length of the spelled word, standard term)
        self.skeletons: dict[str, set[tuple[int, str]]] = {}
        self.phrases: dict[tuple[str, ...], set[str]] = {}
        self.stopwords: set[str] = set()
        for word in stopwords:
            self.stopwords.add(self._key1(self._norm(word)))
        for standard, variants in terms.items():
            for variant in variants:
                words = _WORD.findall(self._norm(str(variant)))
                if len(words) > 1:
                    self.phrases.setdefault(tuple(self._key1(w) for w in words), set()).add(standard)
                elif words:
                    for key in self._keys(words[0]):
                        self.words.setdefault(key, set()).add(standard)
                    skeleton = self._skeleton(words[0])
                    if skeleton:
                        self.skeletons.setdefault(skeleton, set()).add((len(latin_key(words[0])), standard))

    @staticmethod
    def _norm(text: str) -> str:
        return normalize_arabic(text).lower()

    @staticmethod
    def _key1(word: str) -> str:
        return latin_key(word) if not _ARABIC_LETTER.search(word) else word

    @classmethod
    def _keys(cls, word: str) -> set[str]:
        """Every exact key a (normalised) word is found under."""
        word = cls._norm(word)
        if _ARABIC_LETTER.search(word):
            # the word, without its clitics, and without only its suffix ("فلوسي" -> "فلوس",
            # where the light stemmer would also take the "ف" for a conjunction)
            keys = {word, strip_arabic_clitics(word), _strip_suffix(word)}
            if word.startswith("ال") and len(word) > 4:
                keys.add(word[2:])
            return keys
        return {latin_key(word)}

    @staticmethod
    def _skeleton(word: str) -> str:
        if _ARABIC_LETTER.search(word):
            return ""
        skeleton = latin_skeleton(word)
        return skeleton if len(skeleton) >= 3 else ""

    def is_stopword(self, word: str) -> bool:
        """A dialect function word ("بغيت", "dyali", "kifach")."""
        return self._key1(word) in self.stopwords

    def standard(self, words: list[str], i: int) -> tuple[set[str], int]:
        """Standard terms for the phrase or word at ``words[i]``, and how many words it spans."""
        for n in range(min(_MAX_PHRASE, len(words) - i), 1, -1):
            phrase = self.phrases.get(tuple(self._key1(w) for w in words[i : i + n]))
            if phrase:
                return phrase, n
        found: set[str] = set()
        for key in self._keys(words[i]):
            found |= self.words.get(key, set())
        skeleton = self._skeleton(words[i])
        if not found and skeleton:
            # a spelling variant: same consonants, about the same length
            size = len(latin_key(words[i]))
            found = {standard for n, standard in self.skeletons.get(skeleton, ()) if abs(n - size) <= 1}
        return found, 1


@lru_cache(maxsize=1)
def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    """The Arabic dialect lexicon (loaded once)."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    stop: list[str] = []
    for group in data.get("stopwords") or []:
        stop.extend(str(w) for w in (group if isinstance(group, list) else [group]))
    return Lexicon({str(k): [str(v) for v in vs] for k, vs in (data.get("terms") or {}).items()}, stop)


class Analyzer:
    """Turns text into BM25 terms for one language."""

    def __init__(self, locale: str, steps: frozenset[str] | None = None) -> None:
        self.locale = locale
        # steps can be switched off to measure what each adds (kb eval --ablation)
        self.steps = steps if steps is not None else DEFAULT_STEPS
        self._lock = threading.Lock()
        self._nlp: Any = None

    def _pipeline(self) -> Any:
        with self._lock:
            if self._nlp is None:
                self._nlp = _load_pipeline(self.locale)
            return self._nlp

    def _words(self, text: str) -> list[str]:
        nlp = self._pipeline()
        if self.locale == "ar" and "normalize" in self.steps:
            text = normalize_arabic(text)
        words: list[str] = []
        for tok in nlp(text):
            if tok.is_punct or tok.is_space:
                continue
            word = tok.text.lower()
            if "lemma" in self.steps and self.locale in ("en", "fr") and tok.lemma_:
                word = tok.lemma_.lower()
            words.extend(_WORD.findall(word))
        return words

    def __call__(self, text: str) -> list[str]:
        """Terms of ``text``: lower-cased lemmas without stop words."""
        if self.locale == "ar":
            return self._arabic(self._words(text))
        stop = STOPWORDS.get(self.locale, frozenset()) if "stopwords" in self.steps else frozenset()
        terms: list[str] = []
        for piece in self._words(text):
            if self.locale == "fr" and "accents" in self.steps:
                piece = _strip_accents(piece)
            if piece in stop or (len(piece) < 2 and not piece.isdigit()):
                continue
            terms.append(piece)
        return terms

    def dense_text(self, text: str) -> str:
        """The query as the sentence encoder should see it. Arabic: Arabizi words also in Arabic
        letters, plus the standard words of its dialect words - the multilingual encoder knows
        Modern Standard Arabic far better than darija or Latin-script Arabic."""
        if self.locale != "ar":
            return text
        words = text.split()
        if "arabizi" in self.steps:
            words = [arabizi_to_arabic(w) if is_arabizi(w) else w for w in words]
        return " ".join([*words, *self.glosses(text)])

    def glosses(self, text: str) -> list[str]:
        """Standard Arabic words for the dialect / Arabizi / loanwords of ``text`` (Arabic only):
        ``"flousi ma wslatch"`` -> ``["أرباح", "أموال", "يصل", "وصل"]``."""
        if self.locale != "ar" or "dialect" not in self.steps:
            return []
        lexicon = load_lexicon()
        words = self._words(text)
        out: list[str] = []
        i = 0
        while i < len(words):
            standard, span = lexicon.standard(words, i)
            out.extend(t for t in sorted(standard) if t not in out)
            i += span
        return out

    def _arabic_term(self, word: str, terms: list[str], ngrams: bool = True) -> None:
        if "clitics" in self.steps and _ARABIC_LETTER.search(word):
            word = strip_arabic_clitics(word)
        if len(word) < 2 and not word.isdigit():
            return
        terms.append(word)
        if ngrams and "ngrams" in self.steps and len(word) >= 4:
            # dialects inflect the same stems differently (نبدل / غير / يتبدل): character
            # trigrams let BM25 match across them
            terms.extend(f"#{word[i:i + 3]}" for i in range(len(word) - 2))

    def _arabic(self, words: list[str]) -> list[str]:
        stop = STOPWORDS["ar"] if "stopwords" in self.steps else frozenset()
        lexicon = load_lexicon() if {"dialect", "stopwords"} & self.steps else None
        terms: list[str] = []
        i = 0
        while i < len(words):
            span = 1
            if lexicon is not None and "dialect" in self.steps:
                standard, span = lexicon.standard(words, i)
                own = {strip_arabic_clitics(w) if "clitics" in self.steps else w for w in words[i : i + span]}
                for term in sorted(standard):
                    for w in _WORD.findall(normalize_arabic(term).lower()):
                        if w not in own and strip_arabic_clitics(w) not in own:
                            self._arabic_term(w, terms, ngrams=False)
            for w in words[i : i + span]:
                if w in stop or (lexicon is not None and "stopwords" in self.steps and lexicon.is_stopword(w)):
                    continue
                self._arabic_term(w, terms)
                if "arabizi" in self.steps and is_arabizi(w):
                    self._arabic_term(arabizi_to_arabic(w), terms)
            i += span
        return terms


@lru_cache(maxsize=4)
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
