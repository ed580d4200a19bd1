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
class Verdict:
    """The judgement of a claim, resting on quoted evidence sentences."""

    claim: str
    verdict: Label
    score: float
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return asdict(self)
