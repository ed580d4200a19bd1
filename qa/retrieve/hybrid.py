"""Hybrid retrieval: dense FAISS search and BM25 over the same chunks, fused by reciprocal rank."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import bm25s
import numpy as np
import Stemmer

from qa.index.embedding import Embedder
from qa.index.store import CorpusIndex
from qa.read.passage import Passage

logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG

RRF_K = 60  # the constant of Cormack et al. (2009); damps the weight of the very top ranks
CANDIDATES_PER_RETRIEVER = 50


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with the evidence for its rank."""

    chunk: int
    score: float  # fused reciprocal-rank score
    dense: float  # cosine similarity to the question
    bm25: float  # 0 when BM25 did not match the chunk at all


class HybridRetriever:
    """``passages(question, k)``: the fused top-k of a dense (FAISS) and a BM25 (bm25s) ranking.

    BM25 uses the Lucene IDF, log(1 + (N - df + 0.5) / (df + 0.5)), which stays positive when a
    term occurs in every document; Robertson's original IDF is zero or negative on a two-document
    corpus and would silence BM25 there.
    """

    def __init__(self, index: CorpusIndex, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder
        self._stemmer = Stemmer.Stemmer("english")
        self._bm25 = bm25s.BM25(method="lucene")
        corpus = self._tokenize([index.chunk_text(i) for i in range(len(index.chunks))], return_ids=True)
        self._bm25_ready = bool(corpus.vocab)
        if self._bm25_ready:
            self._bm25.index(corpus, show_progress=False)

    def _tokenize(self, texts: list[str], return_ids: bool = False):
        """Lower-cased, English-stemmed word tokens without stop words, for chunks and questions."""
        return bm25s.tokenize(texts, stopwords="en", stemmer=self._stemmer, return_ids=return_ids, show_progress=False)

    def _bm25_ranking(self, question: str, k: int) -> list[tuple[int, float]]:
        if not self._bm25_ready:
            return []
        tokens = self._tokenize([question])
        if not tokens[0]:
            return []
        k = min(k, len(self.index.chunks))
        ids, scores = self._bm25.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if s > 0]

    def closest_chunks(self, question: str, k: int = 5, query_vector: np.ndarray | None = None) -> list[Hit]:
        if query_vector is None:
            query_vector = self.embedder.encode_questions([question])[0]
        dense = self.index.search(query_vector, CANDIDATES_PER_RETRIEVER)
        sparse = self._bm25_ranking(question, CANDIDATES_PER_RETRIEVER)
        fused: dict[int, float] = {}
        for ranking in (dense, sparse):
            for rank, (chunk, _) in enumerate(ranking):
                fused[chunk] = fused.get(chunk, 0.0) + 1.0 / (RRF_K + rank + 1)
        dense_score = dict(dense)
        bm25_score = dict(sparse)
        best = sorted(fused, key=lambda c: (-fused[c], -dense_score.get(c, -1.0), c))[:k]
        return [Hit(c, fused[c], dense_score.get(c, 0.0), bm25_score.get(c, 0.0)) for c in best]

    def passages(self, question: str, k: int, query_vector: np.ndarray, skip: frozenset[str] = frozenset()) -> list[Passage]:
        """The top ``k`` chunks, leaving out those of files in ``skip``, widened to whole sentences."""
        chunks = [self.index.chunks[hit.chunk] for hit in self.closest_chunks(question, k, query_vector)]
        chunks = [c for c in chunks if c.source not in skip]
        return [Passage.of_chunk(self.index.by_source[c.source], c.start, c.end, rank) for rank, c in enumerate(chunks)]
