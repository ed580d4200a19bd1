"""factqa web chat: ``python ui.py [--corpus FOLDER] [--index DIR] [--port N]`` (or ``qa serve``).

The chat itself lives in qa/app/web.py (Gradio wiring) and qa/app/render.py (its HTML)."""

import sys

from qa.app.web import main

if __name__ == "__main__":
    sys.exit(main())
