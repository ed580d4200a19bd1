"""What a user passes in, checked before any model or index loads, so that bad input fails at once."""

from __future__ import annotations

import math
import os

from qa.errors import QAError

DEFAULT_TOP_K = 12  # chunks read per question: on the seeds gold set recall@8 is 90%, recall@12 96%
MAX_TOP_K = 200  # chunks read per question at most: more only costs time
MAX_QUESTION_CHARS = 1000  # longer input is cut: no question needs more, and time stays bounded


def clean_question(question: str) -> str:
    """Strip control characters and cap the length; an empty question is the user's error."""
    if not isinstance(question, str):
        raise QAError("the question must be text")
    text = "".join(ch if ch.isprintable() else " " for ch in question[: MAX_QUESTION_CHARS * 4])
    text = " ".join(text.split())[:MAX_QUESTION_CHARS]
    if not any(ch.isalnum() for ch in text):
        raise QAError("the question is empty: type a question about the articles, e.g. 'when did Kutcher resign?'")
    return text


def check_top_k(top_k: object) -> int:
    """``top_k`` as given, when it is a whole number of chunks in range."""
    if isinstance(top_k, bool) or not isinstance(top_k, int):
        raise QAError(f"top_k must be a whole number of chunks, not {type(top_k).__name__} {top_k!r}")
    if not 1 <= top_k <= MAX_TOP_K:
        raise QAError(f"top_k must be between 1 and {MAX_TOP_K}, not {top_k}")
    return top_k


def check_threshold(threshold: object) -> float:
    """An abstention threshold: a finite number."""
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not math.isfinite(threshold):
        raise QAError(f"threshold must be a finite number, not {threshold!r}")
    return float(threshold)


def check_folder_arg(value: object, name: str) -> str | os.PathLike[str]:
    """A folder argument of the Python API: a path, not None or a number."""
    if not isinstance(value, str | os.PathLike) or not str(value).strip():
        raise QAError(f"{name} must be a folder path (str or Path), not {value!r}")
    return value
