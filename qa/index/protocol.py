"""What the pipeline and the apps need of an index, wherever its vectors live (FAISS files or Milvus)."""

from __future__ import annotations

from typing import Protocol

from qa.ingest.documents import Document


class SearchIndex(Protocol):
    """An opened index: its documents by name, its size, and which files changed on disk since."""

    model_id: str

    def sources(self) -> list[str]: ...

    def document(self, source: str) -> Document | None: ...

    def chunk_count(self) -> int: ...

    def stale_sources(self) -> list[str]: ...
