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
--random: 100000000 is over the limit of 100000 random points (each is certified at 50 digits)
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


#: One row per bounded quantity.  Reasons say what grows with the value.
LIMITS: dict[str, Limit] = {
    "random_points": Limit(100_000, "random points",
                           "each is certified at 50 digits"),
    # exercise files (workbench.tasks.schema)
    "dimension": Limit(500, "dimensions", "a d × d matrix is formed and factorized"),
    "iterations": Limit(100_000, "iterations", "each step is run and recorded"),
    "taylor_order": Limit(12, "orders", "the number of terms grows like order^variables"),
    "derivative_order": Limit(6, "orders", "the k-th derivative is a tensor of order k"),
    "samples": Limit(100_000, "samples", "the data set is generated and held in memory"),
    "features": Limit(1_000, "features", "the model has one weight per feature and class"),
    "classes": Limit(100, "classes", "the model has one weight per feature and class"),
    "hidden_units": Limit(4_096, "units", "the layers' weight matrices grow with the square"),
    "list_items": Limit(1_000, "items", "each item is computed and typeset"),
    "restarts": Limit(1_000, "restarts", "each restart is a full run"),
}


def check(name: str, value: int, where: str) -> None:
    """Raise :class:`InputError` naming ``where`` when ``value`` exceeds limit ``name``."""
    limit = LIMITS[name]
    if value > limit.maximum:
        raise InputError(f"{where}: {value} is over the limit of {limit.maximum} "
                         f"{limit.unit} ({limit.reason})")
