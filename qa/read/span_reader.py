"""The span reader: a fine-tuned encoder with a start/end head reads the retrieved passages.

By default it is the model `qa train-reader` trained on SQuAD and the repository ships
(``qa/read/weights``); ``--reader-model PATH`` (or ``QA_READER_MODEL``) takes any other
extractive-QA checkpoint folder. Nothing is downloaded.

All passages of a question are read in one batch of windows (``stride`` tokens shared where a
passage is longer than a window). Spans of different passages are compared by their *margin*: the
raw start+end logits minus the window's ``[CLS]`` (no-answer) pair, which training on windows
without the answer taught to mean "not here". The score is that margin, divided by MARGIN_SCALE,
through a logistic, so it lies in (0, 1) and the abstention threshold is one number calibrated on held-out questions
(``calibration.json`` beside the weights). Offsets map back to the file through the fast
tokenizer's ``offset_mapping``; the quote is the sentence around the answer, so answers and quotes
stay verbatim slices of the file.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.ingest.documents import SENTENCE_END
from qa.read.decode import best_spans
from qa.read.model import PACKAGED_READER
from qa.read.passage import Passage
from qa.results import Evidence

log = logging.getLogger(__name__)

CALIBRATION = "calibration.json"
# how the reader computes on a CPU (docs/models.md has the trade); "auto" is bf16 where the CPU has
# bf16 arithmetic (the same scores, a third faster) and fp32 elsewhere (emulated bf16 is 3x slower)
PRECISIONS = ("auto", "fp32", "bf16", "int8")
DEFAULT_PRECISION = "auto"
MAX_QUESTION_TOKENS = 64  # a longer question is cut, so that every window keeps room for the passage
UNCALIBRATED_THRESHOLD = 0.5  # a margin of 0: the best span and "not here" equally likely
# Margins of the trained reader run from about -10 to +25 logits; unscaled, every margin above ~10
# became a score of 1.0000 at four decimals, and the calibrated threshold could not tell a margin of
# 10 from one of 20. Divided by 4, scores stay distinct up to margins of ~35.
MARGIN_SCALE = 4.0
LENGTH_BUCKET = 32  # windows are padded to a multiple of this many tokens, and batched with their own bucket


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


def _bucket(length: int) -> int:
    return -(-length // LENGTH_BUCKET) * LENGTH_BUCKET


def margin_score(margin: float) -> float:
    """A span's margin over "not here" as a number in (0, 1)."""
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, margin / MARGIN_SCALE))))


def resolve_reader_model(path: str | os.PathLike[str] | None) -> Path:
    """An explicit folder, else ``QA_READER_MODEL``, else the weights the repository ships."""
    chosen = path or os.environ.get("QA_READER_MODEL") or PACKAGED_READER
    folder = Path(chosen)
    if not folder.is_dir():
        raise QAError(f"reader model folder not found: {chosen} (give a folder with config.json and weights)")
    return folder


def computes_bf16() -> bool:
    """Whether this CPU has bf16 arithmetic (AVX512-BF16 or AMX), where bf16 autocast reads a third
    faster with the same scores; on AVX-512 or AVX2 alone torch emulates it, three times slower."""
    import torch

    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


class SpanReader:
    """Extractive QA with a checkpoint folder; implements the ``Reader`` protocol."""

    def __init__(self, model_path: str | os.PathLike[str] | None = None, max_length: int = 256, stride: int = 96,
                 max_answer_tokens: int = 30, batch_size: int = 32, spans_per_window: int = 3,
                 precision: str | None = None) -> None:
        self.model_path = resolve_reader_model(model_path)
        self.precision = precision or os.environ.get("QA_READER_PRECISION") or DEFAULT_PRECISION
        if self.precision not in PRECISIONS:
            raise QAError(f"reader precision must be one of {', '.join(PRECISIONS)}, not {self.precision!r}")
        self.max_length = max_length
        self.stride = stride
        self.max_answer_tokens = max_answer_tokens
        self.batch_size = batch_size
        self.spans_per_window = spans_per_window
        self._tokenizer = None
        self._model = None

    @property
    def threshold(self) -> float:
        """The abstention threshold calibrated for these weights (``calibration.json``), if any."""
        try:
            return float(json.loads((self.model_path / CALIBRATION).read_text(encoding="utf-8"))["threshold"])
        except (OSError, ValueError, KeyError, TypeError):
            return UNCALIBRATED_THRESHOLD

    def warm_up(self) -> None:
        if self._model is not None:
            return
        import torch
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()  # no load report on every start
        try:
            tokenizer = AutoTokenizer.from_pretrained(self.model_path, local_files_only=True)
            model = AutoModelForQuestionAnswering.from_pretrained(self.model_path, local_files_only=True,
                                                                  dtype=torch.float32)
        except (OSError, ValueError) as err:
            raise QAError(f"cannot load an extractive-QA model from {self.model_path}: {err}") from None
        if not tokenizer.is_fast:
            raise QAError(f"{self.model_path}: the reader needs a fast tokenizer (tokenizer.json) for offsets")
        model.eval()
        if self.precision == "auto":
            self.precision = "bf16" if computes_bf16() else "fp32"
        if self.precision == "int8":
            # only the feed-forward expansions, one scale per output channel: quantizing every linear
            # layer (per tensor) lost 5.4 F1 on Super Bowl 50, these alone 0.85 (docs/models.md)
            config = torch.ao.quantization.per_channel_dynamic_qconfig
            expanding = {name: config for name, layer in model.named_modules()
                         if isinstance(layer, torch.nn.Linear) and name.endswith("intermediate.dense")}
            model = torch.ao.quantization.quantize_dynamic(model, expanding, dtype=torch.qint8)
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

        bf16 = torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bf16")
        with torch.inference_mode(), bf16:
            for group in self._batches(windows, [len(ids) for ids in inputs["input_ids"]]):
                out = self._model(**self._padded(inputs, group))
                starts, ends = out.start_logits.float().numpy(), out.end_logits.float().numpy()
                for row, i in enumerate(group):
                    window, n = windows[i], len(windows[i].offsets)
                    seen = found[window.question]
                    for ev in self._spans(window, starts[row, :n], ends[row, :n]):
                        key = (ev.source, ev.start, ev.end)
                        if key not in seen or seen[key].score < ev.score:
                            seen[key] = ev
        return [sorted(f.values(), key=lambda e: (-e.score, e.source, e.start)) for f in found]

    def _batches(self, windows: list[Window], lengths: list[int]) -> list[list[int]]:
        """Windows grouped by length bucket (a multiple of LENGTH_BUCKET tokens), at most
        ``batch_size`` each: short passages are not computed at the longest one's length. A window is
        padded to its own bucket whatever else was retrieved, so its score does not depend on the
        other passages (the same to the last digit from either store)."""
        def key(i: int) -> tuple:
            w = windows[i]
            return _bucket(lengths[i]), w.question, w.passage.source, w.passage.start, next((o for o in w.offsets if o), (0, 0))

        groups: list[list[int]] = []
        for _, same in itertools.groupby(sorted(range(len(lengths)), key=key), key=lambda i: _bucket(lengths[i])):
            bucket = list(same)
            groups += [bucket[lo : lo + self.batch_size] for lo in range(0, len(bucket), self.batch_size)]
        return groups

    def _padded(self, inputs: dict[str, list[list[int]]], group: list[int]):
        """The model's tensors for windows of one length bucket, padded on the right to that bucket."""
        import torch

        width = _bucket(len(inputs["input_ids"][group[0]]))
        pads = {"input_ids": self._tokenizer.pad_token_id or 0, "token_type_ids": self._tokenizer.pad_token_type_id}
        return {k: torch.tensor([v[i] + [pads.get(k, 0)] * (width - len(v[i])) for i in group]) for k, v in inputs.items()}

    def _encode(self, questions: list[str], passages: list[list[Passage]]) -> tuple[list[Window], dict[str, list[list[int]]]]:
        """Tokenise every (question, passage) pair into overlapping windows, unpadded (one token list
        per window and model input); a passage that two retrieved chunks widened to the same
        paragraph is read once."""
        tokenizer = self._tokenizer
        pairs, seen = [], set()
        for qi, ps in enumerate(passages):
            for p in ps:
                if p.end > p.start and (qi, p.source, p.start, p.end) not in seen:
                    seen.add((qi, p.source, p.start, p.end))
                    pairs.append((qi, p))
        if not pairs:
            return [], {}
        question_first = tokenizer.padding_side == "right"
        short = [self._cut(q) for q in questions]
        qs = [short[qi] for qi, _ in pairs]
        cs = [p.text[p.start : p.end] for _, p in pairs]
        enc = tokenizer(qs if question_first else cs, cs if question_first else qs,
                        truncation="only_second" if question_first else "only_first",
                        max_length=self.max_length, stride=self.stride, return_overflowing_tokens=True,
                        return_offsets_mapping=True)
        context_id = 1 if question_first else 0
        windows = []
        for i, pair_index in enumerate(enc["overflow_to_sample_mapping"]):
            qi, passage = pairs[pair_index]
            ids = enc.sequence_ids(i)
            offsets = [tuple(o) if ids[t] == context_id else None for t, o in enumerate(enc["offset_mapping"][i])]
            windows.append(Window(qi, passage, offsets))
        inputs = {k: enc[k] for k in tokenizer.model_input_names if k in enc}
        return windows, inputs

    def _cut(self, question: str) -> str:
        """The question up to MAX_QUESTION_TOKENS tokens (cut at a token's end)."""
        offsets = self._tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        return question if len(offsets) <= MAX_QUESTION_TOKENS else question[: offsets[MAX_QUESTION_TOKENS - 1][1]]

    def _spans(self, window: Window, starts: np.ndarray, ends: np.ndarray) -> list[Evidence]:
        """The best spans of one window as evidence, scored by their margin over the window's [CLS]."""
        in_context = np.array([o is not None for o in window.offsets])
        passage, text = window.passage, window.passage.text
        out = []
        for span in best_spans(starts, ends, in_context, self.max_answer_tokens, self.spans_per_window):
            start = passage.start + window.offsets[span.start_token][0]
            end = passage.start + window.offsets[span.end_token][1]
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if start >= end or "\n" in text[start:end]:  # an answer never runs across a line or paragraph break
                continue
            qs, qe = sentence_bounds(text, start, end, passage.start, passage.end)
            score = round(margin_score(span.margin), 4)
            out.append(Evidence(text[start:end], passage.source, start, end, text[qs:qe], qs, qe, score))
        return out
