"""Bad questions and claims through every door: the Python API, the `qa` command and the web chat.

Each input gets a clear message (QAError; exit status 2 with one line; an error reply in the chat) or
a sensible answer whose quotes are verbatim, within a bounded time, never a traceback. The rows of
the README's bad-input table point at these tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from gradio_client import Client

from qa import QA, Answer, QAError, Verdict
from qa.question import MAX_QUESTION_CHARS

from .conftest import assert_offsets, run_qa

pytestmark = [
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
BOUND_S = 30.0  # per question, generous for 2 shared cores; what is read of a question is capped
T = TypeVar("T")
LONG = ("when did Kutcher resign from the board of Thorn? " * 2100)[:100_000]  # 100 KB

# Inputs that say nothing: each must be refused with the same clear message.
EMPTY = {
    "empty": "",
    "whitespace": " \t\n\u00a0\u3000 ",
    "punctuation": "?!.,;:…—«»()[]",
    "emoji only": "🤔🙈🔥",
    "invisible only": "\u200b\u200d\u2060\ufeff",
    "control only": "\x00\x07\x1b\x7f",
}
# Inputs that carry a question: each gets an answer or an abstention, with verbatim quotes.
ANSWERABLE = {
    "control characters": "\x00when\x07 did\x1b Kutcher\x7f resign?\x9b",
    "100 KB": LONG,
    "mixed scripts, emoji, RTL": "when did Kutcher 🤔 resign? \u202eשלום مرحبا\u202c 你好",
    "right-to-left only": "متى استقال كوتشر من ثورن؟",
    "other language": "¿Cuándo dimitió Kutcher de la junta de Thorn?",
    "lone surrogate": "when did Kutcher resign?\ud800",
    "markup": "<script>alert(1)</script> when did Kutcher resign?",
}


def _timed(call: Callable[..., T], *args: object) -> T:
    started = time.perf_counter()
    result = call(*args)
    assert time.perf_counter() - started < BOUND_S
    return result


def _assert_sensible(corpus: Path, result: Answer | Verdict) -> None:
    """What is asked back is printable and capped; every quote is verbatim with exact offsets."""
    asked = result.question if isinstance(result, Answer) else result.claim
    assert asked and len(asked) <= MAX_QUESTION_CHARS and asked.isprintable()
    items = (result, *result.evidence) if isinstance(result, Answer) and result.answer is not None else result.evidence
    for item in items:
        assert_offsets(corpus, item)


@pytest.mark.parametrize("text", EMPTY.values(), ids=EMPTY.keys())
def test_api_refuses_input_that_says_nothing(seeds_bot: QA, text: str) -> None:
    with pytest.raises(QAError, match="the question is empty"):
        seeds_bot.ask(text)
    with pytest.raises(QAError, match="the question is empty"):
        seeds_bot.check(text)


@pytest.mark.parametrize("value", [None, 42, b"when did Kutcher resign?"], ids=["None", "int", "bytes"])
def test_api_refuses_what_is_not_text(seeds_bot: QA, value: object) -> None:
    with pytest.raises(QAError, match="must be text"):
        seeds_bot.ask(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ANSWERABLE.values(), ids=ANSWERABLE.keys())
def test_api_answers_odd_input_verbatim_in_bounded_time(seeds_bot: QA, seeds_copy: Path, text: str) -> None:
    _assert_sensible(seeds_copy, _timed(seeds_bot.ask, text))
    _assert_sensible(seeds_copy, _timed(seeds_bot.check, text))


def test_control_characters_do_not_hide_the_question(seeds_bot: QA) -> None:
    answer = seeds_bot.ask(ANSWERABLE["control characters"])
    assert answer.question == "when did Kutcher resign?"
    assert answer.answer == seeds_bot.ask("when did Kutcher resign?").answer


def test_cli_refuses_input_that_says_nothing(tmp_path: Path) -> None:
    # argv cannot carry a NUL byte, so "control only" reaches the command only through the API
    runs = [(command, text) for text in EMPTY.values() if "\x00" not in text for command in ("ask", "check")]
    with ThreadPoolExecutor(max_workers=2) as pool:  # each run is mostly Python start-up
        results = list(pool.map(lambda run: run_qa(list(run), tmp_path), runs))
    for run, result in zip(runs, results):
        assert result.returncode == 2, (run, result.stderr)
        assert result.stderr.startswith("qa: error: the question is empty"), (run, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_cli_refuses_an_empty_question_before_loading_any_model() -> None:
    """Checked before the stack loads, so the user waits for Python, not for torch and spaCy."""
    code = ("import sys; from qa.app import cli; rc = cli.run(['ask', ' ? ']); "
            "print(rc, sorted(m for m in ('torch', 'spacy', 'faiss', 'sentence_transformers') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "2 []", (result.stdout, result.stderr)
    assert result.stderr.startswith("qa: error: the question is empty")


def test_cli_answers_a_100kb_mixed_question_in_bounded_time(tmp_path: Path, seeds_bot: QA, seeds_index: Path,
                                                             seeds_copy: Path) -> None:
    question = ("when did Kutcher 🤔 resign? \u202eשלום\u202c \x07 " * 4000)[:100_000]
    started = time.perf_counter()
    result = run_qa(["ask", question, "--index", str(seeds_index), "--json"], tmp_path)
    assert time.perf_counter() - started < 120  # includes loading the models
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data["question"]) <= MAX_QUESTION_CHARS
    for item in (data, *data["evidence"]):
        text = (seeds_copy / item["source"]).read_text(encoding="utf-8") if item["source"] else ""
        if item["answer"] is not None:
            assert text[item["start"] : item["end"]] == item["answer"]
        if item["quote"] is not None:
            assert text[item["quote_start"] : item["quote_end"]] == item["quote"]


@pytest.fixture(scope="module")
def client(chat_url: str) -> Client:
    return Client(chat_url, verbose=False)


@pytest.mark.parametrize("text", EMPTY.values(), ids=EMPTY.keys())
def test_chat_replies_with_a_message_to_input_that_says_nothing(client: Client, text: str) -> None:
    for mode in ("Ask", "Check", "Auto"):
        reply = client.predict(message=text, mode=mode, api_name="/ask")
        assert 'class="qa-error"' in reply and "the question is empty" in reply


def test_chat_replies_with_a_message_when_given_no_text(client: Client) -> None:
    reply = client.predict(message=None, mode="Ask", api_name="/ask")
    assert 'class="qa-error"' in reply


def _rest_ask(url: str, message: str, mode: str) -> str:
    """/ask through Gradio's plain HTTP API, for text gradio_client cannot encode (a lone surrogate
    is legal in JSON, as an escape, but not in UTF-8)."""
    with httpx.Client(base_url=url, trust_env=False, timeout=BOUND_S) as http:
        body = json.dumps({"data": [message, mode]})  # ensure_ascii: the surrogate travels as \ud800
        event = http.post("gradio_api/call/ask", content=body, headers={"Content-Type": "application/json"})
        event.raise_for_status()
        stream = http.get(f"gradio_api/call/ask/{event.json()['event_id']}").text
    assert "event: complete" in stream, stream
    return json.loads(stream.split("event: complete\ndata:", 1)[1].strip().splitlines()[0])[0]


@pytest.mark.parametrize("mode", ["Ask", "Check"])
@pytest.mark.parametrize("text", ANSWERABLE.values(), ids=ANSWERABLE.keys())
def test_chat_answers_odd_input_in_bounded_time(client: Client, chat_url: str, text: str, mode: str) -> None:
    if "\ud800" in text:
        reply = _timed(_rest_ask, chat_url, text, mode)
    else:
        reply = _timed(lambda: client.predict(message=text, mode=mode, api_name="/ask"))
    assert 'class="qa-reply"' in reply and 'class="qa-error"' not in reply
    assert "<script" not in reply
