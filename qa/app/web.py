"""factqa web chat: ask questions or check statements against the indexed articles, in a browser.

``python ui.py`` (or ``qa serve``) serves http://127.0.0.1:7860 (``--help`` for the flags). The index and the models
load once, before the first question; every session shares them read-only. Text that comes from an
article or a user is HTML-escaped and the chatbot renders HTML only (no Markdown), so neither can
put markup or script into the page. ``gradio_client`` reaches the chat as the ``/ask`` endpoint.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from qa import QA, Answer, QAError, Verdict
from qa.app.bot import DEFAULT_INDEX, open_bot
from qa.app.render import Citation, escape, is_question, render_answer, render_article, render_verdict
from qa.index.location import STORE_HELP
from qa.pipeline import build_index
from qa.question import MAX_QUESTION_CHARS

log = logging.getLogger("factqa.ui")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
MAX_UPLOAD_BYTES = 1_000_000  # an article, not a book: indexing it must take seconds, not minutes
MAX_UPLOADS = 100  # articles one chat process may add in all (--max-uploads)
MAX_UPLOAD_TOTAL_MB = 20  # megabytes one chat process may add in all (--max-upload-mb)
# Each query is CPU-bound and torch already uses several threads, so more parallel queries only
# make each slower; two lets a short question overtake a long one.
CONCURRENCY = 2
QUEUE_SIZE = 64
MODES = ("Auto", "Ask", "Check")
EXAMPLES = [
    "when did Kutcher resign?",
    "Who did Kutcher start Thorn with?",
    "How old is Danny Masterson?",
    "Kutcher resigned from Thorn",
]
CSS = """
#qa-chat blockquote { border-left: 3px solid #9ca3af; margin: .4em 0; padding: .2em .8em; }
#qa-chat mark, #qa-reader .qa-ans { background: #fbbf24; color: inherit; font-weight: 600; padding: 0 .1em; }
#qa-reader .qa-hit { background: #fef08a; }
#qa-reader .qa-boiler { opacity: .45; }
#qa-reader .qa-doc { position: relative; white-space: pre-wrap; max-height: 520px; overflow-y: auto;
                     font-size: .9em; line-height: 1.45; }
.qa-cite { font-size: .85em; opacity: .85; margin: 0 0 .6em 0; }
.qa-conf { font-size: .85em; margin-left: .4em; }
.qa-conf-high { color: #15803d; } .qa-conf-medium { color: #b45309; } .qa-conf-low { color: #b91c1c; }
.qa-badge { display: inline-block; padding: .1em .6em; border-radius: 999px; font-weight: 600; color: #fff; }
.qa-supported { background: #15803d; } .qa-refuted { background: #b91c1c; } .qa-nei { background: #6b7280; }
.qa-warn { background: #fef3c7; color: #78350f; border-left: 3px solid #d97706; padding: .3em .6em; }
.qa-error { color: #b91c1c; }
#qa-articles { max-height: 260px; overflow-y: auto; }
"""
# Scroll the article box (not the page) so that the highlighted quote sits in its upper third.
_SCROLL_TO_HIT = """() => {
  const hit = document.querySelector('#qa-reader .qa-hit');
  const box = hit && hit.closest('.qa-doc');
  if (box) box.scrollTop = hit.offsetTop - box.clientHeight / 3;
}"""


def reply(bot: QA, message: str, mode: str) -> tuple[str, list[Citation]]:
    """The reply's HTML and the passages it quotes; a user's mistake becomes the reply, not an error."""
    check = mode == "Check" or (mode != "Ask" and not is_question(message))
    started = time.perf_counter()
    try:
        result: Answer | Verdict = bot.check(message) if check else bot.ask(message)
    except QAError as err:
        return f'<div class="qa-reply"><p class="qa-error">{escape(str(err))}</p></div>', []
    log.info("%s in %.0f ms", "check" if check else "ask", (time.perf_counter() - started) * 1000)
    body = render_verdict(result, bot.threshold) if isinstance(result, Verdict) else render_answer(result, bot.threshold)
    return f'<div class="qa-reply">{body}</div>', [Citation.of(ev) for ev in result.evidence]


def safe_filename(name: str) -> str:
    """A plain ASCII file name keeping the .txt/.md suffix: no folders, no dot files, no odd characters."""
    stem, suffix = os.path.splitext(os.path.basename(name.replace("\\", "/")))
    if suffix.lower() not in (".txt", ".md"):
        raise QAError("only .txt or .md articles can be added")
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    clean = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_stem).strip("_-")[:80]
    return f"{clean or 'article'}{suffix.lower()}"


def store_article(corpus: Path, name: str, data: bytes) -> Path:
    """Write an uploaded article into ``corpus`` under a new name (``-2``, ``-3`` … on a clash);
    it appears whole or not at all, and an existing file is never overwritten."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise QAError(f"the file is over {MAX_UPLOAD_BYTES // 1_000_000} MB; add a shorter article")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise QAError("the file is not UTF-8 text; re-save it as UTF-8") from err
    if "\x00" in text or not any(ch.isalnum() for ch in text):
        raise QAError("the file has no readable text")
    filename = safe_filename(name)
    fd, tmp = tempfile.mkstemp(dir=corpus, prefix=".upload-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        stem, suffix = os.path.splitext(filename)
        for n in range(1, 1000):
            path = corpus / (filename if n == 1 else f"{stem}-{n}{suffix}")
            try:
                os.link(tmp, path)
                return path
            except FileExistsError:
                continue
        raise QAError(f"too many files named like {filename}; rename the article")
    finally:
        os.unlink(tmp)


@dataclass(frozen=True)
class UploadPolicy:
    """Where uploads go and how much they may add: the folder the chat was started with, never a
    path read from the index; ``corpus=None`` makes the chat read-only."""

    corpus: Path | None = None
    max_files: int = MAX_UPLOADS
    max_bytes: int = MAX_UPLOAD_TOTAL_MB * 1_000_000

    @property
    def enabled(self) -> bool:
        return self.corpus is not None and self.max_files > 0 and self.max_bytes > 0


class SharedBot:
    """The one bot every session uses. Adding an article builds a new one and swaps it in under a
    lock; a query already running keeps the bot it started with."""

    def __init__(self, bot: QA, index_dir: str | os.PathLike[str], uploads: UploadPolicy | None = None,
                 store: str | None = None) -> None:
        self.bot = bot
        self.index_dir = Path(index_dir)
        self.store = store
        self.uploads = uploads or UploadPolicy()
        self.added_files = 0
        self.added_bytes = 0
        self._lock = threading.Lock()

    def add_article(self, name: str, data: bytes) -> str:
        """Store the file in the chat's corpus folder, re-index that folder incrementally, swap the bot;
        returns its source name."""
        policy = self.uploads
        if policy.corpus is None:
            raise QAError("this chat is read-only: adding articles is off (start ui.py with --corpus FOLDER to allow it)")
        with self._lock:
            if self.added_files >= policy.max_files or self.added_bytes + len(data) > policy.max_bytes:
                raise QAError(f"this chat has reached its upload limit ({policy.max_files} articles, "
                              f"{policy.max_bytes // 1_000_000} MB in all); ask its operator to index more with `qa index`")
            old = self.bot
            corpus = policy.corpus
            path = store_article(corpus, name, data)
            try:
                index, _ = build_index([corpus], self.index_dir, old.embedder, store=self.store)
            except BaseException:
                path.unlink()  # keep corpus and index in step
                raise
            self.bot = QA(index, old.embedder, reader=old.reader, threshold=old.threshold)
            self.added_files += 1
            self.added_bytes += len(data)
            return path.relative_to(corpus).as_posix()


def _user_bubble(message: str) -> dict[str, str]:
    return {"role": "user", "content": f"<p>{escape(message)}</p>"}


def build_app(shared: SharedBot) -> gr.Blocks:
    """The page: chat and mode on the left; articles, reader and upload on the right."""

    def sources() -> list[str]:
        return shared.bot.index.sources()

    def open_citation(key: str | None) -> tuple[Any, str]:
        cite = Citation.from_key(key or "")
        doc = shared.bot.index.document(cite.source) if cite else None
        if doc is None:
            return gr.update(), "<p>That article is no longer in the index.</p>"
        return gr.update(value=doc.source), render_article(doc, cite)

    def open_article(source: str | None) -> str:
        doc = shared.bot.index.document(source or "")
        return render_article(doc) if doc else "<p>That article is no longer in the index.</p>"

    def post_message(message: str, history: list) -> tuple[list, str, str]:
        if not message.strip():
            return history, "", ""
        return [*history, _user_bubble(message)], "", message

    def respond(message: str, mode: str, history: list, cites: dict) -> tuple[list, dict, Any]:
        if not message.strip():
            return history, cites, gr.update()
        body, found = reply(shared.bot, message, mode)
        history = [*history, {"role": "assistant", "content": body}]
        cites = {**cites, str(len(history) - 1): [c.key() for c in found]}
        return history, cites, gr.update(choices=[(c.label(), c.key()) for c in found], value=None)

    def select_reply(cites: dict, evt: gr.SelectData) -> tuple[Any, Any, Any]:
        keys = cites.get(str(evt.index), [])  # the clicked message's position in the history
        if not keys:
            return gr.update(), gr.update(), gr.update()
        choices = [(c.label(), c.key()) for c in map(Citation.from_key, keys) if c]
        article, page = open_citation(keys[0])
        return gr.update(choices=choices, value=keys[0]), article, page

    def add_article(path: str | None) -> tuple[str, Any, Any, None]:
        if not path:
            return "", gr.update(), gr.update(), None
        try:
            if os.path.getsize(path) > MAX_UPLOAD_BYTES:
                raise QAError(f"the file is over {MAX_UPLOAD_BYTES // 1_000_000} MB; add a shorter article")
            source = shared.add_article(os.path.basename(path), Path(path).read_bytes())
        except (QAError, OSError) as err:  # a bad file, or a corpus folder that cannot be written
            return f'<p class="qa-error">{escape(str(err))}</p>', gr.update(), gr.update(), None
        log.info("added %s; %d articles indexed", source, len(shared.bot.index.sources()))
        status = f"<p>Added <strong>{escape(source)}</strong>: ask about it now.</p>"
        return status, gr.update(choices=sources(), value=source), open_article(source), None

    def api_ask(message: str, mode: str = "Auto") -> str:
        """Answer a question or check a statement; returns the reply as HTML (article and user text escaped).

        mode: "Ask" answers, "Check" gives a verdict, anything else ("Auto") decides by the message's form.
        """
        return reply(shared.bot, message if isinstance(message, str) else "", mode)[0]

    with gr.Blocks(title="factqa", analytics_enabled=False) as demo:
        gr.Markdown(
            "## factqa — answers quoted from the articles\n"
            "Ask a question, or type a statement to check it. Every answer is copied word for word "
            "from an article, with the file and the character offsets; when the articles don't say, "
            "the bot says so. Click a reply to read its source."
        )
        pending = gr.State("")
        cites = gr.State({})
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label="Chat", elem_id="qa-chat", height=560, render_markdown=False, sanitize_html=True,
                    latex_delimiters=[], feedback_options=None, buttons=["copy", "copy_all"],
                    placeholder="Ask about the articles, e.g. <q>when did Kutcher resign?</q>",
                )
                with gr.Row():
                    message = gr.Textbox(
                        show_label=False, placeholder="Ask a question or type a statement to check",
                        max_length=MAX_QUESTION_CHARS, scale=5, elem_id="qa-input",
                    )
                    send = gr.Button("Send", variant="primary", scale=1, min_width=80, elem_id="qa-send")
                mode = gr.Radio(
                    list(MODES), value="Auto", label="Mode", elem_id="qa-mode",
                    info="Auto answers questions (?, wh-word, or is/does/can… first) and checks statements",
                )
                gr.Examples(EXAMPLES, inputs=[message], label="Examples")
                quoted = gr.Radio([], label="Passages quoted in the reply: click one to read it in context",
                                  elem_id="qa-quoted")
            with gr.Column(scale=2):
                articles = gr.Radio(sources(), label="Indexed articles", elem_id="qa-articles")
                reader = gr.HTML("<p>Click an article to read it.</p>", elem_id="qa-reader")
                upload = gr.File(
                    label=f"Add an article (.txt or .md, up to {MAX_UPLOAD_BYTES // 1_000_000} MB)",
                    file_types=[".txt", ".md"], type="filepath", elem_id="qa-upload",
                    visible=shared.uploads.enabled,
                )
                upload_status = gr.HTML(elem_id="qa-upload-status")

        ui = {"api_visibility": "private"}
        for trigger in (message.submit, send.click):
            trigger(post_message, [message, chatbot], [chatbot, message, pending], queue=False, **ui).then(
                respond, [pending, mode, chatbot, cites], [chatbot, cites, quoted],
                concurrency_id="qa", concurrency_limit=CONCURRENCY, **ui,
            )
        chatbot.select(select_reply, [cites], [quoted, articles, reader], **ui).then(fn=None, js=_SCROLL_TO_HIT)
        quoted.select(open_citation, [quoted], [articles, reader], **ui).then(fn=None, js=_SCROLL_TO_HIT)
        articles.select(open_article, [articles], [reader], **ui)
        upload.upload(add_article, [upload], [upload_status, articles, reader, upload], concurrency_limit=1, **ui)
        demo.load(lambda: gr.update(choices=sources()), None, [articles], **ui)
        gr.api(api_ask, api_name="ask", concurrency_id="qa", concurrency_limit=CONCURRENCY)
    return demo


def build_parser() -> argparse.ArgumentParser:
    env = os.environ.get
    parser = argparse.ArgumentParser(description="factqa web chat (Gradio)")
    parser.add_argument("--host", default=env("QA_HOST", DEFAULT_HOST),
                        help="interface to listen on (default: %(default)s) [QA_HOST]")
    parser.add_argument("--port", type=int, default=env("QA_PORT", str(DEFAULT_PORT)),
                        help="port (default: %(default)s) [QA_PORT]")
    parser.add_argument("--index", default=env("QA_INDEX") or None,
                        help=f"index folder (default: {DEFAULT_INDEX}/, built from seeds/ when missing) [QA_INDEX]")
    parser.add_argument("--corpus", default=env("QA_CORPUS") or None,
                        help="folder of .txt/.md articles to index (incrementally) before serving; uploads are "
                             "written here, and without it the chat is read-only [QA_CORPUS]")
    parser.add_argument("--store", default=None, help=STORE_HELP + " [QA_STORE]")
    parser.add_argument("--no-upload", action="store_true", help="read-only: no adding articles from the page")
    parser.add_argument("--max-uploads", type=int, default=MAX_UPLOADS,
                        help="articles the page may add in all (default: %(default)s)")
    parser.add_argument("--max-upload-mb", type=int, default=MAX_UPLOAD_TOTAL_MB,
                        help="megabytes the page may add in all (default: %(default)s)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # Gradio's own start-up probes
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # nothing phones home (Blocks says so too)
    source = f"corpus {args.corpus} -> index {args.index}" if args.corpus else f"index {args.index}"
    log.info("loading the models and %s (once, before the first question)", source)
    started = time.perf_counter()
    try:
        bot = open_bot(args.index, args.corpus, store=args.store)
    except QAError as err:
        print(f"ui.py: error: {err}", file=sys.stderr)
        return 2
    log.info(
        "ready in %.1f s: %d articles, %d chunks, embedding model %s; serving http://%s:%d",
        time.perf_counter() - started, len(bot.index.sources()), bot.index.chunk_count(), bot.embedder.model_id,
        args.host, args.port,
    )
    corpus = None if args.no_upload or not args.corpus else Path(args.corpus)
    uploads = UploadPolicy(corpus, max(0, args.max_uploads), max(0, args.max_upload_mb) * 1_000_000)
    demo = build_app(SharedBot(bot, args.index or DEFAULT_INDEX, uploads, args.store))
    demo.queue(default_concurrency_limit=CONCURRENCY, max_size=QUEUE_SIZE)
    theme = gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
    demo.launch(server_name=args.host, server_port=args.port, max_file_size=MAX_UPLOAD_BYTES, theme=theme, css=CSS,
                footer_links=["api"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
