"""App: what a user runs: opening a bot (bot.py), the `qa` command line (cli.py) and the web chat
(web.py, its HTML in render.py; ui.py at the top level starts it)."""
