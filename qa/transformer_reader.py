"""A reader backed by any extractive-QA checkpoint on disk (e.g. a SQuAD-trained DistilBERT).

No QA weights ship with factqa and none are downloaded: a user who has a checkpoint folder
passes it as ``--reader-model PATH`` (or ``QA_READER_MODEL``). Passages longer than the model's
window are cut into overlapping windows (``stride`` tokens shared), every window of every
question runs in batches, and the best start/end pair (end ≥ start, at most
``max_answer_tokens`` long, inside the passage) is mapped back to character offsets of the
original file through the fast tokenizer's ``offset_mapping``. The quote is the sentence around
the answer, found by punctuation, so answers and quotes stay verbatim slices of the file.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.reader import Passage
from qa.results import Evidence

log = logging.getLogger(__name__)

# Uncalibrated default: a span probability (start × end softmax within its window). Calibrate it
# for a given checkpoint with `qa eval GOLD --reader-model PATH --calibrate`.
DEFAULT_THRESHOLD = 0.1
SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+|\n\s*\n")


@dataclass(frozen=True)
class Window:
    """One model input: a window of one passage for one question."""

    question: int  # index into the batch of questions
    passage: Passage
    offsets: list[tuple[int, int] | None]  # per token: char offsets into the passage slice, None outside it


def sentence_bounds(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """The sentence of ``text[lo:hi]`` around ``[start, end)``: from after the previous sentence end
    to the next one (whitespace trimmed), so that the quote always contains the answer."""
    qs = lo
    for m in SENTENCE_END.finditer(text, lo, start):
        qs = m.end()
    m = SENTENCE_END.search(text, end, hi)
    qe = m.start() + 1 if m and not text[m.start()].isspace() else (m.start() if m else hi)
    while qs < start and text[qs].isspace():
        qs += 1
    while qe > end and text[qe - 1].isspace():
        qe -= 1
    return qs, qe


class TransformerReader:
    """Extractive QA with a Hugging Face checkpoint folder; implements the ``Reader`` protocol."""

    def __init__(self, model_path: str | os.PathLike[str], max_length: int = 384, stride: int = 128,
                 max_answer_tokens: int = 30, batch_size: int = 16, spans_per_window: int = 3) -> None:
        self.model_path = Path(model_path)
        if not self.model_path.is_dir():
            raise QAError(f"reader model folder not found: {model_path} (give a folder with config.json and weights)")
        self.max_length = max_length
        self.stride = stride
        self.max_answer_tokens = max_answer_tokens
        self.batch_size = batch_size
        self.spans_per_window = spans_per_window
        self._tokenizer = None
        self._model = None

    def warm_up(self) -> None:
        if self._model is not None:
            return
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(self.model_path, local_files_only=True)
            model = AutoModelForQuestionAnswering.from_pretrained(self.model_path, local_files_only=True)
        except (OSError, ValueError) as err:
            raise QAError(f"cannot load an extractive-QA model from {self.model_path}: {err}") from None
        if not tokenizer.is_fast:
            raise QAError(f"{self.model_path}: the reader needs a fast tokenizer (tokenizer.json) for offsets")
        model.eval()
        self._tokenizer, self._model = tokenizer, model
        log.info("reader model loaded from %s", self.model_path)

    def read(self, question: str, passages: list[Passage], query_vector: np.ndarray | None = None) -> list[Evidence]:
        return self.read_batch([question], [passages])[0]

    def read_batch(self, questions: list[str], passages: list[list[Passage]]) -> list[list[Evidence]]:
        """Candidates for several questions at once (each with its own passages), best first."""
        self.warm_up()
        windows, inputs = self._encode(questions, passages)
        found: list[dict[tuple[str, int, int], Evidence]] = [{} for _ in questions]
        if not windows:
            return [[] for _ in questions]
        import torch

        with torch.inference_mode():
            for lo in range(0, len(windows), self.batch_size):
                batch = {k: v[lo : lo + self.batch_size] for k, v in inputs.items()}
                out = self._model(**batch)
                padding = batch["attention_mask"] == 0  # padding would change the softmax with the batch
                starts = torch.log_softmax(out.start_logits.float().masked_fill(padding, -1e9), dim=-1).numpy()
                ends = torch.log_softmax(out.end_logits.float().masked_fill(padding, -1e9), dim=-1).numpy()
                for i, window in enumerate(windows[lo : lo + self.batch_size]):
                    for ev in self._spans(window, starts[i], ends[i]):
                        key = (ev.source, ev.start, ev.end)
                        seen = found[window.question]
                        if key not in seen or seen[key].score < ev.score:
                            seen[key] = ev
        return [sorted(f.values(), key=lambda e: (-e.score, e.source, e.start)) for f in found]

    def _encode(self, questions: list[str], passages: list[list[Passage]]):
        """Tokenise every (question, passage) pair into overlapping windows."""
        tokenizer = self._tokenizer
        pairs = [(qi, p) for qi, ps in enumerate(passages) for p in ps if p.end > p.start]
        if not pairs:
            return [], {}
        question_first = tokenizer.padding_side == "right"
        qs = [questions[qi] for qi, _ in pairs]
        cs = [p.text[p.start : p.end] for _, p in pairs]
        enc = tokenizer(qs if question_first else cs, cs if question_first else qs,
                        truncation="only_second" if question_first else "only_first",
                        max_length=self.max_length, stride=self.stride, return_overflowing_tokens=True,
                        return_offsets_mapping=True, padding=True, return_tensors="pt")
        context_id = 1 if question_first else 0
        windows = []
        for i, pair_index in enumerate(enc["overflow_to_sample_mapping"].tolist()):
            qi, passage = pairs[pair_index]
            ids = enc.sequence_ids(i)
            offsets = [tuple(o) if ids[t] == context_id else None for t, o in enumerate(enc["offset_mapping"][i].tolist())]
            windows.append(Window(qi, passage, offsets))
        inputs = {k: enc[k] for k in tokenizer.model_input_names if k in enc}
        return windows, inputs

    def _spans(self, window: Window, starts: np.ndarray, ends: np.ndarray) -> list[Evidence]:
        """The best start/end pairs of one window: end ≥ start, at most ``max_answer_tokens`` tokens."""
        inside = np.array([o is not None for o in window.offsets])
        n = len(inside)
        if not inside.any():
            return []
        s = np.where(inside, starts[:n], -np.inf)
        e = np.where(inside, ends[:n], -np.inf)
        pair = s[:, None] + e[None, :]
        idx = np.arange(n)
        band = (idx[None, :] >= idx[:, None]) & (idx[None, :] - idx[:, None] < self.max_answer_tokens)
        pair = np.where(band, pair, -np.inf)
        flat = np.argsort(pair, axis=None)[::-1][: self.spans_per_window]
        passage, text = window.passage, window.passage.text
        out = []
        for k in flat:
            st, en = divmod(int(k), n)
            if not np.isfinite(pair[st, en]):
                break
            start = passage.start + window.offsets[st][0]
            end = passage.start + window.offsets[en][1]
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start >= end:
                continue
            qs, qe = sentence_bounds(text, start, end, passage.start, passage.end)
            score = round(float(np.exp(pair[st, en])), 4)
            out.append(Evidence(text[start:end], passage.source, start, end, text[qs:qe], qs, qe, score))
        return out
