"""Opening a bot: the one rule for "which index, which corpus" that the CLI, the web chat and the
evaluation share, with the default paths."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from qa.errors import QAError
from qa.index.location import parse_store
from qa.index.names import MANIFEST

if TYPE_CHECKING:
    from qa.pipeline import QA

log = logging.getLogger(__name__)

DEFAULT_INDEX = "index"
DEFAULT_CORPUS = "seeds"


def open_bot(index: str | None = None, corpus: str | None = None, reader_model: str | None = None,
             store: str | None = None) -> QA:
    """Load the models and an index once:

    - ``corpus`` given: index it (incrementally) into ``index`` (default ``index/``) or the Milvus
      ``store`` and open that;
    - ``store`` given (or ``$QA_STORE``): open that Milvus store; it must hold an index;
    - ``index`` given: open it; it must exist;
    - neither: open ``index/``, building it from ``seeds/`` first when it does not exist yet.
    """
    from qa.pipeline import QA

    if corpus:
        return QA.from_folder(corpus, index or DEFAULT_INDEX, reader_model=reader_model, store=store)
    if parse_store(store) is not None:
        if index is not None:
            raise QAError("give --index (FAISS files) or --store (Milvus), not both")
        return QA.load(DEFAULT_INDEX, reader_model=reader_model, store=store)
    if index is not None:
        if not (Path(index) / MANIFEST).exists():
            raise QAError(f"index not found: {index} (build it with `qa index FOLDER --index {index}`)")
        return QA.load(index, reader_model=reader_model)
    if (Path(DEFAULT_INDEX) / MANIFEST).exists():
        return QA.load(DEFAULT_INDEX, reader_model=reader_model)
    if not Path(DEFAULT_CORPUS).is_dir():
        raise QAError(f"no index at {DEFAULT_INDEX}/ and no {DEFAULT_CORPUS}/ folder: run `qa index FOLDER` first")
    log.warning("no index yet: building %s/ from %s/ first", DEFAULT_INDEX, DEFAULT_CORPUS)
    return QA.from_folder(DEFAULT_CORPUS, DEFAULT_INDEX, reader_model=reader_model)
