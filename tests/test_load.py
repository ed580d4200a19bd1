"""Load on the running web chat (`ui.py`, the session's server) through gradio_client from several
threads: no errors, every quote in every reply verbatim at its offsets, the server's memory stable
from the first round to the last, every reply within a bounded time.

`make test` runs 5 users x 4 questions; `make stress` runs 20 users x 20 questions and prints the
throughput and latency percentiles that the README records.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from dataclasses import dataclass, field

import pytest
from gradio_client import Client

from .conftest import ROOT, Quoted, Server, assert_reply_verbatim, quotes_in

pytestmark = [
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "tests/data/seeds_questions.jsonl").open(encoding="utf-8")]
REPLY_TIMEOUT_S = 300  # one reply, queued behind up to 19 others on 2 shared cores
RSS_GROWTH_LIMIT = 0.10  # the server's memory after the last round vs after the first
RSS_GROWTH_SLACK = 64 * 1024 * 1024  # allocator noise on a process of ~1 GB
@dataclass
class LoadRun:
    """Latencies of every reply, the wall time, the server's RSS after each round, and any errors."""

    latencies: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    def summary(self, users: int, rounds: int) -> str:
        q = statistics.quantiles(self.latencies, n=100, method="inclusive")
        marks = sorted({0, rounds // 4, rounds // 2, 3 * rounds // 4, rounds - 1})
        rss = ", ".join(f"{r + 1}: {self.rss[r] / 2**20:.0f} MB" for r in marks)
        return (
            f"{users} users x {rounds} questions: {len(self.latencies)} replies in {self.wall_s:.1f} s, "
            f"{len(self.latencies) / self.wall_s:.2f} replies/s; latency p50 {q[49]:.2f} s, p90 {q[89]:.2f} s, "
            f"p99 {q[98]:.2f} s, max {max(self.latencies):.2f} s; server RSS after round {rss}; {len(self.errors)} errors"
        )


def run_load(server: Server, users: int, rounds: int) -> LoadRun:
    """``users`` threads, each with its own client, ask ``rounds`` questions in lock-step rounds."""
    result = LoadRun()
    lock = threading.Lock()
    barrier = threading.Barrier(users, action=lambda: result.rss.append(server.rss_bytes()))
    clients = [Client(server.url, verbose=False) for _ in range(users)]

    def user(n: int) -> None:
        for r in range(rounds):
            question = QUESTIONS[(n * rounds + r) % len(QUESTIONS)]
            started = time.perf_counter()
            try:
                reply = clients[n].submit(message=question, mode="Ask", api_name="/ask").result(timeout=REPLY_TIMEOUT_S)
                elapsed = time.perf_counter() - started
                assert_reply_verbatim(server.corpus, reply)
                with lock:
                    result.latencies.append(elapsed)
            except Exception as err:  # every failure is recorded and fails the test below
                with lock:
                    result.errors.append(f"user {n} round {r} {question!r}: {type(err).__name__}: {err}")
            barrier.wait()

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall_s = time.perf_counter() - started
    return result


def _check(server: Server, run: LoadRun, users: int, rounds: int, capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\nload: {run.summary(users, rounds) if run.latencies else run.errors[:3]}")
    # the server's traceback says why: the client only hears that the app raised
    assert not run.errors, (run.errors[:5], server.log.read_text(encoding="utf-8", errors="replace")[-6000:])
    assert len(run.latencies) == users * rounds
    assert max(run.latencies) < REPLY_TIMEOUT_S
    assert run.rss[-1] <= run.rss[0] * (1 + RSS_GROWTH_LIMIT) + RSS_GROWTH_SLACK, run.rss


def test_reply_parser_reads_answers_and_passages() -> None:
    reply = ('<div class="qa-reply"><blockquote>A &amp; <mark>B&lt;</mark> c.</blockquote>'
             '<p class="qa-cite">Source: x&amp;y.txt · characters 10–12</p>'
             '<blockquote>Plain.</blockquote><p class="qa-cite">Source: z.txt · characters 4–10</p></div>')
    assert quotes_in(reply) == [Quoted("x&y.txt", 10, 12, "B<", "A & B< c.", 6), Quoted("z.txt", 4, 10, None, "Plain.", 4)]


def test_several_users_at_once(ui_server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    users, rounds = 5, 4
    run = run_load(ui_server, users, rounds)
    _check(ui_server, run, users, rounds, capsys)


@pytest.mark.stress
def test_twenty_users_twenty_questions_each(ui_server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    users, rounds = 20, 20
    run_load(ui_server, 2, 1)  # warm the caches, so round 1 is not the model's first contact
    run = run_load(ui_server, users, rounds)
    _check(ui_server, run, users, rounds, capsys)
