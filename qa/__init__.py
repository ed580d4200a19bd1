"""factqa: extractive, fact-checking question answering over a folder of articles."""

from qa.errors import QAError
from qa.pipeline import QA
from qa.results import Answer, Evidence, Verdict

__all__ = ["QA", "Answer", "Evidence", "QAError", "Verdict"]
