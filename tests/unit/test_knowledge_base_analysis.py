"""Arabic analysis: Arabizi, the dialect lexicon, switchable steps; per-language calibration;
held-out question files and the analysis ablation of ``kb eval``."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_base.analysis import (
    DEFAULT_STEPS,
    STEPS,
    Analyzer,
    Lexicon,
    arabizi_to_arabic,
    is_arabizi,
    latin_skeleton,
    load_lexicon,
)
from knowledge_base.calibration import Calibration
from knowledge_base.evaluation import load_questions

pytest.importorskip("pyarabic")
pytest.importorskip("spacy")


@pytest.fixture(scope="module")
def ar() -> Analyzer:
    return Analyzer("ar")


def test_arabizi_digits_are_recognised_and_spelled_in_arabic() -> None:
    assert is_arabizi("7sabi") and is_arabizi("t3ml") and is_arabizi("9der")
    assert not is_arabizi("compte") and not is_arabizi("2026") and not is_arabizi("live")
    assert arabizi_to_arabic("7sab") == "حساب"
    assert arabizi_to_arabic("3la") == "علا"
    assert arabizi_to_arabic("khoya") == "خويا"


def test_spelling_variants_share_a_consonant_skeleton() -> None:
    assert latin_skeleton("flous") == latin_skeleton("floos") == latin_skeleton("flouss") == "fls"
    assert latin_skeleton("wslatch") == latin_skeleton("weslatsh")


def test_lexicon_maps_dialect_arabizi_and_loanwords_to_the_standard_word() -> None:
    lex = Lexicon({"أرباح": ["فلوس", "flous", "argent"], "كلمة المرور": ["باسورد", "mot de passe"]}, ["dyali", "بغيت"])
    assert lex.standard(["floos"], 0) == ({"أرباح"}, 1)  # spelling variant, by skeleton
    assert lex.standard(["فلوسي"], 0) == ({"أرباح"}, 1)  # with a possessive suffix
    assert lex.standard(["argent"], 0) == ({"أرباح"}, 1)
    assert lex.standard(["lmot", "mot", "de", "passe"], 1) == ({"كلمة المرور"}, 3)
    assert lex.standard(["video"], 0) == (set(), 1)
    assert lex.is_stopword("Dyali") and lex.is_stopword("بغيت") and not lex.is_stopword("فلوس")


def test_skeleton_match_needs_a_similar_length() -> None:
    lex = Lexicon({"تقييد": ["limite"]}, [])
    assert lex.standard(["lmot"], 0) == (set(), 1)  # same consonants "lmt", but not the same word


def test_shipped_lexicon_loads() -> None:
    lex = load_lexicon()
    assert lex.words and lex.phrases and lex.stopwords


def test_darija_arabizi_and_standard_questions_share_terms(ar: Analyzer) -> None:
    standard = set(ar("لم تصل أرباحي إلى الحساب"))
    for dialect in ("flousi ma wslatch", "فلوسي ما وصلتش", "الفلوس ما وصلتنيش"):
        assert {"ارباح", "يصل"} <= set(ar(dialect)), dialect
    assert {"ارباح", "حساب"} <= standard


def test_dialect_function_words_are_dropped(ar: Analyzer) -> None:
    terms = ar("بغيت نعرف kifach dyali")
    assert "بغيت" not in terms and "kifach" not in terms and "dyali" not in terms


def test_arabizi_word_also_gives_arabic_terms(ar: Analyzer) -> None:
    assert "حساب" in ar("l7sab")  # "ل" + حساب: Arabizi spelled in Arabic, then the clitic goes
    assert "حساب" not in Analyzer("ar", DEFAULT_STEPS - {"arabizi", "dialect"})("l7sab")


def test_dense_text_adds_standard_glosses_for_arabic_only(ar: Analyzer) -> None:
    text = ar.dense_text("flousi ma wslatch")
    assert text.startswith("flousi") and "أرباح" in text
    assert Analyzer("en").dense_text("my money") == "my money"


def test_steps_can_be_switched_off(ar: Analyzer) -> None:
    assert "ngrams" not in DEFAULT_STEPS and set(STEPS["ar"]) >= {"normalize", "clitics", "dialect", "arabizi"}
    assert any(t.startswith("#") for t in Analyzer("ar", DEFAULT_STEPS | {"ngrams"})("الحساب المخترق"))
    assert not any(t.startswith("#") for t in ar("الحساب المخترق"))
    raw = Analyzer("ar", frozenset())("الحساب")
    assert raw == ["الحساب"]
    assert ar("الحساب") == ["حساب"]


def test_calibration_threshold_per_language() -> None:
    cal = Calibration(threshold=0.7, thresholds={"ar": 0.8})
    assert cal.threshold_for("ar") == 0.8 and cal.threshold_for("en") == 0.7
    forced = cal.with_threshold(0.5)
    assert forced.threshold_for("ar") == 0.5
    assert "ar 0.8" in cal.describe()


def test_coverage_raises_confidence() -> None:
    cal = Calibration(w_coverage=3.0)
    assert cal.confidence(0.5, 1.0, 0.1, 1.0, coverage=1.0) > cal.confidence(0.5, 1.0, 0.1, 1.0, coverage=0.1)


def test_question_file_with_unanswerable_entry(tmp_path: Path) -> None:
    path = tmp_path / "holdout.yml"
    path.write_text(
        '- article: payout-missing\n  ar: ["flousi ma wslatch"]\n  en: ["money late"]\n'
        "- article: null\n  ar: [\"3tini nokta\"]\n",
        encoding="utf-8",
    )
    queries = load_questions(path)
    assert [(q.locale, q.article_id) for q in queries] == [("en", "payout-missing"), ("ar", "payout-missing"),
                                                          ("ar", None)]


def test_shipped_holdout_covers_every_arabic_relevant_article() -> None:
    from knowledge_base.evaluation import DEVSET_DIR

    queries = load_questions(DEVSET_DIR / "holdout_ar.yml")
    assert len({q.article_id for q in queries if q.article_id}) == 45
    assert sum(1 for q in queries if q.article_id is None) >= 10
