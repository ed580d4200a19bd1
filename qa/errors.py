"""The one exception type a user can cause; the CLI and UI print its message, not a traceback."""


class QAError(Exception):
    """A mistake the user can fix: the message says what to do."""
