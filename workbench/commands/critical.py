"""``workbench critical``: every real critical point of EXPR, classified.

Without ``--box`` polynomial systems are solved exactly on ℝⁿ; with
``--box x=a:b,y=c:d`` every critical point in the closed box is found by an
interval branch and bound and each is proved (see
:mod:`workbench.symbolic.box_roots`).
"""

from __future__ import annotations

from ..core.errors import InputError
from ..symbolic.calculus import critical_points
from .common import add_expr_args, emit, number, read_function, text


def register(sub) -> None:
    p = sub.add_parser("critical", help="critical points of EXPR, classified",
                       description="Solve grad f = 0 (exactly where possible) and classify each "
                                   "point by the eigenvalues of the Hessian (a higher-order test "
                                   "where it is singular). With --box, every critical point in "
                                   "the box, each proved, and a proof that none is missing.")
    add_expr_args(p, at=False)
    p.add_argument("--box", help="a closed box, e.g. x=-5:5,y=0:pi: find every critical point "
                                 "in it with proof (interval Krawczyk branch and bound)")
    p.add_argument("--max-boxes", type=int, metavar="N",
                   help="work limit of the box search: boxes examined (default 400000)")
    p.add_argument("--max-depth", type=int, metavar="N",
                   help="work limit of the box search: bisections of one box (default 64)")
    p.set_defaults(run=run)


def run(args) -> int:
    f, names = read_function(args)
    for flag, value in (("--max-boxes", args.max_boxes), ("--max-depth", args.max_depth)):
        if value is not None and args.box is None:
            raise InputError(f"{flag} applies to a box search: give --box too")
        if value is not None and value < 1:
            raise InputError(f"{flag}: {value} is not a positive count")
    found = critical_points(f, names, box=args.box, max_boxes=args.max_boxes,
                            max_depth=args.max_depth)
    points = [{
        "point": {k: text(v) for k, v in p.point.items()},
        "numeric": p.numeric,
        "value": number(p.value),
        "value_exact": text(p.value),
        "kind": p.kind,
        "hessian_eigenvalues": p.eigenvalues,
        "exact": p.exact,
        "proved": p.proved,
        "on_boundary": p.on_boundary,
    } for p in found.points]
    data = {"variables": names, "points": points, "complete": found.complete,
            "method": found.method, "note": found.note,
            "box": None if found.box is None else {
                k: [text(a), text(b)] for k, (a, b) in found.box.items()},
            "unsettled": found.unsettled, "unsettled_count": found.unsettled_count,
            "work": found.work}
    emit(args, data, _readable(data))
    return 0


def _readable(d: dict) -> str:
    lines = []
    if d["box"] is not None:
        lines.append("box: " + " × ".join(f"[{a}, {b}]" for a, b in d["box"].values())
                     + f" ({', '.join(d['box'])})")
    for p in d["points"]:
        at = ", ".join(f"{k} = {v:.10g}" for k, v in p["numeric"].items())
        eig = ", ".join(f"{e:.6g}" for e in p["hessian_eigenvalues"])
        flags = ("proved" if p["proved"] else "kind not proved") + (
            ", on the boundary" if p["on_boundary"] else "")
        lines.append(f"({at}): {p['kind']}, f = {p['value']:.10g}, Hessian eigenvalues [{eig}]"
                     f" ({flags})")
        if p["exact"]:
            lines.append("    exact: " + ", ".join(f"{k} = {v}" for k, v in p["point"].items()))
    if not d["points"]:
        lines.append("no real critical points" + (" in the box" if d["box"] else ""))
    lines.append("complete: " + ("yes" if d["complete"] else "not guaranteed") + f" ({d['note']})")
    for u in d["unsettled"]:
        where = " × ".join(f"[{a:.10g}, {b:.10g}]" for a, b in u["box"].values())
        lines.append(f"    unsettled: {where}: {u['reason']}")
    if d["unsettled_count"] > len(d["unsettled"]):
        lines.append(f"    … {d['unsettled_count'] - len(d['unsettled'])} more unsettled boxes")
    return "\n".join(lines)
