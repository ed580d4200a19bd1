"""Where the trained span reader lives, and how a reader model folder is resolved."""

from __future__ import annotations

from pathlib import Path

# the weights `qa train-reader` produced and the repository ships (fp16 safetensors, model card beside them)
PACKAGED_READER = Path(__file__).resolve().parent / "weights"
