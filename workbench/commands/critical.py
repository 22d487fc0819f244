"""``workbench critical``: every real critical point of EXPR, classified."""

from __future__ import annotations

from ..symbolic.calculus import critical_points
from .common import add_expr_args, emit, read_function


def register(sub) -> None:
    p = sub.add_parser("critical", help="critical points of EXPR, classified",
                       description="Solve grad f = 0 (exactly where possible) and classify each "
                                   "point by the eigenvalues of the Hessian.")
    add_expr_args(p, at=False)
    p.set_defaults(run=run)


def run(args) -> int:
    f, names = read_function(args)
    found = critical_points(f, names)
    emit(args, found.to_dict(), str(found))
    return 0
