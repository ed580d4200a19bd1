"""The index on Milvus (embedded Milvus Lite, the same client API as a server): the same answers,
sources and offsets as the FAISS default, incremental builds, refusals, and a killed run that
leaves a usable store which the next run completes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from qa import QA, QAError
from qa.index import milvus_store
from qa.index.embedding import Embedder
from qa.index.location import parse_store
from qa.index.milvus_store import MilvusIndex
from qa.ingest.chunking import ChunkSettings
from qa.pipeline import build_index
from tests.conftest import SEEDS, run_qa

KUTCHER = "when did Kutcher resign?"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("milvus-corpus") / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"milvus-lite:{tmp_path_factory.mktemp('milvus') / 'milvus.db'}"


@pytest.fixture(scope="module")
def milvus_bot(seeds_bot: QA, corpus: Path, store: str) -> QA:
    index, report = build_index([corpus], "unused-index", seeds_bot.embedder, store=store)
    assert isinstance(index, MilvusIndex) and len(report.embedded) == 2
    return QA(index, seeds_bot.embedder, reader=seeds_bot.reader)


def assert_offsets(ans, corpus: Path) -> None:
    for ev in ans.evidence:
        text = (corpus / ev.source).read_text(encoding="utf-8")
        assert text[ev.quote_start : ev.quote_end] == ev.quote
        if ev.answer is not None:
            assert text[ev.start : ev.end] == ev.answer


def test_same_answer_sources_and_offsets_as_faiss(seeds_bot: QA, milvus_bot: QA, corpus: Path) -> None:
    faiss_answer, milvus_answer = seeds_bot.ask(KUTCHER), milvus_bot.ask(KUTCHER)
    assert milvus_answer.answer is not None
    assert milvus_answer.to_dict() == faiss_answer.to_dict()
    assert_offsets(milvus_answer, corpus)


@pytest.mark.parametrize("question", ["Who did Kutcher start Thorn with?", "How many years was Masterson sentenced to?",
                                      "What is the capital of Peru?"])
def test_other_questions_keep_the_offsets_contract(milvus_bot: QA, corpus: Path, question: str) -> None:
    assert_offsets(milvus_bot.ask(question), corpus)


def test_store_lists_and_returns_documents(seeds_bot: QA, milvus_bot: QA, corpus: Path) -> None:
    index = milvus_bot.index
    assert index.sources() == sorted(p.name for p in corpus.glob("*.txt"))
    for source in index.sources():
        assert index.document(source).text == (corpus / source).read_text(encoding="utf-8")
    assert index.document("no-such-file.txt") is None
    assert index.chunk_count() == seeds_bot.index.chunk_count() > 0
    assert index.stale_sources() == []


def test_incremental_build_changes_only_what_changed(seeds_bot: QA, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("The Zorblax bridge was opened by Mayor Quint in 1987.\n", encoding="utf-8")
    (folder / "b.txt").write_text("Harbour festival: the tall ships arrive in Bergen every June.\n", encoding="utf-8")
    store = f"milvus-lite:{tmp_path / 'store' / 'm.db'}"
    _, first = build_index([folder], tmp_path / "unused", seeds_bot.embedder, store=store)
    assert sorted(first.embedded) == ["a.txt", "b.txt"]
    _, again = build_index([folder], tmp_path / "unused", seeds_bot.embedder, store=store)
    assert again.embedded == () and sorted(again.reused) == ["a.txt", "b.txt"]
    (folder / "a.txt").write_text("The Zorblax bridge was opened by Mayor Plunkett in 1991.\n", encoding="utf-8")
    (folder / "b.txt").unlink()
    index, changed = build_index([folder], tmp_path / "unused", seeds_bot.embedder, store=store)
    assert changed.embedded == ("a.txt",) and changed.dropped == ("b.txt",)
    bot = QA(index, seeds_bot.embedder, reader=seeds_bot.reader)
    _, _, passages = bot.retrieve("Bergen tall ships harbour festival")
    assert {p.source for p in passages} == {"a.txt"}
    assert "Plunkett" in index.document("a.txt").text and index.sources() == ["a.txt"]


def test_other_model_or_chunking_is_refused(seeds_bot: QA, milvus_bot: QA, corpus: Path, store: str) -> None:
    with pytest.raises(QAError, match="another store"):
        build_index([corpus], "unused-index", seeds_bot.embedder, ChunkSettings(chunk_size=300), store=store)
    with pytest.raises(QAError, match="was built with model"):
        MilvusIndex.open(parse_store(store), "some/other-model")


class StopsAfter:
    """The real embedder, killed (as by Ctrl-C) on its ``calls``-th batch: a run stopped midway."""

    stream_batch = 4

    def __init__(self, embedder: Embedder, calls: int) -> None:
        self.embedder, self.left = embedder, calls

    model_id = property(lambda self: self.embedder.model_id)
    dimension = property(lambda self: self.embedder.dimension)

    def encode(self, texts: list[str], show_progress: bool | None = None) -> np.ndarray:
        self.left -= 1
        if self.left <= 0:
            raise KeyboardInterrupt
        return self.embedder.encode(texts, show_progress=False)


def test_a_killed_run_leaves_a_usable_store_that_the_next_run_completes(
        seeds_bot: QA, corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = f"milvus-lite:{tmp_path / 'm.db'}"
    monkeypatch.setattr(milvus_store, "GROUP_CHUNKS", 1)  # one file per write group
    with pytest.raises(KeyboardInterrupt):
        build_index([corpus], tmp_path / "unused", StopsAfter(seeds_bot.embedder, 6), store=store)
    half = MilvusIndex.open(parse_store(store), seeds_bot.embedder.model_id)
    assert len(half.sources()) == 1  # the first file was written whole, the second not at all
    answer = QA(half, seeds_bot.embedder, reader=seeds_bot.reader).ask(KUTCHER)
    assert all(ev.source in half.sources() for ev in answer.evidence)
    assert_offsets(answer, corpus)
    index, report = build_index([corpus], tmp_path / "unused", seeds_bot.embedder, store=store)
    assert len(report.embedded) == 1 and len(report.reused) == 1
    assert index.sources() == sorted(p.name for p in corpus.glob("*.txt"))
    assert index.chunk_count() == sum(1 for _ in milvus_store._query_all(index.client, milvus_store.CHUNKS, "", ["id"]))
    clean = QA(index, seeds_bot.embedder, reader=seeds_bot.reader).ask(KUTCHER)
    assert clean.to_dict() == seeds_bot.ask(KUTCHER).to_dict()


@pytest.mark.parametrize("spec", ["milvus-lite:", "milvus-lite:store", "milvus://nohost", "milvus://:19530", "faiss:x"])
def test_bad_store_uris_are_refused_before_anything_loads(spec: str) -> None:
    with pytest.raises(QAError, match="milvus"):
        parse_store(spec)


def test_cli_index_and_ask_on_milvus_lite(tmp_path: Path) -> None:
    corpus = tmp_path / "seeds"
    shutil.copytree(SEEDS, corpus)
    store = f"milvus-lite:{tmp_path / 'index' / 'milvus.db'}"
    done = run_qa(["index", str(corpus), "--store", store], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2 embedded" in done.stdout and "Traceback" not in done.stderr
    asked = run_qa(["ask", KUTCHER, "--store", store, "--json"], cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    assert '"answer": "Thursday"' in asked.stdout
    missing = run_qa(["ask", KUTCHER, "--store", f"milvus-lite:{tmp_path / 'none.db'}"], cwd=tmp_path)
    assert missing.returncode == 2 and "qa index FOLDER --store" in missing.stderr and "Traceback" not in missing.stderr
    inside = run_qa(["index", str(corpus), "--store", f"milvus-lite:{corpus / 'm.db'}"], cwd=tmp_path)
    assert inside.returncode == 2 and "overlap" in inside.stderr


def test_ray_embedding_writes_the_vectors_of_one_process(seeds_bot: QA, corpus: Path, tmp_path: Path) -> None:
    """`qa index --ray` with no address: a local Ray, one model per worker, the same vectors."""
    import ray

    from qa.index.ray_embedding import RayEmbedder

    store = f"milvus-lite:{tmp_path / 'ray.db'}"
    try:
        index, report = build_index([corpus], tmp_path / "unused", RayEmbedder(), store=store)
    finally:
        ray.shutdown()
    assert len(report.embedded) == 2 and index.chunk_count() == seeds_bot.index.chunk_count()
    rows = list(milvus_store._query_all(index.client, milvus_store.CHUNKS, "", ["text", "vector"]))
    local = seeds_bot.embedder.encode([row["text"] for row in rows], show_progress=False)
    assert np.allclose(np.asarray([row["vector"] for row in rows], dtype=np.float32), local, atol=1e-5)


def test_a_local_ray_that_starts_slowly_is_tried_again_and_a_cluster_address_is_not(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A local raylet has a fixed 30 s to register (CI once ran past it on a busy machine): a local
    start is retried; an unreachable cluster is reported at once, with what to give instead."""
    import ray

    from qa.index.ray_embedding import LOCAL_START_TRIES, RayEmbedder

    calls: list[str | None] = []

    def init(address: str | None = None, **_: object) -> None:
        calls.append(address)
        if address or len(calls) < LOCAL_START_TRIES:
            raise Exception("The current node timed out during startup.")

    monkeypatch.setattr(ray, "init", init)
    monkeypatch.setattr(ray, "shutdown", lambda: None)
    monkeypatch.setattr(ray, "cluster_resources", lambda: {"CPU": 4})
    local = RayEmbedder()
    local._start()
    assert calls == [None] * LOCAL_START_TRIES and local.workers == 2
    calls.clear()
    with pytest.raises(QAError, match="head node's address"):
        RayEmbedder("ray://nowhere:10001")._start()
    assert calls == ["ray://nowhere:10001"]
