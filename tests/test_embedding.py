"""Questions embedded without sentence-transformers get the vectors chunks get with it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from qa import QA
from qa.index.embedding import Embedder, plain_layout, resolve_model

from .conftest import SEEDS

ROOT = Path(__file__).resolve().parent.parent


def _texts() -> list[str]:
    article = (SEEDS / sorted(p.name for p in SEEDS.iterdir())[0]).read_text(encoding="utf-8")
    return [
        "when did Kutcher resign?",
        "  Who co-founded Thorn?  ",
        "Ashton Kutcher a démissionné — “Thorn” (2009), 30 years to life!",
        "x",
        article[:400],
        article,  # longer than the encoder's 256 tokens: both cut it the same way
    ]


def test_question_vectors_equal_sentence_transformers(embedder: Embedder) -> None:
    assert embedder.plain is not None, "the packaged model should be the plain layout"
    texts = _texts()
    alone = embedder.encode_questions(texts)
    batched = embedder.encode(texts, show_progress=False)
    assert alone.shape == batched.shape == (len(texts), embedder.dimension)
    assert np.abs(alone - batched).max() < 1e-5
    assert np.allclose(np.linalg.norm(alone, axis=1), 1.0, atol=1e-5)
    # one at a time (no padding) is the same vector as in a padded batch
    assert np.abs(embedder.encode_questions([texts[1]])[0] - alone[1]).max() < 1e-5


def test_other_layouts_embed_questions_with_sentence_transformers(tmp_path: Path) -> None:
    packaged = Path(resolve_model().location)
    copy = tmp_path / "model"
    shutil.copytree(packaged, copy)
    assert plain_layout(str(copy)) is not None
    pooling = copy / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text(encoding="utf-8"))
    pooling.write_text(json.dumps({**config, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}),
                       encoding="utf-8")
    assert plain_layout(str(copy)) is None
    other = Embedder(str(copy))
    vectors = other.encode_questions(["when did Kutcher resign?"])
    assert vectors.shape == (1, 384)
    assert np.abs(vectors - other.encode(["when did Kutcher resign?"], show_progress=False)).max() < 1e-6


def test_asking_an_existing_index_does_not_import_sentence_transformers(seeds_bot: QA, seeds_index: Path) -> None:
    """Half of a cold start was importing sentence-transformers and scikit-learn; a bot needs neither."""
    code = ("import sys; from qa import QA; bot = QA.load(sys.argv[1]); a = bot.ask('when did Kutcher resign?'); "
            "print(a.answer, 'sentence_transformers' in sys.modules, 'sklearn' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code, str(seeds_index)], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"}, check=True)
    answer, st_loaded, sklearn_loaded = done.stdout.split()[-3:]
    assert answer in {"Thursday", "Friday"}
    assert (st_loaded, sklearn_loaded) == ("False", "False")
