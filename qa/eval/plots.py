"""Pictures of an evaluation, written as PNG beside its report: F1 by question type, and the
abstention curve (no-answer precision and recall against the threshold). Drawn with Pillow, which
the web chat's Gradio already installs, so evaluation needs no plotting library."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

QUESTION_TYPES = ("what", "which", "who", "when", "where", "why", "how")
WIDTH, HEIGHT, MARGIN = 720, 420, 60
INK, GRID, BLUE, ORANGE = (30, 30, 30), (220, 220, 220), (37, 99, 235), (217, 119, 6)


def question_type(question: str) -> str:
    """The question's first wh-word, or "other"."""
    words = [w.strip("?,.'\"").lower() for w in question.split()]
    return next((w for w in words if w in QUESTION_TYPES), "other")


def f1_by_type(rows: Sequence) -> dict[str, tuple[float, int]]:
    """Mean F1 and count of the answerable questions of each type."""
    groups: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        if row.gold_answers:
            groups[question_type(row.question)].append(row.f1)
    return {t: (sum(v) / len(v), len(v)) for t, v in sorted(groups.items(), key=lambda kv: -len(kv[1]))}


def abstention_curve(rows: Sequence, steps: int = 50) -> list[tuple[float, float | None, float | None]]:
    """(threshold, no-answer precision %, recall %) for thresholds from 0 to 1: a question abstains
    when its best score is below the threshold."""
    unanswerable = sum(1 for r in rows if not r.gold_answers)
    curve = []
    for i in range(steps + 1):
        t = i / steps
        refused = [r for r in rows if r.score < t]
        right = sum(1 for r in refused if not r.gold_answers)
        curve.append((t, 100.0 * right / len(refused) if refused else None,
                      100.0 * right / unanswerable if unanswerable else None))
    return curve


def _axes(title: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    draw.text((MARGIN, 15), title, fill=INK)
    for pct in range(0, 101, 20):
        y = HEIGHT - MARGIN - pct * (HEIGHT - 2 * MARGIN) / 100
        draw.line([(MARGIN, y), (WIDTH - MARGIN, y)], fill=GRID)
        draw.text((15, y - 6), f"{pct}", fill=INK)
    return image, draw


def draw_f1_by_type(rows: Sequence, path: Path) -> None:
    by_type = f1_by_type(rows)
    image, draw = _axes("F1 by question type (answerable questions; n under each bar)")
    if by_type:
        slot = (WIDTH - 2 * MARGIN) / len(by_type)
        for i, (kind, (f1, n)) in enumerate(by_type.items()):
            x0 = MARGIN + i * slot + slot * 0.15
            y = HEIGHT - MARGIN - f1 * (HEIGHT - 2 * MARGIN) / 100
            draw.rectangle([x0, y, x0 + slot * 0.7, HEIGHT - MARGIN], fill=BLUE)
            draw.text((x0, y - 14), f"{f1:.0f}", fill=INK)
            draw.text((x0, HEIGHT - MARGIN + 6), f"{kind}\nn={n}", fill=INK)
    image.save(path)


def draw_abstention_curve(rows: Sequence, threshold: float | None, path: Path) -> None:
    curve = abstention_curve(rows)
    image, draw = _axes("Abstention: no-answer precision (blue) and recall (orange) vs threshold")

    def point(t: float, v: float) -> tuple[float, float]:
        return MARGIN + t * (WIDTH - 2 * MARGIN), HEIGHT - MARGIN - v * (HEIGHT - 2 * MARGIN) / 100

    for index, colour in ((1, BLUE), (2, ORANGE)):
        points = [point(c[0], c[index]) for c in curve if c[index] is not None]
        if len(points) > 1:
            draw.line(points, fill=colour, width=3)
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        x, _ = point(t, 0)
        draw.text((x - 8, HEIGHT - MARGIN + 6), f"{t:.2f}", fill=INK)
    if threshold is not None:
        x, _ = point(threshold, 0)
        draw.line([(x, MARGIN), (x, HEIGHT - MARGIN)], fill=INK, width=1)
        draw.text((x + 4, MARGIN), f"threshold {threshold:.3f}", fill=INK)
    image.save(path)


def write_plots(rows: Sequence, report_path: str | Path, threshold: float | None) -> list[Path]:
    """``REPORT.f1_by_type.png`` and, when the gold set has unanswerable questions,
    ``REPORT.abstention.png`` beside the report; returns the paths written."""
    base = Path(report_path)
    stem = base.with_suffix("")
    written = [stem.with_name(stem.name + ".f1_by_type.png")]
    draw_f1_by_type(rows, written[0])
    if any(not r.gold_answers for r in rows):
        written.append(stem.with_name(stem.name + ".abstention.png"))
        draw_abstention_curve(rows, threshold, written[1])
    return written
