"""Faults while indexing: `qa index` killed with SIGKILL at random points leaves an index that loads
and answers, either the old one or the new one, never a mixture; two `qa index` runs on one folder
are kept apart by the lock.

The kill points are random but seeded. `make test` kills one run at a random moment of its work and
one as it saves; `make stress` kills a dozen more.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from qa import QA, QAError
from qa.index.embedding import Embedder
from qa.index.store import CorpusIndex, write_lock
from qa.ingest.chunking import Chunker
from qa.ingest.documents import load_folder
from qa.pipeline import build_index

from .conftest import QA_CMD, SEEDS, assert_offsets

KILL_SEED = 7
GENERATED_ARTICLES = 20  # with the seeds, embedding takes a few seconds on 2 cores
QUESTION = "when did Kutcher resign?"
WORDS = ["council", "harbour", "museum", "budget", "river", "festival", "school", "bridge", "library", "railway",
         "election", "market", "tower", "garden", "hospital", "stadium", "ferry", "orchestra", "bakery"]
TOWNS = ["Oslo", "Bergen", "Tromso", "Kiel", "Aarhus", "Malmo", "Turku", "Tartu", "Riga", "Gdansk"]


def _write_articles(folder: Path, count: int, seed: int) -> None:
    """Plain news-like articles, different per seed, so that the new index differs from the old."""
    rng = random.Random(seed)
    for n in range(count):
        paragraphs = []
        for _ in range(6):
            sentences = [
                f"The {rng.choice(WORDS)} in {rng.choice(TOWNS)} {rng.choice(['opened', 'closed', 'grew', 'moved'])} "
                f"on {rng.choice(['Monday', 'Tuesday', 'Friday'])} after {rng.randint(2, 90)} years, "
                f"said {rng.choice(['the mayor', 'a spokesman', 'the owner'])} of the {rng.choice(WORDS)}."
                for _ in range(4)
            ]
            paragraphs.append(" ".join(sentences))
        (folder / f"gen_{seed}_{n:03d}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class State:
    """What an index holds, file by file, and how many chunks: enough to tell old from new from a mix."""

    files: tuple[tuple[str, str], ...]
    chunks: int

    @classmethod
    def of(cls, index: CorpusIndex) -> State:
        return cls(tuple(sorted((d.source, d.sha256) for d in index.documents)), len(index.chunks))


@dataclass(frozen=True)
class Scene:
    corpus: Path
    index: Path
    old: State
    new: State
    embed_s: float  # about how long the new build takes once the model is loaded


@pytest.fixture()
def scene(tmp_path: Path, embedder: Embedder) -> Scene:
    """An index of the seeds (old), then more articles in the corpus: what a new run would index,
    file by file and chunk by chunk, worked out without embedding anything."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    started = time.perf_counter()
    old, _ = build_index([corpus], tmp_path / "index", embedder)
    seconds_per_chunk = (time.perf_counter() - started) / len(old.chunks)
    _write_articles(corpus, GENERATED_ARTICLES, seed=1)
    docs = load_folder(corpus)
    chunker = Chunker(old.settings)
    new = State(tuple(sorted((d.source, d.sha256) for d in docs)), sum(len(chunker.split(d)) for d in docs))
    return Scene(corpus, tmp_path / "index", State.of(old), new, seconds_per_chunk * new.chunks)


def _start_index(scene: Scene) -> subprocess.Popen[str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.Popen([*QA_CMD, "-v", "index", str(scene.corpus), "--index", str(scene.index)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)


def _wait_for_model(proc: subprocess.Popen[str]) -> None:
    """Block until the child logs that its model is loaded: the work worth interrupting starts there."""
    assert proc.stderr is not None
    for line in proc.stderr:
        if "embedding model" in line and "loaded" in line:
            threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep the pipe drained
            return
    pytest.fail(f"qa index exited ({proc.wait()}) before loading its model")


def _kill(proc: subprocess.Popen[str]) -> bool:
    """SIGKILL; True when the child was still running (so the kill really interrupted it)."""
    alive = proc.poll() is None
    if alive:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return alive


def _kill_when_writing(scene: Scene, proc: subprocess.Popen[str]) -> bool:
    """Kill the moment a new file appears in the index folder: in the middle of saving."""
    before = {p.name for p in scene.index.iterdir()}
    while proc.poll() is None:
        if {p.name for p in scene.index.iterdir()} - before:
            return _kill(proc)
        time.sleep(0.002)
    return False


def _assert_old_or_new(scene: Scene, embedder: Embedder, reader: object) -> State:
    index = CorpusIndex.load(scene.index, embedder.model_id)
    state = State.of(index)
    assert state in (scene.old, scene.new), "the index is a mixture of the old and the new build"
    answer = QA(index, embedder, reader=reader).ask(QUESTION)
    assert answer.answer is not None
    for item in (answer, *answer.evidence):
        assert_offsets(scene.corpus, item)
    return state


def _kill_at_random_points(scene: Scene, embedder: Embedder, reader: object, random_kills: int) -> None:
    """``random_kills`` runs killed at a random moment of their work, one killed as it saves, then
    one left to finish (in this process, with its warm model): after each, the index is the old
    one or the new one."""
    rng = random.Random(KILL_SEED)
    interrupted = 0
    for _ in range(random_kills):
        proc = _start_index(scene)
        _wait_for_model(proc)
        time.sleep(rng.uniform(0, scene.embed_s * 1.2))
        interrupted += _kill(proc)
        _assert_old_or_new(scene, embedder, reader)
    interrupted += _kill_when_writing(scene, _start_index(scene))
    _assert_old_or_new(scene, embedder, reader)
    assert interrupted, "no run was interrupted: the corpus is too small to take a moment"
    build_index([scene.corpus], scene.index, embedder)  # the next run, as `qa index` makes it
    assert _assert_old_or_new(scene, embedder, reader) == scene.new
    assert not list(scene.index.glob("*.tmp")) and not list(scene.index.glob(".*.tmp"))


def test_killed_index_runs_leave_the_old_or_the_new_index(scene: Scene, embedder: Embedder, seeds_bot: QA) -> None:
    _kill_at_random_points(scene, embedder, seeds_bot.reader, random_kills=1)


@pytest.mark.stress
def test_many_killed_index_runs_leave_the_old_or_the_new_index(scene: Scene, embedder: Embedder,
                                                                seeds_bot: QA) -> None:
    _kill_at_random_points(scene, embedder, seeds_bot.reader, random_kills=12)


def test_two_index_runs_at_once_are_serialised_by_the_lock(tmp_path: Path, embedder: Embedder) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    _write_articles(corpus, 2, seed=2)
    args = ["index", str(corpus), "--index", str(tmp_path / "index")]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    runs = [subprocess.Popen([*QA_CMD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    summaries = sorted(out for out, _ in outputs)
    total = len(list(corpus.glob("*.txt")))
    # one run embedded everything; the other waited for the lock, then found nothing left to do
    assert summaries[0].startswith(f"indexed {total} files") and " 0 embedded, " in summaries[0]
    assert f" {total} embedded, " in summaries[1]
    assert len(CorpusIndex.load(tmp_path / "index", embedder.model_id).documents) == total


def test_a_writer_that_cannot_get_the_lock_fails_clearly(tmp_path: Path) -> None:
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with write_lock(tmp_path):
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        started = time.perf_counter()
        with (pytest.raises(QAError, match=r"another `qa index` is writing .*wait for it to finish and retry"),
              write_lock(tmp_path, timeout_s=0.5)):
            pass
        assert time.perf_counter() - started < 5
    finally:
        release.set()
        holder.join()
