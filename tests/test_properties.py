"""Property-based tests (hypothesis): for generated documents and questions, every answer and every
evidence quote is a verbatim slice of its file at its offsets, and an index loaded from disk answers
exactly as the one just built.

Documents mix real words with arbitrary Unicode, every line-ending convention, byte-order marks and
NFD text; they are written as bytes, as an editor would save them. Example counts are modest
because each example indexes with the real model; `make stress` runs more.
"""

from __future__ import annotations

import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa import QA, QAError
from qa.index.embedding import Embedder
from qa.index.store import CorpusIndex
from qa.ingest.chunking import Chunker
from qa.ingest.documents import load_folder, read_document
from qa.pipeline import build_index
from qa.question import clean_question

VOCABULARY = ["the", "council", "voted", "on", "Tuesday", "to", "approve", "budget", "mayor", "Oslo",
    "harbour", "reopened", "in", "June", "after", "repairs", "Kutcher", "resigned", "from", "board", "Thorn",
    "festival", "drew", "4,000", "visitors", "Zürich", "café", "owner", "Renée", "1901", "library"]
NEWLINES = ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\u2028", "\x85"]
ODD = st.characters(codec="utf-8", exclude_categories=("Cs",))  # anything UTF-8 can hold, NUL and controls included
WORDS = st.one_of(st.sampled_from(VOCABULARY), st.sampled_from(VOCABULARY), st.text(ODD, min_size=1, max_size=6))
SENTENCES = st.lists(WORDS, min_size=2, max_size=12).map(lambda words: " ".join(words).capitalize() + ".")
PARAGRAPHS = st.lists(SENTENCES, min_size=1, max_size=4).map(" ".join)


@st.composite
def documents(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(NEWLINES)).join(draw(st.lists(PARAGRAPHS, min_size=1, max_size=4)))
    if draw(st.booleans()):
        text = unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), text)
    return ("\ufeff" if draw(st.booleans()) else "") + text


QUESTIONS = st.one_of(
    st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=6).map(lambda w: "When did the " + " ".join(w) + "?"),
    st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=6).map(lambda w: "Who " + " ".join(w) + "?"),
    st.text(ODD, max_size=40),
)
MODEL_SETTINGS = settings(max_examples=3, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _write(folder: Path, texts: list[str]) -> None:
    folder.mkdir()
    for n, text in enumerate(texts):
        (folder / f"doc{n}.txt").write_bytes(text.encode("utf-8"))


@settings(max_examples=150, deadline=None, database=None)
@given(text=st.one_of(documents(), st.text(ODD, max_size=300)))
def test_loading_and_chunking_keep_offsets_into_the_file(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.txt"
        path.write_bytes(text.encode("utf-8"))
        doc = read_document(path, "doc.txt")
        if doc is None:  # skipped with a warning: binary (NUL) or nothing but blanks
            assert "\x00" in text or not text.replace("\ufeff", "").strip()
            return
        with open(path, encoding="utf-8") as fh:
            original = fh.read()
        assert doc.text == original
        for start, end in (*doc.boilerplate, *doc.content_blocks()):
            assert 0 <= start < end <= len(original)
        for chunk in Chunker().split(doc):
            piece = original[chunk.start : chunk.end]
            assert piece and piece == piece.strip() and not piece.startswith("\ufeff")


def _assert_verbatim(corpus: Path, items) -> None:
    for item in items:
        text = (corpus / item.source).read_text(encoding="utf-8")
        if item.answer is not None:
            assert text[item.start : item.end] == item.answer
        assert text[item.quote_start : item.quote_end] == item.quote


def _answers_hold(embedder: Embedder, reader: object, texts: list[str], questions: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index_dir = Path(tmp) / "corpus", Path(tmp) / "index"
        _write(corpus, texts)
        try:
            built, _ = build_index([corpus], index_dir, embedder)
        except QAError:
            assert load_folder(corpus) == []  # refused only when no file is readable
            return
        bot = QA(built, embedder, reader=reader)
        reloaded = QA(CorpusIndex.load(index_dir, embedder.model_id), embedder, reader=reader)
        for question in questions:
            try:
                clean_question(question)
            except QAError:
                with pytest.raises(QAError):
                    bot.ask(question)
                continue
            answer = bot.ask(question, top_k=4)
            _assert_verbatim(corpus, answer.evidence)
            if answer.answer is not None:
                _assert_verbatim(corpus, [answer])
            assert reloaded.ask(question, top_k=4) == answer
            _assert_verbatim(corpus, bot.check(question, top_k=4).evidence)


@MODEL_SETTINGS
@given(texts=st.lists(documents(), min_size=1, max_size=3), questions=st.lists(QUESTIONS, min_size=1, max_size=2))
def test_answers_are_verbatim_and_a_reloaded_index_answers_the_same(
    embedder: Embedder, seeds_bot: QA, texts: list[str], questions: list[str]
) -> None:
    _answers_hold(embedder, seeds_bot.reader, texts, questions)


@pytest.mark.stress
@settings(MODEL_SETTINGS, max_examples=80)
@given(texts=st.lists(documents(), min_size=1, max_size=4), questions=st.lists(QUESTIONS, min_size=1, max_size=4))
def test_answers_are_verbatim_over_many_examples(
    embedder: Embedder, seeds_bot: QA, texts: list[str], questions: list[str]
) -> None:
    _answers_hold(embedder, seeds_bot.reader, texts, questions)
