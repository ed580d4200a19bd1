"""A damaged or outdated index is detected when it is opened, with a message that says what to run.

Only the public doors are used to open it (``CorpusIndex.load``, ``QA.load``, ``qa ask``), and the
damage is done to the files that index/README.md documents (``manifest.json``, ``*.faiss``, the
chunks ``*.json``), so these tests hold whatever the store does inside.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from qa import QA, QAError
from qa.index.embedding import Embedder
from qa.index.store import CorpusIndex
from qa.pipeline import build_index

from .conftest import SEEDS, assert_offsets, run_qa

MANIFEST = "manifest.json"
REBUILD = "qa index"  # every message says what to run


def _edit_manifest(index: Path, change: Callable[[dict], object]) -> None:
    manifest = json.loads((index / MANIFEST).read_text(encoding="utf-8"))
    change(manifest)
    (index / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _data_files(index: Path, suffix: str) -> list[Path]:
    """The current generation's data files with this suffix, as the manifest names them."""
    manifest = json.loads((index / MANIFEST).read_text(encoding="utf-8"))
    files = [index / manifest[key] for key in ("vectors_file", "chunks_file") if manifest[key].endswith(suffix)]
    assert files, f"no {suffix} data file in {index}"
    return files


def _truncate(path: Path, keep: float) -> None:
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * keep)])


def _bump_counts(manifest: dict) -> None:
    manifest["counts"] = {key: value + 1 for key, value in manifest["counts"].items()}


def _alter_text(index: Path) -> None:
    """Keep the JSON valid but change an indexed text, so that it no longer matches its hash."""
    for path in _data_files(index, ".json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["documents"][0]["text"] += " An extra sentence nobody indexed."
        path.write_text(json.dumps(data), encoding="utf-8")


DAMAGE: dict[str, Callable[[Path], object]] = {
    "truncated FAISS file": lambda ix: [_truncate(p, 0.5) for p in _data_files(ix, ".faiss")],
    "empty FAISS file": lambda ix: [_truncate(p, 0) for p in _data_files(ix, ".faiss")],
    "missing FAISS file": lambda ix: [p.unlink() for p in _data_files(ix, ".faiss")],
    "malformed chunks JSON": lambda ix: [p.write_text("{not json", encoding="utf-8") for p in _data_files(ix, ".json")],
    "truncated chunks JSON": lambda ix: [_truncate(p, 0.5) for p in _data_files(ix, ".json")],
    "chunks JSON of another shape": lambda ix: [p.write_text('{"rows": []}', encoding="utf-8") for p in _data_files(ix, ".json")],
    "indexed text altered": _alter_text,
    "malformed manifest": lambda ix: (ix / MANIFEST).write_text("{oops", encoding="utf-8"),
    "manifest not an object": lambda ix: (ix / MANIFEST).write_text("[1, 2]", encoding="utf-8"),
    "manifest of another format version": lambda ix: _edit_manifest(ix, lambda m: m.update(format_version=999)),
    "manifest counts disagree": lambda ix: _edit_manifest(ix, _bump_counts),
    "manifest without counts": lambda ix: _edit_manifest(ix, lambda m: m.pop("counts")),
    "manifest missing": lambda ix: (ix / MANIFEST).unlink(),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Path:
    """One good index of a private seeds copy; each test damages a copy of it."""
    root = tmp_path_factory.mktemp("pristine")
    shutil.copytree(SEEDS, root / "corpus")
    build_index([root / "corpus"], root / "index", embedder)
    return root / "index"


def _damaged(pristine: Path, tmp_path: Path, damage: str) -> Path:
    index = tmp_path / "index"
    shutil.copytree(pristine, index)
    DAMAGE[damage](index)
    return index


@pytest.mark.parametrize("damage", DAMAGE)
def test_damage_is_detected_on_load_with_what_to_run(pristine: Path, tmp_path: Path, embedder: Embedder,
                                                     damage: str) -> None:
    index = _damaged(pristine, tmp_path, damage)
    with pytest.raises(QAError, match=REBUILD) as caught:
        CorpusIndex.load(index, embedder.model_id)
    assert str(index) in str(caught.value)
    with pytest.raises(QAError, match=REBUILD):
        QA.load(index)


def test_cli_reports_each_damage_in_one_line(pristine: Path, tmp_path: Path) -> None:
    indexes = {damage: _damaged(pristine, tmp_path / str(n), damage) for n, damage in enumerate(DAMAGE)}

    def ask(index: Path):
        return run_qa(["ask", "when did Kutcher resign?", "--index", str(index)], tmp_path)

    with ThreadPoolExecutor(max_workers=2) as pool:  # each run is mostly Python start-up
        results = dict(zip(indexes, pool.map(ask, indexes.values())))
    for damage, result in results.items():
        assert result.returncode == 2, (damage, result.stderr)
        assert "Traceback" not in result.stderr, damage
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("qa: error: ") and REBUILD in lines[0], (damage, lines)


def test_an_index_of_another_model_is_refused(pristine: Path, tmp_path: Path) -> None:
    with pytest.raises(QAError, match=rf"built with model .*{REBUILD}"):
        QA.load(pristine, model="acme/other-embedding-model")
    result = run_qa(["ask", "when did Kutcher resign?", "--index", str(pristine)], tmp_path,
                    env={"QA_EMBEDDING_MODEL": "acme/other-embedding-model"})
    assert result.returncode == 2, result.stderr
    assert "acme/other-embedding-model" in result.stderr and REBUILD in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_files_changed_since_indexing_are_named_with_what_to_run(tmp_path: Path, embedder: Embedder,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    build_index([corpus], tmp_path / "index", embedder)
    changed, deleted = sorted(p.name for p in corpus.glob("*.txt"))[:2]
    (corpus / changed).write_text("Rewritten after indexing.\n", encoding="utf-8")
    (corpus / deleted).unlink()
    with caplog.at_level(logging.WARNING, logger="qa.pipeline"):
        QA.load(tmp_path / "index")
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert changed in warning and deleted in warning and REBUILD in warning


def test_answers_leave_out_files_changed_since_indexing(tmp_path: Path, embedder: Embedder) -> None:
    """An indexed text that no longer matches its file would give offsets into the wrong text."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    build_index([corpus], tmp_path / "index", embedder)
    bot = QA.load(tmp_path / "index")
    question = "How many counts of rape was Masterson convicted of?"
    before = {e.source for e in bot.ask(question).evidence}
    assert len(before) == 2  # both articles answer while they match the index
    changed = sorted(before)[0]
    (corpus / changed).write_text("Kutcher resigned on Monday, a spokesman said.\n", encoding="utf-8")
    bot = QA.load(tmp_path / "index")
    assert bot.stale == {changed}
    for ask in (bot.ask(question), bot.check("Kutcher resigned as chairman of Thorn.")):
        assert ask.evidence and all(e.source != changed for e in ask.evidence)
        for item in ask.evidence:
            assert_offsets(corpus, item)


def test_a_rebuild_repairs_a_damaged_index(pristine: Path, tmp_path: Path, embedder: Embedder) -> None:
    index = _damaged(pristine, tmp_path, "truncated FAISS file")
    corpus = (pristine / json.loads((pristine / MANIFEST).read_text(encoding="utf-8"))["corpus_root"]).resolve()
    build_index([corpus], index, embedder)  # what the message says to run
    assert len(CorpusIndex.load(index, embedder.model_id).documents) == len(list(SEEDS.glob("*.txt")))
