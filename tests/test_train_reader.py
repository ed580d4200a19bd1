"""`qa train-reader` on a tiny random BERT and a dozen planted questions, in seconds: the loss
falls, the exported fp16 model loads and answers a planted question with exact offsets, and a run
resumes from its full checkpoint or, on a new machine, from the exported weights alone."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from qa.app.cli import run
from qa.errors import QAError
from qa.read.passage import Passage
from qa.read.span_reader import SpanReader
from qa.read.train import CHECKPOINT, REPORT, Question, TrainSettings, swapped_premises, train

TEAMS = ["denver broncos", "carolina panthers", "thorn", "kutcher"]
DAYS = ["sunday", "february"]
PLACES = ["stadium", "city"]


def planted_squad(path: Path) -> list[tuple[str, str, str]]:
    """Twelve questions over small paragraphs in one article (so BM25 finds negatives)."""
    rows, paragraphs = [], []
    for i, (team, day, place) in enumerate((t, d, p) for t in TEAMS for d in DAYS for p in PLACES):
        if len(rows) == 12:
            break
        context = f"the {team} won the game in the {place} on {day} . the coach was at the board ."
        question = "who won the game ?"
        paragraphs.append({"context": context, "qas": [{"id": f"q{i}", "question": question,
                                                        "answers": [{"text": team, "answer_start": context.index(team)}]}]})
        rows.append((question, context, team))
    path.write_text(json.dumps({"version": "1.1", "data": [{"title": "planted", "paragraphs": paragraphs}]}), encoding="utf-8")
    return rows


def settings(tmp_path: Path, tiny_model: Path, **overrides) -> TrainSettings:
    base = dict(train_file=str(tmp_path / "train.json"), out_dir=str(tmp_path / "out"),
                checkpoint_dir=str(tmp_path / "ckpt"), base_model=str(tiny_model), max_length=48, stride=16,
                batch_size=4, learning_rate=3e-3, warmup=0.1, epochs=60, hard_negatives=0.5, seed=1, bf16=False)
    return TrainSettings(**{**base, **overrides})


def test_training_learns_planted_questions_and_exports_a_loadable_model(tiny_model: Path, tmp_path: Path) -> None:
    rows = planted_squad(tmp_path / "train.json")
    report = train(settings(tmp_path, tiny_model), progress=False)
    losses = [loss for _, loss in report["loss_curve"]]
    assert report["steps"] == report["planned_steps"] and report["data"]["retrieved_negative_windows"] > 0
    assert len(losses) >= 3 and losses[-1] < 0.6 * losses[0], losses
    out = tmp_path / "out"
    assert {"model.safetensors", "config.json", "tokenizer.json", REPORT} <= {p.name for p in out.iterdir()}
    from safetensors import safe_open

    with safe_open(str(out / "model.safetensors"), "pt") as f:
        assert {str(f.get_tensor(k).dtype) for k in f.keys()} == {"torch.float16"}  # noqa: SIM118 (not a dict)
    question, context, team = rows[0]
    text = "header line .\n\n" + context + "\n"
    passage = Passage("doc.txt", text, text.index(context), text.index(context) + len(context), 0)
    best = SpanReader(out, max_length=48, stride=16).read(question, [passage])[0]
    assert text[best.start : best.end] == best.answer == team
    assert text[best.quote_start : best.quote_end] == best.quote


def test_resume_from_checkpoint_and_from_exported_weights_alone(tiny_model: Path, tmp_path: Path) -> None:
    planted_squad(tmp_path / "train.json")
    first = train(settings(tmp_path, tiny_model, epochs=2), progress=False)
    assert (tmp_path / "ckpt" / CHECKPOINT).exists()
    more = train(settings(tmp_path, tiny_model, epochs=4), resume=True, progress=False)
    assert more["steps"] == 2 * first["steps"]  # continued, not restarted
    shutil.rmtree(tmp_path / "ckpt")  # a new machine: only the committed fp16 weights are left
    again = train(settings(tmp_path, tiny_model, epochs=6), resume=True, progress=False)
    assert again["steps"] == 3 * first["steps"]
    with pytest.raises(QAError, match="nothing left to train"):  # the budget counts the earlier runs
        train(settings(tmp_path, tiny_model, epochs=6), resume=True, progress=False)


def test_cli_trains_and_refuses_bad_input(tiny_model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    planted_squad(tmp_path / "train.json")
    args = ["train-reader", str(tmp_path / "train.json"), "--out", str(tmp_path / "out"), "--checkpoint-dir",
            str(tmp_path / "ckpt"), "--base-model", str(tiny_model), "--max-length", "48", "--stride", "16",
            "--epochs", "1", "--no-bf16"]
    assert run(args) == 0
    assert "trained" in capsys.readouterr().out
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert run(["train-reader", str(tmp_path / "bad.json"), "--base-model", str(tiny_model)]) == 2
    assert run(["train-reader", str(tmp_path / "train.json"), "--epochs", "0"]) == 2
    err = capsys.readouterr().err
    assert "cannot read SQuAD file" in err and "must be positive" in err and "Traceback" not in err


def test_swapped_premises_are_unanswerable_twins_of_real_questions() -> None:
    """A name or year the paragraph says is swapped for another of the article's that it does not;
    the twin is labelled "not here". Questions with nothing to swap get no twin."""
    first = "The Broncos beat the Panthers in 2016 at Levi's Stadium in Santa Clara."
    second = "The Panthers had beaten the Cardinals in 2015, and Cam Newton was named MVP."
    articles = [{"paragraphs": [{"context": first}, {"context": second}]}]
    asked = [
        Question("q1", "Who beat the Panthers in 2016?", first, 0, "The Broncos"),
        Question("q2", "Where did the Broncos play the Panthers?", first, first.index("Levi's Stadium"), "Levi's Stadium"),
        Question("q3", "who won?", first, 0, "The Broncos"),
    ]
    twins = swapped_premises(articles, [(0, 0, q) for q in asked], 1.0, random.Random(3))
    assert {t.qid for t in twins} == {"q1/swap", "q2/swap"}
    for twin in twins:
        original = next(q for q in asked if twin.qid == q.qid + "/swap")
        assert twin.answer_start == -1 and twin.answer_text == "" and twin.context == original.context
        assert twin.question != original.question
        removed = set(original.question.replace("?", "").split()) - set(twin.question.replace("?", "").split())
        added = set(twin.question.replace("?", "").split()) - set(original.question.replace("?", "").split())
        assert removed and all(w in first for w in removed)  # what the paragraph says ...
        assert added and all(w in second and w not in first for w in added)  # ... for what only another says


def test_unanswerable_file_adds_its_questions_with_the_impossible_ones_at_cls(tiny_model: Path, tmp_path: Path) -> None:
    """A SQuAD v2.0 file's answerable questions are trained as usual and its impossible ones point
    every window at [CLS], as many times as asked; the report counts both."""
    planted_squad(tmp_path / "train.json")
    context = "the denver broncos won the game in the stadium on sunday . the coach was at the board ."
    v2 = {"version": "v2.0", "data": [{"title": "v2", "paragraphs": [{"context": context, "qas": [
        {"id": "a", "question": "who won the game ?", "is_impossible": False,
         "answers": [{"text": "denver broncos", "answer_start": context.index("denver broncos")}]},
        {"id": "u1", "question": "who lost the game ?", "is_impossible": True, "answers": []},
        {"id": "u2", "question": "where was the coach born ?", "is_impossible": True, "answers": []}]}]}]}
    (tmp_path / "v2.json").write_text(json.dumps(v2), encoding="utf-8")
    report = train(settings(tmp_path, tiny_model, epochs=1, unanswerable_file=str(tmp_path / "v2.json"),
                            unanswerable_repeat=2), progress=False)
    assert report["data"]["unanswerable_file_windows"] == 6  # 3 questions, one window each, twice
    assert report["data"]["unanswerable_file_windows_at_cls"] == 4
