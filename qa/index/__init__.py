"""Index: chunks in; unit vectors (MiniLM) in a FAISS store with its metadata and manifest out,
written atomically, incrementally and under a lock."""
