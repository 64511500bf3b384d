"""Parsing of the details an associate needs."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.actions.details import parse_amount, parse_contact, parse_date, parse_payment_method, parse_username

TODAY = dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("3 mars", "fr", "2026-03-03"),
        ("march 3", "en", "2026-03-03"),
        ("hier", "fr", "2026-11-24"),
        ("yesterday", "en", "2026-11-24"),
        ("امبارح", "ar", "2026-11-24"),
        ("من أسبوعين", "ar", "2026-11-11"),
        ("2 weeks ago", "en", "2026-11-11"),
        ("il y a 3 jours", "fr", "2026-11-22"),
        ("2026-10-03", "en", "2026-10-03"),
        ("le 3 octobre", "fr", "2026-10-03"),
        ("blah", "en", None),
        ("", "en", None),
    ],
)
def test_parse_date(text, lang, expected):
    assert parse_date(text, lang, today=TODAY) == expected


def test_future_dates_move_to_the_past_year():
    assert parse_date("december 20", "en", today=TODAY) == "2025-12-20"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("50€", "50 EUR"), ("50 euros", "50 EUR"), ("$300", "300 USD"), ("120 USD", "120 USD"),
        ("45,50 €", "45.5 EUR"), ("2k dirhams", "2000 MAD"), ("300 درهم", "300 MAD"), ("١٥٠ دولار", "150 USD"),
        ("1 200 euros", "1200 EUR"), ("50", None), ("cinquante", None), ("euros", None),
    ],
)
def test_parse_amount(text, expected):
    assert parse_amount(text) == expected


def test_payment_methods_in_three_languages():
    assert parse_payment_method("PayPal") == "paypal"
    assert parse_payment_method("virement bancaire") == "bank_transfer"
    assert parse_payment_method("تحويل بنكي") == "bank_transfer"
    assert parse_payment_method("باي بال") == "paypal"
    assert parse_payment_method("western union") is None


def test_usernames_and_contacts():
    assert parse_username("@lina_makeup") == "@lina_makeup"
    assert parse_username("c'est lina.mkp") == "@lina.mkp"
    assert parse_username("x") is None
    assert parse_username("@" + "a" * 30) is None
    assert parse_contact("my mail is lina@gmail.com") == "lina@gmail.com"
    assert parse_contact("+33 6 12 34 56 78") == "+33612345678"
    assert parse_contact("no idea") is None
