"""Language detection rules that need no language model."""

from __future__ import annotations

from handoff.language import LanguageDetector, is_arabizi


class _NoLingua(LanguageDetector):
    def _lingua(self):  # type: ignore[no-untyped-def]
        class _Nothing:
            def compute_language_confidence_values(self, text: str) -> list:
                return []

        return _Nothing()


def test_arabic_script_wins_over_markup_and_links():
    d = _NoLingua()
    assert d.detect("<script>window.pwned=1</script> كيف أسحب أرباحي", "en").language == "ar"
    assert d.detect("https://vm.example.com/abc كيف أسحب أرباحي", "fr").language == "ar"


def test_arabizi_rule():
    assert is_arabizi(["7sabi", "mt3tal"])
    assert is_arabizi(["bghit", "nsahb", "flousi"])
    assert not is_arabizi(["how", "do", "i", "withdraw", "my", "money"])


def test_short_messages_keep_the_conversation_language():
    d = _NoLingua()
    assert d.detect("ok", "fr").language == "fr" and not d.detect("ok", "fr").confident
    assert d.detect("merci", "en").language == "fr"
