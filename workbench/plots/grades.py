"""A class at a glance: the distribution of scores and the most common mistakes.

Left, a histogram of the students' totals (out of the maximum); right, the
mistakes named most often, each labelled with its exercise.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "class.png"
>>> class_figure([3, 5, 4.5], 5, {"e1": {"sign flipped": 2}}, [out])[0].exists()
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from .figures import pyplot, save

#: bars shown in the mistakes panel
TOP = 10


def class_figure(totals: Sequence[float], max_total: float,
                 mistakes: Mapping[str, Mapping[str, int]], paths: Sequence[Path]) -> list[Path]:
    """Save the score histogram and the most common mistakes to every path."""
    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.hist(totals, bins=min(20, max(5, len(set(totals)))), range=(0, max_total or 1),
              color="tab:blue", edgecolor="white")
    left.set_xlabel(f"score (out of {max_total:g})")
    left.set_ylabel("students")
    left.set_title("score distribution")
    rows = sorted(((n, f"{ex}: {kind}") for ex, kinds in mistakes.items()
                   for kind, n in kinds.items()), reverse=True)[:TOP]
    if rows:
        right.barh([label for _, label in rows][::-1], [n for n, _ in rows][::-1],
                   color="tab:red")
        right.set_xlabel("answers")
    else:
        right.text(0.5, 0.5, "no certified mistakes", ha="center", va="center")
        right.set_axis_off()
    right.set_title("most common mistakes")
    fig.tight_layout()
    return save(fig, paths)
