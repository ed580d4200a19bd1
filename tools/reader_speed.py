"""The reader's speed and accuracy at each CPU precision, and its share of an ask.

    python tools/reader_speed.py SQUAD.json [--questions 400] [--corpus seeds]

For fp32, bf16 autocast and int8 dynamic quantization: paragraph-given EM/F1 on the first N
questions of a SQuAD file and the milliseconds per question; then, on the corpus, the p50 of a
whole ask and of its reading part (the rest is retrieval and deciding). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

from qa import QA
from qa.eval.questions import evaluate_paragraphs, load_gold, summarize
from qa.read.span_reader import PRECISIONS, SpanReader

QUESTIONS = ["when did Kutcher resign?", "How old is Masterson?", "Who co-founded Thorn?",
             "What was Masterson convicted of?", "What is the capital of Australia?", "Where was Masterson sentenced?"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("squad")
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--corpus", default="seeds")
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    gold = load_gold(args.squad).questions[: args.questions]
    out: dict = {"questions": len(gold)}
    with tempfile.TemporaryDirectory() as tmp:
        bot = QA.from_folder(args.corpus, f"{tmp}/index")
        for precision in PRECISIONS:
            reader = SpanReader(precision=precision)
            reader.warm_up()
            started = time.perf_counter()
            report = summarize(evaluate_paragraphs(reader, gold, None), retrieval=False)
            per_q = (time.perf_counter() - started) * 1000 / len(gold)
            bot.reader = reader
            asks, reads = [], []
            for _ in range(3):
                for q in QUESTIONS:
                    t0 = time.perf_counter()
                    _, vector, passages = bot.retrieve(q, 12)
                    t1 = time.perf_counter()
                    reader.read(q, passages, vector)
                    reads.append((time.perf_counter() - t1) * 1000)
                    bot.ask(q)
                    asks.append((time.perf_counter() - t0) * 1000 - reads[-1] - (t1 - t0) * 1000)
            out[precision] = {"paragraph_em": report.exact_match, "paragraph_f1": report.f1,
                              "ms_per_question_batched": round(per_q, 1),
                              "seeds_ask_p50_ms": round(statistics.median(asks), 1),
                              "seeds_read_p50_ms": round(statistics.median(reads), 1)}
            print(precision, out[precision], flush=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
