"""Hybrid retrieval, including the two-document corpus where BM25's IDF can degenerate."""

from __future__ import annotations

import itertools
from pathlib import Path

from qa.index.embedding import Embedder
from qa.pipeline import build_index
from qa.retrieve.hybrid import HybridRetriever


def test_two_document_corpus_keeps_bm25_alive(tmp_path: Path, embedder: Embedder) -> None:
    corpus = tmp_path / "two"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Zorblax the mayor opened the harbour bridge in Tromsø on Friday.\n", encoding="utf-8")
    (corpus / "b.txt").write_text("The mayor said the harbour would close for repairs in winter.\n", encoding="utf-8")
    index, _ = build_index([corpus], tmp_path / "ix", embedder)
    retriever = HybridRetriever(index, embedder)
    # "mayor" and "harbour" occur in both documents: with Robertson's IDF they would score 0
    assert retriever._bm25_ranking("mayor harbour", 2)
    hits = retriever.closest_chunks("Who opened the bridge? Zorblax", k=2)
    assert index.chunks[hits[0].chunk].source == "a.txt"
    assert hits[0].bm25 > 0 and hits[0].dense > 0
    assert len(hits) == 2


def test_fused_ranking_on_seeds(seeds_bot) -> None:
    hits = seeds_bot.retriever.closest_chunks("how many years was Masterson sentenced to?", k=3)
    texts = [seeds_bot.index.chunk_text(h.chunk) for h in hits]
    assert any("30 years" in t for t in texts)
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))
