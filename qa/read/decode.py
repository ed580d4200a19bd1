"""Span decoding from start/end logits, shared by the reader and the trainer's dev score.

Scores are raw ``start + end`` logits measured against the window's ``[CLS]`` pair (the model's
"not in this window" score), never a softmax inside the window: a softmax makes every window's
best span look certain, so spans of different passages could not be compared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SpanLogits:
    """One candidate span of one window, in token positions (inclusive end), with its scores."""

    start_token: int
    end_token: int
    score: float  # start + end logit
    margin: float  # score minus the window's [CLS] (no-answer) score


def best_spans(start_logits: np.ndarray, end_logits: np.ndarray, in_context: np.ndarray,
               max_answer_tokens: int = 30, top: int = 3) -> list[SpanLogits]:
    """The ``top`` best spans of one window whose tokens all lie in the context, best first.

    ``in_context`` marks the tokens that belong to the passage (not the question, special tokens
    or padding); token 0 must be ``[CLS]``."""
    n = len(in_context)
    if not in_context.any():
        return []
    s = np.where(in_context, start_logits[:n], -np.inf)
    e = np.where(in_context, end_logits[:n], -np.inf)
    # only the best few starts and ends can form the best pairs: keeps this O(k²), not O(n²)
    k = min(n, 20)
    starts = np.argsort(s)[::-1][:k]
    ends = np.argsort(e)[::-1][:k]
    null = float(start_logits[0] + end_logits[0])
    pairs = [(float(s[a] + e[b]), int(a), int(b)) for a in starts for b in ends
             if a <= b < a + max_answer_tokens and np.isfinite(s[a]) and np.isfinite(e[b])]
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    return [SpanLogits(a, b, score, score - null) for score, a, b in pairs[:top]]
