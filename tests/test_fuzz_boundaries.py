"""Fuzzing the boundaries (hypothesis): generated corpus trees (links in and out, FIFOs, odd names
and encodings, sizes) and generated gold-file shapes. Properties: no traceback (only QAError),
nothing outside the corpus read, no file outside the index folder touched, and inside it only
files the index wrote."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.errors import QAError
from qa.eval.questions import load_gold
from qa.index.embedding import Embedder
from qa.index.store import own_files
from qa.ingest.documents import MAX_FILE_BYTES, load_folder
from qa.pipeline import build_index

SECRET = "swordfish-outside-the-corpus"
NAMES = st.one_of(
    st.sampled_from(["a.txt", "b.md", "chunks-x.txt", "draft.tmp", ".hidden.txt", "manifest.json", "x.TXT"]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="/\x00"), min_size=1,
            max_size=8).map(lambda s: s + ".txt"),
    st.binary(min_size=1, max_size=6).filter(lambda b: b"/" not in b and b"\x00" not in b and b not in (b".", b".."))
    .map(lambda b: b + b".txt"),
)
CONTENTS = st.one_of(
    st.text(min_size=0, max_size=200).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.binary(max_size=200),
    st.just(("The council voted on Tuesday to approve the budget. " * 4).encode()),
    st.just(b"x" * (MAX_FILE_BYTES + 1)),
)
KINDS = st.sampled_from(["file", "file", "link-out", "link-in", "link-dev", "fifo", "dir"])


@st.composite
def trees(draw: st.DrawFn) -> list[tuple[bytes, str, bytes]]:
    entries = draw(st.lists(st.tuples(NAMES, KINDS, CONTENTS), min_size=1, max_size=8))
    return [(name if isinstance(name, bytes) else name.encode("utf-8", "surrogatepass"), kind, data)
            for name, kind, data in entries]


def make_tree(root: Path, outside: Path, entries: list[tuple[bytes, str, bytes]]) -> None:
    base = os.fsencode(root)
    for name, kind, data in entries:
        path = base + b"/" + name
        if os.path.lexists(path):
            continue
        if kind == "file":
            with open(path, "wb") as fh:
                fh.write(data)
        elif kind == "link-out":
            os.symlink(os.fsencode(outside), path)
        elif kind == "link-dev":
            os.symlink(b"/dev/zero", path)
        elif kind == "link-in":
            os.symlink(b"./" + name, path)  # a loop, or (after another entry) a link inside
        elif kind == "fifo":
            os.mkfifo(path)
        else:
            os.mkdir(path)
            with open(path + b"/inner.txt", "wb") as fh:
                fh.write(data)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every regular file under ``folder`` (links not followed) with its bytes."""
    found = {}
    for dirpath, _, filenames in os.walk(os.fsencode(folder)):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as fh:
                    found[path] = fh.read()
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees())
def test_loading_any_tree_reads_only_regular_files_inside_it(entries: list[tuple[bytes, str, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root, outside = Path(tmp) / "corpus", Path(tmp) / "secret.txt"
        root.mkdir()
        outside.write_text(SECRET + "\n", encoding="utf-8")
        make_tree(root, outside, entries)
        docs = load_folder(root)
        for doc in docs:
            assert SECRET not in doc.text
            path = root / doc.source
            assert path.resolve().is_relative_to(root.resolve()) and path.is_file()
            doc.source.encode("utf-8")  # names carried end to end are valid UTF-8


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(trees(), st.lists(NAMES, max_size=2))
def test_indexing_any_tree_touches_nothing_it_did_not_write(embedder: Embedder, entries: list[tuple[bytes, str, bytes]],
                                                           index_files: list[str | bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root, outside, index = Path(tmp) / "corpus", Path(tmp) / "secret.txt", Path(tmp) / "index"
        root.mkdir()
        index.mkdir()
        outside.write_text(SECRET + "\n", encoding="utf-8")
        make_tree(root, outside, entries)
        for name in index_files:  # a user's files where the index is asked to go
            raw = name if isinstance(name, bytes) else name.encode("utf-8", "surrogatepass")
            with open(os.fsencode(index) + b"/" + raw, "wb") as fh:
                fh.write(b"user data")
        before_corpus, before_index = snapshot(root), snapshot(index)
        try:
            built, _ = build_index([root], index, embedder)
            assert all(SECRET not in doc.text for doc in built.documents)
        except QAError:
            pass
        assert snapshot(root) == before_corpus and outside.read_text(encoding="utf-8") == SECRET + "\n"
        after = snapshot(index)
        for path, data in before_index.items():  # the user's files are all there, unchanged
            assert after.get(path) == data
        written = {os.fsencode(index / n) for n in own_files(index)}
        assert set(after) - set(before_index) <= written


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["data", "title", "paragraphs", "context", "qas", "id", "question", "answers", "text",
                         "answer_start", "is_impossible", "claim", "label", "sources"]), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.booleans())
def test_any_gold_shape_parses_or_says_what_is_wrong(value: object, as_lines: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gold.json"
        text = "\n".join(json.dumps(v) for v in value) if as_lines and isinstance(value, list) else json.dumps(value)
        path.write_text(text, encoding="utf-8")
        try:
            gold = load_gold(path)
        except QAError as err:
            assert str(err)
            return
        assert gold.questions or gold.claims
        shutil.rmtree(tmp, ignore_errors=True)
