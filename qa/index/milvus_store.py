"""The index on Milvus: chunks with their vectors and BM25 terms, and the documents they come from.

Two collections in the store named by ``--store`` (see qa/index/location.py):

- ``factqa_chunks``: one row per chunk: source, the document's sha256, start and end offsets, the
  chunk text (Milvus derives its BM25 sparse vector with a built-in function) and the dense vector.
- ``factqa_documents``: each document's text in parts of TEXT_PART characters (a VARCHAR holds at
  most 64 KB), its boilerplate spans, and the mean of its chunk vectors (Milvus wants a vector in
  every collection; this one can serve document-level search). Two reserved rows with an empty
  source hold the manifest (model, dimension, chunking, corpus root) and the write journal.

The manifest's guarantees carry over from the FAISS index: a file whose content hash is unchanged
is not embedded again; a removed file's rows are deleted; a store built with another model or
chunking is refused with a message. A write goes in groups of files: the group's sources are
journaled first, their old rows deleted, the new chunks inserted, and the document rows written
last. A search only returns chunks whose document row is complete, so a killed run leaves a
usable store (missing at most the group it was writing), and the next run re-does what the
journal names.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.index.embedding import TextEncoder
from qa.index.location import MilvusTarget
from qa.index.store import BuildReport
from qa.ingest.chunking import Chunk, Chunker, ChunkSettings
from qa.ingest.documents import Document, sha256_text

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
CHUNKS = "factqa_chunks"
DOCUMENTS = "factqa_documents"
MANIFEST_ID, JOURNAL_ID = "~manifest", "~journal"
TEXT_PART = 16_000  # characters per document row: at most 64,000 bytes of UTF-8 in a 65,535-byte VARCHAR
VARCHAR_MAX = 65_535
SOURCE_MAX = 4_096
GROUP_CHARS = 40_000  # sources journaled per write group, in characters of JSON
GROUP_CHUNKS = 20_000  # chunks embedded per write group: bounds memory
PAGE = 1_000  # rows per query page
DOCUMENT_CACHE = 256
# Dense candidates per retriever before fusion, as in the FAISS path (qa/retrieve/hybrid.py).
CANDIDATES = 50
HNSW = {"M": 16, "efConstruction": 200}
HNSW_EF = 128
# Milvus's English analyzer (stemming, stop words). Milvus Lite has only the standard tokenizer and
# a stop-word filter: there BM25 matches unstemmed words (docs/deployment.md).
ENGLISH = {"type": "english"}


def quote(value: str) -> str:
    """A string literal for a Milvus filter expression (Milvus Lite has no filter parameters)."""
    return json.dumps(value, ensure_ascii=False)


def chunk_id(source: str, sha256: str, start: int, end: int) -> int:
    """A stable 63-bit id: re-inserting the same chunk after a killed run overwrites it."""
    digest = hashlib.blake2b(f"{source}\0{sha256}\0{start}\0{end}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


@functools.lru_cache(maxsize=8)
def _client(target: MilvusTarget):
    """One client per store and process: Milvus Lite locks its file against a second opener."""
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise QAError("a Milvus store needs pymilvus: pip install 'factqa[scale]' (or `make` installs it)") from None
    # pymilvus sets these on import and logs every failed call with a traceback (our QAError says what to do);
    # Milvus Lite's in-process gRPC server logs one for the timestamp call a query iterator tries first
    for name in ("pymilvus", "pymilvus.milvus_client", "grpc._server"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    if target.lite:
        target.lite_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return MilvusClient(uri=target.uri, db_name=target.database) if target.database else MilvusClient(uri=target.uri)
    except Exception as err:  # pymilvus raises many types for an unreachable or locked store
        raise QAError(f"cannot open the Milvus store {target.spec} ({type(err).__name__}: {err}); "
                      "check the address, or that no other process holds a Milvus Lite file") from None


@contextlib.contextmanager
def speaking(target: MilvusTarget) -> Iterator[None]:
    """A Milvus error as a :class:`QAError` naming the store (the engine's message kept)."""
    from pymilvus.exceptions import MilvusException

    try:
        yield
    except MilvusException as err:
        raise QAError(f"the Milvus store {target.spec} failed: {err.message if hasattr(err, 'message') else err}; "
                      "check that it is reachable and that no other process writes it") from None


def _english_stop_words() -> list[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return sorted(STOPWORDS_EN)


class MilvusIndex:
    """Documents and chunk vectors in Milvus; the same questions answered as by the FAISS index."""

    def __init__(self, target: MilvusTarget, client, manifest: dict) -> None:
        self.target = target
        self.client = client
        self.manifest = manifest
        self.model_id: str = manifest["model"]["id"]
        self.settings = ChunkSettings(**manifest["chunking"])
        self.corpus_root: str = manifest.get("corpus_root", "")
        self._document = functools.lru_cache(maxsize=DOCUMENT_CACHE)(self._read_document)

    # -- opening ----------------------------------------------------------------------------

    @classmethod
    def open(cls, target: MilvusTarget, model_id: str | None = None) -> MilvusIndex:
        """An existing store; it must hold a manifest made with the model in use."""
        with speaking(target):
            return cls._open(target, model_id)

    @classmethod
    def _open(cls, target: MilvusTarget, model_id: str | None) -> MilvusIndex:
        build = f"build it with `qa index FOLDER --store {target.spec}`"
        if target.lite and not target.lite_path.exists():
            raise QAError(f"no factqa index in the Milvus store {target.spec}: {build}")
        client = _client(target)
        manifest = _read_manifest(client)
        if manifest is None:
            raise QAError(f"no factqa index in the Milvus store {target.spec}: {build}")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise QAError(f"the Milvus store {target.spec} has format {manifest.get('format_version')}, "
                          f"this factqa reads {FORMAT_VERSION}: {build} into a new store")
        if model_id is not None and manifest["model"]["id"] != model_id:
            raise QAError(f"the Milvus store {target.spec} was built with model {manifest['model']['id']!r} but the "
                          f"model in use is {model_id!r}: index into another store, or set QA_EMBEDDING_MODEL")
        for name in (CHUNKS, DOCUMENTS):
            client.load_collection(name)
        return cls(target, client, manifest)

    @classmethod
    def build(cls, target: MilvusTarget, documents: list[Document], embedder: TextEncoder, corpus_root: str,
              settings: ChunkSettings | None = None) -> tuple[MilvusIndex, BuildReport]:
        """Bring the store in line with ``documents``: embed new and changed files, delete removed ones."""
        with speaking(target):
            return cls._build(target, documents, embedder, corpus_root, settings)

    @classmethod
    def _build(cls, target: MilvusTarget, documents: list[Document], embedder: TextEncoder, corpus_root: str,
               settings: ChunkSettings | None) -> tuple[MilvusIndex, BuildReport]:
        settings = settings or ChunkSettings()
        client = _client(target)
        dimension = embedder.dimension
        wanted = {"format_version": FORMAT_VERSION, "model": {"id": embedder.model_id, "dimension": dimension},
                  "chunking": settings.to_dict()}
        manifest = _read_manifest(client)
        if manifest is not None:
            have = {k: manifest.get(k) for k in wanted}
            if have != wanted:
                raise QAError(f"the Milvus store {target.spec} holds an index made with {have}, this run uses {wanted}: "
                              "index into another store (e.g. another milvus-lite:PATH.db), or drop the collections "
                              f"{CHUNKS} and {DOCUMENTS} first")
        else:
            _create_collections(client, dimension, target.lite)
        for name in (CHUNKS, DOCUMENTS):
            client.load_collection(name)
        _write_meta(client, MANIFEST_ID, {**wanted, "corpus_root": corpus_root}, dimension)
        index = cls(target, client, {**wanted, "corpus_root": corpus_root})
        report = index._update(documents, embedder, settings)
        _write_meta(client, MANIFEST_ID, {**wanted, "corpus_root": corpus_root, "counts":
                                          {"documents": len(documents), "chunks": report.chunks}}, dimension)
        index.manifest = _read_manifest(client) or index.manifest
        return index, report

    # -- writing ----------------------------------------------------------------------------

    def _update(self, documents: list[Document], embedder: TextEncoder, settings: ChunkSettings) -> BuildReport:
        dimension = self.manifest["model"]["dimension"]
        leftover = _read_meta(self.client, JOURNAL_ID) or []
        if leftover:
            log.warning("a previous run stopped while writing %d files: writing them again", len(leftover))
            self._delete_sources(leftover)
        versions = self.versions()
        unchanged = {d.source for d in documents if versions.get(d.source) == d.sha256}
        fresh = [d for d in documents if d.source not in unchanged]
        gone = sorted(set(versions) - {d.source for d in documents})
        if gone:
            self._delete_sources(gone)
        chunker = Chunker(settings)
        chunks_written = 0
        for group in _groups(fresh, chunker):
            sources = [doc.source for doc, _ in group]
            _write_meta(self.client, JOURNAL_ID, sources, dimension)
            self._delete_sources(sources)
            chunks_written += self._write_group(group, embedder)
            _write_meta(self.client, JOURNAL_ID, [], dimension)
        self._document.cache_clear()
        total = int(self.chunk_count())
        log.debug("Milvus store %s: %d new chunks written", self.target.spec, chunks_written)
        return BuildReport(tuple(d.source for d in fresh), tuple(d.source for d in documents if d.source in unchanged),
                           tuple(gone), total)

    def _write_group(self, group: list[tuple[Document, list[Chunk]]], embedder: TextEncoder) -> int:
        """Chunks first, then the document rows that make them visible to a search."""
        rows = [(doc, chunk) for doc, chunks in group for chunk in chunks]
        texts = [doc.text[c.start : c.end] for doc, c in rows]
        vectors = np.zeros((0, self.manifest["model"]["dimension"]), dtype=np.float32)
        step = embedder.stream_batch
        parts = [embedder.encode(texts[i : i + step], show_progress=False) for i in range(0, len(texts), step)]
        if parts:
            vectors = np.concatenate(parts)
        for i in range(0, len(rows), PAGE):
            self.client.upsert(CHUNKS, [
                {"id": chunk_id(doc.source, doc.sha256, c.start, c.end), "source": doc.source, "sha256": doc.sha256,
                 "start": c.start, "end": c.end, "text": text, "vector": vector.tolist()}
                for (doc, c), text, vector in zip(rows[i : i + PAGE], texts[i : i + PAGE], vectors[i : i + PAGE])
            ])
        position = 0
        for doc, chunks in group:
            mean = vectors[position : position + len(chunks)].sum(axis=0) if chunks else np.zeros(vectors.shape[1])
            position += len(chunks)
            norm = float(np.linalg.norm(mean))
            self.client.upsert(DOCUMENTS, _document_rows(doc, (mean / norm if norm else mean).astype(np.float32)))
        return len(rows)

    def _delete_sources(self, sources: list[str]) -> None:
        """Document rows first (their chunks stop being answerable), then the chunks."""
        for i in range(0, len(sources), 200):
            names = ", ".join(quote(s) for s in sources[i : i + 200])
            self.client.delete(DOCUMENTS, filter=f"source in [{names}]")
            self.client.delete(CHUNKS, filter=f"source in [{names}]")

    # -- reading ----------------------------------------------------------------------------

    def versions(self) -> dict[str, str]:
        """source -> sha256 of every complete document in the store."""
        with speaking(self.target):
            return self._versions()

    def _versions(self) -> dict[str, str]:
        rows: dict[str, dict] = {}
        counts: dict[tuple[str, str], int] = {}
        for row in _query_all(self.client, DOCUMENTS, 'source != ""', ["source", "sha256", "part", "parts"]):
            counts[(row["source"], row["sha256"])] = counts.get((row["source"], row["sha256"]), 0) + 1
            if row["part"] == 0:
                rows[row["source"]] = row
        return {s: r["sha256"] for s, r in rows.items() if counts.get((s, r["sha256"])) == r["parts"]}

    def sources(self) -> list[str]:
        return sorted(self.versions())

    def chunk_count(self) -> int:
        with speaking(self.target):
            return int(self.client.query(CHUNKS, filter="", output_fields=["count(*)"])[0]["count(*)"])

    def document(self, source: str, sha256: str | None = None) -> Document | None:
        """The document ``source`` (at ``sha256``, when given) when all its rows are in the store."""
        if sha256 is None:  # the version in the store: one row, not a scan of every document
            with speaking(self.target):
                rows = self.client.query(DOCUMENTS, filter=f"source == {quote(source)} and part == 0",
                                         output_fields=["sha256"], limit=1)
            if not rows:
                return None
            sha256 = rows[0]["sha256"]
        return self._document(source, sha256)

    def _read_document(self, source: str, sha256: str) -> Document | None:
        with speaking(self.target):
            rows = self.client.query(DOCUMENTS, filter=f"source == {quote(source)} and sha256 == {quote(sha256)}",
                                     output_fields=["part", "parts", "text", "boilerplate"], limit=16_384)
        rows.sort(key=lambda r: r["part"])
        if not rows or len(rows) != rows[0]["parts"] or [r["part"] for r in rows] != list(range(len(rows))):
            return None
        text = "".join(r["text"] for r in rows)
        if sha256_text(text) != sha256:
            return None
        spans = tuple((s, e) for r in rows for s, e in json.loads(r["boilerplate"]))
        return Document(source, text, sha256, spans)

    def search(self, question: str, query_vector: np.ndarray, k: int) -> list[tuple[str, str, int, int]]:
        """(source, sha256, start, end) of the ``k`` best chunks: dense and BM25 rankings fused by
        reciprocal rank, on the engine (hybrid search with Milvus's RRF ranker, k=60)."""
        with speaking(self.target):
            return self._search(question, query_vector, k)

    def _search(self, question: str, query_vector: np.ndarray, k: int) -> list[tuple[str, str, int, int]]:
        from pymilvus import AnnSearchRequest, RRFRanker

        dense = AnnSearchRequest(data=[query_vector.astype(np.float32).tolist()], anns_field="vector",
                                 param={"metric_type": "IP", "params": {"ef": max(HNSW_EF, CANDIDATES)}}, limit=CANDIDATES)
        sparse = AnnSearchRequest(data=[question], anns_field="sparse", param={"metric_type": "BM25"}, limit=CANDIDATES)
        found = self.client.hybrid_search(CHUNKS, [dense, sparse], ranker=RRFRanker(60), limit=k,
                                          output_fields=["source", "sha256", "start", "end"])
        hits = found[0] if found else []
        return [(h["entity"]["source"], h["entity"]["sha256"], int(h["entity"]["start"]), int(h["entity"]["end"]))
                for h in hits]

    def stale_sources(self) -> list[str]:
        """Stored files that changed or disappeared on disk since indexing (none when the corpus
        folder is not on this machine: a web node reads only the store)."""
        root = Path(self.corpus_root)
        if not self.corpus_root or not root.is_dir():
            return []
        stale = []
        for source, sha256 in sorted(self.versions().items()):
            try:
                current = (root / source).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                stale.append(source)
                continue
            if sha256_text(current) != sha256:
                stale.append(source)
        return stale


def _groups(docs: list[Document], chunker: Chunker) -> Iterator[list[tuple[Document, list[Chunk]]]]:
    """Files in write groups small enough to journal in one row and to embed in memory."""
    group: list[tuple[Document, list[Chunk]]] = []
    chars = chunks = 0
    for doc in docs:
        split = chunker.split(doc)
        if len(doc.source) > SOURCE_MAX:
            raise QAError(f"a file name longer than {SOURCE_MAX} characters cannot go into Milvus: {doc.source[:80]}…")
        if group and (chars + len(quote(doc.source)) > GROUP_CHARS or chunks + len(split) > GROUP_CHUNKS):
            yield group
            group, chars, chunks = [], 0, 0
        group.append((doc, split))
        chars += len(quote(doc.source)) + 2
        chunks += len(split)
    if group:
        yield group


def _document_rows(doc: Document, vector: np.ndarray) -> list[dict]:
    parts = max(1, -(-len(doc.text) // TEXT_PART))
    rows = []
    for part in range(parts):
        lo, hi = part * TEXT_PART, (part + 1) * TEXT_PART
        spans = [[s, e] for s, e in doc.boilerplate if lo <= s < hi]
        rows.append({"id": f"{doc.sha256}:{part}:{hashlib.blake2b(doc.source.encode(), digest_size=8).hexdigest()}",
                     "source": doc.source, "sha256": doc.sha256, "part": part, "parts": parts,
                     "text": doc.text[lo:hi], "boilerplate": json.dumps(spans), "vector": vector.tolist()})
    return rows


def _create_collections(client, dimension: int, lite: bool) -> None:
    from pymilvus import DataType, Function, FunctionType

    analyzer = ({"tokenizer": "standard", "filter": [{"type": "stop", "stop_words": _english_stop_words()}]}
                if lite else ENGLISH)
    chunks = client.create_schema(auto_id=False, enable_dynamic_field=False)
    chunks.add_field("id", DataType.INT64, is_primary=True)
    chunks.add_field("source", DataType.VARCHAR, max_length=SOURCE_MAX * 4)
    chunks.add_field("sha256", DataType.VARCHAR, max_length=64)
    chunks.add_field("start", DataType.INT64)
    chunks.add_field("end", DataType.INT64)
    chunks.add_field("text", DataType.VARCHAR, max_length=VARCHAR_MAX, enable_analyzer=True, analyzer_params=analyzer)
    chunks.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    chunks.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    chunks.add_function(Function(name="text_bm25", function_type=FunctionType.BM25,
                                 input_field_names=["text"], output_field_names=["sparse"]))
    params = client.prepare_index_params()
    params.add_index("vector", index_type="HNSW", metric_type="IP", params=HNSW)
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection(CHUNKS, schema=chunks, index_params=params)

    documents = client.create_schema(auto_id=False, enable_dynamic_field=False)
    documents.add_field("id", DataType.VARCHAR, is_primary=True, max_length=128)
    documents.add_field("source", DataType.VARCHAR, max_length=SOURCE_MAX * 4)
    documents.add_field("sha256", DataType.VARCHAR, max_length=64)
    documents.add_field("part", DataType.INT64)
    documents.add_field("parts", DataType.INT64)
    documents.add_field("text", DataType.VARCHAR, max_length=VARCHAR_MAX)
    documents.add_field("boilerplate", DataType.VARCHAR, max_length=VARCHAR_MAX)
    documents.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    params = client.prepare_index_params()
    params.add_index("vector", index_type="HNSW", metric_type="IP", params=HNSW)
    client.create_collection(DOCUMENTS, schema=documents, index_params=params)


def _write_meta(client, key: str, value: object, dimension: int) -> None:
    client.upsert(DOCUMENTS, [{"id": key, "source": "", "sha256": "", "part": 0, "parts": 1,
                               "text": json.dumps(value, ensure_ascii=False), "boilerplate": "[]",
                               "vector": [0.0] * dimension}])


def _read_meta(client, key: str) -> object | None:
    if not client.has_collection(DOCUMENTS):
        return None
    client.load_collection(DOCUMENTS)
    rows = client.query(DOCUMENTS, filter=f"id == {quote(key)}", output_fields=["text"])
    return json.loads(rows[0]["text"]) if rows else None


def _read_manifest(client) -> dict | None:
    manifest = _read_meta(client, MANIFEST_ID)
    return manifest if isinstance(manifest, dict) else None


def _query_all(client, collection: str, expression: str, fields: list[str]) -> Iterator[dict]:
    """Every row that matches, a page at a time."""
    iterator = client.query_iterator(collection, batch_size=PAGE, filter=expression, output_fields=fields)
    try:
        while page := iterator.next():
            yield from page
    finally:
        iterator.close()
