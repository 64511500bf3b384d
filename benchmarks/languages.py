"""The language the hub would send with each benchmark message (runs in .venv, where the hub lives).

The NLU cross-validation (benchmarks/nlu.py, in .venv-rasa) parses every test
message with the ``metadata.language`` the hub attaches in production: the
hub's detection of the message in a conversation held in the example's own
language (so a short or unclear message keeps that language, and a message
that reads as another language switches, as it would live).

    stdin:  JSON [[text, conversation_language], ...]
    stdout: JSON [language, ...]
"""

from __future__ import annotations

import json
import sys

from handoff.language import LanguageDetector


def main() -> int:
    pairs = json.load(sys.stdin)
    detector = LanguageDetector()
    json.dump([detector.detect(text, current=current).language for text, current in pairs], sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
