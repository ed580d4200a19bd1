"""The index on disk: FAISS vectors, chunk metadata and a manifest, written atomically.

Layout of an index folder (see index/README.md):

- ``manifest.json``   format version, model, chunking settings, file hashes, counts and the
                      names of the two data files below; written last, by rename, so it only
                      ever names complete data files.
- ``vectors-<generation>.faiss``  FAISS inner-product index over L2-normalised vectors, row i =
                      chunk i.
- ``chunks-<generation>.json``    documents (source, sha256, text, boilerplate spans) and chunks
                      (document number, start, end).

An interrupted write leaves the previous manifest and its data files untouched.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from qa.chunking import Chunk, Chunker, ChunkSettings
from qa.documents import Document, sha256_text
from qa.embedding import Embedder
from qa.errors import QAError

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
LOCK = ".lock"
LOCK_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class BuildReport:
    """What an (incremental) build did, file by file."""

    embedded: tuple[str, ...]
    reused: tuple[str, ...]
    dropped: tuple[str, ...]
    chunks: int


def _atomic_write(path: Path, write: Callable[[str], None]) -> None:
    """Write via a temporary file in the same folder, fsync, then rename over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_json(path: Path, data: object) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)

    _atomic_write(path, write)


@contextlib.contextmanager
def write_lock(folder: Path, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Only one writer per index folder; a second waits up to ``timeout_s`` then fails clearly."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "a+") as fh:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as err:
                if err.errno not in (errno.EAGAIN, errno.EACCES) or time.monotonic() > deadline:
                    raise QAError(
                        f"another `qa index` is writing {folder}; wait for it to finish and retry"
                    ) from err
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class CorpusIndex:
    """Documents, their chunks and one unit vector per chunk, in step by construction."""

    def __init__(
        self,
        documents: list[Document],
        chunks: list[Chunk],
        vectors: faiss.Index,
        model_id: str,
        settings: ChunkSettings,
        corpus_root: str,
    ) -> None:
        if vectors.ntotal != len(chunks):
            raise QAError(f"index is inconsistent: {vectors.ntotal} vectors for {len(chunks)} chunks")
        self.documents = documents
        self.by_source = {doc.source: doc for doc in documents}
        self.chunks = chunks
        self.vectors = vectors
        self.model_id = model_id
        self.settings = settings
        self.corpus_root = corpus_root

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        documents: list[Document],
        embedder: Embedder,
        corpus_root: str,
        settings: ChunkSettings | None = None,
        previous: CorpusIndex | None = None,
    ) -> tuple[CorpusIndex, BuildReport]:
        """Chunk and embed ``documents``, reusing ``previous``'s vectors for unchanged files."""
        settings = settings or ChunkSettings()
        chunker = Chunker(settings)
        reusable: dict[tuple[str, str], list[int]] = {}
        if previous is not None and previous.model_id == embedder.model_id and previous.settings == settings:
            for i, chunk in enumerate(previous.chunks):
                doc = previous.by_source[chunk.source]
                reusable.setdefault((doc.source, doc.sha256), []).append(i)
        chunks: list[Chunk] = []
        parts: list[np.ndarray] = []
        embedded, reused = [], []
        for doc in documents:
            rows = reusable.get((doc.source, doc.sha256))
            if rows is not None:
                chunks.extend(previous.chunks[i] for i in rows)
                parts.append(previous.vectors.reconstruct_batch(np.asarray(rows, dtype=np.int64)))
                reused.append(doc.source)
                continue
            doc_chunks = chunker.split(doc)
            chunks.extend(doc_chunks)
            parts.append(embedder.encode([doc.text[c.start : c.end] for c in doc_chunks]))
            embedded.append(doc.source)
        index = faiss.IndexFlatIP(embedder.dimension)
        if parts:
            index.add(np.ascontiguousarray(np.vstack(parts), dtype=np.float32))
        dropped = sorted(set(previous.by_source) - {d.source for d in documents}) if previous else []
        report = BuildReport(tuple(embedded), tuple(reused), tuple(dropped), len(chunks))
        return cls(documents, chunks, index, embedder.model_id, settings, corpus_root), report

    # -- search -----------------------------------------------------------------------------

    def search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(chunk number, cosine similarity) of the ``k`` nearest chunks, best first."""
        k = min(k, self.vectors.ntotal)
        if k <= 0:
            return []
        scores, ids = self.vectors.search(query_vector.reshape(1, -1).astype(np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def chunk_text(self, i: int) -> str:
        chunk = self.chunks[i]
        return self.by_source[chunk.source].text[chunk.start : chunk.end]

    def stale_sources(self) -> list[str]:
        """Indexed files that changed or disappeared on disk since indexing."""
        root = Path(self.corpus_root)
        stale = []
        for doc in self.documents:
            path = root / doc.source
            try:
                current = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                stale.append(doc.source)
                continue
            if sha256_text(current) != doc.sha256:
                stale.append(doc.source)
        return stale

    # -- disk -------------------------------------------------------------------------------

    def manifest(self, generation: str) -> dict:
        return {
            "format_version": FORMAT_VERSION,
            "generation": generation,
            "vectors_file": f"vectors-{generation}.faiss",
            "chunks_file": f"chunks-{generation}.json",
            "model": {"id": self.model_id, "dimension": self.vectors.d},
            "faiss_index": "IndexFlatIP",
            "chunking": self.settings.to_dict(),
            "corpus_root": self.corpus_root,
            "files": {doc.source: doc.sha256 for doc in self.documents},
            "counts": {"documents": len(self.documents), "chunks": len(self.chunks), "vectors": self.vectors.ntotal},
        }

    def save(self, folder: str | os.PathLike[str]) -> None:
        """Write data files under a new generation, then switch the manifest to them by rename."""
        folder = Path(folder)
        with write_lock(folder):
            self._save_locked(folder)

    def _save_locked(self, folder: Path) -> None:
        generation = uuid.uuid4().hex[:12]
        manifest = self.manifest(generation)
        number = {doc.source: i for i, doc in enumerate(self.documents)}
        meta = {
            "documents": [
                {"source": d.source, "sha256": d.sha256, "text": d.text, "boilerplate": [list(s) for s in d.boilerplate]}
                for d in self.documents
            ],
            "chunks": [[number[c.source], c.start, c.end] for c in self.chunks],
        }
        _atomic_write(folder / manifest["vectors_file"], lambda tmp: faiss.write_index(self.vectors, tmp))
        _write_json(folder / manifest["chunks_file"], meta)
        _write_json(folder / MANIFEST, manifest)
        keep = {manifest["vectors_file"], manifest["chunks_file"], MANIFEST, LOCK}
        for old in folder.glob("*"):
            if old.name not in keep and (old.name.startswith(("vectors-", "chunks-")) or old.name.endswith(".tmp")):
                with contextlib.suppress(OSError):
                    old.unlink()

    @classmethod
    def load(cls, folder: str | os.PathLike[str], model_id: str | None = None) -> CorpusIndex:
        """Load and validate; any mismatch raises :class:`QAError` saying what to run."""
        folder = Path(folder)
        rebuild = f"rebuild it with `qa index FOLDER --index {folder}`"
        manifest_path = folder / MANIFEST
        if not manifest_path.is_file():
            raise QAError(f"no index at {folder}: build one with `qa index FOLDER --index {folder}`")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            version = manifest.get("format_version")
            if version != FORMAT_VERSION:
                raise QAError(f"index at {folder} has format version {version}, this factqa reads {FORMAT_VERSION}; {rebuild}")
            if model_id is not None and manifest["model"]["id"] != model_id:
                raise QAError(
                    f"index at {folder} was built with model {manifest['model']['id']!r} but the model in use is "
                    f"{model_id!r}; {rebuild} (or set QA_EMBEDDING_MODEL to the index's model)"
                )
            meta = json.loads((folder / manifest["chunks_file"]).read_text(encoding="utf-8"))
            vectors = faiss.read_index(str(folder / manifest["vectors_file"]))
            documents = [
                Document(d["source"], d["text"], d["sha256"], tuple((s, e) for s, e in d["boilerplate"]))
                for d in meta["documents"]
            ]
            chunks = [Chunk(documents[n].source, start, end) for n, start, end in meta["chunks"]]
            settings = ChunkSettings(**manifest["chunking"])
            counts = manifest["counts"]
            dimension = manifest["model"]["dimension"]
            corpus_root = manifest["corpus_root"]
            files = manifest["files"]
        except QAError:
            raise
        except (OSError, ValueError, KeyError, IndexError, TypeError, RuntimeError) as err:
            raise QAError(f"index at {folder} is corrupt or incomplete ({type(err).__name__}: {err}); {rebuild}") from err
        actual = {"documents": len(documents), "chunks": len(chunks), "vectors": vectors.ntotal}
        if actual != counts:
            raise QAError(f"index at {folder} is inconsistent: manifest counts {counts}, found {actual}; {rebuild}")
        if vectors.d != dimension:
            raise QAError(f"index at {folder} has {vectors.d}-dimensional vectors, manifest says {dimension}; {rebuild}")
        if files != {d.source: d.sha256 for d in documents} or any(sha256_text(d.text) != d.sha256 for d in documents):
            raise QAError(f"index at {folder} has metadata that disagrees with its manifest; {rebuild}")
        return cls(documents, chunks, vectors, manifest["model"]["id"], settings, corpus_root)
