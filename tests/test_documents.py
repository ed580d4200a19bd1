"""Loading and boilerplate marking: skipped files are named, offsets stay into the original text."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from qa.errors import QAError
from qa.ingest.chunking import Chunker
from qa.ingest.documents import find_boilerplate, load_folder

from .conftest import SEEDS

# Lines of the seed files a reader must never be offered as an answer.
SEED_BOILERPLATE = [
    "Navigation",
    "Join our brand new verified AMN Telegram channel",
    "Oops!",
    "Something went wrong.",
    "Please try again later.",
    "(David Livingston/Getty Images/TNS)",
    "Kevin Mazur/WireImage",
    "RB/Bauer-Griffin/GC",
    "Related: Ashton Kutcher",
    "sign up for PEOPLE's free daily newsletter",
    "For more People news",
    "Read the original article on People.",
    "© 2023 Los Angeles Times",
    "Distributed by Tribune Content Agency",
]


def _content(doc) -> str:
    return "\n".join(doc.text[s:e] for s, e in doc.content_blocks())


def test_seed_boilerplate_is_marked_and_articles_are_kept() -> None:
    docs = load_folder(SEEDS)
    assert [d.source for d in docs] == sorted(p.name for p in SEEDS.glob("*.txt"))
    content = "\n".join(_content(d) for d in docs)
    for line in SEED_BOILERPLATE:
        assert line not in content, line
    assert "Ashton Kutcher stepped down Friday" in content
    assert "announced the decision to resign as chairman of the board of Thorn on Thursday" in content
    assert "Kunis is also stepping down from her role as an observer" in content


def test_boilerplate_rules_are_general() -> None:
    text = (
        "Menu\n\nA headline about the council budget vote in the town hall tonight\n\n"
        "The council voted 7-2 on Tuesday to approve the budget, the mayor said.\n\n"
        "Subscribe to our newsletter for daily updates!\n\nJane Doe/Reuters\n\n"
        "Share this\n\nShare this\n\nCopyright 2024 Example News. All rights reserved.\n"
    )
    marked = {text[s:e] for s, e in find_boilerplate(text)}
    assert marked == {
        "Menu", "Subscribe to our newsletter for daily updates!", "Jane Doe/Reuters", "Share this",
        "Copyright 2024 Example News. All rights reserved.",
    }


def test_bad_files_are_skipped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "good.txt").write_text("The river flooded the valley in March.\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 au lait was served at the meeting.".encode("latin-1"))
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "ignored.pdf").write_bytes(b"%PDF-1.4")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "notes.md").write_text("# Notes\n\nThe bridge reopened in June after repairs.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        docs = load_folder(tmp_path)
    assert [d.source for d in docs] == ["good.txt", "sub/notes.md"]
    for name in ("latin1.txt", "empty.md", "binary.txt"):
        assert any(name in rec.getMessage() for rec in caplog.records), name


def test_missing_folder_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(QAError, match="not found"):
        load_folder(tmp_path / "nope")


def test_offsets_hold_for_crlf_and_bom(tmp_path: Path) -> None:
    (tmp_path / "crlf.txt").write_bytes(
        "\ufeffThe ferry left Oslo at noon.\r\nIt reached Kiel the next morning, on Sunday.\r\n".encode()
    )
    (doc,) = load_folder(tmp_path)
    original = (tmp_path / "crlf.txt").read_text(encoding="utf-8")
    assert doc.text == original
    for chunk in Chunker().split(doc):
        assert original[chunk.start : chunk.end] == doc.text[chunk.start : chunk.end]


def test_chunks_are_exact_slices_and_avoid_boilerplate() -> None:
    chunker = Chunker()
    for doc in load_folder(SEEDS):
        chunks = chunker.split(doc)
        assert chunks
        for chunk in chunks:
            piece = doc.text[chunk.start : chunk.end]
            assert piece == piece.strip() and piece
            for b_start, b_end in doc.boilerplate:
                assert chunk.end <= b_start or chunk.start >= b_end
