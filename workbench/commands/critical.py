"""``workbench critical``: every real critical point of EXPR, classified.

Without ``--box`` polynomial systems are solved exactly on ℝⁿ; with
``--box x=a:b,y=c:d`` every critical point in the closed box is found by an
interval branch and bound and each is proved (see
:mod:`workbench.symbolic.box_roots`).  Critical points of a polynomial that are not
isolated are reported as sets (:mod:`workbench.symbolic.critical_sets`).
"""

from __future__ import annotations

from ..core.errors import InputError
from .common import add_expr_args, emit, read_function


def register(sub) -> None:
    p = sub.add_parser("critical", help="critical points of EXPR, classified",
                       description="Solve grad f = 0 (exactly where possible) and classify each "
                                   "point by the eigenvalues of the Hessian (a higher-order test "
                                   "where it is singular). With --box, every critical point in "
                                   "the box, each proved, and a proof that none is missing. "
                                   "Critical points of a polynomial that are not isolated are "
                                   "reported as sets (JSON 'sets': set, latex, description, "
                                   "dimension, value, value_proof, kind = minimum set | "
                                   "maximum set | saddle set | mixed | undecided, kind_detail, "
                                   "degenerate_points, part = all | inside the box); see the "
                                   "README's 'Critical sets'.")
    add_expr_args(p, at=False)
    p.add_argument("--box", help="a closed box, e.g. x=-5:5,y=0:pi: find every critical point "
                                 "in it with proof (interval Krawczyk branch and bound)")
    p.add_argument("--max-boxes", type=int, metavar="N",
                   help="work limit of the box search: boxes examined (default 400000)")
    p.add_argument("--max-depth", type=int, metavar="N",
                   help="work limit of the box search: bisections of one box (default 64)")
    p.set_defaults(run=run)


def run(args) -> int:
    from ..symbolic.calculus import critical_points

    f, names = read_function(args)
    for flag, value in (("--max-boxes", args.max_boxes), ("--max-depth", args.max_depth)):
        if value is not None and args.box is None:
            raise InputError(f"{flag} applies to a box search: give --box too")
        if value is not None and value < 1:
            raise InputError(f"{flag}: {value} is not a positive count")
    found = critical_points(f, names, box=args.box, max_boxes=args.max_boxes,
                            max_depth=args.max_depth)
    emit(args, found.to_dict(), str(found))
    return 0

