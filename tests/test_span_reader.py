"""The span reader's mechanics on a tiny randomly initialised BERT the test builds itself.

Its answers are arbitrary; what is tested is what must hold for any checkpoint: offsets map back
to the file, long passages are covered by windows, batches agree with single questions, scores
lie in (0, 1), and the pipeline and CLI take ``--reader-model``. The shipped weights are tested in
test_shipped_reader.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa import QA
from qa.app.cli import run
from qa.errors import QAError
from qa.read.passage import Passage
from qa.read.span_reader import LENGTH_BUCKET, SpanReader, Window, computes_bf16, sentence_bounds
from tests.conftest import assert_offsets


def _document() -> tuple[str, list[Passage]]:
    intro = "Header line that is not read.\n\n"
    para1 = "The Denver Broncos won the game. The team played at the stadium in February."
    para2 = " ".join(f"Sentence {i} says the score was {i} points on a Sunday." for i in range(120))
    text = intro + para1 + "\n\n" + para2 + "\n"
    p1 = Passage("doc.txt", text, len(intro), len(intro) + len(para1), 0)
    start2 = text.index(para2)
    p2 = Passage("doc.txt", text, start2, start2 + len(para2), 1)
    return text, [p1, p2]


def _check(text: str, passages: list[Passage], evidence) -> None:
    assert evidence
    for ev in evidence:
        assert text[ev.start : ev.end] == ev.answer and ev.answer.strip() == ev.answer
        assert text[ev.quote_start : ev.quote_end] == ev.quote
        assert ev.quote_start <= ev.start < ev.end <= ev.quote_end
        assert any(p.start <= ev.start and ev.end <= p.end for p in passages)
        assert 0.0 <= ev.score <= 1.0


def test_offsets_are_verbatim_slices_of_the_file(tiny_model: Path) -> None:
    text, passages = _document()
    reader = SpanReader(tiny_model, max_length=64, stride=16, max_answer_tokens=8)
    evidence = reader.read("Who won the game?", passages)
    _check(text, passages, evidence)
    assert all(len(reader._tokenizer(ev.answer, add_special_tokens=False)["input_ids"]) <= 8 for ev in evidence)
    assert evidence == sorted(evidence, key=lambda e: (-e.score, e.source, e.start))


def test_long_passages_are_covered_by_overlapping_windows(tiny_model: Path) -> None:
    text, passages = _document()
    reader = SpanReader(tiny_model, max_length=64, stride=16)
    reader.warm_up()
    windows, inputs = reader._encode(["What was the score?"], [passages[1:]])
    assert len(windows) > 10 and max(len(ids) for ids in inputs["input_ids"]) <= 64
    covered = set()
    for window in windows:
        spans = [o for o in window.offsets if o is not None]
        covered.update(range(spans[0][0], spans[-1][1]))
    body = passages[1].text[passages[1].start : passages[1].end]
    assert all(i in covered for i, ch in enumerate(body) if not ch.isspace())
    # consecutive windows share tokens (the stride), so no answer is cut at a window edge
    first = [o for o in windows[0].offsets if o is not None]
    second = [o for o in windows[1].offsets if o is not None]
    assert second[0][0] < first[-1][1]
    _check(text, passages, reader.read("What was the score?", passages[1:]))


def test_a_batch_of_questions_matches_one_at_a_time(tiny_model: Path) -> None:
    text, passages = _document()
    reader = SpanReader(tiny_model, max_length=64, stride=16, batch_size=5)
    questions = ["Who won the game?", "When did they play?", "What was the score?"]
    groups = [passages[:1], passages, passages[1:]]
    batch = reader.read_batch(questions, groups)
    assert len(batch) == 3
    for question, group, got in zip(questions, groups, batch):
        _check(text, group, got)
        single = reader.read(question, group)
        assert [(e.start, e.end) for e in got[:3]] == [(e.start, e.end) for e in single[:3]]
        assert [e.score for e in got[:3]] == pytest.approx([e.score for e in single[:3]], abs=1e-3)


def test_windows_read_in_length_batches_score_as_when_read_alone(tiny_model: Path) -> None:
    """A window is padded only to its length bucket, and padding never changes a score."""
    text, passages = _document()
    short = [Passage("doc.txt", text, p.start, p.start + n, 0) for p in passages[:1] for n in (12, 20, 33, 52)]
    grouped = SpanReader(tiny_model, max_length=64, stride=16)
    alone = SpanReader(tiny_model, max_length=64, stride=16, batch_size=1)
    for question in ("Who won the game?", "What was the score?"):
        together = grouped.read(question, short + passages)
        assert [(e.start, e.end) for e in together] == [(e.start, e.end) for e in alone.read(question, short + passages)]
        assert [e.score for e in together] == pytest.approx([e.score for e in alone.read(question, short + passages)], abs=1e-4)
        assert grouped.read(question, passages[::-1]) == grouped.read(question, passages)  # nor does the order retrieved
    lengths = [70, 12, 64, 15, 13, 64, 30]
    windows = [Window(0, passages[0], [(i, i + 1)]) for i in range(len(lengths))]
    batches = SpanReader(tiny_model, batch_size=3)._batches(windows, lengths)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths))) and max(map(len, batches)) <= 3
    for b in batches:  # one bucket of LENGTH_BUCKET tokens per batch
        assert len({-(-lengths[i] // LENGTH_BUCKET) for i in b}) == 1
    assert len(batches) == 4  # 12-30 | 64, 64 | 70 with a batch of 3: [12, 13, 15], [30], [64, 64], [70]


def test_sentence_bounds_contain_the_answer() -> None:
    text = "First one. Second sentence here! Third?"
    start = text.index("sentence")
    assert sentence_bounds(text, start, start + 8, 0, len(text)) == (11, 32)
    assert sentence_bounds(text, 0, 5, 0, len(text)) == (0, 10)


def test_pipeline_and_cli_take_a_reader_model(tiny_model: Path, seeds_copy: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    bot = QA.from_folder(seeds_copy, tmp_path / "index", reader_model=str(tiny_model), threshold=0.0)
    assert isinstance(bot.reader, SpanReader)
    ans = bot.ask("When did Kutcher resign?")
    assert ans.answer is not None
    assert_offsets(seeds_copy, ans)
    for ev in ans.evidence:
        assert_offsets(seeds_copy, ev)
    assert run(["ask", "when?", "--index", str(tmp_path / "index"), "--reader-model", str(tmp_path / "missing")]) == 2
    assert "reader model folder not found" in capsys.readouterr().err


def test_a_saved_calibration_is_the_readers_threshold_and_says_its_rule(tmp_path: Path) -> None:
    from qa.app.cli import save_calibration
    from qa.eval.questions import CalibrationRow, GoldQuestion, GoldSet

    gold = GoldSet("v2.json", "squad", "ab" * 32, (GoldQuestion("q1", "Who?", (), ()),))
    rows = (CalibrationRow(0.3, 90.0, 10.0, 10.0, 50.0), CalibrationRow(0.4125, 80.0, 30.0, 20.0, 55.5))
    assert SpanReader(tmp_path).threshold != 0.4125
    record = json.loads(save_calibration(tmp_path, 0.4125, gold, rows, 0.2).read_text(encoding="utf-8"))
    assert SpanReader(tmp_path).threshold == 0.4125
    assert (record["chosen_on"], record["questions"], record["estimated_f1"]) == ("v2.json", 1, 55.5)
    assert "20% of all" in record["rule"]
    record = json.loads(save_calibration(tmp_path, 0.3, gold, rows).read_text(encoding="utf-8"))
    assert SpanReader(tmp_path).threshold == 0.3 and "own share" in record["rule"]


def test_no_answer_runs_across_a_paragraph_break(tiny_model: Path) -> None:
    text = "The Denver Broncos won the game on Sunday.\n\nThe team played at the stadium in February.\n"
    passage = Passage("doc.txt", text, 0, len(text) - 1, 0)
    reader = SpanReader(tiny_model, spans_per_window=40)
    found = [ev for q in ("Who won?", "When?", "Where did the team play?") for ev in reader.read(q, [passage])]
    _check(text, [passage], found)
    assert all("\n" not in ev.answer for ev in found)


def test_the_default_precision_is_bf16_only_where_the_cpu_computes_it(tiny_model: Path) -> None:
    reader = SpanReader(tiny_model, max_length=64, stride=16)
    assert reader.precision == "auto"
    reader.warm_up()
    assert reader.precision == ("bf16" if computes_bf16() else "fp32")
    text, passages = _document()
    _check(text, passages, reader.read("Who won the game?", passages))
    with pytest.raises(QAError, match="precision must be one of auto, fp32, bf16, int8"):
        SpanReader(tiny_model, precision="fp16")


def test_int8_quantizes_only_the_feed_forward_expansions_and_keeps_offsets(tiny_model: Path) -> None:
    import torch

    reader = SpanReader(tiny_model, max_length=64, stride=16, precision="int8")
    reader.warm_up()
    quantized = {name for name, layer in reader._model.named_modules()
                 if isinstance(layer, torch.ao.nn.quantized.dynamic.Linear)}
    assert quantized and all(name.endswith("intermediate.dense") for name in quantized)
    assert any(name.endswith("attention.self.query") for name, _ in reader._model.named_modules())
    text, passages = _document()
    _check(text, passages, reader.read("Who won the game?", passages))
