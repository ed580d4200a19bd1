"""The index at scale: the approximate index keeps recall, and incremental updates stay exact.

Correctness only, no timings: the thresholds are lowered so that small corpora take the paths a
million chunks would.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import faiss
import numpy as np
import pytest

from qa.index import store
from qa.index.embedding import Embedder
from qa.index.store import MANIFEST, CorpusIndex, IndexChoice, approximate_index, fitted_index, flat_index, recall_at
from qa.pipeline import QA, build_index
from qa.retrieve.hybrid import HybridRetriever

from .conftest import SEEDS, assert_offsets

NEW_ARTICLE = "The Bergen harbour festival opened on 3 May with a parade of forty tall ships.\n"
REMOVED_WORD = "zanzibarite"


def clustered_unit_vectors(n: int, dimension: int, rng: np.random.Generator) -> np.ndarray:
    """Unit vectors scattered around random centres: structure an inverted index can exploit,
    as real embeddings have (uniform random vectors in high dimension have none)."""
    centres = rng.standard_normal((max(1, n // 100), dimension))
    vectors = centres[rng.integers(0, len(centres), n)] + 0.6 * rng.standard_normal((n, dimension))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_approximate_index_keeps_recall_at_10_on_random_vectors() -> None:
    rng = np.random.default_rng(7)
    vectors = clustered_unit_vectors(6000, 64, rng)
    ids = np.arange(6000, dtype=np.int64) * 7 + 3  # ids need not be row numbers
    flat = flat_index(64)
    flat.add_with_ids(vectors, ids)
    ivf, choice = approximate_index(flat)
    assert choice.kind == "ivf-sq8" and ivf.ntotal == 6000
    assert choice.nprobe < choice.nlist  # it is approximate, not a full scan in disguise
    assert choice.recall_at_10 >= store.TARGET_RECALL
    # fresh queries, not the stored vectors it was tuned on
    queries = clustered_unit_vectors(200, 64, np.random.default_rng(8))
    queries = vectors[rng.integers(0, 6000, 200)] + 0.3 * queries
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    _, exact = flat.search(queries, 10)
    _, approx = ivf.search(queries, 10)
    assert set(approx.ravel().tolist()) <= set(ids.tolist())
    assert recall_at(exact.tolist(), approx.tolist()) >= store.TARGET_RECALL


def _finds_itself(index: faiss.Index, vectors: np.ndarray, ids: np.ndarray) -> float:
    _, top = index.search(vectors, 1)
    return float(np.mean(top[:, 0] == ids))


def test_an_ivf_index_is_retrained_when_the_corpus_outgrows_it_and_turns_flat_when_it_shrinks() -> None:
    rng = np.random.default_rng(11)
    vectors = clustered_unit_vectors(12_000, 64, rng)
    ids = np.arange(12_000, dtype=np.int64) * 5 + 1
    flat_max = 1000
    index, choice = fitted_index(flat_index(64), IndexChoice("flat"), ids[:0], flat_max)
    index.add_with_ids(vectors[:2000], ids[:2000])
    index, choice = fitted_index(index, choice, ids[:2000], flat_max)
    assert choice.kind == "ivf-sq8" and choice.trained_on == 2000
    first_nlist = choice.nlist

    index.add_with_ids(vectors[2000:7000], ids[2000:7000])  # 3.5x: kept as it is
    same, kept = fitted_index(index, choice, ids[:7000], flat_max)
    assert same is index and kept == choice

    index.add_with_ids(vectors[7000:], ids[7000:])  # 6x: rebuilt with more lists, nprobe tuned again
    grown, regrown = fitted_index(index, choice, ids, flat_max)
    assert regrown.kind == "ivf-sq8" and regrown.trained_on == 12_000 and regrown.nlist > first_nlist
    assert regrown.recall_at_10 >= store.TARGET_RECALL and grown.ntotal == 12_000
    assert _finds_itself(grown, vectors, ids) >= 0.99  # the decoded 8-bit vectors still find each chunk

    keep = ids[:800]
    grown.remove_ids(ids[800:])  # down to 800, below flat_max: exact again
    small, small_choice = fitted_index(grown, regrown, keep, flat_max)
    assert small_choice == IndexChoice("flat") and isinstance(small, faiss.IndexIDMap2) and small.ntotal == 800
    assert _finds_itself(small, vectors[:800], keep) == 1.0


class CountingEmbedder:
    """The session's embedder, recording every text it is asked to encode."""

    stream_batch = Embedder.stream_batch

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self.texts: list[str] = []

    def encode(self, texts: list[str], show_progress: bool | None = None) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.encode(texts, show_progress)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """The seeds plus one article to change and one to delete."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    (folder / "town.txt").write_text("The council of Dunmore voted 7 to 2 on Tuesday to build a new bridge.\n",
                                     encoding="utf-8")
    (folder / "gone.txt").write_text(f"The {REMOVED_WORD} mineral was found near the old mine.\n", encoding="utf-8")
    return folder


def test_incremental_update_of_an_approximate_index(
    corpus: Path, tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "FLAT_MAX_VECTORS", 10)
    index_dir = tmp_path / "ix"
    first, _ = build_index([corpus], index_dir, embedder)
    manifest = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["faiss_index"]["kind"] == "ivf-sq8" == first.choice.kind
    assert manifest["faiss_index"]["nprobe"] >= 1 and manifest["format_version"] == store.FORMAT_VERSION
    seeds = sorted(p.name for p in SEEDS.glob("*.txt"))
    ids_before: dict[str, list[int]] = defaultdict(list)
    for chunk, chunk_id in zip(first.chunks, first.ids.tolist()):
        ids_before[chunk.source].append(chunk_id)

    changed = corpus / "town.txt"
    changed.write_text("Dunmore postponed the bridge vote to June after a flood.\n", encoding="utf-8")
    (corpus / "gone.txt").unlink()
    (corpus / "bergen.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    counting = CountingEmbedder(embedder)
    index, report = build_index([corpus], index_dir, counting)
    assert report.embedded == ("bergen.txt", "town.txt") and report.dropped == ("gone.txt",)
    # only the changed and new files were embedded; everyone else kept their ids (and vectors)
    assert sorted(counting.texts) == sorted([NEW_ARTICLE.strip(), changed.read_text(encoding="utf-8").strip()])
    for chunk, chunk_id in zip(index.chunks, index.ids.tolist()):
        if chunk.source not in ("bergen.txt", "town.txt"):
            assert chunk_id in ids_before[chunk.source]
    loaded = CorpusIndex.load(index_dir, embedder.model_id)
    assert loaded.choice == index.choice and loaded.choice.kind == "ivf-sq8"
    assert loaded.vectors.ntotal == len(loaded.chunks) and "gone.txt" not in {c.source for c in loaded.chunks}
    for i, chunk in enumerate(loaded.chunks):  # offsets still point into the files on disk
        assert (corpus / chunk.source).read_text(encoding="utf-8")[chunk.start : chunk.end] == loaded.chunk_text(i)

    # dense: the new file's text finds its chunk; BM25 knows the new words and forgot the removed ones
    bergen = next(i for i, c in enumerate(loaded.chunks) if c.source == "bergen.txt")
    assert loaded.search(embedder.encode([NEW_ARTICLE])[0], 3)[0][0] == bergen
    retriever = HybridRetriever(loaded, embedder)
    assert retriever.closest_chunks("Bergen harbour festival tall ships", 1)[0].chunk == bergen
    assert all(loaded.chunks[h.chunk].source != "gone.txt" for h in retriever.closest_chunks(REMOVED_WORD, 5))
    assert {c.source for c in loaded.chunks} >= set(seeds)

    bot = QA(loaded, embedder)
    answer = bot.ask("When did the Bergen harbour festival open?")
    assert answer.answer is not None and answer.source == "bergen.txt"
    for item in (answer, *answer.evidence):
        assert_offsets(corpus, item)


def test_flat_index_grows_into_an_approximate_one(embedder: Embedder, corpus: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    index_dir = tmp_path / "ix"
    small, _ = build_index([corpus], index_dir, embedder)
    assert small.choice.kind == "flat" and isinstance(small.vectors, faiss.IndexIDMap2)
    monkeypatch.setattr(store, "FLAT_MAX_VECTORS", len(small.chunks))
    (corpus / "bergen.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    grown, report = build_index([corpus], index_dir, embedder)
    assert report.embedded == ("bergen.txt",) and grown.choice.kind == "ivf-sq8"
    assert grown.ids[: len(small.ids)].tolist() == small.ids.tolist()
    seeds = {p.name for p in SEEDS.glob("*.txt")}
    for i, chunk in enumerate(grown.chunks):  # each seeds chunk still finds itself through its id
        if chunk.source in seeds:
            assert grown.search(embedder.encode([grown.chunk_text(i)])[0], 1)[0][0] == i


def test_an_incremental_build_retrains_an_outgrown_ivf_index(embedder: Embedder, corpus: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "FLAT_MAX_VECTORS", 10)
    index_dir = tmp_path / "ix"
    first, _ = build_index([corpus], index_dir, embedder)
    assert first.choice.kind == "ivf-sq8" and first.choice.trained_on == len(first.chunks)
    # one long article brings more than RETRAIN_FACTOR times the chunks the lists were trained on
    lines = [f"In year {n} the harbour of Port {n} counted {n * 7} ships, {n * 3} ferries and {n + 11} cranes."
             for n in range(1, 700)]
    (corpus / "harbours.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    grown, report = build_index([corpus], index_dir, embedder)
    assert report.embedded == ("harbours.txt",)
    assert len(grown.chunks) > store.RETRAIN_FACTOR * first.choice.trained_on
    assert grown.choice.kind == "ivf-sq8" and grown.choice.trained_on == len(grown.chunks)
    assert grown.choice.nlist >= first.choice.nlist and grown.choice.recall_at_10 >= store.TARGET_RECALL
    loaded = CorpusIndex.load(index_dir, embedder.model_id)
    assert loaded.choice == grown.choice and loaded.vectors.ntotal == len(loaded.chunks)
    for i in range(0, len(loaded.chunks), 25):  # every sampled chunk, old or new, still finds itself
        assert loaded.search(embedder.encode([loaded.chunk_text(i)])[0], 1)[0][0] == i
