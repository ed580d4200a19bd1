"""The typed results users get back: every quoted string is a verbatim slice of its source file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Agreement = Literal["consistent", "conflicting", "single-source", "none"]
Label = Literal["SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO"]


@dataclass(frozen=True)
class Evidence:
    """A span (``answer``, may be None for a passage) inside a quoted sentence of one file.

    ``text[start:end] == answer`` and ``text[quote_start:quote_end] == quote`` where ``text`` is
    the source file read as UTF-8.
    """

    answer: str | None
    source: str
    start: int
    end: int
    quote: str
    quote_start: int
    quote_end: int
    score: float

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """The reply to a question; ``answer`` is None when the sources do not say."""

    question: str
    answer: str | None
    source: str | None
    start: int | None
    end: int | None
    quote: str | None
    quote_start: int | None
    quote_end: int | None
    score: float
    agreement: Agreement
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    @property
    def abstained(self) -> bool:
        return self.answer is None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Reading:
    """The reader's reply to one question as a claim check weighs it: the answer (confident spans,
    one per source), every span the reader proposed, however unsure, best first, and those of them
    as sure as an answer (a question with several true answers, "Who starred on the show?", may have
    more than one in a source)."""

    answer: Answer
    candidates: tuple[Evidence, ...] = ()
    sure: tuple[Evidence, ...] = ()


Outcome = Literal["confirmed", "contradicted", "conflicting", "unanswered"]


@dataclass(frozen=True)
class SlotCheck:
    """One fact of a claim checked by asking: the claim's value, the question that asks for it,
    and what the articles answered (each answer quoted, one per source)."""

    slot: str  # the claim's words for the fact ("Danny Masterson")
    kind: str  # person, organisation, place, date, number, thing; polarity (the predicate's sense); context (the
    # date of the event when the claim names none: shown, never deciding)
    question: str  # "Who did Kutcher co-found Thorn with?"
    outcome: Outcome
    answers: tuple[Evidence, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    """The judgement of a claim, resting on quoted evidence sentences; ``checks`` shows the
    reasoning: each fact of the claim, the question asked for it and the answers found."""

    claim: str
    verdict: Label
    score: float
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
    checks: tuple[SlotCheck, ...] = field(default_factory=tuple)

    @property
    def conflicting(self) -> bool:
        """Whether the sources disagree on some fact of the claim (both answers are in the evidence)."""
        return any(c.outcome == "conflicting" for c in self.checks)

    def to_dict(self) -> dict:
        return {**asdict(self), "conflicting": self.conflicting}
