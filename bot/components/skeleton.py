"""The consonant skeleton of a message: one spelling for Arabic script and Arabizi (no Rasa imports).

Creators write Arabic in Arabic script ("حسابي معطل") and in Arabizi, Latin
letters with digits for the sounds Latin lacks ("7sabi mt3tal"). The two
spellings of the same words share no character n-gram, so the n-gram
features learn each intent twice, from half the examples each. Arabic script
leaves short vowels out, and Arabizi writers spell vowels each their own way
("7sabi", "hsabi", "7ssaby"), so both are reduced to the same key: consonants
only, each Arabic letter and its Arabizi spelling mapped to one symbol
(ح and 7 -> "7", ع and 3 -> "3", ق, 9 and q -> "9", ش, ch and sh -> "c", ...),
long vowels, hamza and doubled letters dropped:

    skeleton("7sabi mt3tal")  == "7sb mt3tl"
    skeleton("حسابي معطل")    == "7sb m3tl"
    skeleton("bghit nqtl rasi") == skeleton("بغيت نقتل راسي") == "b8t n9tl rs"

Digits count as letters only inside a word that has letters ("3afak"); a
number on its own ("200") is kept as it is. The featurizer in
``skeleton_featurizer.py`` counts character and word n-grams of the
skeleton next to those of the text, for Arabic messages.
"""

from __future__ import annotations

import re
import unicodedata

# Arabic letters -> one symbol per sound group; long vowels, hamza carriers and ta marbuta drop out.
_ARABIC = {
    "ا": "", "أ": "", "إ": "", "آ": "", "ء": "", "ؤ": "", "ئ": "", "ى": "", "و": "", "ي": "", "ة": "",
    "ه": "h", "ب": "b", "پ": "b", "ت": "t", "ط": "t", "ث": "t", "ج": "j", "ح": "7", "خ": "5",
    "د": "d", "ذ": "d", "ض": "d", "ظ": "d", "ر": "r", "ز": "z", "س": "s", "ص": "s", "ش": "c",
    "ع": "3", "غ": "8", "ف": "f", "ڤ": "f", "ق": "9", "ك": "k", "ڭ": "g", "گ": "g", "ڨ": "g",
    "ل": "l", "م": "m", "ن": "n", "ـ": "",
}
# Arabizi digraphs, read before single letters.
_DIGRAPHS = (("kh", "5"), ("gh", "8"), ("ch", "c"), ("sh", "c"), ("th", "t"), ("dh", "d"), ("ou", ""))
# Latin letters and Arabizi digits -> the same symbols; vowels, w and y drop out (as و and ي do).
_LATIN = {
    "a": "", "e": "", "i": "", "o": "", "u": "", "y": "", "w": "",
    "2": "", "q": "9", "x": "c", "v": "f", "p": "b", "ç": "s", "6": "t", "4": "d",
}
_HARAKAT = re.compile("[\u064b-\u0652\u0670]")
_LETTER = re.compile(r"[^\W\d_]")
_REPEATS = re.compile(r"(.)\1+")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
# a digit standing for a letter inside a Latin word: 3afak, 7sabi, sa9sa, ma3lich
# (4+ characters, 3+ of them letters, so "2fa", "mp3" and "b2b" are not Arabizi)
_DIGIT_AS_LETTER = re.compile(r"(?<!\w)(?=\w*[23579])(?=(?:\d*[a-z]){3})[a-z23579]{4,}(?!\w)", re.IGNORECASE)


def looks_arabic(text: str) -> bool:
    """Arabic script, or a Latin word with a digit for a letter (Arabizi) - for messages of unknown language."""
    return bool(_ARABIC_SCRIPT.search(text) or _DIGIT_AS_LETTER.search(text))


def _word(word: str) -> str:
    if not _LETTER.search(word):
        return word  # a number, an emoji or punctuation stays as written
    for digraph, symbol in _DIGRAPHS:
        word = word.replace(digraph, symbol)
    return _REPEATS.sub(r"\1", "".join(_ARABIC.get(ch, _LATIN.get(ch, ch)) for ch in word))


def skeleton(text: str) -> str:
    """The consonant skeleton of ``text``, word by word (words that reduce to nothing are left out)."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))  # é -> e, and Arabic harakat
    text = _HARAKAT.sub("", text)
    return " ".join(w for w in map(_word, text.split()) if w)
