"""`make bench-stores`: the FAISS files beside Milvus Lite at N chunks (docs/deployment.md).

For each store: build time, query p50/p95 (dense alone, and the hybrid dense+BM25 search each
question makes), recall@10 of the dense search against exact search, peak memory and disk. Each
store runs in its own process so that its peak RSS is its own. Vectors are synthetic (tools/bench.py:
a Gaussian fitted to real MiniLM embeddings; embedding 100k chunks takes hours on 2 cores), the
chunk texts are real prose with redrawn names and numbers, the queries real question embeddings.

    python tools/bench_stores.py --sizes 10k,100k [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench

QUERIES = 200
INSERT_BATCH = 2_000


def paragraphs(n: int) -> list[str]:
    """``n`` chunk texts: the paragraphs of the synthetic corpus, one per vector."""
    folder = bench.synthetic_corpus(n)
    texts = [p for f in sorted(folder.glob("*.txt")) for p in f.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    return texts[:n]


def questions() -> tuple[list[str], np.ndarray]:
    squad, _ = bench.squad_questions_and_contexts()
    texts = bench.seeds_questions() + squad
    return texts[:QUERIES], bench.reference_embeddings()[1][:QUERIES]


def exact_top10(n: int, queries: np.ndarray) -> list[list[int]]:
    scores = np.concatenate([batch @ queries.T for batch in bench.synthetic_vectors(n)])
    return np.argsort(-scores, axis=0)[:10].T.tolist()


def part_faiss(n: int, work: str) -> dict:
    from qa.index.store import recall_at, search_one

    _, vectors = questions()
    start = time.perf_counter()
    index, choice, _ = bench._synthetic_index(n)
    build = time.perf_counter() - start
    found: list[list[int]] = []
    seconds = bench._timed(lambda q: found.append(search_one(index, q, 10)[1].tolist()), vectors)
    import faiss

    path = Path(work) / "vectors.faiss"
    faiss.write_index(index, str(path))
    return {"store": f"FAISS ({choice.kind})", "n": n, "build_s": round(build, 1), "dense": bench._percentiles(seconds),
            "recall_at_10": round(recall_at(exact_top10(n, vectors), found), 4),
            "peak_rss_mb": bench._peak_rss_mb(), "disk_mb": round(path.stat().st_size / 1e6, 1)}


def part_milvus_lite(n: int, work: str) -> dict:
    from pymilvus import AnnSearchRequest, MilvusClient, RRFRanker

    from qa.index import milvus_store as ms
    from qa.index.store import recall_at

    texts, (question_texts, vectors) = paragraphs(n), questions()
    db = Path(work) / "bench.db"
    client = MilvusClient(uri=str(db))
    start = time.perf_counter()
    ms._create_collections(client, vectors.shape[1], lite=True)
    row = 0
    for batch in bench.synthetic_vectors(n):
        for i in range(0, len(batch), INSERT_BATCH):
            part = batch[i : i + INSERT_BATCH]
            client.insert(ms.CHUNKS, [{"id": row + j, "source": f"doc_{(row + j) // 8:06d}.txt", "sha256": "0" * 64,
                                       "start": 0, "end": len(texts[row + j]), "text": texts[row + j],
                                       "vector": v.tolist()} for j, v in enumerate(part)])
            row += len(part)
    client.flush(ms.CHUNKS)
    client.load_collection(ms.CHUNKS)
    build = time.perf_counter() - start
    params = {"metric_type": "IP", "params": {"ef": ms.HNSW_EF}}
    found: list[list[int]] = []

    def dense(q: np.ndarray) -> None:
        hits = client.search(ms.CHUNKS, data=[q.tolist()], anns_field="vector", limit=10, search_params=params)
        found.append([int(h["id"]) for h in hits[0]])

    def hybrid(item: tuple[str, np.ndarray]) -> None:
        text, q = item
        requests = [AnnSearchRequest(data=[q.tolist()], anns_field="vector", param=params, limit=ms.CANDIDATES),
                    AnnSearchRequest(data=[text], anns_field="sparse", param={"metric_type": "BM25"}, limit=ms.CANDIDATES)]
        client.hybrid_search(ms.CHUNKS, requests, ranker=RRFRanker(60), limit=12, output_fields=["source", "start", "end"])

    dense(vectors[0])
    found.clear()
    dense_s = bench._timed(dense, vectors)
    hybrid_s = bench._timed(hybrid, list(zip(question_texts, vectors)))
    disk = sum(p.stat().st_size for p in db.rglob("*") if p.is_file())
    return {"store": "Milvus Lite (HNSW M=16, ef 128)", "n": n, "build_s": round(build, 1),
            "dense": bench._percentiles(dense_s), "hybrid": bench._percentiles(hybrid_s),
            "recall_at_10": round(recall_at(exact_top10(n, vectors), found), 4),
            "peak_rss_mb": bench._peak_rss_mb(), "disk_mb": round(disk / 1e6, 1)}


PARTS = {"faiss": part_faiss, "milvus-lite": part_milvus_lite}


def run_part(name: str, n: int) -> dict:
    work = tempfile.mkdtemp(prefix=f"bench-{name}-")
    try:
        done = subprocess.run([sys.executable, __file__, "--part", name, "--n", str(n), "--work", work],
                              capture_output=True, text=True, env=bench._env(), check=False)
        if done.returncode != 0:
            raise SystemExit(f"{name} at {n} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def table(rows: list[dict]) -> str:
    lines = ["| store | chunks | build | dense p50 / p95 | hybrid p50 / p95 | recall@10 | peak RSS | disk |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        hybrid = f"{r['hybrid']['p50_ms']} / {r['hybrid']['p95_ms']} ms" if "hybrid" in r else "(bm25s, see bench)"
        lines.append(f"| {r['store']} | {r['n']:,} | {r['build_s']} s | {r['dense']['p50_ms']} / {r['dense']['p95_ms']} ms | "
                     f"{hybrid} | {r['recall_at_10']} | {r['peak_rss_mb']:.0f} MB | {r['disk_mb']} MB |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k", help="any of 10k,100k,1M")
    parser.add_argument("--stores", default="faiss,milvus-lite")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--part", choices=sorted(PARTS), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.part:
        print(json.dumps(PARTS[args.part](args.n, args.work)))
        return
    rows = [run_part(store, bench.SIZES[size]) for size in args.sizes.split(",") for store in args.stores.split(",")]
    print(json.dumps(rows, indent=1) if args.json else table(rows))


if __name__ == "__main__":
    main()
