"""Web chat over the factqa API (a minimal version; the web-chat issue completes it)."""

from __future__ import annotations

import argparse
import html

import gradio as gr

from qa import QA, QAError


def format_answer(bot: QA, question: str) -> str:
    try:
        ans = bot.ask(question)
    except QAError as err:
        return html.escape(str(err))
    if ans.answer is None:
        return "The articles don't say."
    return f"**{html.escape(ans.answer)}**\n\n> {html.escape(ans.quote)}\n\n`{ans.source}:{ans.start}-{ans.end}`"


def main() -> None:
    parser = argparse.ArgumentParser(description="factqa web chat")
    parser.add_argument("--index", default="index")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    args = parser.parse_args()
    bot = QA.load(args.index)
    demo = gr.ChatInterface(lambda message, history: format_answer(bot, message), title="factqa")
    demo.launch(server_name=args.host, server_port=args.port)


if __name__ == "__main__":
    main()
