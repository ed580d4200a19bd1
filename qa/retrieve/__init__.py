"""Retrieve: a question in; the closest chunks out, dense (FAISS) and BM25 fused by reciprocal rank."""
