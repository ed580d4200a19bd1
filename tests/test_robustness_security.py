"""What the web chat exposes: it listens on 127.0.0.1 unless told otherwise, serves no file that is
not an indexed article (`../` and absolute paths through every door that takes a name), limits
uploads in size and type and stores them under the corpus with a sanitised name, and escapes all
article and user text.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from gradio_client import Client

from qa import QA
from qa.app import render
from qa.app import web as ui
from qa.index.embedding import Embedder
from qa.pipeline import build_index

from .conftest import ROOT, SEEDS, Server

pytestmark = [
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
MISSING = "no longer in the index"


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on ``port``, from /proc/net/tcp{,6} (hex, as the kernel writes)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_server_listens_on_loopback_only_by_default(ui_server: Server) -> None:
    assert _listening_addresses(ui_server.port) == {"0100007F"}  # 127.0.0.1, little-endian hex
    with socket.socket() as sock:  # and it does answer there
        sock.settimeout(5)
        sock.connect(("127.0.0.1", ui_server.port))


def test_host_is_loopback_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QA_HOST", raising=False)
    assert ui.build_parser().parse_args([]).host == "127.0.0.1"
    assert ui.build_parser().parse_args(["--host", "0.0.0.0"]).host == "0.0.0.0"
    monkeypatch.setenv("QA_HOST", "10.1.2.3")
    assert ui.build_parser().parse_args([]).host == "10.1.2.3"


def _secret_paths(server: Server) -> dict[str, str]:
    """Files the server can read but must never serve, and a line of each that would give it away."""
    article = sorted(server.corpus.glob("*.txt"))[0]
    index_manifest = server.corpus.parent / "index" / "manifest.json"
    return {
        "/etc/passwd": "root:",
        str(article): article.read_text(encoding="utf-8")[:40],
        str(index_manifest): '"format_version"',
        str(ROOT / "qa" / "app" / "web.py"): "def build_app",
        str(ROOT / "pyproject.toml"): "[project]",
    }


def test_file_routes_serve_no_article_index_source_or_system_file(ui_server: Server) -> None:
    with httpx.Client(base_url=ui_server.url, trust_env=False, timeout=30) as http:
        for path, giveaway in _secret_paths(ui_server).items():
            relative = "../" * 12 + path.lstrip("/")
            urls = [
                f"gradio_api/file={path}", f"file={path}", f"gradio_api/file={relative}",
                f"gradio_api/file={quote(relative, safe='')}", f"gradio_api/file={quote(relative.replace('/', '%2F'))}",
                f"static/{relative}", f"assets/{quote(relative, safe='')}", f"gradio_api/static/{relative}",
                f"gradio_api/proxy={path}", f"gradio_api/file=corpus/{Path(path).name}",
            ]
            for url in urls:
                response = http.get(url)
                assert response.status_code != 200 or giveaway not in response.text, (url, response.status_code)


def test_the_only_api_takes_text_and_returns_escaped_html(chat_url: str) -> None:
    endpoints = Client(chat_url, verbose=False).view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert set(endpoints) == {"/ask"}
    assert [p["parameter_name"] for p in endpoints["/ask"]["parameters"]] == ["message", "mode"]


def test_uploads_over_the_size_limit_are_refused_by_the_server(ui_server: Server) -> None:
    big = b"An article that is far too long for the chat. " * (ui.MAX_UPLOAD_BYTES // 40)
    with httpx.Client(base_url=ui_server.url, trust_env=False, timeout=60) as http:
        response = http.post("gradio_api/upload", files={"files": ("big.txt", big, "text/plain")})
    assert response.status_code == 413


@pytest.fixture()
def handlers(tmp_path: Path, embedder: Embedder, seeds_bot: QA) -> dict[str, Callable[..., Any]]:
    """The page's event handlers (the private endpoints the browser calls) over a writable corpus."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    bot = QA(build_index([corpus], tmp_path / "index", embedder)[0], embedder, reader=seeds_bot.reader)
    demo = ui.build_app(ui.SharedBot(bot, tmp_path / "index", ui.UploadPolicy(corpus)))
    return {block.name: block.fn for block in demo.fns.values() if block.fn is not None}


def test_article_views_read_only_indexed_sources(handlers: dict[str, Callable[..., Any]], tmp_path: Path) -> None:
    seed = sorted(p.name for p in SEEDS.glob("*.txt"))[0]
    assert seed in handlers["open_article"](seed)
    outside = tmp_path / "outside.txt"
    outside.write_text("A file next to the corpus, never indexed.\n", encoding="utf-8")
    names = ["/etc/passwd", "../../../../etc/passwd", str(SEEDS / seed), f"../corpus/{seed}", f"./{seed}",
             f"{seed}/../{seed}", "../outside.txt", str(outside), "", None]
    for name in names:
        assert MISSING in handlers["open_article"](name), name
        key = render.Citation(str(name), 0, 10, 0, 5).key()
        assert MISSING in handlers["open_citation"](key)[1], name
    for key in ["", "not json", "[]", '["/etc/passwd"]', '{"source": "/etc/passwd"}', '["/etc/passwd", "a", 0, 0, 0]']:
        assert MISSING in handlers["open_citation"](key)[1], key


def test_uploads_are_limited_sanitised_kept_under_the_corpus_and_escaped(
    handlers: dict[str, Callable[..., Any]], tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    uploads = tmp_path / "uploads"
    (uploads / "sub").mkdir(parents=True)
    evil = uploads / "sub" / "..%2F..%2Fevil <img src=x onerror=alert(1)>.md"
    evil.write_text("# <b>Evil</b>\n\nThe <script>alert(1)</script> Quagga Fair opened in Lund on 2 May 2024.\n",
                    encoding="utf-8")
    outside = {p for p in tmp_path.rglob("*") if p.parent != corpus and "index" not in p.parts}
    before = set(corpus.iterdir())
    status, _, page, _ = handlers["add_article"](str(evil))
    assert "Added" in status and "<img" not in status
    (added,) = set(corpus.iterdir()) - before
    assert added.name == "2F_2Fevil_img_src_x_onerror_alert_1.md"
    assert "<script" not in page and "<b>" not in page and "&lt;script&gt;" in page

    page_html = uploads / "page.html"
    page_html.write_text("<html>An article in HTML.</html>", encoding="utf-8")
    too_big = uploads / "big.txt"
    too_big.write_bytes(b"Far too long. " * (ui.MAX_UPLOAD_BYTES // 14 + 1))
    binary = uploads / "photo.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    for path, message in [(page_html, ".txt or .md"), (too_big, "over 1 MB"), (binary, "not UTF-8")]:
        status, *_ = handlers["add_article"](str(path))
        assert 'class="qa-error"' in status and message in status, (path.name, status)
    assert set(corpus.iterdir()) - before == {added}
    created = {p for p in tmp_path.rglob("*") if p.parent != corpus and "index" not in p.parts} - outside
    assert created == {page_html, too_big, binary}  # the test's own files: nothing was written outside the corpus
