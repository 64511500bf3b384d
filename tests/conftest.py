"""Shared fixtures: an app per test on a temporary database, a client, a scripted Rasa."""

from __future__ import annotations

import os

os.environ.setdefault("KB_WARM_UP", "false")  # unit tests swap in a small knowledge base

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from handoff import create_app
from handoff.language import LanguageDetector
from handoff.safety.lexicon import Lexicon
from handoff.safety.screen import SafetyScreen
from tests.fakes import ScriptedRasa

TOKEN = "test-token"


class _FixedDetector(LanguageDetector):
    """Language detection without lingua's models for hub unit tests: script and Arabizi rules only."""

    def _lingua(self):  # type: ignore[no-untyped-def]
        class _Nothing:
            def compute_language_confidence_values(self, text: str) -> list:
                return []

        return _Nothing()


@pytest.fixture
def rasa() -> ScriptedRasa:
    return ScriptedRasa()


@pytest.fixture
def app(tmp_path, rasa) -> Iterator[Flask]:  # type: ignore[no-untyped-def]
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
            "HUB_API_TOKEN": TOKEN,
            "SECRET_KEY": "test",
            "PRELOAD_LANGUAGE_MODELS": False,
            "LANGUAGE_DETECTOR": _FixedDetector(),
            "SAFETY_SCREEN": SafetyScreen(Lexicon(), None),
        }
    )
    app.extensions["conversations"].rasa = rasa
    yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="session")
def stack(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The real action server, Rasa server and hub, shared by end-to-end and browser tests."""
    from tests.stack import ROOT, Stack

    if not list((ROOT / "models").glob("*.tar.gz")):
        pytest.fail("no trained Rasa model in models/; run `make train` (make test does it)")
    if not (ROOT / "var" / "kb_index" / "manifest.json").exists():
        pytest.fail("no knowledge-base index; run `make index` (make test does it)")
    s = Stack(tmp_path_factory.mktemp("stack"))
    try:
        s.start()
        yield s
    finally:
        s.stop_all()
