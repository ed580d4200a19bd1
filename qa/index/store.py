"""The index on disk: FAISS vectors, chunk metadata and a manifest, written atomically.

Layout of an index folder (see index/README.md):

- ``manifest.json``   format version, model, chunking settings, file hashes, counts and the
                      names of the two data files below; written last, by rename, so it only
                      ever names complete data files.
- ``vectors-<generation>.faiss``  FAISS inner-product index over L2-normalised vectors, keyed by
                      chunk id: exact (flat) while small, IVF-SQ8 once past ``FLAT_MAX_VECTORS``.
- ``chunks-<generation>.json``    documents (source, sha256, text, boilerplate spans) and chunks
                      (document number, start, end, chunk id).

Chunk ids only ever grow and chunks are kept in id order, so a FAISS id maps back to its chunk by
binary search, and an incremental build removes and adds only the vectors of files that changed.
An interrupted write leaves the previous manifest and its data files untouched.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import filelock
import numpy as np
from tqdm import tqdm

from qa.errors import QAError
from qa.files import atomic_write, atomic_write_text, temp_name
from qa.index.embedding import TextEncoder
from qa.index.names import JOURNAL, LOCK, MANIFEST
from qa.ingest.chunking import Chunk, Chunker, ChunkSettings
from qa.ingest.documents import Document, sha256_text

log = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: chunk ids in the chunk rows, FAISS index keyed by them, index choice recorded
LOCK_TIMEOUT_S = 60.0
LOAD_ATTEMPTS = 5  # a load that races a rewrite reads the manifest again, at most this often
# files a project may keep beside an index (the repository's index/README.md); anything else is a user's
DOCUMENTATION = frozenset({"README.md", ".gitignore", ".gitkeep"})

# Exact search up to FLAT_MAX_VECTORS (one query over 100k flat vectors: p95 ~40 ms on 2 busy
# cores, so any more would break the 50 ms budget); above it an IVF index with 8-bit scalar-quantised
# vectors (a quarter of the memory of float32) answers, its nprobe tuned to TARGET_RECALL.
FLAT_MAX_VECTORS = 100_000
TARGET_RECALL = 0.95
NPROBE_CANDIDATES = (4, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256)
TRAIN_PER_LIST = 40  # k-means points per inverted list; FAISS warns below 39
TUNING_QUERIES = 200
RETRAIN_FACTOR = 4  # an IVF index is rebuilt once the corpus is 4x larger or smaller than it was trained on
COPY_BATCH = 65_536  # vectors copied per step when the flat index is converted


@dataclass(frozen=True)
class IndexChoice:
    """Which FAISS index holds the vectors, and the recall@10 against exact search it measured."""

    kind: str  # "flat" (exact) or "ivf-sq8" (approximate)
    nlist: int = 0
    nprobe: int = 0
    recall_at_10: float = 1.0
    trained_on: int = 0  # vectors when the IVF quantiser was trained and nprobe tuned

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def flat_index(dimension: int) -> faiss.Index:
    """Exact inner-product search over vectors keyed by chunk id."""
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))


def nlist_for(n: int) -> int:
    """About sqrt(n) inverted lists, a power of two (~1,000 vectors per list at a million), and
    never fewer than TRAIN_PER_LIST training points per list."""
    return max(1, min(2 ** round(math.log2(math.sqrt(max(n, 1)))), n // TRAIN_PER_LIST))


def approximate_index(flat: faiss.Index, seed: int = 0) -> tuple[faiss.Index, IndexChoice]:
    """Copy an ``IndexIDMap2`` flat index into IVF-SQ8 with the same ids; tune nprobe against it.

    nprobe is the smallest candidate whose recall@10 reaches TARGET_RECALL on stored vectors used
    as queries (each query's own id left out of both answers), measured against ``flat``.
    """
    n, dimension = flat.ntotal, flat.d
    exact = faiss.downcast_index(flat.index)
    ids = faiss.vector_to_array(flat.id_map)
    nlist = nlist_for(n)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, size=min(n, nlist * TRAIN_PER_LIST), replace=False))
    ivf = faiss.index_factory(dimension, f"IVF{nlist},SQ8", faiss.METRIC_INNER_PRODUCT)
    ivf.train(exact.reconstruct_batch(sample))
    for start in range(0, n, COPY_BATCH):
        stop = min(n, start + COPY_BATCH)
        ivf.add_with_ids(exact.reconstruct_n(start, stop - start), ids[start:stop])
    rows = rng.choice(n, size=min(n, TUNING_QUERIES), replace=False)
    queries, own = exact.reconstruct_batch(np.sort(rows)), ids[np.sort(rows)]
    truth = _top_without_self(flat, queries, own)
    nprobe, recall = NPROBE_CANDIDATES[-1], 0.0
    for candidate in NPROBE_CANDIDATES:
        faiss.extract_index_ivf(ivf).nprobe = min(candidate, nlist)
        recall = recall_at(truth, _top_without_self(ivf, queries, own))
        nprobe = min(candidate, nlist)
        if recall >= TARGET_RECALL or candidate >= nlist:
            break
    log.info("approximate index: IVF%d,SQ8 over %d vectors, nprobe %d, recall@10 %.3f", nlist, n, nprobe, recall)
    return ivf, IndexChoice("ivf-sq8", nlist, nprobe, round(recall, 4), n)


def fitted_index(index: faiss.Index, choice: IndexChoice, ids: np.ndarray,
                 flat_max: int) -> tuple[faiss.Index, IndexChoice]:
    """The index to keep after an incremental build: flat while small; IVF-SQ8 past ``flat_max``;
    an IVF index rebuilt once the corpus is RETRAIN_FACTOR times larger or smaller than when it was
    trained, since its lists were sized (about sqrt(n)) and its nprobe tuned for that size."""
    n = index.ntotal
    if choice.kind == "flat":
        return approximate_index(index) if n > flat_max else (index, choice)
    trained = choice.trained_on or choice.nlist**2  # indexes written before trained_on was recorded
    if trained / RETRAIN_FACTOR <= n <= trained * RETRAIN_FACTOR:
        return index, choice
    log.info("IVF index trained on %d vectors now holds %d: rebuilding it", trained, n)
    flat = decoded_flat(index, ids)
    return approximate_index(flat) if n > flat_max else (flat, IndexChoice("flat"))


def decoded_flat(index: faiss.Index, ids: np.ndarray) -> faiss.Index:
    """A flat index of an IVF-SQ8 index's vectors, decoded from their 8-bit codes (each component
    within ~0.004 of the original) and renormalised: the float vectors are not kept, and
    re-embedding the corpus would cost hours at the sizes where this runs."""
    ivf = faiss.extract_index_ivf(index)
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
    flat = flat_index(index.d)
    for start in range(0, len(ids), COPY_BATCH):
        batch = np.ascontiguousarray(ids[start : start + COPY_BATCH], dtype=np.int64)
        vectors = np.ascontiguousarray(ivf.reconstruct_batch(batch), dtype=np.float32)
        faiss.normalize_L2(vectors)
        flat.add_with_ids(vectors, batch)
    return flat


def search_one(index: faiss.Index, query_vector: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, ids) of one query, on one thread: for a single query FAISS's OpenMP threads cost
    more in waiting for each other than they save (3x slower on 2 busy cores, measured)."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        scores, labels = index.search(query_vector.reshape(1, -1).astype(np.float32), k)
    finally:
        faiss.omp_set_num_threads(threads)
    return scores[0], labels[0]


def _top_without_self(index: faiss.Index, queries: np.ndarray, own: np.ndarray, k: int = 10) -> list[list[int]]:
    _, labels = index.search(queries, k + 1)
    return [[int(x) for x in row if x >= 0 and x != me][:k] for row, me in zip(labels, own)]


def recall_at(truth: list[list[int]], found: list[list[int]]) -> float:
    """Mean share of each exact top-k that the approximate top-k also holds."""
    hits = [len(set(t) & set(f)) / len(t) for t, f in zip(truth, found) if t]
    return float(np.mean(hits)) if hits else 1.0


@dataclass(frozen=True)
class BuildReport:
    """What an (incremental) build did, file by file."""

    embedded: tuple[str, ...]
    reused: tuple[str, ...]
    dropped: tuple[str, ...]
    chunks: int


def _write_json(path: Path, data: object) -> None:
    atomic_write_text(path, json.dumps(data, ensure_ascii=False))


def _read_names(path: Path) -> set[str]:
    """The file names a JSON list (the journal) holds; none when it is missing or unreadable."""
    try:
        names = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {n for n in names if isinstance(n, str) and "/" not in n} if isinstance(names, list) else set()


def _generation(folder: Path) -> str | None:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("generation")
    except (OSError, ValueError, AttributeError):
        return None


def manifest_files(folder: Path) -> set[str]:
    """The data files the current manifest names (none when there is no readable manifest)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        names = {manifest["vectors_file"], manifest["chunks_file"]}
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    return {n for n in names if isinstance(n, str) and "/" not in n}


def own_files(folder: Path) -> set[str]:
    """Every name in ``folder`` that an index writer created: the journal's and the manifest's, and
    ``manifest.json`` itself only when it is an index manifest (a user's file of that name is not)."""
    ours = _read_names(folder / JOURNAL) | {LOCK, JOURNAL, temp_name(JOURNAL)}
    return ours | manifest_files(folder) | {MANIFEST} if _generation(folder) is not None else ours


def check_index_folder(index_dir: Path, corpus_folders: list[Path]) -> None:
    """Refuse an index folder that a write could hurt: a file, a corpus folder (or inside or around
    one), or a folder that holds files no index wrote. An index always gets a folder of its own."""
    if index_dir.exists() and not index_dir.is_dir():
        raise QAError(f"--index {index_dir} is a file, not a folder: give a new or empty folder for the index")
    check_apart(index_dir, corpus_folders)
    if not index_dir.is_dir():
        return
    try:
        present = {p.name for p in index_dir.iterdir()}
    except OSError as err:
        raise QAError(f"cannot list the index folder {index_dir} ({err.strerror or err}): choose a folder you can read") from None
    foreign = sorted(present - own_files(index_dir) - DOCUMENTATION)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise QAError(f"the index folder {index_dir} holds files that are not an index's ({shown}): give --index an "
                      f"empty or new folder (e.g. {index_dir / 'index'})")


def check_apart(index_dir: Path, corpus_folders: list[Path]) -> None:
    """Refuse an index location that is, contains or lies inside a corpus folder."""
    where = index_dir.resolve()
    for corpus in corpus_folders:
        folder = corpus.resolve()
        if where == folder or folder in where.parents or where in folder.parents:
            raise QAError(f"the index {index_dir} and the corpus folder {corpus} overlap: keep the index in a "
                          f"folder of its own, outside the articles (e.g. --index {corpus.name}-index)")


@contextlib.contextmanager
def write_lock(folder: Path, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Only one writer per index folder; a second waits up to ``timeout_s`` then fails clearly."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(folder / LOCK, timeout=timeout_s)
        lock.acquire(poll_interval=0.2)
    except filelock.Timeout:
        raise QAError(f"another `qa index` is writing {folder}; wait for it to finish and retry") from None
    except OSError as err:
        raise QAError(f"cannot write the index at {folder} ({err.strerror or err}): "
                      "give --index a folder you can write") from None
    try:
        yield
    finally:
        lock.release()


def _stream_embed(
    vectors: faiss.Index, chunks: list[Chunk], ids: np.ndarray, texts: dict[str, str], embedder: TextEncoder
) -> None:
    """Embed ``chunks`` ``embedder.stream_batch`` at a time, longest first, appending each batch to ``vectors``.

    Sorting by length over the whole set pads each batch as little as one big ``encode`` call
    would; only one batch of texts and vectors is alive at a time. The bar shows on a terminal.
    """
    order = sorted(range(len(chunks)), key=lambda i: chunks[i].start - chunks[i].end)
    with tqdm(total=len(chunks), unit="chunk", desc="embedding", disable=None, leave=False) as bar:
        for start in range(0, len(order), embedder.stream_batch):
            rows = order[start : start + embedder.stream_batch]
            batch = [texts[chunks[i].source][chunks[i].start : chunks[i].end] for i in rows]
            vectors.add_with_ids(embedder.encode(batch, show_progress=False), ids[rows])
            bar.update(len(rows))


class CorpusIndex:
    """Documents, their chunks and one unit vector per chunk, in step by construction.

    ``chunks[i]`` has id ``ids[i]`` in the FAISS index; ids ascend, so a search result maps back to
    its chunk number by binary search.
    """

    def __init__(
        self,
        documents: list[Document],
        chunks: list[Chunk],
        vectors: faiss.Index,
        model_id: str,
        settings: ChunkSettings,
        corpus_root: str,
        ids: np.ndarray | None = None,
        choice: IndexChoice | None = None,
    ) -> None:
        if vectors.ntotal != len(chunks):
            raise QAError(f"index is inconsistent: {vectors.ntotal} vectors for {len(chunks)} chunks")
        self.ids = np.arange(len(chunks), dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64)
        if len(self.ids) != len(chunks) or np.any(np.diff(self.ids) <= 0):
            raise QAError(f"index is inconsistent: {len(self.ids)} chunk ids for {len(chunks)} chunks, or not ascending")
        self.documents = documents
        self.by_source = {doc.source: doc for doc in documents}
        self.chunks = chunks
        self.vectors = vectors
        self.model_id = model_id
        self.settings = settings
        self.corpus_root = corpus_root
        self.choice = choice or IndexChoice("flat")

    # -- building ---------------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        documents: list[Document],
        embedder: TextEncoder,
        corpus_root: str,
        settings: ChunkSettings | None = None,
        previous: CorpusIndex | None = None,
        flat_max: int | None = None,
    ) -> tuple[CorpusIndex, BuildReport]:
        """Chunk and embed new or changed files, streaming their vectors into the index in batches.

        ``previous`` (a compatible index) is updated in place: the vectors of changed and deleted
        files are removed by id, unchanged files keep theirs untouched. The flat index becomes an
        approximate one once it holds more than ``flat_max`` vectors (default FLAT_MAX_VECTORS).
        """
        settings = settings or ChunkSettings()
        flat_max = FLAT_MAX_VECTORS if flat_max is None else flat_max
        compatible = (
            previous is not None
            and previous.model_id == embedder.model_id
            and previous.settings == settings
            and previous.vectors.d == embedder.dimension
        )
        old_hashes = {doc.source: doc.sha256 for doc in previous.documents} if compatible else {}
        unchanged = {doc.source for doc in documents if old_hashes.get(doc.source) == doc.sha256}
        chunks: list[Chunk] = []
        kept_ids: list[int] = []
        if compatible:
            vectors, choice = previous.vectors, previous.choice
            gone = []
            for chunk, chunk_id in zip(previous.chunks, previous.ids.tolist()):
                if chunk.source in unchanged:
                    chunks.append(chunk)
                    kept_ids.append(chunk_id)
                else:
                    gone.append(chunk_id)
            if gone:
                vectors.remove_ids(np.asarray(gone, dtype=np.int64))
        else:
            vectors, choice = flat_index(embedder.dimension), IndexChoice("flat")
        fresh = [doc for doc in documents if doc.source not in unchanged]
        chunker = Chunker(settings)
        new_chunks = [chunk for doc in fresh for chunk in chunker.split(doc)]  # offsets only: cheap
        first_id = int(previous.ids[-1]) + 1 if compatible and len(previous.ids) else 0
        new_ids = np.arange(first_id, first_id + len(new_chunks), dtype=np.int64)
        texts = {doc.source: doc.text for doc in fresh}
        _stream_embed(vectors, new_chunks, new_ids, texts, embedder)
        chunks.extend(new_chunks)
        ids = np.concatenate([np.asarray(kept_ids, dtype=np.int64), new_ids])
        vectors, choice = fitted_index(vectors, choice, ids, flat_max)
        dropped = sorted(set(previous.by_source) - {d.source for d in documents}) if previous else []
        report = BuildReport(tuple(d.source for d in fresh), tuple(d.source for d in documents if d.source in unchanged),
                             tuple(dropped), len(chunks))
        return cls(documents, chunks, vectors, embedder.model_id, settings, corpus_root, ids, choice), report
    # -- search -----------------------------------------------------------------------------

    def search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(chunk number, cosine similarity) of the ``k`` nearest chunks, best first."""
        k = min(k, self.vectors.ntotal)
        if k <= 0:
            return []
        scores, labels = search_one(self.vectors, query_vector, k)
        found = labels >= 0
        rows = np.searchsorted(self.ids, labels[found])
        return [(int(i), float(s)) for i, s in zip(rows, scores[found])]

    def sources(self) -> list[str]:
        return [doc.source for doc in self.documents]

    def document(self, source: str) -> Document | None:
        return self.by_source.get(source)

    def chunk_count(self) -> int:
        return len(self.chunks)

    def chunk_text(self, i: int) -> str:
        chunk = self.chunks[i]
        return self.by_source[chunk.source].text[chunk.start : chunk.end]

    def stale_sources(self) -> list[str]:
        """Indexed files that changed or disappeared on disk since indexing.

        When the whole corpus folder is gone (a project copied without it, or moved), nothing is
        stale: the index holds each file's text, and answers come from that copy, with a warning."""
        root = Path(self.corpus_root)
        if not root.is_dir():
            log.warning("the corpus folder %s is gone; answers quote the index's own copies of the articles "
                        "(run `qa index FOLDER` to index them where they are now)", root)
            return []
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

    def manifest(self, generation: str, folder: Path) -> dict:
        """The manifest of ``generation``; the corpus root is stored relative to the index ``folder``,
        so that a copied or moved project (index and articles together) still finds its articles."""
        return {
            "format_version": FORMAT_VERSION,
            "generation": generation,
            "vectors_file": f"vectors-{generation}.faiss",
            "chunks_file": f"chunks-{generation}.json",
            "model": {"id": self.model_id, "dimension": self.vectors.d},
            "faiss_index": self.choice.to_dict(),
            "chunking": self.settings.to_dict(),
            "corpus_root": os.path.relpath(Path(self.corpus_root).resolve(), folder.resolve()),
            "files": {doc.source: doc.sha256 for doc in self.documents},
            "counts": {"documents": len(self.documents), "chunks": len(self.chunks), "vectors": self.vectors.ntotal},
        }

    def save(self, folder: str | os.PathLike[str]) -> None:
        """Write data files under a new generation, then switch the manifest to them by rename."""
        folder = Path(folder)
        with write_lock(folder):
            self.save_locked(folder)

    def save_locked(self, folder: Path) -> None:
        """``save`` for a caller that already holds ``write_lock(folder)`` (an incremental build)."""
        generation = uuid.uuid4().hex[:12]
        manifest = self.manifest(generation, folder)
        number = {doc.source: i for i, doc in enumerate(self.documents)}
        meta = {
            "documents": [
                {"source": d.source, "sha256": d.sha256, "text": d.text, "boilerplate": [list(s) for s in d.boilerplate]}
                for d in self.documents
            ],
            "chunks": [[number[c.source], c.start, c.end, i] for c, i in zip(self.chunks, self.ids.tolist())],
        }
        new = [manifest["vectors_file"], manifest["chunks_file"]]
        previous = manifest_files(folder)  # kept one generation longer: a reader may be opening it now
        journal = _read_names(folder / JOURNAL) | previous
        written = {*new, *(temp_name(n) for n in [*new, MANIFEST])}
        try:
            _write_json(folder / JOURNAL, sorted(journal | written))  # named before they exist
            atomic_write(folder / manifest["vectors_file"], lambda tmp: faiss.write_index(self.vectors, tmp))
            _write_json(folder / manifest["chunks_file"], meta)
            _write_json(folder / MANIFEST, manifest)
        except OSError as err:
            raise QAError(f"cannot write the index at {folder} ({err.strerror or err}); the previous index is "
                          "unchanged: free some space or give --index a folder you can write") from None
        keep = set(new) | previous
        for name in sorted((journal | written | {temp_name(JOURNAL)}) - keep):
            with contextlib.suppress(FileNotFoundError):
                (folder / name).unlink()
        with contextlib.suppress(OSError):
            _write_json(folder / JOURNAL, sorted(keep))

    @classmethod
    def load(cls, folder: str | os.PathLike[str], model_id: str | None = None) -> CorpusIndex:
        """Load and validate; any mismatch raises :class:`QAError` saying what to run.

        A load that races a rewrite may read a manifest whose files are being replaced: when the
        manifest's generation changed meanwhile, it reads the new one (the writer keeps the previous
        generation's files, so one retry nearly always suffices)."""
        folder = Path(folder)
        for _ in range(LOAD_ATTEMPTS - 1):
            generation = _generation(folder)
            try:
                return cls._load_once(folder, model_id)
            except QAError:
                if _generation(folder) == generation:
                    raise
        return cls._load_once(folder, model_id)

    @classmethod
    def _load_once(cls, folder: Path, model_id: str | None) -> CorpusIndex:
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
            chunks = [Chunk(documents[n].source, start, end) for n, start, end, _ in meta["chunks"]]
            ids = np.asarray([row[3] for row in meta["chunks"]], dtype=np.int64)
            choice = IndexChoice(**manifest["faiss_index"])
            if choice.kind == "flat":
                faiss.downcast_index(vectors.index)  # an IndexIDMap2 over a flat index, or AttributeError
            else:
                faiss.extract_index_ivf(vectors).nprobe = choice.nprobe
            settings = ChunkSettings(**manifest["chunking"])
            counts = manifest["counts"]
            dimension = manifest["model"]["dimension"]
            corpus_root = str((folder / manifest["corpus_root"]).resolve())  # relative to the index (absolute: kept)
            files = manifest["files"]
        except QAError:
            raise
        except (OSError, ValueError, KeyError, IndexError, TypeError, RuntimeError, AttributeError) as err:
            raise QAError(f"index at {folder} is corrupt or incomplete ({type(err).__name__}: {err}); {rebuild}") from err
        actual = {"documents": len(documents), "chunks": len(chunks), "vectors": vectors.ntotal}
        if actual != counts:
            raise QAError(f"index at {folder} is inconsistent: manifest counts {counts}, found {actual}; {rebuild}")
        if vectors.d != dimension:
            raise QAError(f"index at {folder} has {vectors.d}-dimensional vectors, manifest says {dimension}; {rebuild}")
        if files != {d.source: d.sha256 for d in documents} or any(sha256_text(d.text) != d.sha256 for d in documents):
            raise QAError(f"index at {folder} has metadata that disagrees with its manifest; {rebuild}")
        return cls(documents, chunks, vectors, manifest["model"]["id"], settings, corpus_root, ids, choice)
