"""Hybrid retrieval on Milvus: the engine fuses its dense and BM25 rankings; passages as in the FAISS path."""

from __future__ import annotations

import numpy as np

from qa.index.milvus_store import MilvusIndex
from qa.read.passage import Passage


class MilvusRetriever:
    """``passages(question, k)`` from a :class:`MilvusIndex`; chunks of incomplete documents are left out."""

    def __init__(self, index: MilvusIndex) -> None:
        self.index = index

    def passages(self, question: str, k: int, query_vector: np.ndarray, skip: frozenset[str] = frozenset()) -> list[Passage]:
        found = []
        for source, sha256, start, end in self.index.search(question, query_vector, k):
            doc = None if source in skip else self.index.document(source, sha256)
            if doc is not None:
                found.append(Passage.of_chunk(doc, start, end, len(found)))
        return found
