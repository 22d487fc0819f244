"""Stated limits: how much work one request may ask for, checked before it starts.

A request that would run for minutes or allocate gigabytes is refused at once,
with the limit named, instead of being started and killed later.  Each limit is
one row of :data:`LIMITS`: the largest value accepted and the reason for it,
sized so that a request at the limit finishes in seconds on a 2-core machine.
Limits only ever refuse; they never change a result.

>>> check("random_points", 100, "--random")
>>> try:
...     check("random_points", 10**8, "--random")
... except InputError as exc:
...     print(exc)
--random: 100000000 is over the limit of 10000 random points (each is certified at 50 digits)
>>> try:
...     check("random_points", -5, "--random")
... except InputError as exc:
...     print(exc)
--random: must be at least 1 (random points), got -5

The table, as the README shows it, is :func:`markdown`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError


@dataclass(frozen=True)
class Limit:
    """The largest accepted value of one quantity, its unit and why."""

    maximum: int
    unit: str
    reason: str
    minimum: int | None = None


#: One row per bounded quantity.  Reasons say what grows with the value.
LIMITS: dict[str, Limit] = {
    "random_points": Limit(10_000, "random points",
                           "each is certified at 50 digits", minimum=1),
    "matrix_dimension": Limit(30, "rows or columns of a matrix",
                              "a concrete size is certified entrywise with exact SymPy "
                              "derivatives, whose cost grows like n³ (n = 30: about 15 s)",
                              minimum=1),
    "jacobian_outputs": Limit(1_000, "expressions in a Jacobian",
                              "each output is differentiated symbolically by every variable"),
    "taylor_order": Limit(30, "Taylor order",
                          "the series along a line is expanded term by term to that order",
                          minimum=0),
    "samples": Limit(100_000, "samples", "the data set is held and swept every epoch",
                     minimum=1),
    "epochs": Limit(100_000, "epochs", "every epoch is a full pass over the data", minimum=0),
    "sample_passes": Limit(10_000_000, "sample passes (samples × epochs)",
                           "each pass computes one sample's gradient term"),
    "layer_width": Limit(4_096, "units in a layer",
                         "a layer of width w holds w × fan-in weights (8 bytes each)",
                         minimum=1),
    "parameters": Limit(1_000_000, "network parameters",
                        "every parameter is updated each epoch and gradient-checked"),
    "workers": Limit(64, "worker processes",
                     "each worker holds its own SymPy and JAX (about 300 MB)", minimum=1),
    "expression_length": Limit(5_000, "characters in an expression",
                               "the safe parser walks every node"),
    "title_length": Limit(1_000, "characters in a title",
                          "a title is typeset on one line of the sheet"),
    # exercise files (workbench.tasks.schema)
    "dimension": Limit(500, "dimensions", "a d × d matrix is formed and factorized"),
    "iterations": Limit(100_000, "iterations", "each step is run and recorded"),
    "derivative_order": Limit(6, "orders", "the k-th derivative is a tensor of order k"),
    "features": Limit(1_000, "features", "the model has one weight per feature and class"),
    "classes": Limit(100, "classes", "the model has one weight per feature and class"),
    "list_items": Limit(1_000, "items", "each item is computed and typeset"),
    "restarts": Limit(1_000, "restarts", "each restart is a full run"),
    "clusters": Limit(100, "clusters per class",
                      "a centroid is drawn for every cluster of every class"),
}


def check(name: str, value: int, where: str) -> None:
    """Raise :class:`InputError` naming ``where`` when ``value`` exceeds limit ``name``."""
    limit = LIMITS[name]
    if limit.minimum is not None and value < limit.minimum:
        raise InputError(f"{where}: must be at least {limit.minimum} ({limit.unit}), "
                         f"got {value}")
    if value > limit.maximum:
        raise InputError(f"{where}: {value} is over the limit of {limit.maximum} "
                         f"{limit.unit} ({limit.reason})")


def markdown() -> str:
    """The table of :data:`LIMITS` as the README's Markdown table (a test keeps them equal)."""
    rows = ["| quantity | at most | why |", "| --- | --- | --- |"]
    rows += [f"| {lim.unit} | {lim.maximum:,} | {lim.reason} |"
             for name, lim in LIMITS.items()]
    return "\n".join(rows)
