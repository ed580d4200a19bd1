"""Shared fixtures: one real index of the seeds per test session (real model, real FAISS), one web
chat served in this process and one ``ui.py`` server as a user starts it, each shared by the modules
that need it so that no model loads more often than it must."""

from __future__ import annotations

import html
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from qa import QA
from qa.index.embedding import Embedder

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
QA_CMD = [sys.executable, "-m", "qa.app.cli"]
SERVER_START_S = 180  # model load and indexing on a slow 2-core machine
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # ui.py is a script at the repository root, outside the qa package


MODEL_FIXTURES = {"embedder", "seeds_bot", "seeds_index", "tiny_model", "handlers", "bot", "built", "index_dir",
                  "scene", "answers", "pristine"}
E2E_FIXTURES = {"chat_url", "ui_server", "page", "server", "browser", "client", "workdir"}
SPAWNERS = {"run_qa", "_qa", "subprocess", "run"}  # the CLI as a process (or in-process ``cli.run``, which loads models)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Layers by what a test needs: e2e (the CLI as a process, a served chat, a browser), integration
    (a real model), unit (neither: no model loads, seconds). `make test-unit` runs the last alone."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        source = getattr(getattr(item, "function", None), "__code__", None)
        spawns = source is not None and bool(SPAWNERS & set(source.co_names))
        if fixtures & E2E_FIXTURES or spawns or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.e2e)
        elif fixtures & MODEL_FIXTURES:
            item.add_marker(pytest.mark.integration)
        else:
            item.add_marker(pytest.mark.unit)


def run_qa(args: list[str], cwd: Path, env: dict[str, str] | None = None,
           timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The `qa` command as a user runs it, offline."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run([*QA_CMD, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
def seeds_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The index folder of ``seeds_bot``; tests may read it, never write it."""
    return tmp_path_factory.mktemp("index") / "index"


@pytest.fixture(scope="session")
def seeds_bot(seeds_copy: Path, seeds_index: Path) -> QA:
    return QA.from_folder(seeds_copy, seeds_index)


@pytest.fixture(scope="session")
def chat_url(seeds_bot: QA, seeds_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The web chat served in this process on the session's seeds bot (no second model load);
    uploads go to the seeds copy, as with `ui.py --corpus`."""
    from qa.app import web as ui
    demo = ui.build_app(ui.SharedBot(seeds_bot, tmp_path_factory.mktemp("ui-index"), ui.UploadPolicy(seeds_copy)))
    demo.queue(default_concurrency_limit=ui.CONCURRENCY)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@dataclass(frozen=True)
class Server:
    """A running ``ui.py``: where it serves, its process, and the corpus copy it indexed."""

    url: str
    port: int
    proc: subprocess.Popen
    corpus: Path
    index: Path
    log: Path

    def rss_bytes(self) -> int:
        """Resident memory of the server process, from /proc."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS in /proc status")


def _wait_until_serving(server: Server) -> None:
    """Poll the page (without any proxy) until it answers; fail with the server's log if it dies."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + SERVER_START_S
    while True:
        if server.proc.poll() is not None:
            pytest.fail(f"ui.py exited with {server.proc.returncode}:\n{server.log.read_text()[-3000:]}")
        try:
            with opener.open(server.url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"ui.py did not serve {server.url} within {SERVER_START_S} s:\n{server.log.read_text()[-3000:]}")
            time.sleep(0.5)


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`ui.py --corpus COPY --index TMP --port FREE` with no --host and no QA_HOST, as a user starts it."""
    root = tmp_path_factory.mktemp("ui")
    corpus = root / "corpus"
    shutil.copytree(SEEDS, corpus)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "QA_HOST"}
    env.update(HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", GRADIO_TEMP_DIR=str(root / "gradio"),
               TOKENIZERS_PARALLELISM="false")
    log = root / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "ui.py"), "--corpus", str(corpus), "--index", str(root / "index"),
             "--port", str(port)],
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}/", port, proc, corpus, root / "index", log)
    try:
        _wait_until_serving(server)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_QUOTE = re.compile(
    r'<blockquote>(?P<quote>.*?)</blockquote><p class="qa-cite">Source: (?P<source>.*?) · characters '
    r"(?P<start>\d+)–(?P<end>\d+)",
    re.S,
)
_MARKED = re.compile(r"(?P<pre>.*?)<mark>(?P<answer>.*?)</mark>(?P<post>.*)", re.S)


@dataclass(frozen=True)
class Quoted:
    """One quote of a reply as the page shows it: source, offsets, answer (if marked) and quote."""

    source: str
    start: int
    end: int
    answer: str | None
    quote: str
    quote_start: int


def quotes_in(reply: str) -> list[Quoted]:
    """Every quote in a reply's HTML; the citation gives the answer's offsets, or the quote's when
    nothing is marked."""
    found = []
    for m in _QUOTE.finditer(reply):
        start, end = int(m["start"]), int(m["end"])
        marked = _MARKED.fullmatch(m["quote"])
        if marked is None:
            quote = html.unescape(m["quote"])
            found.append(Quoted(html.unescape(m["source"]), start, end, None, quote, start))
        else:
            pre, answer, post = (html.unescape(marked[k]) for k in ("pre", "answer", "post"))
            found.append(Quoted(html.unescape(m["source"]), start, end, answer, pre + answer + post, start - len(pre)))
    return found


def assert_reply_verbatim(corpus: Path, reply: str) -> None:
    """No error, at least one quote, and each quote and answer exactly where the reply says."""
    assert 'class="qa-reply"' in reply and 'class="qa-error"' not in reply, reply
    quoted = quotes_in(reply)
    assert quoted, reply
    for q in quoted:
        text = (corpus / q.source).read_text(encoding="utf-8")
        assert text[q.start : q.end] == (q.answer if q.answer is not None else q.quote), q
        assert text[q.quote_start : q.quote_start + len(q.quote)] == q.quote, q


def assert_offsets(corpus: Path, item) -> None:
    """The contract of DESIGN.md: answer and quote are verbatim slices of the source file."""
    text = (corpus / item.source).read_text(encoding="utf-8")
    if item.answer is not None:
        assert text[item.start : item.end] == item.answer
    assert text[item.quote_start : item.quote_end] == item.quote


WORDS = (
    'the', 'a', 'an', 'and', 'of', 'to', 'in', 'on', 'at', 'by', 'was', 'were', 'is', 'are', 'who', 'what',
    'when', 'where', 'why', 'how', 'many', 'did', 'does', 'team', 'game', 'won', 'lost', 'played', 'score',
    'points', 'super', 'bowl', 'denver', 'carolina', 'broncos', 'panthers', 'stadium', 'city', 'year',
    'february', 'sunday', 'quarterback', 'coach', 'kutcher', 'thorn', 'board', 'resigned', 'chairman',
    'letter', 'judge', '.', ',', '?', "'", '"', '-',
)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2-layer BERT with a 60-word WordPiece vocabulary, saved like any hub checkpoint."""
    import torch
    from transformers import BertConfig, BertForQuestionAnswering, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-qa")
    vocab = folder / "vocab.txt"
    letters = [f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz0123456789"] + list("abcdefghijklmnopqrstuvwxyz0123456789")
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, *letters]) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512)
    BertForQuestionAnswering(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
