"""Split documents' content blocks into chunks with offsets into the original text."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from qa.ingest.documents import Document


@dataclass(frozen=True)
class ChunkSettings:
    """Recorded in the manifest: an index built with other settings is rebuilt, not mixed."""

    chunk_size: int = 500
    chunk_overlap: int = 60

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Chunk:
    """``text[start:end]`` of the document ``source``."""

    source: str
    start: int
    end: int


class Chunker:
    """Paragraph-first recursive splitting (langchain-text-splitters), never across boilerplate."""

    def __init__(self, settings: ChunkSettings | None = None) -> None:
        # imported here: langchain's import (0.4 s) is only for indexing, not for a bot that asks
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self.settings = settings or ChunkSettings()
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=self.settings.chunk_size,
            chunk_overlap=self.settings.chunk_overlap,
            separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
            keep_separator="end",
        )

    def split(self, doc: Document) -> list[Chunk]:
        chunks: list[Chunk] = []
        for block_start, block_end in doc.content_blocks():
            block = doc.text[block_start:block_end]
            cursor = 0
            for piece in self._splitter.split_text(block):
                # The splitter strips whitespace and overlaps pieces, so locate each one from
                # just after the previous piece's start; find() keeps offsets exact.
                found = block.find(piece, cursor)
                if found < 0:  # pragma: no cover - the splitter only ever returns substrings
                    raise AssertionError("text splitter returned text not in the block")
                chunks.append(Chunk(doc.source, block_start + found, block_start + found + len(piece)))
                cursor = found + 1
        return chunks
