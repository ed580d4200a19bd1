"""Train the candidate ranker on half of a SQuAD file and report what it scores on the other half.

    python -m qa.train_ranker [SQUAD_JSON] [--out qa/data/ranker.json]

The split is by paragraph, deterministically: questions about even-numbered paragraphs of each
article train, questions about odd-numbered ones are held out and only scored. The regularisation
strength is chosen by two-fold cross-validation inside the training half. Questions are asked
open-corpus, exactly as ``qa eval`` asks them, so the features are the ones the reader sees at
run time. The weights (trained on the training half only) are written with the held-out scores
in their metadata; the seeds gold set is never used here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qa.embedding import Embedder
from qa.evaluate import DEFAULT_CACHE, GoldQuestion, evaluate, load_gold, write_squad_corpus
from qa.normalize import exact_match, f1
from qa.pipeline import QA, build_index
from qa.ranker import FEATURES, Ranker, fit_listwise
from qa.reader import Passage, SpacyReader

log = logging.getLogger(__name__)

DEFAULT_SQUAD = "../shared/benchmarks/squad-v1.1-dev-super-bowl-50.json"
DEFAULT_OUT = Path(__file__).parent / "data" / "ranker.json"
L2_GRID = (3.0, 10.0, 30.0, 100.0)
LABEL_POWER = 3
TOP_K = 5


@dataclass(frozen=True)
class QuestionRows:
    """One question's candidates: features, answers and soft labels (the best F1 against a gold answer)."""

    question: GoldQuestion
    train: bool
    answers: tuple[str, ...]
    features: np.ndarray
    labels: np.ndarray


def paragraph_split(squad_path: str | os.PathLike[str]) -> dict[str, bool]:
    """Question id → True when it belongs to the training half (even paragraph index in its article)."""
    data = json.loads(Path(squad_path).read_text(encoding="utf-8"))
    return {str(qa["id"]): number % 2 == 0
            for article in data["data"] for number, paragraph in enumerate(article["paragraphs"])
            for qa in paragraph["qas"]}


def untrained_ranker() -> Ranker:
    """All-zero weights: lets the reader produce candidates before any model exists."""
    n = len(FEATURES)
    return Ranker(tuple(FEATURES), np.zeros(n, np.float32), np.ones(n, np.float32), np.zeros(n, np.float32), 0.0)


def _index_key(bot: QA) -> str:
    """What the cached retrieval depends on: the files, their chunks and the depth read."""
    docs = sorted((d.source, d.sha256) for d in bot.index.documents)
    chunks = [(c.source, c.start, c.end) for c in bot.index.chunks]
    return hashlib.sha256(json.dumps([docs, chunks, TOP_K]).encode("utf-8")).hexdigest()


def retrieve_all(bot: QA, questions: list[GoldQuestion], cache: Path) -> dict[str, tuple[str, np.ndarray, list[Passage]]]:
    """Each question's query vector and passages, cached beside the index: retrieval does not
    depend on the ranker, and embedding is most of the time, so re-training only re-reads."""
    texts = {p.source: p.text for p in (bot._passage(i, 0) for i in range(len(bot.index.chunks)))}
    if cache.exists():
        data = json.loads(cache.read_text(encoding="utf-8"))
        if data.get("index") == _index_key(bot):
            return {qid: (q, np.asarray(v, np.float32), [Passage(s, texts[s], a, b, r) for s, a, b, r in ps])
                    for qid, (q, v, ps) in data["questions"].items()}
    out = {}
    for n, gq in enumerate(questions, 1):
        out[gq.id] = bot._retrieve(gq.question, TOP_K)
        if n % 100 == 0:
            log.info("retrieved %d/%d questions", n, len(questions))
    rows = {qid: (q, [round(float(x), 6) for x in v], [(p.source, p.start, p.end, p.rank) for p in ps])
            for qid, (q, v, ps) in out.items()}
    cache.write_text(json.dumps({"index": _index_key(bot), "questions": rows}), encoding="utf-8")
    return out


def collect(bot: QA, questions: list[GoldQuestion], split: dict[str, bool], cache: Path) -> list[QuestionRows]:
    """Ask each question open-corpus and label every candidate the reader proposes."""
    rows = []
    reader: SpacyReader = bot.reader  # type: ignore[assignment]
    retrieved = retrieve_all(bot, questions, cache)
    for n, gq in enumerate(questions, 1):
        text, vector, passages = retrieved[gq.id]
        candidates = reader.candidates(text, passages, vector)
        if not candidates:
            continue
        answers = tuple(c.evidence.answer or "" for c in candidates)
        labels = np.array([max(f1(a, g) for g in gq.answers) for a in answers])
        rows.append(QuestionRows(gq, split[gq.id], answers, np.vstack([c.features for c in candidates]), labels))
        if n % 100 == 0:
            log.info("collected %d/%d questions", n, len(questions))
    return rows


def fit(rows: list[QuestionRows], l2: float) -> Ranker:
    """A softmax over each question's candidates. The labels are cubed so that the mass goes to
    near-exact spans rather than to long ones that merely overlap the answer (cross-validation
    preferred this to the plain F1 and to pointwise logistic regression: top-1 F1 40 against 38 and 36)."""
    x = np.vstack([r.features for r in rows])
    y = np.concatenate([r.labels for r in rows]) ** LABEL_POWER
    groups = np.concatenate([np.full(len(r.labels), i) for i, r in enumerate(rows)])
    return fit_listwise(x, y, groups, l2=l2)


def top1(ranker: Ranker, rows: list[QuestionRows]) -> tuple[float, float]:
    """EM and F1 (0–100) of the reader's best candidate, ignoring abstention."""
    em = f1_total = 0.0
    for r in rows:
        best = r.answers[int(np.argmax(ranker.probabilities(r.features)))]
        em += max(exact_match(best, g) for g in r.question.answers)
        f1_total += max(f1(best, g) for g in r.question.answers)
    return round(100 * em / len(rows), 2), round(100 * f1_total / len(rows), 2)


def choose_l2(train: list[QuestionRows]) -> float:
    """Two-fold cross-validation over alternating training questions."""
    folds = (train[0::2], train[1::2])
    scores = {}
    for l2 in L2_GRID:
        scores[l2] = sum(top1(fit(folds[i], l2), folds[1 - i])[1] for i in range(2)) / 2
        log.info("l2 %g: cross-validated top-1 F1 %.2f", l2, scores[l2])
    return max(scores, key=lambda k: (scores[k], k))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("squad", nargs="?", default=DEFAULT_SQUAD)
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    gold = load_gold(args.squad)
    split = paragraph_split(args.squad)
    folder = Path(DEFAULT_CACHE) / gold.sha256[:16]
    write_squad_corpus(gold, folder / "corpus")
    embedder = Embedder()
    index, _ = build_index([folder / "corpus"], folder / "index", embedder)
    reader = SpacyReader(embedder, ranker=untrained_ranker())
    bot = QA(index, embedder, reader=reader)
    bot.warm_up()

    rows = collect(bot, list(gold.questions), split, folder / "retrieval.json")
    train = [r for r in rows if r.train]
    held = [r for r in rows if not r.train]
    oracle = round(100 * sum(r.labels.max() for r in held) / len(held), 2)
    l2 = choose_l2(train)
    ranker = fit(train, l2)
    held_em, held_f1 = top1(ranker, held)
    train_em, train_f1 = top1(ranker, train)

    reader.ranker = ranker
    held_questions = tuple(q for q in gold.questions if not split[q.id])
    report = evaluate(replace(gold, questions=held_questions), bot=bot, top_k=TOP_K, threshold=0.0)
    meta = {
        "trained_on": f"{Path(args.squad).name}: questions of even-numbered paragraphs ({len(train)})",
        "held_out": f"questions of odd-numbered paragraphs ({len(held)})",
        "l2": l2,
        "held_out_reader_top1": {"em": held_em, "f1": held_f1, "oracle_f1": oracle},
        "train_reader_top1": {"em": train_em, "f1": train_f1},
        "held_out_pipeline": {"em": report.exact_match, "f1": report.f1},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(ranker.to_dict(**meta), indent=1) + "\n", encoding="utf-8")
    print(json.dumps(meta, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
