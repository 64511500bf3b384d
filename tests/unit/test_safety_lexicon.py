"""The shipped lexicon files (en, fr, ar incl. Arabizi): urgent phrasings flagged with their
category, harmless look-alikes left alone. Phrases here are written for the tests, not taken
from the dev or held-out sets."""

from __future__ import annotations

import pytest

from handoff.safety.lexicon import Lexicon
from handoff.safety.screen import SafetyScreen


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon()


@pytest.mark.parametrize(
    "text, category",
    [
        ("lock my account right now, someone is posting scam links from it", "account_takeover"),
        ("my password just got changed and i didn't do it", "account_takeover"),
        ("bloquez mon compte tout de suite, il envoie des liens à mes abonnés", "account_takeover"),
        ("حد دلوقتي بيغير الباسورد بتاع حسابي", "account_takeover"),
        ("الإيميل لسه اتغير وأنا ما عملت شي", "account_takeover"),
        ("chi wa7ed d5al l compte dyali w kaymsa7 les videos daba", "account_takeover"),
        ("he keeps saying you're dead when i see you at school", "threats"),
        ("قال رح يذبح مرته إذا رجعت متأخرة", "threats"),
        ("واحد كاتب إنه هيضرب نار في الحفلة", "threats"),
        ("wa7ed nashar l3nwan dyali f story", "doxxing"),
        ("3ando video 5assa liya w bgha lflous wla ghadi ynchrha", "sextortion"),
        ("أنا مش منيحة، بجرح نفسي كل ليلة", "self_harm"),  # "مش" negates "منيحة", not the cutting
        ("delete my channel please, i won't need it after friday", "self_harm"),
        ("في واحد بيبيع صور خاصة لبنات قاصرات", "minor_safety"),
        ("she saved our facetime and says send 200 dollars or the clip goes online", "sextortion"),
        ("my page is sending dms to all my followers right now and it isn't me", "account_takeover"),
        ("ma chaîne publie des vidéos que j'ai jamais postées", "account_takeover"),
        ("le hacker est en train de vider mon solde", "account_takeover"),
        ("عارف وين مدرسة ابنك، امسح الفيديو", "threats"),
    ],
)
def test_urgent_phrasings_match_their_category(lexicon, text, category):
    assert category in {m.category for m in lexicon.match(text)}, lexicon.inspect(text)


@pytest.mark.parametrize(
    "text",
    [
        "i got a security alert but it was me on my laptop",
        "how do i report bullying in general?",
        "what counts as doxxing under your rules?",
        "i'm not suicidal, just tired of this bug",
        "how do i update it on my account?",
        "is it safe to show my street in my vlogs?",
        "my cat attacks my ankles every night, compilation incoming",
        "mon chat m'attaque tous les matins",
        "les mots comme 'automutilation' sont filtrés ?",
        "comment on signale du harcèlement en général ?",
        "je joue le méchant dans un court-métrage et je dis 'je vais te retrouver', c'est autorisé ?",
        "on m'a appris à activer la double authentification",
        "j'ai reçu une alerte de connexion mais c'était moi sur mon ordi",
        "مش ناوي أنتحر ولا حاجة، بس زهقت",
        "كيف أبلغ عن التحرش بشكل عام؟",
        "الحمد لله ارتحت من اللي كان يضايقني، بدي بس أعرف كيف أفلتر الكلمات",
        "what should i do if someone threatens me one day?",
        "i changed my password this morning and now i keep getting logged out",
        "que faire si quelqu'un me harcèle un jour ?",
        "غيرت الإيميل امبارح وما وصلني كود التأكيد",
        "mes partiels vont me tuer",
        "ma mère va m'assassiner quand elle verra la facture mdr",
    ],
)
def test_harmless_look_alikes_do_not_match_and_are_recognised(lexicon, text):
    seen = lexicon.inspect(text)
    assert seen.matches == [], seen
    assert seen.guards or "update it" in text  # the screen sees why (and raises the classifier's bar)


def test_lexicon_alone_flags_through_the_screen(lexicon):
    verdict = SafetyScreen(lexicon, None).screen("fi 7ad hala2 da5el 3la l account w kaybdl l email")
    assert verdict.flagged and verdict.category == "account_takeover"
    assert not SafetyScreen(lexicon, None).screen("ميت من الضحك على الفلتر").flagged


def test_a_long_email_is_screened_in_linear_time(lexicon):
    # guards that cover a whole clause are anchored at clause starts and bounded, so a long
    # message without punctuation does not make them scan quadratically
    import time

    text = "hello team i have a question about my payouts and the editor keeps crashing when i export " * 60
    start = time.perf_counter()
    lexicon.inspect(text)
    short = time.perf_counter()
    lexicon.inspect(text[: len(text) // 4])
    quarter = time.perf_counter() - short
    assert (short - start) < 8 * max(quarter, 0.01)  # ~4x for 4x the text, not ~16x
