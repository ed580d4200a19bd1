"""The web chat end to end: `ui.py` as a user starts it, driven in Debian's chromium by Playwright.

One browser serves the whole module, against the session's `ui.py` server (conftest.ui_server),
which indexes a private copy of seeds/, so the repository's corpus and index are never touched.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio_client import Client
from playwright.sync_api import Browser, Locator, Page, sync_playwright

from qa import QA
from qa.index.store import CorpusIndex

from .conftest import ROOT, Server, assert_reply_verbatim

pytestmark = pytest.mark.browser

SEEDS = sorted(p.name for p in (ROOT / "seeds").iterdir() if p.suffix in (".txt", ".md"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
REPLY_TIMEOUT_MS = 60_000
ZORBLAX = (
    "Zorblax Festival returns\n\n"
    "The Zorblax Festival was held in Tromsø on 12 May 2024. It drew four thousand visitors to the harbour, "
    "where local bands played until midnight.\n\n"
    "The organisers said the next Zorblax Festival will take place in Bergen.\n"
)


@pytest.fixture(scope="module")
def server(ui_server: Server) -> str:
    return ui_server.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `apt-get update && apt-get install -y chromium` (or `make chromium`)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser: Browser, server: str) -> Iterator[Page]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    page.goto(server)
    page.wait_for_selector("#qa-input textarea")
    yield page
    page.close()


def send(page: Page, text: str) -> Locator:
    """Type ``text``, send it, and return the bot's reply once it has arrived."""
    before = page.locator("#qa-chat .qa-reply").count()
    page.fill("#qa-input textarea", text)
    page.click("#qa-send")
    page.wait_for_function("n => document.querySelectorAll('#qa-chat .qa-reply').length > n", arg=before)
    return page.locator("#qa-chat .qa-reply").last


def test_answer_quotes_a_seed_file_and_opens_it(page: Page) -> None:
    reply = send(page, "when did Kutcher resign?")
    assert reply.locator("strong").first.inner_text().strip()
    assert reply.locator("blockquote mark").count() >= 1
    text = reply.inner_text()
    assert any(name in text for name in SEEDS), text
    assert "confidence" in text
    reply.locator("blockquote").first.click()  # clicking a reply opens its source, the quote highlighted
    page.wait_for_selector("#qa-reader .qa-hit")
    assert page.locator("#qa-reader .qa-ans").first.inner_text() in text


def test_unanswerable_question_abstains_with_passages(page: Page) -> None:
    reply = send(page, "What is the capital of Australia?")
    assert "don't answer" in reply.inner_text()
    assert reply.locator("blockquote").count() >= 1


def test_markup_in_a_question_is_shown_not_run(page: Page) -> None:
    reply = send(page, '<img src=x onerror="window.__xss=1"> What is <b>Thorn</b>?')
    assert page.evaluate("window.__xss") is None
    assert page.locator("#qa-chat img[src=x], #qa-chat b").count() == 0
    assert "<b>Thorn</b>" in page.locator("#qa-chat").inner_text()
    assert reply.is_visible()


def test_input_without_words_gets_a_message_in_the_chat(page: Page) -> None:
    reply = send(page, "?! … 🤔")
    assert "the question is empty" in reply.locator(".qa-error").inner_text()


def test_statement_gets_a_verdict_badge(page: Page) -> None:
    if not hasattr(QA, "check"):
        pytest.skip("QA.check (claim verdicts) is not in qa.pipeline yet")
    reply = send(page, "Kutcher resigned from Thorn")
    badge = reply.locator(".qa-badge")
    assert badge.inner_text().strip() in ("Supported", "Refuted", "Not enough info")


def test_uploaded_article_can_be_asked_at_once(page: Page, tmp_path: Path) -> None:
    article = tmp_path / "zorblax_festival.txt"
    article.write_text(ZORBLAX, encoding="utf-8")
    page.set_input_files("#qa-upload input[type=file]", str(article))
    page.wait_for_selector("#qa-upload-status :text('Added')")
    assert "zorblax_festival.txt" in page.locator("#qa-articles").inner_text()
    reply = send(page, "Where was the Zorblax Festival held?")
    text = reply.inner_text()
    assert "zorblax_festival.txt" in text
    assert "Tromsø" in text
    shot = tmp_path / "chat.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0


ADDED = {  # file: (article, question, what the answer must quote)
    "lantern_parade.txt": ("The Lantern Parade was held in Hirtshals on 9 August 2024. Forty bands marched.",
                           "Where was the Lantern Parade held?", "Hirtshals"),
    "cheese_market.md": ("# Cheese fair\n\nThe Skagen cheese market sold 3,000 wheels of cheese on its first day.",
                         "How many wheels of cheese did the Skagen market sell?", "3,000"),
    "glacier_lecture.txt": ("Professor Ingrid Dahl gave the glacier lecture at Tromsø University in October.",
                            "Who gave the glacier lecture?", "Ingrid Dahl"),
}
ASKED_MEANWHILE = ["when did Kutcher resign?", "How old is Masterson?", "Who did Kutcher start Thorn with?"]


def test_articles_added_while_others_ask_are_all_kept(page: Page, ui_server: Server, tmp_path: Path) -> None:
    """Three users keep asking through gradio_client while articles are added in the browser: no
    query fails, and every article ends up on disk, in the index and in the answers."""
    stop, lock = threading.Event(), threading.Lock()
    errors: list[str] = []
    answered = [0]

    def keep_asking(question: str) -> None:
        client = Client(ui_server.url, verbose=False)
        while not stop.is_set():
            try:
                reply = client.submit(message=question, mode="Ask", api_name="/ask").result(timeout=300)
                assert_reply_verbatim(ui_server.corpus, reply)
                with lock:
                    answered[0] += 1
            except Exception as err:  # recorded, and fails the test below
                with lock:
                    errors.append(f"{question!r}: {type(err).__name__}: {err}")

    askers = [threading.Thread(target=keep_asking, args=(q,)) for q in ASKED_MEANWHILE]
    for thread in askers:
        thread.start()
    try:
        for name, (text, _, _) in ADDED.items():
            article = tmp_path / name
            article.write_text(text + "\n", encoding="utf-8")
            page.set_input_files("#qa-upload input[type=file]", str(article))
            page.wait_for_selector(f"#qa-upload-status strong:text-is('{name}')")
    finally:
        stop.set()
        for thread in askers:
            thread.join()
    assert not errors, errors[:3]
    assert answered[0] >= len(ASKED_MEANWHILE)
    listed = page.locator("#qa-articles").inner_text()
    indexed = CorpusIndex.load(ui_server.index).by_source
    client = Client(ui_server.url, verbose=False)
    for name, (_, question, answer) in ADDED.items():
        assert (ui_server.corpus / name).is_file() and name in listed and name in indexed
        reply = client.predict(message=question, mode="Ask", api_name="/ask")
        assert_reply_verbatim(ui_server.corpus, reply)
        assert name in reply and answer in reply, reply
