"""Evaluate ``QA.check`` on a claim gold file: label accuracy, per-label P/R, confusion, FEVER score.

Kept apart from ``qa.eval.questions`` (questions and SQuAD) because claims share none of its metrics;
``qa.eval.questions.evaluate`` hands claim files here, so ``qa eval`` takes either kind.

Metric definitions (0–100 scale, like the question metrics):

- ``label_accuracy``: the share of claims whose predicted verdict equals the gold label.
- ``per_label``: for each label, precision (right / predicted as it) and recall (right / gold
  with it), with the gold count ``n``; a ratio with an empty denominator is ``null``.
- ``confusion``: ``{gold label: {predicted label: count}}``, every cell present.
- ``fever_score``: the share of claims with the right label and, for SUPPORTED and REFUTED,
  deciding evidence from a right file: the verdict's first evidence sentence (the one it
  rests on) comes from one of the claim's gold ``sources``. A claim without gold sources is
  judged on its label alone. (FEVER proper matches evidence sentences; our gold names files.)
- ``latency_ms``: p50/p95 wall time of ``bot.check`` per claim, after one untimed warm-up check.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import get_args

from qa.errors import QAError
from qa.eval.rows import ClaimRow, parse_row
from qa.eval.stats import fmt, pct, percentiles_ms
from qa.pipeline import QA
from qa.question import DEFAULT_TOP_K
from qa.results import Label, Verdict

LABELS: tuple[str, ...] = get_args(Label)
WARM_UP_CLAIM = "Something happened on a Friday."


@dataclass(frozen=True)
class GoldClaim:
    """One claim with its gold label and, optionally, the files whose sentences decide it."""

    id: str
    claim: str
    label: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class ClaimResult:
    """One claim's outcome, with the whole verdict so that its evidence can be inspected."""

    id: str
    gold_label: str
    gold_sources: tuple[str, ...]
    verdict: Verdict
    fever_correct: bool
    latency_ms: float

    @property
    def predicted(self) -> str:
        return self.verdict.verdict

    @property
    def label_correct(self) -> bool:
        return self.verdict.verdict == self.gold_label

    def to_dict(self) -> dict:
        return {"id": self.id, "claim": self.verdict.claim, "gold_label": self.gold_label,
                "gold_sources": list(self.gold_sources), "predicted": self.predicted, "score": self.verdict.score,
                "label_correct": self.label_correct, "fever_correct": self.fever_correct,
                "latency_ms": self.latency_ms, "evidence": [asdict(e) for e in self.verdict.evidence]}


@dataclass(frozen=True)
class LabelStats:
    label: str
    n: int  # claims with this gold label
    predicted: int  # claims the bot gave this label
    precision: float | None
    recall: float | None


@dataclass(frozen=True)
class ClaimReport:
    """Summary metrics (``to_dict()`` is the ``qa eval --json`` contract for claims) plus per-claim rows."""

    n: int
    label_accuracy: float
    fever_score: float
    per_label: tuple[LabelStats, ...]
    confusion: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    gold: str = ""
    kind: str = "claims"
    top_k: int = DEFAULT_TOP_K
    claims: tuple[ClaimResult, ...] = ()

    def to_dict(self) -> dict:
        return {
            "n": self.n,
            "label_accuracy": self.label_accuracy,
            "fever_score": self.fever_score,
            "per_label": {s.label: {"n": s.n, "predicted": s.predicted, "precision": s.precision, "recall": s.recall}
                          for s in self.per_label},
            "confusion": {gold: dict(row) for gold, row in self.confusion},
            "latency_ms": {"p50": self.latency_p50_ms, "p95": self.latency_p95_ms},
        }

    def details(self) -> dict:
        """The ``--out`` report: the summary, then every claim, wrong labels first."""
        rows = sorted(self.claims, key=lambda r: (r.label_correct, r.fever_correct, r.id))
        return {"gold": self.gold, "kind": self.kind, "top_k": self.top_k, "summary": self.to_dict(),
                "claims": [r.to_dict() for r in rows]}


def parse_claim(raw: dict, number: int, where: str) -> GoldClaim:
    """One line of a claim JSONL file; a label outside the three is the gold file's error."""
    row = parse_row(ClaimRow, raw, where)
    label = row.label.strip().upper()
    if label not in LABELS:
        raise QAError(f"{where}: label {row.label!r} is not one of {', '.join(LABELS)}")
    return GoldClaim(str(number if row.id is None else row.id), row.claim, label, tuple(row.sources or ()))


def claim_result(gc: GoldClaim, verdict: Verdict, latency_ms: float) -> ClaimResult:
    """Score one verdict against its gold claim (definitions in the module docstring)."""
    fever_correct = verdict.verdict == gc.label
    if fever_correct and gc.label != "NOT_ENOUGH_INFO" and gc.sources:
        fever_correct = bool(verdict.evidence) and verdict.evidence[0].source in gc.sources
    return ClaimResult(gc.id, gc.label, gc.sources, verdict, fever_correct, round(latency_ms, 2))


def summarize_claims(results: Sequence[ClaimResult], gold: str = "", top_k: int = DEFAULT_TOP_K) -> ClaimReport:
    """Aggregate per-claim results into the report."""
    n = len(results)
    per_label = tuple(
        LabelStats(
            label=label,
            n=sum(1 for r in results if r.gold_label == label),
            predicted=sum(1 for r in results if r.predicted == label),
            precision=pct(sum(1 for r in results if r.predicted == label and r.label_correct),
                           sum(1 for r in results if r.predicted == label)),
            recall=pct(sum(1 for r in results if r.gold_label == label and r.label_correct),
                        sum(1 for r in results if r.gold_label == label)),
        )
        for label in LABELS
    )
    confusion = tuple(
        (g, tuple((p, sum(1 for r in results if r.gold_label == g and r.predicted == p)) for p in LABELS))
        for g in LABELS
    )
    p50, p95 = percentiles_ms([r.latency_ms for r in results])
    return ClaimReport(
        n=n,
        label_accuracy=pct(sum(1 for r in results if r.label_correct), n) or 0.0,
        fever_score=pct(sum(1 for r in results if r.fever_correct), n) or 0.0,
        per_label=per_label,
        confusion=confusion,
        latency_p50_ms=p50,
        latency_p95_ms=p95,
        gold=gold,
        top_k=top_k,
        claims=tuple(results),
    )


def evaluate_claims(bot: QA, claims: Sequence[GoldClaim], top_k: int = DEFAULT_TOP_K, gold: str = "",
                    progress: Callable[[Iterable], Iterable] | None = None) -> ClaimReport:
    """Check every claim, timing ``bot.check`` after one untimed warm-up check not from the gold set."""
    if not claims:
        raise QAError("the gold file has no claims")
    bot.check(WARM_UP_CLAIM, top_k=top_k)
    results = []
    for gc in progress(claims) if progress else claims:
        t0 = time.perf_counter()
        verdict = bot.check(gc.claim, top_k=top_k)
        results.append(claim_result(gc, verdict, (time.perf_counter() - t0) * 1000.0))
    return summarize_claims(results, gold, top_k)


def format_claim_report(report: ClaimReport) -> str:
    """A readable table: the headline scores, per-label precision/recall and the confusion matrix."""
    counts = ", ".join(f"{s.n} {s.label}" for s in report.per_label)
    width = max(map(len, LABELS))
    lines = [
        f"gold               {report.gold} (claims, top-k {report.top_k})",
        f"claims             {report.n} ({counts})",
        f"label accuracy     {fmt(report.label_accuracy)}",
        f"FEVER score        {fmt(report.fever_score)}  (right label, and for SUPPORTED/REFUTED the deciding "
        "sentence from a gold source)",
        f"latency ms         p50 {fmt(report.latency_p50_ms)}  p95 {fmt(report.latency_p95_ms)}",
        "",
        f"{'label':<{width}}  {'n':>3}  {'precision':>9}  {'recall':>6}",
        *(f"{s.label:<{width}}  {s.n:>3}  {fmt(s.precision):>9}  {fmt(s.recall):>6}" for s in report.per_label),
        "",
        "gold / predicted".ljust(width) + "  " + "  ".join(f"{p:>{width}}" for p in LABELS),
        *(f"{g:<{width}}  " + "  ".join(f"{c:>{width}}" for _, c in row) for g, row in report.confusion),
    ]
    return "\n".join(lines)
