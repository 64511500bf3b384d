"""The real safety screen (lexicon files, exemplars, multilingual encoder) on everyday and urgent messages."""

from __future__ import annotations

import pytest

from handoff.safety.screen import default_screen

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def screen():  # type: ignore[no-untyped-def]
    return default_screen()


@pytest.mark.parametrize(
    "text",
    [
        "I want to talk to a human",
        "je veux parler à un conseiller svp",
        "how do I withdraw my earnings to paypal",
        "this beat kills, what sound is it",
        "je suis mort de rire avec ce filtre",
        "ميت من الضحك على الفيديو ديالي",
        "my account got hacked last month and I still can't log in",
        "i got a new-login email but it was me on my work laptop",
        "how do i report bullying in general? just want to know the steps",
        "i'm not suicidal lol, this export bug is just driving me nuts",
        "je suis pas suicidaire hein, c'est juste ce bug qui me saoule",
        "mon chien m'attaque les lacets tous les matins, je fais une compil",
        "كيف أبلغ عن التحرش بشكل عام؟",
    ],
)
def test_everyday_messages_pass(screen, text):
    verdict = screen.screen(text)
    assert not verdict.flagged, verdict.signals


@pytest.mark.parametrize(
    "text, category",
    [
        ("honestly i just want to end it all tonight", "self_harm"),
        ("j'ai envie de me suicider", "self_harm"),
        ("someone posted my home address and phone number in the comments", "doxxing"),
        ("he says he'll send my nudes to my family unless I pay him", "sextortion"),
        ("jvais me foutre en l'air ce soir", "self_harm"),
        ("someone is in my account right now changing my email", "account_takeover"),
        ("7ad daba da5el l compte dyali w kaybdl l mot de passe", "account_takeover"),
        ("wa7ed 7at l3nwan dyal dari f story dyalo", "doxxing"),
    ],
)
def test_urgent_messages_are_flagged(screen, text, category):
    verdict = screen.screen(text)
    assert verdict.flagged and verdict.category == category, verdict.signals
