"""Grading throughput: a synthetic class of LaTeX submissions graded with ``grade_class``.

``python -m benchmarks.grading --students 1000 --exercises 20 -j 2`` builds a
class deterministically (seed 20): exercise k asks for the gradient of one of
:data:`FUNCTIONS` plus k·x·y (so no two exercises share a truth); each student
answers each exercise with one of a few variants, as a real class does (the
correct gradient, expanded or not, a flipped sign, a factor 2, a dropped term,
the components swapped), written in LaTeX with ∂f/∂x labels.  It prints one
JSON object: the units, the distinct units (each graded once), the seconds and
the units per second.  ``--executor dask`` (or a scheduler's address) grades the
same units on a Dask cluster, as ``workbench grade --executor`` does; the status
counts are the same.  A benchmark, not a test: the figure depends on the
machine and on how varied the answers are.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections import Counter

import sympy as sp

from workbench.core.printing import to_latex, to_text
from workbench.grading.grade import grade_class
from workbench.grading.key import parse_key
from workbench.grading.submission import read_submission_text

X, Y = sp.symbols("x y", real=True)
FUNCTIONS = [X**2 * Y + Y**3, X * sp.sin(X * Y) + sp.exp(2 * X), sp.log(1 + X**2) + X * Y**2,
             (X - 2 * Y) ** 3 + sp.cos(X * Y), sp.exp(X * Y) + X**3]


def variants(f: sp.Expr, rng: random.Random) -> list[list[sp.Expr]]:
    """Answers a class gives: right (two forms) and four common mistakes."""
    gx, gy = sp.diff(f, X), sp.diff(f, Y)
    term = rng.choice(sp.Add.make_args(gx))
    return [[gx, gy], [sp.expand(gx), sp.expand(gy)], [gx - 2 * term, gy], [gx, 2 * gy],
            [gx - term, gy], [gy, gx]]


def build(students: int, exercises: int, seed: int = 20):
    rng = random.Random(seed)
    fs = [FUNCTIONS[k % len(FUNCTIONS)] + k * X * Y for k in range(exercises)]
    key = parse_key({"exercise": [{"id": f"e{k}", "kind": "gradient", "expr": to_text(f),
                                   "variables": ["x", "y"], "points": 2}
                                  for k, f in enumerate(fs)]}, "benchmark-key.toml")
    written = [[[rf"$$\frac{{\partial f}}{{\partial {v}}} = {to_latex(e)}$$"
                 for v, e in zip("xy", answer, strict=True)] for answer in variants(f, rng)]
               for f in fs]
    subs = []
    for s in range(students):
        text = []
        for k, pool in enumerate(written):
            text += [f"## e{k}", *rng.choice(pool)]
        subs.append(read_submission_text("\n".join(text), f"s{s:04d}"))
    return key, subs


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.grading",
                                description=__doc__.splitlines()[0])
    p.add_argument("--students", type=int, default=100)
    p.add_argument("--exercises", type=int, default=20)
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--executor", default=None,
                   help="processes (default), dask, or a Dask scheduler's address")
    args = p.parse_args(argv)
    key, subs = build(args.students, args.exercises)
    start = time.perf_counter()
    results = grade_class(key, subs, args.jobs, args.executor)
    seconds = time.perf_counter() - start
    distinct = len({(ex.id, tuple(a.text for a in s.answers[ex.id]))
                    for s in subs for ex in key.exercises})
    print(json.dumps({"students": args.students, "exercises": args.exercises,
                      "jobs": args.jobs, "executor": args.executor or "processes",
                      "units": len(results), "distinct_units": distinct,
                      "seconds": round(seconds, 2),
                      "units_per_second": round(len(results) / seconds, 1),
                      "status_counts": dict(Counter(r.status for r in results))}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
