"""Corpora a user may really point factqa at: missing or empty folders, binary, non-UTF-8, empty and
huge files, Windows line endings, byte-order marks, NFC and NFD text, link loops, unreadable files.

Every skipped file is named in a warning; every indexed one keeps exact offsets into
``open(path, encoding="utf-8").read()``.
"""

from __future__ import annotations

import io
import json
import logging
import os
import pwd
import shutil
import tempfile
import time
import unicodedata
from pathlib import Path

import pytest

from qa import QA, QAError
from qa.index.embedding import Embedder
from qa.ingest.documents import MAX_FILE_BYTES, load_folder
from qa.pipeline import build_index

from .conftest import assert_offsets, run_qa

HUGE_BYTES = 50 * 1024 * 1024
LOAD_SECONDS = 10.0  # generous on 2 shared cores: skipping the 50 MB file must not read it
CAFE_NFC = unicodedata.normalize("NFC", "The Café Zürich has been owned by Renée Müller since 2021.\n")
CAFE_NFD = unicodedata.normalize("NFD", CAFE_NFC)


def _good_files(folder: Path) -> dict[str, bytes]:
    """Odd but valid encodings: each must be indexed with exact offsets."""
    files = {
        "crlf.txt": b"The ferry left Oslo at noon.\r\nIt reached Kiel on Sunday, a day late.\r\n",
        "bom.txt": "\ufeffThe bridge over the Tyne reopened in June after repairs.\n".encode(),
        "bom_crlf.md": "\ufeff# Harbour\r\n\r\nThe harbour master retired in 2019 after forty years.\r\n".encode(),
        "old_mac.txt": b"The library opened in 1901.\rIts first reader was a baker named Hobbs.\r",
        "nfc.txt": CAFE_NFC.encode(),
        "nfd.txt": CAFE_NFD.encode(),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return files


def _bad_files(folder: Path) -> list[str]:
    """Files that must be skipped, each by name in a warning; returns the names to look for."""
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "latin1.txt").write_bytes("Caf\xe9 au lait, s'il vous pla\xeet.".encode("latin-1"))
    (folder / "utf16.txt").write_bytes("A UTF-16 file with a BOM.".encode("utf-16"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_bytes(b" \r\n\t\n")
    (folder / "bom_only.txt").write_bytes("\ufeff\n".encode())
    with open(folder / "huge.txt", "wb") as fh:  # 50 MB of real text: skipped by size, never read
        line = b"The council met again on Tuesday and talked about the budget for the year.\n"
        fh.write(line * (HUGE_BYTES // len(line) + 1))
    os.symlink("loop.txt", folder / "loop.txt")  # a link to itself
    os.symlink("nowhere.txt", folder / "dangling.txt")
    os.symlink(".", folder / "cycle")  # a folder link back to the corpus
    return ["binary.txt", "latin1.txt", "utf16.txt", "empty.txt", "blank.md", "bom_only.txt", "huge.txt", "loop.txt",
            "dangling.txt", "cycle"]


def test_bad_files_are_named_and_good_ones_kept_exactly(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    good = _good_files(tmp_path)
    bad = _bad_files(tmp_path)
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="qa.ingest.documents"):
        docs = load_folder(tmp_path)
    assert time.perf_counter() - started < LOAD_SECONDS
    assert sorted(d.source for d in docs) == sorted(good)
    warnings = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING]
    for name in bad:
        assert any(f"skipped {name}:" in message for message in warnings), (name, warnings)
    assert any("huge.txt" in m and f"{MAX_FILE_BYTES // 1_000_000} MB limit" in m for m in warnings)
    for doc in docs:  # the text offsets refer to is exactly what open(..., encoding="utf-8").read() gives
        with open(tmp_path / doc.source, encoding="utf-8") as fh:
            assert doc.text == fh.read(), doc.source
    bom = next(d for d in docs if d.source == "bom.txt")
    assert bom.text.startswith("\ufeff")  # kept, as open(..., encoding="utf-8") keeps it: offsets count it
    assert bom.content_blocks()[0][0] == 1  # but no chunk or quote starts with the invisible mark


def test_odd_encodings_answer_with_exact_offsets(tmp_path: Path, embedder: Embedder, seeds_bot: QA) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    _good_files(corpus)
    index, _ = build_index([corpus], tmp_path / "index", embedder)
    for i, chunk in enumerate(index.chunks):
        assert (corpus / chunk.source).read_text(encoding="utf-8")[chunk.start : chunk.end] == index.chunk_text(i)
    bot = QA(index, embedder, reader=seeds_bot.reader)
    questions = {
        "When did the ferry reach Kiel?": "crlf.txt",
        "When did the bridge over the Tyne reopen?": "bom.txt",
        "When did the harbour master retire?": "bom_crlf.md",
        "Who was the library's first reader?": "old_mac.txt",
        "Who owns the Café Zürich?": None,  # both normalisation forms of one text say it
    }
    for question, source in questions.items():
        answer = bot.ask(question, top_k=3)
        assert answer.evidence, question
        for item in (answer, *answer.evidence):
            if item.source is not None:
                assert_offsets(corpus, item)
        if source is not None:
            assert answer.source == source, (question, answer)
    assert {c.source for c in index.chunks} >= {"nfc.txt", "nfd.txt"}  # same words, two files, both indexed
    nfc = bot.ask(unicodedata.normalize("NFC", "Who owns the Café Zürich?"), top_k=6)
    nfd = bot.ask(unicodedata.normalize("NFD", "Who owns the Café Zürich?"), top_k=6)
    assert unicodedata.normalize("NFC", nfc.answer or "") == "Renée Müller"
    assert (nfd.answer, nfd.source) == (nfc.answer, nfc.source)  # however the question is composed
    # the decomposed file is parsed as NFC, so its name is found too, and both forms are one answer
    answered = {e.source: e.answer for e in nfc.evidence if e.answer}
    assert answered.keys() >= {"nfc.txt", "nfd.txt"}, nfc.evidence
    assert answered["nfd.txt"] == CAFE_NFD[CAFE_NFD.index("Rene") :].split(" since")[0]  # the file's own characters
    assert nfc.agreement == "consistent", nfc


def test_an_empty_folder_is_a_user_error(tmp_path: Path, embedder: Embedder) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.pdf").write_bytes(b"%PDF-1.4")
    assert load_folder(corpus) == []
    with pytest.raises(QAError, match=r"no readable \.txt or \.md files"):
        build_index([corpus], tmp_path / "index", embedder)


def test_cli_names_skipped_files_and_refuses_a_folder_without_articles(tmp_path: Path) -> None:
    corpus = tmp_path / "bad"
    corpus.mkdir()
    bad = _bad_files(corpus)
    result = run_qa(["index", str(corpus), "--index", str(tmp_path / "index")], tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for name in bad:
        assert f"skipped {name}:" in result.stderr, name
    assert result.stderr.strip().splitlines()[-1].startswith("qa: error: no readable .txt or .md files")
    assert not (tmp_path / "index" / "manifest.json").exists()


def _load_as_nobody(folder: Path) -> tuple[list[str], str]:
    """load_folder in a forked child that drops to user ``nobody`` (root reads any file whatever its
    mode); returns the sources it loaded and the warnings it logged."""
    nobody = pwd.getpwnam("nobody")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no exec, so the interpreter need not be reachable by nobody
        status = 1
        try:
            os.close(read_end)
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            stream = io.StringIO()
            logging.getLogger("qa.ingest.documents").addHandler(logging.StreamHandler(stream))
            sources = [d.source for d in load_folder(folder)]
            os.write(write_end, json.dumps([sources, stream.getvalue()]).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    sources, warnings = json.loads(data)
    return sources, warnings


def _load_unprivileged(folder: Path, caplog: pytest.LogCaptureFixture) -> tuple[list[str], str]:
    """load_folder as a user whom file modes bind: this one, or ``nobody`` when running as root."""
    if os.geteuid() == 0:
        return _load_as_nobody(folder)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="qa.ingest.documents"):
        return [d.source for d in load_folder(folder)], caplog.text


def test_unreadable_files_and_folders_are_named(caplog: pytest.LogCaptureFixture) -> None:
    # pytest's tmp_path sits under a 0700 folder that nobody could enter, so make one open to all
    base = Path(tempfile.mkdtemp(prefix="factqa-perm-"))
    try:
        base.chmod(0o755)
        (base / "ok.txt").write_text("The parade was held on Monday in the rain.\n", encoding="utf-8")
        (base / "secret.txt").write_text("The password is swordfish, said the guard.\n", encoding="utf-8")
        (base / "secret.txt").chmod(0o000)
        (base / "locked").mkdir()
        (base / "locked" / "inside.txt").write_text("Nobody may list this folder.\n", encoding="utf-8")
        (base / "locked").chmod(0o000)
        sources, warnings = _load_unprivileged(base, caplog)
        assert sources == ["ok.txt"]
        assert "skipped secret.txt: cannot read it (Permission denied)" in warnings
        assert "skipped locked: cannot list it (Permission denied)" in warnings
        sources, warnings = _load_unprivileged(base / "locked", caplog)
        assert sources == [] and f"skipped {base / 'locked'}: cannot list it (Permission denied)" in warnings
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)
