"""Evaluate the bot on a gold file: SQuAD EM/F1, source accuracy, abstention, recall@k, latency.

Gold files (see DESIGN.md "Data contracts"):

- question JSONL: ``{"id", "question", "answers": [...], "sources": [...]}``; ``answers: []``
  means the sources do not say, and the only right output is to abstain;
- claim JSONL: ``{"id", "claim", "label", "sources"?}``, scored by ``qa.eval.claims`` (label
  accuracy, per-label precision/recall, confusion, FEVER score; definitions there);
- SQuAD v1.1 / v2.0 JSON: each article's paragraphs become one ``.txt`` file of a corpus that is
  cached under ``.cache/eval/<sha256 of the gold file>/`` and indexed there; every question is
  asked against the whole corpus (open-corpus), with that article's file as its gold source.

Metric definitions (all on a 0–100 scale):

- ``exact_match`` / ``f1``: the official SQuAD v1.1 script (``qa.normalize``), max over the gold
  answers. A question with no gold answer scores 100 when the bot abstains and 0 otherwise; an
  answerable question the bot abstains on scores 0 (as in the SQuAD v2.0 script).
- ``source_accuracy``: of the answerable questions that have gold sources and that the bot
  answered, the share whose ``answer.source`` is one of the gold sources. Abstentions are not in
  the denominator (they are counted by ``no_answer.wrongly_abstained``).
- ``no_answer``: abstaining is the positive class and a question without gold answers the
  relevant one: precision = abstained-and-unanswerable / abstained, recall =
  abstained-and-unanswerable / unanswerable, ``wrongly_abstained`` = abstained / answerable.
  A ratio whose denominator is empty is ``null``.
- ``recall_at_k``: of the answerable questions, the share where some gold answer occurs in the
  text of one of the top-k retrieved chunks, compared case-sensitively after collapsing runs of
  whitespace to one space (a retrieval measure: it ignores the reader).
- ``latency_ms``: p50/p95 wall time of ``bot.ask`` per question, after one untimed warm-up ask.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, astuple, dataclass
from pathlib import Path
from typing import Literal

from qa.errors import QAError
from qa.eval.claims import ClaimReport, GoldClaim, evaluate_claims, format_claim_report, parse_claim
from qa.eval.plots import write_plots
from qa.eval.rows import QuestionRow, SquadQuestion, parse_row
from qa.eval.stats import fmt, pct, percentiles_ms
from qa.index.location import parse_store
from qa.index.names import MANIFEST
from qa.normalize import exact_match, f1
from qa.pipeline import QA
from qa.question import DEFAULT_TOP_K, check_top_k
from qa.read.passage import Passage
from qa.read.span_reader import SpanReader
from qa.results import Answer

log = logging.getLogger(__name__)

RECALL_KS = (1, 3, 5, 10)
DEFAULT_CACHE = Path(".cache/eval")
DEFAULT_CORPUS = "seeds"
WARM_UP_QUESTION = "What happened, and when?"
PARAGRAPH_BATCH = 32  # questions read together in paragraph-given mode
CORPUS_DONE = ".complete"  # marker in a cached SQuAD corpus; dot files are not indexed

GoldKind = Literal["questions", "claims", "squad"]


# --- gold files ------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoldQuestion:
    """One question; no ``answers`` means the right output is to abstain."""

    id: str
    question: str
    answers: tuple[str, ...]
    sources: tuple[str, ...]
    context: str | None = None  # SQuAD: the paragraph the question was written on (paragraph-given mode)

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


@dataclass(frozen=True)
class SquadArticle:
    """One SQuAD article, already given the corpus file name its paragraphs are written to."""

    source: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class GoldSet:
    """A parsed gold file; ``articles`` is only set for SQuAD, ``claims`` only for claim files."""

    path: str
    kind: GoldKind
    sha256: str
    questions: tuple[GoldQuestion, ...] = ()
    claims: tuple[GoldClaim, ...] = ()
    articles: tuple[SquadArticle, ...] = ()


def _read_jsonl(text: str, path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise QAError(f"{path}:{number}: not valid JSON ({err.msg}); a gold file is JSONL or SQuAD JSON") from None
        except RecursionError:
            raise QAError(f"{path}:{number}: JSON nested too deep to be a gold row") from None
        if not isinstance(row, dict):
            raise QAError(f"{path}:{number}: each line must be a JSON object")
        rows.append(row)
    if not rows:
        raise QAError(f"{path}: the gold file is empty")
    return rows


def safe_name(title: str) -> str:
    """A portable file name for an article title: letters, digits, '.', '_' and '-' only."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", title).strip("._-")[:100]
    return name or "article"


def _parse_squad(data: dict, path: Path, sha: str) -> GoldSet:
    """Articles → corpus files, questions → gold questions; v2.0 ``is_impossible`` → no answers.

    Every malformed piece is named: which article, paragraph and question, and what is wrong."""
    articles, questions = [], []
    used: set[str] = set()
    if not isinstance(data.get("data"), list):
        raise QAError(f"{path}: 'data' must be a list of articles; is this SQuAD JSON?")
    for number, article in enumerate(data["data"], 1):
        if not isinstance(article, dict) or not isinstance(article.get("paragraphs"), list):
            raise QAError(f"{path}: article {number} has no 'paragraphs' list; is this SQuAD JSON?")
        base = safe_name(str(article.get("title") or f"article_{number}"))
        name, n = base, 1
        while name.lower() in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name.lower())
        source = f"{name}.txt"
        paragraphs = []
        for p_number, paragraph in enumerate(article["paragraphs"], 1):
            where = f"{path}: article {number}, paragraph {p_number}"
            if not isinstance(paragraph, dict) or not isinstance(paragraph.get("context", ""), str):
                raise QAError(f"{where}: a paragraph must be an object with a 'context' string")
            if not isinstance(paragraph.get("qas", []), list):
                raise QAError(f"{where}: 'qas' must be a list of questions")
            context = paragraph.get("context", "").strip()
            if context:
                paragraphs.append(context)
            for q_number, qa in enumerate(paragraph.get("qas", []), 1):
                questions.append(_squad_question(qa, f"{where}, question {q_number}", source, context))
        articles.append(SquadArticle(source, tuple(paragraphs)))
    if not questions:
        raise QAError(f"{path}: no questions in this SQuAD file")
    return GoldSet(str(path), "squad", sha, questions=tuple(questions), articles=tuple(articles))


def _squad_question(qa: object, where: str, source: str, context: str) -> GoldQuestion:
    """One SQuAD question, or a QAError saying which field is missing or of the wrong kind."""
    row = parse_row(SquadQuestion, qa, where)
    gold = () if row.is_impossible else tuple(a.text for a in row.answers)
    return GoldQuestion(str(row.id), row.question, gold, (source,), context)


def load_gold(path: str | os.PathLike[str]) -> GoldSet:
    """Parse a gold file, telling its kind from its content, not its name."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise QAError(f"gold file not found or unreadable: {path} ({err.strerror or err})") from None
    sha = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise QAError(f"{path}: not UTF-8 text") from None
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        whole = None
    except RecursionError:
        raise QAError(f"{path}: JSON nested too deep to be a gold file") from None
    if isinstance(whole, dict) and "data" in whole:
        return _parse_squad(whole, path, sha)
    rows = _read_jsonl(text, path)
    first = rows[0]
    if "question" in first:
        questions = []
        for number, raw_row in enumerate(rows, 1):
            row = parse_row(QuestionRow, raw_row, f"{path}: line {number}")
            questions.append(GoldQuestion(str(number if row.id is None else row.id), row.question,
                                          tuple(row.answers), tuple(row.sources or ())))
        return GoldSet(str(path), "questions", sha, questions=tuple(questions))
    if "claim" in first:
        claims = [parse_claim(row, number, f"{path}: line {number}") for number, row in enumerate(rows, 1)]
        return GoldSet(str(path), "claims", sha, claims=tuple(claims))
    raise QAError(f"{path}: unknown gold format: expected JSONL with 'question' or 'claim' keys, or SQuAD JSON")


# --- corpora and indexes ---------------------------------------------------------------------


def write_squad_corpus(gold: GoldSet, folder: str | os.PathLike[str]) -> Path:
    """Write each article's paragraphs, blank-line separated, to ``folder/<title>.txt``.

    Written to a temporary sibling and renamed, so a half-written corpus is never reused.
    """
    folder = Path(folder)
    if (folder / CORPUS_DONE).exists():
        return folder
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for article in gold.articles:
        (tmp / article.source).write_text("\n\n".join(article.paragraphs) + "\n", encoding="utf-8")
    (tmp / CORPUS_DONE).write_text(gold.sha256 + "\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    try:
        tmp.rename(folder)
    except OSError:  # another run finished first: theirs is the same content
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _bot_over(corpus: str | os.PathLike[str], index_dir: Path, threshold: float | None,
              reader_model: str | None = None, store: str | None = None) -> QA:
    kwargs = {} if threshold is None else {"threshold": threshold}
    return QA.from_folder(corpus, index_dir, reader_model=reader_model, store=store, **kwargs)


def open_bot(gold: GoldSet, index: str | None = None, corpus: str | None = None,
             cache_dir: str | os.PathLike[str] = DEFAULT_CACHE, threshold: float | None = None,
             reader_model: str | None = None, store: str | None = None) -> QA:
    """The bot to evaluate: a given index, a corpus indexed in the cache, or the SQuAD articles.

    Nothing is written outside ``cache_dir``; the repository's ``index/`` is never touched. With a
    Milvus ``store`` (or ``QA_STORE``) the corpus is indexed there instead: the store then holds
    that corpus, as after `qa index CORPUS --store URI`.
    """
    if index is not None and corpus is not None:
        raise QAError("give --index or --corpus, not both")
    kwargs = {} if threshold is None else {"threshold": threshold}
    if index is not None and parse_store(store) is not None:
        raise QAError("give --index (FAISS files) or --store (Milvus), not both")
    if index is not None:
        if not (Path(index) / MANIFEST).exists():
            raise QAError(f"index not found: {index} (build it with `qa index FOLDER --index {index}`)")
        return QA.load(index, reader_model=reader_model, **kwargs)
    cache = Path(cache_dir)
    if corpus is None and gold.kind == "squad":
        folder = cache / gold.sha256[:16]
        write_squad_corpus(gold, folder / "corpus")
        return _bot_over(folder / "corpus", folder / "index", threshold, reader_model, store)
    corpus = corpus or DEFAULT_CORPUS
    if not Path(corpus).is_dir():
        raise QAError(f"corpus folder not found: {corpus} (give --corpus FOLDER or --index DIR)")
    key = hashlib.sha256(str(Path(corpus).resolve()).encode("utf-8")).hexdigest()[:16]
    return _bot_over(corpus, cache / f"corpus-{key}" / "index", threshold, reader_model, store)


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    """One question's outcome; ``retrieval_rank`` is the 1-based rank of the first chunk holding
    a gold answer among the top ``max(RECALL_KS)``, or None."""

    id: str
    question: str
    gold_answers: tuple[str, ...]
    gold_sources: tuple[str, ...]
    prediction: str | None
    quote: str | None
    source: str | None
    score: float
    exact_match: float
    f1: float
    source_correct: bool | None  # None when abstained, unanswerable, or no gold sources
    retrieval_rank: int | None
    latency_ms: float | None  # None for the untimed warm-up question

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class NoAnswerStats:
    unanswerable: int
    abstained: int
    correctly_abstained: int
    precision: float | None
    recall: float | None
    wrongly_abstained: float | None  # % of answerable questions the bot refused

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class EvalReport:
    """Summary metrics (``to_dict()`` is the ``qa eval --json`` contract) plus per-question rows."""

    n: int
    exact_match: float
    f1: float
    source_accuracy: float | None
    no_answer: NoAnswerStats
    recall_at_k: tuple[tuple[int, float | None], ...]
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    answerable: int
    source_judged: int
    gold: str = ""
    kind: str = "questions"
    top_k: int = DEFAULT_TOP_K
    questions: tuple[QuestionResult, ...] = ()
    threshold: float | None = None  # the abstention threshold the answers were given with

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "exact_match": self.exact_match,
            "f1": self.f1,
            "source_accuracy": self.source_accuracy,
            "no_answer": self.no_answer.to_dict(),
            "recall_at_k": {str(k): v for k, v in self.recall_at_k},
            "latency_ms": {"p50": self.latency_p50_ms, "p95": self.latency_p95_ms},
        }

    def details(self) -> dict:
        """The ``--out`` report: the summary, then every question, misses (lowest F1) first."""
        rows = sorted(self.questions, key=lambda r: (r.f1, r.exact_match, r.id))
        return {"gold": self.gold, "kind": self.kind, "top_k": self.top_k, "threshold": self.threshold,
                "summary": self.to_dict(), "questions": [r.to_dict() for r in rows]}


# --- metrics ---------------------------------------------------------------------------------


def score_answer(prediction: str | None, golds: Sequence[str]) -> tuple[float, float]:
    """(EM, F1) on 0–100: the SQuAD max over golds; no gold answer → right only when abstaining."""
    if not golds:
        return (100.0, 100.0) if prediction is None else (0.0, 0.0)
    if prediction is None:
        return 0.0, 0.0
    return (100.0 * max(exact_match(prediction, g) for g in golds),
            100.0 * max(f1(prediction, g) for g in golds))


def _squash(text: str) -> str:
    return " ".join(text.split())


def retrieval_rank(chunk_texts: Sequence[str], golds: Sequence[str]) -> int | None:
    """1-based rank of the first chunk containing a gold answer (whitespace-squashed, case-sensitive)."""
    wanted = [g for g in (_squash(g) for g in golds) if g]
    for rank, text in enumerate(chunk_texts, 1):
        squashed = _squash(text)
        if any(g in squashed for g in wanted):
            return rank
    return None


def summarize(results: Sequence[QuestionResult], gold: str = "", kind: str = "questions",
              top_k: int = DEFAULT_TOP_K, retrieval: bool = True, threshold: float | None = None) -> EvalReport:
    """Aggregate per-question results into the report (definitions in the module docstring);
    ``retrieval=False`` (paragraph given) leaves recall@k out."""
    n = len(results)
    answerable = [r for r in results if r.gold_answers]
    unanswerable = [r for r in results if not r.gold_answers]
    abstained = [r for r in results if r.prediction is None]
    correct_abstain = sum(1 for r in abstained if not r.gold_answers)
    judged = [r for r in answerable if r.source_correct is not None]
    p50, p95 = percentiles_ms([r.latency_ms for r in results if r.latency_ms is not None])
    recall = tuple(
        (k, pct(sum(1 for r in answerable if r.retrieval_rank is not None and r.retrieval_rank <= k), len(answerable)))
        for k in (RECALL_KS if retrieval else ())
    )
    no_answer = NoAnswerStats(
        unanswerable=len(unanswerable),
        abstained=len(abstained),
        correctly_abstained=correct_abstain,
        precision=pct(correct_abstain, len(abstained)),
        recall=pct(correct_abstain, len(unanswerable)),
        wrongly_abstained=pct(sum(1 for r in answerable if r.prediction is None), len(answerable)),
    )
    return EvalReport(
        n=n,
        exact_match=round(sum(r.exact_match for r in results) / n, 2) if n else 0.0,
        f1=round(sum(r.f1 for r in results) / n, 2) if n else 0.0,
        source_accuracy=pct(sum(1 for r in judged if r.source_correct), len(judged)),
        no_answer=no_answer,
        recall_at_k=recall,
        latency_p50_ms=p50,
        latency_p95_ms=p95,
        answerable=len(answerable),
        source_judged=len(judged),
        gold=gold,
        kind=kind,
        top_k=top_k,
        questions=tuple(results),
        threshold=threshold,
    )


# --- running ---------------------------------------------------------------------------------


def _retrieved_texts(bot: QA, question: str, k: int) -> list[str]:
    """The passages the reader read for ``question``, for the retrieval rank of the gold answer."""
    _, _, passages = bot.retrieve(question, k)
    return [p.text[p.start : p.end] for p in passages]


def evaluate_questions(bot: QA, questions: Sequence[GoldQuestion], top_k: int = DEFAULT_TOP_K,
                       progress: Callable[[Iterable], Iterable] | None = None) -> list[QuestionResult]:
    """Ask every question, timing ``bot.ask`` after one untimed warm-up ask.

    The warm-up question is not from the gold set, so no timed question hits a parse cache
    it filled.
    """
    if not questions:
        raise QAError("the gold file has no questions")
    bot.ask(WARM_UP_QUESTION, top_k=top_k)  # lazy model parts, allocator, thread pools
    results = []
    depth = max(max(RECALL_KS), top_k)
    for gq in progress(questions) if progress else questions:
        t0 = time.perf_counter()
        ans = bot.ask(gq.question, top_k=top_k)
        elapsed = (time.perf_counter() - t0) * 1000.0
        results.append(_result(gq, ans, elapsed, _retrieved_texts(bot, gq.question, depth)))
    return results


def evaluate_paragraphs(reader: SpanReader, questions: Sequence[GoldQuestion], threshold: float | None,
                        progress: Callable[[Iterable], Iterable] | None = None,
                        batch: int = PARAGRAPH_BATCH) -> list[QuestionResult]:
    """Read every question in its own paragraph (the standard SQuAD reader score, comparable to
    published readers); abstain below ``threshold``, or never when it is None (SQuAD v1.1).
    Questions are read ``batch`` at a time; each one's latency is its share of its batch."""
    given = [gq for gq in questions if gq.context]
    if not given:
        raise QAError("paragraph-given evaluation needs a SQuAD file (its questions carry their paragraphs)")
    reader.warm_up()
    results = []
    groups = [given[lo : lo + batch] for lo in range(0, len(given), batch)]
    for group in progress(groups) if progress else groups:
        t0 = time.perf_counter()
        found = reader.read_batch([gq.question for gq in group],
                                  [[Passage(gq.sources[0], gq.context, 0, len(gq.context), 0)] for gq in group])
        share = (time.perf_counter() - t0) * 1000.0 / len(group)
        for gq, spans in zip(group, found):
            best = spans[0] if spans and (threshold is None or spans[0].score >= threshold) else None
            fields = astuple(best)[:7] if best else (None,) * 7
            score = spans[0].score if spans else 0.0
            ans = Answer(gq.question, *fields, score, "single-source" if best else "none", ())
            results.append(_result(gq, ans, share, ()))
    return results


def _result(gq: GoldQuestion, ans: Answer, latency_ms: float | None, chunk_texts: Sequence[str]) -> QuestionResult:
    em, f1_score = score_answer(ans.answer, gq.answers)
    source_correct = None
    if gq.answers and gq.sources and ans.answer is not None:
        source_correct = ans.source in gq.sources
    return QuestionResult(
        id=gq.id, question=gq.question, gold_answers=gq.answers, gold_sources=gq.sources,
        prediction=ans.answer, quote=ans.quote, source=ans.source, score=ans.score,
        exact_match=em, f1=round(f1_score, 2), source_correct=source_correct,
        retrieval_rank=retrieval_rank(chunk_texts, gq.answers) if gq.answers else None,
        latency_ms=None if latency_ms is None else round(latency_ms, 2),
    )


def evaluate(gold: str | os.PathLike[str] | GoldSet, *, index: str | None = None, corpus: str | None = None,
             top_k: int = DEFAULT_TOP_K, bot: QA | None = None, threshold: float | None = None,
             cache_dir: str | os.PathLike[str] = DEFAULT_CACHE,
             progress: Callable[[Iterable], Iterable] | None = None,
             reader_model: str | None = None, paragraph: bool = False, store: str | None = None) -> EvalReport | ClaimReport:
    """Evaluate a gold file end to end. ``bot`` (e.g. a test's) overrides index/corpus/reader_model.

    Question and SQuAD files give an ``EvalReport``, claim files a ``ClaimReport``. ``paragraph``
    (SQuAD only) reads each question in its own paragraph, with no retrieval and no index."""
    gold_set = gold if isinstance(gold, GoldSet) else load_gold(gold)
    check_top_k(top_k)
    if paragraph:
        if gold_set.kind != "squad":
            raise QAError("--paragraph needs a SQuAD JSON file: only its questions come with their paragraphs")
        reader = bot.reader if bot is not None else SpanReader(reader_model)
        unanswerable = any(not gq.answerable for gq in gold_set.questions)
        limit = (threshold if threshold is not None else reader.threshold) if unanswerable else None
        results = evaluate_paragraphs(reader, gold_set.questions, limit, progress)
        return summarize(results, gold_set.path, "squad-paragraph", top_k, retrieval=False, threshold=limit)
    if bot is None:
        bot = open_bot(gold_set, index, corpus, cache_dir, threshold, reader_model, store)
    if gold_set.kind == "claims":
        return evaluate_claims(bot, gold_set.claims, top_k, gold_set.path, progress)
    saved = bot.threshold
    try:
        if threshold is not None:
            bot.threshold = threshold
        used = bot.threshold
        results = evaluate_questions(bot, gold_set.questions, top_k, progress)
    finally:
        bot.threshold = saved  # a caller's bot comes back as it was given
    return summarize(results, gold_set.path, gold_set.kind, top_k, threshold=used)


def write_details(report: EvalReport | ClaimReport, path: str | os.PathLike[str]) -> list[Path]:
    """Write the per-question or per-claim report (``details()``) as JSON, creating its folder, and
    for questions its pictures beside it (F1 by question type, the abstention curve); returns the
    paths written."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report.details(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if isinstance(report, EvalReport):
            return [path, *write_plots(report.questions, path, report.threshold)]
    except OSError as err:
        raise QAError(f"cannot write the report to {path}: {err.strerror or err}") from None
    return [path]


# --- abstention threshold calibration --------------------------------------------------------


@dataclass(frozen=True)
class CalibrationRow:
    """What one threshold would do. ``f1`` is estimated from the threshold-0 answers (an answer is
    kept when its score reaches the threshold), so it ignores re-grouping at other thresholds."""

    threshold: float
    answered_answerable: float | None  # % of answerable questions answered
    abstained_unanswerable: float | None  # % of unanswerable questions refused
    wrongly_abstained: float | None  # % of answerable questions refused
    f1: float

    def to_dict(self) -> dict:
        return asdict(self)


def _row(threshold: float, scored: Sequence[tuple[GoldQuestion, float | None, float]],
         unanswerable_share: float | None = None) -> CalibrationRow:
    answerable = [(s, f) for q, s, f in scored if q.answerable]
    unanswerable = [s for q, s, _ in scored if not q.answerable]
    answered = sum(1 for s, _ in answerable if s is not None and s >= threshold)
    refused = sum(1 for s in unanswerable if s is None or s < threshold)
    f1_answerable = sum(f for s, f in answerable if s is not None and s >= threshold)
    if unanswerable_share is None or not answerable or not unanswerable:  # the gold set's own mix
        f1 = (f1_answerable + 100.0 * refused) / len(scored) if scored else 0.0
    else:  # as if unanswerable questions were this share of all questions
        f1 = (1 - unanswerable_share) * f1_answerable / len(answerable) + unanswerable_share * 100.0 * refused / len(unanswerable)
    return CalibrationRow(
        threshold=round(threshold, 4),
        answered_answerable=pct(answered, len(answerable)),
        abstained_unanswerable=pct(refused, len(unanswerable)),
        wrongly_abstained=pct(len(answerable) - answered, len(answerable)),
        f1=round(f1, 2),
    )


def calibrate_threshold(bot: QA, questions: Sequence[GoldQuestion], top_k: int = DEFAULT_TOP_K,
                        grid: float = 0.05, unanswerable_share: float | None = None) -> tuple[float, tuple[CalibrationRow, ...]]:
    """Choose the abstention threshold from each question's top score with abstention switched off.

    The threshold maximises the F1 that the gold set would score with it (SQuAD v2.0's "best F1
    threshold": a refused unanswerable question counts 100, a refused answerable one 0), with
    unanswerable questions weighted to ``unanswerable_share`` of all when given: SQuAD v2.0 is half
    unanswerable by design, far more than a reader of the news asks. It is the
    midpoint between neighbouring observed scores, so it does not sit on one question's score; ties
    go to the higher (more cautious) threshold. Returns the threshold and a sweep table (a grid of
    ``grid`` steps plus the chosen row).
    """
    if not questions:
        raise QAError("calibration needs questions")
    saved = bot.threshold
    scored: list[tuple[GoldQuestion, float | None, float]] = []
    try:
        bot.threshold = 0.0
        for gq in questions:
            ans = bot.ask(gq.question, top_k=top_k)
            # None: no answer candidate at all, so no threshold can make the bot answer
            score = None if ans.answer is None else ans.score
            scored.append((gq, score, score_answer(ans.answer, gq.answers)[1]))
    finally:
        bot.threshold = saved
    distinct = sorted({s for _, s, _ in scored if s is not None})
    candidates = [0.0]
    candidates += [(a + b) / 2 for a, b in itertools.pairwise(distinct)]
    if distinct:
        candidates.append(distinct[-1] + 1e-3)  # refuse everything
    rows = [_row(t, scored, unanswerable_share) for t in candidates]
    best = max(rows, key=lambda r: (r.f1, r.threshold))
    top = max(1.0, distinct[-1] if distinct else 1.0)
    table = {round(i * grid, 4): _row(i * grid, scored, unanswerable_share) for i in range(int(top / grid + 1e-9) + 1)}
    table[best.threshold] = best
    return best.threshold, tuple(table[t] for t in sorted(table))


# --- text output -----------------------------------------------------------------------------


def format_report(report: EvalReport | ClaimReport) -> str:
    """A readable table of the summary metrics."""
    if isinstance(report, ClaimReport):
        return format_claim_report(report)
    na = report.no_answer
    recall = "  ".join(f"@{k} {fmt(v)}" for k, v in report.recall_at_k)
    depth = "" if report.kind == "squad-paragraph" else f", top-k {report.top_k}"
    lines = [
        f"gold               {report.gold} ({report.kind}{depth})",
        f"questions          {report.n} ({report.answerable} answerable, {na.unanswerable} unanswerable)",
        f"exact match        {fmt(report.exact_match)}",
        f"F1                 {fmt(report.f1)}",
        f"source accuracy    {fmt(report.source_accuracy)}  (of {report.source_judged} answered answerable)",
        f"abstained          {na.abstained}: precision {fmt(na.precision)}  recall {fmt(na.recall)}"
        f"  (wrongly abstained on {fmt(na.wrongly_abstained, '%')} of answerable)",
        f"retrieval recall   {recall}" if recall else "retrieval recall   n/a (paragraph given)",
        f"latency ms         p50 {fmt(report.latency_p50_ms)}  p95 {fmt(report.latency_p95_ms)}",
    ]
    return "\n".join(lines)


def format_calibration(threshold: float, table: Sequence[CalibrationRow]) -> str:
    lines = [f"{'threshold':>9}  {'answered ans.%':>14}  {'refused unans.%':>15}  {'wrongly abst.%':>14}  {'F1~':>6}"]
    for r in table:
        mark = "  <- chosen" if r.threshold == threshold else ""
        lines.append(f"{r.threshold:>9.4f}  {fmt(r.answered_answerable):>14}  {fmt(r.abstained_unanswerable):>15}  "
                     f"{fmt(r.wrongly_abstained):>14}  {r.f1:>6.1f}{mark}")
    lines.append(f"chosen threshold: {threshold:.4f} (the best F1 on this gold set, unanswerables refused counting 100)")
    return "\n".join(lines)
