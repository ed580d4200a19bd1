"""QA: wires the stages (load → index → retrieve → read → corroborate) behind ask()."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import numpy as np

from qa.errors import QAError
from qa.index.embedding import Embedder, TextEncoder
from qa.index.location import parse_store
from qa.index.milvus_store import MilvusIndex
from qa.index.names import MANIFEST
from qa.index.protocol import SearchIndex
from qa.index.store import BuildReport, CorpusIndex, check_apart, check_index_folder, write_lock
from qa.ingest.chunking import ChunkSettings
from qa.ingest.documents import load_folder
from qa.question import DEFAULT_TOP_K, check_folder_arg, check_threshold, check_top_k, clean_question
from qa.read.passage import Passage, Reader
from qa.read.span_reader import SpanReader
from qa.results import Answer, Evidence, Reading, Verdict
from qa.retrieve.hybrid import HybridRetriever
from qa.retrieve.milvus import MilvusRetriever
from qa.retrieve.protocol import Retriever
from qa.verify.agreement import agreement_of, group_answers
from qa.verify.claims import ClaimChecker

log = logging.getLogger(__name__)

PASSAGES_ON_ABSTAIN = 3
# One question or claim at a time in a process: one read already uses every core, and spaCy's
# pipeline and the fast tokenizers are not documented as safe to call from several threads (the
# web chat serves several users from threads). Re-entrant: a claim check asks questions.
_ONE_AT_A_TIME = threading.RLock()


def build_index(
    folders: list[str | os.PathLike[str]],
    index_dir: str | os.PathLike[str],
    embedder: TextEncoder,
    settings: ChunkSettings | None = None,
    store: str | None = None,
) -> tuple[CorpusIndex | MilvusIndex, BuildReport]:
    """Index ``folders`` into ``index_dir`` (or the Milvus ``store``, default ``$QA_STORE``),
    re-embedding only files whose content changed."""
    paths = [Path(check_folder_arg(f, "folder")) for f in folders]
    for path in paths:
        if not path.is_dir():
            raise QAError(f"corpus folder not found: {path} (give a folder of .txt or .md files)")
    target = parse_store(store)
    index_dir = Path(check_folder_arg(index_dir, "index_dir"))
    if target is None:
        check_index_folder(index_dir, paths)
    elif target.lite:
        check_apart(target.lite_path, paths)
    resolved = [p.resolve() for p in paths]
    root = Path(os.path.commonpath(resolved)) if len(resolved) > 1 else resolved[0]
    documents = [doc for path in resolved for doc in load_folder(path, root)]
    if not documents:
        raise QAError(f"no readable .txt or .md files in {', '.join(map(str, paths))}")
    if target is not None:
        index, report = MilvusIndex.build(target, documents, embedder, str(root), settings)
    else:
        with write_lock(index_dir):
            previous = None
            try:
                previous = CorpusIndex.load(index_dir)
            except QAError as err:
                if (index_dir / MANIFEST).exists():
                    log.warning("rebuilding the index from scratch: %s", err)
            index, report = CorpusIndex.build(documents, embedder, str(root), settings, previous)
            index.save_locked(index_dir)
    log.info(
        "indexed %d files into %s: %d embedded, %d unchanged, %d dropped, %d chunks",
        len(documents), target.spec if target else index_dir, len(report.embedded), len(report.reused),
        len(report.dropped), report.chunks,
    )
    return index, report


def open_index(index_dir: str | os.PathLike[str], store: str | None, model_id: str) -> CorpusIndex | MilvusIndex:
    """The FAISS index in ``index_dir``, or the Milvus ``store`` (default ``$QA_STORE``) when one is named."""
    target = parse_store(store)
    if target is not None:
        return MilvusIndex.open(target, model_id)
    return CorpusIndex.load(check_folder_arg(index_dir, "index_dir"), model_id)


def _retriever(index: SearchIndex, embedder: Embedder) -> Retriever:
    return MilvusRetriever(index) if isinstance(index, MilvusIndex) else HybridRetriever(index, embedder)


def _reader_kwargs(reader_model: str | os.PathLike[str] | None, kwargs: dict) -> dict:
    """The span reader over ``reader_model`` (default: ``QA_READER_MODEL``, else the shipped weights)."""
    return kwargs if "reader" in kwargs else {**kwargs, "reader": SpanReader(reader_model)}


class QA:
    """The question-answering bot over one index. Models load once, in ``warm_up()``."""

    def __init__(self, index: CorpusIndex | MilvusIndex, embedder: Embedder, reader: Reader | None = None,
                 threshold: float | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.reader = reader or SpanReader()
        # the reader's own calibrated threshold unless one is given
        self.threshold = check_threshold(getattr(self.reader, "threshold", 0.5) if threshold is None else threshold)
        self.retriever = _retriever(index, embedder)
        # files changed on disk since indexing: their offsets no longer point into the file, so no answer
        # or evidence may come from them (set by ``load``; a fresh build has none)
        self.stale: frozenset[str] = frozenset()

    @classmethod
    def load(cls, index_dir: str | os.PathLike[str] = "index", model: str | None = None,
             reader_model: str | None = None, store: str | None = None, **kwargs) -> QA:
        """Open an existing index; it must have been built with the model in use.

        ``store`` (or ``QA_STORE``) names a Milvus store instead of the FAISS files in ``index_dir``;
        ``reader_model`` (or ``QA_READER_MODEL``) is an extractive-QA checkpoint folder to answer with
        instead of the shipped span reader."""
        check_folder_arg(index_dir, "index_dir")
        embedder = Embedder(model)
        kwargs = _reader_kwargs(reader_model, kwargs)
        index = open_index(index_dir, store, embedder.model_id)
        stale = index.stale_sources()
        if stale:
            log.warning("%d indexed files changed on disk since indexing (%s); answers leave them out until "
                        "you run `qa index` to refresh", len(stale), ", ".join(stale[:5]))
        bot = cls(index, embedder, **kwargs)
        bot.stale = frozenset(stale)
        bot.warm_up()
        return bot

    @classmethod
    def from_folder(cls, folder: str | os.PathLike[str] = "seeds", index_dir: str | os.PathLike[str] = "index",
                    model: str | None = None, reader_model: str | None = None, store: str | None = None,
                    **kwargs) -> QA:
        """Build the index of ``folder`` (incrementally when one exists) and open it; ``store`` (or
        ``QA_STORE``) puts it in Milvus instead of FAISS files in ``index_dir``."""
        embedder = Embedder(model)
        kwargs = _reader_kwargs(reader_model, kwargs)
        index, _ = build_index([folder], index_dir, embedder, store=store)
        bot = cls(index, embedder, **kwargs)
        bot.warm_up()
        return bot

    def warm_up(self) -> None:
        self.embedder.warm_up()
        self.reader.warm_up()

    def ask(self, question: str, top_k: int = DEFAULT_TOP_K) -> Answer:
        """Answer with a verbatim span and its sentence, or abstain (``answer is None``)."""
        with _ONE_AT_A_TIME:
            question, query_vector, passages = self.retrieve(question, top_k)
            candidates = self.reader.read(question, passages, query_vector)
            return self._decide(question, candidates)

    def read_many(self, questions: list[str], top_k: int = DEFAULT_TOP_K) -> list[Reading]:
        """Several questions read in one batch (what a claim check asks): each answer, and every
        span the reader proposed for it."""
        with _ONE_AT_A_TIME:
            retrieved = [self.retrieve(q, top_k) for q in questions]
            read_batch = getattr(self.reader, "read_batch", None)
            if read_batch is not None:
                found = read_batch([q for q, _, _ in retrieved], [p for _, _, p in retrieved])
            else:
                found = [self.reader.read(q, p, v) for q, v, p in retrieved]
            return [Reading(self._decide(q, candidates), tuple(candidates), tuple(self._passing(candidates)))
                    for (q, _, _), candidates in zip(retrieved, found)]

    def check(self, claim: str, top_k: int = DEFAULT_TOP_K) -> Verdict:
        """Judge a claim by asking the articles for each of its facts (see qa/verify/claims.py):
        SUPPORTED, REFUTED or NOT_ENOUGH_INFO, with each question, answer and quote."""
        claim = clean_question(claim)
        check_top_k(top_k)
        with _ONE_AT_A_TIME:
            return ClaimChecker(lambda qs: self.read_many(qs, top_k), self.embedder.encode_questions).check(claim)

    def retrieve(self, text: str, top_k: int = DEFAULT_TOP_K) -> tuple[str, np.ndarray, list[Passage]]:
        """Validate a question or claim, embed it once, and fetch its top chunks widened to whole sentences."""
        text = clean_question(text)
        check_top_k(top_k)
        query_vector = self.embedder.encode_questions([text])[0]
        return text, query_vector, self.retriever.passages(text, top_k, query_vector, self.stale)

    def _passing(self, candidates: list[Evidence]) -> list[Evidence]:
        """The spans sure enough to answer with."""
        return [c for c in candidates if c.answer is not None and c.score >= self.threshold]

    def _decide(self, question: str, candidates: list[Evidence]) -> Answer:
        """Best answer per source, grouped; abstain when even the best is below the threshold."""
        passing = self._passing(candidates)
        # a whole sentence is the reader's fallback; it only stands when no source has a short span
        short = [c for c in passing if (c.start, c.end) != (c.quote_start, c.quote_end)]
        per_source: dict[str, Evidence] = {}
        for candidate in short or passing:
            per_source.setdefault(candidate.source, candidate)
        if not per_source:
            passages = []
            for candidate in candidates:
                if all(candidate.quote_start != p.quote_start or candidate.source != p.source for p in passages):
                    passages.append(Evidence(None, candidate.source, candidate.quote_start, candidate.quote_end,
                                             candidate.quote, candidate.quote_start, candidate.quote_end, candidate.score))
            return Answer(question, None, None, None, None, None, None, None,
                          candidates[0].score if candidates else 0.0, "none", tuple(passages[:PASSAGES_ON_ABSTAIN]))
        groups = group_answers(list(per_source.values()))
        best = groups[0][0]
        evidence = tuple(e for group in groups for e in group)
        return Answer(question, best.answer, best.source, best.start, best.end, best.quote, best.quote_start,
                      best.quote_end, best.score, agreement_of(groups), evidence)
