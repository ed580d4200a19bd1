"""App: what a user runs: the `qa` command line and the benchmark it offers (the web chat is ui.py)."""
