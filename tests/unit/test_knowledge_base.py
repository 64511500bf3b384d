"""Knowledge-base library with a fake encoder: parsing, validation, incremental index, hybrid search."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from knowledge_base.articles import ArticleFormatError, MarkdownSource, parse_article
from knowledge_base.calibration import Calibration
from knowledge_base.index import build_index, load_index
from knowledge_base.search import KnowledgeBase
from knowledge_base.validate import validate_source
from tests.fakes import HashingEncoder, simple_analyzer

CATALOGUE = """
articles:
  - id: withdraw-earnings
    title: Withdraw your earnings
    locales: [en, fr]
    route: answer
  - id: live-eligibility
    title: Who can go LIVE
    locales: [en, fr, ar]
    route: answer
  - id: payout-missing
    title: A payout is late or missing
    locales: [en]
    route: handoff
"""


def write(root: Path, locale: str, article_id: str, title: str, body: str, route: str = "answer", **extra: str) -> Path:
    path = root / locale / f"{article_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    related = extra.get("related", "[]")
    path.write_text(
        f"---\nid: {article_id}\nlocale: {locale}\ntitle: {title}\nroute: {route}\ntags: [money]\n"
        f"owner: test\nupdated: 2026-11-25\nversion: 1\nrelated: {related}\n---\n{body}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "articles"
    write(root, "en", "withdraw-earnings", "Withdraw your earnings",
          "Cash out your balance.\n\n## How to withdraw\nGo to Balance then Withdraw and pick paypal or bank transfer.\n\n"
          "## Minimum amount\nThe minimum withdrawal is 10 USD, one withdrawal per day.")
    write(root, "fr", "withdraw-earnings", "Retirer vos gains",
          "## Comment retirer\nAllez dans Solde puis Retirer et choisissez paypal ou virement bancaire.")
    write(root, "en", "live-eligibility", "Who can go LIVE",
          "## Requirements\nYou need to be 18 and have 1000 followers to go live on a public account.")
    write(root, "fr", "live-eligibility", "Qui peut faire un LIVE",
          "## Conditions\nIl faut avoir 18 ans et 1000 abonnés pour lancer un live.")
    write(root, "ar", "live-eligibility", "من يمكنه البث المباشر",
          "## الشروط\nيجب أن يكون عمرك 18 عاما ولديك 1000 متابع للبث المباشر live.")
    write(root, "en", "payout-missing", "A payout is late or missing",
          "## Late payout\nWithdrawals can take up to 15 days; past that an associate checks the payout.", route="handoff")
    return root


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    path = tmp_path / "catalogue.yml"
    path.write_text(CATALOGUE, encoding="utf-8")
    return path


def make_kb(index_dir: Path, threshold: float = 0.5) -> KnowledgeBase:
    return KnowledgeBase(
        index_dir, HashingEncoder(),
        calibration=Calibration(bias=-3.0, w_dense=8.0, w_bm25=1.0, w_margin=2.0, w_agreement=0.5, threshold=threshold),
        analyzer=simple_analyzer,
    )


def test_parse_article_splits_sections_and_merges_short_intro():
    article = parse_article(
        "---\nid: a\nlocale: en\ntitle: T\nroute: answer\n---\nShort intro.\n\n## One\nFirst.\n\n## Two\nSecond.\n"
    )
    passages = article.passages()
    assert [p.heading for p in passages] == ["One", "Two"]
    assert passages[0].text.startswith("Short intro.")


def test_parse_article_errors_name_file_and_line():
    with pytest.raises(ArticleFormatError) as err:
        parse_article("no front matter", "x.md")
    assert str(err.value).startswith("x.md:1:")
    with pytest.raises(ArticleFormatError) as err:
        parse_article("---\nid: a\nlocale: [unclosed\n---\nbody", "y.md")
    assert err.value.path == "y.md" and err.value.line >= 2


def test_validate_reports_each_problem_with_location(corpus, catalogue):
    write(corpus, "fr", "unknown-id", "X", "## S\ntext")
    write(corpus, "en", "live-eligibility", "Who can go LIVE", "## R\ntext", related="[nope]")
    (corpus / "fr" / "withdraw-earnings.md").unlink()
    problems = [str(p) for p in validate_source(MarkdownSource(corpus), catalogue)]
    assert any("unknown-id.md" in p and "unknown article id" in p for p in problems)
    assert any("live-eligibility.md:" in p and "related id 'nope'" in p for p in problems)
    assert any("missing" in p and "withdraw-earnings" in p and "'fr'" in p for p in problems)


def test_validate_passes_a_clean_corpus(corpus, catalogue):
    assert validate_source(MarkdownSource(corpus), catalogue) == []


def test_build_is_incremental(corpus, tmp_path):
    index = tmp_path / "index"
    first = build_index(MarkdownSource(corpus).load(), HashingEncoder(), index, analyzer=simple_analyzer)
    assert first.version == 1 and len(first.embedded_articles) == 6
    again = build_index(MarkdownSource(corpus).load(), HashingEncoder(), index, analyzer=simple_analyzer)
    assert again.embedded_articles == [] and again.version == 1
    write(corpus, "en", "live-eligibility", "Who can go LIVE", "## Requirements\nNow you need 5000 followers.")
    changed = build_index(MarkdownSource(corpus).load(), HashingEncoder(), index, analyzer=simple_analyzer)
    assert changed.embedded_articles == ["en/live-eligibility"] and changed.version == 2
    (corpus / "en" / "payout-missing.md").unlink()
    removed = build_index(MarkdownSource(corpus).load(), HashingEncoder(), index, analyzer=simple_analyzer)
    assert removed.removed_articles == ["en/payout-missing"]
    data = load_index(index)
    assert data is not None
    assert {ip.passage.article_id for ip in data.passages} == {"withdraw-earnings", "live-eligibility"}
    assert data.vectors.shape[0] == len(data.passages)


def test_hybrid_search_ranks_the_right_article(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(MarkdownSource(corpus).load(), HashingEncoder(), index, analyzer=simple_analyzer)
    kb = make_kb(index)
    result = kb.search("how do i withdraw to paypal", locale="en")
    assert result.best is not None and result.best.article_id == "withdraw-earnings"
    assert result.best.heading == "How to withdraw"
    fr = kb.search("comment retirer vers paypal", locale="fr")
    assert fr.best.article_id == "withdraw-earnings" and fr.best.locale == "fr"


def test_fallback_locale_when_article_missing_in_language(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(MarkdownSource(corpus).load(), HashingEncoder(), index, analyzer=simple_analyzer)
    kb = make_kb(index)
    result = kb.search("withdraw paypal", locale="ar")
    assert result.best.article_id == "withdraw-earnings"
    assert result.best.locale == "en" and result.best.locale_fallback is True


def test_answerable_flag_follows_calibration(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(MarkdownSource(corpus).load(), HashingEncoder(), index, analyzer=simple_analyzer)
    good = make_kb(index).search("minimum withdrawal amount per day", locale="en")
    off_topic = make_kb(index).search("recommend pizza restaurants tonight", locale="en")
    assert good.answerable is True
    assert off_topic.answerable is False
    assert make_kb(index, threshold=0.9999).search("minimum withdrawal amount per day").answerable is False


def test_running_kb_notices_new_index_version(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(MarkdownSource(corpus).load(), HashingEncoder(), index, analyzer=simple_analyzer)
    kb = make_kb(index)
    assert kb.search("subscriptions emotes badges").best.article_id != "subscriptions"
    write(corpus, "en", "subscriptions", "Subscriptions", "## Subscribers\nSubscribers pay monthly for badges and emotes.")
    time.sleep(0.01)
    build_index(MarkdownSource(corpus).load(), HashingEncoder(), index, analyzer=simple_analyzer)
    assert kb.search("subscriptions emotes badges").best.article_id == "subscriptions"


def test_exclude_gives_the_next_article(corpus, tmp_path):
    index = tmp_path / "index"
    build_index(MarkdownSource(corpus).load(), HashingEncoder(), index, analyzer=simple_analyzer)
    result = make_kb(index).search("withdraw payout", locale="en", exclude=["withdraw-earnings"])
    assert all(h.article_id != "withdraw-earnings" for h in result.hits)


def test_search_phrases_route_another_language_to_the_article(corpus, tmp_path):
    path = corpus / "en" / "withdraw-earnings.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("related: []", "related: []\nsearch_phrases:\n  ar: [\"كيفاش نسحب فلوسي\"]"),
                    encoding="utf-8")
    index = tmp_path / "index"
    build_index(MarkdownSource(corpus).load(), HashingEncoder(), index, analyzer=simple_analyzer)
    result = make_kb(index).search("كيفاش نسحب فلوسي", locale="ar")
    assert result.best.article_id == "withdraw-earnings"
    assert result.best.locale == "en" and result.best.locale_fallback  # shown in English, never as "ar"


def test_incremental_build_keeps_search_phrases_of_unchanged_articles(corpus, tmp_path):
    path = corpus / "en" / "withdraw-earnings.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "related: []", "related: []\nsearch_phrases:\n  ar: [\"كيفاش نسحب فلوسي\"]"), encoding="utf-8")
    index = tmp_path / "index"
    first = build_index(MarkdownSource(corpus).load(), HashingEncoder(), index, analyzer=simple_analyzer)
    write(corpus, "en", "live-eligibility", "Who can go LIVE", "## Requirements\nNow 5000 followers.")
    second = build_index(MarkdownSource(corpus).load(), HashingEncoder(), index, analyzer=simple_analyzer)
    assert second.passages == first.passages
    data = load_index(index)
    assert any(ip.passage.locale == "ar" and ip.passage.article_id == "withdraw-earnings" for ip in data.passages)


def test_score_fusion_keeps_how_far_ahead_a_retriever_is():
    from knowledge_base.search import _score_fusion

    dense = {"change-username": 0.531, "verified-badge": 0.480, "report-impersonation": 0.524, "other": 0.20}
    bm25 = {"change-username": 0.741, "verified-badge": 1.0, "report-impersonation": 0.579, "other": 0.1}
    ranks = {a: i + 1 for i, a in enumerate(sorted(bm25, key=lambda a: -bm25[a]))}
    fused = _score_fusion(list(dense), dense, bm25, ranks)
    # rank fusion ties these two on ranks (1st+2nd vs 2nd+1st); the scores say BM25's lead is the larger one
    assert max(fused, key=fused.get) == "verified-badge"
    # an article with no version in the query's language is judged by its dense score alone
    fused = _score_fusion(["a", "b"], {"a": 0.9, "b": 0.5}, {"b": 2.0}, {"a": 1, "b": 1})
    assert fused["a"] > fused["b"]


class CountingEncoder(HashingEncoder):
    """Counts what the encoder really ran on."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts):  # type: ignore[no-untyped-def]
        self.seen.extend(texts)
        return super().encode(texts)


def test_analysis_change_and_edits_reuse_vectors_of_unchanged_texts(corpus, tmp_path, monkeypatch):
    import knowledge_base.index as index_module

    index = tmp_path / "index"
    encoder = CountingEncoder()
    first = build_index(MarkdownSource(corpus).load(), encoder, index, analyzer=simple_analyzer)
    assert first.encoded_passages == len(encoder.seen) == first.passages
    before = load_index(index)
    # a new text analysis: every article is analysed again, nothing is embedded again
    monkeypatch.setattr(index_module, "ANALYSIS_VERSION", index_module.ANALYSIS_VERSION + 1)
    encoder.seen.clear()
    reanalysed = build_index(MarkdownSource(corpus).load(), encoder, index,
                             analyzer=lambda loc: (lambda text: simple_analyzer(loc)(text) + ["x"]))
    assert len(reanalysed.embedded_articles) == 6 and encoder.seen == [] and reanalysed.encoded_passages == 0
    after = load_index(index)
    assert all(ip.terms[-1] == "x" for ip in after.passages)
    assert np.array_equal(before.vectors, after.vectors)
    # an edit to one section: only that section's text is encoded
    write(corpus, "en", "live-eligibility", "Who can go LIVE", "## Requirements\nNow you need 5000 followers.")
    encoder.seen.clear()
    edited = build_index(MarkdownSource(corpus).load(), encoder, index, analyzer=simple_analyzer)
    assert edited.embedded_articles == ["en/live-eligibility"]
    assert len(encoder.seen) == 1 and "5000" in encoder.seen[0]
