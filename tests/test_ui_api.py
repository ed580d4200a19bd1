"""The web chat's API (`/ask` through gradio_client) and the pieces that keep its page safe:
escaping, the question/statement rule, confidence bands, upload names and storage.

The API tests serve the app in this process on the session's seeds bot, so no model loads twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from gradio_client import Client

from qa import QA, Answer, Evidence, QAError, Verdict
from qa.app import render
from qa.app import web as ui
from qa.index.embedding import Embedder
from qa.ingest.documents import Document
from qa.pipeline import build_index

from .conftest import ROOT

# gradio's queue calls pandas options that pandas 3 deprecates: noise from a dependency, not from us
pytestmark = [
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
SEEDS = sorted(p.name for p in (ROOT / "seeds").iterdir() if p.suffix in (".txt", ".md"))
MARKUP = "<script>alert(1)</script><b>x</b>"


@pytest.fixture(scope="module")
def client(chat_url: str) -> Client:
    return Client(chat_url, verbose=False)


def test_api_answer_names_a_seed_file(client: Client) -> None:
    reply = client.predict(message="when did Kutcher resign?", api_name="/ask")
    assert any(name in reply for name in SEEDS), reply
    assert "<mark>" in reply


def test_api_escapes_markup_in_a_question(client: Client) -> None:
    for mode in ("Ask", "Check"):
        reply = client.predict(message=MARKUP, mode=mode, api_name="/ask")
        assert "<script" not in reply.lower()
        assert "<b>x" not in reply
    # a verdict always repeats the claim (an answer repeats the question only when abstaining)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in reply


def test_api_reports_a_user_error_as_the_reply(client: Client) -> None:
    reply = client.predict(message="?!", mode="Ask", api_name="/ask")
    assert "qa-error" in reply and "empty" in reply


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("when did Kutcher resign?", True),
        ("Kutcher resigned from Thorn", False),
        ("Who founded Thorn", True),
        ("Did Kutcher resign", True),
        ("Isn't Masterson 47", True),
        ("However, Kutcher stayed.", False),
        ("Kutcher resigned?", True),
    ],
)
def test_auto_mode_tells_questions_from_statements(text: str, question: bool) -> None:
    assert render.is_question(text) is question


def test_confidence_bands_sit_above_the_threshold() -> None:
    assert render.confidence(0.95, 0.45) == "high"
    assert render.confidence(0.65, 0.45) == "medium"
    assert render.confidence(0.50, 0.45) == "low"
    assert render.confidence(0.10, 0.45) == "low"


def test_rendered_answer_escapes_article_text_and_marks_the_answer() -> None:
    quote = "He said <img src=x onerror=alert(1)> on **Friday** [x](javascript:alert(1))."
    start = quote.index("**Friday**")
    ev = Evidence("**Friday**", "a<b>.txt", start, start + 10, quote, 0, len(quote), 0.9)
    ans = Answer("q", ev.answer, ev.source, ev.start, ev.end, quote, 0, len(quote), 0.9, "single-source", (ev,))
    out = render.render_answer(ans, 0.45)
    assert "<img" not in out and "<b>" not in out
    assert "<mark>**Friday**</mark>" in out
    assert "a&lt;b&gt;.txt" in out


def test_conflicting_sources_are_flagged_each_with_its_quote() -> None:
    a = Evidence("Friday", "one.txt", 3, 9, "On Friday.", 0, 10, 0.8)
    b = Evidence("Thursday", "two.txt", 3, 11, "On Thursday.", 0, 12, 0.7)
    ans = Answer("q", "Friday", "one.txt", 3, 9, "On Friday.", 0, 10, 0.8, "conflicting", (a, b))
    out = render.render_answer(ans, 0.45)
    assert "the sources differ" in out
    assert out.count("<blockquote>") == 2 and "one.txt" in out and "two.txt" in out


def test_article_view_escapes_and_highlights_the_quote() -> None:
    text = "Intro <script>x()</script>. The quote says Friday. End."
    doc = Document("<x>.txt", text, "0" * 64)
    qs = text.index("The quote")
    cite = render.Citation("<x>.txt", qs, text.index(" End"), text.index("Friday"), text.index("Friday") + 6)
    out = render.render_article(doc, cite)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert '<span class="qa-hit qa-ans">Friday</span>' in out


class _StubBot:
    """Just enough of QA for reply(): the mode logic needs no models."""

    threshold = 0.45

    def ask(self, question: str) -> Answer:
        return Answer(question, None, None, None, None, None, None, None, 0.1, "none", ())

    def check(self, claim: str) -> Verdict:
        ev = Evidence(None, "a.txt", 0, 12, "He <i>left</i>.", 0, 12, 0.9)
        return Verdict(claim, "REFUTED", 0.9, (ev,))


@pytest.mark.parametrize(
    ("message", "mode", "checked"),
    [
        ("Kutcher resigned from Thorn", "Auto", True),
        ("when did Kutcher resign?", "Auto", False),
        ("Kutcher resigned from Thorn", "Ask", False),
        ("when did Kutcher resign?", "Check", True),
    ],
)
def test_statements_are_checked_and_questions_answered(message: str, mode: str, checked: bool) -> None:
    html, cites = ui.reply(_StubBot(), message, mode)
    assert ('<span class="qa-badge qa-refuted">Refuted</span>' in html) is checked
    assert ("don't answer" in html) is not checked
    assert "<i>" not in html
    assert [c.source for c in cites] == (["a.txt"] if checked else [])


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("<script>alert(1)<script>.md", "script_alert_1_script.md"),
        (".hidden.TXT", "hidden.txt"),
        ("Zürich news 2024.txt", "Zurich_news_2024.txt"),
        ("☃.txt", "article.txt"),
    ],
)
def test_upload_names_are_sanitised(name: str, safe: str) -> None:
    assert ui.safe_filename(name) == safe


def test_upload_rejects_other_types() -> None:
    with pytest.raises(QAError, match=r"\.txt or \.md"):
        ui.safe_filename("evil.html")


def test_stored_article_never_overwrites(tmp_path: Path) -> None:
    first = ui.store_article(tmp_path, "note.txt", b"First article.")
    second = ui.store_article(tmp_path, "note.txt", b"Second article.")
    assert (first.name, second.name) == ("note.txt", "note-2.txt")
    assert first.read_bytes() == b"First article."
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note-2.txt", "note.txt"]  # no temporary left behind


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"\xff\xfe bad", "UTF-8"), (b" \n ", "no readable text"), (b"x" * (ui.MAX_UPLOAD_BYTES + 1), "over")],
)
def test_stored_article_must_be_small_utf8_text(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(QAError, match=message):
        ui.store_article(tmp_path, "a.txt", data)
    assert list(tmp_path.iterdir()) == []


def test_adding_an_article_swaps_in_a_new_bot(embedder: Embedder, tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    (corpus / "alpha.txt").write_text("The Alpha Fair was held in Oslo on 3 March 2020, with 200 stalls.\n", encoding="utf-8")
    old = QA(build_index([corpus], index_dir, embedder)[0], embedder)
    shared = ui.SharedBot(old, index_dir, ui.UploadPolicy(corpus))
    source = shared.add_article("Zorblax news.md", b"The Zorblax Festival was held in Tromso on 12 May 2024.\n")
    assert source == "Zorblax_news.md"
    assert (corpus / source).is_file()
    assert source in shared.bot.index.by_source and source not in old.index.by_source  # old bot untouched
    assert shared.bot.embedder is old.embedder and shared.bot.reader is old.reader
