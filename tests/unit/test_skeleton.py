"""The consonant skeleton: Arabic script and Arabizi spellings of a word reduce to one key."""

from __future__ import annotations

import pytest

from bot.components.skeleton import skeleton


@pytest.mark.parametrize(
    ("arabic", "arabizi"),
    [
        ("حسابي", "7sabi"),
        ("بغيت نقتل راسي", "bghit nqtl rasi"),
        ("عافاك", "3afak"),
        ("خلاص", "5las"),
        ("خلاص", "khlass"),
        ("مشكور", "mashkour"),
        ("مشكور", "mchkor"),
        ("قلبي", "9albi"),
        ("سؤال", "so2al"),
    ],
)
def test_both_scripts_share_a_skeleton(arabic: str, arabizi: str) -> None:
    assert skeleton(arabic) == skeleton(arabizi)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7sabi mt3tal", "7sb mt3tl"),
        ("حسابي معطل", "7sb m3tl"),
        ("salaaaam", "slm"),  # elongation
        ("سَلَامٌ", "slm"),  # harakat
        ("أنا", "n"),  # hamza and long vowels drop
        ("يا أوو", ""),  # words of vowels only reduce to nothing and are left out
    ],
)
def test_skeleton(text: str, expected: str) -> None:
    assert skeleton(text) == expected


def test_numbers_stay_numbers_and_digits_in_words_are_letters() -> None:
    assert skeleton("سحبت 200 دولار") == "s7bt 200 dlr"
    assert skeleton("3andi 2 comptes") == "3nd 2 cmbts"


def test_distinct_words_stay_distinct() -> None:
    assert skeleton("حسابي") != skeleton("حبيبي")
    assert skeleton("payout") != skeleton("password")
