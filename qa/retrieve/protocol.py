"""What the pipeline needs of a retriever: passages for a question, wherever the index lives."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from qa.read.passage import Passage


class Retriever(Protocol):
    def passages(self, question: str, k: int, query_vector: np.ndarray, skip: frozenset[str] = frozenset()) -> list[Passage]:
        """The ``k`` best chunks (none from files in ``skip``), widened to whole sentences, best first."""
        ...
