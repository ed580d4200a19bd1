"""Regenerate docs/screenshot.png: the web chat answering "when did Kutcher resign?", its source open.

Run from the repository root: ``.venv/bin/python docs/screenshot.py``. It serves ui.py on a free
port against a temporary copy of seeds/ (the repository's index is untouched) and drives Debian's
chromium; the PNG is reduced to 128 colours so that it stays small.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "when did Kutcher resign?"
# Scroll every scrolled box of the chat back to the top, so the question shows above the answer.
_CHAT_TO_TOP = """() => { for (const el of document.querySelectorAll('#qa-chat *'))
  if (el.scrollHeight > el.clientHeight + 5 && getComputedStyle(el).overflowY !== 'visible') el.scrollTop = 0; }"""


def main(out: Path = ROOT / "docs" / "screenshot.png") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(ROOT / "seeds", Path(tmp) / "corpus")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
        server = subprocess.Popen(
            [sys.executable, str(ROOT / "ui.py"), "--corpus", f"{tmp}/corpus", "--index", f"{tmp}/index", "--port", str(port)],
            cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            for _ in range(360):
                try:
                    opener.open(url, timeout=5).close()
                    break
                except OSError:
                    time.sleep(0.5)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
                page = browser.new_page(viewport={"width": 1200, "height": 820})
                page.set_default_timeout(120_000)
                page.goto(url)
                page.fill("#qa-input textarea", QUESTION)
                page.click("#qa-send")
                page.locator("#qa-chat .qa-reply blockquote").first.click()
                page.wait_for_selector("#qa-reader .qa-hit")
                page.evaluate(_CHAT_TO_TOP)
                time.sleep(0.5)
                png = Path(tmp) / "shot.png"
                page.screenshot(path=str(png))
                browser.close()
        finally:
            server.terminate()
            server.wait()
        image = Image.open(png).convert("RGB").quantize(colors=128, dither=Image.Dither.NONE)
        image.save(out, optimize=True)
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
