"""No user file lost, nothing outside the corpus read (issue 17): the index writer deletes only what
it wrote, the corpus is a boundary (links, devices, FIFOs, odd names), loads never see half an
index, uploads go where the chat was told, and every user error is one clear QAError."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from qa import QA
from qa.errors import QAError
from qa.eval.questions import load_gold
from qa.index.embedding import Embedder
from qa.index.store import JOURNAL, LOCK, MANIFEST, CorpusIndex
from qa.ingest.documents import load_folder
from qa.pipeline import build_index

from .conftest import run_qa

ARTICLE = "The Zorblax Festival was held in Tromso on 12 May 2024, with 300 stalls and a brass band.\n"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "zorblax.txt").write_text(ARTICLE, encoding="utf-8")
    return folder


# --- delete only what you wrote ------------------------------------------------------------------


def test_rebuilds_keep_only_the_index_files_and_never_touch_others(corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    index = tmp_path / "index"
    index.mkdir()
    (index / "README.md").write_text("what this folder is\n", encoding="utf-8")
    generations = []
    for n in range(4):
        (corpus / "zorblax.txt").write_text(ARTICLE + f"Edition {n}.\n", encoding="utf-8")
        build_index([corpus], index, embedder)
        manifest = json.loads((index / MANIFEST).read_text(encoding="utf-8"))
        generations.append({manifest["vectors_file"], manifest["chunks_file"]})
    left = {p.name for p in index.iterdir()}
    # the current and the previous generation (a reader may still be opening it), nothing older
    assert left == {MANIFEST, LOCK, JOURNAL, "README.md"} | generations[-1] | generations[-2]
    assert (index / "README.md").read_text(encoding="utf-8") == "what this folder is\n"


@pytest.mark.parametrize("names", [["chunks-of-history.txt"], ["draft.tmp"], ["vectors-mine.faiss", "notes.md"]])
def test_an_index_folder_with_a_users_files_is_refused_and_they_survive(
        corpus: Path, tmp_path: Path, embedder: Embedder, names: list[str]) -> None:
    index = tmp_path / "index"
    index.mkdir()
    for name in names:
        (index / name).write_text("mine\n", encoding="utf-8")
    with pytest.raises(QAError, match="holds files that are not an index's"):
        build_index([corpus], index, embedder)
    assert sorted(p.name for p in index.iterdir()) == sorted(names)
    assert all((index / n).read_text(encoding="utf-8") == "mine\n" for n in names)


def test_the_corpus_as_its_own_index_is_refused_from_the_cli(corpus: Path) -> None:
    (corpus / "chunks-of-history.txt").write_text("Chunks of history, a user's notes.\n", encoding="utf-8")
    (corpus / "draft.tmp").write_text("a draft\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in corpus.iterdir()}
    for index in (corpus, corpus / "index", corpus.parent):  # is, lies inside, contains the corpus
        done = run_qa(["index", str(corpus), "--index", str(index)], cwd=corpus.parent)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert "overlap" in done.stderr
    assert {p.name: p.read_bytes() for p in corpus.iterdir()} == before


@pytest.mark.parametrize("where", ["file", "proc"])
def test_an_index_folder_that_cannot_be_one_is_one_line(corpus: Path, tmp_path: Path, where: str) -> None:
    index = tmp_path / "a-file" if where == "file" else Path("/proc/self/qa-index")
    if where == "file":
        index.write_text("not a folder\n", encoding="utf-8")
    done = run_qa(["index", str(corpus), "--index", str(index)], cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


# --- the corpus is a boundary --------------------------------------------------------------------


def test_links_out_devices_fifos_and_odd_names_are_skipped_without_hanging(corpus: Path, tmp_path: Path,
                                                                          caplog: pytest.LogCaptureFixture) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("The password is swordfish, a secret outside the corpus.\n", encoding="utf-8")
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    (corpus / "secret.txt").symlink_to(outside)
    (corpus / "zero.txt").symlink_to("/dev/zero")
    (corpus / "inside.txt").symlink_to(corpus / "zorblax.txt")  # a link within the corpus is fine
    os.mkfifo(corpus / "pipe.txt")
    bad_name = os.fsencode(corpus) + b"/caf\xe9.txt"
    with open(bad_name, "wb") as fh:
        fh.write(b"A file whose name is Latin-1, not UTF-8.\n")
    started = time.monotonic()
    docs = load_folder(corpus)
    assert time.monotonic() - started < 10
    assert sorted(d.source for d in docs) == ["inside.txt", "zorblax.txt"]
    warned = caplog.text
    for name in ("passwd.txt", "secret.txt", "zero.txt", "pipe.txt", "caf\\udce9.txt"):
        assert f"skipped {name}" in warned or f"skipped '{name}'" in warned, (name, warned)
    assert "swordfish" not in "".join(d.text for d in docs) and "root:" not in "".join(d.text for d in docs)


def test_an_index_run_over_odd_files_leaves_no_stray_files(corpus: Path, tmp_path: Path) -> None:
    os.mkfifo(corpus / "pipe.txt")
    with open(os.fsencode(corpus) + b"/bad\xff.txt", "wb") as fh:
        fh.write(b"Some words in a file with an odd name.\n")
    index = tmp_path / "index"
    done = run_qa(["index", str(corpus), "--index", str(index)], cwd=tmp_path, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "indexed 1 files" in done.stdout
    manifest = json.loads((index / MANIFEST).read_text(encoding="utf-8"))
    assert {p.name for p in index.iterdir()} == {MANIFEST, LOCK, JOURNAL, manifest["vectors_file"], manifest["chunks_file"]}


# --- readers never see half an index ---------------------------------------------------------------


def test_loads_racing_rewrites_never_fail(corpus: Path, tmp_path: Path, embedder: Embedder) -> None:
    index_dir = tmp_path / "index"
    index, _ = build_index([corpus], index_dir, embedder)
    stop = threading.Event()
    rewrites = 0

    def rewrite() -> None:
        nonlocal rewrites
        while not stop.is_set():
            index.save(index_dir)
            rewrites += 1

    writer = threading.Thread(target=rewrite)
    writer.start()
    loads, failures = 0, []
    deadline = time.monotonic() + 4
    try:
        while time.monotonic() < deadline:
            try:
                assert len(CorpusIndex.load(index_dir, embedder.model_id).documents) == 1
                loads += 1
            except QAError as err:
                failures.append(str(err))
    finally:
        stop.set()
        writer.join()
    assert rewrites > 5 and loads > 5
    assert failures == []


# --- a moved project ------------------------------------------------------------------------------


def test_a_copied_project_finds_its_articles_and_a_lost_corpus_still_answers(corpus: Path, tmp_path: Path,
                                                                          embedder: Embedder) -> None:
    build_index([corpus], tmp_path / "index", embedder)
    manifest = json.loads((tmp_path / "index" / MANIFEST).read_text(encoding="utf-8"))
    assert not os.path.isabs(manifest["corpus_root"])
    copy = tmp_path.parent / (tmp_path.name + "-copy")
    shutil.copytree(tmp_path, copy, symlinks=True)
    shutil.rmtree(corpus)  # the original project's articles are gone
    moved = CorpusIndex.load(copy / "index", embedder.model_id)
    assert Path(moved.corpus_root) == (copy / "corpus").resolve() and moved.stale_sources() == []
    shutil.rmtree(copy / "corpus")
    assert CorpusIndex.load(copy / "index", embedder.model_id).stale_sources() == []  # serves its own copies


# --- the web chat writes where it was told ----------------------------------------------------------


def test_uploads_go_to_the_chats_corpus_within_limits(tmp_path: Path, embedder: Embedder) -> None:
    from qa.app import web as ui
    multi = tmp_path / "multi"
    (multi / "a").mkdir(parents=True)
    (multi / "private").mkdir()
    (multi / "a" / "zorblax.txt").write_text(ARTICLE, encoding="utf-8")
    (multi / "private" / "diary.txt").write_text("My diary says the vault code is 4711.\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    bot = QA(build_index([multi / "a"], index_dir, embedder)[0], embedder)
    read_only = ui.SharedBot(bot, index_dir)
    with pytest.raises(QAError, match="read-only"):
        read_only.add_article("new.txt", b"An article nobody may add here.\n")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    shared = ui.SharedBot(bot, index_dir, ui.UploadPolicy(uploads, max_files=1, max_bytes=10_000))
    source = shared.add_article("fair.txt", b"The Alpha Fair was held in Oslo on 3 March 2020.\n")
    assert (uploads / source).is_file() and not (multi / source).exists()
    assert all("diary" not in d.source for d in shared.bot.index.documents)
    with pytest.raises(QAError, match="upload limit"):
        shared.add_article("second.txt", b"A second article over the limit.\n")


# --- every user error is one line -------------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda: QA.load(None),
    lambda: QA.load(3),
    lambda: QA.from_folder(None, "index"),
])
def test_api_folder_arguments_are_checked_first(call) -> None:
    with pytest.raises(QAError, match="must be a folder path"):
        call()


@pytest.mark.parametrize("top_k", ["5", 2.5, 0, -1, True, 10_000])
def test_api_top_k_is_checked(seeds_bot: QA, top_k: object) -> None:
    with pytest.raises(QAError, match="top_k"):
        seeds_bot.ask("when did Kutcher resign?", top_k=top_k)


@pytest.mark.parametrize("threshold", ["high", float("nan"), True, [0.5]])
def test_api_threshold_is_checked(seeds_bot: QA, threshold: object) -> None:
    with pytest.raises(QAError, match="threshold"):
        QA(seeds_bot.index, seeds_bot.embedder, reader=seeds_bot.reader, threshold=threshold)


SQUAD_BAD = {
    "question without id": {"data": [{"title": "T", "paragraphs": [{"context": "c", "qas": [
        {"question": "q?", "answers": []}]}]}]},
    "answer without text": {"data": [{"title": "T", "paragraphs": [{"context": "c", "qas": [
        {"id": "1", "question": "q?", "answers": [{"answer_start": 0}]}]}]}]},
    "paragraph is a string": {"data": [{"title": "T", "paragraphs": ["just text"]}]},
    "qas is a string": {"data": [{"title": "T", "paragraphs": [{"context": "c", "qas": "none"}]}]},
    "data is a string": {"data": "nothing"},
}


@pytest.mark.parametrize("case", sorted(SQUAD_BAD))
def test_malformed_squad_files_name_the_row(tmp_path: Path, case: str) -> None:
    path = tmp_path / "gold.json"
    path.write_text(json.dumps(SQUAD_BAD[case]), encoding="utf-8")
    with pytest.raises(QAError) as err:
        load_gold(path)
    assert str(path) in str(err.value)
    done = run_qa(["eval", str(path)], cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_json_nested_too_deep_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(QAError, match="nested too deep"):
        load_gold(path)

