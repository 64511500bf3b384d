"""The ``kb`` command: validate, build, search, eval."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from knowledge_base.search import MODES
from knowledge_base.settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="kb", description="Creator-support knowledge base")
    sub = parser.add_subparsers(dest="command", required=True)

    p_val = sub.add_parser("validate", help="check every article file")
    p_val.add_argument("--partial", action="store_true", help="don't report articles missing from the catalogue")

    sub.add_parser("build", help="build or update the search index (only changed articles are re-embedded)")

    p_watch = sub.add_parser("watch", help="rebuild the index whenever an article file changes")
    p_watch.add_argument("--interval", type=float, default=1.0)

    p_search = sub.add_parser("search", help="search the knowledge base")
    p_search.add_argument("--locale", default="en")
    p_search.add_argument("--top", type=int, default=3)
    p_search.add_argument("--mode", default="hybrid", choices=list(MODES))
    p_search.add_argument("--json", action="store_true")
    p_search.add_argument("text", nargs="+")

    p_eval = sub.add_parser("eval", help="measure retrieval on the dev set")
    p_eval.add_argument("--mode", default="hybrid", choices=list(MODES))
    p_eval.add_argument("--calibrate", action="store_true", help="fit the answerable model and store it")
    p_eval.add_argument("--json", action="store_true")
    p_eval.add_argument("--devset", type=Path, default=None,
                        help="another question file in the format of devset/answerable.yml (e.g. a held-out set)")
    p_eval.add_argument("--misses", action="store_true", help="also list wrong first hits and wrongly answered questions")
    p_eval.add_argument("--ablation", action="store_true",
                        help="BM25-alone and hybrid hit@1 per language with each analysis step switched off")

    args = parser.parse_args(argv)
    settings = Settings.from_env()
    try:
        if args.command == "validate":
            return _validate(settings, args.partial)
        if args.command == "build":
            return _build(settings)
        if args.command == "watch":
            return _watch(settings, args.interval)
        if args.command == "search":
            return _search(settings, " ".join(args.text), args.locale, args.top, args.mode, args.json)
        if args.command == "eval":
            from knowledge_base.evaluation import run_eval_command

            return run_eval_command(settings, args.mode, args.calibrate, args.json, devset=args.devset,
                                    show_misses=args.misses, ablation=args.ablation)
    except KeyboardInterrupt:
        return 130
    return 2


def _validate(settings: Settings, partial: bool) -> int:
    from knowledge_base.articles import MarkdownSource
    from knowledge_base.validate import validate_source

    problems = validate_source(MarkdownSource(settings.articles_dir), settings.catalogue_path)
    if partial:
        problems = [p for p in problems if not p.message.startswith("missing:")]
    for p in problems:
        print(p, file=sys.stderr)
    n = len(list(MarkdownSource(settings.articles_dir).files()))
    if problems:
        print(f"kb validate: {len(problems)} problem(s) in {n} article file(s)", file=sys.stderr)
        return 1
    print(f"kb validate: {n} article file(s) OK")
    return 0


def _load_articles(settings: Settings):  # type: ignore[no-untyped-def]
    from knowledge_base.articles import ArticleFormatError, MarkdownSource

    try:
        return MarkdownSource(settings.articles_dir).load()
    except ArticleFormatError as exc:
        print(f"kb: {exc}", file=sys.stderr)
        return None


def _build(settings: Settings) -> int:
    from knowledge_base.encoder import load_encoder
    from knowledge_base.index import build_index

    articles = _load_articles(settings)
    if articles is None:
        return 1
    report = build_index(articles, load_encoder(settings.encoder), settings.index_dir)
    print(
        f"kb build: index v{report.version}: {report.articles} articles, {report.passages} passages; "
        f"updated {len(report.embedded_articles)} (encoded {report.encoded_passages} passages), "
        f"removed {len(report.removed_articles)} in {report.seconds:.2f}s -> {settings.index_dir}"
    )
    return 0


def _watch(settings: Settings, interval: float) -> int:
    from knowledge_base.articles import MarkdownSource
    from knowledge_base.encoder import load_encoder
    from knowledge_base.index import build_index

    encoder = load_encoder(settings.encoder)
    source = MarkdownSource(settings.articles_dir)
    last: dict[Path, float] | None = None
    print(f"kb watch: watching {settings.articles_dir}", flush=True)
    while True:
        snapshot = {p: p.stat().st_mtime for p in source.files()}
        if snapshot != last:
            articles = _load_articles(settings)
            if articles is not None:
                report = build_index(articles, encoder, settings.index_dir)
                if report.embedded_articles or report.removed_articles:
                    print(
                        f"kb watch: index v{report.version}: re-embedded {report.embedded_articles}, "
                        f"removed {report.removed_articles} in {report.seconds:.2f}s",
                        flush=True,
                    )
            last = snapshot
        time.sleep(interval)


def _search(settings: Settings, text: str, locale: str, top: int, mode: str, as_json: bool) -> int:
    from knowledge_base.encoder import load_encoder
    from knowledge_base.search import KnowledgeBase

    kb = KnowledgeBase(
        settings.index_dir,
        load_encoder(settings.encoder),
        fallback_locales=settings.fallback_locales,
        answer_threshold=settings.answer_threshold or None,
    )
    if kb.version == 0:
        print(f"kb: no index in {settings.index_dir}; run `kb build` first", file=sys.stderr)
        return 1
    result = kb.search(text, locale=locale, top=top, mode=mode)
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return 0
    flag = "answerable" if result.answerable else "NOT answerable"
    print(f"{flag} (confidence {result.confidence:.2f}) for: {text!r} [{locale}]")
    for rank, hit in enumerate(result.hits, 1):
        note = " (fallback locale)" if hit.locale_fallback else ""
        print(
            f"{rank}. {hit.article_id} [{hit.locale}]{note} {hit.title}\n"
            f"   fused={hit.score:.4f} dense={hit.dense:.3f} bm25={hit.bm25:.3f}\n"
            f"   ## {hit.heading}\n   " + hit.passage.replace("\n", "\n   ")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
