"""The index on disk: round trip, validation on load, incremental updates, atomic writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import faiss
import numpy as np
import pytest

from qa.errors import QAError
from qa.index.embedding import Embedder
from qa.index.store import MANIFEST, CorpusIndex
from qa.pipeline import build_index

from .conftest import SEEDS


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


def _manifest(index_dir: Path) -> dict:
    return json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))


def test_round_trip_gives_the_same_search(corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    built, _ = build_index([corpus], tmp_path / "ix", embedder)
    loaded = CorpusIndex.load(tmp_path / "ix", embedder.model_id)
    assert loaded.chunks == built.chunks
    assert [d.sha256 for d in loaded.documents] == [d.sha256 for d in built.documents]
    query = embedder.encode(["when did Kutcher resign?"])[0]
    assert loaded.search(query, 5) == built.search(query, 5)
    manifest = _manifest(tmp_path / "ix")
    assert manifest["counts"] == {"documents": 2, "chunks": len(built.chunks), "vectors": len(built.chunks)}
    assert manifest["model"] == {"id": embedder.model_id, "dimension": 384}
    assert set(manifest["files"]) == {p.name for p in SEEDS.glob("*.txt")}


def test_changed_file_is_reembedded_and_deleted_one_dropped(corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    index_dir = tmp_path / "ix"
    _, report = build_index([corpus], index_dir, embedder)
    assert len(report.embedded) == 2 and not report.reused
    _, report = build_index([corpus], index_dir, embedder)
    assert report.embedded == () and len(report.reused) == 2

    names = sorted(p.name for p in corpus.glob("*.txt"))
    changed = corpus / names[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nThe board met again on Monday to name a successor.\n",
                       encoding="utf-8")
    (corpus / names[1]).unlink()
    (corpus / "new.txt").write_text("A new article says the festival opened in Bergen on 3 May.\n", encoding="utf-8")
    _, report = build_index([corpus], index_dir, embedder)
    assert report.embedded == (names[0], "new.txt")
    assert report.dropped == (names[1],)
    loaded = CorpusIndex.load(index_dir, embedder.model_id)
    assert {c.source for c in loaded.chunks} == {names[0], "new.txt"}
    # the vectors stayed in step with their chunks: each chunk's own text finds itself first
    for i in range(len(loaded.chunks)):
        vector = embedder.encode([loaded.chunk_text(i)])[0]
        assert loaded.search(vector, 1)[0][0] == i


def test_model_mismatch_is_a_clear_error(corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    build_index([corpus], tmp_path / "ix", embedder)
    with pytest.raises(QAError, match=r"built with model .* rebuild"):
        CorpusIndex.load(tmp_path / "ix", "some-other-model")


@pytest.mark.parametrize("damage", ["counts", "format", "json", "faiss", "missing"])
def test_damaged_index_is_detected(corpus: Path, tmp_path: Path, embedder: Embedder, damage: str) -> None:
    index_dir = tmp_path / "ix"
    build_index([corpus], index_dir, embedder)
    manifest = _manifest(index_dir)
    if damage == "counts":
        manifest["counts"]["chunks"] += 1
        (index_dir / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    elif damage == "format":
        manifest["format_version"] = 99
        (index_dir / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    elif damage == "json":
        (index_dir / manifest["chunks_file"]).write_text("{not json", encoding="utf-8")
    elif damage == "faiss":
        path = index_dir / manifest["vectors_file"]
        path.write_bytes(path.read_bytes()[:100])
    else:
        (index_dir / MANIFEST).unlink()
    with pytest.raises(QAError, match="qa index"):
        CorpusIndex.load(index_dir, embedder.model_id)


def test_interrupted_save_leaves_the_previous_index(
    corpus: Path, tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_dir = tmp_path / "ix"
    before, _ = build_index([corpus], index_dir, embedder)
    (corpus / "extra.txt").write_text("The museum reopened on 4 June after a long renovation.\n", encoding="utf-8")

    def crash(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(faiss, "write_index", crash)
    with pytest.raises(KeyboardInterrupt):
        build_index([corpus], index_dir, embedder)
    monkeypatch.undo()
    after = CorpusIndex.load(index_dir, embedder.model_id)
    assert after.chunks == before.chunks
    assert not list(index_dir.glob("*.tmp"))
    assert np.array_equal(after.vectors.reconstruct_n(0, after.vectors.ntotal),
                          before.vectors.reconstruct_n(0, before.vectors.ntotal))
