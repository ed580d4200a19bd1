"""The evaluation's pictures: F1 by question type and the abstention curve, from per-question rows."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from qa.eval.plots import abstention_curve, f1_by_type, question_type, write_plots
from qa.eval.questions import QuestionResult


def row(question: str, golds: tuple[str, ...], f1: float, score: float) -> QuestionResult:
    return QuestionResult("id", question, golds, (), None if not golds and score < 0.5 else "x", None, None, score,
                          f1, f1, None, None, 1.0)


ROWS = [row("Who won?", ("a",), 100.0, 0.9), row("Who lost?", ("b",), 0.0, 0.8), row("When was it?", ("c",), 50.0, 0.7),
        row("What is the capital of Mars?", (), 100.0, 0.1), row("Where is Atlantis?", (), 0.0, 0.6)]


def test_question_types_and_f1_by_type() -> None:
    assert question_type("In which year did it end?") == "which" and question_type("Name the team.") == "other"
    assert f1_by_type(ROWS) == {"who": (50.0, 2), "when": (50.0, 1)}


def test_abstention_curve_counts_refusals_below_each_threshold() -> None:
    curve = {round(t, 2): (p, r) for t, p, r in abstention_curve(ROWS, steps=10)}
    assert curve[0.0] == (None, 0.0)  # nothing refused
    assert curve[0.2] == (100.0, 50.0)  # only the Mars question refused
    assert curve[1.0] == (40.0, 100.0)  # everything refused


def test_pictures_are_written_beside_the_report(tmp_path: Path) -> None:
    written = write_plots(ROWS, tmp_path / "report.json", threshold=0.5)
    assert [p.name for p in written] == ["report.f1_by_type.png", "report.abstention.png"]
    for path in written:
        with Image.open(path) as image:
            assert image.size == (720, 420) and len(image.getcolors(maxcolors=1 << 16) or []) > 2  # something was drawn
    only_answerable = write_plots(ROWS[:3], tmp_path / "v1.json", threshold=None)
    assert [p.name for p in only_answerable] == ["v1.f1_by_type.png"]
