"""`qa index | ask | check | eval | bench`: the command line. User mistakes print one line and exit 2, no traceback."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from qa.errors import QAError
from qa.question import DEFAULT_TOP_K, clean_question

DEFAULT_INDEX = "index"
DEFAULT_CORPUS = "seeds"
EXIT_USER_ERROR = 2
READER_MODEL_HELP = ("extractive-QA checkpoint folder (e.g. distilbert-base-cased-distilled-squad) to answer with "
                     "instead of the spaCy reader (default: $QA_READER_MODEL)")


def _open_bot(index: str | None, reader_model: str | None = None):
    """The index given, or ``index/`` (built from ``seeds/`` first when it does not exist yet)."""
    from qa.pipeline import QA

    if index is not None:
        if not Path(index).exists():
            raise QAError(f"index not found: {index} (build it with `qa index FOLDER --index {index}`)")
        return QA.load(index, reader_model=reader_model)
    if not (Path(DEFAULT_INDEX) / "manifest.json").exists():
        if not Path(DEFAULT_CORPUS).is_dir():
            raise QAError(f"no index at {DEFAULT_INDEX}/ and no {DEFAULT_CORPUS}/ folder: run `qa index FOLDER` first")
        print(f"no index yet: building {DEFAULT_INDEX}/ from {DEFAULT_CORPUS}/ first", file=sys.stderr)
        return QA.from_folder(DEFAULT_CORPUS, DEFAULT_INDEX, reader_model=reader_model)
    return QA.load(DEFAULT_INDEX, reader_model=reader_model)


def _marked_quote(ans) -> str:
    """The quote with the answer between » « marks."""
    if ans.answer is None or ans.quote is None:
        return ans.quote or ""
    a, b = ans.start - ans.quote_start, ans.end - ans.quote_start
    return f"{ans.quote[:a]}»{ans.quote[a:b]}«{ans.quote[b:]}"


def cmd_index(args: argparse.Namespace) -> int:
    from qa.embedding import Embedder
    from qa.pipeline import build_index

    folders = args.folders or [DEFAULT_CORPUS]
    _, report = build_index(folders, args.index or DEFAULT_INDEX, Embedder())
    print(
        f"indexed {len(report.embedded) + len(report.reused)} files into {args.index or DEFAULT_INDEX}/: "
        f"{len(report.embedded)} embedded, {len(report.reused)} unchanged, {len(report.dropped)} dropped, "
        f"{report.chunks} chunks"
    )
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    clean_question(args.question)  # a bad question fails before any model loads
    bot = _open_bot(args.index, args.reader_model)
    ans = bot.ask(args.question, top_k=args.top_k)
    if args.json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False, indent=2))
        return 0
    if ans.answer is None:
        print("The articles don't say. Closest passages:")
        for ev in ans.evidence:
            print(f"  - {ev.quote}\n    ({ev.source}:{ev.quote_start}-{ev.quote_end}, score {ev.score:.3f})")
        return 0
    print(f"Answer: {ans.answer}")
    print(f"Quote:  {_marked_quote(ans)}")
    print(f"Source: {ans.source}:{ans.start}-{ans.end}   score {ans.score:.3f}   sources {ans.agreement}")
    for ev in ans.evidence[1:]:
        print(f"  also: {ev.answer!r} in {ev.source}:{ev.start}-{ev.end} (score {ev.score:.3f})\n        {_marked_quote(ev)}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    clean_question(args.claim)  # a bad claim fails before any model loads
    bot = _open_bot(args.index)
    verdict = bot.check(args.claim, top_k=args.top_k)
    if args.json:
        print(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"Verdict: {verdict.verdict}   score {verdict.score:.2f}")
    if not verdict.evidence:
        print("No passage of the articles speaks to it.")
    elif verdict.verdict == "NOT_ENOUGH_INFO":
        print("The articles don't settle it. Closest passages:")
    else:
        print("Evidence:")
    for ev in verdict.evidence:
        where = f"{ev.source}:{ev.quote_start}-{ev.quote_end}"
        if ev.answer is not None:
            where += f", »{ev.answer}« at {ev.start}-{ev.end}"
        print(f"  - {_marked_quote(ev)}\n    ({where})")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Score the bot on a gold file; --calibrate sweeps the abstention threshold instead."""
    from qa import evaluate as ev

    gold = ev.load_gold(args.gold)  # a bad gold file fails before any model loads
    if args.calibrate:
        if gold.kind == "claims":
            raise QAError("--calibrate needs a question gold file (JSONL questions or SQuAD JSON), not claims")
        bot = ev.open_bot(gold, args.index, args.corpus, reader_model=args.reader_model)
        threshold, table = ev.calibrate_threshold(bot, gold.questions, top_k=args.top_k)
        if args.json:
            print(json.dumps({"threshold": threshold, "table": [r.to_dict() for r in table]}, indent=2))
        else:
            print(ev.format_calibration(threshold, table))
        return 0
    progress = None
    if not args.json and sys.stderr.isatty():
        from tqdm import tqdm

        def progress(items):
            return tqdm(items, desc="asking", unit="q", file=sys.stderr, leave=False)

    report = ev.evaluate(gold, index=args.index, corpus=args.corpus, top_k=args.top_k, threshold=args.threshold,
                         progress=progress, reader_model=args.reader_model)
    if args.out:
        ev.write_details(report, args.out)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(ev.format_report(report))
        if args.out:
            unit = "claim" if report.kind == "claims" else "question"
            print(f"per-{unit} report (misses first): {args.out}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Time indexing, asking, retrieval and memory beside LangChain's FAISS store (see qa/bench.py)."""
    from qa import bench

    sizes = tuple(s for s in args.sizes.split(",") if s)
    unknown = [s for s in sizes if s not in bench.SIZES]
    if unknown:
        raise QAError(f"unknown size {', '.join(unknown)}: choose from {', '.join(bench.SIZES)}")
    report = bench.run_bench(sizes, embed_chunks=args.embed_chunks, ask_max=args.ask_max, peer=not args.no_peer,
                             log=lambda line: print(line, file=sys.stderr))
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.format())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Extractive fact-checking QA over a folder of articles.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and model loading")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or update the index of one or more folders")
    p.add_argument("folders", nargs="*", help=f"folders of .txt/.md articles (default: {DEFAULT_CORPUS})")
    p.add_argument("--index", help=f"index folder (default: {DEFAULT_INDEX})")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer a question with a verbatim quote")
    p.add_argument("question")
    p.add_argument("--index", help=f"index folder (default: {DEFAULT_INDEX}, built from {DEFAULT_CORPUS}/ if missing)")
    p.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, help=f"chunks to read (default: {DEFAULT_TOP_K})")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--reader-model", help=READER_MODEL_HELP)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("check", help="judge a claim: SUPPORTED, REFUTED or NOT_ENOUGH_INFO, with quoted evidence")
    p.add_argument("claim")
    p.add_argument("--index", help=f"index folder (default: {DEFAULT_INDEX}, built from {DEFAULT_CORPUS}/ if missing)")
    p.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, help=f"chunks to read (default: {DEFAULT_TOP_K})")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("eval", help="score answers against a gold file (question/claim JSONL or SQuAD JSON)")
    p.add_argument("gold", help="question JSONL, claim JSONL, or SQuAD v1.1/v2.0 JSON")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--index", help="evaluate this existing index")
    where.add_argument("--corpus", help=f"index this folder under .cache/eval/ (default for JSONL: {DEFAULT_CORPUS}; "
                                        "SQuAD: its own articles)")
    p.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, help=f"chunks to read (default: {DEFAULT_TOP_K})")
    p.add_argument("--threshold", type=float, help="abstention threshold (default: the bot's)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--out", help="write a per-question report JSON here, misses first")
    p.add_argument("--calibrate", action="store_true", help="sweep the abstention threshold and print the best")
    p.add_argument("--reader-model", help=READER_MODEL_HELP)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("bench", help="measure indexing, asking, retrieval and memory beside LangChain FAISS")
    p.add_argument("--sizes", default="10k,100k", help="larger corpora to time: any of 10k,100k,1M (default: 10k,100k)")
    p.add_argument("--embed-chunks", type=int, default=1000, help="chunks of real text to embed for indexing speed")
    p.add_argument("--ask-max", type=int, default=10_000,
                   help="time full asks on synthetic text corpora up to this many chunks (default: 10000)")
    p.add_argument("--no-peer", action="store_true", help="skip LangChain FAISS (not installed, or to save time)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_bench)
    return parser


def run(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        return args.func(args)
    except QAError as err:
        print(f"qa: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("qa: interrupted; the previous index is unchanged", file=sys.stderr)
        return 130


def main() -> None:
    sys.exit(run(sys.argv[1:]))
if __name__ == "__main__":
    main()
