"""Small number helpers shared by the evaluators: percentages, latency percentiles, table cells."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def pct(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole`` (two decimals); None when there is nothing to divide by."""
    return round(100.0 * part / whole, 2) if whole else None


def percentiles_ms(latencies: Sequence[float]) -> tuple[float | None, float | None]:
    """(p50, p95) of latencies in milliseconds, one decimal; (None, None) for no timings."""
    if not latencies:
        return None, None
    return round(float(np.percentile(latencies, 50)), 1), round(float(np.percentile(latencies, 95)), 1)


def fmt(value: float | None, suffix: str = "") -> str:
    """A metric as a table cell: one decimal, or n/a."""
    return "n/a" if value is None else f"{value:.1f}{suffix}"
