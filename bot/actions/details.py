"""Parsing the details an associate needs: dates, amounts, payment methods, usernames, contacts.

Pure functions (no Rasa), each returning a normalised value or None.
"""

from __future__ import annotations

import datetime as dt
import re

_RELATIVE = [
    (re.compile(r"^(today|aujourd'?hui|auj|اليوم|lyoum|lyom|el ?naharda|النهارده)$", re.I), 0),
    (re.compile(r"^(yesterday|yday|hier|امس|أمس|البارح|البارحة|امبارح|إمبارح|lbare7|lbareh|embare7|mbare7)$", re.I), 1),
    (re.compile(r"^(avant[- ]hier|the day before yesterday|قبل امس|قبل أمس)$", re.I), 2),
]
_AGO = re.compile(
    r"(?:il y a|y a|ya|depuis|من|قبل|hadi|men)?\s*(\d+|a|an|one|un|une|deux|two|three|trois)\s*"
    r"(days?|jours?|j|weeks?|semaines?|sem|months?|mois|ايام|أيام|يوم|اسابيع|أسابيع|اسبوع|أسبوع|شهر|شهور|اشهر|أشهر|iyam|ayam|simana|simanat|chhar|chhour)\s*(ago)?",
    re.I,
)
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "un": 1, "une": 1, "two": 2, "deux": 2, "three": 3, "trois": 3}
_AR_COUNT_WORDS = [
    (re.compile(r"(من|قبل)\s*(اسبوعين|أسبوعين)"), 14),
    (re.compile(r"(من|قبل)\s*(يومين)"), 2),
    (re.compile(r"(من|قبل)\s*(شهرين)"), 60),
    (re.compile(r"(من|قبل)\s*(اسبوع|أسبوع|جمعة)"), 7),
    (re.compile(r"(من|قبل)\s*(شهر)"), 30),
]

CURRENCIES = {
    "EUR": ["€", "eur", "euro", "euros", "يورو", "اورو", "أورو"],
    "USD": ["$", "usd", "dollar", "dollars", "dollard", "دولار", "دولارات"],
    "GBP": ["£", "gbp", "pound", "pounds", "livre", "livres", "جنيه استرليني"],
    "MAD": ["mad", "dh", "dhs", "dirham", "dirhams", "درهم", "دراهم"],
    "AED": ["aed", "درهم اماراتي"],
    "EGP": ["egp", "جنيه", "جنيهات", "جنيه مصري", "ginih", "geneh"],
    "SAR": ["sar", "riyal", "ريال", "ريال سعودي"],
    "CAD": ["cad", "cad$"],
    "CHF": ["chf", "franc suisse", "francs suisses"],
}
_CURRENCY_LOOKUP = sorted(
    ((alias, code) for code, aliases in CURRENCIES.items() for alias in aliases), key=lambda x: -len(x[0])
)
_NUMBER = re.compile(r"(\d{1,3}(?:[ \u202f.,]\d{3})+|\d+)(?:[.,](\d{1,2}))?\s*(k)?(?![\d])", re.I)
_AR_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")

PAYMENT_METHODS = {
    "paypal": ["paypal", "pay pal", "payapl", "paypall", "باي بال", "بايبال", "باي بل"],
    "bank_transfer": [
        "bank", "bank transfer", "bank_transfer", "wire", "virement", "virement bancaire", "banque", "rib", "iban",
        "تحويل بنكي", "البنك", "بنك", "تحويل", "bnk", "lbanka", "banka",
    ],
}
USERNAME = re.compile(r"^@?([A-Za-z0-9_.]{2,24})$")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"\+?\d[\d\s().-]{6,18}\d")


def parse_date(text: str, language: str = "en", today: dt.date | None = None) -> str | None:
    """An ISO date for ``text`` (absolute or relative, en/fr/ar), never in the future."""
    today = today or dt.date.today()
    raw = (text or "").strip().lower().translate(_AR_DIGITS)
    if not raw:
        return None
    for pattern, days in _RELATIVE:
        if pattern.match(raw):
            return (today - dt.timedelta(days=days)).isoformat()
    for pattern, days in _AR_COUNT_WORDS:
        if pattern.search(raw):
            return (today - dt.timedelta(days=days)).isoformat()
    m = _AGO.fullmatch(raw) or (_AGO.search(raw) if re.search(r"ago|il y a|من|قبل|hadi", raw) else None)
    if m:
        n = _WORD_NUMBERS.get(m.group(1).lower()) or int(m.group(1)) if m.group(1).isdigit() or m.group(1).lower() in _WORD_NUMBERS else None
        unit = m.group(2).lower()
        if n is not None:
            factor = 1
            if unit.startswith(("week", "sem", "اسب", "أسب", "سيم", "simana")):
                factor = 7
            elif unit.startswith(("month", "mois", "شهر", "اشهر", "أشهر", "شهور", "chh")):
                factor = 30
            return (today - dt.timedelta(days=n * factor)).isoformat()
    import dateparser  # type: ignore[import-untyped]

    parsed = dateparser.parse(
        raw,
        languages=[language, "en", "fr", "ar"] if language in ("en", "fr", "ar") else None,
        settings={"PREFER_DATES_FROM": "past", "RELATIVE_BASE": dt.datetime.combine(today, dt.time())},
    )
    if parsed is None:
        return None
    date = parsed.date()
    if date > today:
        try:
            date = date.replace(year=date.year - 1)
        except ValueError:
            return None
    if date < today - dt.timedelta(days=3 * 365):
        return None
    return date.isoformat()


def parse_amount(text: str) -> str | None:
    """``"50 EUR"`` style amount with its currency, or None without a number and a currency."""
    raw = (text or "").lower().translate(_AR_DIGITS)
    currency = None
    for alias, code in _CURRENCY_LOOKUP:
        if alias in ("$", "€", "£"):
            if alias in raw:
                currency = code
                break
        elif re.search(rf"(?<![a-z\u0600-\u06ff]){re.escape(alias)}(?![a-z\u0600-\u06ff])", raw):
            currency = code
            break
    m = _NUMBER.search(raw)
    if not m or currency is None:
        return None
    whole = re.sub(r"[ \u202f.,]", "", m.group(1))
    value = float(whole) + (float(f"0.{m.group(2)}") if m.group(2) else 0.0)
    if m.group(3):
        value *= 1000
    if value <= 0 or value > 10_000_000:
        return None
    number = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{number} {currency}"


def parse_payment_method(text: str) -> str | None:
    """``paypal`` or ``bank_transfer``."""
    raw = (text or "").lower().strip()
    for method, aliases in PAYMENT_METHODS.items():
        if any(alias in raw for alias in aliases):
            return method
    return None


def parse_username(text: str) -> str | None:
    """``@handle`` when the text is (or contains) a valid username: 2-24 letters, digits, _ and ."""
    raw = (text or "").strip()
    candidates = re.findall(r"@([A-Za-z0-9_.]{2,24})\b", raw) or [raw.split()[-1]] if raw else []
    for c in candidates:
        m = USERNAME.match(c.strip().rstrip(".,!?"))
        if m:
            return "@" + m.group(1)
    return None


def parse_contact(text: str) -> str | None:
    """An email address, or a phone number with at least 8 digits."""
    raw = (text or "").strip()
    m = EMAIL.search(raw)
    if m:
        return m.group(0)
    m = PHONE.search(raw.translate(_AR_DIGITS))
    if m and len(re.sub(r"\D", "", m.group(0))) >= 8:
        return re.sub(r"[\s().-]", "", m.group(0))
    return None
