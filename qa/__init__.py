"""factqa: extractive, fact-checking question answering over a folder of articles."""

from qa.errors import QAError
from qa.results import Answer, Evidence, Verdict

__all__ = ["QA", "Answer", "Evidence", "QAError", "Verdict"]


def __getattr__(name: str):
    """``qa.QA`` is imported on first use: the command line checks its input before the heavy stack loads."""
    if name == "QA":
        from qa.pipeline import QA

        return QA
    raise AttributeError(f"module 'qa' has no attribute {name!r}")
