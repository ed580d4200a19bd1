"""What a reader reads and what the pipeline needs of one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qa.ingest.documents import Document
from qa.results import Evidence


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk: ``text[start:end]`` of ``source``, with its retrieval rank."""

    source: str
    text: str  # the whole document text, so that offsets stay document offsets
    start: int
    end: int
    rank: int

    @classmethod
    def of_chunk(cls, doc: Document, start: int, end: int, rank: int) -> Passage:
        """The chunk ``doc.text[start:end]`` widened to whole sentences, so that no sentence is cut
        at a chunk edge."""
        start, end = doc.sentences(start, end)
        return cls(doc.source, doc.text, start, end, rank)


class Reader(Protocol):
    """What the pipeline needs of a reader."""

    threshold: float  # the abstention threshold calibrated for this reader's scores

    def warm_up(self) -> None: ...

    def read(self, question: str, passages: list[Passage], query_vector: np.ndarray | None = None) -> list[Evidence]:
        """Candidate answers, best first, scored in [0, 1], at most one per distinct span."""
        ...
