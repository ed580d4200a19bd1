"""Shared fixtures: one real index of the seeds per test session (real model, real FAISS)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa import QA
from qa.embedding import Embedder

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    emb = Embedder()
    emb.warm_up()
    return emb


@pytest.fixture(scope="session")
def seeds_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of seeds/ so that tests never touch the repository's files."""
    folder = tmp_path_factory.mktemp("corpus") / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


@pytest.fixture(scope="session")
def seeds_bot(seeds_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> QA:
    return QA.from_folder(seeds_copy, tmp_path_factory.mktemp("index") / "index")


def assert_offsets(corpus: Path, item) -> None:
    """The contract of DESIGN.md: answer and quote are verbatim slices of the source file."""
    text = (corpus / item.source).read_text(encoding="utf-8")
    if item.answer is not None:
        assert text[item.start : item.end] == item.answer
    assert text[item.quote_start : item.quote_end] == item.quote
