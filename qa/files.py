"""One way to replace a file: write a temporary sibling, fsync, rename. A reader sees the old file
or the new one, never half of either; a failed write leaves the old file and no temporary behind."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path


def temp_name(name: str) -> str:
    """The temporary name ``name`` is written under before its rename (an index journals it first)."""
    return f".{name}.tmp"


def atomic_write(path: Path, write: Callable[[str], None]) -> None:
    """Call ``write(tmp)`` for the temporary sibling ``temp_name(path.name)``, then rename it over ``path``."""
    tmp = str(path.with_name(temp_name(path.name)))
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)

    atomic_write(path, write)
