"""Where an index lives: FAISS files in a folder (the default) or a Milvus store named by a URI.

Nothing heavy is imported here, so that the CLI can check ``--store`` before any model loads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from qa.errors import QAError

STORE_ENV = "QA_STORE"
STORE_HELP = ("where the index lives: milvus://HOST:PORT[/DATABASE] (a Milvus server or cluster) or "
              "milvus-lite:PATH.db (embedded Milvus); default: $QA_STORE, else FAISS files in --index")


@dataclass(frozen=True)
class MilvusTarget:
    """A Milvus store: ``uri`` as MilvusClient takes it, and a name to show in messages."""

    uri: str
    database: str  # "" for the server's default database and for Milvus Lite
    lite: bool
    spec: str  # what the user wrote

    @property
    def lite_path(self) -> Path | None:
        return Path(self.uri) if self.lite else None


def parse_store(spec: str | None) -> MilvusTarget | None:
    """``spec`` (or ``$QA_STORE`` when it is None) as a Milvus target; None means FAISS files."""
    if spec is None:
        spec = os.environ.get(STORE_ENV) or None
    if spec is None:
        return None
    if not isinstance(spec, str) or not spec.strip():
        raise QAError(f"store must be a URI such as milvus-lite:index/milvus.db, not {spec!r}")
    spec = spec.strip()
    if spec.startswith("milvus-lite:"):
        path = spec.removeprefix("milvus-lite:")
        if not path.endswith(".db") or path.endswith("/.db"):
            raise QAError(f"a Milvus Lite store is a path ending in .db, e.g. milvus-lite:index/milvus.db, not {spec!r}")
        return MilvusTarget(str(Path(path).expanduser()), "", True, spec)
    if spec.startswith("milvus://"):
        address, _, database = spec.removeprefix("milvus://").partition("/")
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise QAError(f"a Milvus server is milvus://HOST:PORT[/DATABASE], e.g. milvus://localhost:19530, not {spec!r}")
        return MilvusTarget(f"http://{address}", database.strip("/"), False, spec)
    raise QAError(f"unknown store {spec!r}: use milvus://HOST:PORT[/DATABASE] or milvus-lite:PATH.db "
                  "(or no --store for FAISS files in --index)")
